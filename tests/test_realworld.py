"""Real-world input (issue 21): content written for pandoc, Quarto, Manubot, bookdown and mkdocs-bibtex, and the
mistakes contributors make. One tiny site per construct, each asserting the exact messages and HTML; then
`litreview check` must agree with `mkdocs build --strict` on every one of them (same messages, same exit status).

The examples are our own, written in the style of each tool.
"""
from __future__ import annotations

import io
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from helpers import bib_entry, build_site, write_site
from litreview.cli import main

BIB = bib_entry("okafor2019growth", "Growth of hepatic lesions", "Okafor, Ada and Lund, Per and Meyer, Ida") + \
    bib_entry("lund2021dose", "Dose and response", "Lund, Per", "2021")

ATTR_LIST = {"markdown_extensions": ["attr_list"]}  # `{#fig-growth}` ids, as every Quarto or pandoc text has


@dataclass(frozen=True)
class Case:
    """A tiny site, the exact litreview warnings its build logs (in order) and HTML fragments of its pages."""

    id: str
    pages: dict[str, str]
    expected: list[str] = field(default_factory=list)
    html: dict[str, list[str]] = field(default_factory=dict)
    bib: str | dict[str, str] = BIB
    options: dict[str, Any] = field(default_factory=dict)
    nav: list[Any] | None = None
    absent: dict[str, list[str]] = field(default_factory=dict)  # fragments a page must not contain
    extra: dict[str, Any] = field(default_factory=dict)  # more mkdocs.yml settings
    files: dict[str, str] = field(default_factory=dict)  # more files, relative to the project
    check_extra: list[str] = field(default_factory=list)  # check's words for what MkDocs itself warns about


CATALOGUE: list[Case] = [
    Case("quarto-valueless-id-in-code-span",
         {"index.md": '# Pipelines\n\nName a step `"<pipeop id>.<measure id>"` as shown [@lund2021dose].\n'},
         html={"index.html": ['<code>"&lt;pipeop id&gt;.&lt;measure id&gt;"</code>']}),
    Case("quarto-cross-references",
         {"index.md": "# Lesions\n\n## Measuring growth {#sec-growth}\n\n![Growth over a year](growth.png){#fig-growth}"
                      "\n\nAs @fig-growth shows [@okafor2019growth], see also @sec-dose and [-@fig-growth].\n",
          "dose.md": "# Dose\n\n## Dose finding {#sec-dose}\n\nBack to @sec-growth; compare @fig-growth.\n"},
         html={"index.html": ['As <span class="lr-xrefs"><a class="lr-xref" href="#fig-growth">Figure\u00a01</a></span> '
                              'shows', '<a class="lr-xref" href="dose.html#sec-dose">Section\u00a0\u201cDose finding'
                              '\u201d</a>', '<a class="lr-xref" href="#fig-growth">1</a></span>.'],
               "dose.html": ['<a class="lr-xref" href="index.html#sec-growth">Section\u00a0\u201cMeasuring growth'
                             '\u201d</a>', 'compare <span class="lr-xrefs"><a class="lr-xref" href="index.html#fig-growth">'
                             'Figure\u00a01</a></span>.']},
         nav=["index.md", "dose.md"], files={"docs/growth.png": "png"}, extra=ATTR_LIST),
    Case("quarto-reference-without-kind-prefix",
         {"index.md": "# Tidy data\n\n```{r}\n#| label: tidy-data\n#| fig-cap: \"Tidy rows\"\nplot(tidy)\n```\n\n"
                      "![Growth over a year](growth.png){#growth}\n\nSee @fig-tidy-data, @fig-growth and @sec-methods "
                      "[@lund2021dose];\nnot @fig-nothing.\n\n## Methods\n"},
         expected=["docs/index.md:11: '@fig-tidy-data' looks like a cross-reference, and a code chunk is labelled "
                   "'tidy-data', but Quarto numbers a figure only when its label starts with 'fig-' (Quarto warns about "
                   "this reference too); label the chunk 'fig-tidy-data' (#| label: fig-tidy-data)",
                   "docs/index.md:11: '@fig-growth' looks like a cross-reference, and an element has the id 'growth', "
                   "but Quarto numbers a figure only when its id starts with 'fig-' (Quarto warns about this reference "
                   "too); give it the id 'fig-growth' (e.g. {#fig-growth})",
                   "docs/index.md:11: '@sec-methods' looks like a cross-reference, and an element has the id 'methods', "
                   "but Quarto numbers a section only when its id starts with 'sec-' (Quarto warns about this "
                   "reference too); give it the id 'sec-methods' (e.g. {#sec-methods})",
                   "docs/index.md:12: '@fig-nothing' looks like a cross-reference, but no page has an element with the "
                   "id 'fig-nothing'; give the figure that id (e.g. {#fig-nothing}), correct the reference, or add an "
                   "entry with this key to the bibliography"],
         html={"index.html": ['<span class="lr-missing" title="unknown cross-reference">[?fig-tidy-data]</span>']},
         files={"docs/growth.png": "png"}, extra=ATTR_LIST),
    Case("pandoc-crossref-references",
         {"index.md": "# Results {#sec:results}\n\n![Dose curve](curve.png){#fig:curve}\n\n"
                      "| a |\n|---|\n| 1 |\n\nThe curve ([-@fig:curve]) in @sec:results and @tbl:missing.\n"},
         expected=["docs/index.md:9: '@tbl:missing' looks like a cross-reference, but no page has an element with "
                   "the id 'tbl:missing'; give the table that id (e.g. {#tbl:missing}), correct the reference, or add "
                   "an entry with this key to the bibliography"],
         html={"index.html": ['The curve (<span class="lr-xrefs"><a class="lr-xref" href="#fig:curve">1</a></span>) in '
                              '<span class="lr-xrefs"><a class="lr-xref" href="#sec:results">Section\u00a0\u201cResults'
                              '\u201d</a></span> and <span class="lr-cite lr-cite-missing" id="cite-3"><span '
                              'class="lr-missing" title="unknown cross-reference">[?tbl:missing]</span></span>.']},
         files={"docs/curve.png": "png"}, extra=ATTR_LIST),
    Case("bookdown-references",
         {"index.md": "# Growth {#growth}\n\n![(\\#fig:curve) Dose curve](curve.png)\n\n"
                      "Figure \\@ref(fig:curve) shows it [@lund2021dose]; see \\@ref(dose) and \\@ref(nowhere).\n",
          "dose.md": "# Dose finding {#dose}\n\nBack to Chapter \\@ref(growth) and Figure \\@ref(fig:curve).\n"},
         expected=["docs/index.md:5: '@sec:nowhere' looks like a cross-reference, but no page has an element with the "
                   "id 'sec:nowhere'; give the section that id (e.g. {#sec:nowhere}) or a heading the id 'nowhere', "
                   "correct the reference, or add an entry with this key to the bibliography"],
         html={"index.html": ['<figure id="fig:curve"><img alt="Dose curve" src="curve.png" /><figcaption><span '
                              'class="lr-caption-label">Figure\u00a01:</span> Dose curve</figcaption></figure>',
                              'Figure <span class="lr-xrefs"><a class="lr-xref" href="#fig:curve">1</a></span> shows',
                              'see <span class="lr-xrefs"><a class="lr-xref" href="dose.html#dose">\u201cDose finding'
                              '\u201d</a></span> and'],
               "dose.html": ['Chapter <span class="lr-xrefs"><a class="lr-xref" href="index.html#growth">\u201cGrowth'
                             '\u201d</a></span> and Figure <span class="lr-xrefs"><a class="lr-xref" '
                             'href="index.html#fig:curve">1</a></span>.']},
         nav=["index.md", "dose.md"], files={"docs/curve.png": "png"}, extra=ATTR_LIST),
    Case("quarto-numbered-captions",
         {"index.md": "# Growth\n\n![Growth over a year](growth.png){#fig-growth}\n\n| Site | Dose |\n|---|---|\n"
                      "| liver | 2 |\n\n: Doses by *site* [@lund2021dose] {#tbl-doses}\n\n"
                      "```{r}\n#| label: fig-trend\n#| fig-cap: \"Trend over time\"\nplot(trend)\n```\n\n"
                      "```{r}\n#| label: setup\n#| include: false\nlibrary(dosekit)\n```\n\n"
                      "See @fig-growth, @tbl-doses and @fig-trend.\n"},
         html={"index.html": [
             '<figure id="fig-growth"><img alt="Growth over a year" src="growth.png" /><figcaption><span '
             'class="lr-caption-label">Figure\u00a01:</span> Growth over a year</figcaption></figure>',
             '<table id="tbl-doses">\n<caption><span class="lr-caption-label">Table\u00a01:</span> Doses by <em>site</em> '
             '<span class="lr-cite" id="cite-1">',
             '<pre><code class="language-r">plot(trend)\n</code></pre>\n<figure class="lr-chunk-output" id="fig-trend">'
             '<figcaption><span class="lr-caption-label">Figure\u00a02:</span> Trend over time</figcaption></figure>',
             'See <span class="lr-xrefs"><a class="lr-xref" href="#fig-growth">Figure\u00a01</a></span>, <span '
             'class="lr-xrefs"><a class="lr-xref" href="#tbl-doses">Table\u00a01</a></span> and <span class="lr-xrefs">'
             '<a class="lr-xref" href="#fig-trend">Figure\u00a02</a></span>.']},
         absent={"index.html": ["#|", "library(dosekit)", ": Doses", "{#tbl-doses}"]},
         files={"docs/growth.png": "png"}, extra=ATTR_LIST),
    Case("pandoc-crossref-captions-without-attr-list",
         {"index.md": "# Doses\n\nTable: Doses by site {#tbl:doses}\n\n| Site | Dose |\n|---|---|\n| liver | 2 |\n\n"
                      "| a |\n|---|\n| 1 |\n\n: An unnumbered caption\n\nAs [-@tbl:doses] shows [@lund2021dose].\n"},
         html={"index.html": ['<table id="tbl:doses">\n<caption><span class="lr-caption-label">Table\u00a01:</span> '
                              'Doses by site</caption>', '<caption>An unnumbered caption</caption>',
                              'As <span class="lr-xrefs"><a class="lr-xref" href="#tbl:doses">1</a></span> shows']}),
    Case("bookdown-chunks",
         {"index.md": "# Results\n\n```{r setup, include=FALSE}\nknitr::opts_chunk$set(echo = TRUE)\n```\n\n"
                      "```{r nice-fig, fig.cap='Here is a nice figure!', out.width='80%'}\nplot(pressure)\n```\n\n"
                      "```{r nice-tab, tidy=FALSE}\nknitr::kable(head(iris), caption = 'A nice table', booktabs = TRUE)"
                      "\n```\n\nFigure \\@ref(fig:nice-fig) and Table \\@ref(tab:nice-tab) [@lund2021dose].\n"},
         html={"index.html": [
             '<figure class="lr-chunk-output" id="fig:nice-fig"><figcaption><span class="lr-caption-label">'
             'Figure\u00a01:</span> Here is a nice figure!</figcaption></figure>',
             '<figure class="lr-chunk-output" id="tab:nice-tab"><figcaption><span class="lr-caption-label">'
             'Table\u00a01:</span> A nice table</figcaption></figure>',
             'Figure <span class="lr-xrefs"><a class="lr-xref" href="#fig:nice-fig">1</a></span> and Table <span '
             'class="lr-xrefs"><a class="lr-xref" href="#tab:nice-tab">1</a></span>']},
         absent={"index.html": ["opts_chunk", "{r"]}),
    Case("citations-in-raw-html-blocks",
         {"index.md": "# Raw\n\n<div class=\"note\">\nAs [@smith2020raw] wrote.\n</div>\n\n<pre>\n@jones2019pre\n\n"
                      "[@lund2021dose]\n</pre>\n\n<details><summary>More</summary>\n\n[@okafor2019growth; "
                      "@nobody] and {{doses.lund.n}}\n\n</details>\n\n<div markdown=\"1\">\n"
                      "Inside [@lund2021dose] and [@within]\n</div>\n\nOutside [@lund2021dose] and [@outside].\n"},
         expected=["docs/index.md:23: unknown citation key 'outside'; add it to bib/ or correct the key"],
         html={"index.html": ['<div class="note">\nAs [@smith2020raw] wrote.\n</div>', '[@okafor2019growth; @nobody]',
                              '<div markdown="1">\nInside [@lund2021dose] and [@within]\n</div>']}),
    Case("markdown-in-html-blocks",
         {"index.md": "# Md\n\n<div markdown=\"1\">\nInside [@lund2021dose] and [@within].\n</div>\n\n"
                      "<div>\nRaw [@rawkey]\n</div>\n\nText [@within].\n"},
         extra={"markdown_extensions": ["md_in_html"]},
         expected=["docs/index.md:4: unknown citation key 'within'; add it to bib/ or correct the key"],
         html={"index.html": ["Raw [@rawkey]"]}),
    Case("pandoc-markdown-in-html-blocks",
         {"index.md": "# More\n\n<details>\n<summary>Why *this* dose</summary>\n\nSome **bold** text [@lund2021dose] "
                      "and [@nowhere].\n\n</details>\n\n<div class=\"note\">\nInside a div [@okafor2019growth].\n"
                      "</div>\n\n<pre>\n[@lund2021dose] *stays*\n</pre>\n\n<!--\n<div>[@hidden]</div>\n-->\n"},
         options={"pandoc_html_blocks": True},
         expected=["docs/index.md:6: unknown citation key 'nowhere'; add it to bib/ or correct the key"],
         html={"index.html": ['<details>\n<summary>Why <em>this</em> dose</summary>\n<p>Some <strong>bold</strong> text '
                              '<span class="lr-cite" id="cite-1">[<a class="lr-cite-link" href="#ref-lund2021dose"',
                              '<div class="note">\n<p>Inside a div <span class="lr-cite" id="cite-3">',
                              '<pre>\n[@lund2021dose] *stays*\n</pre>', '<!--\n<div>[@hidden]</div>\n-->']},
         absent={"index.html": ['markdown="1"']}),
    Case("manubot-persistent-identifiers",
         {"index.md": "# Intro\n\nManubot [@doi:10.1371/journal.pcbi.1007128; @pmid:31233491] and "
                      "[@url:https://example.org/x], again [@doi:10.1371/journal.pcbi.1007128], and @tag:deep_review.\n"
                      "Exported: [@doi:10.1000/known].\n"},
         bib=bib_entry("doi:10.1000/known", "Known work", "Roe, Ann", doi="10.1000/known") + BIB,
         expected=[f"docs/index.md:3: unknown citation key '{key}': a Manubot citation key, which Manubot looks up "
                   "online; the build never uses the network, so put its CSL JSON in bib/: the references.json on "
                   "the manuscript's output branch, or what `manubot cite --format=csljson "
                   f"{key}` prints (Manubot names the key in each item's note), or any entry whose key is exactly "
                   f"'{key}'"
                   for key in ("doi:10.1371/journal.pcbi.1007128", "pmid:31233491", "url:https://example.org/x")]
         + ["docs/index.md:3: unknown citation key 'tag:deep_review': a Manubot citation key, which Manubot reads from "
            "its own files (citation-tags.tsv, manual references); add an entry to bib/ whose key is exactly "
            "'tag:deep_review' (a manual-references.json can be copied there)"],
         html={"index.html": ['Exported: <span class="lr-cite" id="cite-5">[<a class="lr-cite-link" '
                              'href="#ref-doi:10.1000/known"']}),
    Case("manubot-references-json",
         {"index.md": "# Intro\n\nAs shown [@doi:10.1000/lesions; @pmid:12345678], and by hand [@raw:okafor-notes].\n"},
         bib={"references.json": '[\n  {"id": "Xq3pZt9w", "type": "article-journal", "title": "Lesions and doses",\n'
                                 '   "author": [{"family": "Okafor", "given": "Ada"}], "issued": {"date-parts": [[2019]]},'
                                 '\n   "note": "This CSL Item was generated by Manubot v0.6.1 from its persistent '
                                 'identifier (standard_id).\\nstandard_id: doi:10.1000/lesions"},\n'
                                 '  {"id": "7bV2kQ1r", "type": "article-journal", "title": "Growth",\n'
                                 '   "note": "Preprint.\\n{:standard_id: pmid:12345678}"},\n'
                                 '  {"id": "raw:okafor-notes", "type": "manuscript", "title": "Field notes"}\n]\n'},
         html={"index.html": ['<li id="ref-doi:10.1000/lesions" value="1"><span class="lr-ref-text" id="ref-text-1">'
                              'Okafor A. Lesions and doses. 2019.</span>',
                              '<li id="ref-pmid:12345678" value="2"><span class="lr-ref-text" id="ref-text-2">Growth. '
                              'Preprint.</span>', '<li id="ref-raw:okafor-notes" value="3">']},
         absent={"index.html": ["Manubot v0.6.1", "standard_id", "Xq3pZt9w"]}),
    Case("keys-separated-by-commas",
         {"index.md": "# Doses\n\nDoses [@lund2021dose,@okafor2019growth] and growth [@okafor2019growth, @lund2021dose]."
                      "\n"},
         html={"index.html": ['Doses <span class="lr-cite" id="cite-1">[<a class="lr-cite-link" href="#ref-lund2021dose" '
                              'aria-describedby="ref-text-1 ref-text-2">1</a>, <a class="lr-cite-link" '
                              'href="#ref-okafor2019growth" aria-describedby="ref-text-1 ref-text-2">2</a>]</span> and',
                              'growth <span class="lr-cite" id="cite-2">[<a class="lr-cite-link" href="#ref-lund2021dose"']}),
    Case("pandoc-heading-attributes",
         {"index.md": "# Preface {-}\n\nSee [the notes](#notes) [@lund2021dose].\n\n## Methods {#methods .unnumbered}\n\n"
                      "## Notes {- #notes}\n\nSee @sec:methods.\n"},
         html={"index.html": ['<h1 class="unnumbered" id="preface">Preface</h1>',
                              '<h2 class="unnumbered" id="methods">Methods</h2>',
                              '<h2 class="unnumbered" id="notes">Notes</h2>']},
         absent={"index.html": ["{-}", "{#", " - id="]}),
    Case("pandoc-heading-attributes-with-attr-list",
         {"index.md": "# Preface {-}\n\nSee [the notes](#notes) [@lund2021dose].\n\n## Notes {- #notes}\n"},
         extra=ATTR_LIST,
         html={"index.html": ['<h1 class="unnumbered" id="preface">Preface</h1>',
                              '<h2 class="unnumbered" id="notes">Notes</h2>']},
         absent={"index.html": ["{-}", " - id="]}),
    Case("zotero-library-as-it-comes",
         {"index.md": "# Tools\n\nWe used [@dosekit; @atlas2022; @meyer2019thesis; @lund2020short; @census].\n"},
         bib="""@software{dosekit,
  title = {dosekit: dose maps for \\textless 5 Gy \\textgreater{} studies},
  howpublished = {\\url{https://example.org/dosekit_tool}},
  urldate = {2024-01-05}
}
@online{atlas2022,
  title = {Lesion atlas},
  url = {https://example.org/atlas},
  urldate = {2023-11-20}
}
@thesis{meyer2019thesis,
  author = {Meyer, Ida},
  title = {Dosing in practice},
  type = {phdthesis},
  institution = {Example University},
  year = {2019}
}
@article{lund2020short,
  author = {Lund, Per},
  title = {A short identifier},
  journal = {J Ex},
  year = {2020},
  doi = {10/d8zjwq},
  url = {https://doi.org/10/d8zjwq}
}
@dataset{census,
  title = {Regional lesion census},
  publisher = {Example Archive}
}
""",
         html={"index.html": [
             '<span class="lr-ref-text" id="ref-text-1">dosekit: dose maps for &lt;5 Gy &gt; studies. [cited 2024 Jan 5]. '
             'Available from: <a href="https://example.org/dosekit_tool" rel="noopener">https://example.org/dosekit_tool</a>'
             '</span>',
             '<span class="lr-ref-text" id="ref-text-2">Lesion atlas. [cited 2023 Nov 20]. Available from: <a '
             'href="https://example.org/atlas" rel="noopener">https://example.org/atlas</a></span>',
             '<span class="lr-ref-text" id="ref-text-3">Meyer I. Dosing in practice [dissertation]. Example University; '
             '2019.</span>',
             '<span class="lr-ref-text" id="ref-text-4">Lund P. A short identifier. J Ex. 2020. doi: <a '
             'href="https://doi.org/10/d8zjwq" rel="noopener">10/d8zjwq</a></span>',
             '<span class="lr-ref-text" id="ref-text-5">Regional lesion census. Example Archive.</span>']}),
    Case("unclosed-directive-comment",
         {"index.md": "# Doses\n\nDoses vary [@lund2021dose].\n\n<!-- evidence-table doses\n\nMore text.\n"},
         expected=["docs/index.md:5: '<!--' opens an HTML comment that is never closed, so the page shows the rest as "
                   "text; end it with '-->'"]),
    Case("value-with-two-parts",
         {"index.md": "# Doses\n\nIn {{doses.lund}} patients [@lund2021dose]; `{{doses.lund}}` in code.\n"},
         files={"docs/data/doses.yaml": "title: Doses\ncolumns:\n  - {id: source, label: Study, type: citation}\n"
                                       "  - {id: n, label: Patients, type: integer}\nrows:\n"
                                       "  - {id: lund, source: lund2021dose, n: 12}\n"},
         expected=["docs/index.md:3: {{doses.lund}}: an inline value names a data set, a row and a column, and this "
                   "has 2 parts; write {{doses.lund.<column>}}"],
         html={"index.html": ['In <span class="lr-missing">[{{doses.lund}}?]</span> patients',
                              "<code>{{doses.lund}}</code>"]}),
    Case("narrative-citation-in-link-text",
         {"index.md": "# Links\n\n[Lund @lund2021dose says](https://example.org/lund) so; ask "
                      "[@lundper](https://example.org/@lundper).\n"},
         html={"index.html": ['<a href="https://example.org/lund">Lund  says</a><span class="lr-cite" id="cite-1">Lund [',
                              '<a href="https://example.org/@lundper">@lundper</a>']}),
    Case("footnote-inside-a-citation",
         {"index.md": "# Notes\n\nDoses vary [@lund2021dose, p. 4 [^dose]] and grow [see @okafor2019growth [^g]].\n\n"
                      "[^dose]: Measured at the first visit.\n[^g]: Our reading.\n"},
         html={"index.html": ['aria-describedby="ref-text-1">1</a>, p. 4]</span><sup id="fnref:dose">'
                              '<a class="footnote-ref" href="#fn:dose">1</a></sup> and grow',
                              'aria-describedby="ref-text-2">2</a>]</span><sup id="fnref:g">'
                              '<a class="footnote-ref" href="#fn:g">2</a></sup>.</p>',
                              '<li id="fn:dose">']},
         extra={"markdown_extensions": ["footnotes"]}),
    Case("citation-in-a-heading",
         {"index.md": "# Review\n\n## Growth after @okafor2019growth\n\nText [@lund2021dose].\n"},
         html={"index.html": ['<a href="#growth-after" class="nav-link">Growth after Okafor et al. [1]</a>']}),
    Case("bib-folder-with-a-bibtex-file",
         {"index.md": "# Doses\n\nDoses vary [@lund2021dose].\n"}, bib={},
         files={"bib/main.bib": BIB, "bib/extra.bibtex": "@misc{x, title={X}}\n", "bib/README.md": "About\n"},
         options={"bib_files": [], "bib_dir": "bib"},
         expected=["bib/extra.bibtex: this file is not read: only *.bib (BibTeX) and *.json (CSL JSON) files in bib/ "
                   "are; rename it to extra.bib if it holds BibTeX, or move it out of the folder"]),
    Case("nav-entry-whose-page-is-gone",
         {"index.md": "# Doses\n\nDoses vary [@lund2021dose].\n"}, nav=["index.md", {"Gone": "gone.md"}],
         check_extra=["mkdocs.yml: nav: 'gone.md' is not a file in docs/; correct the path or remove the entry"]),
    Case("duplicate-key-across-files",
         {"index.md": "# Doses\n\nDoses vary [@lund2021dose].\n"},
         bib={"a-new.bib": bib_entry("lund2021dose", "Unchecked copy"), "b-verified.bib": BIB},
         expected=["a-new.bib:1: duplicate key 'lund2021dose': also defined at b-verified.bib:6; rename or remove one "
                   "of them (until then this entry is used)",
                   "b-verified.bib:6: duplicate key 'lund2021dose': also defined at a-new.bib:1; rename or remove one "
                   "of them (until then the entry at a-new.bib:1 is used)"]),
    Case("author-date-layout",
         {"index.md": "# Doses\n\nAs @bayle2020dose found [see also @lund2021dose, p. 4].\n"},
         bib=bib_entry("bayle2020dose", "Dose finding", "Bayle, Ana and Roe, Bo and Kim, Cy", journal="J Ex",
                       volume="12", number="3", pages="40--45") + BIB,
         options={"citation_style": "author-year"},
         html={"index.html": [
             'As <span class="lr-cite" id="cite-1">Bayle et al. (<a class="lr-cite-link" href="#ref-bayle2020dose"',
             'id="ref-text-1">Bayle A, Roe B, Kim C. 2020. Dose finding. J Ex. 12(3):40\u201345.</span>',
             'id="ref-text-2">Lund P. 2021. Dose and response.</span>']}),
    Case("mkdocs-bibtex-markers",
         {"index.md": "# Doses\n\nDoses vary [@lund2021dose].\n\n## Sources\n\n\\bibliography\n\n## After\n\nEnd.\n",
          "all.md": "# Library\n\n\\full_bibliography\n"},
         nav=["index.md", "all.md"],
         html={"index.html": ['<h2 id="sources">Sources</h2>\n<ol class="lr-references"><li id="ref-lund2021dose" '
                              'value="1">'],
               "all.html": ['lr-bibliography"><li id="ref-lund2021dose" value="1">', '<li id="ref-okafor2019growth">']},
         absent={"index.html": ["\\bibliography", '<h2 id="references">'], "all.html": ["\\full_bibliography"]}),
    Case("quarto-refs-div",
         {"index.md": "# Growth\n\nLesions grow [@okafor2019growth].\n\n::: {#refs}\n:::\n\nA closing remark.\n",
          "references.md": "# References {.unnumbered}\n\n::: {#refs}\n\n:::\n",
          "raw.md": "# Raw\n\nDose [@lund2021dose].\n\n<div id=\"refs\"></div>\n\n## Later\n"},
         nav=["index.md", "raw.md", "references.md"], extra=ATTR_LIST,
         html={"index.html": ['<ol class="lr-references"><li id="ref-okafor2019growth" value="1">'],
               "references.html": ['<ol class="lr-references lr-bibliography"><li id="ref-okafor2019growth" value="1">',
                                   'Cited in: <a href="index.html">Growth</a>'],
               "raw.html": ['<ol class="lr-references"><li id="ref-lund2021dose" value="2">']},
         absent={"index.html": [":::", '<h2 id="references">'], "references.html": [":::"],
                 "raw.html": ['<h2 id="references">']}),
    Case("quarto-fenced-divs",
         {"index.md": '# Growth\n\n::: {.callout-note title="Before you read"}\nLesions grow [@okafor2019growth].\n:::\n\n'
                      "::: {#fig-growth}\n![](growth.png)\n\nGrowth over a year [@lund2021dose].\n:::\n\n"
                      "As @fig-growth shows.\n\n::: {.callout-warning}\n## Mind the dose\n\nSee above.\n:::\n"},
         files={"docs/growth.png": "png"}, extra=ATTR_LIST,
         html={"index.html": ['<div class="admonition note callout-note">\n<p class="admonition-title">Before you read</p>',
                              '<figure id="fig-growth">',
                              '<figcaption><span class="lr-caption-label">Figure\u00a01:</span> Growth over a year',
                              'As <span class="lr-xrefs"><a class="lr-xref" href="#fig-growth">Figure\u00a01</a></span> '
                              'shows', '<p class="admonition-title">Mind the dose</p>']},
         absent={"index.html": [":::", '<h2 id="mind-the-dose"']}),
    Case("pandoc-raw-latex",
         {"index.md": "\\setcounter{page}{1}\n\\pagenumbering{arabic}\n\\setlength{\\parindent}{0.5in}\n\n"
                      "# Growth of lesions\n\nLesions grow\\index{lesions} [@okafor2019growth].\\footnotesize Doses vary "
                      "\\newline by site.\nKeep `\\newpage`, \\*stars\\*, C:\\Data\\doses.csv, ..\\img\\a.png, "
                      "$\\frac{a}{b}$; prices: $5 and $10.\n\n\\clearpage\n\nHere $$\\sum_i x_i \\label{eq:sum}$$ stays "
                      "\\textbf{and this goes}.\n"},
         html={"index.html": ['<h1 id="growth-of-lesions">Growth of lesions</h1>\n<p>Lesions grow <span class="lr-cite" '
                              'id="cite-1">', '</span>. Doses vary  by site.\nKeep <code>\\newpage</code>, *stars*, '
                              'C:\\Data\\doses.csv, ..\\img\\a.png, $\\frac{a}{b}$; prices: $5 and $10.</p>\n'
                              '<p>Here $$\\sum_i x_i \\label{eq:sum}$$ stays .</p>']},
         absent={"index.html": ["setcounter", "arabic", "parindent", "index{", "footnotesize", "clearpage", "<p></p>",
                                "textbf", "and this goes"]}),
    Case("latex-cross-references",
         {"index.md": "# Measuring growth\n\n![Growth over a year \\label{growth-curve}](growth.png)\n\n"
                      "Chapter \\ref{dose-finding} and Figure \\ref{growth-curve} [@lund2021dose]; see \\autoref{growth-curve}"
                      " and \\ref{nowhere}.\n",
          "dose.md": "# Dose finding\n\nBack to Figure \\ref{growth-curve} in Chapter \\ref{measuring-growth}.\n"},
         nav=["index.md", "dose.md"], files={"docs/growth.png": "png"},
         expected=["docs/index.md:5: '@sec:nowhere' looks like a cross-reference, but no page has an element with the "
                   "id 'sec:nowhere'; give the section that id (e.g. {#sec:nowhere}) or a heading the id 'nowhere', "
                   "correct the reference, or add an entry with this key to the bibliography"],
         html={"index.html": ['<figure id="fig:growth-curve"><img alt="Growth over a year" src="growth.png" /><figcaption>'
                              '<span class="lr-caption-label">Figure\u00a01:</span> Growth over a year</figcaption></figure>',
                              'Chapter <span class="lr-xrefs"><a class="lr-xref" href="dose.html#dose-finding">\u201cDose '
                              'finding\u201d</a></span> and Figure <span class="lr-xrefs"><a class="lr-xref" '
                              'href="#fig:growth-curve">1</a></span>', 'see <span class="lr-xrefs"><a class="lr-xref" '
                              'href="#fig:growth-curve">Figure\u00a01</a></span> and <span class="lr-cite lr-cite-missing"'],
               "dose.html": ['Back to Figure <span class="lr-xrefs"><a class="lr-xref" href="index.html#fig:growth-curve">'
                             '1</a></span> in Chapter <span class="lr-xrefs"><a class="lr-xref" '
                             'href="index.html#measuring-growth">\u201cMeasuring growth\u201d</a></span>.']},
         absent={"index.html": ["\\label", "\\ref", "\\autoref"]}),
    Case("pandoc-grid-and-multiline-tables",
         {"index.md": "# Doses\n\n+---------+--------+----------------+\n| Site    | Dose   | Notes          |\n"
                      "+:========+=======:+================+\n| liver   | 2 Gy   | - *first* line |\n"
                      "|         |        | - a <b>x</b> & |\n+---------+--------+----------------+\n"
                      "| both columns     | [@lund2021dose]|\n+---------+--------+----------------+\n\n"
                      "Table: Doses by site {#tbl:doses}\n\n"
                      "-----------------------------\n Site      Dose Notes\n-------- ------ -------------\n"
                      " liver        2 measured at\n                the *first* visit\n\n lung         3 none\n"
                      "-----------------------------\n\nTable: Doses, again\n\n"
                      "+------+------+\n| a    | b |\n+------+------+\n\nAs @tbl:doses shows.\n"},
         expected=["docs/index.md:26: | a    | b |: a grid table's lines all start and end at its border (`+` or `|`) "
                   "and have the same length; align this line with the border above it"],
         html={"index.html": ['<table id="tbl:doses">\n<caption><span class="lr-caption-label">Table\u00a01:</span> '
                              'Doses by site</caption><thead>\n<tr>\n<th style="text-align: left;">Site</th>\n<th style='
                              '"text-align: right;">Dose</th>\n<th>Notes</th>\n</tr>\n</thead>\n<tbody>\n<tr>\n<td '
                              'style="text-align: left;">liver</td>\n<td style="text-align: right;">2 Gy</td>\n<td>\n<ul>\n'
                              '<li><em>first</em> line</li>\n<li>a <b>x</b> &amp;</li>\n</ul>\n</td>\n</tr>\n<tr>\n'
                              '<td colspan="2" style="text-align: left;">both columns</td>\n<td><span class="lr-cite" '
                              'id="cite-1">',
                              '<table>\n<caption>Doses, again</caption><thead>\n<tr>\n<th style="text-align: center;">'
                              'Site</th>\n<th style="text-align: right;">Dose</th>\n<th style="text-align: left;">Notes</th>\n</tr>\n'
                              '</thead>\n<tbody>\n<tr>\n<td style="text-align: center;">liver</td>\n<td style="text-align: '
                              'right;">2</td>\n<td style="text-align: left;">measured at the <em>first</em> visit</td>\n'
                              '</tr>\n<tr>\n<td style="text-align: center;">lung</td>\n<td style="text-align: right;">3</td>'
                              '\n<td style="text-align: left;">none</td>\n</tr>\n</tbody>\n'
                              '</table>',
                              '<p>+------+------+\n| a    | b |\n+------+------+<span class="lr-missing"></span></p>',
                              'As <span class="lr-xrefs"><a class="lr-xref" href="#tbl:doses">Table\u00a01</a></span> shows.']},
         absent={"index.html": ["+====", "---------", "Table:"]}),
    Case("pandoc-simple-tables",
         {"index.md": "# Doses\n\n Site      Dose  Notes\n-------  ------  -----------\nliver         2  *first* visit\n"
                      "lung          3  none [@lund2021dose]\n\nTable: Doses by site {#tbl:simple}\n\n"
                      "--------  -----\n kidney       4\n bone        12\n--------  -----\n\nAs @tbl:simple shows.\n\n"
                      "Setext title\n------------\n\nA rule\n- - -\n\nSite Dose\n---- ----\n"},
         html={"index.html": ['<table id="tbl:simple">\n<caption><span class="lr-caption-label">Table\u00a01:</span> '
                              'Doses by site</caption><thead>\n<tr>\n<th style="text-align: center;">Site</th>\n<th '
                              'style="text-align: right;">Dose</th>\n<th style="text-align: left;">Notes</th>\n</tr>\n'
                              '</thead>\n<tbody>\n<tr>\n<td style="text-align: center;">liver</td>\n<td style="text-'
                              'align: right;">2</td>\n<td style="text-align: left;"><em>first</em> visit</td>\n</tr>\n'
                              '<tr>\n<td style="text-align: center;">lung</td>\n<td style="text-align: right;">3</td>\n'
                              '<td style="text-align: left;">none <span class="lr-cite" id="cite-1">',
                              '<table>\n<tbody>\n<tr>\n<td style="text-align: center;">kidney</td>\n<td style="text-'
                              'align: right;">4</td>\n</tr>\n<tr>\n<td style="text-align: center;">bone</td>\n<td '
                              'style="text-align: right;">12</td>\n</tr>\n</tbody>\n</table>',
                              'As <span class="lr-xrefs"><a class="lr-xref" href="#tbl:simple">Table\u00a01</a></span> '
                              'shows.', '<h2 id="setext-title">Setext title</h2>\n<p>A rule</p>\n<hr />\n'
                              '<p>Site Dose</p>\n<hr />']},
         absent={"index.html": ["Table:", "-----"]}),
    Case("pandoc-csl-json-bibliography",
         {"index.md": "# Growth\n\nLesions grow [@okafor2019; @lund2021dose], as @{doi:10.1000/abc} found.\n"},
         bib={"refs.json": '[\n  {"id": "okafor2019", "type": "article-journal", "title": "Growth -- and more",\n'
                           '   "author": [{"family": "Okafor", "given": "Ada"}], "container-title": "J Hepatol",\n'
                           '   "issued": {"date-parts": [[2019]]}, "page": "1-9"},\n'
                           '  {"id": "doi:10.1000/abc", "type": "book", "title": "A book",\n'
                           '   "author": [{"literal": "WHO"}], "issued": {"date-parts": [[2020]]}}\n]\n',
              "more.bib": bib_entry("lund2021dose", "Dose and response", "Lund, Per", "2021")},
         html={"index.html": ['<li id="ref-okafor2019" value="1"><span class="lr-ref-text" id="ref-text-1">Okafor A. '
                              'Growth -- and more. J Hepatol. 2019:1\u20139.',
                              '<li id="ref-doi:10.1000/abc" value="3"><span class="lr-ref-text" id="ref-text-3">WHO. '
                              'A book.']}),
]


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[tuple[str, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append((record.name, record.getMessage()))


def make(case: Case, root: Path) -> Path:
    for name, text in case.files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return write_site(root, case.pages, case.bib, options={"cache_dir": ".cache/litreview", **case.options},
                      nav=case.nav, extra=case.extra)


def build(root: Path, strict: bool) -> tuple[str | None, list[tuple[str, str]]]:
    handler = _Collect()
    logger = logging.getLogger("mkdocs")
    logger.addHandler(handler)
    try:
        result = build_site(root, strict=strict, site_dir=root / ("strict-site" if strict else "site"))
    finally:
        logger.removeHandler(handler)
    return result.error, handler.records


def check(root: Path) -> tuple[int, list[str]]:
    out, err = io.StringIO(), io.StringIO()
    cwd = os.getcwd()
    os.chdir(root)
    try:
        code = main(["check", "--format", "text"], out=out, err=err)
    finally:
        os.chdir(cwd)
    # Errors only: warnings of the check are advice that the build does not give (numbers without a citation).
    return code, [line.replace(": error: ", ": ", 1) for line in out.getvalue().splitlines() if ": error: " in line]


@pytest.mark.parametrize("case", CATALOGUE, ids=[c.id for c in CATALOGUE])
def test_catalogue_builds_as_its_authors_expect(case: Case, tmp_path: Path) -> None:
    root = make(case, tmp_path)
    error, records = build(root, strict=False)
    assert error is None
    assert [m for name, m in records if name == "mkdocs.plugins.litreview"] == case.expected
    for page, fragments in case.html.items():
        html = (root / "site" / page).read_text(encoding="utf-8")
        for fragment in fragments:
            assert fragment in html
    for page, fragments in case.absent.items():
        html = (root / "site" / page).read_text(encoding="utf-8")
        for fragment in fragments:
            assert fragment not in html


@pytest.mark.parametrize("case", CATALOGUE, ids=[c.id for c in CATALOGUE])
def test_check_predicts_the_strict_build(case: Case, tmp_path: Path) -> None:
    root = make(case, tmp_path)
    error, records = build(root, strict=True)
    code, found = check(root)
    ours = {m for name, m in records if name == "mkdocs.plugins.litreview"}
    assert sorted(found) == sorted(ours | set(case.check_extra))
    assert code == (1 if error else 0), (error, found)


MKDOCS_BUILTINS = ["toc", "tables", "fenced_code"]  # what MkDocs always adds to a site's markdown_extensions


def plain_markdown(case: Case, root: Path) -> tuple[dict[str, str], list[str]]:
    """Each page of the case converted by Python-Markdown alone with `litreview.markdown` (Zensical's way), with
    MkDocs' built-in extensions and the case's own; the litreview warnings logged meanwhile."""
    import markdown
    from litreview.site import strip_front_matter

    handler = _Collect()
    logger = logging.getLogger("mkdocs.plugins.litreview")
    logger.addHandler(handler)
    cwd = os.getcwd()
    os.chdir(root)
    try:
        out = {}
        for name in case.pages:
            body = strip_front_matter((root / "docs" / name).read_text(encoding="utf-8"))
            extensions = [*MKDOCS_BUILTINS, *case.extra.get("markdown_extensions", []), "litreview.markdown"]
            out[name.replace(".md", ".html")] = markdown.markdown(body, extensions=extensions)
    finally:
        os.chdir(cwd)
        logger.removeHandler(handler)
    return out, [m for _name, m in handler.records]


PLAIN = [c for c in CATALOGUE if c.html and not c.files.get("bib/main.bib") and "mkdocs-bibtex" not in c.id
         and c.id != "citation-in-a-heading"]  # the heading's citation is checked in the theme's nav


@pytest.mark.parametrize("case", PLAIN, ids=[c.id for c in PLAIN])
def test_catalogue_reads_the_same_with_plain_python_markdown(case: Case, tmp_path: Path) -> None:
    root = make(case, tmp_path)
    pages, warnings = plain_markdown(case, root)
    for page, fragments in case.html.items():
        for fragment in fragments:
            assert fragment.replace(" />", ">") in pages[page].replace(" />", ">"), (page, fragment)
    assert [w for w in warnings if not w.startswith("litreview:")] == case.expected


def test_pandoc_html_blocks_are_still_sanitised(tmp_path: Path) -> None:
    """Markdown read inside a `<details>` block (pandoc_html_blocks) goes through the same sanitiser as raw HTML:
    the event handler is taken out, with the same message from the build and from `litreview check`."""
    case = Case("hostile-details", {"index.md": "# More\n\n<details><img src=x onerror=alert(1)>\n\nText *after* the "
                                                "picture [@lund2021dose].\n\n<div><a href=\"javascript:alert(2)\">go"
                                                "</a></div>\n\n</details>\n"},
                options={"pandoc_html_blocks": True})
    root = make(case, tmp_path)
    error, records = build(root, strict=True)
    messages = [m for name, m in records if name == "mkdocs.plugins.litreview"]
    assert messages == ["docs/index.md:3: the event handler attribute onerror= runs a script; it was removed",
                        "docs/index.md:7: href= holds a javascript: URL, which is not published as a link; use an "
                        "https: or relative link"]
    html = (root / "strict-site" / "index.html").read_text(encoding="utf-8")
    assert '<details>\n<p><img src=x></p>\n<p>Text <em>after</em> the picture <span class="lr-cite"' in html
    assert "<div>\n<p><a>go</a></p>\n</div>" in html
    assert "onerror" not in html and "javascript:" not in html
    code, found = check(root)
    assert (code, sorted(found)) == (1, sorted(messages)) and error is not None
