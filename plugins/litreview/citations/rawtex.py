"""Raw LaTeX in Markdown, read as pandoc's `raw_tex` extension reads it: where a command ends, what is math.

pandoc reads a backslash followed by letters as a TeX command (`getRawCommand` of its LaTeX reader): an optional
`*`, then options in brackets and arguments in braces, each after optional spaces or one line break; font-size
commands (`\\footnotesize`) take none, and a final `{}` is part of the command. Its HTML writer drops the command.
Math (`$...$`, `$$...$$`, `\\(...\\)`, `\\[...\\]`, math environments) is kept for MathJax.
"""
from __future__ import annotations

import re
from bisect import bisect_right

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
_CITATION = re.compile(r"[^\]\n]*-?@")  # `[see @key]` after a command is a citation, never its option
_BLANK = re.compile(r"[ \t]*\n")
LABEL = re.compile(r"\\label\{([^{}\n]+)\}")
TEX_REF = re.compile(r"(?<!\\)\\(" + "|".join(REF_COMMANDS) + r")\*?\{([^{}\n]+)\}")


def _group_end(text: str, pos: int, open_: str, close: str) -> int | None:
    """The index after the `close` that balances the `open_` at `pos` (TeX escapes skipped), or None."""
    depth = 0
    i = pos
    while i < len(text):
        ch = text[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "\n" and _BLANK.match(text, i + 1):
            return None  # a blank line ends a paragraph, and with it any argument
        if ch == open_:
            depth += 1
        elif ch == close:
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return None


def command_end(text: str, pos: int) -> tuple[str, int]:
    """`text[pos]` is a backslash followed by a letter: the command's name and the index after its arguments."""
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
                if text[at:at + 1] != bracket or (bracket == "[" and _CITATION.match(text, at + 1)):
                    break
                close = _group_end(text, at, bracket, "]" if bracket == "[" else "}")
                if close is None:
                    break
                end = close
    while text.startswith("{}", end):
        end += 2
    return name, end


_CLOSING_DOLLAR = re.compile(r"(?<![\s\\])\$(?!\d)")


def dollar_closers(text: str) -> list[int]:
    """Offsets of every `$` that may close pandoc's inline math: not after a space or a backslash, not before a
    digit. Found once per text, so that many `$` (prices) cost one pass, not one pass each."""
    return [m.start() for m in _CLOSING_DOLLAR.finditer(text)] if "$" in text else []


def dollar_math_end(text: str, pos: int, closers: list[int]) -> int | None:
    """`text[pos] == "$"`: the index after pandoc's `$...$` or `$$...$$` that starts there, or None (a price).
    `closers` is `dollar_closers(text)`."""
    if text.startswith("$$", pos):
        close = text.find("$$", pos + 2)
        return close + 2 if close > pos + 2 else None
    if pos + 1 >= len(text) or text[pos + 1].isspace():
        return None
    at = bisect_right(closers, pos + 1)
    if at == len(closers) or "\n\n" in text[pos:closers[at]]:
        return None
    return closers[at] + 1


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
