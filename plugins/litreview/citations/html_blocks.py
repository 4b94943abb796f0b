"""pandoc's `markdown_in_html_blocks`: Markdown between a block-level element's tags is read as Markdown.

Python-Markdown publishes a raw HTML block as it is written; pandoc and Quarto read what a `<div>` or `<details>`
holds as Markdown. With the `pandoc_html_blocks` option, every block-level opening tag that starts a line gets
`markdown="1"`, which Python-Markdown's own `md_in_html` extension reads (and takes out again). Elements whose
content is never Markdown (`<pre>`, `<script>`, `<style>`, `<textarea>`...), HTML comments and elements that set
their own `markdown` attribute are left as written, everything inside them included.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from markdown import Markdown
from markdown.preprocessors import Preprocessor

# What md_in_html never parses (its raw tags) and the empty tags, which hold nothing.
RAW_TAGS = frozenset({"canvas", "math", "option", "pre", "script", "style", "textarea"})
_EMPTY_TAGS = frozenset({"hr"})
# A comment anywhere (Python's HTML parser, which Python-Markdown uses, reads one wherever it starts), or an opening
# tag at the start of a line (up to three spaces in, as Python-Markdown starts a raw block). `[^<>]*` stops at the
# next tag, so a tag that is never closed costs one line, not the rest of the page.
_TOKEN = re.compile(r"<!--|^ {0,3}<(?P<tag>[A-Za-z][A-Za-z0-9-]*)(?P<attrs>(?:[\s/][^<>]*)?)>", re.M)
_MARKDOWN_ATTR = re.compile(r"""(?:^|\s)markdown(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?(?=\s|/|$)""", re.I)


def _element_end(text: str, name: str, start: int) -> int:
    """Where the element `name` whose opening tag ends at `start` closes (after its closing tag), counting
    nested elements of the same name; the end of the text if it never closes."""
    depth = 1
    for m in _tag_of(name).finditer(text, start):
        depth += -1 if m.group(1) else 1
        if depth == 0:
            return m.end()
    return len(text)


@lru_cache(maxsize=64)
def _tag_of(name: str) -> re.Pattern[str]:
    return re.compile(rf"<(/?){re.escape(name)}(?=[\s/>])[^<>]*>", re.I)


def mark_html_blocks(text: str, block_tags: Iterable[str]) -> str:
    """`text` with `markdown="1"` added to each block-level opening tag that starts a line and is not inside a
    comment, a raw element (`<pre>`...) or an element with its own `markdown` attribute."""
    if "<" not in text:
        return text
    blocks = {t.lower() for t in block_tags} - _EMPTY_TAGS
    out: list[str] = []
    copied = pos = 0
    comments_close = True
    while True:
        m = _TOKEN.search(text, pos)
        if m is None:
            break
        if m.group(0) == "<!--":
            end = text.find("-->", m.end()) if comments_close else -1
            comments_close = end >= 0  # none later either: each `<!--` of a hostile page is not read to its end
            pos = m.end() if end < 0 else end + 3  # an unclosed `<!--` is text, as Python-Markdown shows it
            continue
        name, attrs = m.group("tag").lower(), m.group("attrs")
        if name in RAW_TAGS:
            pos = _element_end(text, name, m.end())
            continue
        if name not in blocks or attrs.rstrip().endswith("/"):
            pos = m.end()
            continue
        own = _MARKDOWN_ATTR.search(attrs)
        if own is not None:
            value = next((v for v in own.groups() if v is not None), "1")
            pos = _element_end(text, name, m.end()) if value.strip().lower() in ("0", "off") else m.end()
            continue
        out += [text[copied:m.start("attrs")], ' markdown="1"']
        copied, pos = m.start("attrs"), m.end()
    return "".join(out) + text[copied:] if out else text


class PandocHtmlBlocks(Preprocessor):
    """Runs after fenced code is stashed (25) and before Python-Markdown finds raw HTML blocks (20)."""

    def run(self, lines: list[str]) -> list[str]:
        text = "\n".join(lines)
        marked = mark_html_blocks(text, self.md.block_level_elements)
        return marked.split("\n") if marked is not text else lines


def register(md: Markdown) -> None:
    """Read Markdown inside block-level HTML elements, as pandoc does: md_in_html (if the site does not load it
    already) and the preprocessor that marks the elements for it."""
    if "markdown_block" not in md.parser.blockprocessors:  # md_in_html's
        md.registerExtensions(["md_in_html"], {})
    md.preprocessors.register(PandocHtmlBlocks(md), "lr-pandoc-html-blocks", 22)
