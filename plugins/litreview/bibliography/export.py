"""Entries -> downloadable BibTeX, RIS and CSL-JSON, and the library files written into the site."""
from __future__ import annotations

import hashlib
import json
import re
import shutil
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from ..jsonstore import mark_used
from .fmt import format_field_value
from .identifiers import clean_doi, entry_pmid
from .load import Bibliography, Entry, Name

# Not useful outside this project: a crossref parent may be missing from the export (its fields are already
# inherited), and `file` holds a path on an author's disk.
DROPPED_FIELDS = frozenset({"crossref", "xref", "file"})

RIS_TYPES = {
    "article": "JOUR", "book": "BOOK", "mvbook": "BOOK", "booklet": "PAMP", "inbook": "CHAP",
    "incollection": "CHAP", "bookinbook": "CHAP", "inproceedings": "CPAPER", "conference": "CPAPER",
    "proceedings": "CONF", "mvproceedings": "CONF", "collection": "EDBOOK", "mvcollection": "EDBOOK",
    "phdthesis": "THES", "mastersthesis": "THES", "thesis": "THES", "techreport": "RPRT", "report": "RPRT",
    "manual": "GEN", "online": "ELEC", "electronic": "ELEC", "www": "ELEC", "unpublished": "UNPB",
    "patent": "PAT", "dataset": "DATA", "software": "COMP", "periodical": "JFULL", "misc": "GEN",
}
CSL_TYPES = {
    "article": "article-journal", "book": "book", "mvbook": "book", "booklet": "pamphlet", "inbook": "chapter",
    "incollection": "chapter", "bookinbook": "chapter", "inproceedings": "paper-conference",
    "conference": "paper-conference", "proceedings": "book", "mvproceedings": "book", "collection": "book",
    "mvcollection": "book", "phdthesis": "thesis", "mastersthesis": "thesis", "thesis": "thesis",
    "techreport": "report", "report": "report", "manual": "report", "online": "webpage", "electronic": "webpage",
    "www": "webpage", "unpublished": "manuscript", "patent": "patent", "dataset": "dataset",
    "software": "software", "periodical": "periodical", "misc": "article",
}
_MONTHS = {name: i for i, name in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1)}
_DATE = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?")
_PAGES = re.compile(r"^\s*([^\s\u2013\u2014-]+)\s*(?:-+|\u2013|\u2014)\s*([^\s\u2013\u2014-]+)\s*$")
EXPORT_VERSION = "exports-1"
_KEYWORD_SEPARATOR = re.compile(r"[;,]")
_SAFE = re.compile(r"[^A-Za-z0-9._-]+")


# How `verifiedfields` names some fields (records list people in the plural).
_VERIFIED_ALIASES = {"authors": "author", "editors": "editor", "journal_title": "journal"}


# `note` holds the review authors' own remark on an entry (e.g. that its authors were not shown where it was
# checked); it claims nothing about the publication, so it is published with the verified fields.
AUTHORS_REMARKS = frozenset({"note"})


def verified_fields(entry: Entry) -> set[str]:
    """The BibTeX fields an entry says were seen in a source (its `verifiedfields`)."""
    listed = entry.raw.get("verifiedfields", "")
    return {_VERIFIED_ALIASES.get(n.strip().lower(), n.strip().lower()) for n in listed.split(",") if n.strip()}


def publishable(entry: Entry, policy: str) -> Entry:
    """The entry as it may be published in the downloads: everything (`all`), or only the fields named in its
    `verifiedfields` (`verified`), so an abstract or keywords nobody checked never reach readers' libraries."""
    if policy != "verified":
        return entry
    seen = verified_fields(entry) | AUTHORS_REMARKS
    return replace(entry, raw={k: v for k, v in entry.raw.items() if k in seen},
                   fields={k: v for k, v in entry.fields.items() if k in seen},
                   persons={k: v for k, v in entry.persons.items() if k in seen})


def publishable_library(bib: Bibliography, policy: str) -> Bibliography:
    if policy != "verified":
        return bib
    return replace(bib, entries={k: publishable(e, policy) for k, e in bib.entries.items()},
                   cache_key=f"{bib.cache_key}:verified")


def _kept(entry: Entry) -> list[tuple[str, str]]:
    return [(name, value) for name, value in entry.raw.items() if name not in DROPPED_FIELDS]


# ---------------------------------------------------------------------------------------------- BibTeX
def entry_to_bibtex(entry: Entry) -> str:
    """One entry as BibTeX, in `litreview fmt` layout, with the LaTeX values as written in bib/."""
    body = ",\n".join(f"  {name} = {format_field_value(name, value)}" for name, value in _kept(entry))
    kind = entry.type.lower()
    return (f"@{kind}{{{entry.key},\n{body}\n}}" if body else f"@{kind}{{{entry.key}}}") + "\n"


def to_bibtex(entries: Iterable[Entry]) -> str:
    """Entries as a .bib file, in the order given, one blank line between entries."""
    return "\n".join(entry_to_bibtex(e) for e in entries)


# ---------------------------------------------------------------------------------------------- RIS
def _ris_name(name: Name) -> str:
    family = f"{name.particle} {name.family}".strip()
    parts = [family] + [p for p in (name.given, name.suffix) if p]
    return ", ".join(parts)


def _split_pages(pages: str) -> tuple[str, str]:
    m = _PAGES.match(pages)
    return (m.group(1), m.group(2)) if m else (pages.strip(), "")


def _container(entry: Entry) -> str:
    return entry.get("journal") or entry.get("journaltitle") or entry.get("booktitle") or entry.get("series")


def _one_line(text: str) -> str:
    return " ".join(text.split())  # str.split() splits on exactly the characters `\s` matches


def entry_to_ris(entry: Entry) -> str:
    """One entry as an RIS record (Unicode text), from `TY` to `ER`."""
    lines: list[tuple[str, str]] = [("TY", RIS_TYPES.get(entry.type, "GEN")), ("ID", entry.key)]
    lines += [("AU", _ris_name(n)) for n in entry.persons.get("author", ())]
    lines += [("A2", _ris_name(n)) for n in entry.persons.get("editor", ())]
    title = entry.get("title")
    if entry.get("subtitle"):
        title = f"{title}: {entry.get('subtitle')}"
    lines.append(("TI", title))
    container = _container(entry)
    if container:
        lines.append(("T2", container))
    if entry.get("shortjournal") or entry.get("journalabbrev"):
        lines.append(("J2", entry.get("shortjournal") or entry.get("journalabbrev")))
    if entry.year:
        lines.append(("PY", entry.year))
    if entry.get("date"):
        lines.append(("DA", entry.get("date").replace("-", "/")))
    for tag, name in (("VL", "volume"), ("IS", "number"), ("ET", "edition")):
        if entry.get(name):
            lines.append((tag, entry.get(name)))
    if entry.get("pages"):
        start, end = _split_pages(entry.get("pages"))
        lines.append(("SP", start))
        if end:
            lines.append(("EP", end))
    if entry.get("doi"):
        lines.append(("DO", clean_doi(entry.get("doi"))))
    pmid = entry_pmid(entry)
    if pmid:
        lines.append(("AN", f"PMID: {pmid}"))
    for tag, name in (("PB", "publisher"), ("CY", "address"), ("CY", "location"), ("SN", "issn"),
                      ("SN", "isbn"), ("LA", "language"), ("UR", "url"), ("AB", "abstract"), ("N1", "note")):
        if entry.get(name):
            lines.append((tag, entry.get(name)))
    for keyword in _KEYWORD_SEPARATOR.split(entry.get("keywords")):
        if keyword.strip():
            lines.append(("KW", keyword.strip()))
    lines.append(("ER", ""))
    return "".join(f"{tag}  - {_one_line(value)}\n" for tag, value in lines if value or tag == "ER")


def to_ris(entries: Iterable[Entry]) -> str:
    """Entries as an RIS file (one record per entry, each ending in `ER  -`), in the order given."""
    return "\n".join(entry_to_ris(e) for e in entries)


# ---------------------------------------------------------------------------------------------- CSL-JSON
def _csl_name(name: Name) -> dict[str, str]:
    out = {"family": name.family}
    if name.given:
        out["given"] = name.given
    if name.particle:
        out["non-dropping-particle"] = name.particle
    if name.suffix:
        out["suffix"] = name.suffix
    return out


def _issued(entry: Entry) -> dict[str, Any] | None:
    m = _DATE.match(entry.get("date").strip())
    if m:
        return {"date-parts": [[int(p) for p in m.groups() if p]]}
    year = entry.get("year").strip()
    if not year:
        return {"literal": entry.get("date")} if entry.get("date") else None
    if not year.isdigit():
        return {"literal": year}
    parts = [int(year)]
    month = entry.get("month").strip().lower()
    if month.isdigit() and 1 <= int(month) <= 12:
        parts.append(int(month))
    elif month[:3] in _MONTHS:
        parts.append(_MONTHS[month[:3]])
    return {"date-parts": [parts]}


_CSL_SIMPLE = (("volume", "volume"), ("number", "issue"), ("edition", "edition"), ("publisher", "publisher"),
               ("address", "publisher-place"), ("location", "publisher-place"), ("isbn", "ISBN"), ("issn", "ISSN"),
               ("url", "URL"), ("abstract", "abstract"), ("note", "note"), ("language", "language"),
               ("pmcid", "PMCID"), ("shortjournal", "container-title-short"),
               ("journalabbrev", "container-title-short"))


def entry_to_csl(entry: Entry) -> dict[str, Any]:
    """One entry as a CSL-JSON item (the format of Zotero, pandoc and citeproc)."""
    item: dict[str, Any] = {"id": entry.key, "type": CSL_TYPES.get(entry.type, "article")}
    title = entry.get("title")
    if entry.get("subtitle"):
        title = f"{title}: {entry.get('subtitle')}"
    if title:
        item["title"] = title
    for role in ("author", "editor", "translator"):
        if entry.persons.get(role):
            item[role] = [_csl_name(n) for n in entry.persons[role]]
    container = _container(entry)
    if container:
        item["container-title"] = container
    issued = _issued(entry)
    if issued:
        item["issued"] = issued
    fields = entry.fields
    for name, target in _CSL_SIMPLE:
        if fields.get(name) and target not in item:
            item[target] = fields[name]
    if entry.type in ("techreport", "report", "patent") and "issue" in item:
        item["number"] = item.pop("issue")
    if entry.get("pages"):
        start, end = _split_pages(entry.get("pages"))
        item["page"] = f"{start}-{end}" if end else start
    if entry.get("doi"):
        item["DOI"] = clean_doi(entry.get("doi"))
    pmid = entry_pmid(entry)
    if pmid:
        item["PMID"] = pmid
    return item


def to_csl_json(entries: Iterable[Entry]) -> str:
    """Entries as a CSL-JSON array, in the order given, one item per line with its keys sorted, so the text is
    stable and diffs line by line (and json's C encoder does the work: with `indent` it falls back to Python)."""
    encoder = json.JSONEncoder(ensure_ascii=False, sort_keys=True)  # one encoder, not one per item
    items = [encoder.encode(entry_to_csl(e)) for e in entries]
    return "[\n" + ",\n".join(items) + "\n]\n" if items else "[]\n"


# ---------------------------------------------------------------------------------------------- site files
def safe_file_stem(key: str) -> str:
    """A file name for a key: the key itself when it is plain ASCII, else a cleaned form plus a short hash."""
    cleaned = _SAFE.sub("_", key).strip("._-")[:80]
    if cleaned == key and not key.startswith("."):
        return key
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:8]
    return f"{cleaned}-{digest}" if cleaned else f"entry-{digest}"


def entries_script(entries: Sequence[Entry], texts: Mapping[str, tuple[str, str]] | None = None) -> str:
    """One script holding each entry's BibTeX and RIS, so the bibliography page can offer a download per entry
    without one file per entry (thousands of tiny files cost more to write than the whole site).

    JSON with every non-ASCII character escaped is valid JavaScript and cannot end the script early.
    """
    texts = texts or {e.key: (entry_to_bibtex(e), entry_to_ris(e)) for e in entries}
    data = {e.key: {"file": safe_file_stem(e.key), "bib": texts[e.key][0], "ris": texts[e.key][1]} for e in entries}
    return "window.litreviewEntries = " + json.dumps(data, ensure_ascii=True, separators=(",", ":")) + ";\n"


def library_files(entries: Sequence[Entry], folder: str = "references",
                  per_entry: Iterable[str] | None = None) -> dict[str, tuple[str, str]]:
    """What `write_library_exports` writes: {label: (site-relative path, text)}; pure, for tests and previews.

    Labels `bib`, `ris`, `json`: the whole library; `entries`: the script with each entry of `per_entry`
    (default: every entry) for the per-entry download links.
    """
    wanted = None if per_entry is None else set(per_entry)
    texts = {e.key: (entry_to_bibtex(e), entry_to_ris(e)) for e in entries}  # each entry formatted once
    return {
        "bib": (f"{folder}/library.bib", "\n".join(texts[e.key][0] for e in entries)),
        "ris": (f"{folder}/library.ris", "\n".join(texts[e.key][1] for e in entries)),
        "json": (f"{folder}/library.json", to_csl_json(entries)),
        "entries": (f"{folder}/entries.js",
                    entries_script([e for e in entries if wanted is None or e.key in wanted], texts)),
    }


def write_library_exports(bib: Bibliography | Mapping[str, Entry], keys: Iterable[str], site_dir: Path,
                          folder: str = "references", per_entry: Iterable[str] | None = None,
                          cache_dir: Path | None = None) -> dict[str, str]:
    """Write the library (.bib, .ris, CSL .json) and the per-entry script under `site_dir/folder`.

    `keys` chooses the entries and their order (unknown keys are skipped). Returns {label: site-relative
    path}. Nothing is ever written outside `site_dir`.
    """
    entries_map = bib.entries if isinstance(bib, Bibliography) else bib
    entries = [entries_map[k] for k in dict.fromkeys(keys) if k in entries_map]
    base = site_dir.resolve()
    root = (base / folder).resolve()
    if not root.is_relative_to(base) or root == base:
        return {}  # a `folder` such as "../x" or a symlink out of the site: refuse, never write there
    root.mkdir(parents=True, exist_ok=True)
    cached = None
    if cache_dir is not None and isinstance(bib, Bibliography):
        # An unchanged library (by content hash) and choice of entries: copy the files written last time rather
        # than format thousands of entries again on every build or `mkdocs serve` rebuild.
        digest = hashlib.sha256(json.dumps([EXPORT_VERSION, bib.cache_key, folder, [e.key for e in entries],
                                            None if per_entry is None else sorted(per_entry)]).encode()).hexdigest()
        cached = cache_dir / f"exports-{digest[:32]}"
        copied = _copy_cached(cached, base, root)
        if copied is not None:
            return copied
    written: dict[str, str] = {}
    for label, (rel, text) in library_files(entries, folder, per_entry).items():
        with open(base / rel, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        written[label] = rel
    if cached is not None:
        _store_cached(cached, base, written)
    return written


def _copy_cached(cached: Path, base: Path, root: Path) -> dict[str, str] | None:
    try:
        labels = json.loads((cached / "manifest.json").read_text(encoding="utf-8"))
        if not all(isinstance(r, str) and (base / r).resolve().is_relative_to(root) for r in labels.values()):
            return None  # a manifest naming places outside the export folder is not ours: write afresh
        for label, rel in labels.items():
            shutil.copyfile(cached / label, base / rel)
        mark_used(cached)
        return {str(label): str(rel) for label, rel in labels.items()}
    except (OSError, ValueError, AttributeError):
        return None  # no cache yet, or a damaged one: the files are written afresh


def _store_cached(cached: Path, base: Path, written: dict[str, str]) -> None:
    try:
        cached.mkdir(parents=True, exist_ok=True)
        for label, rel in written.items():
            shutil.copyfile(base / rel, cached / label)
        (cached / "manifest.json").write_text(json.dumps(written), encoding="utf-8")  # last: marks it complete
    except OSError:
        pass  # the cache only saves time
