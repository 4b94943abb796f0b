"""Remembers each page's rendered theme output between `mkdocs serve` rebuilds.

MkDocs renders every page's template on every rebuild, and with Material that costs more than the rest of
a page's build. Within one `mkdocs serve` session (the plugin is kept across rebuilds because it has
`on_startup`), a page whose template inputs are all unchanged renders to the same bytes, so its previous
output is reused. The key covers everything the template can read: the template files themselves (their
text), the site configuration with every plugin's options, the navigation (titles, URLs, page metadata),
the page (content, table of contents, metadata, URLs, neighbours, ancestors) and every other context value.
A context value of a type it cannot fingerprint turns the memo off for that page: it renders as usual.
Nothing is written to disk; a plain `mkdocs build` never uses it.
"""
from __future__ import annotations

import datetime
import hashlib
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from mkdocs.structure.nav import Link, Navigation, Section
from mkdocs.structure.pages import Page
from mkdocs.structure.toc import AnchorLink

from .pagecache import _stable_repr

_TEMPLATE_SUFFIXES = (".html", ".xml", ".j2", ".jinja", ".jinja2", ".txt", ".js", ".json")


class Unknown(Exception):
    """A value the memo cannot fingerprint: the page is rendered, not reused."""


def fingerprint(value: Any) -> str:
    """A stable text for plain data; raises Unknown for anything else."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return repr(value)
    if isinstance(value, (datetime.date, datetime.datetime, datetime.time)):
        return repr(value)
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(fingerprint(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ",".join(f"{fingerprint(k)}:{fingerprint(v)}" for k, v in sorted(value.items(), key=repr)) + "}"
    if isinstance(value, (set, frozenset)):
        return "{" + ",".join(sorted(fingerprint(v) for v in value)) + "}"
    raise Unknown(type(value).__name__)


def _config_value(value: Any) -> str:
    """Config values include plugin collections, the theme and extension objects: read their options."""
    if hasattr(value, "items") and hasattr(value, "keys"):  # dicts, Config objects, the plugin collection
        return "{" + ",".join(f"{k!r}:{_config_value(v)}" for k, v in sorted(value.items(), key=lambda kv: str(kv[0])))\
            + "}"
    if hasattr(value, "config") and hasattr(value, "on_config"):  # a plugin: its options decide what it does
        return f"<plugin {type(value).__module__}.{type(value).__qualname__} {_config_value(value.config)}>"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(_config_value(v) for v in value) + "]"
    try:
        return fingerprint(value)
    except Unknown:
        # Markdown extension instances, formatter functions and the like: named as the page cache names them.
        return _stable_repr(value)


def config_digest(config: Any) -> str:
    return hashlib.sha256("\n".join(f"{k}={_config_value(v)}" for k, v in sorted(config.items())).encode()).hexdigest()


def template_digest(dirs: Iterable[str]) -> tuple[str, bool]:
    """A digest of the text of every template in the theme folders, and whether any can print the build date
    (`build_date_utc`, `update_date`), which changes on every build unless SOURCE_DATE_EPOCH is set.

    Asset folders (icons, scripts, styles) are not templates and are skipped: they are copied, not rendered.
    """
    digest = hashlib.sha256()
    uses_build_date = False
    for folder in dirs:
        for top, subdirs, names in os.walk(folder):
            subdirs[:] = sorted(d for d in subdirs if not d.startswith(".") and d != "assets")
            for name in sorted(names):
                if name.endswith(_TEMPLATE_SUFFIXES):
                    data = (Path(top) / name).read_bytes()
                    digest.update(f"{top}/{name}\0".encode() + data + b"\0")
                    # Pages are HTML templates: sitemap.xml prints update dates but is never part of a page.
                    if name.endswith((".html", ".j2", ".jinja", ".jinja2")):
                        uses_build_date = uses_build_date or b"build_date_utc" in data or b"update_date" in data
    return digest.hexdigest(), uses_build_date


def _toc(items: Iterable[AnchorLink]) -> str:
    return "[" + ",".join(f"({a.title!r},{a.id!r},{a.level},{getattr(a, 'active', False)},{_toc(a.children)})"
                          for a in items) + "]"


def _nav_item(item: Any) -> str:
    if isinstance(item, Page):
        return (f"P({item.title!r},{item.url!r},{item.file.src_uri!r},{item.is_index},"
                f"{fingerprint(item.meta)})")
    if isinstance(item, Section):
        return f"S({item.title!r},[{','.join(_nav_item(c) for c in item.children)}])"
    if isinstance(item, Link):
        return f"L({item.title!r},{item.url!r})"
    raise Unknown(type(item).__name__)


def nav_digest(nav: Navigation) -> str:
    """The navigation as every page's template sees it, except which items are active (that follows the page)."""
    text = "[" + ",".join(_nav_item(i) for i in nav.items) + "]"
    text += "|" + ",".join(_nav_item(p) for p in nav.pages)
    return hashlib.sha256(text.encode()).hexdigest()


def _neighbour(page: Any) -> str:
    return "None" if page is None else f"({page.title!r},{page.url!r})"


def page_fingerprint(page: Page, with_date: bool) -> str:
    ancestors = ",".join(f"{type(a).__name__}:{a.title!r}" for a in page.ancestors)
    return "|".join([
        repr(page.title), repr(page.url), repr(page.abs_url), repr(page.canonical_url), repr(page.edit_url),
        repr(page.is_homepage), repr(page.file.src_uri), repr(page.file.dest_uri),
        repr(page.update_date) if with_date else "",
        fingerprint(page.meta), _toc(page.toc.items if page.toc else []), _neighbour(page.previous_page),
        _neighbour(page.next_page), ancestors, page.content or "",
    ])


class RenderMemo:
    """Rendered pages of the previous rebuild, keyed by everything their template could read."""

    def __init__(self) -> None:
        self.outputs: dict[str, str] = {}
        self.used: set[str] = set()
        self.site = ""
        self.uses_build_date = True
        self.hits = 0

    def start(self, config: Any, dirs: Iterable[str], doc_files: Iterable[Any]) -> None:
        """Per build: what all pages share."""
        templates, self.uses_build_date = template_digest(dirs)
        # `pages` in the context: every Markdown file, with its page title (templates may list them)
        files = ";".join(f"{f.src_uri}>{f.url}>{getattr(f.page, 'title', None)!r}" for f in doc_files)
        self.site = hashlib.sha256("\n".join([templates, config_digest(config), files]).encode()).hexdigest()
        self.used = set()
        self.hits = 0
        self._nav: tuple[int, str] | None = None

    def key(self, name: str, context: Any) -> str | None:
        page = context.get("page")
        if not self.site or not isinstance(page, Page):
            return None
        try:
            parts = [self.site, name, page_fingerprint(page, self.uses_build_date)]
            for field in sorted(context):
                value = context[field]
                if field in ("page", "config", "pages") or (field == "build_date_utc" and not self.uses_build_date):
                    continue
                if field == "nav" and isinstance(value, Navigation):
                    if self._nav is None or self._nav[0] != id(value):
                        self._nav = (id(value), nav_digest(value))
                    parts.append("nav=" + self._nav[1])
                    continue
                parts.append(f"{field}={fingerprint(value)}")
        except Unknown:
            return None
        return hashlib.sha256("\0".join(parts).encode()).hexdigest()

    def finish(self) -> None:
        """Forget pages this build did not render (renamed, removed, or changed)."""
        self.outputs = {k: v for k, v in self.outputs.items() if k in self.used}


class MemoTemplate:
    """Stands in for a Jinja template: `render(context)` reuses the remembered output when the key matches."""

    def __init__(self, template: Any, name: str, memo: RenderMemo) -> None:
        self._template = template
        self._name = name
        self._memo = memo

    def render(self, *args: Any, **kwargs: Any) -> str:
        context = args[0] if len(args) == 1 and not kwargs and isinstance(args[0], dict) else None
        key = self._memo.key(self._name, context) if context is not None else None
        if key is not None:
            self._memo.used.add(key)
            if key in self._memo.outputs:
                self._memo.hits += 1
                return self._memo.outputs[key]
        output = str(self._template.render(*args, **kwargs))
        if key is not None:
            self._memo.outputs[key] = output
        return output

    def __getattr__(self, name: str) -> Any:
        return getattr(self._template, name)


def wrap_environment(env: Any, memo: RenderMemo) -> None:
    """Make `env.get_template` hand out MemoTemplates (only page renders, which carry a page, are memoized)."""
    original = env.get_template

    def get_template(name: Any, *args: Any, **kwargs: Any) -> Any:
        template = original(name, *args, **kwargs)
        # MkDocs asks by name alone; Jinja's own calls (extends, include, import) pass the parent template too.
        return MemoTemplate(template, name, memo) if isinstance(name, str) and not args and not kwargs else template

    env.get_template = get_template
