"""A fast reader for well-formed BibTeX, giving exactly what pybtex's LowLevelParser gives.

pybtex's scanner costs about 0.1 ms per entry in pure Python, most of a cold build's BibTeX time. This reader
follows the same grammar with a handful of regular expressions. It reads only what it is sure of: at the
first thing pybtex would report (an unbalanced brace, an undefined @string, a missing comma or key), or
anything it does not handle, it gives up and returns None, and the file is read by pybtex, whose messages
(with their lines) are the ones authors see. The test suite compares the two readers on real and random input.
"""
from __future__ import annotations

import re
from string import ascii_letters, digits

# The grammar of pybtex.database.input.bibtex.LowLevelParser (pybtex 0.26).
_NAME_CHARS = ascii_letters + "@!$&*+-./:;<>?[\\]^_`|~\x7f"
_NAME = re.compile(rf"\s*([{re.escape(_NAME_CHARS)}][{re.escape(_NAME_CHARS + digits)}]*)")
_KEY = {"}": re.compile(r"\s*([^\s,}]+)"), ")": re.compile(r"\s*([^\s,]+)")}
_NUMBER = re.compile(r"\s*([0-9]+)")
_WHITESPACE = re.compile(r"\s*")
# The common field, `name = {text without braces}` (or quoted, or a number), followed by "," or the entry's end:
# read in one match; anything else (nested braces, `#`, a macro) takes the general path below.
_SIMPLE_FIELD = re.compile(rf"\s*([{re.escape(_NAME_CHARS)}][{re.escape(_NAME_CHARS + digits)}]*)\s*=\s*"
                           r'(?:\{([^{}]*)\}|"([^"{}]*)"|([0-9]+))(?=\s*[,})])')
_AT = re.compile("@")
_BRACES = re.compile(r"[{}]")
_QUOTE_OR_BRACES = re.compile(r'["{}]')
_MONTHS = {"jan": "January", "feb": "February", "mar": "March", "apr": "April", "may": "May", "jun": "June",
           "jul": "July", "aug": "August", "sep": "September", "oct": "October", "nov": "November",
           "dec": "December"}
MAX_NESTING = 100

Command = tuple[int, str, str, list[tuple[str, str]]]  # (offset of "@", type, key, [(field, value)])


class _GiveUp(Exception):
    """Something pybtex would report, or this reader does not handle: pybtex reads the file instead."""


def _skip_ws(text: str, pos: int) -> int:
    return _WHITESPACE.match(text, pos).end()  # type: ignore[union-attr]  # \s* always matches


def _literal(text: str, pos: int, char: str) -> int | None:
    """Position after `char` (whitespace before it allowed), or None."""
    pos = _skip_ws(text, pos)
    return pos + 1 if text.startswith(char, pos) else None


def _braced(text: str, pos: int, quoted: bool) -> tuple[str, int]:
    """The text of a value opened just before `pos` by "{" (or a quote), and the position after its end."""
    start, depth = pos, 0
    finder = _QUOTE_OR_BRACES if quoted else _BRACES
    while True:
        m = (_BRACES if depth else finder).search(text, pos)
        if m is None:
            raise _GiveUp  # end of file inside a value
        char, pos = m.group(), m.end()
        if char == "{":
            depth += 1
            if depth > MAX_NESTING:
                raise _GiveUp
        elif char == "}":
            if depth == 0:
                if quoted:
                    raise _GiveUp  # pybtex: unbalanced braces
                return text[start:pos - 1], pos
            depth -= 1
        else:  # a quote at depth 0 ends a quoted value
            return text[start:pos - 1], pos


def _value(text: str, pos: int, macros: dict[str, str]) -> tuple[str, int]:
    parts = []
    while True:
        pos = _skip_ws(text, pos)
        char = text[pos:pos + 1]
        if char in ('"', "{"):
            part, pos = _braced(text, pos + 1, quoted=char == '"')
        elif (m := _NUMBER.match(text, pos)) is not None:
            part, pos = m.group(1), m.end()
        elif (m := _NAME.match(text, pos)) is not None:
            name = m.group(1).lower()
            if name not in macros:
                raise _GiveUp  # an undefined @string
            part, pos = macros[name], m.end()
        else:
            raise _GiveUp
        parts.append(part)
        after = _literal(text, pos, "#")
        if after is None:
            return "".join(parts), pos
        pos = after


def read_commands(text: str) -> list[Command] | None:
    """The entries of a BibTeX file in order (@string applied, @preamble and @comment skipped), or None
    when pybtex must read the file: it would report a problem, or the file uses something unusual."""
    macros = dict(_MONTHS)
    out: list[Command] = []
    pos = 0
    try:
        while (at := _AT.search(text, pos)) is not None:
            start = at.start()
            m = _NAME.match(text, at.end())
            if m is None:
                return None
            kind = m.group(1).lower()
            pos = _skip_ws(text, m.end())
            opener = text[pos:pos + 1]
            if opener not in ("{", "("):
                return None
            pos += 1
            if kind == "comment":  # pybtex skips the word and its bracket, then looks for the next "@"
                continue
            close = "}" if opener == "{" else ")"
            if kind == "preamble":
                _, pos = _value(text, pos, macros)
            elif kind == "string":
                m = _NAME.match(text, pos)
                after = _literal(text, m.end(), "=") if m else None
                if m is None or after is None:
                    return None
                value, pos = _value(text, after, macros)
                macros[m.group(1).lower()] = value
            else:
                m = _KEY[close].match(text, pos)
                if m is None:
                    return None
                key, pos = m.group(1), m.end()
                fields: list[tuple[str, str]] = []
                while True:
                    simple = _SIMPLE_FIELD.match(text, pos)
                    if simple is not None:
                        braced, quoted, number = simple.group(2, 3, 4)
                        fields.append((simple.group(1), braced if braced is not None else
                                       quoted if quoted is not None else number))
                        pos = simple.end()
                        name = None
                    else:
                        name = _NAME.match(text, pos)
                    if name is not None:
                        after = _literal(text, name.end(), "=")
                        if after is None:
                            return None
                        value, pos = _value(text, after, macros)
                        fields.append((name.group(1), value))
                    comma = _literal(text, pos, ",")
                    if comma is None:
                        break
                    pos = comma
                out.append((start, kind, key, fields))
            end = _literal(text, pos, close)
            if end is None:
                return None
            pos = end
    except _GiveUp:
        return None
    return out
