"""The PDF's single HTML document, assembled from the final page HTML: pure string work, no WeasyPrint."""
from __future__ import annotations

import posixpath
import re
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape, unescape

from .join import DEST_SCHEME

_ID = re.compile(r'\bid="([^"]*)"')
# `<a name="x">`: the anchors of older HTML (pandoc's and bookdown's output); WeasyPrint makes them anchors too.
_NAME = re.compile(r'(?<![\w-])name="([^"]*)"')
_HREF = re.compile(r'\bhref="([^"]*)"')
_SRC = re.compile(r'\bsrc="([^"]*)"')
_HEADERLINK = re.compile(r'<a class="headerlink"[^>]*>.*?</a>', re.S)
_PAGE_REFS = re.compile(r'(?:<h2 id="[^"]*">[^<]*</h2>\s*)?<ol class="lr-references">.*?</ol>', re.S)
_H1 = re.compile(r"<h1\b[^>]*>(.*?)</h1>", re.S)
_H2 = re.compile(r'<h2 id="([^"]*)"[^>]*>(.*?)</h2>', re.S)
_TAGS = re.compile(r"<[^>]+>")
_BUTTON = re.compile(r"<button\b[^>]*>(.*?)</button>", re.S)
_BACKREFS = re.compile(r'<span class="lr-backrefs">.*?</span>', re.S)
# A BibTeX/RIS link beside each entry of the bibliography: clutter on paper (a thousand "(BibTeX, RIS)") and a
# quarter of the bibliography's typesetting time; the whole library's links stay when the site has an address.
_ENTRY_FILES = re.compile(r' ?<span class="lr-entry-files">\(<a [^>]*>[^<]*</a>(?:, <a [^>]*>[^<]*</a>)*\)</span>')
_LIBRARY = re.compile(r'<p class="lr-library">Download the whole library:(?: ·)?(?: <a [^>]*>[^<]*</a>(?: ·)?)*</p>\n?')
# An entry's text carries an id for the site's tooltips (aria-describedby); nothing on paper links to it, and each
# id is one more destination in every PDF that holds the entry (and a box of its own in a composed list's skeleton).
_REF_TEXT_ID = re.compile(r'(<span class="lr-ref-text") id="ref-text-\d+"')
_TIP = re.compile(r'<span class="lr-tip" role="tooltip"[^>]*>(?:<span class="lr-tip-entry">.*?</span>)*</span>', re.S)


@dataclass(frozen=True)
class PdfPage:
    slug: str
    title: str
    url: str  # site-relative, e.g. "background/epidemiology.html"
    html: str
    path: str = ""  # the Markdown file, relative to the project (for messages)
    source: str = ""  # its Markdown, to find the line a message is about


@dataclass(frozen=True)
class PdfMeta:
    title: str
    subtitle: str = ""
    authors: str = ""
    version: str = ""
    cover_text: str = ""
    keywords: tuple[str, ...] = ()
    language: str = "en"
    site_url: str = ""  # links to site files (downloads) become absolute with it; without it, plain text


def slug_for(url: str) -> str:
    stem = url[:-5] if url.endswith(".html") else url.rstrip("/")
    return re.sub(r"[^A-Za-z0-9]+", "-", stem).strip("-").lower() or "index"


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(_TAGS.sub("", _HEADERLINK.sub("", html)))).strip()


_A_TAG = re.compile(r"<a\b[^>]*>", re.S)
_TABLE = re.compile(r"<table\b.*?</table>", re.S)
_ROW = re.compile(r"<tr\b[^>]*>(.*?)</tr>", re.S)
_CELL = re.compile(r"<t[hd]\b")
# From this many columns a table goes on a landscape page: on A4 portrait, 9 and more columns of 7 pt text
# leave cells so narrow that words break into fragments ("retro-spect-ive").
WIDE_COLUMNS = 9


def widen_tables(html: str) -> str:
    """Wrap each table of WIDE_COLUMNS or more columns in `<div class="lr-wide">`: print.css puts it on a
    landscape page of its own."""
    def wrap(m: re.Match[str]) -> str:
        row = _ROW.search(m.group(0))
        columns = len(_CELL.findall(row.group(1))) if row else 0
        return f'<div class="lr-wide">{m.group(0)}</div>' if columns >= WIDE_COLUMNS else m.group(0)

    return _TABLE.sub(wrap, html)


_NUMBERED = re.compile(r'<(ol|li)\b[^>]*?\s(start|value)="(-?\d{1,9})"[^>]*>')
_STYLE = re.compile(r'\sstyle="([^"]*)"')


def number_lists(html: str) -> str:
    """`<ol start>` and `<li value>` numbered on paper as on screen: WeasyPrint reads neither attribute, so a
    chapter's own reference list (entries 12, 19, 27... of the review) would print as 1, 2, 3."""
    def number(m: re.Match[str]) -> str:
        tag, kind, value = m.group(0), m.group(1), int(m.group(3))
        if (kind, m.group(2)) not in (("ol", "start"), ("li", "value")):
            return tag
        rule = f"counter-reset: list-item {value - 1}"
        if _STYLE.search(tag):
            return _STYLE.sub(lambda s: f' style="{s.group(1).rstrip("; ")}; {rule}"', tag, count=1)
        return f'{tag[:-1]} style="{rule}">'

    return _NUMBERED.sub(number, html)


def rewrite_page(page: PdfPage, slugs: dict[str, str], bib_slug: str | None, site_url: str = "",
                 split: bool = False) -> str:
    """Make ids unique across the book and point every internal link at its place in the one document.

    `split`: the page is typeset on its own, so a link to another page (or to the bibliography) is written as
    `lr-dest:NAME` and becomes a link into the joined PDF when the parts are joined (pdf/join.py).
    """
    html = _HEADERLINK.sub("", page.html)
    html = _TIP.sub("", html)
    html = _BACKREFS.sub("", html)  # "back to the citation" arrows: nothing to click on paper (and costly to style)
    html = _BUTTON.sub(r"\1", html)  # sort buttons of table headers: plain header text on paper
    html = _ENTRY_FILES.sub("", html)
    html = _REF_TEXT_ID.sub(r"\1", html)
    if not site_url:
        html = _LIBRARY.sub("", html)  # links to site files are plain text without site_url: nothing to download
    html = widen_tables(html)
    html = number_lists(html)
    if bib_slug and page.slug != bib_slug:
        html = _PAGE_REFS.sub("", html)
    html = _ID.sub(lambda m: f'id="{page.slug}--{m.group(1)}"', html)
    base_dir = posixpath.dirname(page.url)

    def local(slug: str) -> str:
        return DEST_SCHEME if split and slug != page.slug else "#"

    def href(m: re.Match[str]) -> str:
        target = m.group(1)
        if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I):  # http(s), mailto: leave as they are
            return m.group(0)
        path, _, fragment = target.partition("#")
        if not path:
            if not fragment:  # `href="#"` or `href=""`: a link to nowhere, plain text on paper
                return ""
            if fragment.startswith("ref-") and bib_slug:
                return f'href="{local(bib_slug)}{bib_slug}--{fragment}"'
            return f'href="#{page.slug}--{fragment}"'
        resolved = posixpath.normpath(posixpath.join(base_dir, path))
        if resolved in slugs:
            other = slugs[resolved]
            return f'href="{local(other)}{other}--{fragment}"' if fragment else f'href="{local(other)}ch-{other}"'
        # A file of the site (a download, the PDF itself): a link into the reader's file system would be broken
        # and would carry the builder's folder, so it points at the published site, or is plain text.
        if site_url:
            return f'href="{escape(site_url.rstrip("/") + "/" + resolved.lstrip("/"), quote=True)}"'
        return ""

    def anchor(m: re.Match[str]) -> str:
        tag = m.group(0)
        if re.search(r'\brel="[^"]*\battachment\b', tag):  # embedded files: read through the confined fetcher
            return _HREF.sub(lambda h: f'href="{escape(posixpath.normpath(posixpath.join(base_dir, h.group(1))))}"'
                             if not re.match(r"^[a-z][a-z0-9+.-]*:", h.group(1), re.I) else h.group(0), tag)
        # renamed as ids are, so two chapters' `<a name="x">` do not define one anchor twice
        tag = _NAME.sub(lambda n: f'name="{page.slug}--{n.group(1)}"', tag)
        return _HREF.sub(href, tag)

    html = _A_TAG.sub(anchor, html)
    html = _SRC.sub(lambda m: m.group(0) if re.match(r"^[a-z]+:", m.group(1), re.I)
                    else f'src="{escape(posixpath.normpath(posixpath.join(base_dir, m.group(1))), quote=True)}"', html)
    if not _H1.search(html):
        html = f"<h1>{escape(page.title)}</h1>" + html
    return html


def toc_html(pages: Sequence[PdfPage]) -> str:
    """Chapters and their sections; `pages` hold rewritten HTML, so ids already carry the chapter slug."""
    items = []
    for page in pages:
        m = _H1.search(page.html)
        title = _text(m.group(1)) if m else page.title
        subs = "".join(f'<li><a href="#{hid}">{escape(_text(text))}</a></li>'
                       for hid, text in _H2.findall(page.html) if _text(text))
        items.append(f'<li class="toc-chapter"><a href="#ch-{page.slug}">{escape(title)}</a>'
                     + (f'<ol class="toc-sections">{subs}</ol>' if subs else "") + "</li>")
    return f'<nav class="toc" id="toc"><h1 class="toc-title">Contents</h1><ol>{"".join(items)}</ol></nav>'


def assemble(pages: Sequence[PdfPage], meta: PdfMeta, bib_slug: str | None) -> str:
    """One HTML document: cover, contents with page numbers, chapters in nav order, the bibliography last."""
    slugs = {p.url: p.slug for p in pages}
    rewritten = [PdfPage(p.slug, p.title, p.url, rewrite_page(p, slugs, bib_slug, meta.site_url)) for p in pages]
    chapters = "".join(f'<section class="chapter" id="ch-{p.slug}">{p.html}</section>' for p in rewritten)
    keywords = ", ".join(meta.keywords)
    head = (f'<meta charset="utf-8"><title>{escape(meta.title)}</title>'
            f'<meta name="author" content="{escape(meta.authors, quote=True)}">'
            f'<meta name="description" content="{escape(meta.subtitle, quote=True)}">'
            f'<meta name="keywords" content="{escape(keywords, quote=True)}">'
            f'<meta name="generator" content="litreview">')
    cover = (f'<section class="cover"><p class="cover-kicker">A living review</p>'
             f'<p class="cover-title">{escape(meta.title)}</p>'
             + (f'<p class="cover-subtitle">{escape(meta.subtitle)}</p>' if meta.subtitle else "")
             + (f'<p class="cover-authors">{escape(meta.authors)}</p>' if meta.authors else "")
             + (f'<p class="cover-version">Version: {escape(meta.version)}</p>' if meta.version else "")
             + (f'<p class="cover-text">{escape(meta.cover_text)}</p>' if meta.cover_text else "")
             + "</section>")
    return (f'<!DOCTYPE html><html lang="{escape(meta.language)}"><head>{head}</head><body>'
            f"{cover}{toc_html(rewritten)}{chapters}</body></html>")


# --- Parts typeset on their own and joined (pdf/join.py): one chapter, its references, the cover and contents.

@dataclass(frozen=True)
class TocEntry:
    level: int  # 1 chapter, 2 section
    title: str
    dest: str  # named destination in the joined PDF
    page: int  # page number in the joined PDF


def _head(title: str, meta: PdfMeta) -> str:
    keywords = ", ".join(meta.keywords)
    return (f'<meta charset="utf-8"><title>{escape(title)}</title>'
            f'<meta name="author" content="{escape(meta.authors, quote=True)}">'
            f'<meta name="description" content="{escape(meta.subtitle, quote=True)}">'
            f'<meta name="keywords" content="{escape(keywords, quote=True)}">'
            f'<meta name="generator" content="litreview">')


def _document(title: str, meta: PdfMeta, body: str) -> str:
    return (f'<!DOCTYPE html><html lang="{escape(meta.language)}"><head>{_head(title, meta)}</head>'
            f"<body>{body}</body></html>")


def chapter_title(page: PdfPage) -> str:
    m = _H1.search(page.html)
    return (_text(m.group(1)) if m else "") or page.title


def chapter_document(page: PdfPage, slugs: dict[str, str], bib_slug: str | None, meta: PdfMeta) -> str:
    """One chapter as its own HTML document; links to other chapters and to the bibliography are `lr-dest:`."""
    body = rewrite_page(page, slugs, bib_slug, meta.site_url, split=True)
    return _document(chapter_title(page), meta, f'<section class="chapter" id="ch-{page.slug}">{body}</section>')


def references_document(page: PdfPage, slugs: dict[str, str], bib_slug: str | None, meta: PdfMeta,
                        heading: str = "References") -> str | None:
    """The chapter's own reference list, for the chapter's PDF; None when the book keeps it in the chapter.

    Its entries carry the ids of the bibliography's entries, so the chapter's citations (links to the
    bibliography) lead here in the chapter's PDF and to the bibliography in the book.
    """
    if not bib_slug or page.slug == bib_slug:
        return None
    found = re.search(r'<ol class="lr-references">.*?</ol>', page.html, re.S)
    if not found:
        return None
    alone = PdfPage(bib_slug, page.title, page.url, found.group(0), page.path, page.source)
    body = rewrite_page(alone, slugs, bib_slug, meta.site_url, split=True)
    body = _H1.sub("", body, count=1)  # rewrite_page adds a title when the page has none: ours follows
    return _document(f"{chapter_title(page)}: {heading}", meta,
                     f'<section class="chapter chapter-refs" id="refs-{page.slug}"><h1>{escape(heading)}</h1>'
                     f"{body}</section>")


def toc_entries(pages: Sequence[PdfPage], bib_slug: str | None, site_url: str = "",
                rewritten: Sequence[str] | None = None) -> list[tuple[int, str, str]]:
    """(level, title, named destination) of the contents, in order; page numbers come after typesetting.
    `rewritten`: each page's chapter document (`chapter_document`), when the caller has them already."""
    slugs = {p.url: p.slug for p in pages}
    entries = []
    for i, page in enumerate(pages):
        html = rewritten[i] if rewritten is not None else rewrite_page(page, slugs, bib_slug, site_url, split=True)
        entries.append((1, chapter_title(page), f"ch-{page.slug}"))
        entries += [(2, _text(text), hid) for hid, text in _H2.findall(html) if _text(text)]
    return entries


def front_document(meta: PdfMeta, entries: Sequence[TocEntry]) -> str:
    """The cover and the contents with page numbers known in advance (the chapters are typeset already)."""
    items: list[str] = []
    open_sections = False
    for entry in entries:
        link = (f'<a href="{DEST_SCHEME}{escape(entry.dest, quote=True)}" data-page="{entry.page}">'
                f"{escape(entry.title)}</a>")
        if entry.level == 1:
            if open_sections:
                items.append("</ol></li>")
            elif items:
                items.append("</li>")
            items.append(f'<li class="toc-chapter">{link}')
            open_sections = False
        else:
            if not open_sections:
                items.append('<ol class="toc-sections">')
                open_sections = True
            items.append(f"<li>{link}</li>")
    if items:
        items.append("</ol></li>" if open_sections else "</li>")
    toc = f'<nav class="toc" id="toc"><h1 class="toc-title">Contents</h1><ol>{"".join(items)}</ol></nav>'
    return _document(meta.title, meta, _cover(meta) + toc)


def _cover(meta: PdfMeta) -> str:
    return (f'<section class="cover"><p class="cover-kicker">A living review</p>'
            f'<p class="cover-title">{escape(meta.title)}</p>'
            + (f'<p class="cover-subtitle">{escape(meta.subtitle)}</p>' if meta.subtitle else "")
            + (f'<p class="cover-authors">{escape(meta.authors)}</p>' if meta.authors else "")
            + (f'<p class="cover-version">Version: {escape(meta.version)}</p>' if meta.version else "")
            + (f'<p class="cover-text">{escape(meta.cover_text)}</p>' if meta.cover_text else "")
            + "</section>")


def stamp_document(labels: Sequence[str], meta: PdfMeta) -> str:
    """Blank pages whose footer shows `labels[i]` (page numbers), drawn over the joined pages."""
    pages = "".join(f'<div class="lr-stamp">{escape(label)}</div>' for label in labels)
    return _document("page numbers", meta, pages)


# --- A long reference list typeset in pieces (pdf/parts.py), so a worker never holds the whole bibliography.

_LIST = re.compile(r'<ol class="lr-references\b[^"]*"[^>]*>(.*?)</ol>', re.S)
_ITEM_ID = re.compile(r'<li\b[^>]*?\sid="([^"]*)"')


def css_string(text: str) -> str:
    """`text` as a CSS string: everything but letters, digits and spaces escaped, so no title ends it."""
    return '"' + "".join(c if c.isalnum() or c == " " else f"\\{ord(c):06x}" for c in text) + '"'


@dataclass(frozen=True)
class ReferenceSplit:
    """A chapter document whose reference list is long, cut into documents of consecutive entries.

    The first document holds everything before the list and the last everything after it; the ones between
    hold entries only, under the chapter's running head. Entries carry their own numbers (`value`).
    """

    before: str  # up to the list's opening tag
    opening: str  # the list's opening tag
    items: tuple[str, ...]
    ids: tuple[str, ...]  # each item's id ("" when it has none)
    after: str  # from the list's closing tag on
    title: str

    def document(self, start: int, end: int) -> str:
        entries = "".join(self.items[start:end])
        if start == 0:
            head = self.before
        else:
            body = self.before.find("<body>")
            head = self.before[:body + len("<body>")] + '<section class="chapter lr-continued">'
        return head + self.opening_at(start) + entries + ("</ol></body></html>" if end < len(self.items)
                                                           else self.after)

    def opening_at(self, start: int) -> str:
        """The list's opening tag for a document that begins with item `start`: numbered from its number."""
        if start == 0:
            return self.opening
        tag = _STYLE.sub("", re.sub(r'\sstart="[^"]*"', "", self.opening))
        return f'{tag[:-1]} style="counter-reset: list-item {self.numbers[start] - 1}">'

    @property
    def numbers(self) -> list[int]:
        """The number each item shows (HTML: the list's `start`, then one more than the item before, or `value`)."""
        found = re.search(r'\sstart="(-?\d+)"', self.opening)
        number = int(found.group(1)) - 1 if found else 0
        numbers = []
        for item in self.items:
            value = re.match(r'<li\b[^>]*\svalue="(-?\d+)"', item)
            number = int(value.group(1)) if value else number + 1
            numbers.append(number)
        return numbers

    def running_head(self) -> str:
        """CSS for a later document: the chapter's running head (its heading is in the first), and the list's top
        margin left out, as at a page break inside one list."""
        return (f"@page {{ @top-center {{ content: {css_string(self.title)}; }} }}\n"
                "body, .lr-continued, .lr-continued > ol { margin-top: 0; padding-top: 0; }\n")


def split_references(document: str, at_least: int) -> ReferenceSplit | None:
    """The document's longest reference list, when it has at least `at_least` entries; else None."""
    lists = sorted(_LIST.finditer(document), key=lambda m: -m.group(1).count("<li"))
    if not lists or "<body>" not in document:
        return None
    found = lists[0]
    if re.search(r"<(?:ol|ul)\b", found.group(1)):
        return None  # a list inside an entry: the cut between entries would not be sure; typeset it whole
    items = tuple(part for part in re.split(r"(?=<li\b)", found.group(1)) if part.strip())
    if len(items) < at_least or not items[0].startswith("<li"):
        return None
    opening_end = found.start(1)
    heading = _H1.search(document)
    return ReferenceSplit(document[:found.start()], document[found.start():opening_end], items,
                          tuple((m.group(1) if (m := _ITEM_ID.match(item)) else "") for item in items),
                          document[found.end(1):], _text(heading.group(1)) if heading else "")
