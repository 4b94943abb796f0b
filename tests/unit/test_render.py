"""Markdown-level and fixer tests: placeholders from the extension, then exact HTML from the pure fixer."""
from __future__ import annotations

import markdown
import pytest

from litreview.citations.markdown_ext import CitationExtension, iter_placeholders
from litreview.citations.numbering import assign_numbers, compress
from litreview.citations.render import CiteContext, fix_citations, render_reference_list

CTX = CiteContext(
    numbers={"a": 1, "b": 2, "c": 3, "d": 4, "g": 7},
    formatted={k: f"Ref {k.upper()}." for k in "abcdg"},
    names={"a": "Strosberg et al.", "b": "Kim and Lee", "c": "Doe", "d": "Roe", "g": "Poe"},
    years={"a": "2017", "b": "2019", "c": "2020", "d": "2021", "g": "2022"},
)


def md(text: str) -> str:
    return markdown.Markdown(extensions=[CitationExtension(), "footnotes", "tables", "admonition", "toc"]).convert(text)


def fixed(text: str, ctx: CiteContext = CTX) -> str:
    return fix_citations(md(text), ctx).html


def ids(keys: str) -> str:
    """aria-describedby of a citation: the reference-list text of each cited entry (built into a preview by JS)."""
    return " ".join(f"ref-text-{n}" for n in sorted(CTX.numbers[k] for k in keys))


def link(key: str, n: int, keys: str | None = None) -> str:
    return f'<a class="lr-cite-link" href="#ref-{key}" aria-describedby="{ids(keys or key)}">{n}</a>'


def test_single_citation_exact_html() -> None:
    assert fixed("Text [@a].") == (
        '<p>Text <span class="lr-cite" id="cite-1">[<a class="lr-cite-link" href="#ref-a" '
        'aria-describedby="ref-text-1">1</a>]</span>.</p>')


def test_range_compression_exact_html() -> None:
    out = fixed("[@d; @b; @a; @c; @g]")
    assert f'[{link("a", 1, "abcdg")}\u2013{link("d", 4, "abcdg")}, {link("g", 7, "abcdg")}]' in out
    assert 'aria-describedby="ref-text-1 ref-text-2 ref-text-3 ref-text-4 ref-text-7"' in out


def test_two_numbers_are_not_a_range() -> None:
    assert f'[{link("a", 1, "ab")}, {link("b", 2, "ab")}]' in fixed("[@a; @b]")


def test_locator_prefix_and_suffix() -> None:
    assert f'[see {link("a", 1, "ab")}, pp. 33\u201335; also {link("b", 2, "ab")}, ch. 1]' in fixed(
        "[see @a, pp. 33-35; also @b, ch. 1]")
    assert f'[{link("c", 3)}, p. 4]' in fixed("[@c, p. 4]")


def test_narrative_citation() -> None:
    assert f'Strosberg et al. [{link("a", 1)}]' in fixed("As @a showed.")
    assert f'Strosberg et al. [{link("a", 1)}, p. 4]' in fixed("As @a [p. 4] showed.")


def test_author_year_style() -> None:
    ctx = CiteContext(CTX.numbers, CTX.formatted, CTX.names, CTX.years, style="author-year")
    out = fixed("[@a; -@b] and @c", ctx)
    assert '(<a class="lr-cite-link" href="#ref-a" aria-describedby="ref-text-1 ref-text-2">Strosberg et al., 2017</a>; ' \
           '<a class="lr-cite-link" href="#ref-b" aria-describedby="ref-text-1 ref-text-2">2019</a>)' in out
    assert 'Doe (<a class="lr-cite-link" href="#ref-c" aria-describedby="ref-text-3">2020</a>)' in out


def test_unknown_key_gives_marker_and_is_reported() -> None:
    result = fix_citations(md("[@a; @nope]"), CTX)
    assert result.unresolved == ["nope"]
    assert '<span class="lr-missing" title="unknown citation key">[?nope]</span>' in result.html


@pytest.mark.parametrize("text", ["`[@a]`", "    [@a]\n", "```\n[@a]\n```", "mail info@example.org", r"\@a",
                                  '<span title="@a">x</span>', "<https://example.org/@a>"])
def test_never_citations(text: str) -> None:
    assert iter_placeholders(md(text)) == []


@pytest.mark.parametrize("text", ["# Heading [@a]", "!!! note\n    In admonition [@a].", "x[^1]\n\n[^1]: Note [@a].",
                                  "| h |\n|---|\n| [@a] |", "*emphasis [@a]*"])
def test_citations_in_other_markup(text: str) -> None:
    assert [c.keys for _, c in iter_placeholders(md(text))] == [("a",)]


def test_citation_inside_link_text_moves_out_of_the_link() -> None:
    html = fixed("[see the trial [@a]](https://example.org) today")
    assert '<a href="https://example.org">see the trial </a><span class="lr-cite" id="cite-1">' in html
    assert "</span> today" in html


def test_backrefs_and_reference_list_exact_html() -> None:
    result = fix_citations(md("[@b] then [@a; @b]"), CTX)
    assert result.backrefs == {"b": ["cite-1", "cite-2"], "a": ["cite-2"]}
    assert render_reference_list(result.backrefs, CTX) == (
        '<ol class="lr-references">'
        '<li id="ref-a" value="1"><span class="lr-ref-text" id="ref-text-1">Ref A.</span> <span class="lr-backrefs">'
        '<a class="lr-backref" href="#cite-2" aria-label="Back to the citation">\u21a9</a></span></li>'
        '<li id="ref-b" value="2"><span class="lr-ref-text" id="ref-text-2">Ref B.</span> <span class="lr-backrefs">\u21a9 '
        '<a class="lr-backref" href="#cite-1" aria-label="Back to citation a">a</a> '
        '<a class="lr-backref" href="#cite-2" aria-label="Back to citation b">b</a></span></li></ol>')


def test_numbering_by_first_citation() -> None:
    assert assign_numbers(["c", "a", "c", "x", "b"], {"a", "b", "c"}) == {"c": 1, "a": 2, "b": 3}


@pytest.mark.parametrize(("numbers", "runs"), [([1, 2, 3, 4, 7], [(1, 4), (7, 7)]), ([2, 1], [(1, 1), (2, 2)]),
                                               ([5, 5, 3], [(3, 3), (5, 5)]), ([], [])])
def test_compress(numbers: list[int], runs: list[tuple[int, int]]) -> None:
    assert compress(numbers) == runs


def test_fixer_escapes_nothing_it_did_not_make() -> None:
    ctx = CiteContext({"a": 1}, {"a": "&lt;script&gt;"}, {"a": "&lt;b&gt;"}, {"a": "2020"})
    assert "<script>" not in fix_citations(md("[@a]"), ctx).html
