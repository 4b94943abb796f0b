"""pandoc's fenced divs: Quarto callouts as admonitions, figure divs with numbered captions, nesting, safety."""
from __future__ import annotations

import markdown
import pytest
from litreview.citations.divs import opening_fence, split_div
from litreview.citations.markdown_ext import CitationExtension


def convert(text: str) -> str:
    return markdown.Markdown(extensions=[CitationExtension(), "attr_list", "toc"]).convert(text)


@pytest.mark.parametrize(("line", "expected"), [
    ("::: {.callout-note}", ("", ["callout-note"], {})),
    (":::: {#fig-a .wide key=v title=\"A b\"} ::::", ("fig-a", ["wide"], {"key": "v", "title": "A b"})),
    ("::: warning", ("", ["warning"], {})),
    ("   ::: {.x}", ("", ["x"], {})),
])
def test_opening_fences(line: str, expected: tuple[str, list[str], dict[str, str]]) -> None:
    attrs = opening_fence(line)
    assert attrs is not None and (attrs.id, attrs.classes, attrs.data) == expected


@pytest.mark.parametrize("line", [":::", "::: {#refs}", ":: {.x}", "    ::: {.x}", "::: {.x} text", "::: {a b}"])
def test_not_opening_fences(line: str) -> None:
    assert opening_fence(line) is None


def test_nested_divs_close_at_their_own_fence() -> None:
    lines = ["a", "::: {.inner}", "b", ":::", "c", ":::", "after"]
    assert split_div(lines) == (lines[:5], ["after"])
    assert split_div(["a", "::: {#refs}", ":::"]) is None  # the refs div closes its own fence: still open


def test_callouts_become_admonitions_titled_as_quarto_titles_them() -> None:
    html = convert('::: {.callout-note title="Read first"}\nA note.\n:::\n\n'
                   "::: {.callout-warning}\n## Dose *limits*\n\nMind the dose.\n\n- item\n:::\n\n"
                   "::: {.callout-important}\nNo title.\n:::\n")
    assert '<div class="admonition note callout-note">\n<p class="admonition-title">Read first</p>\n<p>A note.</p>' \
        in html
    assert '<div class="admonition warning callout-warning">\n<p class="admonition-title">Dose <em>limits</em></p>' \
        in html and "<li>item</li>" in html and "<h2" not in html
    assert '<div class="admonition danger callout-important">\n<p class="admonition-title">Important</p>' in html


def test_a_figure_div_is_a_figure_whose_last_paragraph_is_its_caption() -> None:
    html = convert("::: {#fig-growth}\n![](growth.png)\n\nGrowth *over* a year.\n:::\n")
    assert '<figure id="fig-growth">' in html
    assert '<figcaption><lr-caption data-target="fig-growth"></lr-caption>Growth <em>over</em> a year.</figcaption>' \
        in html


def test_other_divs_keep_id_classes_and_data_attributes_never_handlers() -> None:
    html = convert(':::: {#main .columns data-x="1" onclick="alert(1)" style="color:red"}\n'
                   "::: {.column}\nLeft\n:::\n::::\n\nText before\n::: aside\ninside\n:::\nafter\n")
    assert '<div class="columns" data-onclick="alert(1)" data-style="color:red" data-x="1" id="main">' in html
    assert " onclick=" not in html and " style=" not in html
    assert '<div class="column">\n<p>Left</p>\n</div>' in html
    assert "<p>Text before</p>\n<div class=\"aside\">\n<p>inside</p>\n</div>\n<p>after</p>" in html


def test_a_div_never_closed_stays_text() -> None:
    assert convert("::: {.note}\ntext\n") == "<p>::: {.note}\ntext</p>"


def test_fences_in_code_are_code() -> None:
    html = markdown.Markdown(extensions=[CitationExtension(), "fenced_code"]).convert(
        "```\n::: {.note}\nx\n:::\n```\n")
    assert "<div" not in html and "::: {.note}" in html
