"""CSL JSON bibliographies read as BibTeX: same keys, names, fields and text; problems with file and line."""
from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from litreview.bibliography.csl import latex_escape, standard_id, verbatim_escape
from litreview.bibliography.export import entry_to_csl
from litreview.bibliography.latex import latex_to_text
from litreview.bibliography.load import Name, load_bibliography

ITEMS = [
    {"id": "okafor2019", "type": "article-journal", "title": "Growth of hepatic lesions: 50% & more",
     "author": [{"family": "Okafor", "given": "Ada"}, {"family": "Berg", "given": "Ann", "non-dropping-particle": "van der"},
                {"literal": "WHO Working Group"}],
     "container-title": "J Hepatol", "volume": "12", "issue": "3", "page": "100-109", "DOI": "10.1000/x_y",
     "issued": {"date-parts": [[2019, 5]]}, "PMID": "123456"},
    {"id": "doi:10.1000/abc", "type": "chapter", "title": "A chapter", "container-title": "A Book",
     "editor": [{"family": "Lund", "given": "Per"}], "issued": {"raw": "2020-01-02"},
     "accessed": {"date-parts": [[2024, 3, 9]]}, "URL": "https://example.org/~a_b?x=1&y=2"},
]


def load(tmp_path: Path, text: str):  # type: ignore[no-untyped-def]
    (tmp_path / "refs.json").write_text(text, encoding="utf-8")
    return load_bibliography([tmp_path / "refs.json"], tmp_path)


def test_items_become_entries_with_their_keys_names_and_fields(tmp_path: Path) -> None:
    bib = load(tmp_path, json.dumps(ITEMS, indent=2))
    assert bib.problems == ()
    article, chapter = bib.entries["okafor2019"], bib.entries["doi:10.1000/abc"]
    assert (article.type, article.location.line) == ("article", 2)  # the line where the item opens
    assert article.persons["author"] == (Name("Okafor", "Ada"), Name("Berg", "Ann", particle="van der"),
                                         Name("WHO Working Group", ""))
    assert {k: article.fields[k] for k in ("title", "journal", "volume", "number", "pages", "year", "month", "doi",
                                           "pmid")} == {
        "title": "Growth of hepatic lesions: 50% & more", "journal": "J Hepatol", "volume": "12", "number": "3",
        "pages": "100\u2013109", "year": "2019", "month": "5", "doi": "10.1000/x_y", "pmid": "123456"}
    assert chapter.type == "incollection" and chapter.fields["booktitle"] == "A Book"
    assert chapter.fields["url"] == "https://example.org/~a_b?x=1&y=2" and chapter.fields["urldate"] == "2024-03-09"
    assert chapter.fields["year"] == "2020"
    # and back out as CSL JSON, as Zotero would read it
    assert entry_to_csl(article)["author"][1] == {"family": "Berg", "given": "Ann", "non-dropping-particle": "van der"}


def test_problems_name_the_line(tmp_path: Path) -> None:
    bad = load(tmp_path, '[\n  {"id": "a", "type": "book"},\n  {"type": "book"}\n]\n')
    assert [(p.location.line, p.message) for p in bad.problems] == [
        (3, 'item 2 has no "id" (its citation key); add one')]
    broken = load(tmp_path, '[\n  {"id": "a",\n}\n]\n')
    assert [(p.location.path, p.location.line) for p in broken.problems] == [("refs.json", 3)]
    assert "not valid JSON" in broken.problems[0].message
    assert "holds a list of items" in load(tmp_path, '{"a": 1}').problems[0].message


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="ab \\{}&%$#_~^-'`\"éÄ–\u00a0\t", max_size=40))
def test_text_reads_back_exactly(text: str) -> None:
    text = unicodedata.normalize("NFC", text)
    assert latex_to_text(latex_escape(text)) == " ".join(text.split())  # runs of spaces (no-break ones too): one


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="ab/:?=&%#_~{}\\$.-", max_size=40))
def test_addresses_read_back_exactly(url: str) -> None:
    assert latex_to_text(verbatim_escape(url)) == url


def test_the_bibliography_folder_reads_csl_json_beside_bibtex(tmp_path: Path) -> None:
    from litreview.bibliography.load import bib_folder

    for name in ("a.bib", "b.json", "c.bibtex", "README.md"):
        (tmp_path / name).write_text("x", encoding="utf-8")
    paths, problems = bib_folder(tmp_path, "bib")
    assert [p.name for p in paths] == ["a.bib", "b.json"]
    assert [(p.location.path, p.message.split(";")[0]) for p in problems] == [
        ("bib/c.bibtex", "this file is not read: only *.bib (BibTeX) and *.json (CSL JSON) files in bib/ are")]


def test_unknown_key_messages_say_where_such_keys_come_from() -> None:
    from litreview.citations.manager import unknown_key_message

    assert unknown_key_message("R-bookdown", None) == (
        "unknown citation key 'R-bookdown': an R package's entry, which knitr::write_bib() writes into packages.bib "
        "while R builds a bookdown book; run that chunk once in R and put packages.bib in bib/")
    assert unknown_key_message("R-bookdown", "R-knitr").endswith("(did you mean 'R-knitr'?)")
    assert unknown_key_message("smith", None) == "unknown citation key 'smith'; add it to bib/ or correct the key"


@pytest.mark.parametrize(("note", "key"), [
    ("This CSL Item was generated by Manubot v0.6.1 from its persistent identifier (standard_id).\n"
     "standard_id: doi:10.1000/x", "doi:10.1000/x"),
    ("{:standard_id: pmid:123}", "pmid:123"),
    ("original_id: abc\nstandard_id:   url:https://example.org/a b  ", "url:https://example.org/a b"),
    ("Standard_id: doi:10.1000/x", ""),  # not the cheater syntax: a note of the authors
    ("see standard_id: doi:10.1000/x", ""),
    (None, ""),
])
def test_manubot_standard_id(note: str | None, key: str) -> None:
    assert standard_id({"id": "Xq3pZt9w", "note": note}) == key
