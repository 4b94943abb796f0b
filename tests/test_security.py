"""No value from BibTeX or YAML reaches a page as markup, a link scheme or a file outside site_dir."""
from __future__ import annotations

import csv
import io
import json
import os
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from helpers import BuildResult, bib_entry, build_site, write_site

FORBIDDEN_TAGS = {"script", "iframe", "object", "embed", "img", "base", "form", "input", "meta", "link", "frame"}
PAYLOADS = ["<script>alert(1)</script>", "</script><script>alert(2)</script>", "<img src=x onerror=alert(3)>",
            '"><svg onload=alert(4)>', "<b onmouseover=alert(5)>bold</b>", "javascript:alert(6)"]


class _Markup(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))

    handle_startendtag = handle_starttag


def unsafe_markup(html: str) -> list[str]:
    """Everything in `html` that could run script: dangerous elements, event handlers, non-http(s) URLs."""
    parser = _Markup()
    parser.feed(html)
    found = []
    for tag, attrs in parser.tags:
        if tag in FORBIDDEN_TAGS:
            found.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                found.append(f"{tag} {name}=")
            if name in ("href", "src", "xlink:href", "action", "formaction") and value is not None:
                scheme = urlsplit(value.strip()).scheme.lower()
                if scheme not in ("", "http", "https") or value.strip().startswith("//"):
                    found.append(f"{tag} {name}={value}")
    return found


@pytest.mark.parametrize("html", [
    "<script>x</script>", '<a href="javascript:x">a</a>', '<a href=" JavaScript:x">a</a>', '<img src="x">',
    '<span onclick="x">a</span>', '<a href="data:text/html,x">a</a>', '<a href="//evil.example/">a</a>',
    '<use xlink:href="data:x"/>'])
def test_the_checker_sees_unsafe_markup(html: str) -> None:
    assert unsafe_markup(html) != []


def test_the_checker_accepts_safe_markup() -> None:
    assert unsafe_markup('<a href="#ref-a">1</a> <a href="https://doi.org/10.1/x">d</a> <a href="../x.html">x</a> '
                         "&lt;script&gt;") == []


def main(result: BuildResult, name: str = "index.html") -> str:
    m = re.search(r'role="main">(.*?)<footer', result.page(name), re.DOTALL)
    assert m, "no main column"
    return m.group(1)


# --------------------------------------------------------------------------- BibTeX values


HOSTILE_BIB = (
    bib_entry("x1", PAYLOADS[0] + " Title", "<img src=x onerror=alert(3)>, Evil", "<b>2020</b>",
              note=PAYLOADS[4], journal='J "quoted" <i>', publisher=PAYLOADS[3])
    + "@misc{x2,\n  title = {" + PAYLOADS[1] + "},\n  year = {2021}\n}\n"
    + bib_entry("x3", "Book", "Roe, R", "2019", kind="book", address=PAYLOADS[2], edition=PAYLOADS[0])
)


@pytest.mark.parametrize(("style", "citation_style"), [("vancouver", "numeric"), ("vancouver", "author-year"),
                                                        ("plain", "numeric")])
def test_bibliography_text_is_escaped(tmp_path: Path, style: str, citation_style: str) -> None:
    write_site(tmp_path, {"index.md": "# S\n\n[@x1] @x2 [see @x3, p. 4]\n\n<!-- bibliography all -->\n"}, HOSTILE_BIB,
               options={"style": style, "citation_style": citation_style, "required_fields": ["author"]})
    result = build_site(tmp_path)
    assert result.error is None
    assert result.litreview_warnings == ["refs.bib:9: entry 'x2' lacks author, which required_fields of the litreview "
                                         "plugin asks for; add the field(s) as seen in the source"]
    body = main(result)
    assert unsafe_markup(body) == []
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Title" in body
    assert "&lt;/script&gt;&lt;script&gt;alert(2)&lt;/script&gt;" in body
    for payload in PAYLOADS[:5]:
        assert payload not in result.page()


def test_vancouver_reference_exactly(tmp_path: Path) -> None:
    write_site(tmp_path, {"index.md": "# S\n\n[@x1]\n"}, HOSTILE_BIB)
    references = main(build_site(tmp_path)).split('<h2 id="references">')[1]
    assert ('<span class="lr-ref-text" id="ref-text-1">&lt;img src=x onerror=alert(3)&gt; E. &lt;script&gt;alert(1)&lt;/script&gt; '
            'Title. J &quot;quoted&quot; &lt;i&gt;. &lt;b&gt;2020&lt;/b&gt;. &lt;b onmouseover=alert(5)&gt;bold&lt;/b&gt;.'
            "</span>") in references


URLS = [
    ("javascript:alert(1)", True), ("JaVaScRiPt:alert(1)", True), (" javascript:alert(1)", True),
    ("java\nscript:alert(1)", True), ("data:text/html;base64,PHNjcmlwdD4=", True), ("vbscript:msgbox(1)", True),
    ("file:///etc/passwd", True), ("//evil.example/x", True), ("https://example.org/a\"onmouseover=\"x", True),
    ("https://example.org/<script>", True), ("\\url{javascript:alert(1)}", True), ("https://example.org/ok?a=1&b=2", False),
]


def test_url_fields_never_become_unsafe_links(tmp_path: Path) -> None:
    bib = "".join(bib_entry(f"u{i}", f"Title {i}", url=url) for i, (url, _) in enumerate(URLS))
    cites = "; ".join(f"@u{i}" for i in range(len(URLS)))
    write_site(tmp_path, {"index.md": f"# S\n\n[{cites}]\n"}, bib)
    result = build_site(tmp_path)
    shown = {0: "javascript:alert(1)", 1: "JaVaScRiPt:alert(1)", 2: "javascript:alert(1)", 3: "java script:alert(1)",
             4: "data:text/html;base64,PHNjcmlwdD4=", 5: "vbscript:msgbox(1)", 6: "file:///etc/passwd",
             7: "//evil.example/x", 8: 'https://example.org/a"onmouseover="x', 9: "https://example.org/<script>",
             10: "javascript:alert(1)"}
    lines = {i: 1 + 6 * i + (1 if i > 3 else 0) for i in range(len(URLS))}  # six lines each; u3's URL takes two
    assert result.litreview_warnings == [
        f"refs.bib:{lines[i]}: entry 'u{i}': URL '{text}' is not an http(s) address; it is not linked"
        for i, text in shown.items()]
    body = main(result)
    assert unsafe_markup(body) == []
    assert body.count("Available from:") == 1  # the reference list entry of the one safe URL
    assert 'Available from: <a href="https://example.org/ok?a=1&amp;b=2" rel="noopener">' in body


def test_quotes_in_identifiers(tmp_path: Path) -> None:
    bib = (bib_entry("d1", "One", doi='10.1000/abc"onmouseover="alert(1)')
           + bib_entry("d2", "Two", doi="10.1000/it's&more(1)", pmid='123" onclick="x', pmcid="PMC1<x>")
           + bib_entry("d3", "Three", doi="https://doi.org/10.1000/<script>"))
    write_site(tmp_path, {"index.md": "# S\n\n[@d1; @d2; @d3]\n"}, bib)
    result = build_site(tmp_path)
    assert result.litreview_warnings == [
        ("refs.bib:1: entry 'd1': malformed DOI '10.1000/abc\"onmouseover=\"alert(1)' (expected 10.NNNN/... or a short DOI 10/...); "
        "it is not linked"),
        "refs.bib:7: entry 'd2': malformed PMID '123\" onclick=\"x' (expected digits only); it is not linked",
        "refs.bib:7: entry 'd2': malformed PMCID 'PMC1<x>' (expected PMC followed by digits)",
        ("refs.bib:15: entry 'd3': malformed DOI 'https://doi.org/10.1000/<script>' (expected 10.NNNN/... or a short DOI 10/...); "
        "it is not linked")]
    body = main(result)
    assert unsafe_markup(body) == []
    assert ('doi: <a href="https://doi.org/10.1000/it%27s%26more(1)" rel="noopener">10.1000/it&#x27;s&amp;more(1)</a>'
            in body)
    assert body.count('href="https://doi.org/') == 1  # d2 only, in the reference list


def test_hostile_citation_keys(tmp_path: Path) -> None:
    key = 'k"><b>x</b>'
    write_site(tmp_path, {"index.md": "# S\n\n<!-- bibliography all -->\n"},
               "@misc{" + key + ",\n  title = {Key},\n  author = {A, B},\n  year = {2020}\n}\n",
               data={"t.yaml": "title: T\ncolumns:\n  - {id: source, label: S, type: citation}\nrows:\n"
                               f"  - {{id: r, source: '{key}'}}\n"})
    (tmp_path / "docs/index.md").write_text("# S\n\n<!-- evidence-table t -->\n\n<!-- bibliography all -->\n",
                                            encoding="utf-8")
    result = build_site(tmp_path)
    assert result.error is None and result.litreview_warnings == []
    body = main(result)
    assert unsafe_markup(body) == [] and "<b>x</b>" not in body
    assert '<li id="ref-k&quot;&gt;&lt;b&gt;x&lt;/b&gt;" value="1">' in body
    assert 'href="#ref-k&quot;&gt;&lt;b&gt;x&lt;/b&gt;"' in body


# --------------------------------------------------------------------------- YAML values

HOSTILE_YAML = """\
title: "Evil </script><script>alert(1)</script>"
modality: "<b onmouseover=alert(5)>Mod</b>"
summary:
  indication: "</script><img src=x onerror=alert(3)> [@good]"
columns:
  - {id: source, label: "Study <i>", type: citation, description: '"><script>alert(1)</script>'}
  - {id: notes, label: "Notes </script>", type: text}
  - {id: n, label: N, type: integer, unit: "<u>"}
rows:
  - id: r1
    source: good
    notes: "</script><script>alert(2)</script> <a href='javascript:alert(6)'>x</a> [link](javascript:alert(6)) ![i](x.png) <!-- evidence-table evil --> {{evil.r1.n}}"
    n: 5
"""
NOTES = ("</script><script>alert(2)</script> <a href='javascript:alert(6)'>x</a> [link](javascript:alert(6)) "
         "![i](x.png) <!-- evidence-table evil --> {{evil.r1.n}}")


def test_yaml_text_is_escaped_in_tables_charts_and_downloads(tmp_path: Path) -> None:
    page = ('# S\n\n<!-- evidence-table evil caption="</figcaption><script>alert(1)</script>" -->\n\n'
            "<!-- comparison-table evil -->\n\n"
            '<!-- evidence-chart evil column=n type=bar caption="<script>x</script>" -->\n')
    write_site(tmp_path, {"index.md": page}, bib_entry("good", "Fine", "Roe, Rita", "2021"),
               data={"evil.yaml": HOSTILE_YAML})
    result = build_site(tmp_path)
    assert result.error is None and result.litreview_warnings == []
    body = main(result)
    assert unsafe_markup(body) == []
    for payload in PAYLOADS[:5]:
        assert payload not in body
    assert "<!-- evidence-table evil -->" not in body  # a directive inside data is text, never expanded
    assert body.count('<table class="lr-evidence"') == 2
    # The long notes are folded under their row (a <dd>), escaped the same way as a cell.
    cells = re.findall(r"<td data-sort=\"[^\"]*\">(.*?)</td>|<dd data-col=\"notes\">(.*?)</dd>", body)
    assert ("&lt;/script&gt;&lt;script&gt;alert(2)&lt;/script&gt; &lt;a href='javascript:alert(6)'&gt;x"
            "&lt;/a&gt; [link](javascript:alert(6)) ![i](x.png) &lt;!-- evidence-table evil --&gt; {{evil.r1.n}}"
            ) in [a or b for a, b in cells]
    assert "<title id=\"chart-evil-n-3-title\">&lt;script&gt;x&lt;/script&gt;</title>" in body

    downloads = {p.suffix: p for p in (result.site / "downloads").iterdir()}
    data = json.loads(downloads[".json"].read_text(encoding="utf-8"))
    assert data["title"] == "Evil </script><script>alert(1)</script>"  # the data as written, nothing lost
    assert data["rows"] == [{"id": "r1", "source": "good", "notes": NOTES, "n": 5}]
    rows = list(csv.reader(io.StringIO(downloads[".csv"].read_text(encoding="utf-8"))))
    assert rows == [["id", "source", "notes", "n"], ["r1", "good", NOTES, "5"]]
    for html_file in result.site.rglob("*.html"):
        text = html_file.read_text(encoding="utf-8")
        assert "alert(1)</script>" not in text and "alert(2)</script>" not in text, html_file


# --------------------------------------------------------------------------- paths

DATA = "title: T\ncolumns:\n  - {id: source, label: S, type: citation}\n  - {id: n, label: N, type: integer}\n" \
       "rows:\n  - {id: r, source: good, n: 4}\n"
SECRET = "title: Secret outside\ncolumns:\n  - {id: source, label: S, type: citation}\nrows:\n" \
         "  - {id: hidden, source: good}\n"


TRAVERSAL = [
    ("../../etc/passwd", "invalid data set name '../../etc/passwd'"),
    ("/etc/passwd", "invalid data set name '/etc/passwd'"),
    ("..", "invalid data set name '..'"),
    ("t/../../secret", "invalid data set name 't/../../secret'"),
    ("%2e%2e%2fsecret", "invalid data set name '%2e%2e%2fsecret'"),
    ("~root", "invalid data set name '~root'"),
    ("C:\\\\Windows\\\\win.ini", "invalid data set name 'C:\\Windows\\win.ini'"),
    ("t,../secret", "invalid data set name '../secret'"),
]


@pytest.mark.parametrize(("name", "message"), TRAVERSAL, ids=[t[0] for t in TRAVERSAL])
def test_directive_paths_are_refused(tmp_path: Path, name: str, message: str) -> None:
    kind = "evidence-chart" if "," in name else "evidence-table"
    options = " column=n" if kind == "evidence-chart" else ""
    write_site(tmp_path, {"index.md": f"# S\n\n<!-- {kind} {name}{options} -->\n"},
               bib_entry("good", "Fine", "Roe, Rita", "2021"), data={"t.yaml": DATA})
    result = build_site(tmp_path)
    full = (f"{message}: use the file name of a YAML file in content/data/ without '.yaml' (no paths)")
    assert result.error is None and result.litreview_warnings == [f"docs/index.md:3: {full}"]
    assert '<p class="lr-missing">[' in main(result)
    assert "root:" not in result.page()
    strict = build_site(tmp_path, strict=True, site_dir=tmp_path / "strict-site")
    assert strict.error is not None


def test_symlinks_leading_outside_the_project_are_refused(tmp_path: Path) -> None:
    root, outside = tmp_path / "project", tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.yaml").write_text(SECRET, encoding="utf-8")
    (outside / "data").mkdir()
    (outside / "data" / "other.yaml").write_text(SECRET, encoding="utf-8")
    write_site(root, {"index.md": "# S\n\n<!-- evidence-table secret -->\n\n<!-- evidence-table t -->\n",
                      "two/index.md": "# Two\n\n<!-- evidence-table other -->\n"},
               bib_entry("good", "Fine", "Roe, Rita", "2021"), data={"t.yaml": DATA})
    os.symlink(outside / "secret.yaml", root / "docs/data/secret.yaml")
    os.symlink(outside / "data", root / "docs/data/more")  # a linked folder is never searched
    os.symlink(outside / "data" / "other.yaml", root / "docs/data/other.yml")
    result = build_site(root)
    assert result.error is None
    assert result.litreview_warnings == [
        ("docs/data/other.yml: the file is a link to a place outside the project; refused: copy the data into "
        "docs/data/"),
        ("docs/data/secret.yaml: the file is a link to a place outside the project; refused: copy the data into "
        "docs/data/"),
        ("docs/data/more/other.yaml: a link to " + str((outside / "data" / "other.yaml").resolve()) + ", outside "
         "docs/: not read and not published; copy the file into the project instead"),
        "docs/index.md:3: data set 'secret' could not be loaded (see the messages for docs/data/secret.yaml); fix "
        "that file",
        "docs/two/index.md:3: data set 'other' could not be loaded (see the messages for docs/data/other.yaml); fix "
        "that file"]
    for path in (root / "site").rglob("*"):
        if path.is_file() and path.suffix in (".html", ".json", ".csv", ".svg", ".xml"):
            assert "Secret outside" not in path.read_text(encoding="utf-8", errors="replace"), path
    assert 'id="table-t-2-r"' in result.page()


def test_symlink_inside_the_project_is_read(tmp_path: Path) -> None:
    write_site(tmp_path, {"index.md": "# S\n\n<!-- evidence-table alias -->\n"},
               bib_entry("good", "Fine", "Roe, Rita", "2021"))
    (tmp_path / "shared").mkdir()
    (tmp_path / "shared" / "t.yaml").write_text(DATA, encoding="utf-8")
    (tmp_path / "docs/data").mkdir()
    os.symlink(tmp_path / "shared" / "t.yaml", tmp_path / "docs/data/alias.yaml")
    result = build_site(tmp_path)
    assert result.litreview_warnings == [] and 'id="table-alias-1-r"' in result.page()


def test_generated_files_stay_in_site_dir(tmp_path: Path) -> None:
    root = tmp_path / "project"
    sneaky = "../" * 12 + tmp_path.relative_to("/").as_posix() + "/escaped"
    bib = bib_entry("good", "Fine", "Roe, Rita", "2021") + bib_entry(sneaky, "Sneaky key", "Doe, J", "2020") \
        + bib_entry("..", "Dots", "Doe, J", "2020") + bib_entry("/etc/passwd", "Absolute", "Doe, J", "2020")
    pages = {
        "index.md": "# S\n\n<!-- evidence-table t -->\n\n<!-- evidence-table t id=../../../escaped -->\n\n"
                    "<!-- bibliography all -->\n",
        "deep/er/page.md": "# Deep\n\n<!-- evidence-table t caption=\"../../x\" -->\n\n"
                           "<!-- evidence-chart t column=n id=escaped-chart -->\n",
        "odd name's.md": "# Odd\n\n<!-- evidence-table t -->\n",
    }
    write_site(root, pages, bib, data={"t.yaml": DATA}, options={"cache_dir": ".cache/litreview"})
    before = {p for p in tmp_path.rglob("*")}
    result = build_site(root, site_dir=root / "out" / "site")
    assert result.error is None
    assert result.litreview_warnings == [
        "docs/index.md:5: invalid id '../../../escaped': letters, digits, '_' and '-' only"]
    created = [p for p in tmp_path.rglob("*") if p not in before and p.is_file()]
    site, cache = (root / "out" / "site").resolve(), (root / ".cache" / "litreview").resolve()
    outside = [p for p in created if not (p.resolve().is_relative_to(site) or p.resolve().is_relative_to(cache))]
    assert outside == []
    assert not any(p.name.startswith("escaped") for p in created if not p.resolve().is_relative_to(site))
    downloads = [p for p in created if p.parent == site / "downloads"]
    assert len(downloads) == 6 and {p.suffix for p in downloads} == {".csv", ".json"}
