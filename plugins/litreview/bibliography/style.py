"""Entry formatting: our Vancouver (ICMJE) style in plain Python, or pybtex's plain/unsrt/alpha styles.

Every function here returns escaped HTML; bibliography text reaches a page only through `html.escape`.
"""
from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from html import escape
from pathlib import Path

from ..jsonstore import code_digest, mark_used
from .identifiers import entry_url, identifier_links
from .load import Entry, Name

_END_PUNCT = (".", "?", "!")
_RANGE = re.compile(r"(?<=\w)\s*-{1,2}\s*(?=\w)")


_THESIS_TYPES = {"phdthesis": "dissertation", "mathesis": "master's thesis", "mastersthesis": "master's thesis",
                 "candthesis": "candidate thesis", "bathesis": "bachelor's thesis"}
_URLISH = re.compile(r"^\s*(?:https?://|www\.)\S*\s*$")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_ISO_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")


def _cited(date: str) -> str:
    """An access date (`urldate = {2024-01-05}`) as Vancouver writes it: 2024 Jan 5."""
    m = _ISO_DATE.match(date.strip())
    if not m:
        return date.strip()
    year, month, day = m.groups()
    parts = [year]
    if month and 1 <= int(month) <= 12:
        parts.append(_MONTHS[int(month) - 1])
        if day and 1 <= int(day) <= 31:
            parts.append(str(int(day)))
    return " ".join(parts)


def _sentence(text: str) -> str:
    text = text.strip()
    return text if not text or text.endswith(_END_PUNCT) else text + "."


def vancouver_name(name: Name) -> str:
    family = f"{name.particle} {name.family}".strip()
    parts = [family]
    if name.initials:
        parts.append(name.initials)
    if name.suffix:
        parts.append(name.suffix)
    return " ".join(parts)


def vancouver_names(names: Sequence[Name], truncated: bool, limit: int = 6) -> str:
    shown = [vancouver_name(n) for n in names[:limit]]
    if not shown:
        return ""
    more = truncated or len(names) > limit
    return ", ".join(shown) + (", et al." if more else ".")


def _pages(entry: Entry) -> str:
    return _RANGE.sub("\u2013", entry.get("pages"))


def _links_html(entry: Entry) -> str:
    return " ".join(
        f'{escape(label)}: <a href="{escape(href, quote=True)}" rel="noopener">{escape(shown)}</a>'
        for label, shown, href in identifier_links(entry)
    )


def _container(entry: Entry) -> str:
    return entry.get("journal") or entry.get("journaltitle")


def format_vancouver(entry: Entry, members: Sequence[Entry] = (), author_date: bool = False) -> str:
    """One reference in Vancouver/ICMJE form as escaped HTML; `author_date` puts the year right after the
    authors (the layout of author-year citations: the reader looks for "2020" after "Bayle et al.")."""
    if entry.type == "set":
        return "; ".join(format_vancouver(m, author_date=author_date) for m in members) or escape(entry.key)
    bits: list[str] = []
    people = entry.authors
    truncated = entry.truncated.get("author", False)
    editors_as_authors = False
    if not people and entry.persons.get("editor"):
        people, truncated, editors_as_authors = entry.persons["editor"], entry.truncated.get("editor", False), True
    names = vancouver_names(people, truncated)
    if names:
        if editors_as_authors:
            names = names.rstrip(".") + (", editors." if len(people) > 1 else ", editor.")
        bits.append(escape(names))
    title = entry.get("title")
    if entry.get("subtitle"):
        title = f"{title}: {entry.get('subtitle')}"
    kind = entry.type
    if kind in ("thesis", "phdthesis", "mastersthesis") or (entry.get("type") and kind in ("report", "techreport")):
        label = entry.get("type") or ("dissertation" if kind != "mastersthesis" else "master's thesis")
        label = _THESIS_TYPES.get(label.lower().replace(" ", ""), label)  # biblatex's keys, as words
        title = f"{title} [{label}]"
    year = entry.year
    if author_date:
        bits.append(f"{escape(year or 'n.d.')}.")
        year = ""  # said once, after the authors
    if title:
        bits.append(escape(_sentence(title)))
    journal = _container(entry)
    if kind == "article" or journal:
        tail = escape(_sentence(journal)) if journal else ""
        numbers = escape(year)
        if entry.get("volume"):
            numbers += (";" if numbers else "") + escape(entry.get("volume"))
        if entry.get("number"):
            numbers += f"({escape(entry.get('number'))})"
        if entry.get("pages"):
            numbers += ":" + escape(_pages(entry))
        elif entry.get("eid"):
            numbers += ":" + escape(entry.get("eid"))
        numbers = numbers.lstrip(":;")  # no year before them in the author-date layout
        bits.append(f"{tail} {numbers}.".strip() if numbers else tail)
    else:
        inside = entry.get("booktitle") or entry.get("maintitle")
        if inside and kind in ("incollection", "inbook", "inproceedings", "conference", "inreference", "bookinbook"):
            editors = entry.persons.get("editor", ())
            lead = ""
            if editors:
                lead = escape(vancouver_names(editors, entry.truncated.get("editor", False)).rstrip(".")) + \
                    (", editors. " if len(editors) > 1 else ", editor. ")
            bits.append(f"In: {lead}{escape(_sentence(inside))}")
        if entry.get("edition") and entry.get("edition").isdigit():
            n = int(entry.get("edition"))
            suffix = {1: "st", 2: "nd", 3: "rd"}.get(n if n < 20 else n % 10, "th")
            bits.append(f"{n}{suffix} ed.")
        elif entry.get("edition"):
            bits.append(escape(_sentence(entry.get("edition") + " ed")))
        place = entry.get("location") or entry.get("address")
        publisher = entry.get("publisher") or entry.get("institution") or entry.get("school") \
            or entry.get("organization")
        where = ": ".join(x for x in (place, publisher) if x)
        if where and year:
            bits.append(f"{escape(where)}; {escape(year)}.")
        elif where or year:
            bits.append(escape(_sentence(where or year)))
        if entry.get("pages"):
            bits.append(f"p. {escape(_pages(entry))}.")
    howpublished = entry.get("howpublished")
    if howpublished and not _URLISH.match(howpublished):  # an address there is shown with the links
        bits.append(escape(_sentence(howpublished)))
    if entry.get("note"):
        bits.append(escape(_sentence(entry.get("note"))))
    if entry.get("urldate") and entry_url(entry):
        bits.append(f"[cited {escape(_cited(entry.get('urldate')))}].")
    links = _links_html(entry)
    if links:
        bits.append(links)
    return " ".join(b for b in bits if b)


def format_with_pybtex(entries: Sequence[Entry], style_name: str) -> dict[str, str]:
    """Format with one of pybtex's own styles; fields are already Unicode text, so no LaTeX is left."""
    from pybtex.database import BibliographyData, Person
    from pybtex.database import Entry as PybtexEntry
    from pybtex.plugin import find_plugin

    data = BibliographyData()
    for entry in entries:
        # Our links follow the entry; braces keep the title's case, which pybtex would lower.
        fields = {k: v for k, v in entry.fields.items() if k not in ("author", "editor", "doi", "url", "eprint")}
        for name in ("title", "booktitle", "journal"):
            if name in fields:
                fields[name] = "{" + fields[name].replace("{", "").replace("}", "") + "}"
        if "journal" not in fields and entry.get("journaltitle"):
            fields["journal"] = entry.get("journaltitle")
        if "year" not in fields and entry.year:
            fields["year"] = entry.year
        persons = {
            role: [Person(first=n.given, prelast=n.particle, last=n.family, lineage=n.suffix) for n in names]
            + ([Person("others")] if entry.truncated.get(role) else [])
            for role, names in entry.persons.items() if role in ("author", "editor")
        }
        kind = entry.type if entry.type in ("article", "book", "incollection", "inproceedings", "phdthesis",
                                            "mastersthesis", "techreport", "manual", "booklet", "inbook",
                                            "proceedings", "unpublished") else "misc"
        data.add_entry(entry.key, PybtexEntry(kind, fields=fields, persons=persons))
    from pybtex.style.template import FieldIsMissing

    style = find_plugin("pybtex.style.formatting", style_name)()
    out: dict[str, str] = {}
    for entry in entries:
        try:
            formatted = next(iter(style.format_entries([data.entries[entry.key]])))
        except FieldIsMissing:  # pybtex's templates insist on fields our records may lack
            out[entry.key] = format_vancouver(entry)
            continue
        text = formatted.text.render_as("html")
        out[entry.key] = f"{text} {_links_html(entry)}".strip()
    return out


def format_entries(entries: Sequence[Entry], style: str, all_entries: Mapping[str, Entry]) -> dict[str, str]:
    """HTML for each entry in `entries` under `style`; only these entries are formatted."""
    if style in ("vancouver", "vancouver-author-date"):
        out = {}
        for entry in entries:
            members: list[Entry] = []
            if entry.type == "set":
                members = [all_entries[k.strip()] for k in entry.get("entryset").split(",")
                           if k.strip() in all_entries]
            out[entry.key] = format_vancouver(entry, members, author_date=style == "vancouver-author-date")
        return out
    return format_with_pybtex(entries, style)


def format_entries_cached(entries: Sequence[Entry], style: str, all_entries: Mapping[str, Entry],
                          library_key: str, cache_dir: Path | None) -> dict[str, str]:
    """`format_entries`, reused from `cache_dir` for the same library (`library_key`), style, keys and code."""
    if cache_dir is None:
        return format_entries(entries, style, all_entries)
    wanted = "\n".join(e.key for e in entries)
    digest = hashlib.sha256(f"{code_digest()}\0{library_key}\0{style}\0{wanted}".encode()).hexdigest()[:32]
    path = cache_dir / f"formatted-{digest}.json"
    try:
        cached = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(cached, dict) and list(cached) == [e.key for e in entries]:
            mark_used(path)
            return {str(k): str(v) for k, v in cached.items()}
    except (OSError, ValueError):
        pass  # formatted below
    out = format_entries(entries, style, all_entries)
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(out, ensure_ascii=False), encoding="utf-8")
        tmp.replace(path)
    except OSError:
        pass  # the cache is an optimisation
    return out


def narrative_name(entry: Entry) -> str:
    """The author part of a narrative citation: "Strosberg et al.", "Kim and Lee", or a short title."""
    people = entry.authors or entry.persons.get("editor", ())
    truncated = entry.truncated.get("author" if entry.authors else "editor", False)
    if not people:
        title = entry.get("shorttitle") or entry.get("title") or entry.key
        words = title.split()
        return "\u201c" + " ".join(words[:6]) + ("\u2026" if len(words) > 6 else "") + "\u201d"
    family = [f"{n.particle} {n.family}".strip() for n in people]
    if len(family) == 1 and not truncated:
        return family[0]
    if len(family) == 2 and not truncated:
        return f"{family[0]} and {family[1]}"
    return f"{family[0]} et al."


def short_label(entry: Entry) -> str:
    """A compact label for chart axes: "Strosberg 2017", or the start of the title when there is no author."""
    people = entry.authors or entry.persons.get("editor", ())
    if people:
        return f"{people[0].particle} {people[0].family} {entry.year}".strip()
    return f"{short_title(entry.get('shorttitle') or entry.get('title') or entry.key)} {entry.year}".strip()


_TRAILING_SMALL_WORDS = frozenset({"a", "an", "and", "as", "at", "by", "for", "from", "in", "into", "of", "on", "or",
                                   "the", "to", "versus", "vs", "with", "after", "before", "without"})


def short_title(title: str, limit: int = 32) -> str:
    """The start of a title in whole words, at most `limit` characters, never ending on "for" or "of";
    "…" marks a cut. A subtitle (after ":") is dropped first."""
    words = " ".join(title.split(":")[0].split()).split(" ")
    kept: list[str] = []
    for word in words:
        if kept and len(" ".join([*kept, word])) > limit:
            break
        kept.append(word)
    cut = len(kept) < len(words) or ":" in title
    while len(kept) > 1 and kept[-1].lower().strip(",;") in _TRAILING_SMALL_WORDS:
        kept.pop()
        cut = True
    text = " ".join(kept).rstrip(",;")
    return text + "\u2026" if cut else text
