"""`litreview check`: each check on a failing and a passing tiny project, the output formats and exit codes."""
from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from helpers import ROOT, bib_entry, write_site
from litreview.cli import main
from litreview.lint import check_project
from litreview.lint.findings import Finding
from litreview.markdown_text import mask_code_blocks, mask_inline

DOE = bib_entry("doe2020title", title="Liver embolization in practice", doi="10.1000/abc.1", pmid="123456")
ROE = bib_entry("roe2021other", title="Radioembolization outcomes revisited", author="Roe, Richard", year="2021")
DATA = """\
title: Embolization
columns:
  - {id: source, label: Study, type: citation}
  - {id: n, label: Patients, type: integer}
rows:
  - id: doe
    source: doe2020title
    n: 26
"""


def project(tmp_path: Path, pages: dict[str, str] | str, bib: str | dict[str, str] = DOE + ROE,
            cite_all: bool = True, **kwargs: Any) -> Path:
    """A tiny project; unless `cite_all` is false, a page cites every test entry so 'unused' stays quiet."""
    if isinstance(pages, str):
        pages = {"index.md": pages}
    if cite_all:
        pages = {**pages, "all.md": "# All\n\nEverything [@doe2020title; @roe2021other].\n"}
    return write_site(tmp_path, pages, bib, **kwargs)


def run(root: Path, *args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    cwd = os.getcwd()
    os.chdir(root)
    try:
        code = main(["check", *args], out=out, err=err)
    finally:
        os.chdir(cwd)
    return code, out.getvalue(), err.getvalue()


def findings(root: Path, code: str | None = None) -> list[Finding]:
    found = check_project(root / "mkdocs.yml")
    return [f for f in found if code is None or f.code == code]


def messages(root: Path, code: str) -> list[str]:
    return [f"{f.file}:{f.line}: {f.severity}: {f.message}" for f in findings(root, code)]


# ------------------------------------------------------------------------------------------ citations
def test_unknown_key_with_file_line_and_suggestion(tmp_path: Path) -> None:
    root = project(tmp_path, "# Title\n\nText.\n\nResponse was seen [@doe2020titel].\n")
    assert messages(root, "unknown-key") == [
        "docs/index.md:5: error: unknown citation key 'doe2020titel' (did you mean 'doe2020title'?)"]


def test_unknown_key_without_a_close_match(tmp_path: Path) -> None:
    root = project(tmp_path, "# Title\n\nAs @zzz1999 said.\n")
    assert messages(root, "unknown-key") == [
        "docs/index.md:3: error: unknown citation key 'zzz1999'; add it to bib/ or correct the key"]


def test_known_keys_and_keys_in_code_or_comments_pass(tmp_path: Path) -> None:
    page = """\
    # Title

    Cited [@doe2020title] and @roe2021other [p. 4]. Mail me at someone@example.org.

    Inline `[@nokey1]` code, and ``a `[@nokey2]` b`` too.

    ```python
    x = "[@nokey3]"
    ```

        [@nokey4] in an indented code block

    <!-- [@nokey5] is commented out -->

    !!! note "Key points"
        - An admonition is Markdown, not code [@doe2020title].

    - A list item

        continued, not code [@roe2021other].
    """
    root = project(tmp_path, page)
    assert findings(root, "unknown-key") == []


def test_citation_inside_an_admonition_is_checked(tmp_path: Path) -> None:
    root = project(tmp_path, '# T\n\n!!! abstract "Key points"\n    - Result [@missing2000x].\n')
    assert [(f.line, f.message) for f in findings(root, "unknown-key")] == [
        (4, "unknown citation key 'missing2000x'; add it to bib/ or correct the key")]


def test_unused_entry_is_an_error_when_the_build_warns_about_it(tmp_path: Path) -> None:
    root = project(tmp_path, "# T\n\nOnly one [@doe2020title].\n", cite_all=False, options={"warn_uncited": True})
    assert messages(root, "unused-entry") == [
        "refs.bib:8: error: entry 'roe2021other' is never cited; cite it or remove it"]
    assert run(root)[0] == 1  # as `mkdocs build --strict`


def test_unused_entry_is_not_reported_by_default(tmp_path: Path) -> None:
    root = project(tmp_path, "# T\n\nOnly one [@doe2020title].\n", cite_all=False)
    assert messages(root, "unused-entry") == []


def test_entries_used_by_data_tables_crossrefs_and_inline_values_are_not_unused(tmp_path: Path) -> None:
    bib = DOE + ROE + bib_entry("parent2019book", title="The book of embolization", kind="book") + \
        bib_entry("child2019chapter", title="A chapter on beads", kind="incollection", crossref="parent2019book")
    data = DATA + "  - id: roe\n    source: roe2021other\n    n: 12\n"
    pages = "# T\n\n<!-- evidence-table tace -->\n\nIn {{tace.doe.n}} patients, see [@child2019chapter].\n"
    root = project(tmp_path, pages, bib=bib, cite_all=False, data={"tace.yaml": data})
    assert findings(root, "unused-entry") == []


# ------------------------------------------------------------------------------------------ bibliography
def test_same_doi_pmid_or_title_under_two_keys(tmp_path: Path) -> None:
    bib = DOE + bib_entry("doe2020again", title="Another title entirely here", doi="https://doi.org/10.1000/ABC.1") \
        + bib_entry("doe2020pm", title="A third title for the pmid", pmid="123456") \
        + bib_entry("doe2020case", title="{LIVER} Embolization in Practice!")
    pages = "# T\n\n[@doe2020title; @doe2020again; @doe2020pm; @doe2020case]\n"
    root = project(tmp_path, pages, bib=bib, cite_all=False)
    got = messages(root, "duplicate-work")
    same = "is the same work as 'doe2020title' (refs.bib:1): same"
    keep = "keep one key and cite it everywhere"
    assert got == [
        f"refs.bib:8: warning: entry 'doe2020again' {same} DOI '10.1000/abc.1'; {keep}",
        f"refs.bib:14: warning: entry 'doe2020pm' {same} PMID '123456'; {keep}",
        f"refs.bib:20: warning: entry 'doe2020case' {same} title 'LIVER Embolization in Practice!'; {keep}",
    ]


def test_distinct_works_pass(tmp_path: Path) -> None:
    assert findings(project(tmp_path, "# T\n"), "duplicate-work") == []


def test_duplicate_key(tmp_path: Path) -> None:
    root = project(tmp_path, "# T\n", bib=DOE + ROE + DOE)
    assert [(f.line, f.severity) for f in findings(root, "duplicate-key")] == [(1, "error"), (13, "error")]


@pytest.mark.parametrize(("fields", "expected"), [
    ({"doi": "doi.org/10.1000/x"}, "malformed DOI 'doi.org/10.1000/x' (expected 10.NNNN/... or a short DOI 10/...); it is not linked"),
    ({"pmid": "PMID 12345"}, "malformed PMID 'PMID 12345' (expected digits only); it is not linked"),
])
def test_malformed_identifiers(tmp_path: Path, fields: dict[str, str], expected: str) -> None:
    root = project(tmp_path, "# T\n", bib=bib_entry("doe2020title", **fields) + ROE)
    assert messages(root, "malformed-id") == [f"refs.bib:1: error: entry 'doe2020title': {expected}"]


def test_well_formed_identifiers_pass(tmp_path: Path) -> None:
    assert findings(project(tmp_path, "# T\n"), "malformed-id") == []


def test_missing_required_fields_follow_the_plugin_option(tmp_path: Path) -> None:
    bib = DOE + "@article{roe2021other,\n  author = {Roe, R.},\n  year = {2021}\n}\n"
    root = project(tmp_path, "# T\n", bib=bib, options={"required_fields": ["author", "title", "year", "journal"]})
    assert messages(root, "missing-field") == [
        "refs.bib:1: error: entry 'doe2020title' lacks journal, which required_fields of the litreview plugin asks for; add the field(s) as seen in the source",
        "refs.bib:8: error: entry 'roe2021other' lacks title, journal, which required_fields of the litreview plugin asks for; add the field(s) as seen in the source",
    ]
    assert findings(project(tmp_path / "ok", "# T\n"), "missing-field") == []


def test_bibtex_syntax_error_names_the_line(tmp_path: Path) -> None:
    bib = DOE + "@article{roe2021other,\n  title = {Unclosed,\n  year = 2021\n\n"
    root = project(tmp_path, "# T\n", bib=bib)
    syntax = findings(root, "bib-syntax")
    assert syntax and all(f.severity == "error" and f.file == "refs.bib" for f in syntax)
    assert syntax[0].message.startswith("BibTeX syntax error")
    assert findings(project(tmp_path / "ok", "# T\n"), "bib-syntax") == []


# ------------------------------------------------------------------------------------------ evidence data
def test_yaml_schema_error_names_file_line_and_path(tmp_path: Path) -> None:
    data = DATA.replace("n: 26", 'n: "twenty-six"')
    root = project(tmp_path, "# T\n", data={"tace.yaml": data})
    assert messages(root, "data-schema") == [
        'docs/data/tace.yaml:8: error: rows[0].n: expected an integer, got "twenty-six"']


def test_unknown_key_in_data(tmp_path: Path) -> None:
    root = project(tmp_path, "# T\n", data={"tace.yaml": DATA.replace("source: doe2020title", "source: nobody1999")})
    assert messages(root, "unknown-key") == [
        "docs/data/tace.yaml:7: error: rows[0].source: unknown citation key 'nobody1999'; add it to bib/ or correct it"]


def test_valid_data_inline_values_and_directives_pass(tmp_path: Path) -> None:
    pages = "# T\n\n<!-- evidence-table tace columns=source,n sort=-n -->\n\nIn {{tace.doe.n}} patients.\n"
    root = project(tmp_path, pages, data={"tace.yaml": DATA})
    assert [f for f in findings(root) if f.severity == "error"] == []


def test_unknown_inline_value_and_directive(tmp_path: Path) -> None:
    pages = "# T\n\n<!-- evidence-table tace columns=source,size -->\n\n<!-- evidence-chart nope column=n -->\n\n" \
            "In {{tace.doe.size}} patients.\n"
    root = project(tmp_path, pages, data={"tace.yaml": DATA})
    assert messages(root, "directive") == [
        "docs/index.md:3: error: evidence-table: 'tace' has no column 'size' (columns: source, n)",
        "docs/index.md:5: error: evidence-chart: no data set 'nope' (available: tace)",
    ]
    assert messages(root, "unknown-value") == [
        "docs/index.md:7: error: {{tace.doe.size}}: data set 'tace' has no column 'size' (columns: source, n)"]


# ------------------------------------------------------------------------------------------ numbers
NUMBERS = """\
# Results in 2020

Response was 38% in 26 patients.
Response was 38% in 26 patients [@doe2020title]
In {{tace.doe.n}} patients the drug worked.

## Grade 3 tumours

```
rate = 42
```

<!-- 17 patients in a comment -->

- Eleven of the patients had 90Y treatment.
- A list item with 7 findings
  over two lines, e.g. Fig. 2 shows it.

See [the table](https://example.org/table/123) and [Smith et al.][ref].

[ref]: https://example.org/456
"""


NUMBER_RULE = {"check": {"numbers_need_citations": True, "number_allowlist": "numbers.txt"}}


def test_numbers_need_no_citation_by_default(tmp_path: Path) -> None:
    """The rule is this review's policy, not every project's: off unless mkdocs.yml turns it on."""
    root = project(tmp_path, NUMBERS + "\nChapter 1 and Figure 2 under CC BY-SA 3.0.\n", data={"tace.yaml": DATA})
    assert findings(root, "uncited-number") == []
    assert findings(root, "allowlist") == []


def test_sentence_with_a_number_and_no_citation(tmp_path: Path) -> None:
    root = project(tmp_path, NUMBERS, data={"tace.yaml": DATA}, options=NUMBER_RULE)
    got = [(f.line, f.message.split('"')[1]) for f in findings(root, "uncited-number")]
    assert got == [
        (3, "Response was 38% in 26 patients."),
        (15, "Eleven of the patients had 90Y treatment."),
        (16, "A list item with 7 findings over two lines, e.g. Fig. 2 shows it."),
    ]
    assert findings(root, "uncited-number")[0].severity == "warning"


def test_allowlist_patterns_silence_numbers(tmp_path: Path) -> None:
    root = project(tmp_path, NUMBERS, data={"tace.yaml": DATA}, options=NUMBER_RULE)
    (root / "numbers.txt").write_text(
        "# isotopes\n\\b90Y\\b  # an isotope name\n\n# counts in prose\n\\b\\d+ findings\\b\nFig\\. \\d+\n38% in 26\n",
        encoding="utf-8")
    assert findings(root, "uncited-number") == []


def test_table_cells_are_read_one_by_one(tmp_path: Path) -> None:
    page = "# T\n\n| Study | 5-year OS |\n|---|---:|\n| Doe [@doe2020title] | 62% |\n| Roe | 58% [@roe2021other] |\n"
    root = project(tmp_path, page, options=NUMBER_RULE)
    assert [(f.line, f.message.split('"')[1]) for f in findings(root, "uncited-number")] == [(5, "62%")]


def test_a_sentence_may_start_with_a_number(tmp_path: Path) -> None:
    root = project(tmp_path, "# T\n\nHolmium-166 is newer. 166Ho emits gamma rays [@doe2020title].\n\n"
                             "A paragraph that ends in a citation without a period, 38% [@doe2020title]\n",
                   options=NUMBER_RULE)
    assert [f.message.split('"')[1] for f in findings(root, "uncited-number")] == ["Holmium-166 is newer."]


def test_invalid_allowlist_regex_is_an_error(tmp_path: Path) -> None:
    root = project(tmp_path, "# T\n", options=NUMBER_RULE)
    (root / "numbers.txt").write_text("# ok\n\\b90Y\\b\n(unclosed\n", encoding="utf-8")
    got = findings(root, "allowlist")
    assert [(f.file, f.line, f.severity) for f in got] == [("numbers.txt", 3, "error")]


def test_missing_allowlist_named_in_the_config_is_an_error(tmp_path: Path) -> None:
    root = project(tmp_path, "# T\n", options=NUMBER_RULE)
    assert [(f.file, f.line, f.severity, f.message) for f in findings(root, "allowlist")] == [
        ("numbers.txt", None, "error", "the number allow-list named by check.number_allowlist does not exist; "
                                       "create it or remove the option")]


# ------------------------------------------------------------------------------------------ links
OTHER = """\
# Other page

## Response & survival: 2-year *data*

## Response & survival: 2-year *data*

## Café résumé

## Custom heading {#my-id}

Setext heading
--------------

<a id="raw-anchor"></a>
"""


def test_internal_links_and_anchors_that_exist_pass(tmp_path: Path) -> None:
    page = ("# T\n\n[a](other.md) [b](other.md#response-survival-2-year-data) [c](other.md#response-survival-2-year-data_1)"
            " [d](other.md#cafe-resume) [e](other.md#my-id) [f](other.md#setext-heading) [g](other.md#raw-anchor)"
            " [h](#t) [i](sub/) [j](img.svg) [k](https://example.org/x.md#nope) [l](other.md#ref-doe2020title)"
            " [m](mailto:a@b.org)\n\n`[code](missing.md)`\n")
    root = project(tmp_path, {"index.md": page, "other.md": OTHER, "sub/index.md": "# Sub\n"})
    (root / "docs" / "img.svg").write_text("<svg/>", encoding="utf-8")
    assert findings(root, "broken-link") == [] and findings(root, "broken-anchor") == []


@pytest.mark.parametrize(("enabled", "expected"), [
    (True, []),
    (False, ["docs/index.md:3: error: link to 'review.pdf': 'review.pdf' is not a file in docs/"]),
])
def test_link_to_the_generated_pdf(tmp_path: Path, enabled: bool, expected: list[str]) -> None:
    root = project(tmp_path, "# T\n\n[Download the PDF](review.pdf)\n", options={"pdf": {"enabled": enabled}})
    assert messages(root, "broken-link") == expected


def test_broken_links_and_anchors(tmp_path: Path) -> None:
    page = "# T\n\nSee [a](missing.md), [b](other.md#response-survival) and [c](#nowhere).\n\n" \
           "[d](../outside.md)\n\n[e]: sub/gone.md\n"
    root = project(tmp_path, {"index.md": page, "other.md": OTHER})
    assert messages(root, "broken-link") == [
        "docs/index.md:3: error: link to 'missing.md': 'missing.md' is not a file in docs/",
        "docs/index.md:5: error: link to '../outside.md': '../outside.md' leaves docs/",
        "docs/index.md:7: error: link to 'sub/gone.md': 'sub/gone.md' is not a file in docs/",
    ]
    assert messages(root, "broken-anchor") == [
        "docs/index.md:3: warning: link to '#nowhere': index.md has no heading or id 'nowhere'",
        ("docs/index.md:3: warning: link to 'other.md#response-survival': other.md has no heading or id "
         "'response-survival' (did you mean '#response-survival-2-year-data'?)"),
    ]


# ------------------------------------------------------------------------------------------ masking
def test_masking_keeps_offsets_and_lines() -> None:
    text = "a `x`\n\n```\ncode\n```\n\n    indented\n\n<!-- c\nd -->\n"
    masked = mask_inline(mask_code_blocks(text), comments=True)
    assert len(masked) == len(text) and masked.count("\n") == text.count("\n")
    assert masked.split() == ["a"]


# ------------------------------------------------------------------------------------------ output and exit codes
BAD = "# T\n\nSee [@nokey2000x].\n"


def test_text_format(tmp_path: Path) -> None:
    code, out, err = run(project(tmp_path, BAD))
    assert code == 1
    assert out == "docs/index.md:3: error: unknown citation key 'nokey2000x'; add it to bib/ or correct the key\n"
    assert "1 error(s), 0 warning(s)" in err


def test_github_format_exact(tmp_path: Path) -> None:
    root = project(tmp_path, BAD + "\nIt worked in 26 patients, 100% of them.\n", options=NUMBER_RULE)
    (root / "numbers.txt").write_text("# none\n", encoding="utf-8")
    code, out, _ = run(root, "--format", "github")
    assert code == 1
    assert out == (
        "::error file=docs/index.md,line=3::unknown citation key 'nokey2000x'; add it to bib/ or correct the key\n"
        "::warning file=docs/index.md,line=5::number without a citation: \"It worked in 26 patients, 100%25 of "
        "them.\"; cite its source, use an inline value {{set.row.column}}, or add a pattern to "
        "numbers.txt\n")


def test_json_format(tmp_path: Path) -> None:
    code, out, _ = run(project(tmp_path, BAD), "--format", "json")
    assert code == 1
    assert json.loads(out) == [{"file": "docs/index.md", "line": 3, "severity": "error", "code": "unknown-key",
                                "message": "unknown citation key 'nokey2000x'; add it to bib/ or correct the key"}]


def test_clean_project_exits_0(tmp_path: Path) -> None:
    code, out, _ = run(project(tmp_path, "# T\n\nAll good [@doe2020title].\n"), "--format", "json")
    assert (code, json.loads(out)) == (0, [])


def test_warnings_exit_0_unless_warnings_as_errors(tmp_path: Path) -> None:
    bib = DOE + bib_entry("doe2020again", title="Another title entirely here", doi="10.1000/abc.1")
    root = project(tmp_path, "# T\n\nBoth [@doe2020title; @doe2020again].\n", bib=bib, cite_all=False)
    assert run(root)[0] == 0
    code, out, _ = run(root, "--warnings-as-errors")
    assert code == 1 and "warning: entry 'doe2020again' is the same work as 'doe2020title'" in out


def test_config_option_and_env_tags(tmp_path: Path) -> None:
    root = project(tmp_path, BAD)
    config = (root / "mkdocs.yml").read_text(encoding="utf-8")
    config += "site_url: !ENV [LITREVIEW_TEST_UNSET, 'https://example.org/']\nextra:\n  x: !relative $config_dir\n"
    (root / "mkdocs.yml").unlink()
    (root / "review.yml").write_text(config, encoding="utf-8")
    code, out, _ = run(root, "--config", "review.yml", "--format", "json")
    assert code == 1 and [f["file"] for f in json.loads(out)] == ["docs/index.md"]


def test_missing_config_exits_2(tmp_path: Path) -> None:
    code, _, err = run(tmp_path, "--config", "nope.yml")
    assert code == 2 and "nope.yml" in err


def test_console_script_on_the_real_project_is_fast() -> None:
    """The real review: the command runs, prints valid JSON and takes seconds, not a build's minutes."""
    script = Path(sys.executable).with_name("litreview")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "litreview.cli"]
    started = time.monotonic()
    proc = subprocess.run([*command, "check", "--format", "json"], cwd=ROOT, capture_output=True, text=True,
                          timeout=60, check=False)
    assert time.monotonic() - started < 20
    assert proc.returncode in (0, 1), proc.stderr
    assert all({"file", "line", "severity", "code", "message"} == set(f) for f in json.loads(proc.stdout))


def test_the_whats_new_page_in_nav_is_valid_exactly_when_the_build_adds_it(tmp_path: Path) -> None:
    """The plugin adds `whats-new.md` to a review kept in git; outside git the nav entry is a missing page."""
    from helpers import build_site

    root = project(tmp_path, "# Home\n", nav=["index.md", "all.md", "whats-new.md"])
    missing = "mkdocs.yml:None: error: nav: 'whats-new.md' is not a file in docs/; correct the path or remove the entry"
    assert messages(root, "nav") == [missing]
    assert build_site(root, strict=True).error is not None
    env = dict(os.environ, GIT_CONFIG_GLOBAL=os.devnull, GIT_CONFIG_NOSYSTEM="1")
    for args in (["init", "-q"], ["add", "-A"], ["-c", "user.name=T", "-c", "user.email=t@example.org", "commit",
                                                 "-q", "-m", "first"]):
        subprocess.run(["git", *args], cwd=root, env=env, check=True, capture_output=True)
    assert messages(root, "nav") == []
    assert build_site(root, strict=True, site_dir=tmp_path / "in-git").error is None
