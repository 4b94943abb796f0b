"""pandoc grid, multiline and simple tables: the pure parsers, the errors they name, and the check's reading of a page."""
from __future__ import annotations

import time

import markdown
import pytest
from litreview.citations.pandoc_tables import (
    Cell,
    TableError,
    parse_grid,
    parse_multiline,
    parse_simple,
    starts_table,
    table_problems,
)

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


SIMPLE = ["  Dose  Site      Arm     Notes", "------  ------  --------  -----", "    12  liver     both    *none*",
          "     3  lung       A      see [@lund2021dose]"]


def test_simple_table_alignment_follows_the_header() -> None:
    """Header flush with the dashes' right end: right; with their left end: left; inside both ends: centred; flush
    with both: the default (pandoc's rule)."""
    table = parse_simple(SIMPLE)
    assert table.aligns == ["right", "left", "center", ""]
    assert table.head == [[Cell("Dose"), Cell("Site"), Cell("Arm"), Cell("Notes")]]
    assert table.body == [[Cell("12"), Cell("liver"), Cell("both"), Cell("*none*")],
                          [Cell("3"), Cell("lung"), Cell("A"), Cell("see [@lund2021dose]")]]
    assert table.block_cells is False


def test_simple_table_closing_line_and_headless_form() -> None:
    assert parse_simple([*SIMPLE, "------  ------  --------  -----"]).body == parse_simple(SIMPLE).body
    table = parse_simple(["-----  ------", "   12  a", "    3  bb", "-----  ------"])
    assert table.head == [] and table.body == [[Cell("12"), Cell("a")], [Cell("3"), Cell("bb")]]
    assert table.aligns == ["right", "left"]  # from the first row, without a header


def test_simple_table_text_past_a_column_is_cut_where_the_next_starts() -> None:
    """A cell's text may run past its dashes into the gap (no alignment then); the next column starts where its
    dashes start."""
    table = parse_simple(["Longer  B", "----    -----", "x       y"])
    assert table.head == [[Cell("Longer"), Cell("B")]] and table.aligns == ["", "left"]
    assert parse_simple(["Long header  B", "-----   -----", "x       y"]).head == [[Cell("Long hea"), Cell("der  B")]]


@pytest.mark.parametrize(("block", "kind"), [
    ("Dose  Site\n----  ----\n2     liver", "simple"),
    ("  Dose  Site\n------  ----\n     2  liver\n------  ----", "simple"),
    ("----  ----\n2     liver\n----  ----", "simple"),
    ("        Dose  Site\n------------  ----\n           2  liver", "simple"),
    # not simple tables: a setext heading, a rule, a header with no row, single-dash "segments", YAML-ish front
    # matter, a heading or a quote over dashes, a headless table that never closes, dashes four spaces in
    ("Title\n-----\nText", ""),
    ("Text\n\n---", ""),
    ("Dose  Site\n----  ----", ""),
    ("Dose  Site\n----  ----\n----  ----", ""),
    ("Text\n- - -\nmore", ""),
    ("---\ntitle: x\n---", ""),
    ("# Doses\n----  ----\n2  3", ""),
    ("> quote\n----  ----\n2  3", ""),
    ("----  ----\n2     liver", "multiline"),
    ("Text\n    ----  ----\n2  3", ""),
])
def test_what_starts_a_simple_table(block: str, kind: str) -> None:
    assert starts_table(block) == kind


def test_simple_tables_in_pages() -> None:
    md = markdown.Markdown(extensions=["tables", "litreview.markdown"])
    html = md.convert("Text\n\nDose  Site\n----  ------\n 2    *liver*\n\nTable: Doses\n\nTitle\n-----\n\n"
                      "Line\n- - -\n\n    code  block\n    ----  -----\n    1     2\n")
    assert html == ('<p>Text</p>\n<table>\n<caption>Doses</caption><thead>\n<tr>\n<th>Dose</th>\n<th style='
                    '"text-align: left;">Site</th>\n</tr>\n</thead>\n<tbody>\n<tr>\n<td>2</td>\n<td style="text-align: '
                    'left;"><em>liver</em></td>\n</tr>\n'
                    '</tbody>\n</table>\n<h2>Title</h2>\n<p>Line</p>\n<hr />\n<pre><code>code  block\n----  -----\n'
                    '1     2\n</code></pre>')


def _simple_rows(n: int) -> str:
    return "a  b\n-- --\n" + "x  y\n" * n + "\n"


def _simple_many(n: int) -> str:
    return "a  b\n-- --\nx  y\n\n" * n


def _simple_short_rows(n: int) -> str:
    return "a\n" + "-- " * 400 + "\n" + "x\n" * n


def test_hostile_simple_tables_grow_linearly() -> None:
    """Thousands of rows, of tables, or of one-character rows under 400 columns: four times the input costs less
    than eight times the work; a dashed line over 1,000 characters wide is refused with a message."""
    found = table_problems("a\n" + "-- " * 400 + "\nx\n")
    assert found == [(("-- " * 400).rstrip(), "a simple table wider than 1000 characters is not read as a table; "
                      "make its columns narrower, split it, or write it as a pipe table")]
    for make in (_simple_rows, _simple_many, _simple_short_rows):
        assert _cpu(make(2000)) < 8 * _cpu(make(500)), make.__name__
