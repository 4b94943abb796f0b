"""The PDF's single HTML document, assembled from the final page HTML: pure string work, no WeasyPrint."""
from __future__ import annotations

import posixpath
import re
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape, unescape

_ID = re.compile(r'\bid="([^"]*)"')
_HREF = re.compile(r'\bhref="([^"]*)"')
_SRC = re.compile(r'\bsrc="([^"]*)"')
_HEADERLINK = re.compile(r'<a class="headerlink"[^>]*>.*?</a>', re.S)
_PAGE_REFS = re.compile(r'(?:<h2 id="[^"]*">[^<]*</h2>\s*)?<ol class="lr-references">.*?</ol>', re.S)
_H1 = re.compile(r"<h1\b[^>]*>(.*?)</h1>", re.S)
_H2 = re.compile(r'<h2 id="([^"]*)"[^>]*>(.*?)</h2>', re.S)
_TAGS = re.compile(r"<[^>]+>")
_BUTTON = re.compile(r"<button\b[^>]*>(.*?)</button>", re.S)
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


def rewrite_page(page: PdfPage, slugs: dict[str, str], bib_slug: str | None, site_url: str = "") -> str:
    """Make ids unique across the book and point every internal link at its place in the one document."""
    html = _HEADERLINK.sub("", page.html)
    html = _TIP.sub("", html)
    html = _BUTTON.sub(r"\1", html)  # sort buttons of table headers: plain header text on paper
    if bib_slug and page.slug != bib_slug:
        html = _PAGE_REFS.sub("", html)
    html = _ID.sub(lambda m: f'id="{page.slug}--{m.group(1)}"', html)
    base_dir = posixpath.dirname(page.url)

    def href(m: re.Match[str]) -> str:
        target = m.group(1)
        if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I):  # http(s), mailto: leave as they are
            return m.group(0)
        path, _, fragment = target.partition("#")
        if not path:
            if fragment.startswith("ref-") and bib_slug:
                return f'href="#{bib_slug}--{fragment}"'
            return f'href="#{page.slug}--{fragment}"'
        resolved = posixpath.normpath(posixpath.join(base_dir, path))
        if resolved in slugs:
            other = slugs[resolved]
            return f'href="#{other}--{fragment}"' if fragment else f'href="#ch-{other}"'
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
