"""Pure parser of pandoc citation syntax: `[see @a, p. 4; -@b]` and narrative `@key [p. 4]`."""
from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from html.entities import html5
from typing import Literal

# Pandoc: a key starts with a letter, digit or `_`; punctuation from `:.#$%&-+?<>~/` is allowed only
# inside the key (followed by a word character), so "see @doe99." cites `doe99`; `:` and `/` may also stand
# before a `/`, so Manubot's `@url:https://example.org/x` is one key.
KEY_PATTERN = r"[^\W](?:\w|[:.#$%&\-+?<>~/](?=\w)|[:/](?=/))*"
_KEY = re.compile(KEY_PATTERN)
# \x02 and \x03 delimit Python-Markdown's placeholders for inline HTML: a key never spans one.
_BRACED_KEY = re.compile(r"\{([^{}\x02\x03]+)\}")
# Characters that may stand right before a narrative `@key`; anything else (a letter, `/`, `.`, `:`)
# means an e-mail address, a URL path or a handle, never a citation.
_NARRATIVE_BEFORE = frozenset(" \t\n([{\"'\u00a0\u2014\u2013\u201c\u2018;,")
_SECOND_KEY = re.compile(r"(?:^|[\s,])-?@[\w{]")
_PAGE_RANGE = re.compile(r"(?<=\d)-(?=\d)")
_RUN_OF_SPACE = re.compile(r"\s+")
# `&amp;`, `&nbsp;`, `&#8211;`: Markdown text (and table cells, which are HTML-escaped first) holds these.
_ENTITY_END = re.compile(r"&(?:([A-Za-z][A-Za-z0-9]{1,31})|#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6})$")

Mode = Literal["normal", "narrative"]

# Cross-reference prefixes: Quarto writes `@fig-growth`, pandoc-crossref and the xnos filters `@fig:growth`,
# bookdown `fig:growth`. A key with one of them that the bibliography lacks names an element of the site.
XREF_KINDS = {
    "sec": "Section", "fig": "Figure", "tbl": "Table", "tab": "Table", "eq": "Equation", "lst": "Listing",
    "thm": "Theorem", "lem": "Lemma", "cor": "Corollary", "prp": "Proposition", "cnj": "Conjecture",
    "def": "Definition", "exm": "Example", "exr": "Exercise", "sol": "Solution", "rem": "Remark",
    "alg": "Algorithm",
}
_XREF = re.compile(r"(" + "|".join(XREF_KINDS) + r")[-:]\w")


# bookdown: `\@ref(fig:growth)` names a figure (table, equation...), `\@ref(methods)` a section by its heading id,
# and `(\#fig:growth)` at the start of an image's caption labels the image.
BOOKDOWN_REF = re.compile(r"\\@ref\(([A-Za-z0-9_][\w:.-]*)\)")
BOOKDOWN_LABEL = re.compile(r"\(\\?#((?:fig|tab|eq):[\w:.-]+)\)\s*")


def bookdown_key(label: str) -> str:
    """The cross-reference key of a bookdown label: `fig:growth` as it is, a heading id as `sec:<id>`."""
    return label if xref_kind(label) else f"sec:{label}"


def xref_candidates(key: str) -> list[str]:
    """The targets a cross-reference key may name, in order: itself; and for `sec:x` (bookdown's `\\@ref(x)`,
    LaTeX's `\\ref{x}`, which name a label of any kind) a figure, table or equation labelled `x`."""
    if not key.startswith("sec:"):
        return [key]
    return [key] + [f"{kind}:{key[4:]}" for kind in ("fig", "tbl", "tab", "eq")]


def xref_kind(key: str) -> str | None:
    """"Figure" for `fig-growth` or `fig:growth`: the kind of element a cross-reference key names, if any."""
    m = _XREF.match(key)
    return XREF_KINDS[m.group(1)] if m else None


# One encoder for every placeholder: json.dumps with options builds a new encoder on each call.
_COMPACT_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


@dataclass(frozen=True)
class CiteItem:
    """One cited work inside a citation, with pandoc's prefix, locator/suffix and suppress-author flag."""

    key: str
    prefix: str = ""
    suffix: str = ""
    suppress_author: bool = False


@dataclass(frozen=True)
class Citation:
    """A whole citation as the author wrote it: bracketed (`normal`) or in running text (`narrative`)."""

    items: tuple[CiteItem, ...]
    mode: Mode = "normal"

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(item.key for item in self.items)

    def to_json(self) -> str:
        return _COMPACT_JSON.encode(
            [self.mode, [[i.key, i.prefix, i.suffix, int(i.suppress_author)] for i in self.items]])

    @classmethod
    def from_json(cls, text: str) -> Citation:
        mode, items = json.loads(text)
        return cls(tuple(CiteItem(k, p, s, bool(x)) for k, p, s, x in items), mode)


def read_key(text: str, pos: int) -> tuple[str, int] | None:
    """Read a citation key at `pos` (just after `@`): plain or `{braced}`. Returns (key, end)."""
    if text.startswith("{", pos):
        m = _BRACED_KEY.match(text, pos)
        if m and m.group(1).strip():
            return m.group(1).strip(), m.end()
        return None
    m = _KEY.match(text, pos)
    return (m.group(0), m.end()) if m else None


_BRACKET_OR_ESCAPE = re.compile(r"[\[\]\\]")


def find_closing_bracket(text: str, start: int) -> int | None:
    """Index of the `]` closing the `[` at `start`, allowing nested balanced brackets and `\\]` escapes."""
    depth = 0
    pos = start
    while (m := _BRACKET_OR_ESCAPE.search(text, pos)) is not None:
        i = m.start()
        ch = text[i]
        if ch == "\\":
            pos = i + 2  # the escaped character is skipped
            continue
        depth += 1 if ch == "[" else -1
        if depth == 0:
            return i
        pos = i + 1
    return None


def normalize_locator(text: str) -> str:
    """Tidy a suffix: drop the separating comma, collapse spaces, page ranges with an en dash."""
    text = _RUN_OF_SPACE.sub(" ", text).strip()
    if text.startswith(","):
        text = text[1:].strip()
    return _PAGE_RANGE.sub("\u2013", text)


def _parse_item(segment: str) -> CiteItem | None:
    """One `;`-separated piece of a bracketed citation: `prefix -@key suffix`."""
    at = -1
    j = -1
    while (j := segment.find("@", j + 1)) >= 0:
        before = segment[j - 1] if j > 0 else " "
        if before == "-" and (j < 2 or segment[j - 2].isspace()):
            at = j
            break
        if before.isspace() or j == 0:
            at = j
            break
    if at < 0:
        return None
    suppress = at > 0 and segment[at - 1] == "-"
    prefix = segment[: at - 1 if suppress else at]
    if "@" in prefix:
        return None
    got = read_key(segment, at + 1)
    if got is None:
        return None
    key, end = got
    suffix = segment[end:]
    if suffix and not (suffix[0].isspace() or suffix[0] in ",;"):
        return None
    if _SECOND_KEY.search(suffix):
        return None  # "[see @a and @b]": two keys in one item is not a citation
    return CiteItem(key, _RUN_OF_SPACE.sub(" ", prefix).strip(), normalize_locator(suffix), suppress)


def _ends_with_reference(text: str) -> bool:
    """Whether `text` + ";" ends a character reference (`[@smith&jones; @b]` still has two items)."""
    m = _ENTITY_END.search(text)
    return m is not None and (m.group(1) is None or f"{m.group(1)};" in html5)


def _split_items(body: str) -> list[str]:
    """Split on `;` outside nested brackets and braces, and not on the `;` ending a character reference."""
    if not any(c in body for c in "[]{}&"):
        return body.split(";")  # the common case: nothing nested, no character reference
    parts: list[str] = []
    depth = 0
    current: list[str] = []
    for ch in body:
        if ch in "[{":
            depth += 1
        elif ch in "]}":
            depth -= 1
        if ch == ";" and depth == 0 and not _ends_with_reference("".join(current[-40:])):
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    return parts


# `[@a, @b]`, `[@a,@b]`: keys and nothing else, separated by commas. Pandoc reads the second key as a narrative
# citation inside the first one's locator; both are cited, and a list of keys is what the author meant.
_LISTED_KEY = rf"-?@(?:{KEY_PATTERN}|\{{[^{{}}]+\}})"
_KEY_LIST = re.compile(rf"\s*{_LISTED_KEY}(?:\s*,\s*{_LISTED_KEY})+\s*")
_LISTED = re.compile(_LISTED_KEY)


@lru_cache(maxsize=16384)  # the same citation recurs across a review; the result is immutable
def parse_bracketed(body: str) -> Citation | None:
    """Parse the inside of `[...]`. None unless every `;`-separated item holds exactly one key (or is a
    comma-separated list of bare keys, one item each)."""
    if "@" not in body:
        return None
    items = []
    for segment in _split_items(body):
        if "," in segment and _KEY_LIST.fullmatch(segment):
            items += [i for m in _LISTED.finditer(segment) if (i := _parse_item(m.group(0))) is not None]
            continue
        item = _parse_item(segment)
        if item is None:
            return None
        items.append(item)
    return Citation(tuple(items), "normal")


Closing = Callable[[str, int], int | None]


def parse_bracketed_at(text: str, start: int, closing: Closing = find_closing_bracket) -> tuple[Citation, int] | None:
    """A bracketed citation starting at `text[start] == '['`; returns (citation, end) or None. `closing` finds the
    `]` of a `[` (a Markdown processor passes one that reads the paragraph once)."""
    close = closing(text, start)
    if close is None:
        return None
    after = text[close + 1 : close + 2]
    if after in ("(", "[", ":"):
        return None  # a Markdown link, reference link or link definition, not a citation
    cite = parse_bracketed(text[start + 1 : close])
    return (cite, close + 1) if cite else None


def narrative_allowed_before(text: str, at: int) -> bool:
    """Whether an `@` at index `at` may start a narrative citation (not an e-mail, URL or handle)."""
    return at == 0 or text[at - 1] in _NARRATIVE_BEFORE


def parse_narrative_at(text: str, at: int, closing: Closing = find_closing_bracket) -> tuple[Citation, int] | None:
    """A narrative citation `@key` or `@key [locator]` with `text[at] == '@'`; returns (citation, end)."""
    if not narrative_allowed_before(text, at):
        return None
    got = read_key(text, at + 1)
    if got is None:
        return None
    key, end = got
    suffix = ""
    if text.startswith(" [", end) and not text.startswith(" [@", end):
        close = closing(text, end + 1)
        if close is not None and text[close + 1 : close + 2] not in ("(", "[") and "@" not in text[end:close]:
            suffix = normalize_locator(text[end + 2 : close])
            end = close + 1
    return Citation((CiteItem(key, "", suffix, False),), "narrative"), end


def find_citations(text: str) -> list[tuple[int, int, Citation]]:
    """Every citation in plain text (no Markdown): used by the linter and as the parser's reference loop."""
    found: list[tuple[int, int, Citation]] = []
    # Each frame scans one string: the text, or the text of a Markdown link inside it, where bracketed citations
    # still count and narrative ones do not. A stack rather than recursion: hostile input nests links
    # thousands deep. Frames are (text, offset of text[0] in the whole text, next index, inside a link).
    frames: list[tuple[str, int, int, bool]] = [(text, 0, 0, False)]
    while frames:
        part, offset, i, in_link = frames.pop()
        n = len(part)
        while i < n:
            ch = part[i]
            if ch == "\\":
                i += 2
                continue
            if ch == "[":
                got = parse_bracketed_at(part, i)
                if got:
                    found.append((offset + i, offset + got[1], got[0]))
                    i = got[1]
                    continue
                close = find_closing_bracket(part, i)
                if close is not None and part.startswith("(", close + 1):
                    end = part.find(")", close)
                    frames.append((part, offset, end + 1 if end > 0 else close + 1, in_link))
                    frames.append((part[i + 1 : close], offset + i + 1, 0, True))
                    break
            elif ch == "@":
                got2 = parse_narrative_at(part, i)
                if got2:
                    if not in_link:
                        found.append((offset + i, offset + got2[1], got2[0]))
                    i = got2[1]
                    continue
            i += 1
    return found
