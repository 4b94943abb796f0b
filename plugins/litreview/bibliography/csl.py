"""CSL JSON bibliographies (what Zotero, pandoc, Quarto and Manubot write) read as BibTeX fields.

Each CSL item becomes the BibTeX entry a careful author would have written: the same key (its `id`), a BibTeX
type, fields with LaTeX's special characters escaped (so the rest of litreview, which reads LaTeX field text,
gives back exactly the CSL text), names as `Family, Given`. Problems name the file and line.
"""
from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from .latex import text_to_latex

# CSL item type -> BibTeX type
TYPES = {
    "article-journal": "article", "article": "article", "article-magazine": "article",
    "article-newspaper": "article", "review": "article", "review-book": "article", "book": "book",
    "chapter": "incollection", "entry-encyclopedia": "incollection", "entry-dictionary": "incollection",
    "paper-conference": "inproceedings", "report": "techreport", "thesis": "phdthesis", "webpage": "online",
    "post": "online", "post-weblog": "online", "dataset": "dataset", "software": "software",
    "manuscript": "unpublished", "patent": "patent", "motion_picture": "misc", "legislation": "misc",
}
# CSL variable -> BibTeX field (container-title is placed by type below)
SIMPLE = {
    "title": "title", "collection-title": "series", "publisher": "publisher", "publisher-place": "address",
    "volume": "volume", "issue": "number", "edition": "edition", "DOI": "doi", "URL": "url", "PMID": "pmid",
    "PMCID": "pmcid", "ISBN": "isbn", "ISSN": "issn", "note": "note", "abstract": "abstract",
    "container-title-short": "shortjournal", "language": "language", "number": "number",
}
_LIGATURE = re.compile(r"-(?=-)|'(?=')|`(?=`)")
VERBATIM = frozenset({"url", "doi"})
_PAGE_RANGE = re.compile(r"^\s*([^\s-]+)\s*[-\u2013\u2014]+\s*([^\s-]+)\s*$")

Report = Callable[[int, str], None]  # (line, message)


def latex_escape(text: str) -> str:
    """Text as a BibTeX field value that reads back as the same text."""
    return _LIGATURE.sub(r"\g<0>{}", text_to_latex(str(text)))  # no ligatures: "--" stays two hyphens


def verbatim_escape(text: str) -> str:
    """An address or identifier (`url`, `doi`), which BibTeX tools take as written: only what would not read
    back (braces, backslashes, ties, dollars) is escaped; `_`, `%`, `&`, `#` and `^` stay as they are."""
    return _LIGATURE.sub(r"\g<0>{}", text_to_latex("".join(str(text).split()), keep="%&#_^"))


def _name(person: Any) -> str | None:
    if not isinstance(person, dict):
        return None
    if person.get("literal"):
        return "{" + latex_escape(person["literal"]) + "}"  # an organisation: one family name, never split
    if not " ".join(str(person.get("family") or "").split()):
        return None
    # Braces keep a family name whole (no "von" guessing, no split at " and "); the particle stays outside.
    particle = " ".join(str(person.get(k) or "") for k in ("dropping-particle", "non-dropping-particle")).strip()
    core = " ".join(str(person.get("family") or "").split())
    written = (latex_escape(particle) + " " if particle else "") + "{" + latex_escape(core) + "}"
    parts = [written]
    if person.get("suffix"):
        parts.append(latex_escape(person["suffix"]))
    if person.get("given"):
        given = str(person["given"])
        parts.append("{" + latex_escape(given) + "}" if " and " in f" {given} " or "," in given
                     else latex_escape(given))
    return ", ".join(parts) if len(parts) > 1 else written


def _names(value: Any) -> str:
    names = [n for n in (_name(p) for p in value) if n] if isinstance(value, list) else []
    return " and ".join(names)


def _date(value: Any) -> tuple[str, str]:
    """(year, month) of a CSL date: date-parts, else the first four digits of a literal or raw date."""
    if not isinstance(value, dict):
        return "", ""
    parts = value.get("date-parts")
    if isinstance(parts, list) and parts and isinstance(parts[0], list) and parts[0]:
        first = parts[0]
        year = str(first[0]).strip() if first[0] not in (None, "") else ""
        month = str(first[1]).strip() if len(first) > 1 and first[1] not in (None, "") else ""
        return year, month
    text = str(value.get("literal") or value.get("raw") or "")
    m = re.search(r"\b(\d{4})\b", text)
    return (m.group(1), "") if m else ("", "")


def _iso(value: Any) -> str:
    if not isinstance(value, dict):
        return ""
    parts = value.get("date-parts")
    if isinstance(parts, list) and parts and isinstance(parts[0], list) and parts[0]:
        try:
            return "-".join(f"{int(p):02d}" if i else f"{int(p):04d}" for i, p in enumerate(parts[0][:3]))
        except (TypeError, ValueError):
            return ""
    return str(value.get("raw") or "")


def item_fields(item: dict[str, Any]) -> tuple[str, list[tuple[str, str]]]:
    """The BibTeX type and fields (LaTeX text, in a fixed order) of one CSL item."""
    csl_type = str(item.get("type") or "")
    kind = TYPES.get(csl_type, "misc")
    fields: list[tuple[str, str]] = []
    for role in ("author", "editor", "translator"):
        names = _names(item.get(role))
        if names:
            fields.append((role, names))
    for variable, name in SIMPLE.items():
        value = item.get(variable)
        if value not in (None, "") and not isinstance(value, (dict, list)) and name not in dict(fields):
            fields.append((name, (verbatim_escape if name in VERBATIM else latex_escape)(str(value))))
    container = item.get("container-title")
    if isinstance(container, str) and container.strip():
        target = {"article": "journal", "incollection": "booktitle", "inproceedings": "booktitle"}.get(kind,
                                                                                                      "journal")
        fields.append((target, latex_escape(container)))
    pages = item.get("page")
    if pages not in (None, ""):
        m = _PAGE_RANGE.match(str(pages))
        fields.append(("pages", f"{latex_escape(m.group(1))}--{latex_escape(m.group(2))}" if m
                       else latex_escape(str(pages))))
    year, month = _date(item.get("issued"))
    if year:
        fields.append(("year", latex_escape(year)))
    if month:
        fields.append(("month", latex_escape(month)))
    accessed = _iso(item.get("accessed"))
    if accessed:
        fields.append(("urldate", latex_escape(accessed)))
    if kind in ("phdthesis", "techreport") and item.get("genre"):  # "Master's thesis", "Working paper"
        fields.append(("type", latex_escape(str(item["genre"]))))
    return kind, fields


def _items(text: str) -> list[tuple[int, Any]]:
    """(offset, value) of each element of the top-level JSON list (offsets give each item its line)."""
    decoder = json.JSONDecoder()
    position = len(text) - len(text.lstrip())
    if not text.startswith("[", position):
        raise ValueError("not a list")
    position += 1
    found: list[tuple[int, Any]] = []
    while True:
        while position < len(text) and text[position] in " \t\r\n,":
            position += 1
        if text.startswith("]", position):
            return found
        value, end = decoder.raw_decode(text, position)
        found.append((position, value))
        position = end


def read_csl(text: str, report: Report) -> list[tuple[str, str, list[tuple[str, str]], int]]:
    """(key, BibTeX type, fields, line) of every item of a CSL JSON file; problems go to `report`."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        report(exc.lineno, f"not valid JSON ({exc.msg}); a CSL JSON file holds a list of items")
        return []
    try:
        items = _items(text)
    except ValueError:
        if isinstance(data, dict) and isinstance(data.get("items"), list):  # some exports wrap the list
            items = [(0, item) for item in data["items"]]
        else:
            report(1, "a CSL JSON file holds a list of items ([{\"id\": ..., \"type\": ...}, ...]); this is not one")
            return []
    found = []
    for index, (offset, item) in enumerate(items):
        line = text.count("\n", 0, offset) + 1
        if not isinstance(item, dict) or not str(item.get("id") or "").strip():
            report(line, f"item {index + 1} has no \"id\" (its citation key); add one")
            continue
        kind, fields = item_fields(manubot_note_removed(item))
        found.append((standard_id(item) or str(item["id"]).strip(), kind, fields, line))
    return found


# Manubot records the citation key a manuscript wrote (`@doi:10.1371/...`, standardised) in each item's note, in
# CSL's "cheater syntax" (`standard_id: doi:10.1371/...` on a line of its own, or `{:standard_id: ...}`), and gives
# the item a hash as its `id`: its references.json and `manubot cite` output are cited by that key.
_CHEATER_LINE = re.compile(r"^(?P<key>[A-Z]+|[-_a-z]+): *(?P<value>.+?) *$", re.M)
_CHEATER_BRACED = re.compile(r"\{:(?P<key>[A-Z]+|[-_a-z]+): *(?P<value>.+?) *\}")


def standard_id(item: dict[str, Any]) -> str:
    """The citation key Manubot recorded in an item's note (`standard_id: doi:...`), or ""."""
    note = item.get("note")
    if not isinstance(note, str) or "standard_id" not in note:
        return ""
    found = {m.group("key"): m.group("value") for pattern in (_CHEATER_LINE, _CHEATER_BRACED)
             for m in pattern.finditer(note)}
    return found.get("standard_id", "").strip()


def manubot_note_removed(item: dict[str, Any]) -> dict[str, Any]:
    """The item without the note lines that are variables for the citation processor (`standard_id: ...`) and
    Manubot's own "This CSL Item was generated by Manubot" line: what is left is the authors' note."""
    note = item.get("note")
    if not isinstance(note, str) or ":" not in note:
        return item
    text = _CHEATER_BRACED.sub("", _CHEATER_LINE.sub("", note))
    lines = [line.strip() for line in text.splitlines()]
    kept = [line for line in lines if line and not (line.startswith("This CSL ") and "Manubot" in line)]
    return {**item, "note": "\n".join(kept)}
