"""Markdown source with code (and optionally HTML comments) blanked out, same length, so offsets and lines hold."""
from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from functools import cached_property

_FENCE = re.compile(r"^[ \t]*(`{3,}|~{3,})(.*)$")
# Lines that open a container whose indented body is Markdown, not code: list items, admonitions and
# collapsible blocks, content tabs, footnote definitions.
_CONTAINER = re.compile(r"^ {0,3}(?:[-*+][ \t]|\d{1,9}[.)][ \t]|!!!|\?\?\?\+?|===|\[\^[^\]]+\]:)")
_BLANK_LINE = re.compile(r"\n[ \t]*\n")


def _blank(chars: list[str], start: int, end: int) -> None:
    for i in range(start, end):
        if chars[i] != "\n":
            chars[i] = " "


def _indent(line: str) -> int:
    expanded = line.expandtabs(4)
    return len(expanded) - len(expanded.lstrip(" "))


def mask_code_blocks(text: str) -> str:
    """Blank fenced code blocks (``` and ~~~, also inside lists and admonitions) and indented code blocks."""
    chars = list(text)
    lines = text.split("\n")
    starts = []
    offset = 0
    for line in lines:
        starts.append(offset)
        offset += len(line) + 1
    i = 0
    in_container = in_code = False
    previous_blank = True
    while i < len(lines):
        line = lines[i]
        fence = _FENCE.match(line)
        if fence and not (fence.group(1)[0] == "`" and "`" in fence.group(2)):
            marker = fence.group(1)
            closing = re.compile(rf"^[ \t]*{re.escape(marker[0])}{{{len(marker)},}}[ \t]*$")
            end = next((j for j in range(i + 1, len(lines)) if closing.match(lines[j])), None)
            if end is not None:  # Python-Markdown leaves an unclosed fence as text
                _blank(chars, starts[i], starts[end] + len(lines[end]))
                i = end + 1
                previous_blank, in_code = False, False
                continue
        if not line.strip():
            previous_blank = True
        elif _indent(line) >= 4:
            if in_code or (previous_blank and not in_container):
                in_code = True
                _blank(chars, starts[i], starts[i] + len(line))
            previous_blank = False
        else:
            in_code = False
            if _CONTAINER.match(line):
                in_container = True
            elif previous_blank:
                in_container = False
            previous_blank = False
        i += 1
    return "".join(chars)


def mask_inline(text: str, comments: bool) -> str:
    """Blank inline code spans and, if `comments`, HTML comments; whichever opens first wins, as in Markdown."""
    chars = list(text)
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == "\\":
            i += 2
            continue
        if comments and ch == "<" and text.startswith("<!--", i):
            end = text.find("-->", i + 4)
            end = n if end < 0 else end + 3
            _blank(chars, i, end)
            i = end
            continue
        if ch == "`":
            run = _run(text, i)
            closing = re.compile(rf"(?<!`)`{{{run}}}(?!`)").search(text, i + run)
            paragraph_end = _BLANK_LINE.search(text, i)
            limit = paragraph_end.start() if paragraph_end else n
            if closing and closing.end() <= limit:
                _blank(chars, i, closing.end())
                i = closing.end()
            else:
                i += run
            continue
        i += 1
    return "".join(chars)


_TAG_AT_LINE_START = re.compile(r"^ {0,3}<[A-Za-z]", re.MULTILINE)


def raw_html_spans(text: str, md_in_html: bool = False, pandoc: bool = False) -> list[tuple[int, int]]:
    """(start, end) of each raw HTML block in `text` (a page with its code blanked): Python-Markdown publishes such
    a block as it is, so citations, links and values inside it are text. Found by Python-Markdown's own block
    preprocessor, so `litreview check` reads the page as the build does; with `md_in_html`, a block marked
    `markdown="1"` is Markdown and not raw; with `pandoc` (the `pandoc_html_blocks` option), every block-level
    element is, as the build marks them."""
    if not _TAG_AT_LINE_START.search(text):
        return []
    from markdown import Markdown  # the host's parser: exactly its rules for where a raw block starts and ends

    md = Markdown(extensions=["md_in_html"] if md_in_html or pandoc else [])
    if pandoc:
        from .citations.html_blocks import mark_html_blocks

        md.preprocessors["html_block"].run(mark_html_blocks(text, md.block_level_elements).split("\n"))
    else:
        md.preprocessors["html_block"].run(text.split("\n"))
    spans, at = [], 0
    for block in md.htmlStash.rawHtmlBlocks:
        if not isinstance(block, str) or not block.strip():
            continue  # an element of md_in_html: its Markdown is parsed
        found = text.find(block.rstrip("\n"), at)
        if found >= 0:
            at = found + len(block.rstrip("\n"))
            spans.append((found, at))
    return spans


def mask_raw_html(text: str, md_in_html: bool = False, pandoc: bool = False) -> str:
    """`text` with its raw HTML blocks blanked (see `raw_html_spans`)."""
    spans = raw_html_spans(text, md_in_html, pandoc)
    if not spans:
        return text
    chars = list(text)
    for start, end in spans:
        _blank(chars, start, end)
    return "".join(chars)


UNCLOSED_COMMENT = ("'<!--' opens an HTML comment that is never closed, so the page shows the rest as text; "
                    "end it with '-->'")


def unclosed_comment(without_code: str) -> int | None:
    """Offset of a `<!--` that no `-->` follows (Markdown then publishes it, directive and all, as text)."""
    start = without_code.find("<!--")
    while start >= 0:
        end = without_code.find("-->", start + 4)
        if end < 0:
            return start
        start = without_code.find("<!--", end + 3)
    return None


def _run(text: str, i: int) -> int:
    j = i
    while j < len(text) and text[j] == "`":
        j += 1
    return j - i


@dataclass
class MarkdownPage:
    """One page's source and its masked views; `path` is relative to the project, `rel` to docs_dir."""

    path: str
    rel: str
    source: str
    md_in_html: bool = False  # the site reads Markdown inside `<div markdown="1">`
    pandoc_html_blocks: bool = False  # ... or inside every block-level element (the option of that name)

    @cached_property
    def without_code(self) -> str:
        """Code blanked; HTML comments (the placement directives) kept."""
        return mask_inline(mask_code_blocks(self.source), comments=False)

    @cached_property
    def prose(self) -> str:
        """Code, HTML comments and raw HTML blocks blanked: what Python-Markdown turns into text, links and
        citations."""
        masked = mask_raw_html(mask_code_blocks(self.source), self.md_in_html, self.pandoc_html_blocks)
        return mask_inline(masked, comments=True)

    @cached_property
    def _line_starts(self) -> list[int]:
        return [0] + [m.end() for m in re.finditer("\n", self.source)]

    def line(self, offset: int) -> int:
        """1-based line of an offset: a binary search, so many findings on one long page stay cheap."""
        return bisect_right(self._line_starts, offset)
