"""Python-Markdown extension: citations and data values become placeholder elements; nothing is resolved here."""
from __future__ import annotations

import html
import re
import xml.etree.ElementTree as etree
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

from markdown import Markdown, util
from markdown.extensions import Extension
from markdown.inlinepatterns import InlineProcessor
from markdown.treeprocessors import Treeprocessor

from .syntax import Citation, parse_bracketed_at, parse_narrative_at
from .values import FORCE_ATTR, FORCE_FLAGS, PLACEHOLDER_TAG, settle_value_citations

_PLACEHOLDER_RE = re.compile(r'<lr-cite data-cite="([^"]*)"></lr-cite>')


def placeholder(citation: Citation) -> str:
    """The HTML placeholder of a citation, identical to what the Markdown extension writes."""
    return f'<{PLACEHOLDER_TAG} data-cite="{html.escape(citation.to_json(), quote=True)}"></{PLACEHOLDER_TAG}>'


@lru_cache(maxsize=16384)
def _citation_of(attribute: str) -> Citation:
    # Every "&" in a serialized attribute starts an entity, so "&quot;" can be replaced on its own; html.unescape
    # (slow: a regex callback per entity) is needed only when some other entity is left.
    text = attribute.replace("&quot;", '"')
    return Citation.from_json(html.unescape(text) if "&" in text else text)


def iter_placeholders(page_html: str) -> list[tuple[re.Match[str], Citation]]:
    """Placeholders in document order, with the citation each one stands for."""
    return [(m, _citation_of(m.group(1))) for m in _PLACEHOLDER_RE.finditer(page_html)]


def _element(citation: Citation) -> etree.Element:
    el = etree.Element(PLACEHOLDER_TAG)
    el.set("data-cite", citation.to_json())
    return el


_ESCAPED_CHAR = re.compile("\x02([0-9]+)\x03")
_TAG = re.compile(r"<[^>]*>")


def _readable(processor: InlineProcessor, text: str) -> str:
    """A prefix or locator as plain text. Earlier inline patterns have already replaced code spans, inline HTML
    and backslash escapes with placeholders, which must not reach the page; character references become
    characters, as everywhere else in Markdown text (the fixer escapes the result)."""
    if util.STX in text:
        text = processor.unescape(text)  # code spans and other stashed nodes: their text

        def raw_html(m: re.Match[str]) -> str:
            blocks = processor.md.htmlStash.rawHtmlBlocks
            index = int(m.group(1))
            block = blocks[index] if index < len(blocks) else ""
            return _TAG.sub("", block) if isinstance(block, str) else "".join(block.itertext())

        text = util.HTML_PLACEHOLDER_RE.sub(raw_html, text)
        text = _ESCAPED_CHAR.sub(lambda m: chr(int(m.group(1))), text)
        text = text.replace(util.STX, "").replace(util.ETX, "")
    return html.unescape(text) if "&" in text else text


def _readable_citation(processor: InlineProcessor, citation: Citation) -> Citation:
    items = tuple(replace(i, prefix=_readable(processor, i.prefix), suffix=_readable(processor, i.suffix))
                  for i in citation.items)
    return replace(citation, items=items)


@dataclass(frozen=True)
class ValueLookup:
    """What the inline value syntax `{{set.row.column}}` resolves to: display text and its citation."""

    text: str
    citation: Citation | None


ValueResolver = Callable[[str, str, str], "ValueLookup | str"]


class _BracketProcessor(InlineProcessor):
    def handleMatch(self, m: re.Match[str], data: str) -> tuple[Any, Any, Any]:  # noqa: N802 (Markdown API)
        got = parse_bracketed_at(data, m.start(0))
        if got is None:
            return None, None, None
        citation, end = got
        return _element(_readable_citation(self, citation)), m.start(0), end


class _NarrativeProcessor(InlineProcessor):
    ANCESTOR_EXCLUDES = ("a",)  # "@key" as link text stays text; bracketed citations there still count
    def handleMatch(self, m: re.Match[str], data: str) -> tuple[Any, Any, Any]:  # noqa: N802
        got = parse_narrative_at(data, m.start(0))
        if got is None:
            return None, None, None
        citation, end = got
        return _element(_readable_citation(self, citation)), m.start(0), end


class _ValueProcessor(InlineProcessor):
    def __init__(self, pattern: str, ext: CitationExtension) -> None:
        super().__init__(pattern)
        self.ext = ext

    def handleMatch(self, m: re.Match[str], data: str) -> tuple[Any, Any, Any]:  # noqa: N802
        resolver = self.ext.value_resolver
        flag = m.group(4)
        result: ValueLookup | str = (
            resolver(m.group(1), m.group(2), m.group(3)) if resolver else "no evidence data is loaded"
        )
        if flag is not None and flag not in FORCE_FLAGS:
            result = f"unknown option '{flag}'; use | cite or | nocite"
        span = etree.Element("span")
        if isinstance(result, str):
            self.ext.value_errors.append((m.group(0), result))
            span.set("class", "lr-missing")
            span.text = f"[{m.group(0)}?]"
            return span, m.start(0), m.end(0)
        span.set("class", "lr-value")
        span.set(FORCE_ATTR, flag or "auto")  # read and removed by _ValueCitations once the sentence is known
        span.text = result.text
        if result.citation is not None:
            span.text += "\u00a0"
            span.append(_element(result.citation))
        return span, m.start(0), m.end(0)


def _detach(parent: etree.Element, el: etree.Element) -> None:
    """Remove `el` from `parent`, keeping the text that followed it."""
    index = list(parent).index(el)
    tail = el.tail or ""
    if index == 0:
        parent.text = (parent.text or "") + tail
    else:
        previous = parent[index - 1]
        previous.tail = (previous.tail or "") + tail
    parent.remove(el)
    el.tail = None


class _UnnestFromLinks(Treeprocessor):
    """Move citations out of `<a>` so a citation inside link text never nests links."""

    def run(self, root: etree.Element) -> None:
        links = [link for link in root.iter("a") if next(link.iter(PLACEHOLDER_TAG), None) is not None]
        if not links:
            return  # the common case: no citation inside link text, nothing to map
        outer = {child: parent for parent in root.iter() for child in parent}
        for link in links:
            inner = {child: parent for parent in link.iter() for child in parent}
            cites = [el for el in link.iter(PLACEHOLDER_TAG)]
            if not cites or link not in outer:
                continue
            for cite in cites:
                _detach(inner[cite], cite)
            parent = outer[link]
            position = list(parent).index(link)
            for offset, cite in enumerate(cites, start=1):
                parent.insert(position + offset, cite)
            cites[-1].tail, link.tail = link.tail, None


class _ValueCitations(Treeprocessor):
    """After inline parsing: drop a value's citation where its sentence already cites that source."""

    def run(self, root: etree.Element) -> None:
        if next((el for el in root.iter("span") if el.get(FORCE_ATTR) is not None), None) is not None:
            settle_value_citations(root)


class CitationExtension(Extension):
    """Registers the citation and value syntax. `value_resolver` answers `{{set.row.column}}`."""

    def __init__(self, value_resolver: ValueResolver | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.value_resolver = value_resolver
        self.value_errors: list[tuple[str, str]] = []

    def extendMarkdown(self, md: Markdown) -> None:  # noqa: N802
        if "@" not in md.ESCAPED_CHARS:
            md.ESCAPED_CHARS.append("@")
        # After code spans, escapes, links, autolinks and inline HTML (90), so none of them is read as a citation.
        # `{{set.row.column}}`, optionally `{{set.row.column | cite}}` or `| nocite` to force the citation.
        md.inlinePatterns.register(_ValueProcessor(
            r"\{\{\s*([\w-]+)\.([\w-]+)\.([\w-]+)\s*(?:\|\s*([\w-]*)\s*)?\}\}", self), "lr-value", 87)
        md.inlinePatterns.register(_BracketProcessor(r"\[", md), "lr-cite-bracket", 86)
        md.inlinePatterns.register(_NarrativeProcessor(r"@", md), "lr-cite-narrative", 85)
        md.treeprocessors.register(_UnnestFromLinks(md), "lr-unnest", 5)
        md.treeprocessors.register(_ValueCitations(md), "lr-value-citations", 4)


def makeExtension(**kwargs: Any) -> CitationExtension:  # noqa: N802 (Markdown entry point)
    return CitationExtension(**kwargs)
