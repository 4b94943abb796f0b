"""Living review on tiny git repositories with real commits and tags: evidence diff, What's new, Atom feed,
currency on pages and in `litreview check`, cite-this-version files and Highwire tags read back from the HTML."""
from __future__ import annotations

import io
import json
import os
import re
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from helpers import bib_entry, build_both, build_site, write_site
from litreview.cli import main
from pybtex.database import parse_string

ATOM = "{http://www.w3.org/2005/Atom}"
DOE = bib_entry("doe2020title", title="Liver embolization in practice")
ROE = bib_entry("roe2021other", title="Radioembolization outcomes", author="Roe, Richard", year="2021")
DATA = """\
title: Embolization
columns:
  - {id: source, label: Study, type: citation}
  - {id: n, label: Patients, type: integer}
  - {id: orr, label: Response, type: percent}
rows:
  - {id: doe, source: doe2020title, n: 26, orr: 40}
"""
CHAPTER = """\
---
searched: 2026-10-01
assessed: 2026-11-15
review_interval_months: 12
---
# Embolization

First [@doe2020title].
"""


def git(root: Path, *args: str, when: str = "2026-01-15T10:00:00+00:00") -> str:
    env = dict(os.environ, GIT_AUTHOR_DATE=when, GIT_COMMITTER_DATE=when, GIT_CONFIG_GLOBAL=os.devnull,
               GIT_CONFIG_NOSYSTEM="1")
    out = subprocess.run(["git", "-c", "user.name=Test", "-c", "user.email=test@example.org", "-c",
                          "commit.gpgsign=false", "-c", "tag.gpgsign=false", "-c", "init.defaultBranch=main", *args],
                         cwd=root, env=env, check=True, capture_output=True, text=True)
    return out.stdout


def commit(root: Path, message: str, when: str) -> None:
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message, when=when)


def repo(tmp_path: Path, options: dict[str, Any] | None = None, extra: dict[str, Any] | None = None) -> Path:
    """Three versions: v1.0 (one study), v1.1 (a value changed, a reference and a row added, numbers shift), v2.0."""
    root = tmp_path / "review"
    root.mkdir()
    git(root, "init", "-q")
    opts = {"pdf": {"enabled": False, "authors": "Jane Doe; Ann Roe"}, **(options or {})}
    write_site(root, {"index.md": "# Overview\n\nAbout [@roe2021other].\n", "tace.md": CHAPTER},
               DOE + ROE, {"tace.yaml": DATA}, opts, nav=["index.md", "tace.md"],
               extra={"site_url": "https://example.org/review/", **(extra or {})})
    (root / ".gitignore").write_text("site/\nstrict-site/\n", encoding="utf-8")
    commit(root, "First version", "2026-01-15T10:00:00+00:00")
    git(root, "tag", "-a", "v1.0", "-m", "First release: embolization", when="2026-01-15T10:00:00+00:00")
    (root / "docs/data/tace.yaml").write_text(DATA.replace("n: 26", "n: 27") + "  - {id: roe, source: roe2021other, "
                                              "n: 12, orr: null}\n", encoding="utf-8")
    (root / "docs/index.md").write_text("# Overview\n\nAbout [@doe2020title] and [@roe2021other]; new "
                                        "[@poe2022new].\n", encoding="utf-8")
    (root / "refs.bib").write_text(DOE.replace("2020}", "2020},\n  doi = {10.1000/x.1}") + ROE
                                   + bib_entry("poe2022new", title="A new <trial>", year="2022"), encoding="utf-8")
    commit(root, "Update embolization", "2026-03-02T09:30:00+01:00")
    git(root, "tag", "v1.1", when="2026-03-02T09:30:00+01:00")
    return root


def run(root: Path, *args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    cwd = os.getcwd()
    os.chdir(root)
    try:
        code = main(list(args), out=out, err=err)
    finally:
        os.chdir(cwd)
    return code, out.getvalue(), err.getvalue()


# ------------------------------------------------------------------------------------------------ diff
def test_diff_text_between_tags(tmp_path: Path) -> None:
    root = repo(tmp_path)
    code, out, err = run(root, "diff", "v1.0", "v1.1")
    assert (code, err) == (0, "")
    assert out == ("Evidence diff v1.0 → v1.1: 1 reference added, 1 reference changed, 1 table row added, 1 value "
                   "changed, 2 chapters renumbered\n") + """
References added:
  poe2022new

References changed:
  doe2020title: doi: (empty) → 10.1000/x.1

Table rows added:
  tace/roe (Embolization; roe2021other)

Values changed:
  tace/doe Patients: 26 → 27 (doe2020title)

Citation numbers shift:
  docs/index.md: [1]→[2] roe2021other
  docs/tace.md: [2]→[1] doe2020title
"""


def test_diff_markdown_and_json(tmp_path: Path) -> None:
    root = repo(tmp_path)
    code, md, _ = run(root, "diff", "v1.0", "v1.1", "--format", "markdown")
    assert code == 0
    assert md.splitlines()[:3] == ["### Evidence diff `v1.0` → `v1.1`", "",
                                   "1 reference added, 1 reference changed, 1 table row added, 1 value changed, 2 "
                                   "chapters renumbered."]
    assert "- `tace/doe` Patients: 26 → 27 (`doe2020title`)" in md
    code, text, _ = run(root, "diff", "v1.1", "v1.0", "--format", "json")
    data = json.loads(text)
    assert data["references_removed"] == ["poe2022new"] and data["references_added"] == []
    assert data["rows_removed"] == [{"row": "tace/roe", "table": "Embolization", "source": "roe2021other"}]
    assert data["values_changed"] == [{"row": "tace/doe", "table": "Embolization", "source": "doe2020title",
                                       "column": "Patients", "old": "27", "new": "26"}]
    assert data["references_changed"] == {"doe2020title": [{"field": "doi", "old": "10.1000/x.1", "new": ""}]}
    assert data["renumbered"]["docs/index.md"] == [{"key": "roe2021other", "old": 2, "new": 1}]


def test_diff_against_the_working_tree_and_no_change(tmp_path: Path) -> None:
    root = repo(tmp_path)
    assert run(root, "diff", "v1.1")[1] == "Evidence diff v1.1 → working tree: no change in the evidence\n"
    (root / "docs/data/tace.yaml").write_text(DATA.replace("orr: 40", "orr: 45"), encoding="utf-8")
    out = run(root, "diff", "HEAD")[1]
    assert "  tace/doe Response: 40% → 45% (doe2020title)\n" in out
    assert "Table rows removed:\n  tace/roe (Embolization; roe2021other)\n" in out


@pytest.mark.parametrize(("revs", "message"), [
    (("v9",), "litreview diff: unknown revision 'v9'; check the name with `git log --oneline` or `git tag`\n"),
    (("--all",), "litreview diff: '--all' is not a revision\n"),
])
def test_diff_unknown_revision(tmp_path: Path, revs: tuple[str, ...], message: str) -> None:
    root = repo(tmp_path)
    assert run(root, "diff", "--", *revs) == (2, "", message)


def test_diff_outside_git(tmp_path: Path) -> None:
    write_site(tmp_path, {"index.md": "# A\n"}, DOE)
    code, out, err = run(tmp_path, "diff", "HEAD~1")
    assert (code, out) == (2, "")
    assert err.startswith("litreview diff: unknown revision 'HEAD~1'")


def test_diff_in_a_shallow_clone_says_how_to_fetch(tmp_path: Path) -> None:
    root = repo(tmp_path)
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{root}", str(clone))
    code, _, err = run(clone, "diff", "v1.0")
    assert code == 2
    assert err == ("litreview diff: unknown revision 'v1.0' (this is a shallow clone: fetch the history first, e.g. "
                   "`git fetch --unshallow` or actions/checkout with fetch-depth: 0)\n")


# ------------------------------------------------------------------------------------------------ What's new
def test_whats_new_page_and_atom_feed_from_tags(tmp_path: Path) -> None:
    root = repo(tmp_path)
    result = build_both(root, [])
    page = result.article("whats-new.html")
    assert ('<section class="lr-version" id="v-v1-1">\n<h2>v1.1 <small>(<time datetime="2026-03-02">2026-03-02'
            '</time>)</small></h2>\n<p>Update embolization</p>\n<p>1 reference added, 1 reference changed, 1 table '
            'row added, 1 value changed, 2 chapters renumbered.</p>\n') in page
    assert ('<section class="lr-version" id="v-v1-0">\n<h2>v1.0 <small>(<time datetime="2026-01-15">2026-01-15'
            '</time>)</small></h2>\n<p>First release: embolization</p>\n<p>The first version.</p>\n</section>') in page
    assert '<a href="feed.xml" type="application/atom+xml">Subscribe to updates (Atom feed)</a>' in page

    feed = ET.fromstring((result.site / "feed.xml").read_bytes())
    assert feed.tag == f"{ATOM}feed"
    for required in ("id", "title", "updated", "author/" + ATOM + "name"):
        assert feed.find(ATOM + required) is not None, required
    assert feed.findtext(f"{ATOM}updated") == "2026-03-02T09:30:00+01:00"
    assert feed.find(f"{ATOM}link[@rel='self']").get("href") == "https://example.org/review/feed.xml"  # type: ignore
    entries = feed.findall(f"{ATOM}entry")
    assert [e.findtext(f"{ATOM}title") for e in entries] == ["v1.1: Update embolization",
                                                              "v1.0: First release: embolization"]
    for entry in entries:
        for required in ("id", "title", "updated"):
            assert entry.findtext(ATOM + required), required
    assert entries[0].findtext(f"{ATOM}id") == "https://example.org/review/whats-new.html#v-v1-1"
    assert "<code>tace/doe</code> Patients: 26 → 27" in (entries[0].findtext(f"{ATOM}content") or "")


def test_history_falls_back_to_content_commits_without_tags(tmp_path: Path) -> None:
    root = repo(tmp_path)
    git(root, "tag", "-d", "v1.0", "v1.1")
    (root / "README.md").write_text("not content\n", encoding="utf-8")
    commit(root, "Readme only", "2026-04-01T00:00:00+00:00")  # touches no content: not a version
    page = build_site(root).article("whats-new.html")
    names = re.findall(r'<section class="lr-version" id="([^"]+)">\n<h2>([^<]+) ', page)
    shas = git(root, "log", "--format=%h", "--abbrev=7", "--", "docs", "refs.bib").split()
    assert [n for _, n in names] == shas
    assert "<p>Update embolization</p>\n<p>1 reference added" in page
    assert "<p>First version</p>\n<p>The first version.</p>" in page  # the root commit has no parent


def test_shallow_clone_gets_a_clear_fallback(tmp_path: Path) -> None:
    root = repo(tmp_path)
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{root}", str(clone))
    result = build_both(clone, [])
    assert ('<p class="lr-history-note">The history is not available: this is a shallow clone. Build from a full '
            'clone (for example actions/checkout with fetch-depth: 0) to list the versions.</p>'
            ) in result.article("whats-new.html")
    feed = ET.fromstring((result.site / "feed.xml").read_bytes())
    assert feed.findall(f"{ATOM}entry") == [] and feed.findtext(f"{ATOM}title") == "Test"


def test_no_git_at_all(tmp_path: Path) -> None:
    write_site(tmp_path, {"index.md": "# A\n\nText [@doe2020title].\n", "news.md": "# News\n\n"
                          "<!-- litreview:whats-new -->\n"}, DOE, options={"living": {"whats_new": "news.md"}})
    result = build_both(tmp_path, [])
    assert not (result.site / "whats-new.html").exists()  # no generated page without git
    assert ('<p class="lr-history-note">The history is not available: the review is not built from a git '
            'repository.</p>') in result.article("news.html")  # a page of the site's own still says why
    assert 'Version unreleased' not in result.article()  # no git, no version: no version line
    assert '<p class="lr-version"><span class="lr-cite-version">Cite this version:' in result.article()


def test_hostile_commit_subjects_are_escaped(tmp_path: Path) -> None:
    root = repo(tmp_path)
    (root / "docs/data/tace.yaml").write_text(DATA.replace("n: 26", "n: 30"), encoding="utf-8")
    commit(root, "<script>alert(1)</script> & \x01 [@nokey]", "2026-05-01T00:00:00+00:00")
    git(root, "tag", "-a", "v2.0", "-m", "<img src=x onerror=alert(1)> [@nokey]", when="2026-05-01T00:00:00+00:00")
    result = build_both(root, [])  # a citation-like summary is not parsed: no unknown-key warning
    page = result.article("whats-new.html")
    assert "<img src=x" not in page and "<p>&lt;img src=x onerror=alert(1)&gt; [@nokey]</p>" in page
    feed = ET.fromstring((result.site / "feed.xml").read_bytes())
    assert feed.findall(f"{ATOM}entry")[0].findtext(f"{ATOM}title") == "v2.0: <img src=x onerror=alert(1)> [@nokey]"


def test_feed_and_pages_are_deterministic(tmp_path: Path) -> None:
    root = repo(tmp_path)
    first = build_site(root, site_dir=tmp_path / "a")
    second = build_site(root, site_dir=tmp_path / "b")
    for name in ("feed.xml", "whats-new.html", "tace.html", "cite/review.bib"):
        assert (first.site / name).read_bytes() == (second.site / name).read_bytes(), name


# ------------------------------------------------------------------------------------------------ currency
def test_chapter_currency_and_overview(tmp_path: Path) -> None:
    root = repo(tmp_path)
    result = build_both(root, [])
    assert ('<h1 id="embolization">Embolization</h1>\n<p class="lr-currency">Evidence searched to <time '
            'datetime="2026-10-01">2026-10-01</time>, assessed <time datetime="2026-11-15">2026-11-15</time>; next '
            'review due <time datetime="2027-11-15">2027-11-15</time>.</p>') in result.article("tace.html")
    assert ('<tbody>\n<tr><td><a href="tace.html">Embolization</a></td><td><time datetime="2026-10-01">2026-10-01'
            '</time></td><td><time datetime="2026-11-15">2026-11-15</time></td><td><time datetime="2027-11-15">'
            '2027-11-15</time></td></tr>\n</tbody>') in result.article("index.html")
    assert "lr-currency" not in result.article("whats-new.html")


def test_malformed_currency_date_warns_with_file_and_line(tmp_path: Path) -> None:
    write_site(tmp_path, {"index.md": "---\ntitle: A\nassessed: 2026-02-30\n---\n# A\n\nText [@doe2020title].\n"},
               DOE)
    result = build_both(tmp_path, ["docs/index.md:3: front matter 'assessed': expected a date as YYYY-MM-DD, got "
                                   "'2026-02-30'"])
    assert "lr-currency" not in result.article()


@pytest.mark.parametrize(("options", "today", "code", "severity"), [
    ({}, "2027-11-15", 0, None),
    ({}, "2027-11-16", 0, "warning"),
    ({"living": {"overdue_is_error": True}}, "2027-11-16", 1, "error"),
])
def test_check_reports_overdue_reviews_with_a_fixed_clock(tmp_path: Path, options: dict[str, Any], today: str,
                                                           code: int, severity: str | None) -> None:
    root = repo(tmp_path, options)
    status, out, _ = run(root, "check", "--today", today)
    assert status == code
    expected = (f"docs/tace.md:4: {severity}: the review of this chapter was due on 2027-11-15 (assessed 2026-11-15 "
                "+ 12 months); search and assess the evidence again and update 'searched:' and 'assessed:' (or set a "
                "later 'next_review:')\n") if severity else ""
    assert out == expected


def test_check_reports_malformed_dates(tmp_path: Path) -> None:
    write_site(tmp_path, {"index.md": "---\nsearched: soon\n---\n# A\n\nText [@doe2020title].\n"}, DOE)
    status, out, _ = run(tmp_path, "check", "--today", "2026-12-03")
    assert status == 1
    assert out == "docs/index.md:2: error: front matter 'searched': expected a date as YYYY-MM-DD, got 'soon'\n"


# ------------------------------------------------------------------------------------------------ citation
def test_version_cite_files_and_highwire_tags(tmp_path: Path) -> None:
    root = repo(tmp_path, {"living": {"doi": "10.5281/zenodo.100", "version_doi": "10.5281/zenodo.101"},
                           "pdf": {"enabled": False, "authors": "Jane Doe; Ann Roe"}})
    result = build_both(root, [])
    article = result.article("tace.html")
    assert ('<p class="lr-version">Version v1.1 of <time datetime="2026-03-02">2026-03-02</time>. This version: '
            '<a href="https://doi.org/10.5281/zenodo.101">doi:10.5281/zenodo.101</a>. All versions: '
            '<a href="https://doi.org/10.5281/zenodo.100">doi:10.5281/zenodo.100</a>. <span class="lr-cite-version">'
            'Cite this version: <a href="cite/review.bib" download>BibTeX</a> · <a href="cite/review.ris" download>'
            'RIS</a> · <a href="cite/review.json" download>CSL-JSON</a></span></p>') in article
    head = result.page("tace.html").split("</head>")[0]
    tags = re.findall(r'<meta name="(citation_[a-z_]+)" content="([^"]*)">', head)
    assert tags == [("citation_title", "Embolization"), ("citation_author", "Jane Doe"),
                    ("citation_author", "Ann Roe"), ("citation_publication_date", "2026/01/15"),
                    ("citation_inbook_title", "Test"), ("citation_doi", "10.5281/zenodo.101")]
    entry = parse_string((result.site / "cite/review.bib").read_text(encoding="utf-8"), "bibtex").entries
    (bib,) = entry.values()
    assert (bib.fields["version"], bib.fields["date"], bib.fields["doi"]) == ("v1.1", "2026-03-02",
                                                                              "10.5281/zenodo.101")
    ris = (result.site / "cite/review.ris").read_text(encoding="utf-8").splitlines()
    assert ris[0] == "TY  - ELEC" and "ET  - v1.1" in ris and ris[-1] == "ER  - "
    (csl,) = json.loads((result.site / "cite/review.json").read_text(encoding="utf-8"))
    assert (csl["version"], csl["URL"]) == ("v1.1", "https://example.org/review/")


def test_configured_version_wins_and_pdf_url_is_absolute(tmp_path: Path) -> None:
    root = repo(tmp_path, {"living": {"version": "2026.1"}, "pdf": {"enabled": True, "authors": "A"}})
    result = build_site(root)
    assert "Version 2026.1 of" in result.article("tace.html")
    assert ('<meta name="citation_pdf_url" content="https://example.org/review/review.pdf">'
            in result.page("tace.html"))
    from pypdf import PdfReader

    cover = PdfReader(result.site / "review.pdf").pages[0].extract_text()
    assert "Version: 2026.1 (2026-03-02)" in cover


def test_citation_cff_has_the_required_keys() -> None:
    import yaml
    from helpers import ROOT

    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    assert cff["cff-version"] == "1.2.0"
    assert {"message", "title", "authors"} <= set(cff) and cff["authors"][0]["name"]
    assert cff["title"] == yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8").split("\ntheme:")[0])[
        "site_name"]
