"""BibTeX files -> an immutable Bibliography: entries with Unicode fields, names, source lines, and problems."""
from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import Problem, SourceLocation, line_of_offset
from ..jsonstore import mark_used
from .latex import latex_to_text
from .scan import read_commands

if TYPE_CHECKING:  # pybtex is imported when BibTeX is read, not when the cached library is
    from pybtex.database import Person
    from pybtex.scanner import PybtexError

CACHE_VERSION = "litreview-bib-4"
PERSON_FIELDS = ("author", "editor", "translator", "bookauthor")
KNOWN_TYPES = frozenset({
    "article", "book", "booklet", "inbook", "incollection", "inproceedings", "conference", "manual",
    "mastersthesis", "phdthesis", "misc", "proceedings", "techreport", "unpublished", "online", "electronic",
    "www", "report", "thesis", "patent", "periodical", "collection", "mvbook", "mvcollection", "mvproceedings",
    "mvreference", "reference", "inreference", "bookinbook", "suppbook", "suppcollection", "suppperiodical",
    "dataset", "software", "set", "xdata", "customa", "customb", "customc", "customd", "custome", "customf",
    "artwork", "audio", "image", "jurisdiction", "legislation", "legal", "letter", "movie", "music",
    "performance", "review", "standard", "video",
})
# Types that stand for other entries (biblatex sets, xdata) need no author, title or year of their own.
_CONTAINER_TYPES = frozenset({"set", "xdata"})


@dataclass(frozen=True)
class Name:
    """One person, as Unicode text: family name (with particles such as "van der"), given names, suffix."""

    family: str
    given: str = ""
    suffix: str = ""
    particle: str = ""

    @property
    def initials(self) -> str:
        parts = re.split(r"[\s.\-\u2010]+", self.given)
        return "".join(p[0] for p in parts if p and p[0].isalpha()).upper()


@dataclass(frozen=True)
class Entry:
    """One bibliography entry; `fields` holds Unicode text, `raw` the BibTeX values as written."""

    key: str
    type: str
    fields: Mapping[str, str]
    raw: Mapping[str, str]
    persons: Mapping[str, tuple[Name, ...]]
    truncated: Mapping[str, bool]
    location: SourceLocation

    def get(self, name: str, default: str = "") -> str:
        return self.fields.get(name, default)

    @property
    def authors(self) -> tuple[Name, ...]:
        return self.persons.get("author", ())

    @property
    def year(self) -> str:
        year = self.get("year")
        if not year and self.get("date"):
            year = self.get("date")[:4]
        return year


@dataclass(frozen=True)
class Bibliography:
    """All entries of a build, in file order, plus every problem found while reading them."""

    entries: Mapping[str, Entry]
    problems: tuple[Problem, ...]
    cache_key: str
    files: tuple[str, ...] = field(default_factory=tuple)

    def suggest(self, key: str) -> str | None:
        """The closest existing key, for "did you mean" messages."""
        import difflib  # only for a key nobody has: not imported by every build

        close = difflib.get_close_matches(key, list(self.entries), n=1, cutoff=0.75)
        return close[0] if close else None


@lru_cache(maxsize=65536)
def _person(text: str) -> Name:
    """One name of an author list; the same person appears in many entries of a library, so each distinct
    spelling is read once (a PybtexError is raised again for each occurrence: exceptions are not cached)."""
    m = _SIMPLE_NAME.match(text)
    if m:  # "Family, Given" with capitalised family words only: what pybtex makes of it, without pybtex
        family, given = m.group(1).split(), m.group(2).split()
        return Name(family=latex_to_text(" ".join(family)), given=latex_to_text(" ".join(given)))
    from pybtex.database import Person

    return _name(Person(text))


# One comma; family words each starting with a capital letter (so no "von" part); no commands or ties outside
# braces, and brace groups (accents such as `Ren{\\'e}e`, `Dvo{\\v{r}}{\\'a}k`) without spaces or commas inside.
_NAME_CHAR = r"(?:[^\s,{}\\~]|\{(?:[^\s,{}~]|\{[^\s,{}~]*\})*\})"
_SIMPLE_NAME = re.compile(rf"\s*((?:[A-Z]{_NAME_CHAR}*\s+)*[A-Z]{_NAME_CHAR}*)\s*,\s*"
                          rf"((?:{_NAME_CHAR}+\s+)*{_NAME_CHAR}+)\s*\Z")


_AND = re.compile(" [Aa][Nn][Dd] ")
_BRACE_GROUP_WITHOUT_SPACE = re.compile(r"\{(?:[^\s{}]|\{[^\s{}]*\})*\}")


def _splits_plainly(value: str) -> bool:
    """Whether no brace group of a name list holds a space: then no " and " is inside braces, and splitting the
    text gives what pybtex's brace-aware `split_name_list` gives (accents such as `Ren{\\'e}e` are the usual
    braces)."""
    if "{" not in value and "}" not in value:
        return True
    rest = _BRACE_GROUP_WITHOUT_SPACE.sub("x", value)
    return "{" not in rest and "}" not in rest


def _split_names(value: str) -> list[str]:
    """pybtex's `split_name_list` for a list whose braces hold no space (where its brace tracking changes
    nothing; see `_splits_plainly`)."""
    return [part.strip() for part in _AND.split(value)] if value else []


def _name(person: Person) -> Name:
    return Name(
        family=latex_to_text(" ".join(person.last_names)),
        given=latex_to_text(" ".join(person.first_names + person.middle_names)),
        suffix=latex_to_text(" ".join(person.lineage_names)),
        particle=latex_to_text(" ".join(person.prelast_names)),
    )


def _decode(data: bytes, rel: str, problems: list[Problem]) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        problems.append(Problem(
            SourceLocation(rel, line),
            f"the file is not valid UTF-8 (byte 0x{data[exc.start]:02x}); save it as UTF-8. "
            "Undecodable bytes are shown as \ufffd.",
        ))
        return data.decode("utf-8", errors="replace")


def _syntax_message(error: PybtexError, context: str = "") -> str:
    from pybtex.database.input.bibtex import UndefinedMacro

    text = str(error.args[0]) if error.args else str(error)
    if isinstance(error, UndefinedMacro):
        where = f" in {context}" if context else ""
        return (f"undefined @string '{text}'{where}; define it with @string{{{text} = {{...}}}} before it is "
                "used, or write the value in braces")
    where = f" in {context}" if context else ""
    return f"BibTeX syntax error{where}: {text}; check the braces, quotes and commas of this entry"




@dataclass
class _RawEntry:
    key: str
    type: str
    fields: list[tuple[str, str]]
    location: SourceLocation
    broken: bool = False  # a syntax error inside it was reported: its fields are whatever pybtex salvaged


_FIELD_START = re.compile(r"[ \t]*(?:[\w.:+-]+[ \t]*=|@[A-Za-z]+[ \t]*[{(])")


def _unclosed_at(text: str, start: int, limit: int = 200_000) -> int | None:
    """Offset of the brace or quote of a field value that is never closed, in the entry starting at `start`:
    the first one still open when a later line starts a new field (`year = `) or entry (`@article{`)."""
    opened: list[int] = []  # offsets of open braces: the entry's own, then a value's
    quote: int | None = None
    i, end = text.find("{", start), min(len(text), start + limit)
    if i < 0:
        return None
    while i < end:
        ch = text[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "{":
            opened.append(i)
        elif ch == "}":
            if (quote is None and len(opened) == 1) or not opened:
                return None  # the entry closed: nothing left open
            opened.pop()
        elif ch == '"' and len(opened) == 1:
            quote = i if quote is None else None
        elif ch == "\n" and (len(opened) > 1 or quote is not None) and _FIELD_START.match(text, i + 1):
            return opened[-1] if len(opened) > 1 else quote
        i += 1
    return None


def _parse_file(text: str, rel: str, problems: list[Problem]) -> list[_RawEntry]:
    """Every entry of one file; syntax errors become problems with the line pybtex stopped at. Well-formed
    files are read by our own scanner (the same grammar, several times faster); the rest by pybtex."""
    commands = read_commands(text)
    if commands is None:
        return _parse_with_pybtex(text, rel, problems)
    found, line, counted = [], 1, 0
    for start, kind, key, fields in commands:  # in file order: lines are counted incrementally
        line += text.count("\n", counted, start)
        counted = start
        found.append(_RawEntry(key, kind, [(name.lower(), value) for name, value in fields],
                               SourceLocation(rel, line)))
    return found


def _parse_csl(text: str, rel: str, problems: list[Problem]) -> list[_RawEntry]:
    """A CSL JSON file's items as BibTeX entries (see `csl.py`)."""
    from .csl import read_csl

    def report(line: int, message: str) -> None:
        problems.append(Problem(SourceLocation(rel, line), message))

    return [_RawEntry(key, kind, fields, SourceLocation(rel, line))
            for key, kind, fields, line in read_csl(text, report)]


def _parse_with_pybtex(text: str, rel: str, problems: list[Problem]) -> list[_RawEntry]:
    from pybtex.database.input.bibtex import LowLevelParser, month_names
    from pybtex.scanner import PybtexSyntaxError
    from pybtex.utils import CaseInsensitiveDict

    found: list[_RawEntry] = []
    errors: list[tuple[int | None, PybtexError]] = []  # (start of the command being read, error)

    def handle_error(error: PybtexError) -> None:
        errors.append((parser.command_start, error))

    parser = LowLevelParser(text, handle_error=handle_error, macros=CaseInsensitiveDict(month_names),
                            filename=rel)
    # Lines are counted incrementally: counting from the start of the file for every entry is quadratic.
    counted_offset, counted_line = 0, 1

    def line_at(offset: int) -> int:
        nonlocal counted_offset, counted_line
        if offset < counted_offset:
            return line_of_offset(text, offset)
        counted_line += text.count("\n", counted_offset, offset)
        counted_offset = offset
        return counted_line

    def report(context: str, start: int | None, fallback_line: int) -> bool:
        seen: set[Problem] = set()  # `@string{a = a # a}` reports the same undefined name twice
        had_own = False
        for command_start, error in errors:
            line = error.lineno if isinstance(error, PybtexSyntaxError) and error.lineno else fallback_line
            own = command_start == start and start is not None
            had_own = had_own or own
            message = _syntax_message(error, context if own else "")
            opened = _unclosed_at(text, command_start) if own and command_start is not None else None
            if opened is not None and line_at_any(opened) < line:
                # pybtex stops where the text ran out; the author needs the line where the value was opened.
                line = line_at_any(opened)
                what = "quote" if text[opened] == '"' else "brace '{'"
                message = (f"BibTeX syntax error{f' in {context}' if context else ''}: the {what} opened on this "
                           "line is never closed, so the value runs into the next field; close it")
            item = Problem(SourceLocation(rel, line), message)
            if item not in seen:
                seen.add(item)
                problems.append(item)
        errors.clear()
        return had_own

    def line_at_any(offset: int) -> int:
        return line_of_offset(text, offset)

    for command in parser:
        kind = command[0].lower()
        start_line = line_at(parser.command_start)
        label = command[1][0] if kind != "preamble" else None
        if kind == "preamble":
            context = f"@preamble (line {start_line})"
        elif label:
            context = f"{'@string' if kind == 'string' else 'entry'} '{label}' (line {start_line})"
        else:
            context = ""
        broken = report(context, parser.command_start, start_line)
        if kind in ("string", "preamble"):
            continue
        key, fields = command[1]
        if not key:
            problems.append(Problem(SourceLocation(rel, start_line), f"@{command[0]} entry without a key; add one"))
            continue
        found.append(_RawEntry(key, kind, [(name.lower(), "".join(value)) for name, value in fields],
                               SourceLocation(rel, start_line), broken))
    report("", None, line_of_offset(text, len(text)))  # errors after the last entry (e.g. a file cut off at EOF)
    return found


def _build_entry(raw: _RawEntry, problems: list[Problem]) -> Entry:
    from pybtex.bibtex.utils import split_name_list
    from pybtex.scanner import PybtexError

    plain: dict[str, str] = {}
    values: dict[str, str] = {}
    persons: dict[str, tuple[Name, ...]] = {}
    truncated: dict[str, bool] = {}
    for name, value in raw.fields:
        value = " ".join(value.split())  # what `\s+` -> " " and strip give, faster
        if name in values:
            problems.append(Problem(raw.location, f"entry '{raw.key}' repeats the field '{name}'; keep one"))
            continue
        values[name] = value
        if name in PERSON_FIELDS:
            names = _split_names(value) if _splits_plainly(value) else split_name_list(value)
            truncated[name] = any(n.strip().lower() == "others" for n in names)
            try:
                persons[name] = tuple(_person(n) for n in names if n.strip().lower() != "others")
            except PybtexError as exc:
                problems.append(Problem(raw.location, f"entry '{raw.key}': cannot read the {name} list ({exc})"))
                persons[name] = ()
        plain[name] = latex_to_text(value)
    return Entry(raw.key, raw.type, plain, values,
                 persons, truncated, raw.location)


def _resolve_crossrefs(entries: dict[str, Entry], problems: list[Problem]) -> None:
    """Fill missing fields from the parent (`crossref` or biblatex `xref`): title becomes booktitle."""
    lowered = {k.lower(): k for k in entries}
    for key, entry in list(entries.items()):
        parent_key = entry.raw.get("crossref")
        if not parent_key:
            continue
        parent = entries.get(lowered.get(parent_key.lower(), ""))
        if parent is None:
            problems.append(Problem(entry.location, f"entry '{key}' has crossref '{parent_key}', which is not "
                                    "in the bibliography; add the parent entry or remove the crossref",
                                    code="bib-crossref"))
            continue
        plain, raw = dict(entry.fields), dict(entry.raw)
        persons = dict(entry.persons)
        for name, value in parent.fields.items():
            target = {"title": "booktitle", "subtitle": "booksubtitle"}.get(name, name) \
                if entry.type != parent.type else name
            if target not in plain:
                plain[target], raw[target] = value, parent.raw[name]
        for name, people in parent.persons.items():
            persons.setdefault(name, people)
        entries[key] = Entry(key, entry.type, plain, raw,
                             persons, entry.truncated, entry.location)


def _check_fields(entry: Entry, required: Iterable[str], problems: list[Problem]) -> None:
    if entry.type in _CONTAINER_TYPES:
        return
    missing = []
    for name in required:
        if name == "author" and (entry.persons.get("author") or entry.persons.get("editor")):
            continue
        if name == "year" and entry.year:
            continue
        if name == "title" and entry.get("title"):
            continue
        if name not in ("author", "year", "title") and entry.get(name):
            continue
        missing.append(name)
    if missing:
        problems.append(Problem(entry.location, f"entry '{entry.key}' lacks {', '.join(missing)}, which "
                                "required_fields of the litreview plugin asks for; add the field(s) as seen in the "
                                "source", code="missing-field"))


_NOT_BIBTEX = ("readme", "license", "licence", "changelog")


def bib_folder(folder: Path, shown: str) -> tuple[list[Path], list[Problem]]:
    """The `*.bib` and CSL `*.json` files of the bibliography folder, in name order, and a problem for each other
    file in it (a `.bibtex` file there would otherwise only show up as "unknown citation key")."""
    paths, problems = [], []
    for path in sorted(folder.iterdir()):
        if path.name.startswith(".") or not path.is_file():
            continue
        if path.suffix in (".bib", ".json"):  # BibTeX, or CSL JSON as Zotero, pandoc and Quarto write it
            paths.append(path)
        elif not path.name.lower().startswith(_NOT_BIBTEX) and path.suffix.lower() not in (".md", ".txt"):
            problems.append(Problem(SourceLocation(f"{shown.rstrip('/')}/{path.name}"),
                                    f"this file is not read: only *.bib (BibTeX) and *.json (CSL JSON) files in "
                                    f"{shown.rstrip('/')}/ are; rename "
                                    f"it to {path.stem}.bib if it holds BibTeX, or move it out of the folder"))
    return paths, problems


def content_hash(paths: Iterable[Path], extra: str = "") -> str:
    digest = hashlib.sha256((CACHE_VERSION + extra).encode())
    for path in paths:
        digest.update(str(path).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def load_bibliography(paths: Iterable[Path], root: Path,
                      required: Iterable[str] = ()) -> Bibliography:
    """Read BibTeX files in the order given. Never raises on bad content: problems are returned."""
    problems: list[Problem] = []
    entries: dict[str, Entry] = {}
    lowered: dict[str, str] = {}
    broken: set[str] = set()
    path_list = list(paths)
    for path in path_list:
        rel = _relative(path, root)
        try:
            data = path.read_bytes()
        except OSError as exc:
            problems.append(Problem(SourceLocation(rel), f"cannot read the file ({exc.strerror}); check it exists"))
            continue
        text = _decode(data, rel, problems)
        if not text.strip():
            problems.append(Problem(SourceLocation(rel), "the file is empty; add entries or remove the file"))
            continue
        raws = _parse_csl(text, rel, problems) if path.suffix.lower() == ".json" else _parse_file(text, rel, problems)
        for raw in raws:
            if raw.type not in KNOWN_TYPES:
                problems.append(Problem(raw.location, f"unknown entry type '@{raw.type}' for '{raw.key}'; "
                                        "use a BibTeX or biblatex type such as @article or @misc"))
            first = lowered.get(raw.key.lower())
            if first is not None:
                # Both places are named: files are read in name order, so the older, checked entry may well be
                # the second one; neither is silently the one that counts.
                kept = entries[first].location
                problems.append(Problem(kept, f"duplicate key '{entries[first].key}': also defined at {raw.location}; "
                                        "rename or remove one of them (until then this entry is used)",
                                        code="duplicate-key"))
                problems.append(Problem(raw.location, f"duplicate key '{raw.key}': also defined at {kept}; rename "
                                        f"or remove one of them (until then the entry at {kept} is used)",
                                        code="duplicate-key"))
                continue
            entries[raw.key] = _build_entry(raw, problems)
            lowered[raw.key.lower()] = raw.key
            if raw.broken:
                broken.add(raw.key)
    _resolve_crossrefs(entries, problems)
    required = tuple(required)
    for entry in entries.values():
        if entry.key not in broken:  # its syntax error is reported; "lacks title" would only mislead
            _check_fields(entry, required, problems)
    existing = [p for p in path_list if p.exists()]
    return Bibliography(entries, tuple(problems),
                        content_hash(existing, json.dumps(required)), tuple(_relative(p, root) for p in path_list))


def _relative(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def to_json(bib: Bibliography) -> str:
    """A JSON form of the bibliography for the on-disk cache (JSON, not pickle: the cache stays inert data)."""
    def entry(e: Entry) -> dict[str, object]:
        # Most values read the same as Unicode and as written: those are stored once (null in "raw").
        raw = {name: None if e.fields.get(name) == value else value for name, value in e.raw.items()}
        return {"key": e.key, "type": e.type, "fields": e.fields, "raw": raw,
                "persons": {role: [[n.family, n.given, n.suffix, n.particle] for n in names]
                            for role, names in e.persons.items()},
                "truncated": e.truncated, "location": [e.location.path, e.location.line]}
    return json.dumps({"entries": [entry(e) for e in bib.entries.values()],
                       "problems": [[p.location.path, p.location.line, p.message] for p in bib.problems],
                       "cache_key": bib.cache_key, "files": list(bib.files)}, ensure_ascii=False)


def from_json(text: str) -> Bibliography:
    data = json.loads(text)
    entries = {}
    known: dict[tuple[str, ...], Name] = {}  # one object per person: authors recur across a library

    def name(parts: list[str]) -> Name:
        key = tuple(parts)
        found = known.get(key)
        if found is None:
            found = known[key] = Name(*parts)
        return found

    for e in data["entries"]:
        fields = e["fields"]
        raw = {name: fields[name] if value is None else value for name, value in e["raw"].items()}
        entries[e["key"]] = Entry(
            e["key"], e["type"], fields, raw,
            {role: tuple(name(n) for n in names) for role, names in e["persons"].items()},
            e["truncated"], SourceLocation(e["location"][0], e["location"][1]))
    problems = tuple(Problem(SourceLocation(p, line), msg) for p, line, msg in data["problems"])
    return Bibliography(entries, problems, data["cache_key"], tuple(data["files"]))


def load_cached(paths: Iterable[Path], root: Path, cache_dir: Path | None,
                required: Iterable[str] = (),
                memory: dict[str, Bibliography] | None = None) -> Bibliography:
    """`load_bibliography`, reusing `.cache/litreview/bib-<hash>.json` when the files are unchanged, and the
    library itself from `memory` (kept by the plugin across `mkdocs serve` rebuilds) before that."""
    path_list = [p for p in paths]
    required = tuple(required)
    if cache_dir is None:
        return load_bibliography(path_list, root, required)
    key = content_hash([p for p in path_list if p.exists()], json.dumps(required) + repr([str(p) for p in path_list]))
    cached = cache_dir / f"bib-{key[:32]}.json"
    if memory is not None and key in memory:
        mark_used(cached)
        return memory[key]
    bib = _load_with_cache(path_list, root, required, cached)
    if memory is not None:
        memory.clear()  # only the current library is worth keeping
        memory[key] = bib
    return bib


def _load_with_cache(path_list: list[Path], root: Path, required: tuple[str, ...], cached: Path) -> Bibliography:
    cache_dir = cached.parent
    if cached.exists():
        try:
            bib = from_json(cached.read_text(encoding="utf-8"))
            mark_used(cached)
            return bib
        except (ValueError, KeyError, TypeError):
            pass  # a damaged cache is rebuilt below
    bib = load_bibliography(path_list, root, required)
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        tmp = cached.with_suffix(".tmp")
        tmp.write_text(to_json(bib), encoding="utf-8")
        tmp.replace(cached)
    except OSError:
        pass  # the cache is an optimisation; a read-only tree still builds
    return bib
