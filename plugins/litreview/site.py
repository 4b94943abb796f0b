"""The site as a host-independent fact: the pages of the nav (mkdocs.yml or zensical.toml), in reading order.

One pass over these sources gives what no single page knows: the global citation numbers, which pages cite
what, cross-reference targets. The Markdown extension (`litreview.markdown`) uses it under any host.
"""
from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CONFIG_NAMES = ("mkdocs.yml", "mkdocs.yaml", "zensical.toml")
_FRONT_MATTER = re.compile(r"\A-{3}[ \t]*\n(.*?\n)?(?:-{3}|\.{3})[ \t]*\n", re.S)


class SiteConfigError(Exception):
    """The site configuration cannot be read."""


@dataclass(frozen=True)
class SitePage:
    src_uri: str  # docs-relative, e.g. "background/epidemiology.md"
    url: str  # site-relative, as the host writes it
    path: str  # relative to the project, for messages
    body: str  # the Markdown the host converts (front matter removed)
    title: str = ""  # the nav's title, else the first heading, else the file name


@dataclass(frozen=True)
class Site:
    config_file: Path
    root: Path
    docs_dir: Path
    pages: tuple[SitePage, ...]
    markdown_extensions: tuple[Any, ...]  # as written in the configuration (names or {name: options})
    litreview: dict[str, Any]  # the litreview options found there (plugin or extension)


def strip_front_matter(text: str) -> str:
    """The Markdown body as MkDocs and Zensical hand it to Python-Markdown: YAML front matter removed."""
    text = text.lstrip("\ufeff")
    m = _FRONT_MATTER.match(text)
    return text[m.end():] if m else text


def page_url(src_uri: str, directory_urls: bool) -> str:
    """MkDocs' URL rule: `a/b.md` -> `a/b.html` or `a/b/`; `a/index.md` -> `a/index.html` or `a/`."""
    stem = src_uri[:-3] if src_uri.endswith(".md") else src_uri
    parent, _, name = stem.rpartition("/")
    if name == "index":
        return (f"{parent}/index.html" if parent else "index.html") if not directory_urls else \
            (f"{parent}/" if parent else "")
    return f"{stem}.html" if not directory_urls else f"{stem}/"


def _nav_files(items: Any) -> Iterator[tuple[str, str]]:
    """(title or "", file) of every entry of a nav, in order."""
    for item in items or []:
        if isinstance(item, str):
            yield "", item
        elif isinstance(item, dict):
            for title, value in item.items():
                if isinstance(value, str):
                    yield str(title), value
                else:
                    yield from _nav_files(value)
        elif isinstance(item, list):
            yield from _nav_files(item)


_HEADING = re.compile(r"^#\s+(.+?)\s*#*\s*$", re.M)


def _title(nav_title: str, body: str, src_uri: str) -> str:
    if nav_title:
        return nav_title
    m = _HEADING.search(body)
    return m.group(1).strip() if m else src_uri.rsplit("/", 1)[-1].removesuffix(".md")


def _default_order(docs_dir: Path) -> list[str]:
    """Without a nav: every page, index first in each folder, then by name (as MkDocs orders them)."""
    files = [p.relative_to(docs_dir).as_posix() for p in docs_dir.rglob("*.md")
             if not any(part.startswith(".") for part in p.relative_to(docs_dir).parts)]

    def key(rel: str) -> tuple[Any, ...]:
        parts = rel.split("/")
        return (*[(0, p) for p in parts[:-1]], (0 if parts[-1] in ("index.md", "README.md") else 1, parts[-1]))

    return sorted(files, key=key)


def _read_config(config_file: Path) -> dict[str, Any]:
    try:
        text = config_file.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise SiteConfigError(f"{config_file}: cannot read the configuration ({exc.strerror})") from exc
    if config_file.suffix == ".toml":
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise SiteConfigError(f"{config_file}: invalid TOML: {exc}") from exc
        project = data.get("project", data)
        return dict(project) if isinstance(project, dict) else {}
    from .lint.project import read_yaml  # the tolerant YAML reader of `litreview check` (!ENV, !!python/name)

    try:
        return read_yaml(config_file)
    except Exception as exc:  # ProjectError and YAML errors: one message
        raise SiteConfigError(str(exc)) from exc


def _litreview_options(config: dict[str, Any]) -> dict[str, Any]:
    for group in (config.get("markdown_extensions") or [], config.get("plugins") or []):
        items = group.items() if isinstance(group, dict) else [
            next(iter(i.items())) if isinstance(i, dict) else (i, {}) for i in group]
        for name, options in items:
            if str(name) in ("litreview", "litreview.markdown"):
                return dict(options or {})
    return {}


def find_config(start: Path) -> Path | None:
    for name in CONFIG_NAMES:
        if (start / name).is_file():
            return start / name
    return None


def read_site(config_file: Path) -> Site:
    """The nav's pages with their Markdown, read once; missing nav entries are skipped (the host reports them)."""
    config_file = config_file.resolve()
    config = _read_config(config_file)
    root = config_file.parent
    docs_dir = (root / str(config.get("docs_dir") or "docs")).resolve()
    directory_urls = bool(config.get("use_directory_urls", True))
    listed = [(t, f) for t, f in _nav_files(config.get("nav")) if not re.match(r"^[a-z][a-z0-9+.-]*://", f)]
    order = [(t, f) for t, f in listed if f.endswith(".md")] if config.get("nav") else \
        [("", f) for f in _default_order(docs_dir)]
    pages = []
    seen: set[str] = set()
    for nav_title, src_uri in order:
        path = (docs_dir / src_uri)
        if src_uri in seen or not path.is_file() or not path.resolve().is_relative_to(docs_dir):
            continue
        seen.add(src_uri)
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError):
            continue
        rel = path.relative_to(root).as_posix() if path.is_relative_to(root) else src_uri
        body = strip_front_matter(text)
        pages.append(SitePage(src_uri, page_url(src_uri, directory_urls), rel, body, _title(nav_title, body, src_uri)))
    extensions = config.get("markdown_extensions") or []
    if isinstance(extensions, dict):
        extensions = [{k: v} for k, v in extensions.items()]
    return Site(config_file, root, docs_dir, tuple(pages), tuple(extensions), _litreview_options(config))


def fingerprint(site_config: Path, docs_dir: Path, extra: list[Path]) -> tuple[Any, ...]:
    """What the site pass depends on, cheaply: sizes and times of the config, the pages and the inputs."""
    stamps: list[Any] = []
    for path in [site_config, *sorted(docs_dir.rglob("*.md")), *extra]:
        try:
            st = path.stat()
            stamps.append((str(path), st.st_size, st.st_mtime_ns))
        except OSError:
            stamps.append((str(path), None))
    return tuple(stamps)
