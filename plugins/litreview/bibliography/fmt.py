"""Deterministic BibTeX layout: a lossless parser of .bib text and a formatter (`litreview fmt`)."""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from .identifiers import clean_doi

# pybtex's NAME characters: field names, entry types and macro names.
_NAME = re.compile(r"[A-Za-z@!$&*+\-./:;<>?\[\\\]^_`|~\x7f][A-Za-z0-9@!$&*+\-./:;<>?\[\\\]^_`|~\x7f]*")
_NUMBER = re.compile(r"[0-9]+")
_KEY = {"}": re.compile(r"[^\s,}]+"), ")": re.compile(r"[^\s,]+")}
_SPACES = re.compile(r"\s+")
# A hyphen or dash between two page numbers (`123-130`, `123 – 130`, `S1---S4`): written `--`.
_PAGE_DASH = re.compile(r"(?<=[0-9A-Za-z])\s*(?:-+|\u2010|\u2011|\u2012|\u2013|\u2014|\u2212)\s*(?=[0-9A-Za-z])")

PartKind = Literal["braced", "quoted", "number", "macro"]


class BibFormatError(ValueError):
    """Text that cannot be read as BibTeX; the formatter refuses it rather than risk losing data."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"{line}: {message}")
        self.line = line
        self.message = message


@dataclass(frozen=True)
class Part:
    """One piece of a value: `{braced}`, `"quoted"`, a number, or a macro name, joined by `#`."""

    kind: PartKind
    text: str


@dataclass(frozen=True)
class Field:
    name: str
    parts: tuple[Part, ...]
    line: int


@dataclass(frozen=True)
class Block:
    """An `@command`: an entry (with key and fields), or `@string`, `@preamble`, `@comment` kept as written."""

    type: str
    line: int
    key: str = ""
    fields: tuple[Field, ...] = ()
    raw: str = ""  # the whole command for @preamble / @comment, normalised only in its `@type`
    comment: tuple[str, ...] = ()  # stray lines directly above the command, which travel with it

    @property
    def is_entry(self) -> bool:
        return self.type not in ("string", "preamble", "comment")


@dataclass(frozen=True)
class BibFile:
    """A parsed file: free text above and below the commands, and the commands in file order."""

    header: tuple[str, ...] = ()  # paragraphs of free text (e.g. `%` comments) not attached to a command
    blocks: tuple[Block, ...] = ()
    footer: tuple[str, ...] = ()


@dataclass
class _Scanner:
    text: str
    pos: int = 0

    def line(self, pos: int | None = None) -> int:
        return self.text.count("\n", 0, self.pos if pos is None else pos) + 1

    def fail(self, message: str, pos: int | None = None) -> BibFormatError:
        return BibFormatError(self.line(pos), message)

    def skip_ws(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1

    def peek(self) -> str:
        self.skip_ws()
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def expect(self, chars: str, what: str) -> str:
        ch = self.peek()
        if not ch or ch not in chars:
            found = repr(ch) if ch else "the end of the file"
            raise self.fail(f"expected {what}, found {found}")
        self.pos += 1
        return ch

    def match(self, pattern: re.Pattern[str], what: str) -> str:
        self.skip_ws()
        m = pattern.match(self.text, self.pos)
        if not m:
            raise self.fail(f"expected {what}")
        self.pos = m.end()
        return m.group(0)

    def balanced(self, close: str) -> str:
        """Text up to the `close` that ends the current group; braces must balance (BibTeX ignores `\\`)."""
        start = self.pos
        depth = 0
        text = self.text
        while self.pos < len(text):
            ch = text[self.pos]
            if ch == "{":
                depth += 1
            elif ch == "}":
                if depth == 0:
                    if close == "}":
                        self.pos += 1
                        return text[start : self.pos - 1]
                    raise self.fail("unbalanced braces: a '}' closes nothing")
                depth -= 1
            elif ch == close and depth == 0:
                self.pos += 1
                return text[start : self.pos - 1]
            self.pos += 1
        raise self.fail(f"no closing '{close}' before the end of the file", start)

    def value(self) -> tuple[Part, ...]:
        parts: list[Part] = []
        while True:
            ch = self.peek()
            if ch == "{":
                self.pos += 1
                parts.append(Part("braced", self.balanced("}")))
            elif ch == '"':
                self.pos += 1
                parts.append(Part("quoted", self.balanced('"')))
            elif ch.isdigit():
                parts.append(Part("number", self.match(_NUMBER, "a number")))
            elif ch and _NAME.match(ch):
                parts.append(Part("macro", self.match(_NAME, "a macro name")))
            else:
                raise self.fail("expected a field value: {...}, \"...\", a number or a @string name")
            if self.peek() != "#":
                return tuple(parts)
            self.pos += 1


def _next_command(text: str, start: int) -> int:
    """Index of the next `@` outside `%` comment lines (biber ignores those lines; a stray `@` there is text)."""
    i = start
    while True:
        at = text.find("@", i)
        if at < 0:
            return -1
        line_start = text.rfind("\n", 0, at) + 1
        if text[line_start:at].lstrip().startswith("%"):
            eol = text.find("\n", at)
            if eol < 0:
                return -1
            i = eol
            continue
        return at


def _paragraphs(lines: Sequence[str]) -> list[str]:
    out: list[str] = []
    current: list[str] = []
    for line in lines:
        if line.strip():
            current.append(line)
        elif current:
            out.append("\n".join(current))
            current = []
    if current:
        out.append("\n".join(current))
    return out


def _split_stray(stray: str) -> tuple[list[str], tuple[str, ...]]:
    """Free text before a command: (paragraphs that float to the header, lines attached to the command)."""
    lines = [line.rstrip() for line in stray.split("\n")]
    attached: list[str] = []
    end = len(lines) - 1 if lines[-1] else len(lines) - 2  # the '@' line's prefix belongs to the command
    i = end
    while i >= 0 and lines[i]:
        i -= 1
    if end >= 0 and lines[end]:
        attached = lines[i + 1 : end + 1]
        lines = lines[: i + 1]
    return _paragraphs(lines), tuple(attached)


def parse_bib(text: str) -> BibFile:
    """Read .bib text without losing anything: raises BibFormatError (with a line) on a syntax error."""
    text = text.removeprefix("\ufeff")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    scanner = _Scanner(text)
    header: list[str] = []
    blocks: list[Block] = []
    pos = 0
    while True:
        at = _next_command(text, pos)
        if at < 0:
            footer = _paragraphs([line.rstrip() for line in text[pos:].split("\n")])
            return BibFile(tuple(header), tuple(blocks), tuple(footer))
        floating, attached = _split_stray(text[pos:at])
        header += floating
        scanner.pos = at + 1
        kind = scanner.match(_NAME, "an entry type after '@'").lower()
        line = scanner.line(at)
        opener = scanner.expect("{(", "'{' or '(' after @" + kind)
        close = "}" if opener == "{" else ")"
        if kind == "comment":
            body = scanner.balanced(close)
            blocks.append(Block("comment", line, raw=f"@comment{opener}{body}{close}", comment=attached))
        elif kind == "preamble":
            body_start = scanner.pos
            scanner.value()
            body = text[body_start : scanner.pos]
            scanner.expect(close, f"'{close}' closing @preamble")
            blocks.append(Block("preamble", line, raw=f"@preamble{opener}{body.strip()}{close}", comment=attached))
        elif kind == "string":
            name_line = scanner.line()
            name = scanner.match(_NAME, "a @string name")
            scanner.expect("=", "'=' after the @string name")
            parts = scanner.value()
            scanner.expect(close, f"'{close}' closing @string")
            blocks.append(Block("string", line, key=name, fields=(Field(name, parts, name_line),), comment=attached))
        else:
            key = scanner.match(_KEY[close], "an entry key")
            if "}" in key:
                raise scanner.fail(f"entry key '{key}' contains '}}'; rename it")
            fields: list[Field] = []
            while True:
                if scanner.expect("," + close, f"',' or '{close}' in entry '{key}'") == close:
                    break
                if scanner.peek() == close:  # a trailing comma
                    scanner.pos += 1
                    break
                field_line = scanner.line(scanner.pos)
                name = scanner.match(_NAME, f"a field name in entry '{key}'").lower()
                scanner.expect("=", f"'=' after field '{name}' of entry '{key}'")
                fields.append(Field(name, scanner.value(), field_line))
            blocks.append(Block(kind, line, key=key, fields=tuple(fields), comment=attached))
        pos = scanner.pos


def _literal(text: str, name: str, single: bool) -> str:
    text = _SPACES.sub(" ", text)
    if not single:
        return text  # inside a concatenation a leading or trailing space is part of the value
    text = text.strip()
    if name == "pages":
        text = _PAGE_DASH.sub("--", text)
    elif name == "doi":
        text = clean_doi(text)
    return text


def format_value(name: str, parts: Sequence[Part]) -> str:
    """`{value}` for a literal; macros stay bare and concatenations keep their `#`."""
    single = len(parts) == 1
    out = []
    for part in parts:
        if part.kind == "macro":
            out.append(part.text)
        else:
            out.append("{" + _literal(part.text, name, single) + "}")
    return " # ".join(out)


def format_field_value(name: str, value: str) -> str:
    """`{value}` of one plain (braced) field, tidied as `format_value` tidies it."""
    return "{" + _literal(value, name, True) + "}"


def format_entry(entry_type: str, key: str, fields: Iterable[Field], width: int = 0) -> str:
    """One entry, its fields in the author's order; `width` pads field names so the `=` signs line up."""
    body = ",\n".join(f"  {f.name:<{width}} = {format_value(f.name, f.parts)}" for f in fields)
    return f"@{entry_type.lower()}{{{key},\n{body}\n}}" if body else f"@{entry_type.lower()}{{{key}}}"


# A field name padded before its `=`: the file lines its `=` signs up, and fmt keeps that column.
_ALIGNED = re.compile(r"^[ \t]+([\w.:+-]+)( {2,})= ", re.MULTILINE)


def name_width(text: str) -> int:
    """The width field names are padded to in `text` (the most common column of its `=`), or 0 if they are not."""
    columns = Counter(len(m.group(1)) + len(m.group(2)) - 1 for m in _ALIGNED.finditer(text))
    return columns.most_common(1)[0][0] if columns else 0


def _format_block(block: Block, width: int = 0) -> str:
    if block.type == "string":
        (only,) = block.fields
        text = f"@string{{{block.key} = {format_value('', only.parts)}}}"
    elif block.is_entry:
        text = format_entry(block.type, block.key, block.fields, width)
    else:
        text = block.raw
    return "\n".join((*block.comment, text))


def render_bib(parsed: BibFile, width: int = 0) -> str:
    """The file in our layout: free text, then @string/@preamble/@comment in file order, then entries by key."""
    top = [b for b in parsed.blocks if not b.is_entry]
    entries = [b for b in parsed.blocks if b.is_entry]  # the author's order: a file is often grouped by topic
    sections: list[str] = list(parsed.header)
    if top:
        sections.append("\n".join(_format_block(b) for b in top))
    sections += [_format_block(b, width) for b in entries]
    sections += parsed.footer
    return "\n\n".join(sections) + "\n" if sections else ""


def format_bib(text: str) -> str:
    """Normalise .bib text; idempotent. Raises BibFormatError on text that is not valid BibTeX."""
    return render_bib(parse_bib(text), name_width(text))
