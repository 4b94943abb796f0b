"""Python-Markdown extension: citations and data values become placeholder elements; nothing is resolved here."""
from __future__ import annotations

import html
import re
import string
import xml.etree.ElementTree as etree
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

from markdown import Markdown, util
from markdown.blockprocessors import BlockProcessor
from markdown.extensions import Extension
from markdown.inlinepatterns import InlineProcessor
from markdown.preprocessors import Preprocessor
from markdown.treeprocessors import Treeprocessor

from . import html_blocks
from .captions import CAPTION_TAG, caption_paragraph, rewrite_chunks
from .divs import FencedDivs
from .markers import error_marker, take_value_errors
from .pandoc_tables import IndentedSimpleTables, PandocTables
from .rawtex import ScanCache
from .syntax import (
    BOOKDOWN_LABEL,
    BOOKDOWN_REF,
    Citation,
    CiteItem,
    Closing,
    bookdown_key,
    find_citations,
    parse_bracketed_at,
    parse_narrative_at,
    xref_kind,
)
from .tex_ext import TEX_SCAN, RawTex, TexCleanup, TexLabels
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


def _unescaped(text: str | None) -> str:
    """Text with Markdown's backslash-escape placeholders turned back into their characters."""
    return _ESCAPED_CHAR.sub(lambda e: chr(int(e.group(1))), text or "")

_TAG = re.compile(r"<[^>]*>")


def _readable(processor: InlineProcessor, text: str, drop: frozenset[str] = frozenset()) -> str:
    """A prefix or locator as plain text. Earlier inline patterns have already replaced code spans, inline HTML
    and backslash escapes with placeholders, which must not reach the page; character references become
    characters, as everywhere else in Markdown text (the fixer escapes the result). `drop`: stashed nodes that
    leave the text (footnote marks, which follow the citation instead)."""
    if util.STX in text:
        for token in drop:
            text = text.replace(util.INLINE_PLACEHOLDER % token, "")
        text = re.sub(r"\s{2,}", " ", text).strip() if drop else text
        text = processor.unescape(text)  # code spans and other stashed nodes: their text

        def raw_html(m: re.Match[str]) -> str:
            blocks = processor.md.htmlStash.rawHtmlBlocks
            index = int(m.group(1))
            block = blocks[index] if index < len(blocks) else ""
            return _TAG.sub("", block) if isinstance(block, str) else "".join(block.itertext())

        text = util.HTML_PLACEHOLDER_RE.sub(raw_html, text)
        text = _unescaped(text)
        text = text.replace(util.STX, "").replace(util.ETX, "")
    return html.unescape(text) if "&" in text else text


def _readable_citation(processor: InlineProcessor, citation: Citation,
                       drop: frozenset[str] = frozenset()) -> Citation:
    if not any(util.STX in i.prefix or util.STX in i.suffix or "&" in i.prefix or "&" in i.suffix
               for i in citation.items):
        return citation  # plain text already (the common case): nothing stashed, no character reference
    items = tuple(replace(i, prefix=_readable(processor, i.prefix, drop), suffix=_readable(processor, i.suffix, drop))
                  for i in citation.items)
    return replace(citation, items=items)


def _footnote_marks(processor: InlineProcessor, text: str) -> dict[str, etree.Element]:
    """Footnote references (`[^id]`, stashed by the footnotes extension) inside a citation's text, by token."""
    if util.STX not in text:
        return {}
    stash = processor.md.treeprocessors["inline"].stashed_nodes  # type: ignore[attr-defined]
    marks = {}
    for token in util.INLINE_PLACEHOLDER_RE.findall(text):
        node = stash.get(token)
        if isinstance(node, etree.Element) and node.tag == "sup" and \
                any("footnote-ref" in (a.get("class") or "") for a in node.iter("a")):
            marks[token] = node
    return marks


@dataclass(frozen=True)
class ValueLookup:
    """What the inline value syntax `{{set.row.column}}` resolves to: display text and its citation."""

    text: str
    citation: Citation | None


ValueResolver = Callable[[str, str, str], "ValueLookup | str"]


class _CitationProcessor(InlineProcessor):
    """`[@a; @b, p. 4]` (bracketed) or `@a [p. 4]` (narrative): the parser decides where a citation ends."""

    def __init__(self, pattern: str, md: Markdown, parse: Callable[[str, int, Closing], tuple[Citation, int] | None],
                 narrative: bool) -> None:
        super().__init__(pattern, md)
        self.parse = parse
        self.narrative = narrative
        self._scans = ScanCache()  # where each `[` closes, read once per paragraph: `[` * 4000 stays linear

    def handleMatch(self, m: re.Match[str], data: str) -> tuple[Any, Any, Any]:  # noqa: N802 (Markdown API)
        scans = self._scans

        def closing(text: str, at: int) -> int | None:
            return scans.get(text, at).closing_bracket(text, at)

        got = self.parse(data, m.start(0), closing)
        if got is None:
            return None, None, None
        citation, end = got
        # `[Frilling @key says](url)` cites (the citation is moved after the link); a link whose whole text is
        # `@name` is a handle (`[@octocat](https://github.com/octocat)`) and stays text.
        if self.narrative and data.strip() == data[m.start(0):end] and \
                "a" in getattr(self.md.treeprocessors["inline"], "ancestors", ()):
            return None, None, None
        # `[@key, p. 4 [^note]]`: pandoc keeps the footnote; its mark follows the citation (see _CitationNotes).
        marks = _footnote_marks(self, data[m.start(0):end])
        element = _element(_readable_citation(self, citation, frozenset(marks)))
        element.extend(marks.values())
        return element, m.start(0), end


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
        if isinstance(result, str):
            return error_marker(m.group(0), result), m.start(0), m.end(0)
        span = etree.Element("span")
        span.set("class", "lr-value")
        span.set(FORCE_ATTR, flag or "auto")  # read and removed by _ValueCitations once the sentence is known
        span.text = result.text
        if result.citation is not None:
            span.text += "\u00a0"
            span.append(_element(result.citation))
        return span, m.start(0), m.end(0)


# `{{surgery.frilling2014}}`: dotted like an inline value, but not three parts. Only reported when the first part
# names a data set, so `{{ config.site_name }}` of other tools stays theirs.
MALFORMED_VALUE_RE = re.compile(r"\{\{\s*([\w-]+(?:\.[\w-]+)+)\s*\}\}")


def malformed_value_message(parts: list[str]) -> str:
    example = ".".join([*parts, "<column>"][:3])
    return (f"an inline value names a data set, a row and a column, and this has {len(parts)} parts; write "
            f"{{{{{example}}}}}")


class _MalformedValueProcessor(InlineProcessor):
    def __init__(self, pattern: str, ext: CitationExtension) -> None:
        super().__init__(pattern)
        self.ext = ext

    def handleMatch(self, m: re.Match[str], data: str) -> tuple[Any, Any, Any]:  # noqa: N802
        parts = m.group(1).split(".")
        if len(parts) == 3 or self.ext.is_dataset is None or not self.ext.is_dataset(parts[0]):
            return None, None, None
        return error_marker(m.group(0), malformed_value_message(parts)), m.start(0), m.end(0)


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


class _CitationNotes(Treeprocessor):
    """Footnote marks written inside a citation (kept as children of its placeholder) follow it."""

    def run(self, root: etree.Element) -> None:
        for parent in list(root.iter()):
            for cite in [child for child in parent if child.tag == PLACEHOLDER_TAG and len(child)]:
                marks = list(cite)
                for mark in marks:
                    cite.remove(mark)
                position = list(parent).index(cite)
                for offset, mark in enumerate(marks, start=1):
                    parent.insert(position + offset, mark)
                marks[-1].tail, cite.tail = cite.tail, None


class _BookdownRef(InlineProcessor):
    """bookdown's `\\@ref(fig:growth)` (the number of a figure, table or equation) and `\\@ref(methods)` (a
    section by its heading id): a cross-reference written as bookdown writes it, shown as the number or the
    section's title."""

    def handleMatch(self, m: re.Match[str], data: str) -> tuple[Any, Any, Any]:  # noqa: N802 (Markdown API)
        return _element(Citation((CiteItem(bookdown_key(m.group(1)), suppress_author=True),))), m.start(0), m.end(0)


class _BookdownLabels(Treeprocessor):
    """bookdown's `![(\\#fig:growth) Growth](growth.png)`: the label becomes the image's id, so `\\@ref(fig:growth)`
    and `@fig:growth` find it, and leaves the alt text."""

    def run(self, root: etree.Element) -> None:
        for img in root.iter("img"):
            alt = img.get("alt") or ""
            if "(" + util.STX in alt:  # `\\#` is still an escape placeholder here
                alt = _unescaped(alt)
            m = BOOKDOWN_LABEL.search(alt) if "(#" in alt else None
            if m is None:
                continue
            img.set("alt", (alt[:m.start()] + alt[m.end():]).strip())
            if not img.get("id"):
                img.set("id", m.group(1))


def _caption_placeholder(parent: etree.Element, target: str) -> etree.Element:
    return etree.SubElement(parent, CAPTION_TAG, {"data-target": target})


class _Captions(Treeprocessor):
    """Figures and tables that cross-references name get captions numbered as their tools number them:
    an image with a figure id alone in its paragraph becomes a `<figure>` captioned by its alt text; a pandoc
    caption paragraph (`: Growth {#tbl-growth}`, `Table: (\\#tab:growth) Growth`) next to a table becomes its
    `<caption>`, and one next to no table (a code chunk's figure, which R would draw) a caption of its own.
    "Figure 1:" is a placeholder until the whole site is numbered (`captions.fill_captions`)."""

    def run(self, root: etree.Element) -> None:
        for parent in [el for el in root.iter() if el.tag != "figure" and any(c.tag == "p" for c in el)]:
            for child in [c for c in parent if c.tag == "p"]:
                if not self._figure(parent, child):
                    self._caption(parent, child)

    @staticmethod
    def _figure(parent: etree.Element, p: etree.Element) -> bool:
        img = p[0] if len(p) else None
        if img is None or img.tag != "img" or (p.text or "").strip() or xref_kind(img.get("id") or "") != "Figure":
            return False
        rest = list(p)[1:]
        if any(el.tag != PLACEHOLDER_TAG or (el.tail or "").strip() for el in rest) or (img.tail or "").strip():
            return False  # text beside the image: an inline image, not a figure
        figure = etree.Element("figure", {"id": img.attrib.pop("id")})
        for el in list(p):
            p.remove(el)
        figure.append(img)
        img.tail = None
        caption = etree.SubElement(figure, "figcaption")
        label = _caption_placeholder(caption, figure.get("id", ""))
        label.tail = img.get("alt") or ""
        for el in rest:  # citations of the caption (moved out of the alt text), after it
            el.tail = None
            caption[-1].tail = (caption[-1].tail or "").rstrip() + " "
            caption.append(el)
        figure.tail = p.tail
        parent.insert(list(parent).index(p), figure)
        parent.remove(p)
        return True

    @staticmethod
    def _caption(parent: etree.Element, p: etree.Element) -> None:
        head = _unescaped(p.text)
        if head[:1] not in (":", "T", "F") or util.STX in head:
            return
        last = p[-1] if len(p) else None
        found = caption_paragraph(head, p.get("id", ""), None if last is None else _unescaped(last.tail))
        if found is None:
            return
        siblings = list(parent)
        at = siblings.index(p)
        near = [siblings[i] for i in (at - 1, at + 1) if 0 <= i < len(siblings)]
        table = next((el for el in near if el.tag == "table" and el.find("caption") is None), None)
        if table is not None:  # pandoc's table caption, before or after its table
            holder = etree.Element("caption")
            table.insert(0, holder)
            numbered = bool(found.target) and table.get("id", found.target) == found.target
            if numbered:
                table.set("id", found.target)
        elif found.target and found.kind:  # a chunk's figure or table, which R would have made
            figure = etree.Element("figure", {"id": found.target, "class": "lr-chunk-output"})
            figure.tail = p.tail
            parent.insert(at, figure)
            holder = etree.SubElement(figure, "figcaption")
            numbered = True
        else:
            return
        if numbered:
            _caption_placeholder(holder, found.target).tail = found.text
        else:
            holder.text = found.text
        for el in list(p):
            holder.append(el)
        if last is not None and found.end is not None:
            last.tail = found.end
        parent.remove(p)


# pandoc's heading attributes: `# Preface {-}`, `{.unnumbered}`, `{#methods .unnumbered}`, `{- #notes}`.
_HEADING_ATTRS = re.compile(r"[ \t]*\{[ \t]*((?:(?:-|[#.][\w:.-]+|[\w-]+=(?:\"[^\"\n]*\"|[^\s}]+))[ \t]*)+)\}[ \t]*$")
_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")


class _HeadingAttributes(Treeprocessor):
    """pandoc's heading attributes are never shown as text: `{-}` (pandoc's short `.unnumbered`) becomes that
    class; without attr_list, the id and classes of `{#id .class}` are set here (attr_list sets them otherwise)."""

    def run(self, root: etree.Element) -> None:
        with_attr_list = "attr_list" in self.md.treeprocessors
        for heading in (el for el in root.iter() if el.tag in _HEADINGS):
            last = heading[-1] if len(heading) else None
            text = (last.tail if last is not None else heading.text) or ""
            m = _HEADING_ATTRS.search(text) if "}" in text else None
            if m is None or (with_attr_list and "-" not in m.group(1).split()):
                continue
            tokens = [".unnumbered" if t == "-" else t for t in m.group(1).split()]
            if with_attr_list:  # attr_list reads the block (key=value included) once `-` is a class it knows
                kept = text[:m.start()] + " {" + " ".join(tokens) + "}"
            else:
                kept = text[:m.start()].rstrip()
                ids = [t[1:] for t in tokens if t.startswith("#")]
                classes = [t[1:] for t in tokens if t.startswith(".")]
                if ids and not heading.get("id"):
                    heading.set("id", ids[-1])
                if classes:
                    heading.set("class", " ".join(filter(None, [heading.get("class", ""), *classes])))
            if last is not None:
                last.tail = kept
            else:
                heading.text = kept


class _Chunks(Preprocessor):
    """knitr and Quarto code chunks (```` ```{r growth, fig.cap="..."} ````) as pandoc shows them once R has run:
    plain code blocks, and a numbered caption where the figure or table would be (`captions.rewrite_chunks`)."""

    def run(self, lines: list[str]) -> list[str]:
        return rewrite_chunks(lines)


class _ImageCitations(Treeprocessor):
    """`![Survival curves [@doe2020]](km.png)`: pandoc cites from a caption; alt text is an attribute, which
    cannot hold a link, so the citation leaves the alt text and follows the image."""

    def run(self, root: etree.Element) -> None:
        for parent in list(root.iter()):
            for img in [child for child in parent if child.tag == "img" and "@" in (child.get("alt") or "")]:
                alt = img.get("alt") or ""
                found = find_citations(alt)
                if not found:
                    continue
                kept, at = [], 0
                for start, end, _ in found:
                    kept.append(alt[at:start])
                    at = end
                kept.append(alt[at:])
                img.set("alt", re.sub(r"\s+", " ", "".join(kept)).strip())
                position = list(parent).index(img)
                tail, img.tail = img.tail, None
                cites = [_element(citation) for _, _, citation in found]
                for offset, cite in enumerate(cites, start=1):
                    cite.tail = " " if offset < len(cites) else None
                    parent.insert(position + offset, cite)
                img.tail = " "
                cites[-1].tail = tail


# Where other tools put references: mkdocs-bibtex's `\bibliography` (this page's) and `\full_bibliography`
# (every entry), pandoc's and Quarto's `::: {#refs}` div (this page's, or on a page that cites nothing, the whole
# book's). Each becomes our own directive, so the page reads as its author meant.
_FOREIGN_MARKERS = {"\\bibliography": "<!-- references -->", "\\full_bibliography": "<!-- bibliography all -->"}
_REFS_OPEN = re.compile(r"^ {0,3}:{3,}[ \t]*\{[ \t]*#refs\b[^}\n]*\}[ \t]*$")
_DIV_CLOSE = re.compile(r"^ {0,3}:{3,}[ \t]*$")
REFS_DIV = '<div id="refs"></div>'


class _ForeignMarkers(BlockProcessor):
    def test(self, parent: etree.Element, block: str) -> bool:
        first = block.split("\n", 1)[0]
        return block.strip() in _FOREIGN_MARKERS or bool(_REFS_OPEN.match(first))

    def run(self, parent: etree.Element, blocks: list[str]) -> bool:
        block = blocks.pop(0)
        if block.strip() in _FOREIGN_MARKERS:
            marker = _FOREIGN_MARKERS[block.strip()]
        else:
            rest = [line for line in block.split("\n")[1:] if line.strip()]
            if not rest and blocks and _DIV_CLOSE.match(blocks[0].strip()):
                blocks.pop(0)  # `::: {#refs}`, a blank line, `:::`
            elif rest and not all(_DIV_CLOSE.match(line) for line in rest):
                blocks.insert(0, "\n".join(line for line in rest if not _DIV_CLOSE.match(line)))
            marker = REFS_DIV
        paragraph = etree.SubElement(parent, "p")
        paragraph.text = self.parser.md.htmlStash.store(marker)  # a block of raw HTML, as a comment would be
        return True


class _ValueCitations(Treeprocessor):
    """After inline parsing: drop a value's citation where its sentence already cites that source."""

    def run(self, root: etree.Element) -> None:
        if next((el for el in root.iter("span") if el.get(FORCE_ATTR) is not None), None) is not None:
            settle_value_citations(root)


PANDOC_ESCAPABLE = string.punctuation


class CitationExtension(Extension):
    """Registers the citation and value syntax. `value_resolver` answers `{{set.row.column}}`."""

    def __init__(self, value_resolver: ValueResolver | None = None,
                 is_dataset: Callable[[str], bool] | None = None, **kwargs: Any) -> None:
        self.config = {"pandoc_html_blocks": [False, "Read Markdown inside block-level HTML elements, as pandoc and "
                                                     "Quarto do (Python-Markdown leaves such a block as it is)."]}
        super().__init__(**kwargs)
        self.value_resolver = value_resolver
        self.is_dataset = is_dataset

    def extendMarkdown(self, md: Markdown) -> None:  # noqa: N802
        # pandoc lets a backslash escape any ASCII punctuation (`\%`, `\&`, `\@`...); Python-Markdown only some.
        for char in PANDOC_ESCAPABLE:
            if char not in md.ESCAPED_CHARS:
                md.ESCAPED_CHARS.append(char)
        # After code spans, escapes, links, autolinks and inline HTML (90), so none of them is read as a citation.
        # `{{set.row.column}}`, optionally `{{set.row.column | cite}}` or `| nocite` to force the citation.
        md.inlinePatterns.register(_ValueProcessor(
            r"\{\{\s*([\w-]+)\.([\w-]+)\.([\w-]+)\s*(?:\|\s*([\w-]*)\s*)?\}\}", self), "lr-value", 87)
        md.inlinePatterns.register(_MalformedValueProcessor(MALFORMED_VALUE_RE.pattern, self), "lr-value-malformed",
                                   86.5)
        # before the backslash escape (180), which would turn `\@` into a plain `@`
        md.inlinePatterns.register(_BookdownRef(BOOKDOWN_REF.pattern, md), "lr-bookdown-ref", 185)
        # raw LaTeX as pandoc reads it: after code spans (190) and `\@ref` (185), before backslash escapes (180)
        md.inlinePatterns.register(RawTex(TEX_SCAN), "lr-raw-tex", 184)
        md.inlinePatterns.register(_CitationProcessor(r"\[", md, parse_bracketed_at, False), "lr-cite-bracket", 86)
        md.inlinePatterns.register(_CitationProcessor(r"@", md, parse_narrative_at, True), "lr-cite-narrative", 85)
        md.treeprocessors.register(_CitationNotes(md), "lr-cite-notes", 6)
        md.treeprocessors.register(_BookdownLabels(md), "lr-bookdown-labels", 7)
        md.treeprocessors.register(_UnnestFromLinks(md), "lr-unnest", 5)
        md.treeprocessors.register(_ValueCitations(md), "lr-value-citations", 4)
        md.treeprocessors.register(_ImageCitations(md), "lr-image-citations", 3)
        md.treeprocessors.register(_Captions(md), "lr-captions", 2)
        md.treeprocessors.register(TexCleanup(md), "lr-tex-cleanup", 11)  # after inline (20), before headings
        md.treeprocessors.register(TexLabels(md), "lr-tex-labels", 10)
        md.treeprocessors.register(_HeadingAttributes(md), "lr-heading-attributes", 9)  # before attr_list (8)
        md.preprocessors.register(_Chunks(md), "lr-chunks", 27)  # before fenced code blocks (25)
        md.parser.blockprocessors.register(_ForeignMarkers(md.parser), "lr-foreign-markers", 12)
        # pandoc's `::: {.class}` divs: before headings (70) and lists split a div's blocks, after indented code (80)
        md.parser.blockprocessors.register(FencedDivs(md.parser), "lr-fenced-divs", 75)
        # pandoc's grid, multiline and simple tables: after indented code (80), before rules (50) and setext
        # headings (60); a simple table whose header stands four spaces in, before indented code
        md.parser.blockprocessors.register(PandocTables(md.parser), "lr-pandoc-tables", 76)
        md.parser.blockprocessors.register(IndentedSimpleTables(md.parser), "lr-pandoc-simple-tables", 81)
        if self.getConfig("pandoc_html_blocks"):
            html_blocks.register(md)


def makeExtension(**kwargs: Any) -> CitationExtension:  # noqa: N802 (Markdown entry point)
    return CitationExtension(**kwargs)


__all__ = ["error_marker", "take_value_errors"]  # also where the hosts and tables take them from
