"""Raw LaTeX in Markdown, read as pandoc's `raw_tex` extension reads it: where a command ends, what is math.

pandoc reads a backslash followed by letters as a TeX command (`getRawCommand` of its LaTeX reader): an optional
`*`, then options in brackets and arguments in braces, each after optional spaces or one line break; font-size
commands (`\\footnotesize`) take none, and a final `{}` is part of the command. Its HTML writer drops the command.
Math (`$...$`, `$$...$$`, `\\(...\\)`, `\\[...\\]`, math environments) is kept for MathJax.
"""
from __future__ import annotations

import re
from bisect import bisect_left

from .syntax import bookdown_key, xref_kind

FONT_SIZES = frozenset({"tiny", "scriptsize", "footnotesize", "small", "normalsize", "large", "Large", "LARGE",
                        "huge", "Huge"})
# Environments that pandoc keeps for MathJax: their content is math.
MATH_ENVIRONMENTS = frozenset({
    "equation", "equation*", "align", "align*", "alignat", "alignat*", "flalign", "flalign*", "gather", "gather*",
    "multline", "multline*", "eqnarray", "eqnarray*", "math", "displaymath", "split", "cases", "matrix", "pmatrix",
    "bmatrix", "Bmatrix", "vmatrix", "Vmatrix", "smallmatrix", "subequations",
})
# LaTeX cross-references: `\ref` prints the number alone, `\autoref` and `\cref` the kind and the number.
REF_COMMANDS = {"ref": True, "eqref": True, "nameref": True, "autoref": False, "cref": False, "Cref": False}

_NAME = re.compile(r"[A-Za-z]+")
_SPACE = re.compile(r"[ \t]*(?:\n(?![ \t]*\n)[ \t]*)?")  # spaces, or one line break that does not end a paragraph
_BLANK_LINE = re.compile(r"\n[ \t]*\n")
LABEL = re.compile(r"\\label\{([^{}\n]+)\}")
TEX_REF = re.compile(r"(?<!\\)\\(" + "|".join(REF_COMMANDS) + r")\*?\{([^{}\n]+)\}")
# What a group is made of: an escape (`\\}` closes nothing), a blank line (it ends any group), a brace or bracket.
_GROUP_TOKEN = re.compile(r"\\.|\n[ \t]*\n|[{}\[\]]", re.S)
_CLOSING_DOLLAR = re.compile(r"(?<![\s\\])\$(?!\d)")  # pandoc: not after a space or a backslash, not before a digit


class TexScan:
    """One pass over a text, so that reading its commands and math costs time linear in its length.

    Everything is kept as offsets from the text's end (`index - len(text)`, negative). Python-Markdown rewrites a
    paragraph after each match only before where it continues, so the analysis of a tail stays true of every later
    version of the paragraph that ends with it (`covers`); indices are found again with `index(data, offset)`.
    Recorded: where each `{` and `[` is closed (as `command_end` reads arguments: a blank line ends every open
    group), where each `[` is closed as `find_closing_bracket` reads it (an image's alt text), the `$` that may close
    inline math, line breaks before line breaks, `@`, `]` and line breaks, and needles `find` found missing.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        size = len(text)
        self.group_ends: dict[int, int] = {}  # offset of a `{` or `[` -> offset after its close
        self.bracket_ends: dict[int, int] = {}  # offset of a `[` -> offset of its `]`, blank lines or not
        if "{" in text or "[" in text:
            braces: list[int] = []
            brackets: list[int] = []
            any_brackets: list[int] = []
            for m in _GROUP_TOKEN.finditer(text):
                ch, at = m.group(0)[0], m.start() - size
                if ch == "\\":
                    continue
                if ch == "\n":
                    braces.clear()
                    brackets.clear()
                elif ch == "{":
                    braces.append(at)
                elif ch == "[":
                    brackets.append(at)
                    any_brackets.append(at)
                elif ch == "}":
                    if braces:
                        self.group_ends[braces.pop()] = at + 1
                else:
                    if brackets:
                        self.group_ends[brackets.pop()] = at + 1
                    if any_brackets:
                        self.bracket_ends[any_brackets.pop()] = at
        self.closers = self._offsets(_CLOSING_DOLLAR, text, "$")
        self.paragraph_breaks = self._offsets(re.compile(r"\n(?=\n)"), text, "\n\n")
        self.ats = self._offsets(re.compile("@"), text, "@")
        self.stops = [m.start() - size for m in re.finditer(r"[\]\n]", text)] if "@" in text else []
        self.missing: dict[str, int] = {}  # needle -> offset from which on it is not in the text

    @staticmethod
    def _offsets(pattern: re.Pattern[str], text: str, needed: str) -> list[int]:
        return [m.start() - len(text) for m in pattern.finditer(text)] if needed in text else []

    def covers(self, data: str, pos: int) -> bool:
        """Whether `data[pos:]` is a tail of the scanned text, so that this scan holds for it."""
        return self.text.endswith(data[pos:])

    @staticmethod
    def following(offsets: list[int], data: str, pos: int) -> int | None:
        """The first index at or after `pos` among `offsets` (of a tail of `data`), or None."""
        at = bisect_left(offsets, pos - len(data))
        return offsets[at] + len(data) if at < len(offsets) else None

    def group_end(self, data: str, pos: int) -> int | None:
        """The index after the `}` or `]` that closes the `{` or `[` at `pos`, or None if a blank line or the end
        comes first. The character before `pos`, in the scanned tail, is not a backslash (as after a command)."""
        end = self.group_ends.get(pos - len(data))
        return end + len(data) if end is not None else None

    def closing_bracket(self, data: str, pos: int) -> int | None:
        """`find_closing_bracket(data, pos)` for the `[` at `pos`, after a character of the tail that is no
        backslash (the `!` of `![`)."""
        end = self.bracket_ends.get(pos - len(data))
        return end + len(data) if end is not None else None

    def citation_at(self, data: str, pos: int) -> bool:
        """Whether an `@` comes at or after `pos` before any `]` or line break: `[see @key]` is a citation."""
        at = self.following(self.ats, data, pos)
        stop = self.following(self.stops, data, pos)
        return at is not None and (stop is None or at < stop)

    def find(self, data: str, needle: str, start: int) -> int:
        """`data.find(needle, start)`, remembering a miss: a paragraph of unclosed `\\(` is searched once."""
        offset = start - len(data)
        missing = self.missing.get(needle)
        if missing is not None and offset >= missing:
            return -1
        found = data.find(needle, start)
        if found < 0:
            self.missing[needle] = offset if missing is None else min(offset, missing)
        return found


class ScanCache:
    """The `TexScan` an inline processor needs at `pos` of `data`: the last one while the paragraph keeps its tail
    (Python-Markdown rewrites it only before where it goes on), so a paragraph is scanned once, not once a match."""

    def __init__(self) -> None:
        self._scan: TexScan | None = None
        self._covered: tuple[str, int] = ("", 0)  # a text and an index from which `_scan` holds for it

    def get(self, data: str, pos: int) -> TexScan:
        covered_data, covered_from = self._covered
        if self._scan is None or covered_data is not data or pos < covered_from:
            if self._scan is None or not self._scan.covers(data, pos):
                self._scan = TexScan(data[pos:])
            self._covered = (data, pos)
        return self._scan


def command_end(text: str, pos: int, scan: TexScan | None = None) -> tuple[str, int]:
    """`text[pos]` is a backslash followed by a letter: the command's name and the index after its arguments.
    `scan` is a `TexScan` of a text that ends with `text[pos:]` (one is made if not given)."""
    m = _NAME.match(text, pos + 1)
    assert m is not None  # the caller saw a letter
    name, end = m.group(0), m.end()
    if text.startswith("*", end):
        end += 1
    if name not in FONT_SIZES:
        for bracket in ("[", "{"):  # options, then arguments: `\\index{x} [@key]` keeps its citation
            while True:
                space = _SPACE.match(text, end)
                at = space.end() if space else end
                if text[at:at + 1] != bracket:
                    break
                scan = scan or TexScan(text[pos:])
                if bracket == "[" and scan.citation_at(text, at + 1):
                    break
                close = scan.group_end(text, at)
                if close is None:
                    break
                end = close
    while text.startswith("{}", end):
        end += 2
    return name, end


def dollar_math_end(text: str, pos: int, scan: TexScan | None = None) -> int | None:
    """`text[pos] == "$"`: the index after pandoc's `$...$` or `$$...$$` that starts there, or None (a price).
    `scan` is a `TexScan` of a text that ends with `text[pos:]` (one is made if not given)."""
    if text.startswith("$$", pos):
        close = text.find("$$", pos + 2)
        return close + 2 if close > pos + 2 else None
    if pos + 1 >= len(text) or text[pos + 1].isspace():
        return None
    scan = scan or TexScan(text[pos:])
    closer = scan.following(scan.closers, text, pos + 2)
    if closer is None:
        return None
    paragraph_break = scan.following(scan.paragraph_breaks, text, pos)
    return None if paragraph_break is not None and paragraph_break + 2 <= closer else closer + 1


def ref_keys(name: str, argument: str) -> list[str]:
    """Cross-reference keys of `\\ref{argument}` (`\\cref{a,b}` names several): as bookdown's `\\@ref`, a label
    with a kind (`fig:growth`) as it is, any other label as a section's heading id (`sec:<label>`), which also
    finds a figure or table labelled `\\label{<label>}`."""
    return [bookdown_key(label.strip()) for label in argument.split(",") if label.strip()] if name in REF_COMMANDS \
        else []


def tex_refs(text: str) -> list[tuple[int, str]]:
    """(offset, key) of every LaTeX cross-reference in Markdown prose (for `litreview check` and message lines)."""
    if "ref" not in text:
        return []
    return [(m.start(), key) for m in TEX_REF.finditer(text) for key in ref_keys(m.group(1), m.group(2))]


_IMAGE_LABEL = re.compile(r"!\[[^\]\n]*\\label\{([^{}\n]+)\}")
_HEADING_LABEL = re.compile(r"^ {0,3}#{1,6}[ \t].*?\\label\{([^{}\n]+)\}", re.M)
_CAPTION_LABEL = re.compile(r"^(?:Table|Figure)?:[ \t].*?\\label\{([^{}\n]+)\}", re.M)


def figure_label(label: str) -> str:
    """The id of an image labelled `\\label{label}`: a figure's, so that it is numbered (`fig:<label>`)."""
    return label if xref_kind(label) == "Figure" else f"fig:{label}"


def tex_label_targets(text: str) -> set[str]:
    """Cross-reference targets that `\\label{x}` makes in Markdown prose (for `litreview check`, which reads no
    HTML): an image's figure id, a heading's id (as `sec:x` too), a caption paragraph's id if it names a kind."""
    if "\\label{" not in text:
        return set()
    found = {figure_label(m.group(1).strip()) for m in _IMAGE_LABEL.finditer(text)}
    for m in _HEADING_LABEL.finditer(text):
        found |= {m.group(1).strip(), f"sec:{m.group(1).strip()}"}
    found |= {m.group(1).strip() for m in _CAPTION_LABEL.finditer(text) if xref_kind(m.group(1).strip())}
    return found
