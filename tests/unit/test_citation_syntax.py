"""The pandoc citation parser, as a table of accepted and rejected strings (pandoc's reading as reference)."""
from __future__ import annotations

import pytest

from litreview.citations.syntax import CiteItem, find_citations, parse_bracketed, read_key

ACCEPTED = [
    ("@doe99", [("doe99", "", "", False)], "narrative"),
    ("[@doe99]", [("doe99", "", "", False)], "normal"),
    ("[@a; @b; @c]", [("a", "", "", False), ("b", "", "", False), ("c", "", "", False)], "normal"),
    ("[@key, p. 4]", [("key", "", "p. 4", False)], "normal"),
    ("[see @key, pp. 33-35; also @b, ch. 1]", [("key", "see", "pp. 33\u201335", False), ("b", "also", "ch. 1", False)],
     "normal"),
    ("[-@key]", [("key", "", "", True)], "normal"),
    ("@key [p. 4]", [("key", "", "p. 4", False)], "narrative"),
    ("[@{braced key/with:odd}]", [("braced key/with:odd", "", "", False)], "normal"),
    ("[@smith:2004.x]", [("smith:2004.x", "", "", False)], "normal"),
    ("[@a_b-c+d?e<f>g~h/i#j$k%l&m]", [("a_b-c+d?e<f>g~h/i#j$k%l&m", "", "", False)], "normal"),
    ("see @doe99.", [("doe99", "", "", False)], "narrative"),
    ("(@doe99)", [("doe99", "", "", False)], "narrative"),
    ("[see [a] @k, p. 1]", [("k", "see [a]", "p. 1", False)], "normal"),
    ("[@Müller2020]", [("Müller2020", "", "", False)], "normal"),
    # keys separated by commas: one citation of each (pandoc cites the second inside the first one's locator)
    ("[@a,@b]", [("a", "", "", False), ("b", "", "", False)], "normal"),
    ("[@a, @b, -@c; @d]", [("a", "", "", False), ("b", "", "", False), ("c", "", "", True), ("d", "", "", False)],
     "normal"),
    ("[@{x,y}, @b]", [("x,y", "", "", False), ("b", "", "", False)], "normal"),
    ("[@doi:10.1371/journal.pcbi.1007128]", [("doi:10.1371/journal.pcbi.1007128", "", "", False)], "normal"),
]


@pytest.mark.parametrize(("text", "items", "mode"), ACCEPTED)
def test_accepted(text: str, items: list[tuple[str, str, str, bool]], mode: str) -> None:
    found = find_citations(text)
    assert len(found) == 1, found
    citation = found[0][2]
    assert citation.mode == mode
    assert citation.items == tuple(CiteItem(*i) for i in items)


NOT_CITATIONS = [
    "info@example.org",
    "write to jane.doe@example.org today",
    "https://example.org/@user",
    "[@]",
    "[text without key]",
    "[@key](https://example.org)",
    "@",
    "@-key",
    "a@b",
    "\\@escaped",
]


@pytest.mark.parametrize("text", NOT_CITATIONS)
def test_not_a_citation(text: str) -> None:
    assert find_citations(text) == []


# Pandoc reads these as text with narrative citations inside, never as one bracketed citation.
NOT_BRACKETED = [("[see @a and @b]", [("a",), ("b",)]), ("[@a; plain text]", [("a",)]),
                 ("[@a,@b.]", [("a",), ("b",)]), ("[@a, p. 4, @b]", [("a",), ("b",)])]


@pytest.mark.parametrize(("text", "keys"), NOT_BRACKETED)
def test_not_bracketed(text: str, keys: list[tuple[str, ...]]) -> None:
    found = [c for _, _, c in find_citations(text)]
    assert all(c.mode == "narrative" for c in found)
    assert [c.keys for c in found] == keys


def test_unclosed_bracket_reads_as_narrative_like_pandoc() -> None:
    assert [c.keys for _, _, c in find_citations("[@key")] == [("key",)]


@pytest.mark.parametrize(("text", "key"), [("doe99", "doe99"), ("doe99.", "doe99"), ("a:b", "a:b"),
                                           ("a:", "a"), ("{x y}", "x y"), ("_x", "_x")])
def test_key_grammar(text: str, key: str) -> None:
    got = read_key(text, 0)
    assert got is not None and got[0] == key


def test_bracketed_needs_every_item_keyed() -> None:
    assert parse_bracketed("@a; @b") is not None
    assert parse_bracketed("@a; b") is None
