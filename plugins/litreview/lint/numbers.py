"""Heuristic check: a sentence that states a number carries a citation or an inline value `{{set.row.col}}`."""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

from ..citations.syntax import find_citations
from ..markdown_text import MarkdownPage
from .data import VALUE_RE
from .findings import Finding

# Whole lines that are not sentences: headings, admonition and tab titles, link definitions, table rules.
_SKIP_LINE = re.compile(
    r"^(?: {0,3}#{1,6}(?:[ \t].*)?| *(?:!!!|\?\?\?\+?|===).*| {0,3}\[[^\]^][^\]]*\]:.*"
    r"|[ \t]*\|?[ \t]*:?-{3,}:?[ \t]*(?:\|[ \t]*:?-*:?[ \t]*)*\|?[ \t]*)$")
_SETEXT = re.compile(r"^ {0,3}(?:=+|-+)[ \t]*$")
_BLOCK_START = re.compile(r"^[ \t]*(?:[-*+][ \t]|\d{1,9}[.)][ \t]|\||>)")
# Markup whose digits are not prose: list numbers, footnote marks, link targets, URLs, tags, attribute lists.
_NOISE = (
    re.compile(r"^[ \t>]*(?:[-*+]|\d{1,9}[.)])(?=[ \t])", re.MULTILINE),
    re.compile(r"\[\^[^\]\s]+\]:?"),
    re.compile(r"\]\(\s*<?[^)\s>]*>?(?:\s+(?:\"[^\"]*\"|'[^']*'|\([^)]*\)))?\s*\)"),
    re.compile(r"\]\[[^\]\n]*\]"),
    re.compile(r"(?:https?|ftp)://[^\s<>)\]]+|www\.[^\s<>)\]]+"),
    re.compile(r"</?[A-Za-z][^>\n]*>"),
    re.compile(r"\{\s*[:#.][^}\n]*\}"),
    re.compile(r"&#?\w+;"),
    re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+"),
)
_BOUNDARY = re.compile(r"[.!?][\"')\]\u201d\u2019]*\s+(?=[\"(\[\u201c\u2018]?[A-Z0-9])")
_ABBREVIATIONS = frozenset({
    "al", "e.g", "i.e", "vs", "approx", "ca", "cf", "fig", "figs", "ref", "refs", "no", "dr", "prof", "st", "etc",
    "eq", "vol", "pp", "p", "resp", "incl", "mr", "ms"})
_DIGIT = re.compile(r"\d")
_REASON = re.compile(r"\s+#\s")


@dataclass(frozen=True)
class AllowList:
    """Regular expressions whose matches are not findings: one a line, `regex  # why`; `#` lines are comments."""

    patterns: tuple[re.Pattern[str], ...] = ()
    path: str = ""

    def strip(self, text: str) -> str:
        for pattern in self.patterns:
            text = pattern.sub(lambda m: " " * len(m.group(0)), text)
        return text


def load_allowlist(path: Path | None, rel: str) -> tuple[AllowList, list[Finding]]:
    if path is None:
        return AllowList(), []
    if not path.is_file():
        return AllowList(), [Finding(rel, None, "error", "allowlist", "the number allow-list named by "
                                     "check.number_allowlist does not exist; create it or remove the option")]
    patterns, findings = [], []
    for number, line in enumerate(path.read_text(encoding="utf-8-sig").splitlines(), start=1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        text = _REASON.split(text, maxsplit=1)[0]  # `regex  # why it is not a finding`
        try:
            patterns.append(re.compile(text))
        except re.error as exc:
            findings.append(Finding(rel, number, "error", "allowlist", f"invalid regular expression: {exc}"))
    return AllowList(tuple(patterns), rel), findings


def _blank(chars: list[str], start: int, end: int) -> None:
    for i in range(start, end):
        if chars[i] != "\n":
            chars[i] = " "


def _neutral(prose: str, cite_spans: Sequence[tuple[int, int]]) -> tuple[str, list[int]]:
    """The prose with citations, values and markup blanked, and where blocks (paragraphs, list items, table
    cells) start."""
    chars = list(prose)
    for start, end in cite_spans:
        _blank(chars, start, end)
    for pattern in _NOISE:
        for m in pattern.finditer(prose):
            _blank(chars, m.start(), m.end())
    lines = prose.split("\n")
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line) + 1)
    block_starts = []
    previous_blank = True
    for i, line in enumerate(lines):
        start, end = offsets[i], offsets[i] + len(line)
        following = lines[i + 1] if i + 1 < len(lines) else ""
        is_table_head = line.lstrip().startswith("|") and _SKIP_LINE.match(following) and "-" in following
        if _SKIP_LINE.match(line) or is_table_head:
            _blank(chars, start, end)
        elif line.strip() and _SETEXT.match(following):
            _blank(chars, start, end)  # the text of a setext heading
        if not "".join(chars[start:end]).strip():
            previous_blank = True
            continue
        if line.lstrip().startswith("|"):  # a table row: each cell is read on its own
            pipes = [start + j for j, ch in enumerate(line) if ch == "|" and (j == 0 or line[j - 1] != "\\")]
            for pipe in pipes:
                chars[pipe] = " "
            block_starts += [start] + [pipe + 1 for pipe in pipes]
        elif previous_blank or _BLOCK_START.match(line):
            block_starts.append(start)
        previous_blank = False
    return "".join(chars), block_starts


def _sentences(text: str, start: int, end: int) -> list[tuple[int, int]]:
    spans = []
    begin = start
    for m in _BOUNDARY.finditer(text, start, end):
        word = re.search(r"([A-Za-z.]+)$", text[begin : m.start()])
        if word and (word.group(1).lower().rstrip(".") in _ABBREVIATIONS or re.fullmatch(r"[A-Z]", word.group(1))):
            continue
        spans.append((begin, m.start() + 1))
        begin = m.end()
    spans.append((begin, end))
    return spans


def _excerpt(text: str, limit: int = 90) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"


def uncited_numbers(page: MarkdownPage, allow: AllowList) -> list[Finding]:
    prose = page.prose
    cites = [(s, e) for s, e, _ in find_citations(prose)] + [m.span() for m in VALUE_RE.finditer(prose)]
    neutral, block_starts = _neutral(prose, cites)
    findings = []
    for block_start, next_start in pairwise([*block_starts, len(neutral)]):
        block_end = next_start
        while block_end > block_start and (prose[block_end - 1].isspace() or prose[block_end - 1] == "|"):
            block_end -= 1
        for s_start, s_end in _sentences(neutral, block_start, block_end):
            if any(c_start < s_end and c_end > s_start for c_start, c_end in cites):
                continue
            checked = allow.strip(neutral[s_start:s_end].replace("\n", " "))
            digit = _DIGIT.search(checked)
            if digit is None:
                continue
            findings.append(Finding(
                page.path, page.line(s_start + digit.start()), "warning", "uncited-number",
                f"number without a citation: \"{_excerpt(neutral[s_start:s_end])}\"; cite its source, use an inline "
                f"value {{{{set.row.column}}}}, or add a pattern to "
                f"{allow.path or 'a file named by check.number_allowlist'}"))
    return findings
