"""Internal links: `[text](other.md#anchor)` must name a file in docs_dir and, for a page, one of its anchors."""
from __future__ import annotations

import difflib
import html
import posixpath
import re
from collections.abc import Callable, Collection, Sequence
from pathlib import Path
from urllib.parse import unquote

from markdown.extensions.toc import slugify as default_slugify
from markdown.extensions.toc import unique

from ..markdown_text import MarkdownPage
from .findings import Finding

Slugify = Callable[[str, str], str]

_INLINE_LINK = re.compile(
    r"!?\[(?:[^\[\]\n]|\[[^\[\]\n]*\])*\]\(\s*(<[^>\n]*>|[^\s)]*)(?:\s+(?:\"[^\"]*\"|'[^']*'|\([^)]*\)))?\s*\)")
_REF_DEF = re.compile(r"^ {0,3}\[([^\]^][^\]]*)\]:[ \t]*(<[^>\n]*>|\S+)", re.MULTILINE)
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_ATX = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$")
_SETEXT = re.compile(r"^ {0,3}(?:=+|-+)[ \t]*$")
_ATTR_ID = re.compile(r"\{:?[^}\n]*?#([\w:.-]+)[^}\n]*\}")  # pandoc-crossref ids have a colon: {#fig:curve}
_TRAILING_ATTR = re.compile(r"[ \t]*\{:?[^}\n]*\}[ \t]*$")
_HTML_ID = re.compile(r"""\bid\s*=\s*["']([^"']+)["']""")
_FOOTNOTE = re.compile(r"^ {0,3}\[\^([^\]]+)\]:", re.MULTILINE)
_DIRECTIVE_ID = re.compile(r"<!--\s*(?:evidence-table|evidence-chart|comparison-table)\b[^>]*?\bid=([\w-]+)")


def _heading_text(text: str) -> str:
    """Roughly what toc sees: link text instead of links, no code marks, emphasis or tags, entities decoded."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"<[^>]+>", "", text)
    text = re.sub(r"(\*{1,3}|_{1,3})(\S(?:.*?\S)?)\1", r"\2", text)
    return html.unescape(text.replace("`", ""))


def page_anchors(page: MarkdownPage, slugify: Slugify | None = None, separator: str = "-",
                 extra: Collection[str] = ()) -> set[str]:
    """Heading ids as Python-Markdown's toc makes them (with `_1` for repeats), plus explicit ids."""
    slug = slugify or default_slugify
    text = page.prose
    anchors: set[str] = set()
    lines = text.split("\n")
    source_lines = page.source.split("\n")  # same line breaks: masking keeps them; code text stays in headings
    for i, line in enumerate(lines):
        heading: str | None = None
        m = _ATX.match(line)
        if m:
            m = _ATX.match(source_lines[i])
            heading = m.group(2) if m else ""
        elif line.strip() and i + 1 < len(lines) and _SETEXT.match(lines[i + 1]) and \
                not _SETEXT.match(line) and not line.lstrip().startswith(("-", "*", "+", "|", ">")):
            heading = source_lines[i].strip()
        if heading is None:
            continue
        custom = _ATTR_ID.search(heading) if _TRAILING_ATTR.search(heading) else None
        if custom:
            anchors.add(custom.group(1))
            continue
        unique(slug(_heading_text(_TRAILING_ATTR.sub("", heading)), separator), anchors)
    anchors.update(_ATTR_ID.findall(text))
    anchors.update(_HTML_ID.findall(page.without_code))
    anchors.update(_DIRECTIVE_ID.findall(page.without_code))
    for label in _FOOTNOTE.findall(text):
        anchors.update((f"fn:{label}", f"fnref:{label}"))
    anchors.update(extra)
    return anchors


def _targets(page: MarkdownPage) -> list[tuple[int, str]]:
    found = [(m.start(), m.group(1)) for m in _INLINE_LINK.finditer(page.prose)]
    found += [(m.start(), m.group(2)) for m in _REF_DEF.finditer(page.prose)]
    return sorted(found)


def _resolve(page_rel: str, path: str, docs: Path, generated: Collection[str]) -> tuple[str | None, str]:
    """(docs-relative file, status); None when the target leaves docs_dir or does not exist."""
    joined = posixpath.normpath(posixpath.join(posixpath.dirname(page_rel), path))
    if joined.startswith("../") or joined == "..":
        return None, "outside"
    if joined in generated:
        return joined, "ok"
    candidate = docs / joined
    if candidate.is_dir():
        for index in ("index.md", "README.md"):
            if (candidate / index).is_file():
                return posixpath.join(joined, index), "ok"
        return None, "missing"
    return (joined, "ok") if candidate.is_file() else (None, "missing")


def broken_links(pages: Sequence[MarkdownPage], docs: Path, docs_label: str, slugify: Slugify | None = None,
                 separator: str = "-", extra_anchors: Collection[str] = (),
                 generated: Collection[str] = ()) -> list[Finding]:
    """Links to files missing from docs_dir (errors) and to anchors missing from a page (warnings).

    `generated` names docs-relative files that the build adds itself (the PDF), so links to them are valid.
    """
    by_rel = {p.rel: p for p in pages}
    cache: dict[str, set[str]] = {}

    def anchors_of(rel: str) -> set[str] | None:
        page = by_rel.get(rel)
        if page is None:
            return None
        if rel not in cache:
            cache[rel] = page_anchors(page, slugify, separator, extra_anchors)
        return cache[rel]

    findings = []
    for page in pages:
        for offset, raw in _targets(page):
            target = raw[1:-1] if raw.startswith("<") else raw
            if not target or _SCHEME.match(target) or target.startswith(("/", "//")):
                continue
            path, _, anchor = target.partition("#")
            path = unquote(path.split("?", 1)[0])
            line = page.line(offset)
            rel = page.rel
            if path:
                resolved, status = _resolve(page.rel, path, docs, generated)
                if resolved is None:
                    where = "leaves" if status == "outside" else "is not a file in"
                    findings.append(Finding(page.path, line, "error", "broken-link",
                                            f"link to '{target}': '{path}' {where} {docs_label}/"))
                    continue
                rel = resolved
            if not anchor or not rel.endswith(".md"):
                continue
            anchors = anchors_of(rel)
            if anchors is None or unquote(anchor) in anchors:
                continue
            close = difflib.get_close_matches(unquote(anchor), sorted(anchors), n=1, cutoff=0.6)
            hint = f" (did you mean '#{close[0]}'?)" if close else ""
            findings.append(Finding(page.path, line, "warning", "broken-anchor",
                                    f"link to '{target}': {rel} has no heading or id '{anchor}'{hint}"))
    return findings
