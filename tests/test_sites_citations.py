"""Tiny sites, one per scenario of the citation engine: what pages show and the exact messages."""
from __future__ import annotations

import json
import re
from pathlib import Path

from helpers import bib_entry, build_site, write_site

BIB = bib_entry("strosberg2017phase", "Phase 3 trial", "Strosberg, Jonathan and El-Haddad, G. and Wolin, E.") + \
    bib_entry("kim2019", "Second work", "Kim, A.") + bib_entry("lee2020", "Third work", "Lee, B.")


def refs(html: str) -> str:
    m = re.search(r'<ol class="lr-references">.*?</ol>', html, re.S)
    assert m, "no reference list"
    return m.group(0)


def test_numbers_are_global_in_nav_order(tmp_path: Path) -> None:
    write_site(tmp_path, {"index.md": "# One\n\nFirst [@kim2019].\n", "two.md": "# Two\n\n[@lee2020; @kim2019]\n",
                          "refs.md": "# Refs\n\n<!-- bibliography -->\n"}, BIB,
               nav=["index.md", "two.md", "refs.md"])
    result = build_site(tmp_path)
    assert result.litreview_warnings == []
    two = result.page("two.html")
    assert 'href="#ref-kim2019" aria-describedby="ref-text-1 ref-text-2">1</a>, ' in two
    assert 'href="#ref-lee2020" aria-describedby="ref-text-1 ref-text-2">2</a>]' in two
    bibliography = result.page("refs.html")
    assert bibliography.index('id="ref-kim2019" value="1"') < bibliography.index('id="ref-lee2020" value="2"')
    assert "strosberg2017phase" not in bibliography  # uncited entries only with `bibliography all`
    assert 'Cited in: <a href="index.html">One</a>, <a href="two.html">Two</a>' in bibliography


def test_bibliography_all_lists_uncited(tmp_path: Path) -> None:
    write_site(tmp_path, {"index.md": "[@kim2019]\n\n<!-- bibliography all -->\n"}, BIB)
    html = build_site(tmp_path).page()
    assert 'id="ref-strosberg2017phase"' in html and 'id="ref-lee2020"' in html


def test_reference_list_at_placeholder_or_appended(tmp_path: Path) -> None:
    write_site(tmp_path, {"index.md": "# A\n\n[@kim2019] and @strosberg2017phase.\n\n## Sources\n\n<!-- references -->\n\n"
                                      "## After\n\nText.\n", "b.md": "# B\n\n[@lee2020]\n"}, BIB)
    result = build_site(tmp_path)
    index = result.page()
    assert index.index('<h2 id="sources">') < index.index('<ol class="lr-references">') < index.index('<h2 id="after">')
    assert "Strosberg et al. [" in index
    b = result.page("b.html")
    assert re.search(r'<h2 id="references">References</h2>\s*<ol class="lr-references">', b)


def duplicate_ids(html: str) -> list[str]:
    ids = re.findall(r' id="([^"]+)"', html)
    return sorted({i for i in ids if ids.count(i) > 1})


def test_a_page_that_cites_and_holds_the_bibliography_has_unique_ids(tmp_path: Path) -> None:
    write_site(tmp_path, {"index.md": "# References\n\nAs [@kim2019] found.\n\n<!-- bibliography -->\n",
                          "both.md": "# Both\n\nSee [@lee2020].\n\n## Cited here\n\n<!-- references -->\n\n## All\n\n"
                                     "<!-- bibliography -->\n",
                          "refs.md": "# References\n\nAs [@strosberg2017phase] found.\n"}, BIB,
               nav=["index.md", "both.md", "refs.md"])
    result = build_site(tmp_path)
    assert result.litreview_warnings == []
    index, both, refs_page = result.page(), result.page("both.html"), result.page("refs.html")
    assert [duplicate_ids(index), duplicate_ids(both), duplicate_ids(refs_page)] == [[], [], []]
    # The bibliography lists what the page cites: its citations link there, no second list is appended.
    assert '[<a class="lr-cite-link" href="#ref-kim2019" aria-describedby="ref-text-1">1</a>]' in index
    assert '<li id="ref-kim2019" value="1"><span class="lr-ref-text" id="ref-text-1">' in index
    assert 'class="lr-references">' not in index
    # Both lists asked for: the page's own keeps the anchors its citations link to, the bibliography's are renamed.
    assert '<ol class="lr-references"><li id="ref-lee2020" value="2"><span class="lr-ref-text" id="ref-text-2">' in both
    assert '<li id="bib-ref-lee2020" value="2"><span class="lr-ref-text" id="bib-ref-text-2">' in both
    # A page titled like the appended list: the list's heading takes the next free anchor, as MkDocs numbers them.
    assert '<h1 id="references">References</h1>' in refs_page
    assert '<h2 id="references_1">References</h2>' in refs_page


def test_unknown_key_warns_with_line_and_suggestion(tmp_path: Path) -> None:
    write_site(tmp_path, {"index.md": "# T\n\nLine three.\n\nSee [@strosberg2017phse].\n"}, BIB)
    result = build_site(tmp_path)
    assert result.litreview_warnings == [
        "docs/index.md:5: unknown citation key 'strosberg2017phse' (did you mean 'strosberg2017phase'?)"]
    assert '<span class="lr-missing" title="unknown citation key">[?strosberg2017phse]</span>' in result.page()
    strict = build_site(tmp_path, strict=True, site_dir=tmp_path / "strict-site")
    assert strict.error is not None


def test_bibtex_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    bad = BIB + "\n@article{broken,\n  title = {No closing brace,\n  year = 2020\n"
    write_site(tmp_path, {"index.md": "[@kim2019]\n"}, bad)
    result = build_site(tmp_path)
    messages = [w for w in result.litreview_warnings if "syntax" in w]
    assert messages and all(m.startswith("refs.bib:") for m in messages), result.warnings
    assert "BibTeX syntax error" in messages[0]
    assert result.page()  # the page is still written


def test_duplicate_key_across_files_names_both_places(tmp_path: Path) -> None:
    write_site(tmp_path, {"index.md": "[@kim2019]\n"}, {"a.bib": BIB, "b.bib": "\n\n" + bib_entry("kim2019", "Dup")})
    result = build_site(tmp_path)
    assert result.litreview_warnings == [
        "a.bib:6: duplicate key 'kim2019': also defined at b.bib:3; rename or remove one of them (until then this "
        "entry is used)",
        "b.bib:3: duplicate key 'kim2019': also defined at a.bib:6; rename or remove one of them (until then the "
        "entry at a.bib:6 is used)"]


def test_missing_fields_warn_with_line(tmp_path: Path) -> None:
    write_site(tmp_path, {"index.md": "[@k]\n"}, "\n@article{k,\n  journal = {J}\n}\n",
               options={"required_fields": ["author", "title", "year"]})
    result = build_site(tmp_path)
    assert result.litreview_warnings == [
        "refs.bib:2: entry 'k' lacks author, title, year, which required_fields of the litreview plugin asks for; "
        "add the field(s) as seen in the source"]


def test_entries_without_author_or_year_are_rendered_by_default(tmp_path: Path) -> None:
    bib = "@online{atlas,\n  title = {Dose atlas},\n  url = {https://example.org/atlas}\n}\n"
    write_site(tmp_path, {"index.md": "# T\n\nSee @atlas and [@atlas].\n"}, bib)
    result = build_site(tmp_path, strict=True)
    assert result.error is None and result.litreview_warnings == []
    assert "Dose atlas. Available from: <a" in result.page()


def test_non_utf8_file(tmp_path: Path) -> None:
    write_site(tmp_path, {"index.md": "[@kim2019]\n"}, BIB)
    path = tmp_path / "refs.bib"
    path.write_bytes(path.read_bytes() + b"\n@article{latin, author={M\xfcller, K.}, title={T}, year={2001}}\n")
    result = build_site(tmp_path)
    assert any(w.startswith("refs.bib:17: the file is not valid UTF-8 (byte 0xfc)") for w in result.warnings), \
        result.warnings
    assert "Kim A" in result.page()


def test_malformed_identifiers_are_reported_and_not_linked(tmp_path: Path) -> None:
    write_site(tmp_path, {"index.md": "[@x]\n"},
               bib_entry("x", "T", doi="not-a-doi", pmid="12ab", url="javascript:alert(1)"))
    result = build_site(tmp_path)
    assert result.litreview_warnings == [
        "refs.bib:1: entry 'x': malformed DOI 'not-a-doi' (expected 10.NNNN/... or a short DOI 10/...); it is not linked",
        "refs.bib:1: entry 'x': malformed PMID '12ab' (expected digits only); it is not linked",
        "refs.bib:1: entry 'x': URL 'javascript:alert(1)' is not an http(s) address; it is not linked"]
    assert "javascript:" not in refs(result.page())


def test_uncited_entries_warn_when_asked(tmp_path: Path) -> None:
    write_site(tmp_path, {"index.md": "[@kim2019]\n"}, BIB, options={"warn_uncited": True})
    assert build_site(tmp_path).litreview_warnings == [
        "refs.bib:1: entry 'strosberg2017phase' is never cited; cite it or remove it",
        "refs.bib:11: entry 'lee2020' is never cited; cite it or remove it"]


def test_same_input_same_output(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")  # the theme prints a build date otherwise
    write_site(tmp_path, {"index.md": "[@kim2019; @lee2020] @strosberg2017phase\n"}, BIB)
    first = build_site(tmp_path, site_dir=tmp_path / "s1").page()
    second = build_site(tmp_path, site_dir=tmp_path / "s2").page()
    assert first == second


def test_bib_dir_reads_every_file(tmp_path: Path) -> None:
    write_site(tmp_path, {"index.md": "[@kim2019; @other]\n"}, None, options={"bib_files": [], "bib_dir": "bib"})
    (tmp_path / "bib").mkdir()
    (tmp_path / "bib" / "a.bib").write_text(BIB, encoding="utf-8")
    (tmp_path / "bib" / "b.bib").write_text(bib_entry("other", "Other"), encoding="utf-8")
    result = build_site(tmp_path)
    assert result.litreview_warnings == []
    assert 'id="ref-other"' in result.page()


def test_library_and_entry_downloads(tmp_path: Path) -> None:
    write_site(tmp_path, {"index.md": "[@kim2019]\n", "sub/page.md": "[@lee2020]\n",
                          "refs.md": "<!-- bibliography -->\n"}, BIB)
    result = build_site(tmp_path)
    refs = result.page("refs.html")
    assert ('(<a href="bibliography/library.bib" download="lee2020.bib" data-lr-entry="lee2020" '
            'data-lr-format="bib">BibTeX</a>, <a href="bibliography/library.ris" download="lee2020.ris" '
            'data-lr-entry="lee2020" data-lr-format="ris">RIS</a>)') in refs
    assert '<a href="bibliography/library.ris" download>RIS</a>' in refs
    assert "data-lr-entry" not in result.page("sub/page.html")  # chapters' lists stay light
    library = (result.site / "bibliography/library.bib").read_text(encoding="utf-8")
    assert library.count("@article{") == 3  # the whole library, cited or not
    script = (result.site / "bibliography/entries.js").read_text(encoding="utf-8")
    assert script.startswith("window.litreviewEntries = ") and script.rstrip().endswith(";")
    entries = json.loads(script[len("window.litreviewEntries = "):].rstrip().rstrip(";"))
    assert sorted(entries) == ["kim2019", "lee2020"]  # cited entries (the ones listed with links)
    assert entries["lee2020"]["ris"].startswith("TY  - JOUR") and "TI  - Third work" in entries["lee2020"]["ris"]
    assert entries["lee2020"]["bib"].startswith("@article{lee2020,")


def test_search_index_gets_the_same_text_with_fewer_tags(tmp_path: Path) -> None:
    """Search indexes citations and reference entries as text; the page itself keeps its links."""
    write_site(tmp_path, {"index.md": "# T\n\nA claim [@kim2019; @lee2020] and @strosberg2017phase.\n"}, BIB,
               extra={"plugins": ["search", {"litreview": {"bib_files": ["refs.bib"], "cache_dir": "",
                                                           "pdf": {"enabled": False}}}]})
    result = build_site(tmp_path)
    index = json.loads((result.site / "search/search_index.json").read_text(encoding="utf-8"))
    texts = {doc["location"]: doc["text"] for doc in index["docs"]}
    assert "A claim [1, 2] and Strosberg et al. [3]." in texts["index.html#t"]
    assert "References Kim A. Second work." in texts["index.html"]
    assert "lr-cite" not in json.dumps(index) and "\u21a9" not in json.dumps(index)
    assert 'class="lr-cite-link"' in result.page() and 'class="lr-backref"' in result.page()


def test_a_citation_in_image_alt_text_follows_the_image(tmp_path: Path) -> None:
    """pandoc cites from a figure caption; alt text cannot hold a link, so the citation follows the image."""
    write_site(tmp_path, {"index.md": "# A\n\n![Survival by arm [@kim2019] (mail: a@b.org)](km.png)\n"}, BIB)
    (tmp_path / "docs" / "km.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    result = build_site(tmp_path, strict=True)
    assert result.error is None, result.warnings
    html = result.article()
    assert '<img alt="Survival by arm (mail: a@b.org)" src="km.png" /> <span class="lr-cite" id="cite-1">[' in html
    assert '<li id="ref-kim2019"' in html
