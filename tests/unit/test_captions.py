"""Numbered captions: caption paragraphs, knitr/Quarto chunks, and the placeholders filled once numbers are known."""
from __future__ import annotations

import pytest
from litreview.citations.captions import (
    CaptionParagraph,
    Chunk,
    caption_paragraph,
    chunk_targets,
    fill_captions,
    read_chunk,
    rewrite_chunks,
    unprefixed_names,
    unprefixed_target,
)


@pytest.mark.parametrize(("head", "element_id", "end", "expected"), [
    (": Doses by site {#tbl-doses}", "", None, CaptionParagraph("tbl-doses", "", "Doses by site")),
    (": Doses by site", "tbl-doses", None, CaptionParagraph("tbl-doses", "", "Doses by site")),  # attr_list took it
    ("Table: Doses {#tbl:doses}", "", None, CaptionParagraph("tbl:doses", "Table", "Doses")),
    ("Table: (\\#tab:doses) Doses", "", None, CaptionParagraph("tab:doses", "Table", "Doses")),
    ("Table: Doses", "", None, CaptionParagraph("", "Table", "Doses")),
    (": Doses by ", "", " and more {#tbl-doses}", CaptionParagraph("tbl-doses", "", "Doses by ", " and more")),
    ("Figure: A plot {#fig-plot}", "", None, CaptionParagraph("fig-plot", "Figure", "A plot")),
    ("Figure:", "fig-plot", None, CaptionParagraph("fig-plot", "Figure", "")),
    # not captions
    ("Figure: what we saw", "", None, None),  # prose, not ours without an id
    (": Doses {#sec-doses}", "", None, None),  # a section id: not a caption
    ("Tables: many", "", None, None),
    ("Doses: high", "", None, None),
    (":not spaced", "", None, None),
])
def test_caption_paragraph(head: str, element_id: str, end: str | None, expected: CaptionParagraph | None) -> None:
    assert caption_paragraph(head, element_id, end) == expected


@pytest.mark.parametrize(("open_line", "body", "expected"), [
    ('```{r}', ["#| label: fig-trend", '#| fig-cap: "Trend, over time"', "plot(x)"],
     Chunk("r", ["plot(x)"], True, "fig-trend", "Trend, over time")),
    ('```{python}', ["#| label: tbl-doses", "#| tbl-cap: Doses", "df"], Chunk("python", ["df"], True, "tbl-doses",
                                                                              "Doses")),
    ('```{r}', ["#| label: fig-sub", "#| fig-cap:", '#|   - "A"', "plot(x)"],  # a list of sub-captions
     Chunk("r", ["plot(x)"], True, "fig-sub", "")),
    ('```{r}', ["#| label: setup", "#| include: false", "library(x)"], Chunk("r", ["library(x)"], False)),
    ("```{r setup, include=FALSE}", ["library(x)"], Chunk("r", ["library(x)"], False)),
    ("```{r nice-fig, fig.cap='A \\'nice\\', figure', out.width='80%'}", ["plot(p)"],
     Chunk("r", ["plot(p)"], True, "fig:nice-fig", "A 'nice', figure")),
    ("```{r dyn, fig.cap=paste('A', n)}", ["plot(p)"], Chunk("r", ["plot(p)"], True, "fig:dyn", "")),
    ("```{r nice-tab, tidy=FALSE}", ["knitr::kable(", "  head(iris), caption = \"Irises\")"],
     Chunk("r", ["knitr::kable(", "  head(iris), caption = \"Irises\")"], True, "tab:nice-tab", "Irises")),
    ("```{r plain}", ["x <- 1"], Chunk("r", ["x <- 1"])),
    ("```{r label='named', fig.cap=\"Named\"}", ["plot(p)"], Chunk("r", ["plot(p)"], True, "fig:named", "Named")),
    ("```r", ["x"], None),
    ("```{.python}", ["x"], None),
])
def test_read_chunk(open_line: str, body: list[str], expected: Chunk | None) -> None:
    assert read_chunk(open_line, body) == expected


def test_rewrite_chunks_leaves_code_and_a_caption_where_the_output_would_be() -> None:
    lines = ["Text", "", "```{r}", "#| label: fig-trend", "#| fig-cap: Trend", "plot(x)", "```", "",
             "```{r setup, include=FALSE}", "library(x)", "```", "", "````{python}", "x = 1", "````", "",
             "```{r}", "unclosed"]
    assert rewrite_chunks(lines) == ["Text", "", "```r", "plot(x)", "```", "", "Figure: Trend {#fig-trend}", "", "",
                                     "", "````python", "x = 1", "````", "", "```{r}", "unclosed"]
    assert chunk_targets("\n".join(lines)) == ["fig-trend"]


def test_fill_captions() -> None:
    html = ('<figure id="fig-a"><figcaption><lr-caption data-target="fig-a"></lr-caption>A</figcaption></figure>'
            '<table id="tab:b"><caption><lr-caption data-target="tab:b"></lr-caption>B</caption></table>')
    assert fill_captions(html, {"fig-a": "2", "tab:b": "1"}) == (
        '<figure id="fig-a"><figcaption><span class="lr-caption-label">Figure\u00a02:</span> A</figcaption></figure>'
        '<table id="tab:b"><caption><span class="lr-caption-label">Table\u00a01:</span> B</caption></table>')
    assert fill_captions(html, {}) == html.replace('<lr-caption data-target="fig-a"></lr-caption>', "").replace(
        '<lr-caption data-target="tab:b"></lr-caption>', "")


PAGES = ["```{r}\n#| label: tidy-data\nplot(x)\n```\n", "```{r scatter, echo=FALSE}\nplot(y)\n```\n",
         "![A](a.png){#growth .wide}\n\n<div id='box'></div>\n\n```md\n{#in-code}\n```\n"]


@pytest.mark.parametrize(("key", "found"), [
    ("fig-tidy-data", "chunk"), ("tbl-scatter", "chunk"), ("fig-growth", "element"), ("fig-box", "element"),
    ("sec-methods", "element"),  # a heading's id, known to the caller as `sec:methods`
    ("fig-in-code", ""),  # an attribute block inside code is no id
    ("fig-nothing", ""), ("fig:growth", ""),  # pandoc-crossref's keys: the prefix is not Quarto's
    ("tidy-data", ""), ("smith-2020", ""),  # no kind prefix: a citation key
])
def test_quarto_reference_whose_target_lacks_the_prefix(key: str, found: str) -> None:
    assert unprefixed_target(key, unprefixed_names(PAGES), {"sec:methods"}) == found
