"""The pure fixer: placeholders -> numbered, linked citations with tooltips; reference lists; bibliography."""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from html import escape, unescape
from string import ascii_lowercase
from typing import Any, Protocol

from .markdown_ext import iter_placeholders
from .numbering import compress
from .syntax import Citation, CiteItem, xref_kind

REFERENCES_MARKER = re.compile(r"<!--\s*references\s*-->")
BIBLIOGRAPHY_MARKER = re.compile(r"<!--\s*bibliography(\s+all)?\s*-->")
# pandoc's place for references, as raw HTML or as the `::: {#refs}` div the Markdown extension turns into it.
REFS_MARKER = re.compile(r'<div id="refs"(?: class="[^"<>]*")?>\s*</div>')


@dataclass(frozen=True)
class CiteContext:
    """Everything the fixer needs, as plain data: numbers, formatted entries (HTML), labels."""

    numbers: Mapping[str, int]
    formatted: Mapping[str, str]
    names: Mapping[str, str]
    years: Mapping[str, str]
    style: str = "numeric"  # or "author-year"
    anchor_prefix: str = "ref-"
    files_prefix: str | None = None  # page-relative path of the export folder; None: no download links
    file_stems: Mapping[str, str] = field(default_factory=dict)  # key -> file name stem of its .bib/.ris
    # Cross-references (`@fig-growth`, `@sec:methods`) of this page: key -> (href from this page, label, the kind of
    # its target: "Figure" for `\\ref{x}` of a figure labelled x).
    xrefs: Mapping[str, tuple[str, str, str]] = field(default_factory=dict)


@dataclass
class FixResult:
    html: str
    unresolved: list[str] = field(default_factory=list)
    unresolved_xrefs: list[str] = field(default_factory=list)  # cross-reference keys without a target
    backrefs: dict[str, list[str]] = field(default_factory=dict)
    search_html: str = ""  # the same page with citations as plain text, for the search indexer


_TAGS = re.compile(r"<[^>]+>")


def strip_tags(html: str) -> str:
    """Text of our own markup (entities stay escaped): what a search index needs of a citation or entry."""
    return _TAGS.sub("", html)


def _link(key: str, text: str, ctx: CiteContext, tip_id: str) -> str:
    return (f'<a class="lr-cite-link" href="#{escape(ctx.anchor_prefix + key, quote=True)}" '
            f'aria-describedby="{tip_id}">{text}</a>')


def _numeric_body(items: Sequence[CiteItem], ctx: CiteContext, tip_id: str) -> str:
    by_number = {ctx.numbers[i.key]: i.key for i in items}
    if all(not i.prefix and not i.suffix for i in items):
        parts = []
        for start, end in compress(by_number):
            first = _link(by_number[start], str(start), ctx, tip_id)
            parts.append(first if start == end else f"{first}\u2013{_link(by_number[end], str(end), ctx, tip_id)}")
        return ", ".join(parts)
    pieces = []
    for item in items:
        text = _link(item.key, str(ctx.numbers[item.key]), ctx, tip_id)
        if item.prefix:
            text = f"{escape(item.prefix)} {text}"
        if item.suffix:
            text = f"{text}, {escape(item.suffix)}"
        pieces.append(text)
    return "; ".join(pieces)


def _author_year_body(items: Sequence[CiteItem], ctx: CiteContext, tip_id: str) -> str:
    pieces = []
    for item in items:
        year = escape(ctx.years.get(item.key, "") or "n.d.")
        label = year if item.suppress_author else f"{escape(ctx.names[item.key])}, {year}"
        text = _link(item.key, label, ctx, tip_id)
        if item.prefix:
            text = f"{escape(item.prefix)} {text}"
        if item.suffix:
            text = f"{text}, {escape(item.suffix)}"
        pieces.append(text)
    return "; ".join(pieces)


def _described_by(keys: Sequence[str], ctx: CiteContext) -> str:
    """The ids of the cited entries' text in the page's reference list: what screen readers announce, and
    what litreview.js copies into the preview shown on hover and focus (one copy per page, not per citation)."""
    return " ".join(f"ref-text-{n}" for n in sorted({ctx.numbers[k] for k in keys}))


def _xref(item: CiteItem, ctx: CiteContext) -> str:
    """A cross-reference as its tools write it: "Figure 2" (just "2" after `-@`), linked to its target."""
    href, label, kind = ctx.xrefs[item.key]
    text = label if item.suppress_author else f"{kind}\u00a0{label}"
    html = f'<a class="lr-xref" href="{escape(href, quote=True)}">{escape(text)}</a>'
    if item.prefix:
        html = f"{escape(item.prefix)} {html}"
    return f"{html}, {escape(item.suffix)}" if item.suffix else html


def render_citation(citation: Citation, ctx: CiteContext, anchor: str) -> tuple[str, list[str]]:
    """HTML for one citation and the keys in it that are neither in the bibliography nor cross-references."""
    known = [i for i in citation.items if i.key in ctx.numbers]
    xrefs = [i for i in citation.items if i.key not in ctx.numbers and i.key in ctx.xrefs]
    missing = [i.key for i in citation.items if i.key not in ctx.numbers and i.key not in ctx.xrefs]
    marker = "".join(f'<span class="lr-missing" title="unknown {"cross-reference" if xref_kind(k) else "citation key"}'
                     f'">[?{escape(k)}]</span>' for k in missing)
    xref_html = "; ".join(_xref(i, ctx) for i in xrefs)
    if xrefs and not known:
        return f'<span class="lr-xrefs">{xref_html}</span>{marker}', missing
    if xref_html:
        marker = f" {xref_html}{marker}"
    if not known:
        return f'<span class="lr-cite lr-cite-missing" id="{anchor}">{marker}</span>', missing
    tip_id = _described_by([i.key for i in known], ctx)
    if citation.mode == "narrative":
        item = known[0]
        if ctx.style == "numeric":
            inner = _numeric_body([item], ctx, tip_id)
            text = f"{escape(ctx.names[item.key])} [{inner}]"
        else:
            year = escape(ctx.years.get(item.key, "") or "n.d.")
            suffix = f", {escape(item.suffix)}" if item.suffix else ""
            text = f"{escape(ctx.names[item.key])} ({_link(item.key, year, ctx, tip_id)}{suffix})"
    elif ctx.style == "numeric":
        text = f"[{_numeric_body(known, ctx, tip_id)}]"
    else:
        text = f"({_author_year_body(known, ctx, tip_id)})"
    html = f'<span class="lr-cite" id="{anchor}">{text}{marker}</span>'
    return html, missing


_OPEN_A = re.compile(r"<a[\s>]", re.I)
_CLOSE_A = re.compile(r"</a\s*>", re.I)
_PLAIN_LINK = re.compile(r'<a href="[^"]*" rel="noopener">(.*?)</a>')
_XREF_LINK = re.compile(r'<a class="lr-xref" href="[^"]*">(.*?)</a>')
_CITE_LINK = re.compile(r'<a class="lr-cite-link" href="[^"]*" (aria-describedby="[^"]*")>(.*?)</a>')


def fix_citations(page_html: str, ctx: CiteContext) -> FixResult:
    """Replace every placeholder; anchors `cite-1`, `cite-2`... follow document order."""
    result = FixResult(page_html)
    out: list[str] = []
    plain: list[str] = []
    last = 0
    depth = 0  # open <a> elements (raw HTML links the Markdown extension could not see into)
    for index, (match, citation) in enumerate(iter_placeholders(page_html), start=1):
        anchor = f"cite-{index}"
        before = page_html[last:match.start()]
        depth = max(0, depth + len(_OPEN_A.findall(before)) - len(_CLOSE_A.findall(before)))
        html, missing = render_citation(citation, ctx, anchor)
        if depth:  # inside a link: numbers without links of their own, so links never nest
            html = _PLAIN_LINK.sub(r"\1", _CITE_LINK.sub(r'<span class="lr-cite-link" \1>\2</span>', html))
            html = _XREF_LINK.sub(r"\1", html)
        result.unresolved += [k for k in missing if not xref_kind(k)]
        result.unresolved_xrefs += [k for k in missing if xref_kind(k)]
        for key in dict.fromkeys(citation.keys):
            if key in ctx.numbers:
                result.backrefs.setdefault(key, []).append(anchor)
        out.append(page_html[last:match.start()])
        out.append(html)
        plain.append(page_html[last:match.start()])
        plain.append(strip_tags(html))
        last = match.end()
    out.append(page_html[last:])
    plain.append(page_html[last:])
    result.search_html = "".join(plain)
    result.html = "".join(out)
    return result


_CITED_HEADING = re.compile(r'<h[1-6] id="([^"]+)"[^>]*>((?:(?!</h[1-6]>).)*?class="lr-(?:cite|xrefs)'
                            r'(?:(?!</h[1-6]>).)*)</h[1-6]>', re.S)
_HEADERLINK = re.compile(r'<a class="headerlink"[^>]*>.*?</a>', re.S)


def cited_heading_titles(page_html: str) -> dict[str, str]:
    """id -> text of each heading with a citation, as the page shows it ("Results of Okafor et al. [1]"): the table
    of contents was made before numbering, when the citation had no text."""
    return {m.group(1): unescape(strip_tags(_HEADERLINK.sub("", m.group(2)))).strip()
            for m in _CITED_HEADING.finditer(page_html)}


class _TocItem(Protocol):
    title: str

    @property
    def id(self) -> str: ...

    @property
    def children(self) -> Sequence[Any]: ...


def retitle(items: Iterable[_TocItem], titles: Mapping[str, str]) -> None:
    """Give table-of-contents items (MkDocs' AnchorLink) the titles of `cited_heading_titles`."""
    for item in items:
        if item.id in titles:
            item.title = titles[item.id]
        retitle(item.children, titles)


def _backref_label(index: int) -> str:
    letters = ascii_lowercase
    label = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        label = letters[rem] + label
    return label


def render_entry(key: str, ctx: CiteContext, backrefs: Sequence[str] = (), extra: str = "") -> str:
    number = ctx.numbers.get(key)
    value = f' value="{number}"' if number is not None and ctx.style == "numeric" else ""
    links = ""
    if backrefs:
        if len(backrefs) == 1:
            links = f'<a class="lr-backref" href="#{backrefs[0]}" aria-label="Back to the citation">\u21a9</a>'
        else:
            links = "\u21a9 " + " ".join(
                f'<a class="lr-backref" href="#{anchor}" aria-label="Back to citation {_backref_label(i)}">'
                f"{_backref_label(i)}</a>" for i, anchor in enumerate(backrefs))
        links = f' <span class="lr-backrefs">{links}</span>'
    text_id = f' id="ref-text-{number}"' if number is not None else ""
    files = ""
    if ctx.files_prefix is not None and key in ctx.file_stems:
        # Without JavaScript these download the whole library; litreview.js narrows them to this entry.
        library = escape(f"{ctx.files_prefix}library", quote=True)
        stem, data_key = escape(ctx.file_stems[key], quote=True), escape(key, quote=True)
        files = (f' <span class="lr-entry-files">(<a href="{library}.bib" download="{stem}.bib" '
                 f'data-lr-entry="{data_key}" data-lr-format="bib">BibTeX</a>, <a href="{library}.ris" '
                 f'download="{stem}.ris" data-lr-entry="{data_key}" data-lr-format="ris">RIS</a>)</span>')
    return (f'<li id="{escape(ctx.anchor_prefix + key, quote=True)}"{value}>'
            f'<span class="lr-ref-text"{text_id}>{ctx.formatted[key]}</span>{files}{extra}{links}</li>')


def _ordered(keys: Sequence[str], ctx: CiteContext) -> list[str]:
    if ctx.style == "numeric":
        return sorted(dict.fromkeys(keys), key=lambda k: ctx.numbers.get(k, 10**9))
    return sorted(dict.fromkeys(keys), key=lambda k: (ctx.names.get(k, k).lower(), ctx.years.get(k, ""), k))


def search_list(keys: Sequence[str], ctx: CiteContext) -> str:
    """A reference list as the search index sees it: the entries' text, without links or back-links."""
    # One paragraph, not a list: the same text for the index at a fraction of the parsing (a tag costs the
    # search plugin's HTML parser more than a sentence of text).
    return "<p>" + " \u00b7 ".join(strip_tags(ctx.formatted[k]) for k in _ordered(list(keys), ctx)) + "</p>"


def render_reference_list(backrefs: Mapping[str, Sequence[str]], ctx: CiteContext) -> str:
    """The per-page reference list: each cited entry with back-links to every citation of it."""
    items = "".join(render_entry(k, ctx, backrefs[k]) for k in _ordered(list(backrefs), ctx))
    kind = "ol" if ctx.style == "numeric" else "ul"
    return f'<{kind} class="lr-references">{items}</{kind}>'


def render_bibliography(keys: Sequence[str], ctx: CiteContext,
                        citing: Mapping[str, Sequence[tuple[str, str]]]) -> str:
    """The whole bibliography; `citing` maps a key to (page title, page URL) of the chapters citing it."""
    items = []
    for key in _ordered(keys, ctx):
        pages = citing.get(key, ())
        extra = ""
        if pages:
            extra = ' <span class="lr-cited-in">Cited in: ' + ", ".join(
                f'<a href="{escape(url, quote=True)}">{escape(title)}</a>' for title, url in pages) + "</span>"
        items.append(render_entry(key, ctx, (), extra))
    kind = "ol" if ctx.style == "numeric" else "ul"
    library = ""
    if ctx.files_prefix is not None:
        base = escape(f"{ctx.files_prefix}library", quote=True)
        library = (f'<p class="lr-library">Download the whole library: <a href="{base}.bib" download>BibTeX</a> '
                   f'\u00b7 <a href="{base}.ris" download>RIS</a> '
                   f'\u00b7 <a href="{base}.json" download>CSL-JSON</a></p>')
    return f'{library}<{kind} class="lr-references lr-bibliography">{"".join(items)}</{kind}>'
