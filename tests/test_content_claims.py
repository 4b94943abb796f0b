"""What a chapter claims stays within what its sources were seen to say.

1. Every key cited in a chapter's "Key points" box is also cited in the chapter body, so a key point never rests
   on a source that the body does not discuss.
2. Every key cited anywhere in the review (chapters and evidence data) has verified findings: its BibTeX entry
   lists `findings` among `verifiedfields` (the record's findings were seen in the source) or carries a
   `verifiednote` saying what was seen. A source whose content nobody has seen cannot support a statement.
   Exceptions go in NO_FINDINGS_OK with the reason.
3. Every chapter states when its evidence was searched and assessed (YAML front matter).

Chapters and bib files are read directly; citations are recognised with the plugin's own pandoc parser.
"""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
import yaml

from litreview.citations.syntax import find_citations

ROOT = Path(__file__).resolve().parent.parent
CONTENT = ROOT / "content"
DATA = CONTENT / "data"
BIB = ROOT / "bib"

# key -> why it may be cited without a seen finding (keep empty unless there is a reason a reader would accept).
NO_FINDINGS_OK: dict[str, str] = {}

FRONT_MATTER = re.compile(r"\A---\n(.*?)\n---\n", re.S)
KEY_POINTS = re.compile(r'^!!!\s+\w+\s+"Key points"\s*$')
ENTRY = re.compile(r"^\s*@(\w+)\s*\{\s*([^,\s]+)\s*,(.*?)^\}", re.M | re.S)


def chapter_files() -> list[Path]:
    return sorted(p for p in CONTENT.rglob("*.md") if DATA not in p.parents)


def keys_in(text: str) -> set[str]:
    return {key for _, _, cite in find_citations(text) for key in cite.keys}


def split_key_points(markdown: str) -> tuple[str, str]:
    """(text of the "Key points" admonition, everything else) of a chapter; ("", markdown) if it has none."""
    lines = FRONT_MATTER.sub("", markdown).splitlines()
    box: list[str] = []
    body: list[str] = []
    inside = False
    for line in lines:
        if KEY_POINTS.match(line):
            inside = True
            continue
        if inside and (not line.strip() or line.startswith("    ")):
            box.append(line)
            continue
        inside = False
        body.append(line)
    return "\n".join(box), "\n".join(body)


def bib_entries() -> dict[str, str]:
    entries: dict[str, str] = {}
    for path in sorted(BIB.glob("*.bib")):
        for _, key, body in ENTRY.findall(path.read_text(encoding="utf-8")):
            entries[key] = body
    return entries


def field(body: str, name: str) -> str:
    m = re.search(rf"^\s*{name}\s*=\s*\{{(.*?)\}}\s*,?\s*$", body, re.M | re.S)
    return m.group(1).strip() if m else ""


def has_verified_findings(body: str) -> bool:
    fields = {f.strip() for f in field(body, "verifiedfields").split(",")}
    return "findings" in fields or bool(field(body, "verifiednote"))


def cited_keys() -> dict[str, set[str]]:
    """key -> files citing it (chapters and evidence data)."""
    cited: dict[str, set[str]] = {}
    for path in chapter_files():
        for key in keys_in(path.read_text(encoding="utf-8")):
            cited.setdefault(key, set()).add(path.relative_to(ROOT).as_posix())
    for path in sorted(DATA.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        citation_columns = {c["id"] for c in data.get("columns", []) if c.get("type") == "citation"}
        found: set[str] = keys_in(path.read_text(encoding="utf-8"))
        for row in data.get("rows", []):
            for col in citation_columns:
                value = row.get(col)
                found |= set(value if isinstance(value, list) else [value] if value else [])
        for key in found:
            cited.setdefault(key, set()).add(path.relative_to(ROOT).as_posix())
    return cited


def key_point_problems(markdown: str, path: str) -> list[str]:
    box, body = split_key_points(markdown)
    missing = sorted(keys_in(box) - keys_in(body))
    return [f"{path}: key point cites '{key}', which the chapter body does not cite" for key in missing]


# --------------------------------------------------------------------------- the checks themselves


def test_key_point_check_catches_a_source_missing_from_the_body() -> None:
    page = "\n".join([
        "# T", "", '!!! abstract "Key points"', "    - A finding [@a2020x; @b2021y].", "",
        "Body text that cites only one of them [@a2020x].",
    ])
    assert key_point_problems(page, "x.md") == ["x.md: key point cites 'b2021y', which the chapter body does not cite"]
    ok = page + " And the other [@b2021y].\n"
    assert key_point_problems(ok, "x.md") == []


def test_findings_check_catches_an_entry_without_findings() -> None:
    seen = "  title = {{T}},\n  verifiedfields = {title, year, findings}\n"
    noted = "  title = {{T}},\n  verifiedfields = {title, year},\n  verifiednote   = {Abstract seen: 26 patients.}\n"
    bare = "  title = {{T}},\n  verifiedsource = {https://example.org},\n  verifiedfields = {title, authors, doi, year}\n"
    assert has_verified_findings(seen) and has_verified_findings(noted)
    assert not has_verified_findings(bare)


# --------------------------------------------------------------------------- the real review


@pytest.mark.parametrize("path", chapter_files(), ids=lambda p: p.relative_to(CONTENT).as_posix())
def test_key_points_cite_only_sources_the_body_cites(path: Path) -> None:
    problems = key_point_problems(path.read_text(encoding="utf-8"), path.relative_to(ROOT).as_posix())
    assert not problems, "\n".join(problems)


def test_every_cited_key_has_verified_findings() -> None:
    entries = bib_entries()
    problems = []
    for key, where in sorted(cited_keys().items()):
        if key in NO_FINDINGS_OK or key not in entries:  # unknown keys are the build's and check's business
            continue
        if not has_verified_findings(entries[key]):
            problems.append(f"{key} (cited in {', '.join(sorted(where))}): no `findings` in verifiedfields and no "
                            "verifiednote; say what was seen in the source, or stop citing it")
    assert not problems, "\n".join(problems)


def test_allow_list_entries_are_still_needed() -> None:
    entries = bib_entries()
    stale = [k for k in NO_FINDINGS_OK if k not in entries or has_verified_findings(entries[k])]
    assert not stale, f"remove from NO_FINDINGS_OK: {stale}"


@pytest.mark.parametrize("path", [p for p in chapter_files() if p.name != "references.md"],
                         ids=lambda p: p.relative_to(CONTENT).as_posix())
def test_chapter_states_search_and_assessment_dates(path: Path) -> None:
    m = FRONT_MATTER.match(path.read_text(encoding="utf-8"))
    assert m, f"{path.name}: no YAML front matter with searched/assessed/review_interval_months"
    meta = yaml.safe_load(m.group(1))
    assert set(meta) >= {"searched", "assessed", "review_interval_months"}, meta
    searched, assessed = meta["searched"], meta["assessed"]
    assert isinstance(searched, dt.date) and isinstance(assessed, dt.date), meta
    assert searched <= assessed, f"{path.name}: assessed before the last search"
    assert isinstance(meta["review_interval_months"], int) and meta["review_interval_months"] > 0
