"""MkDocs hooks of the `litreview` plugin: wiring and ordering only; the work lives in the managers."""
from __future__ import annotations

import hashlib
import logging
import os
import time
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, CombinedEvent, event_priority
from mkdocs.structure.files import File, Files
from mkdocs.structure.nav import Navigation
from mkdocs.structure.pages import Page
from mkdocs.utils import get_relative_url

from . import assets
from .citations.markdown_ext import CitationExtension, take_value_errors
from .citations.render import cited_heading_titles, retitle
from .config import LitReviewConfig
from .confine import confine, refusal
from .core import load_inputs
from .errors import LitReviewError, Problem
from .jsonstore import JsonStore, prune_unused
from .living.manager import LivingManager
from .pagecache import MessageRecorder, cacheable, page_key, replay, restore, site_key, snapshot, stable_repr
from .pageinfo import git_dates, git_epoch, how_to_cite, page_info_html
from .sanitize import refuse_active_content, svg_refusal

if TYPE_CHECKING:  # the PDF's code is imported only when a PDF is written
    from .pdf.assemble import PdfMeta, PdfPage
    from .pdf.export import Ahead
    from .pdf.parts import Typesetter

log = logging.getLogger("mkdocs.plugins.litreview")


class LitReviewPlugin(BasePlugin[LitReviewConfig]):
    """Pandoc citations + BibTeX -> numbered references, evidence tables and charts, and the review PDF."""

    supports_multiple_instances = False

    @property
    def _on(self) -> bool:
        """`enabled: false` turns every hook into a no-op (as Material's plugins do)."""
        return bool(self.config.enabled) and getattr(self, "_configured", False)

    def on_startup(self, *, command: str, dirty: bool) -> None:
        # With this hook MkDocs keeps the plugin across `mkdocs serve` rebuilds: the library, page conversions
        # and fixed pages are then remembered here instead of read back from the disk cache on every save.
        serving = command == "serve"
        self._memory: dict[str, Any] | None = {"bib": {}, "pages": {}, "fixed": {}, "content": {}} if serving else None
        if dirty and self.config.enabled:
            log.warning("litreview: a --dirty build rebuilds only the pages that changed, so citation numbers, "
                        "reference lists and the bibliography of the other pages can be out of date; build "
                        "without --dirty (unchanged pages come from the cache and cost little)")

    def on_serve(self, server: Any, *, config: MkDocsConfig, builder: Any) -> Any:
        if not self._on:
            return server
        # MkDocs watches docs_dir and mkdocs.yml; the BibTeX files usually live outside docs_dir.
        for path in self._bib_watch_paths():
            server.watch(str(path))
        return server

    def _bib_watch_paths(self) -> list[Path]:
        if self.config.bib_files:
            return [self.root / f for f in self.config.bib_files if (self.root / f).exists()]
        folder = self.root / self.config.bib_dir
        return [folder] if folder.is_dir() else []

    def on_shutdown(self) -> None:
        # The end of a serve session (MkDocs keeps this instance for later builds in the same process).
        self._memory = None

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        self._configured = False
        if not self.config.enabled:
            return config
        if any(str(e) in ("litreview.markdown", "litreview") for e in config.markdown_extensions):
            raise PluginError("litreview is listed both as a plugin and as the Markdown extension litreview.markdown; "
                              "keep one (the plugin adds downloads, the PDF and the search copy)")
        # Cache entries neither written nor used since then are removed after the build (the second allows for
        # file times that lag the clock by a tick).
        self._started = time.time() - 1
        self.root = Path(config.config_file_path).resolve().parent
        self.docs_dir = Path(config.docs_dir).resolve()
        cache = self.root / self.config.cache_dir if self.config.cache_dir else None
        self.cache_dir = cache
        if self.config.reproducible and "SOURCE_DATE_EPOCH" not in os.environ:
            # MkDocs stamps pages and the sitemap with the build time unless this is set; the last commit's
            # time makes two builds of the same checkout byte-identical.
            epoch = git_epoch(self.root)
            if epoch:
                os.environ["SOURCE_DATE_EPOCH"] = epoch
        memory: dict[str, Any] = getattr(self, "_memory", None) or {}  # only `mkdocs serve` remembers
        try:
            inputs = load_inputs(self.root, self.docs_dir, self.config, cache, memory,
                                 self.config.exports_folder if self.config.exports else None)
        except LitReviewError as exc:
            raise PluginError(str(exc)) from exc
        self.bib_files, self.tables, self.citations = inputs.bib_paths, inputs.tables, inputs.citations
        self.citations.md_in_html = "md_in_html" in config.markdown_extensions  # where raw HTML holds Markdown
        self.citations.pandoc_html_blocks = self.config.pandoc_html_blocks
        self.extension = CitationExtension(value_resolver=self.tables.resolve_value,
                                           is_dataset=self.tables.datasets.__contains__,
                                           pandoc_html_blocks=self.config.pandoc_html_blocks)
        config.markdown_extensions.append(self.extension)  # type: ignore[arg-type]
        assets.add_to_config(config.extra_css, config.extra_javascript, config.extra)
        self._report(inputs.problems)
        self.nav: Navigation | None = None
        self.rendered: dict[str, PdfPage] = {}
        self._ahead: Ahead | None = None
        self._warmed: Typesetter | None = None
        self.dates = git_dates(self.root, self.docs_dir)
        self.living = LivingManager.create(self.config.living, self.root, config.config_file_path or "mkdocs.yml",
                                           title=self.config.pdf.title or config.site_name,
                                           authors=self.config.pdf.authors or config.site_author or "",
                                           site_url=config.site_url or "",
                                           content_paths=[str(p) for p in (self.docs_dir, *self.bib_files)])
        use_cache = cache is not None and self.config.page_cache and cacheable(config.markdown_extensions)
        self.page_cache = JsonStore(cache / "pages" if use_cache and cache else None, memory.get("pages"))
        self.fixed_cache = JsonStore(cache / "fixed" if use_cache and cache else None, memory.get("fixed"))
        self.content_cache = JsonStore(cache / "content" if use_cache and cache else None, memory.get("content"))
        self._paths: dict[str, str] = {}
        self._sources: dict[str, str] = {}
        self._site_key = ""
        self._options_key = ""
        self._page_keys: dict[str, str] = {}
        self._hit: tuple[dict[str, Any], str] | None = None
        self._pending: tuple[str, MessageRecorder] | None = None
        self._configured = True
        return config

    def on_files(self, files: Files, *, config: MkDocsConfig) -> Files:
        if not self._on:
            return files
        for file in list(files):  # nothing is read or published through a link out of docs_dir (or a FIFO)
            if file.generated_by is None and file.abs_src_path and file.src_dir and \
                    Path(file.src_dir).resolve() == self.docs_dir:
                why = refusal(Path(file.abs_src_path), self.docs_dir, self.root)
                if why is None and file.src_uri.lower().endswith(".svg"):
                    why = svg_refusal(Path(file.abs_src_path))
                if why is not None:
                    files.remove(file)
                    if not self._read_as_data(Path(file.abs_src_path)):  # the data loader has its own message
                        log.warning(f"{self._project_path(Path(file.abs_src_path))}: {why}")
        for path, source in assets.packaged_files():  # the stylesheet, script and shim every page loads
            if files.get_file_from_path(path) is None:  # a file of the site's own at that path wins
                files.append(File.generated(config, path, abs_src_path=str(source)))
        # The PDF is written after the build; registering its name keeps links to it valid for MkDocs.
        if self._pdf_wanted() and files.get_file_from_path(self.config.pdf.filename) is None:
            files.append(File.generated(config, self.config.pdf.filename, content=b""))
        self.living.add_files(files, config)  # What's new and its feed
        return files

    def _read_as_data(self, path: Path) -> bool:
        """An evidence data file: the data loader reports (or reads, inside the project) it; it is only not copied."""
        return path.parent == self.docs_dir / self.config.data_dir and path.suffix in (".yaml", ".yml")

    def _project_path(self, path: Path) -> str:
        try:
            return path.absolute().relative_to(self.root).as_posix()
        except ValueError:
            return path.as_posix()

    def _report(self, problems: Any) -> None:
        for problem in problems:
            log.warning(str(problem))

    def on_nav(self, nav: Navigation, *, config: MkDocsConfig, files: Files) -> Navigation:
        if not self._on:
            return nav
        self.nav = nav
        self._report(self.living.read_pages((f.src_uri, self._rel_file(f), self._source(f))
                                            for f in files.documentation_pages()))
        if self._pdf_wanted() and self._warmed is None:  # the PDF's workers get ready while the pages convert
            from .pdf.export import warm_up

            sheets, _ = self._pdf_sheets()
            self._warmed = warm_up(sum(len(self._source(f)) for f in files.documentation_pages()),
                                   Path(config.site_dir), self.config.pdf, sheets, self._pdf_cache(),
                                   self.config.allow_network, log)
        return nav

    def _add_page(self, markdown: str, *, page: Page, config: MkDocsConfig, files: Files) -> str:
        if not self._on:
            return markdown
        self._report(self.citations.add_page(page.file.src_uri, self._rel(page), self._source(page.file)))
        return markdown

    @event_priority(-1000)  # last: the key is the Markdown exactly as it will be converted
    def _lookup_conversion(self, markdown: str, *, page: Page, config: MkDocsConfig, files: Files) -> str:
        self._end_recording()
        if not self._on or self.page_cache.folder is None:
            return markdown
        if not self._site_key:
            self._site_key = site_key(config.markdown_extensions, config.mdx_configs, config.validation, files,
                                      self.tables.fingerprint)
        key = page_key(self._site_key, page.file.src_uri, page.url, markdown)
        self._page_keys[page.file.src_uri] = key  # the content cache's key starts from it (the same HTML)
        entry = self.page_cache.get(key)
        if entry is not None:
            self._hit = (entry, markdown)
            return ""  # nothing left to convert: _reuse_conversion puts the stored result back
        self._pending = (key, MessageRecorder().__enter__())
        return markdown

    on_page_markdown = CombinedEvent(_add_page, _lookup_conversion)

    @event_priority(1000)  # first: every later handler sees the page as a fresh conversion leaves it
    def _reuse_conversion(self, html: str, *, page: Page, config: MkDocsConfig, files: Files) -> str:
        if not self._on:
            return html
        if self._hit is not None:
            (entry, markdown), self._hit = self._hit, None
            html, page.markdown = restore(page, entry, files), markdown
            replay(entry["messages"])
        elif self._pending is not None:
            key, recorder = self._pending
            self._end_recording()
            self.page_cache.put(key, {**snapshot(page, html), "messages": recorder.records})
        return html

    def _end_recording(self) -> None:
        pending = getattr(self, "_pending", None)  # unset when the build failed before on_config finished
        if pending is not None:
            pending[1].close()
            self._pending = None

    def _page_content(self, html: str, *, page: Page, config: MkDocsConfig, files: Files) -> str:
        if not self._on:
            return html
        path, source = self._rel(page), self._source(page.file)
        key = self._content_key(html, page, source)
        entry = self.content_cache.get(key) if key else None
        if entry is not None:  # the same HTML, data, library, options and code as a build that made it before
            html = entry["html"]
            self.tables.downloads.update(entry["downloads"])
            for message in entry["messages"]:
                log.warning(message)
            self.citations.collect(page.file.src_uri, html, page.title or "", page.url,
                                   known=(entry["keys"], [tuple(t) for t in entry["targets"]]))
            return html
        before = set(self.tables.downloads)
        html, refused = refuse_active_content(html, source, path)  # before litreview adds its SVG and tables
        html, errors = take_value_errors(html)
        html, problems = self.tables.expand_directives(html, path, source, page.url, _root_prefix(page))
        found = [*refused, *self.tables.value_problems(errors, path, source), *problems]
        self._report(found)
        self.citations.collect(page.file.src_uri, html, page.title or "", page.url)
        if key:
            keys, targets = self.citations.collected(page.file.src_uri)
            self.content_cache.put(key, {"html": html, "messages": [str(p) for p in found], "keys": keys,
                                         "targets": targets, "downloads": {
                                             name: text for name, text in self.tables.downloads.items()
                                             if name not in before}})
        return html

    def _content_key(self, html: str, page: Page, source: str) -> str:
        """The key under which a page's checked and expanded HTML (tables, charts) and its citations are kept, or
        "" (no page cache; the evidence map reads every page's source). It starts from the page cache's key, which
        already names this exact HTML, so the HTML itself is not hashed again."""
        converted = self._page_keys.get(page.file.src_uri)
        if self.content_cache.folder is None or not converted or "evidence-map" in html:
            return ""
        if not self._options_key:  # the plugin's own options too (styles, chart and table settings)
            self._options_key = stable_repr(_plain_options(self.config))
        return hashlib.sha256("\0".join(("content-2", converted, self._options_key, self.citations.bib.cache_key,
                                         _root_prefix(page), page.title or "", source)).encode()).hexdigest()

    on_page_content = CombinedEvent(_reuse_conversion, _page_content)

    def on_env(self, env: Any, *, config: MkDocsConfig, files: Files) -> Any:
        if not self._on:
            return env
        order = [p.file.src_uri for p in self.nav.pages] if self.nav else []
        self.citations.finalize(order)
        if self.config.warn_uncited:
            self._report(Problem(self.citations.bib.entries[k].location, f"entry '{k}' is never cited; cite it "
                                 "or remove it") for k in self.citations.uncited())
        if self._pdf_wanted() and self.nav:  # the chapters are typeset as the pages are rendered (pdf/export.py)
            from .citations.render import BIBLIOGRAPHY_MARKER
            from .pdf.assemble import slug_for
            from .pdf.export import start_ahead

            pages = [(p.url, p.content or "") for p in self.nav.pages]
            bib_slug = next((slug_for(url) for url, html in pages if BIBLIOGRAPHY_MARKER.search(html)), None)
            sheets, _ = self._pdf_sheets()
            warmed, self._warmed = self._warmed, None
            self._ahead = start_ahead(pages, bib_slug, self._pdf_meta(config), Path(config.site_dir),
                                      self.config.pdf, sheets, self._pdf_cache(), self.config.allow_network, log,
                                      warmed)
        elif self._warmed is not None:
            self._warmed.close()
            self._warmed = None
        return env

    @event_priority(50)  # before the search plugin indexes page.content
    def _fix_page(self, context: Any, *, page: Page, config: MkDocsConfig, nav: Navigation) -> Any:
        if not self._on:
            return context
        urls = ({pid: get_relative_url(rec.url or ".", page.url or ".") for pid, rec in self.citations.pages.items()}
                if any(m in (page.content or "") for m in ("bibliography", 'id="refs"')) else {})  # only a
        # bibliography (ours, or pandoc's `{#refs}` on a page that cites nothing) links to other pages
        html, problems = self.citations.fix_page_cached(page.file.src_uri, page.content or "", self.fixed_cache, urls,
                                                        _root_prefix(page))
        # The search plugin parses page.content next: hand it the same text with far fewer tags (citations and
        # reference lists as plain text); the full page is put back after it (on_page_context below, priority -100).
        if page.toc and (titles := cited_heading_titles(html)):
            retitle(page.toc.items, titles)  # a citation in a heading keeps its text in the table of contents
        def rows() -> list[tuple[str, str, str]]:  # only the page with the overview of dates needs them
            return [(p.title or "", get_relative_url(p.url, page.url), p.file.src_uri) for p in self.nav.pages] \
                if self.nav else []

        html = self.living.page_html(page.file.src_uri, html, rows, self.living.feed_url(page.url))
        page.content = self.citations.search_html(page.file.src_uri) or html
        self._report(problems)
        if self._pdf_wanted():  # the PDF is assembled from every page's final HTML after the build
            from .pdf.assemble import PdfPage, slug_for

            self.rendered[page.file.src_uri] = PdfPage(slug_for(page.url), page.title or "", page.url, html,
                                                       self._rel(page), self._source(page.file))
            if self._ahead is not None:
                self._ahead.add(self.rendered[page.file.src_uri])
        meta = self._page_meta(page, config, html)
        page.meta.update(meta)
        # Shown after the content by every theme (no template override needed): last change, PDF, how to cite.
        self._final_html = html + page_info_html(meta, self.living.box_html(_root_prefix(page)))
        return context

    def _page_meta(self, page: Page, config: MkDocsConfig, html: str) -> dict[str, str]:
        """What the theme shows around a page (main.html): last change, PDF link, how to cite, entry downloads."""
        date = self.dates.get(self._rel(page), "")
        site_url = (config.site_url or "").rstrip("/")
        url = f"{site_url}/{page.url}" if site_url else page.url
        title = page.toc.items[0].title if page.toc.items else (page.title or "")
        cite_text, cite_bib = how_to_cite(config.site_name, self.config.pdf.authors, title, url, date)
        pdf = self.config.pdf.filename if self._pdf_wanted() else ""
        self.living.remember_head(page.file.src_uri, title, date, f"{site_url}/{pdf}" if site_url and pdf else
                                  get_relative_url(pdf, page.url) if pdf else "")
        meta = {"lr_updated": date, "lr_cite_text": cite_text, "lr_cite_bibtex": cite_bib,
                "lr_pdf": get_relative_url(self.config.pdf.filename, page.url) if self._pdf_wanted() else ""}
        if self._pdf_wanted() and self.config.pdf.chapters:
            from .pdf.assemble import slug_for

            chapter_pdf = f"{self.config.pdf.chapters_folder.strip('/')}/{slug_for(page.url)}.pdf"
            meta["lr_chapter_pdf"] = get_relative_url(chapter_pdf, page.url)
        if self.config.exports and 'class="lr-references lr-bibliography"' in html:
            meta["lr_entries_js"] = f"{_root_prefix(page)}{self.config.exports_folder}/entries.js"
        return meta

    @event_priority(-100)  # after the search plugin: the page is rendered with its full HTML
    def _restore_page(self, context: Any, *, page: Page, config: MkDocsConfig, nav: Navigation) -> Any:
        if not self._on:
            return context
        page.content = self._final_html
        return context

    on_page_context = CombinedEvent(_fix_page, _restore_page)

    def on_post_page(self, output: str, *, page: Page, config: MkDocsConfig) -> str:
        # Highwire citation_* tags for reference managers: a public hook and a string edit, so every theme gets them.
        return self.living.add_head(page.file.src_uri, output) if self._on else output

    def on_build_error(self, *, error: Exception) -> None:
        self._end_recording()
        ahead = getattr(self, "_ahead", None)  # unset when the build failed before on_config finished
        if ahead is not None:
            ahead.close()
            self._ahead = None
        warmed = getattr(self, "_warmed", None)
        if warmed is not None:
            warmed.close()
            self._warmed = None

    def on_post_build(self, *, config: MkDocsConfig) -> None:
        if not self._on:
            return
        for store in (self.page_cache, self.fixed_cache, self.content_cache):
            store.save()  # first: a PDF that fails later does not cost the pages their cache
        site_dir = Path(config.site_dir)
        self.tables.write_downloads(site_dir)
        if self.config.exports:
            from .bibliography.export import publishable_library, write_library_exports

            library = publishable_library(self.citations.bib, self.config.export_fields)
            write_library_exports(library, list(library.entries), site_dir,
                                  self.config.exports_folder, per_entry=self.citations.listed,
                                  cache_dir=self.cache_dir / "exports" if self.cache_dir else None)
        self.living.post_build(site_dir, config.site_url or "")  # "Cite this version" files, the Atom feed
        if self._pdf_wanted():
            self._write_pdf(config, site_dir)
        elif self.config.pdf.enabled:
            log.info("litreview: the PDF is not written under `mkdocs serve` (set pdf.serve: true to write it)")
        self._prune_caches()

    def _prune_caches(self) -> None:
        """After a build: cache entries it neither used nor wrote go (old versions of edited files)."""
        if self.cache_dir is not None:
            folders = ["bib", "exports", "data", "charts"] + (["pdf"] if self._pdf_wanted() else [])
            for folder in folders:
                prune_unused(self.cache_dir / folder, self._started)

    def _pdf_wanted(self) -> bool:
        serving = getattr(self, "_memory", None) is not None  # only `mkdocs serve` keeps anything in memory
        return bool(self.config.pdf.enabled and (self.config.pdf.serve or not serving))

    def _pdf_meta(self, config: MkDocsConfig) -> PdfMeta:
        from .pdf.assemble import PdfMeta
        from .pdf.export import git_version

        options = self.config.pdf
        version = self.living.cover_version() or git_version(self.root)
        return PdfMeta(title=options.title or config.site_name, subtitle=options.subtitle or
                       config.site_description or "", authors=options.authors, version=version,
                       cover_text=options.cover_text, keywords=tuple(options.keywords),
                       site_url=config.site_url or "", language=str(config.theme.get("language") or "en"))

    def _pdf_sheets(self) -> tuple[list[Path], list[Problem]]:
        from .pdf.export import PRINT_CSS

        extra, problems = confine([self.root / s for s in self.config.pdf.extra_css], self.root, self.root)
        return [PRINT_CSS, *extra], [Problem(p.location, f"pdf.extra_css: {p.message}") for p in problems]

    def _pdf_cache(self) -> Path | None:
        return self.cache_dir / "pdf" if self.cache_dir else None

    def _write_pdf(self, config: MkDocsConfig, site_dir: Path) -> None:
        from .pdf.export import build_pdf_safely

        order = [p.file.src_uri for p in self.nav.pages] if self.nav else sorted(self.rendered)
        pages = [self.rendered[p] for p in order if p in self.rendered]
        bib_slug = next((p.slug for p in pages if 'class="lr-references lr-bibliography"' in p.html), None)
        options = self.config.pdf
        sheets, problems = self._pdf_sheets()
        self._report(problems)
        ahead, self._ahead = self._ahead, None
        if build_pdf_safely(pages, self._pdf_meta(config), bib_slug, site_dir, options, sheets, self._pdf_cache(),
                            log, self.config.allow_network, self.config.references_heading, ahead) is None:
            placeholder = site_dir / options.filename
            if placeholder.is_file() and placeholder.stat().st_size == 0:
                placeholder.unlink()

    def _source(self, file: File) -> str:
        """A page's Markdown as written (front matter included, for line numbers), read once per build."""
        text = self._sources.get(file.src_uri)
        if text is None:
            text = self._sources[file.src_uri] = file.content_string
        return text

    def _rel(self, page: Page) -> str:
        """The page's path relative to the project, for messages (resolved once per page and build)."""
        return self._rel_file(page.file)

    def _rel_file(self, file: File) -> str:
        path = self._paths.get(file.src_uri)
        if path is None:
            try:
                path = Path(file.abs_src_path or "").resolve().relative_to(self.root).as_posix()
            except ValueError:
                path = file.src_uri
            self._paths[file.src_uri] = path
        return path


def _plain_options(value: Any) -> Any:
    """The plugin's configuration as plain dicts and lists (MkDocs' Config objects have no stable repr)."""
    if isinstance(value, Mapping):
        return {str(k): _plain_options(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain_options(v) for v in value]
    return value


def _root_prefix(page: Page) -> str:
    """The relative way from a page to the site root: "" at the top, "../" one folder down."""
    prefix = get_relative_url(".", page.url or ".").rstrip("/") + "/"
    return "" if prefix in ("./", "/") else prefix
