"""`litreview.markdown`: the whole citation engine as a Python-Markdown extension, for any host.

    markdown_extensions:
      - litreview.markdown:
          bib_dir: bib

Citations become numbered, linked citations with previews; each page gets its reference list; evidence
tables, charts, inline values and the bibliography are rendered. Numbers are global in nav order: the
extension is not told which page it converts, so it reads the site's nav once (`mkdocs.yml` or
`zensical.toml` in the working directory, or `config_file`), converts every page of it once to learn who
cites what, and recognises the page it is given by its text. Text that belongs to no page of the nav (a plain
`markdown.markdown()` call) is numbered on its own, by first citation. Only MkDocs/ProperDocs with the
`litreview` plugin add what needs the whole site: downloads, the PDF, the search copy.
"""
from __future__ import annotations

import hashlib
import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from markdown import Markdown
from markdown.extensions import Extension
from markdown.postprocessors import Postprocessor
from markdown.preprocessors import Preprocessor

from .bibliography.load import Bibliography
from .citations.manager import CitationManager, relative_url
from .citations.markdown_ext import CitationExtension, take_value_errors
from .core import load_inputs
from .errors import Problem
from .sanitize import refuse_active_content
from .site import Site, SiteConfigError, find_config, fingerprint, read_site
from .tables.manager import TableManager

log = logging.getLogger("mkdocs.plugins.litreview")

OPTIONS: dict[str, list[Any]] = {
    "config_file": ["", "The site configuration whose nav gives the reading order (default: mkdocs.yml or "
                        "zensical.toml in the working directory)."],
    "bib_dir": ["bib", "Folder of *.bib files, relative to the site configuration's folder."],
    "bib_files": [[], "Explicit BibTeX files instead of every file in bib_dir."],
    "data_dir": ["data", "Folder of evidence YAML, relative to docs_dir."],
    "style": ["vancouver", "Entry style: vancouver, plain, unsrt or alpha."],
    "citation_style": ["numeric", "numeric or author-year."],
    "required_fields": [[], "Fields every entry must have."],
    "references_heading": ["References", "Heading of a page's reference list."],
    "pandoc_html_blocks": [False, "Read Markdown inside block-level HTML elements, as pandoc and Quarto do."],
}
_SELF = ("litreview.markdown", "litreview")
MKDOCS_BUILTINS = ("toc", "tables", "fenced_code")


def _normal(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.strip("\n").splitlines())


def _digest(text: str) -> str:
    return hashlib.sha256(_normal(text).encode()).hexdigest()


def _root_prefix(url: str) -> str:
    rel = relative_url("", url)
    return "" if rel in (".", "./") else rel.rstrip("/") + "/"


@dataclass
class Engine:
    """One site's bibliography, data and numbers, shared by every conversion in this process."""

    root: Path
    site: Site | None
    bib: Bibliography
    tables: TableManager
    citations: CitationManager | None  # the whole site's, when there is a site
    pages: dict[str, str]  # digest of a page's text -> its src_uri
    options: dict[str, Any]
    startup_problems: list[Problem]

    @classmethod
    def build(cls, site: Site | None, options: dict[str, Any]) -> Engine:
        root = site.root if site else Path.cwd().resolve()
        docs_dir = site.docs_dir if site else root
        inputs = load_inputs(root, docs_dir, options, bib_required=False)
        bib, tables, problems = inputs.bib, inputs.tables, inputs.problems
        engine = cls(root, site, bib, tables, None, {}, options, problems)
        if site is not None:
            engine.citations = engine._site_pass(site)
        return engine

    def manager(self) -> CitationManager:
        manager = CitationManager(self.bib, str(self.options["style"]), str(self.options["citation_style"]),
                                  str(self.options["references_heading"]))
        names = [next(iter(e)) if isinstance(e, dict) else e for e in (self.site.markdown_extensions if self.site
                                                                         else ())]
        manager.md_in_html = "md_in_html" in names
        manager.pandoc_html_blocks = bool(self.options["pandoc_html_blocks"])
        return manager

    def markdown(self) -> Markdown:
        """A converter with the site's own extensions (so admonitions, tabs... are parsed as the host does)."""
        names: list[Any] = []
        configs: dict[str, Any] = {}
        listed = [*MKDOCS_BUILTINS] if self.site and self.site.config_file.suffix != ".toml" else []
        for item in self.site.markdown_extensions if self.site else ():
            name = next(iter(item)) if isinstance(item, dict) else item
            if str(name) in listed:
                listed.remove(str(name))
        names += listed  # MkDocs (and ProperDocs) always read pages with these, listed or not
        for item in self.site.markdown_extensions if self.site else ():
            name, config = (next(iter(item.items())) if isinstance(item, dict) else (item, {}))
            if str(name) in _SELF:
                continue
            names.append(str(name))
            if config:
                configs[str(name)] = _resolved(config)
        ext = CitationExtension(value_resolver=self.tables.resolve_value,
                                is_dataset=self.tables.datasets.__contains__,
                                pandoc_html_blocks=bool(self.options["pandoc_html_blocks"]))
        try:
            return Markdown(extensions=[*names, ext], extension_configs=configs)
        except Exception as exc:  # an extension that is not installed here: read with ours only
            log.info(f"litreview: the site pass reads pages without its Markdown extensions ({exc})")
            return Markdown(extensions=[ext])

    def _site_pass(self, site: Site) -> CitationManager:
        citations = self.manager()
        md = self.markdown()
        for page in site.pages:
            md.reset()
            html = md.convert(page.body)
            html, _ = self.tables.expand_directives(html, page.path, page.body, page.url, _root_prefix(page.url))
            citations.add_page(page.src_uri, page.path, page.body)
            citations.collect(page.src_uri, html, page.title, page.url)
            self.pages.setdefault(_digest(page.body), page.src_uri)
        citations.finalize([p.src_uri for p in site.pages])
        return citations

    def finish(self, source: str, html: str) -> tuple[str, list[Problem]]:
        """A converted page's final HTML: tables and charts, numbered citations, its references."""
        src_uri = self.pages.get(_digest(source)) if self.citations else None
        page = next((p for p in self.site.pages if p.src_uri == src_uri), None) if self.site and src_uri else None
        path, url = (page.path, page.url) if page else ("<text>", "")
        # Raw HTML is untrusted under every host, as under the MkDocs plugin: no scripts, handlers or
        # javascript: links, each refusal a warning with its line (before litreview adds its own SVG and tables).
        html, refused = refuse_active_content(html, source, path)
        html, errors = take_value_errors(html)
        problems = [*refused, *self.tables.value_problems(errors, path, source)]
        html, more = self.tables.expand_directives(html, path, source, url, _root_prefix(url))
        problems += more
        if page is not None and self.citations is not None:
            citations = self.citations
            urls = {pid: relative_url(rec.url or "", url) for pid, rec in citations.pages.items()}
            html, found = citations.fix_page(page.src_uri, html, urls, _root_prefix(url))
            citations.search_html(page.src_uri)  # not used by this host
        else:  # text of no page of the site: numbered on its own
            citations = self.manager()
            citations.add_page("text", path, source)
            citations.collect("text", html, "", "")
            citations.finalize(["text"])
            html, found = citations.fix_page("text", html, {}, "")
        return html, problems + found


def _resolved(value: Any) -> Any:
    """`!!python/name:` values of mkdocs.yml, as MkDocs resolves them."""
    from .lint.project import PythonName

    if isinstance(value, PythonName):
        try:
            return value.resolve()
        except (ImportError, AttributeError, ValueError):
            return value.name
    if isinstance(value, dict):
        return {k: _resolved(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolved(v) for v in value]
    return value


_ENGINES: dict[tuple[Any, ...], Engine] = {}
_LOCK = threading.Lock()
_REPORTED: set[tuple[Any, ...]] = set()


def engine_for(options: dict[str, Any]) -> Engine:
    """The engine of the site around the working directory (or `config_file`), rebuilt when an input changed."""
    config = Path(options["config_file"]).resolve() if options["config_file"] else find_config(Path.cwd())
    site = None
    if config is not None:
        try:
            site = read_site(config)
        except SiteConfigError as exc:
            log.warning(f"litreview: {exc}; citations are numbered page by page")
    settings = {**(site.litreview if site else {}), **{k: v for k, v in options.items() if v != OPTIONS[k][0]}}
    merged = {k: settings.get(k, default[0]) for k, default in OPTIONS.items()}
    root = site.root if site else Path.cwd().resolve()
    inputs = [root / str(f) for f in merged["bib_files"]] or sorted((root / str(merged["bib_dir"])).glob("*.bib")) + \
        sorted((root / str(merged["bib_dir"])).glob("*.json"))
    data = (site.docs_dir if site else root) / str(merged["data_dir"])
    inputs += sorted(data.glob("*.y*ml")) if data.is_dir() else []
    key = (str(config), repr(sorted(merged.items())),
           fingerprint(config, site.docs_dir, inputs) if config and site else tuple(map(str, inputs)))
    with _LOCK:
        engine = _ENGINES.get(key)
        if engine is None:
            _ENGINES.clear()  # one site per process: an edited input replaces the old engine
            engine = _ENGINES[key] = Engine.build(site, merged)
            for problem in engine.startup_problems:
                log.warning(str(problem))
    return engine


class _Finish(Postprocessor):
    def __init__(self, md: Markdown, ext: LitReviewExtension) -> None:
        super().__init__(md)
        self.ext = ext

    def run(self, text: str) -> str:
        engine, citation_ext = self.ext.engine, self.ext.citation_ext
        if engine is None or citation_ext is None:
            return text
        html, problems = engine.finish(self.ext.source, text)
        for problem in problems:
            log.warning(str(problem))
        return html


class LitReviewExtension(Extension):
    """Registers the citation syntax and finishes every converted document with the site's numbers."""

    def __init__(self, **kwargs: Any) -> None:
        self.config = {name: list(value) for name, value in OPTIONS.items()}
        super().__init__(**kwargs)
        self.engine: Engine | None = None
        self.citation_ext: CitationExtension | None = None
        self.source = ""

    def extendMarkdown(self, md: Markdown) -> None:  # noqa: N802 (Markdown API)
        options = {name: self.getConfig(name) for name in OPTIONS}
        self.engine = engine_for(options)
        self.citation_ext = CitationExtension(value_resolver=self.engine.tables.resolve_value,
                                              is_dataset=self.engine.tables.datasets.__contains__,
                                              pandoc_html_blocks=bool(self.engine.options["pandoc_html_blocks"]))
        self.citation_ext.extendMarkdown(md)
        md.preprocessors.register(_Remember(md, self), "lr-remember", 1000)
        md.postprocessors.register(_Finish(md, self), "lr-finish", 1)
        md.registerExtension(self)

    def reset(self) -> None:
        self.source = ""


class _Remember(Preprocessor):
    """Keeps the text being converted: it tells which page of the site this is."""

    def __init__(self, md: Markdown, ext: LitReviewExtension) -> None:
        super().__init__(md)
        self.ext = ext

    def run(self, lines: list[str]) -> list[str]:
        self.ext.source = "\n".join(lines)
        return lines


def makeExtension(**kwargs: Any) -> LitReviewExtension:  # noqa: N802 (Markdown entry point)
    return LitReviewExtension(**kwargs)
