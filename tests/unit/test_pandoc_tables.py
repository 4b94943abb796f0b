"""pandoc grid and multiline tables: the pure parsers, the errors they name, and the check's reading of a page."""
from __future__ import annotations

import time

import markdown
import pytest
from litreview.citations.pandoc_tables import Cell, TableError, parse_grid, parse_multiline, table_problems

GRID = ["+-----+------+", "| a   | b    |", "+:===+=====:+".replace("+:===+", "+:====+"), "| 1   | x    |",
        "|     | y    |", "+-----+------+"]


def test_grid_with_header_alignment_and_block_cells() -> None:
    table = parse_grid(GRID)
    assert table.aligns == ["left", "right"]
    assert table.head == [[Cell("a"), Cell("b")]]
    assert table.body == [[Cell("1"), Cell("x\ny")]]


def test_grid_spans() -> None:
    table = parse_grid(["+---+---+", "| a     |", "+---+---+", "| b | c |", "+   +---+", "|   | d |",
                        "+---+---+"])
    assert table.head == []
    assert table.body == [[Cell("a", 1, 2), None], [Cell("b", 2, 1), Cell("c")], [None, Cell("d")]]


@pytest.mark.parametrize(("lines", "line", "start"), [
    (["+---+---+", "| a | b |", "| c | d", "+---+---+"], 2, "a grid table's lines all start and end"),
    (["+---+---+", "| a | b |", "| c | d |"], 2, "a grid table ends with a border line"),
    (["+---+---+", "| a | b |", "+---+   +", "| c   d |", "+---+---+"], 0, "this grid table cannot be read (Malformed "
     "table; parse incomplete.); check its borders"),
])
def test_malformed_grid(lines: list[str], line: int, start: str) -> None:
    with pytest.raises(TableError) as caught:
        parse_grid(lines)
    assert str(caught.value).startswith(start)
    assert caught.value.line == line


def test_multiline_without_header() -> None:
    table = parse_multiline(["------- ------", "  one   two", "        lines", "", "three      4", "------- ------"])
    assert table.head == [] and table.block_cells is False
    assert table.body == [[Cell("one"), Cell("two lines")], [Cell("three"), Cell("4")]]
    assert table.aligns == ["center", "left"]


def test_check_reads_tables_as_the_build_does() -> None:
    text = "Text\n\n+---+---+\n| a | b |\n+---+--+\n\n---------\nHeading\n---------\n\n----- -----\n a     b\n"
    assert table_problems(text) == [("+---+--+", "a grid table's lines all start and end at its border (`+` or `|`) "
                                     "and have the same length; align this line with the border above it")]


def test_rules_and_setext_headings_stay() -> None:
    html = markdown.markdown("Text\n\n---\n\nHeading\n-------\n\n- - -\n", extensions=["tables", "litreview.markdown"])
    assert html == "<p>Text</p>\n<hr />\n<h2>Heading</h2>\n<hr />"


def _cpu(text: str) -> float:
    """The least CPU time (this process's, not the wall clock) of three conversions."""
    best = float("inf")
    for _ in range(3):
        start = time.process_time()
        markdown.markdown(text, extensions=["tables", "litreview.markdown"])
        best = min(best, time.process_time() - start)
    return best


def _wide(n: int) -> str:
    return "+" + "-+" * n + "\n" + "|" + " |" * n + "\n" + "+" + "-+" * n + "\n"


def _tall(n: int) -> str:
    return "+---+---+\n" + "| a | b |\n+---+---+\n" * n


def _unclosed(n: int) -> str:
    return "----- -----\n" + "a b\n\n" * n


def test_hostile_tables_grow_linearly() -> None:
    """A grid 499 columns wide is read, a wider one refused with a message (its cost grows with the square of its
    width); tall grids and a multiline table's first line with thousands of paragraphs and no end grow linearly:
    four times the input costs less than eight times the work (growth is compared, never a time)."""
    out = markdown.markdown(_wide(499) + "\n" + _unclosed(2000), extensions=["tables", "litreview.markdown"])
    assert out.count("<td>") == 499
    assert table_problems(_wide(3000)) == [("+" + "-+" * 3000, "a grid table wider than 1000 characters is not read "
                                            "as a table; make its columns narrower, split it, or write it as a pipe "
                                            "table")]
    for make in (_wide, _tall, _unclosed):
        assert _cpu(make(2000)) < 8 * _cpu(make(500)), make.__name__
