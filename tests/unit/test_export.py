"""BibTeX, RIS and CSL-JSON exports parse back, are deterministic, and are written only inside the site."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from litreview.bibliography.export import (
    entry_to_csl,
    entry_to_ris,
    safe_file_stem,
    to_bibtex,
    to_csl_json,
    to_ris,
    write_library_exports,
)
from litreview.bibliography.load import Bibliography, load_bibliography

ROOT = Path(__file__).resolve().parents[2]
# The biblatex examples, committed as a fixture (tests/fixtures) so CI does not need ../shared.
REALWORLD = ROOT / "tests" / "fixtures" / "biblatex-examples.bib"

SAMPLE = r"""
@article{strosberg2017phase,
  author = {Strosberg, Jonathan and Wolin, Edward and others},
  title = {Phase 3 Trial of {177Lu}-Dotatate for Midgut Neuroendocrine Tumors},
  journal = {N Engl J Med},
  year = {2017},
  month = jan,
  volume = {376},
  number = {2},
  pages = {125--135},
  doi = {https://doi.org/10.1056/NEJMoa1607427},
  pmid = {28076709}
}
@incollection{müller2019chapter,
  author = {M{\"u}ller, J{\"o}rg and van der Berg, Anna},
  editor = {Smith, Ann},
  title = {Embolization},
  subtitle = {A primer},
  booktitle = {Interventional oncology},
  publisher = {Springer},
  address = {Cham},
  date = {2019-05-02},
  pages = {1-20}
}
@misc{../../evil,
  title = {Keys that look like paths},
  year = {2020},
  url = {https://example.org/a_b}
}
"""


@pytest.fixture()
def bib(tmp_path: Path) -> Bibliography:
    path = tmp_path / "refs.bib"
    path.write_text(SAMPLE, encoding="utf-8")
    loaded = load_bibliography([path], tmp_path)
    assert list(loaded.entries) == ["strosberg2017phase", "müller2019chapter", "../../evil"]
    return loaded


def _reload(text: str, tmp_path: Path, name: str = "export.bib") -> Bibliography:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return load_bibliography([path], tmp_path)


def test_bibtex_export_reads_back_with_the_same_keys_and_titles(bib: Bibliography, tmp_path: Path) -> None:
    text = to_bibtex(bib.entries.values())
    back = _reload(text, tmp_path)
    assert [p.message for p in back.problems] == [p.message for p in bib.problems]  # '../../evil' lacks author
    assert list(back.entries) == list(bib.entries)
    assert {k: e.get("title") for k, e in back.entries.items()} == {k: e.get("title") for k, e in bib.entries.items()}
    assert "  doi = {10.1056/NEJMoa1607427},\n" in text
    assert "  title = {Phase 3 Trial of {177Lu}-Dotatate for Midgut Neuroendocrine Tumors},\n" in text


def test_bibtex_export_of_real_world_entries(tmp_path: Path) -> None:
    if not REALWORLD.exists():
        pytest.skip("shared/ not beside the repo")
    source = tmp_path / "examples.bib"
    source.write_text(REALWORLD.read_text(encoding="utf-8"), encoding="utf-8")
    original = load_bibliography([source], tmp_path)
    back = _reload(to_bibtex(original.entries.values()), tmp_path)
    assert list(back.entries) == list(original.entries)
    assert {k: e.get("title") for k, e in back.entries.items()} == \
        {k: e.get("title") for k, e in original.entries.items()}


def test_ris_has_one_record_per_entry(bib: Bibliography) -> None:
    text = to_ris(bib.entries.values())
    assert len(re.findall(r"^TY  - ", text, re.MULTILINE)) == len(re.findall(r"^ER  - $", text, re.MULTILINE)) == 3
    assert entry_to_ris(bib.entries["strosberg2017phase"]) == (
        "TY  - JOUR\n"
        "ID  - strosberg2017phase\n"
        "AU  - Strosberg, Jonathan\n"
        "AU  - Wolin, Edward\n"
        "TI  - Phase 3 Trial of 177Lu-Dotatate for Midgut Neuroendocrine Tumors\n"
        "T2  - N Engl J Med\n"
        "PY  - 2017\n"
        "VL  - 376\n"
        "IS  - 2\n"
        "SP  - 125\n"
        "EP  - 135\n"
        "DO  - 10.1056/NEJMoa1607427\n"
        "AN  - PMID: 28076709\n"
        "ER  - \n")
    chapter = entry_to_ris(bib.entries["müller2019chapter"])
    assert "TY  - CHAP\n" in chapter and "AU  - Müller, Jörg\n" in chapter and "AU  - van der Berg, Anna\n" in chapter
    assert "TI  - Embolization: A primer\n" in chapter and "DA  - 2019/05/02\n" in chapter


def test_csl_json_is_valid_with_id_type_title(bib: Bibliography) -> None:
    items = json.loads(to_csl_json(bib.entries.values()))
    assert [(i["id"], i["type"], i["title"]) for i in items] == [
        ("strosberg2017phase", "article-journal", "Phase 3 Trial of 177Lu-Dotatate for Midgut Neuroendocrine Tumors"),
        ("müller2019chapter", "chapter", "Embolization: A primer"),
        ("../../evil", "article", "Keys that look like paths"),
    ]
    first = entry_to_csl(bib.entries["strosberg2017phase"])
    assert first["issued"] == {"date-parts": [[2017, 1]]}
    assert first["author"] == [{"family": "Strosberg", "given": "Jonathan"}, {"family": "Wolin", "given": "Edward"}]
    assert (first["DOI"], first["PMID"], first["page"]) == ("10.1056/NEJMoa1607427", "28076709", "125-135")
    chapter = entry_to_csl(bib.entries["müller2019chapter"])
    assert chapter["issued"] == {"date-parts": [[2019, 5, 2]]}
    assert chapter["author"][1] == {"family": "Berg", "given": "Anna", "non-dropping-particle": "van der"}
    assert chapter["container-title"] == "Interventional oncology"


def test_exports_are_deterministic(bib: Bibliography) -> None:
    entries = list(bib.entries.values())
    for export in (to_bibtex, to_ris, to_csl_json):
        assert export(entries) == export(list(entries))


@pytest.mark.parametrize(("key", "expected"), [
    ("strosberg2017phase", "strosberg2017phase"),
    ("westfahl:frontier", re.compile(r"^westfahl_frontier-[0-9a-f]{8}$")),
    ("../../evil", re.compile(r"^evil-[0-9a-f]{8}$")),
    ("müller2019chapter", re.compile(r"^m_ller2019chapter-[0-9a-f]{8}$")),
    ("..", re.compile(r"^entry-[0-9a-f]{8}$")),
    (".hidden", re.compile(r"^hidden-[0-9a-f]{8}$")),
    ("a/b\\c", re.compile(r"^a_b_c-[0-9a-f]{8}$")),
])
def test_safe_file_stem(key: str, expected: str | re.Pattern[str]) -> None:
    stem = safe_file_stem(key)
    assert stem == expected if isinstance(expected, str) else expected.match(stem)
    assert "/" not in stem and "\\" not in stem and not stem.startswith(".")


def test_write_library_exports_stays_inside_the_site(bib: Bibliography, tmp_path: Path) -> None:
    site = tmp_path / "site"
    keys = ["../../evil", "strosberg2017phase", "not-a-key"]
    written = write_library_exports(bib, keys, site)
    evil = safe_file_stem("../../evil")
    assert written == {
        "bib": "references/library.bib", "ris": "references/library.ris", "json": "references/library.json",
        "entries": "references/entries.js",
    }
    files = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file())
    assert files == sorted([f"site/{rel}" for rel in written.values()] + ["refs.bib"])
    library = json.loads((site / "references/library.json").read_text(encoding="utf-8"))
    assert [i["id"] for i in library] == ["../../evil", "strosberg2017phase"]  # the order of `keys`
    script = (site / written["entries"]).read_text(encoding="utf-8")
    assert script.isascii() and "</" not in script  # safe to load as a script
    per_entry = json.loads(script.removeprefix("window.litreviewEntries = ").rstrip().rstrip(";"))
    assert per_entry["../../evil"]["file"] == evil
    single = _reload(per_entry["strosberg2017phase"]["bib"], tmp_path, "one.bib")
    assert list(single.entries) == ["strosberg2017phase"]


def test_write_library_exports_refuses_a_folder_outside_the_site(bib: Bibliography, tmp_path: Path) -> None:
    site = tmp_path / "site"
    assert write_library_exports(bib, list(bib.entries), site, folder="../outside") == {}
    assert not (tmp_path / "outside").exists()


def test_cached_exports_are_copied_and_a_strange_manifest_is_ignored(bib: Bibliography, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first = tmp_path / "one"
    written = write_library_exports(bib, list(bib.entries), first, cache_dir=cache)
    folders = list(cache.glob("exports-*"))
    assert len(folders) == 1 and (folders[0] / "manifest.json").is_file()
    second = tmp_path / "two"
    assert write_library_exports(bib, list(bib.entries), second, cache_dir=cache) == written
    for rel in written.values():
        assert (second / rel).read_bytes() == (first / rel).read_bytes()
    # A manifest pointing outside the export folder (a tampered cache) is not followed.
    (folders[0] / "manifest.json").write_text(json.dumps({"bib": "../../outside.bib"}), encoding="utf-8")
    third = tmp_path / "three"
    assert write_library_exports(bib, list(bib.entries), third, cache_dir=cache) == written
    assert not (tmp_path / "outside.bib").exists() and not list(tmp_path.glob("**/outside.bib"))
    assert (third / written["bib"]).read_bytes() == (first / written["bib"]).read_bytes()
