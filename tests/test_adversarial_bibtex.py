"""Broken and hostile BibTeX: every case is a tiny site that still builds, names file and line, and fails --strict."""
from __future__ import annotations

from pathlib import Path

import pytest
from helpers import BuildResult, bib_entry, build_site, write_site, build_both

GOOD = bib_entry("good", "Fine", "Roe, Rita", "2021")  # 5 lines




STRICT = {"required_fields": ["author", "title", "year"]}  # a stricter policy than the default (none)


def site(root: Path, bib: str | dict[str, str], page: str = "# T\n\nSee [@good].\n") -> Path:
    return write_site(root, {"index.md": page}, bib, options=STRICT)


# (case, refs.bib, page, expected warnings, texts the page must show)
CASES = [
    ("unbalanced-brace",
     "@article{a,\n  author = {Doe, Jane},\n  title = {An {unbalanced title},\n  year = {2020}\n}\n\n" + GOOD,
     "# T\n\n[@a] and [@good].\n",
     [("refs.bib:3: BibTeX syntax error in entry 'a' (line 1): the brace '{' opened on this line is never closed, "
      "so the value runs into the next field; close it")],
     ["Roe R. Fine. 2021."]),
    ("extra-closing-brace",
     "@article{a,\n  author = {Doe, Jane},\n  title = {Closed} early},\n  year = {2020}\n}\n\n" + GOOD,
     "# T\n\n[@a] and [@good].\n",
     [("refs.bib:3: BibTeX syntax error in entry 'a' (line 1): '}' expected; check the braces, quotes and commas "
      "of this entry")],
     ["Doe J. Closed.", "Roe R. Fine. 2021."]),
    ("missing-comma-between-fields",
     "@article{a,\n  author = {Doe, Jane}\n  title = {T},\n  year = {2020}\n}\n\n" + GOOD,
     "# T\n\n[@a] and [@good].\n",
     [("refs.bib:3: BibTeX syntax error in entry 'a' (line 1): '}' expected; check the braces, quotes and commas "
      "of this entry")],
     ["Roe R. Fine. 2021."]),
    ("unterminated-quote",
     '@article{a,\n  author = {Doe, Jane},\n  title = "Open,\n  year = {2020}\n}\n',
     "# T\n\n[@a].\n",
     [("refs.bib:3: BibTeX syntax error in entry 'a' (line 1): the quote opened on this line is never closed, so "
      "the value runs into the next field; close it")],
     ["Doe J."]),
    ("cut-off-at-eof",
     GOOD + "\n@article{cut,\n  author = {Roe, R},\n  title = {Cut",
     "# T\n\n[@good] [@cut]\n",
     [("refs.bib:9: BibTeX syntax error in entry 'cut' (line 7): premature end of file; check the braces, quotes "
      "and commas of this entry")],
     ["Roe R. Fine. 2021."]),
    ("cut-off-after-at",
     GOOD + "\n@article",
     "# T\n\n[@good]\n",
     ["refs.bib:7: BibTeX syntax error: premature end of file; check the braces, quotes and commas of this entry"],
     ["Roe R. Fine. 2021."]),
    ("unknown-entry-type",
     "@artikle{a,\n  author = {Doe, Jane},\n  title = {T},\n  year = {2020}\n}\n",
     "# T\n\n[@a]\n",
     ["refs.bib:1: unknown entry type '@artikle' for 'a'; use a BibTeX or biblatex type such as @article or @misc"],
     ["Doe J. T. 2020."]),
    ("entry-without-key",
     "@article{,\n  author = {Doe, Jane},\n  title = {T},\n  year = {2020}\n}\n" + GOOD,
     "# T\n\n[@good]\n",
     ["refs.bib:1: BibTeX syntax error: entry key expected; check the braces, quotes and commas of this entry",
      "refs.bib:1: @article entry without a key; add one"],
     ["Roe R. Fine. 2021."]),
    ("duplicate-key-same-file",
     GOOD + "\n" + bib_entry("Good", "Second copy", "Other, O", "1999"),
     "# T\n\n[@good]\n",
     ["refs.bib:1: duplicate key 'good': also defined at refs.bib:7; rename or remove one of them (until then this "
      "entry is used)",
      "refs.bib:7: duplicate key 'Good': also defined at refs.bib:1; rename or remove one of them (until then the "
      "entry at refs.bib:1 is used)"],
     ["Roe R. Fine. 2021."]),
    ("undefined-string",
     "@article{x,\n  author = {Doe, Jane},\n  title = undefinedmacro,\n  year = {2020}\n}\n",
     "# T\n\n[@x]\n",
     [("refs.bib:3: undefined @string 'undefinedmacro' in entry 'x' (line 1); define it with "
      "@string{undefinedmacro = {...}} before it is used, or write the value in braces")],
     ["Doe J. 2020."]),
    ("string-loop",
     "@string{a = b}\n@string{b = a}\n@article{x,\n  author = {Doe, Jane},\n  title = a # b,\n  year = {2020}\n}\n",
     "# T\n\n[@x]\n",
     [("refs.bib:1: undefined @string 'b' in @string 'a' (line 1); define it with @string{b = {...}} before it is "
      "used, or write the value in braces"),
      "refs.bib:3: entry 'x' lacks title, which required_fields of the litreview plugin asks for; add the field(s) as seen in the source"],
     ["Doe J. 2020."]),
    ("self-referencing-string",
     "@string{a = a # a}\n@article{x,\n  author = {Doe, Jane},\n  title = a,\n  year = {2020}\n}\n",
     "# T\n\n[@x]\n",
     [("refs.bib:1: undefined @string 'a' in @string 'a' (line 1); define it with @string{a = {...}} before it is "
      "used, or write the value in braces"),
      "refs.bib:2: entry 'x' lacks title, which required_fields of the litreview plugin asks for; add the field(s) as seen in the source"],
     ["Doe J. 2020."]),
    ("defined-string-and-month",
     ("@string{jnm = {J Nucl Med}}\n@article{x,\n  author = {Doe, Jane},\n  title = {T},\n  journal = jnm,\n"
     "  month = feb,\n  year = {2020}\n}\n"),
     "# T\n\n[@x]\n",
     [],
     ["Doe J. T. J Nucl Med. 2020."]),
    ("crossref-to-missing-parent",
     "@inproceedings{x,\n  author = {Doe, Jane},\n  title = {T},\n  year = {2020},\n  crossref = {nope}\n}\n",
     "# T\n\n[@x]\n",
     [("refs.bib:1: entry 'x' has crossref 'nope', which is not in the bibliography; add the parent entry or "
      "remove the crossref")],
     ["Doe J. T. 2020."]),
    ("crossref-cycle",
     ("@inproceedings{x,\n  author = {Doe, Jane},\n  title = {T},\n  year = {2020},\n  crossref = {y}\n}\n"
     "@inproceedings{y,\n  author = {Roe, Rita},\n  title = {U},\n  year = {2021},\n  crossref = {x}\n}\n"),
     "# T\n\n[@x; @y]\n",
     [],
     ["Doe J. T.", "Roe R. U."]),
    ("braces-nested-too-deep",
     "@article{a,\n  author = {Doe, Jane},\n  title = " + "{" * 150 + "x" + "}" * 150 + ",\n  year = {2020}\n}\n"
     + GOOD,
     "# T\n\n[@good]\n",
     [("refs.bib:3: BibTeX syntax error in entry 'a' (line 1): too many nested braces; check the braces, quotes and "
      "commas of this entry")],
     ["Roe R. Fine. 2021."]),
    ("empty-file", "", "# T\n\nNo citations.\n", ["refs.bib: the file is empty; add entries or remove the file"], []),
    ("whitespace-only-file", "  \n\n\t\n", "# T\n\nNo citations.\n",
     ["refs.bib: the file is empty; add entries or remove the file"], []),
    ("binary-garbage",
     "\x00\x01 } } { @@@ @article @{\n" + GOOD,
     "# T\n\n[@good]\n",
     ["refs.bib:1: BibTeX syntax error: '(' or '{' expected; check the braces, quotes and commas of this entry",
      "refs.bib:1: BibTeX syntax error: a valid name expected; check the braces, quotes and commas of this entry"],
     ["Roe R. Fine. 2021."]),
]


@pytest.mark.parametrize(("bib", "page", "expected", "shown"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_broken_bibtex(tmp_path: Path, bib: str, page: str, expected: list[str], shown: list[str]) -> None:
    site(tmp_path, bib, page)
    result = build_both(tmp_path, expected)
    html = result.page()
    for text in shown:
        assert text in html, text


def test_cited_entry_lost_to_a_syntax_error_shows_a_marker(tmp_path: Path) -> None:
    site(tmp_path, "@article{,\n  title = {T}\n}\n" + GOOD, "# T\n\nText [@lost] and [@good].\n")
    result = build_both(tmp_path, [
        "refs.bib:1: BibTeX syntax error: entry key expected; check the braces, quotes and commas of this entry",
        "refs.bib:1: @article entry without a key; add one",
        "docs/index.md:3: unknown citation key 'lost'; add it to bib/ or correct the key"])
    assert '<span class="lr-missing" title="unknown citation key">[?lost]</span>' in result.page()


def test_missing_comma_after_key_is_read_as_pybtex_does(tmp_path: Path) -> None:
    # pybtex ends a key at whitespace, so `@article{a` + newline + fields still reads the entry; nothing is lost.
    site(tmp_path, "@article{a\n  author = {Doe, Jane},\n  title = {T},\n  year = {2020}\n}\n", "# T\n\n[@a]\n")
    assert "Doe J. T. 2020." in build_both(tmp_path, []).page()


def test_duplicate_key_across_files_names_both_places(tmp_path: Path) -> None:
    site(tmp_path, {"a.bib": GOOD, "b.bib": "% second file\n\n" + bib_entry("GOOD", "Copy", "Other, O", "1999")},
         "# T\n\n[@good]\n")
    result = build_both(tmp_path, [
        "a.bib:1: duplicate key 'good': also defined at b.bib:3; rename or remove one of them (until then this entry "
        "is used)",
        "b.bib:3: duplicate key 'GOOD': also defined at a.bib:1; rename or remove one of them (until then the entry at "
        "a.bib:1 is used)"])
    assert "Roe R. Fine. 2021." in result.page() and "Copy" not in result.page()


def test_non_utf8_bytes_are_reported_with_their_line(tmp_path: Path) -> None:
    site(tmp_path, "", "# T\n\n[@good] [@latin]\n")
    (tmp_path / "refs.bib").write_bytes(GOOD.encode() + b"\n@article{latin,\n  author = {M\xfcller, K.},\n"
                                        b"  title = {Caf\xe9},\n  year = {2001}\n}\n")
    result = build_both(tmp_path, [
        ("refs.bib:8: the file is not valid UTF-8 (byte 0xfc); save it as UTF-8. Undecodable bytes are shown as "
        "\ufffd.")])
    assert "M\ufffdller K. Caf\ufffd. 2001." in result.page()


def test_utf8_bom_is_ignored(tmp_path: Path) -> None:
    site(tmp_path, "", "# T\n\n[@good]\n")
    (tmp_path / "refs.bib").write_bytes(b"\xef\xbb\xbf" + GOOD.encode())
    result = build_both(tmp_path, [])
    assert 'id="ref-good"' in result.page()  # the key is not read as "\ufeffgood"


def test_crlf_line_endings_keep_line_numbers(tmp_path: Path) -> None:
    text = GOOD + "\n@article{noyear,\n  author = {Doe, Jane},\n  title = {Two\n  lines}\n}\n"
    site(tmp_path, "", "# T\n\n[@good] [@noyear]\n")
    (tmp_path / "refs.bib").write_bytes(text.replace("\n", "\r\n").encode())
    result = build_both(tmp_path, ["refs.bib:7: entry 'noyear' lacks year, which required_fields of the litreview plugin asks for; add the field(s) as seen in the source"])
    assert "Doe J. Two lines." in result.page()


def test_thirty_thousand_entries(tmp_path: Path) -> None:
    entries = "".join(
        bib_entry(f"k{i}", f"{{\\\"U}}ber trial {i}", "M{\\\"u}ller, Hans and van der Berg, J.", str(1950 + i % 70),
                  journal="J Test", volume="3", pages="1--9")
        for i in range(30_000))
    site(tmp_path, entries, "# T\n\nFirst [@k0], middle [@k15000], last [@k29999].\n")
    result = build_site(tmp_path)
    assert result.error is None and result.litreview_warnings == []
    html = result.page()
    assert "Müller H, van der Berg J. Über trial 29999. J Test. 1989;3:1\u20139." in html
    assert html.count('class="lr-ref-text"') == 3  # only cited entries are formatted
