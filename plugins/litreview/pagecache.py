"""Reuses each page's Markdown-to-HTML conversion when nothing it depends on has changed.

MkDocs converts every page on every build, and `mkdocs serve` rebuilds the whole site on each save. A page's
HTML (with citation placeholders, before any numbering) depends only on its final Markdown, its place in the
site, the site's file list, the Markdown extensions with their options and versions, litreview's own code and
the evidence data behind inline values. All of that goes into the key; what MkDocs keeps from a conversion
(HTML, table of contents, title, anchors, links to anchors) and every message it logged are stored under it,
and put back, messages included, when the key matches. Numbers, reference lists and tables are applied
afterwards on every build, as before.
"""
from __future__ import annotations

import hashlib
import logging
import re
import threading
from collections.abc import Iterable
from importlib import metadata
from typing import Any

from markdown.extensions import Extension
from mkdocs.structure.files import Files
from mkdocs.structure.pages import Page
from mkdocs.structure.toc import AnchorLink, get_toc

from .jsonstore import code_digest

CACHE_VERSION = "litreview-pages-2"
# Packages whose code can change a conversion; their versions are part of every key.
_PACKAGES = ("mkdocs", "markdown", "pymdown-extensions", "mkdocs-material")
_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")
# Extensions that read other files while converting (their content is not in the key): no caching with them.
UNCACHEABLE_EXTENSIONS = frozenset({"pymdownx.snippets", "markdown_include.include", "mdx_include"})


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "-"


def stable_repr(value: Any) -> str:
    """A repr that is the same in every process: objects are named by type, never by memory address."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{stable_repr(k)}: {stable_repr(v)}" for k, v in sorted(value.items(), key=str)) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(stable_repr(v) for v in value) + "]"
    if isinstance(value, (str, int, float, bool)) or value is None:
        return repr(value)
    if isinstance(value, Extension):  # an extension object in markdown_extensions: its options change conversions
        return f"<{type(value).__module__}.{type(value).__qualname__} {stable_repr(value.getConfigs())}>"
    name = getattr(value, "__qualname__", None) or type(value).__qualname__
    return f"<{getattr(value, '__module__', '')}.{name}>" if name else _ADDRESS.sub("", repr(value))


def site_key(extensions: Iterable[Any], extension_configs: Any, validation: Any, files: Files,
             data_fingerprint: str) -> str:
    """The part of every page key that is the same for all pages of one build."""
    parts = [CACHE_VERSION, code_digest(), data_fingerprint, stable_repr(list(extensions)),
             stable_repr(extension_configs), stable_repr(validation)]
    parts += [f"{p}={_version(p)}" for p in _PACKAGES]
    parts += [f"{f.src_uri}\t{f.dest_uri}\t{f.url}" for f in sorted(files, key=lambda f: f.src_uri)]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def page_key(site: str, src_uri: str, url: str, markdown: str) -> str:
    # The log levels too: a message that a quiet build (-q) never created cannot be stored, nor replayed later.
    levels = f"{logging.getLogger().getEffectiveLevel()}/{logging.getLogger('mkdocs').getEffectiveLevel()}"
    return hashlib.sha256("\0".join((site, src_uri, url, markdown, levels)).encode()).hexdigest()


def cacheable(extensions: Iterable[Any]) -> bool:
    return not any(isinstance(e, str) and e in UNCACHEABLE_EXTENSIONS for e in extensions)


# ---------------------------------------------------------------------------------------- page state

def _toc_to_data(items: Iterable[AnchorLink]) -> list[dict[str, Any]]:
    return [{"title": a.title, "id": a.id, "level": a.level, "children": _toc_to_data(a.children)} for a in items]


def _toc_tokens(data: list[dict[str, Any]]) -> list[Any]:
    """Stored items as the `toc` extension's tokens, which MkDocs' public `get_toc` turns into a page's toc."""
    return [{"level": item["level"], "id": item["id"], "name": item["title"], "children": _toc_tokens(item["children"])}
            for item in data]


def snapshot(page: Page, html: str) -> dict[str, Any]:
    """What MkDocs keeps from converting `page`, as JSON-ready data."""
    links = page.links_to_anchors or {}
    return {"html": html, "toc": _toc_to_data(page.toc.items if page.toc else []),
            "title": page.title,
            # MkDocs records a valueless `id` (`<x id>` in raw HTML or code span text) as the anchor None.
            "anchors": sorted(page.present_anchor_ids or (), key=lambda a: (a is None, a or "")),
            "links_to_anchors": {f.src_uri: dict(v) for f, v in sorted(links.items(), key=lambda kv: kv[0].src_uri)}}


def restore(page: Page, entry: dict[str, Any], files: Files) -> str:
    """Put a stored conversion back on `page`, as `Page.render` would have left it; returns the HTML.

    Only public attributes are set: `toc` (built by MkDocs' own `get_toc`), `title` (a settable property),
    and the documented `present_anchor_ids` and `links_to_anchors` that MkDocs' link validation reads.
    """
    page.toc = get_toc(_toc_tokens(entry["toc"]))
    if entry["title"] is not None:
        page.title = entry["title"]
    page.present_anchor_ids = set(entry["anchors"])
    links = {files.get_file_from_path(src): v for src, v in entry["links_to_anchors"].items()}
    page.links_to_anchors = {f: v for f, v in links.items() if f is not None} or None
    return str(entry["html"])


# ---------------------------------------------------------------------------------------- messages

class MessageRecorder(logging.Handler):
    """Records what is logged while a page converts, so a cache hit can log it again."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[tuple[str, int, str]] = []
        self._seen: set[int] = set()
        self._thread = threading.get_ident()  # `mkdocs serve` logs from its server thread meanwhile: not ours
        self._loggers = [logging.getLogger(), logging.getLogger("mkdocs")]

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread == self._thread and id(record) not in self._seen:  # a record can reach both loggers
            self._seen.add(id(record))
            self.records.append((record.name, record.levelno, record.getMessage()))

    def __enter__(self) -> MessageRecorder:
        for logger in self._loggers:
            logger.addHandler(self)
        return self

    def close(self) -> None:
        for logger in self._loggers:
            logger.removeHandler(self)
        super().close()

    def __exit__(self, *exc: object) -> None:
        self.close()


def replay(records: Iterable[list[Any] | tuple[str, int, str]]) -> None:
    for name, level, message in records:
        logging.getLogger(name).log(level, "%s", message)
