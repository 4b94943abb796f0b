"""mkdocs.yml -> the paths and litreview options a check needs, without importing or running MkDocs' build."""
from __future__ import annotations

import importlib
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..bibliography.load import bib_folder
from ..config import LitReviewConfig
from .findings import Finding, Severity

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


class ProjectError(Exception):
    """mkdocs.yml is missing or unreadable: the check cannot start."""


@dataclass(frozen=True)
class PythonName:
    """A `!!python/name:module.attr` value, kept as text; only the toc slugify is ever looked up."""

    name: str

    def resolve(self) -> Any:
        module, _, attr = self.name.rpartition(".")
        return getattr(importlib.import_module(module), attr)


class _TolerantLoader(yaml.SafeLoader):
    """SafeLoader that reads mkdocs' `!ENV`, keeps `!!python/name:` as text and ignores other tags."""


def _env(loader: _TolerantLoader, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return os.environ.get(str(loader.construct_scalar(node)))
    if isinstance(node, yaml.SequenceNode):
        items = loader.construct_sequence(node)
        for name in items[:-1]:
            if str(name) in os.environ:
                return os.environ[str(name)]
        return items[-1] if len(items) > 1 else os.environ.get(str(items[0])) if items else None
    return None


def _unknown(loader: _TolerantLoader, suffix: str, node: yaml.Node) -> Any:
    if suffix.startswith("name:"):  # what is left of `!!python/name:module.attr` after the prefix
        return PythonName(suffix[len("name:"):])
    if isinstance(node, yaml.MappingNode):
        return loader.construct_mapping(node, deep=True)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    return loader.construct_scalar(node)  # type: ignore[arg-type]  # the remaining node kind is a scalar


_TolerantLoader.add_constructor("!ENV", _env)
_TolerantLoader.add_multi_constructor("!", _unknown)
_TolerantLoader.add_multi_constructor("tag:yaml.org,2002:python/", _unknown)


def read_yaml(path: Path) -> dict[str, Any]:
    """mkdocs.yml as plain data; `INHERIT:` files are merged the way MkDocs merges them (deep, child wins)."""
    try:
        data = yaml.load(path.read_text(encoding="utf-8-sig"), Loader=_TolerantLoader)
    except OSError as exc:
        raise ProjectError(f"{path}: cannot read the configuration ({exc.strerror})") from exc
    except yaml.YAMLError as exc:
        raise ProjectError(f"{path}: invalid YAML: {exc}") from exc
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ProjectError(f"{path}: expected a mapping of MkDocs settings")
    parent = data.pop("INHERIT", None)
    if parent:
        base = read_yaml((path.parent / str(parent)).resolve())
        data = _merge(base, data)
    return dict(data)


def _merge(base: dict[str, Any], child: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in child.items():
        out[key] = _merge(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


def _named(items: Any) -> dict[str, Any]:
    """`plugins:` / `markdown_extensions:` as {name: options}, whether written as a list or a mapping."""
    if isinstance(items, dict):
        return {str(k): v or {} for k, v in items.items()}
    out: dict[str, Any] = {}
    for item in items or []:
        if isinstance(item, dict):
            out.update({str(k): v or {} for k, v in item.items()})
        elif item is not None:
            out[str(item)] = {}
    return out


@dataclass
class Project:
    """Everything the checks read: folders, bib files, the plugin options and the toc slug settings."""

    root: Path
    config_file: Path
    docs_dir: Path
    bib_paths: list[Path]
    data_dir: Path
    required_fields: tuple[str, ...]
    references_heading: str = "References"
    warn_uncited: bool = False  # the plugin's option: the build warns (so --strict fails) about uncited entries
    toc_separator: str = "-"
    slugify: Callable[[str, str], str] | None = None
    exclude_docs: Any = None
    generated: frozenset[str] = frozenset()  # docs-relative files the plugin adds (the PDF, What's new, feed)
    cache_dir: Path | None = None  # the plugin's content-hash cache, shared so a check after a build re-parses nothing
    config_problems: list[tuple[Severity, str]] = field(default_factory=list)  # (severity, message) on mkdocs.yml
    numbers_need_citations: bool = False  # check.numbers_need_citations: this project's editorial rule
    number_allowlist: Path | None = None  # check.number_allowlist, when set
    md_in_html: bool = False  # Markdown inside `<div markdown="1">` is read (the md_in_html extension)
    pandoc_html_blocks: bool = False  # Markdown inside every block-level element is read (the plugin's option)
    export_fields: str = "all"  # export_fields: which fields the downloads carry
    findings: list[Finding] = field(default_factory=list)  # found while reading the configuration (unread files)
    nav_pages: list[str] = field(default_factory=list)  # docs-relative files named in `nav:`

    def rel(self, path: Path) -> str:
        try:
            return path.resolve().relative_to(self.root.resolve()).as_posix()
        except ValueError:
            return path.as_posix()

    def markdown_files(self) -> Iterator[Path]:
        """Every page MkDocs would read: *.md under docs_dir, minus dot-folders, templates/ and exclude_docs."""
        if not self.docs_dir.is_dir():
            return
        for path in sorted(self.docs_dir.rglob("*.md")):
            rel = path.relative_to(self.docs_dir).as_posix()
            if any(part.startswith(".") for part in rel.split("/")) or rel.startswith("templates/"):
                continue
            if self.exclude_docs is not None and self.exclude_docs.match_file(rel):
                continue
            if path.is_file():
                yield path


def _nav_files(nav: Any) -> Iterator[str]:
    """Every local file a `nav:` names (links to other sites and section titles aside)."""
    items = nav if isinstance(nav, list) else [nav] if nav is not None else []
    for item in items:
        value = next(iter(item.values()), None) if isinstance(item, dict) and len(item) == 1 else item
        if isinstance(value, list):
            yield from _nav_files(value)
        elif isinstance(value, str) and not _SCHEME.match(value) and not value.startswith("/"):
            yield value


def _living_pages(options: LitReviewConfig, root: Path) -> set[str]:
    """The What's new page and its feed, which the plugin adds to a review kept in git (as `LivingManager.add_files`
    does): a nav entry or link to them is valid although no such file is in docs/."""
    from ..living.git import is_repository

    names = {str(options.living.whats_new), str(options.living.feed)} - {""}
    return names if options.living.whats_new and is_repository(root) else set()


def load_project(config_file: Path) -> Project:
    """Read mkdocs.yml and validate the litreview options with the plugin's own Config schema."""
    config_file = config_file.resolve()
    data = read_yaml(config_file)
    root = config_file.parent
    plugins = _named(data.get("plugins", ["search"]))
    raw = plugins.get("litreview")
    problems: list[tuple[Severity, str]] = []
    if raw is None:
        problems.append(("warning", "the litreview plugin is not listed under plugins:; its defaults are used"))
        raw = {}
    options = LitReviewConfig()
    options.load_dict(dict(raw) if isinstance(raw, dict) else {})
    errors, _warnings = options.validate()
    if errors:
        raise ProjectError(f"{config_file}: " + "; ".join(f"plugins.litreview.{n}: {e}" for n, e in errors))
    docs_dir = root / str(data.get("docs_dir") or "docs")
    bib_findings: list[Finding] = []
    if options.bib_files:
        bib_paths = [root / str(f) for f in options.bib_files]
    else:
        folder = root / options.bib_dir
        bib_paths, unread = bib_folder(folder, options.bib_dir) if folder.is_dir() else ([], [])
        bib_findings = [Finding(p.location.path, None, "error", "bib-unread", p.message) for p in unread]
        if not folder.is_dir():
            message = (f"the bibliography folder '{options.bib_dir}' does not exist; create it or set bib_dir / "
                       "bib_files of the litreview plugin")
            problems.append(("error", message))
    extensions = _named(data.get("markdown_extensions", []))
    toc = extensions.get("toc") or {}
    slugify = toc.get("slugify") if isinstance(toc, dict) else None
    if isinstance(slugify, PythonName):
        try:
            slugify = slugify.resolve()
        except (ImportError, AttributeError, ValueError):
            slugify = None
    exclude = None
    if data.get("exclude_docs"):
        import pathspec

        exclude = pathspec.GitIgnoreSpec.from_lines(str(data["exclude_docs"]).splitlines())
    return Project(
        root=root, config_file=config_file, docs_dir=docs_dir, bib_paths=bib_paths,
        data_dir=docs_dir / options.data_dir, required_fields=tuple(options.required_fields),
        references_heading=options.references_heading, warn_uncited=bool(options.warn_uncited),
        toc_separator=str(toc.get("separator", "-")) if isinstance(toc, dict) else "-",
        slugify=slugify if callable(slugify) else None, exclude_docs=exclude, config_problems=problems,
        findings=bib_findings, nav_pages=list(_nav_files(data.get("nav"))),
        cache_dir=root / options.cache_dir / "bib" if options.cache_dir else None,
        generated=frozenset(({options.pdf.filename} if options.pdf.enabled else set()) | _living_pages(options, root)),
        numbers_need_citations=options.check.numbers_need_citations,
        export_fields=options.export_fields,
        number_allowlist=root / options.check.number_allowlist if options.check.number_allowlist else None,
        md_in_html="md_in_html" in extensions or "markdown.extensions.md_in_html" in extensions,
        pandoc_html_blocks=bool(options.pandoc_html_blocks),
    )
