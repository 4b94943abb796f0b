"""Write the review PDF with WeasyPrint (imported here only), cached by content hash; failures never stop the site."""
from __future__ import annotations

import contextlib
import functools
import hashlib
import logging
import os
import shutil
import subprocess
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from ..jsonstore import mark_used
from . import parts
from .assemble import (
    PdfMeta,
    PdfPage,
    TocEntry,
    assemble,
    chapter_document,
    front_document,
    references_document,
    slug_for,
    stamp_document,
    toc_entries,
)
from .compose import NotComposable, Place, entries, list_heights, mark_cuts
from .fetch import REFUSED, locate, make_fetcher
from .numbers import SAMPLE

PRINT_CSS = Path(__file__).resolve().parent / "print.css"
# Messages about the machine rather than the content (a missing optional library, a font fallback): the
# authors cannot fix them in a pull request, so they are INFO and a strict build does not fail on them.
ENVIRONMENT_MESSAGES = ("HarfBuzz", "fontTools", "Unable to instantiate", "Unable to save emoji font")


def is_environment_message(message: str) -> bool:
    return any(part in message for part in ENVIRONMENT_MESSAGES)


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        # Inline SVG style attributes reach WeasyPrint's HTML CSS parser too, which reports SVG-only
        # properties (fill, stroke...) as unknown although its SVG renderer uses them: not a problem.
        if message.startswith("Ignored `") and "unknown property" in message:
            return
        if REFUSED in message:  # reported with the page and line that asked for it (write_pdf)
            return
        self.messages.append(message)


def git_version(root: Path) -> str:
    """The git tag of HEAD, else the date of the last commit; empty outside git. Never today's date (determinism)."""
    for args in (["git", "describe", "--tags", "--exact-match"], ["git", "log", "-1", "--format=%cs"]):
        try:
            out = subprocess.run(args, cwd=root, capture_output=True, text=True, timeout=10)
        except (OSError, subprocess.SubprocessError):
            return ""
        if out.returncode == 0 and out.stdout.strip():
            return out.stdout.strip()
    return ""


def render_pdf(document: str, site_dir: Path, page_size: str, stylesheets: Sequence[Path],
               allow_network: bool = False, extra_css: str = "", tagged: bool = True,
               identifier: bytes | None = None,
               pick: Callable[[Sequence[Any]], Sequence[Any]] | None = None,
               compressed: bool = True) -> tuple[bytes, list[str], list[str]]:
    """HTML -> PDF bytes, WeasyPrint's warnings (missing images, fonts) and the URLs the fetcher refused.

    The renderer reads only the built site, the print stylesheets' own folders and litreview's assets.
    `tagged`: PDF/UA-1 (structure tree, document language, alt text, table headers).
    `pick`: given the laid-out pages (WeasyPrint's `Page`s, with their `anchors`), the pages to write; none:
    nothing is written (the PDF is empty bytes).
    `compressed`: False for a PDF that is saved again (pikepdf compresses its streams then): about 5% less time.
    """
    def one(pages: Sequence[Any]) -> list[Sequence[Any]]:
        return [pick(pages) if pick is not None else pages]

    pdfs, warnings, refused = render_pdfs(document, site_dir, page_size, stylesheets, allow_network, extra_css,
                                          tagged, identifier, one, compressed)
    return pdfs[0], warnings, refused


def render_pdfs(document: str, site_dir: Path, page_size: str, stylesheets: Sequence[Path], allow_network: bool,
                extra_css: str, tagged: bool, identifier: bytes | None,
                split: Callable[[Sequence[Any]], list[Sequence[Any]]],
                compressed: bool = True) -> tuple[list[bytes], list[str], list[str]]:
    """`render_pdf` for a document laid out once and written as several PDFs: `split` gives the pages of each
    (none: that PDF is empty bytes)."""
    from weasyprint import HTML

    roots = [site_dir, PRINT_CSS.parent, PRINT_CSS.parent.parent / "assets"] + [p.parent for p in stylesheets]
    css, css_messages, css_refused = _stylesheets(
        page_size, tuple((p, p.read_text(encoding="utf-8")) for p in stylesheets), extra_css, tuple(roots),
        allow_network)
    fetcher = make_fetcher(roots, allow_network)
    handler = _Collect()
    handler.messages += css_messages
    fetcher.refused += css_refused
    logger = logging.getLogger("weasyprint")
    logger.addHandler(handler)
    try:
        options: dict[str, Any] = {"pdf_variant": "pdf/ua-1"} if tagged else {}
        options["uncompressed_pdf"] = not compressed
        identifier = identifier or hashlib.sha256(document.encode()).digest()[:16]
        laid_out = HTML(string=document, base_url=site_dir.resolve().as_uri() + "/",
                        url_fetcher=fetcher).render(stylesheets=css, pdf_identifier=identifier, **options)
        pdfs = []
        for number, chosen in enumerate(split(laid_out.pages)):
            own = identifier if not number else hashlib.sha256(identifier + str(number).encode()).digest()[:16]
            pdfs.append(laid_out.copy(list(chosen)).write_pdf(pdf_identifier=own, **options) if chosen else b"")
    finally:
        logger.removeHandler(handler)
    return pdfs, handler.messages, list(dict.fromkeys(fetcher.refused))


@functools.lru_cache(maxsize=4)
def _stylesheets(page_size: str, sheets: tuple[tuple[Path, str], ...], extra_css: str, roots: tuple[Path, ...],
                 allow_network: bool) -> tuple[list[Any], list[str], list[str]]:
    """The stylesheets parsed once per process for every part typeset with them (each WeasyPrint document parsing
    them again cost about 0.03 s, a tenth of a chapter), with the warnings and refused URLs of their parsing, which
    every part repeats as if it had parsed them itself."""
    from weasyprint import CSS

    fetcher = make_fetcher(list(roots), allow_network)
    handler = _Collect()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(handler)
    try:
        css = [CSS(string=f"@page {{ size: {page_size}; }} @page wide {{ size: {page_size} landscape; }}",
                   url_fetcher=fetcher)]
        css += [CSS(string=text, base_url=path.as_uri(), url_fetcher=fetcher) for path, text in sheets]
        if extra_css:
            css.append(CSS(string=extra_css, url_fetcher=fetcher))
    finally:
        logger.removeHandler(handler)
    return css, handler.messages, list(fetcher.refused)


def refusal_messages(refused: Sequence[str], pages: Sequence[PdfPage], site_dir: Path) -> list[str]:
    """One message per refused URL, naming the page and line that asked for it."""
    site_uri = site_dir.resolve().as_uri() + "/"
    located = [(p.path, p.url, p.html, p.source) for p in pages]
    messages = []
    for url in refused:
        path, line = locate(url, located, site_uri)
        where = f"{path}:{line}: " if path and line else f"{path}: " if path else ""
        shown = url.replace(site_uri, "", 1) if url.startswith(site_uri) else url
        if url.lower().startswith(("http:", "https:", "ftp:")) or ("://" in url and not url.startswith("file:")):
            why = ("the build does not use the network; put the file into the site's folder and link to it "
                   "there (or set allow_network: true)")
        else:
            why = "the PDF reads only files of the built site; link to a file inside docs_dir"
        messages.append(f"{where}PDF: refused to read '{shown}': {why}")
    return messages


# Parts are typeset without page numbers (stamped when joined) and link elsewhere through `lr-dest:` names.
# The contents' dot leaders: WeasyPrint draws each repetition of the leader's text as a text box of its own, so
# '. . ' (half the boxes of '. ') typesets the contents in about 0.7 of the time, and it waits for every chapter.
PART_CSS = ("@page { @bottom-center { content: none; } }\n"
            ".toc a::after { content: leader('. . ') attr(data-page); }\n")
# A chapter PDF of more pages than this is joined in the build's own process once the workers have stopped.
LONG_JOIN_PAGES = 30
STAMP_CSS = ("@page { @top-center { content: none; } @bottom-center { content: string(lr-stamp); } }\n"
             ".lr-stamp { string-set: lr-stamp content(text); visibility: hidden; height: 0; margin: 0;"
             " break-after: page; }\n.lr-stamp:last-child { break-after: auto; }\n")


@dataclass(frozen=True)
class Written:
    target: Path
    messages: list[str]
    reused: bool  # nothing was typeset: every part came from the cache
    pages: int
    chapters: list[Path]
    worker_peak_mb: float


@dataclass(frozen=True)
class SiteLinks:
    """A named destination of the book -> its place on the published site ("" without site_url); picklable,
    so a worker process can join a chapter PDF."""

    urls: dict[str, str]  # page slug -> site-relative URL
    base: str  # site_url ending in "/", or ""

    def __call__(self, name: str) -> str:
        if not self.base:
            return ""
        if name.startswith("ch-") and name[3:] in self.urls:
            return self.base + quote(self.urls[name[3:]])
        slug, sep, fragment = name.partition("--")
        return self.base + quote(self.urls[slug]) + "#" + quote(fragment) if sep and slug in self.urls else ""


def _url_for(pages: Sequence[PdfPage], site_url: str) -> SiteLinks:
    return SiteLinks({p.slug: p.url for p in pages}, site_url.rstrip("/") + "/" if site_url else "")


def _chapter_job(page: PdfPage, slugs: dict[str, str], bib_slug: str | None, meta: PdfMeta, measured: bool,
                 cache_dir: Path | None) -> parts.Job:
    """A chapter of the book as a part; `measured`: the bibliography, whose entries' places the chapter PDFs'
    reference lists are composed from (pdf/compose.py)."""
    document = _remembered(cache_dir, ("chapter", str(measured)), page, slugs, bib_slug, meta, lambda: mark_cuts(
        chapter_document(page, slugs, bib_slug, meta)) if measured else chapter_document(page, slugs, bib_slug, meta))
    return parts.Job(f"chapter {page.slug}", document, PART_CSS, True, entries=measured)


def _references_document(page: PdfPage, slugs: dict[str, str], bib_slug: str | None, meta: PdfMeta, heading: str,
                         cache_dir: Path | None) -> str | None:
    return _remembered(cache_dir, ("references", heading), page, slugs, bib_slug, meta,
                       lambda: references_document(page, slugs, bib_slug, meta, heading) or "") or None


def _remembered(cache_dir: Path | None, kind: tuple[str, ...], page: PdfPage, slugs: dict[str, str],
                bib_slug: str | None, meta: PdfMeta, make: Callable[[], str]) -> str:
    """`make()`, a print document of `page`, kept in the cache by everything it is made from: a build rewrites
    only the pages that changed (rewriting every page's links and ids cost about 0.45 s at M, an edit build's
    sixth)."""
    if cache_dir is None:
        return make()
    digest = hashlib.sha256("\0".join(("document-1", parts.pdf_code_digest(), *kind, page.slug, page.url, page.title,
                                        str(bib_slug), repr(meta), repr(sorted(slugs.items())))).encode())
    digest.update(page.html.encode())
    path = cache_dir / f"document-{digest.hexdigest()[:32]}.html"
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        text = make()
        with contextlib.suppress(OSError):
            cache_dir.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    else:
        mark_used(path)
    return text


class Ahead:
    """The book's chapters typeset while the host still builds its pages, for `write_pdf` to take.

    A host renders the pages one by one and the PDF is made after the last; until then one core does all the work.
    Each page the host has rendered is given to `add`, and its chapter is typeset in the workers at once, with what
    the host already knows of the whole review (the pages' URLs, which page holds the bibliography, the PDF's
    settings). `write_pdf` asks for every chapter again by its content hash: a chapter typeset ahead with other
    inputs (the bibliography turned out to be elsewhere) is not used, and is typeset again.
    """

    def __init__(self, typesetter: parts.Typesetter, slugs: dict[str, str], bib_slug: str | None, meta: PdfMeta,
                 chapter_pdfs: bool) -> None:
        self.typesetter = typesetter
        self._slugs, self._bib_slug, self._meta, self._chapter_pdfs = slugs, bib_slug, meta, chapter_pdfs
        self._jobs: dict[str, tuple[PdfPage, bool, parts.Job]] = {}  # slug -> the page, measured, its job

    def add(self, page: PdfPage) -> None:
        # The bibliography, the longest part (typeset in pieces, one after the other), goes ahead of the chapters
        # queued before it; its entries are measured when chapter PDFs are made (their lists are composed of them).
        bibliography = page.slug == self._bib_slug
        measured = self._chapter_pdfs and bibliography
        job = _chapter_job(page, self._slugs, self._bib_slug, self._meta, measured, self.typesetter.config.cache_dir)
        self._jobs[page.slug] = (page, measured, job)
        self.typesetter.ahead([job], urgent=bibliography)

    def job(self, page: PdfPage, slugs: dict[str, str], bib_slug: str | None, meta: PdfMeta,
            measured: bool) -> parts.Job:
        """The page's part as `write_pdf` wants it: the one made for `add` when made from the same inputs (a
        chapter's document is rewritten once per build), else made now."""
        found = self._jobs.get(page.slug)
        if found is not None and found[0] == page and found[1] == measured and \
                (slugs, bib_slug, meta) == (self._slugs, self._bib_slug, self._meta):
            return found[2]
        return _chapter_job(page, slugs, bib_slug, meta, measured, self.typesetter.config.cache_dir)

    def close(self) -> None:
        self.typesetter.close()


def _workers(options: Any) -> int:
    return int(options.workers or os.cpu_count() or 1)


def _settings(site_dir: Path, options: Any, stylesheets: Sequence[Path], allow_network: bool,
              cache_dir: Path | None) -> parts.Settings:
    return parts.settings(site_dir, options.page_size, stylesheets, allow_network, options.tagged, cache_dir,
                          options.workers)


def warm_up(sources: int, site_dir: Path, options: Any, stylesheets: Sequence[Path], cache_dir: Path | None,
            allow_network: bool, log: logging.Logger) -> parts.Typesetter | None:
    """Worker processes started before the host converts its pages, for a review whose Markdown (`sources`
    characters) will likely make enough HTML to typeset in workers (`parts.POOL_MIN_SOURCE`), else None. Each
    imports WeasyPrint and parses the stylesheets while the host converts: until then it leaves a core idle, and
    the first chapters would wait for both (about 0.5 s). One worker when a cache is there (a build after an edit
    typesets one part or a few), else one per core. Give it to `start_ahead`, which closes it when unused."""
    workers = _workers(options)
    if sources < parts.POOL_MIN_SOURCE or workers < 2:
        return None
    typesetter = parts.Typesetter(_settings(site_dir, options, stylesheets, allow_network, cache_dir),
                                  parts.Progress(log, 0))
    typesetter.warm(1 if cache_dir is not None and cache_dir.is_dir() else workers)
    return typesetter


def start_ahead(pages: Sequence[tuple[str, str]], bib_slug: str | None, meta: PdfMeta, site_dir: Path,
                options: Any, stylesheets: Sequence[Path], cache_dir: Path | None, allow_network: bool,
                log: logging.Logger, warmed: parts.Typesetter | None = None) -> Ahead | None:
    """An `Ahead` for a review whose pages (URL, HTML as far as it is converted) are long enough to typeset in
    worker processes (`parts.POOL_MIN_HTML`), else None: the parts are typeset when `write_pdf` asks for them.
    `warmed`: the workers `warm_up` started, used when they suit (closed otherwise)."""
    config = _settings(site_dir, options, stylesheets, allow_network, cache_dir)
    if sum(len(html) for _, html in pages) < parts.POOL_MIN_HTML or _workers(options) < 2:
        if warmed is not None:
            warmed.close()
        return None
    if warmed is not None and warmed.config == config:
        typesetter = warmed
    else:
        if warmed is not None:
            warmed.close()
        typesetter = parts.Typesetter(config, parts.Progress(log, 0))
        if cache_dir is not None and cache_dir.is_dir():
            typesetter.warm()  # a build after an edit: one part or a few, each waiting for WeasyPrint otherwise
    return Ahead(typesetter, {url: slug_for(url) for url, _ in pages}, bib_slug, meta, bool(options.chapters))


def write_pdf(pages: Sequence[PdfPage], meta: PdfMeta, bib_slug: str | None, site_dir: Path, filename: str,
              page_size: str, stylesheets: Sequence[Path], cache_dir: Path | None, allow_network: bool = False,
              chapters_folder: str = "", workers: int = 0, tagged: bool = True,
              log: logging.Logger | None = None, references_heading: str = "References",
              ahead: Ahead | None = None) -> Written:
    """Typeset each chapter on its own (or reuse it from the cache), join them into `site_dir/filename`, and
    write each chapter with its own references into `site_dir/chapters_folder/` (when a folder is given).

    Page numbers and the contents are added when joining, so an edited chapter is the only one typeset again.
    The messages of a part are kept beside its cached PDF and returned again on reuse, so a strict build
    fails the same way whether the PDF was typeset now or earlier. `ahead`: the chapters the host had typeset
    while it built its pages (its workers serve the rest of the PDF); closed here in any case.
    """
    from .join import join

    log = log or logging.getLogger(__name__)
    target = (site_dir / filename).resolve()
    if not target.is_relative_to(site_dir.resolve()):
        raise ValueError(f"the PDF file name '{filename}' leads outside site_dir; use a plain file name")
    folder = (site_dir / chapters_folder).resolve() if chapters_folder else None
    if folder is not None and (not folder.is_relative_to(site_dir.resolve()) or folder == site_dir.resolve()):
        raise ValueError(f"pdf.chapters_folder '{chapters_folder}' must be a folder inside site_dir")
    config = parts.settings(site_dir, page_size, stylesheets, allow_network, tagged, cache_dir, workers)
    parts.release_memory()  # what building the site freed goes back to the system before the workers start
    slugs = {p.url: p.slug for p in pages}
    refs = [_references_document(p, slugs, bib_slug, meta, references_heading, cache_dir) if folder else None
            for p in pages]
    ref_jobs = {i: parts.Job(f"references {pages[i].slug}", doc, PART_CSS, reference_list=True)
                for i, doc in enumerate(refs) if doc}
    # The chapter PDFs' lists are made of the bibliography's typeset entries (pdf/compose.py): it keeps their places.
    source = next((i for i, p in enumerate(pages) if p.slug == bib_slug), None) if ref_jobs else None
    jobs = [ahead.job(p, slugs, bib_slug, meta, i == source) if ahead is not None
            else _chapter_job(p, slugs, bib_slug, meta, i == source, cache_dir) for i, p in enumerate(pages)]
    progress = parts.Progress(log, len(jobs), len(ref_jobs))
    todo = sum(not parts.is_cached(config, parts.job_key(j, config)) for j in jobs)
    log.info(f"PDF: {len(jobs)} chapters, {len(jobs) - todo} of them reused from the cache")
    outside = _url_for(pages, meta.site_url)
    written_chapters: list[Path] = []
    typesetter = parts.Typesetter(config, progress)
    if ahead is not None:
        if ahead.typesetter.config == config:  # the chapters it typeset are asked for by their keys
            typesetter, typesetter.progress = ahead.typesetter, progress
        else:
            ahead.close()
    with typesetter:
        # The book's parts first; the chapter PDFs' reference lists queue behind them.
        book_parts = typesetter.start(jobs)
        # The page numbers are drawn from one typeset sample of the footer (pdf/numbers.py).
        numbers = typesetter.start([parts.Job("page numbers", stamp_document([SAMPLE], meta), STAMP_CSS)], urgent=True)
        composed: dict[int, dict[str, float]] = {}
        composed_batch: parts.Batch | None = None
        if source is not None:
            # The probe of the first list composed (unless that one cannot be), typeset while the bibliography is.
            typesetter.probe_ahead(ref_jobs[min(ref_jobs)], jobs[source])
            bibliography = book_parts.result(source)
            places = {name: Place(int(v[0]), int(v[1]), (v[2], v[3], v[4], v[5]))
                      for name, v in bibliography.places.items()}
            known = dict(entries(jobs[source].document))
            for i, job in ref_jobs.items():
                with contextlib.suppress(NotComposable):  # then typeset, as before
                    composed[i] = list_heights(job.document, known, places)
            # Made in one call ahead of the chapters still queued: it runs beside them.
            composed_batch = typesetter.compose([(ref_jobs[i], h) for i, h in composed.items()], bibliography)
        ref_batch = typesetter.start([job for i, job in ref_jobs.items() if i not in composed])
        chapters = book_parts.results()

        # The numbered pages start after the cover and contents, so the contents' own length changes no page
        # number: the contents are typeset once, ahead of the reference lists still queued (they wait for nothing
        # else), and the chapter PDFs are joined while they are.
        where = {}
        body = 0
        for chapter in chapters:
            where.update({name: body + index for name, index in chapter.dests.items()})
            body += chapter.pages
        toc = [TocEntry(level, title, dest, where[dest] + 1)
               for level, title, dest in toc_entries(pages, bib_slug, meta.site_url, [j.document for j in jobs])
               if dest in where]
        contents = typesetter.start([parts.Job("contents", front_document(meta, toc), PART_CSS, contents=True)],
                                    urgent=True)
        sample = numbers.result(0)
        ref_parts = dict(zip([i for i in ref_jobs if i not in composed], ref_batch.results(), strict=True))
        if composed_batch is not None:
            ref_parts.update(zip(composed, composed_batch.results(), strict=True))
        lengths = {i: chapters[i].pages + (ref_parts[i].pages if i in ref_parts else 0) for i in range(len(pages))}

        # Chapter PDFs are joined in the workers while they run, except long ones (the bibliography's own PDF): a
        # join holds its pages' objects, and a worker's memory would add to them; those are joined here once the
        # workers have stopped.
        pending: list[tuple[Path, str, Future[bytes] | functools.partial[bytes]]] = []
        if folder is not None:
            folder.mkdir(parents=True, exist_ok=True)
            for i, page in enumerate(pages):
                pieces = [chapters[i]] + ([ref_parts[i]] if i in ref_parts else [])
                path = folder / f"{page.slug}.pdf"
                labels = [f"{k} / {lengths[i]}" for k in range(1, lengths[i] + 1)]
                key = _joined_key(pieces, sample, labels, meta.site_url, pages)
                if not _reuse_joined(cache_dir, key, path):
                    arguments = ([p.pieces for p in pieces], sample.pdf, labels, 0, outside)
                    pending.append((path, key, typesetter.call(join, *arguments) if lengths[i] <= LONG_JOIN_PAGES
                                    else functools.partial(join, *arguments)))
                written_chapters.append(path)
        for path, key, joined in pending:
            if isinstance(joined, Future):
                _keep_joined(cache_dir, key, joined.result(), path)
        front = contents.result(0)
        # The workers stop before the book and the long chapter PDFs are joined, so their memory does not add to
        # the joins'.
        typesetter.close()
        total = front.pages + body
        labels = [f"{n} / {body}" for n in range(1, body + 1)]
        book_key = _joined_key([front, *chapters], sample, labels, meta.site_url, pages)
        joins = [(path, key, joined) for path, key, joined in pending if not isinstance(joined, Future)]
        if not _reuse_joined(cache_dir, book_key, target):
            joins.append((target, book_key, functools.partial(
                join, [front.pdf, *(c.pieces for c in chapters)], sample.pdf, labels, front.pages, outside,
                front.pages)))
        _join_here_and_beside(joins, cache_dir, typesetter.parallel)

    messages: list[str] = []
    for result in [*chapters, *ref_parts.values(), front, sample]:
        messages += refusal_messages(result.refused, pages, site_dir) + [f"PDF: {m}" for m in result.warnings]
    reused = all(r.reused for r in [*chapters, *ref_parts.values(), front, sample])
    progress.log.info(f"PDF: {len(jobs)}/{len(jobs)} chapters ({progress.reused} reused from the cache, "
                      f"{progress.done - progress.reused} typeset), joined {total} pages"
                      + (f" and {len(written_chapters)} chapter PDFs" if written_chapters else "")
                      + f" in {time.perf_counter() - progress.started:.1f} s")
    return Written(target, messages, reused, total, written_chapters, progress.worker_peak_mb)


def _join_here_and_beside(joins: Sequence[tuple[Path, str, functools.partial[bytes]]], cache_dir: Path | None,
                          parallel: bool) -> None:
    """Make and keep the joined PDFs `joins` (path, cache key, join; the book last, when it is not in the cache).
    With workers in use and more than one join, the others are made in a fresh process (pikepdf only: about 30 MB)
    while this process makes the last: the longest, which is then not delayed by starting a process."""
    if not joins:
        return
    *others, (path, key, last) = joins
    beside = None
    if parallel and others:
        from .workers import WorkerPool

        beside = WorkerPool(1)
    try:
        made = [(other_path, other_key, beside.submit(joined.func, *joined.args))
                for other_path, other_key, joined in others] if beside is not None else []
        if beside is None:
            for other_path, other_key, joined in others:
                _keep_joined(cache_dir, other_key, joined(), other_path)
        _keep_joined(cache_dir, key, last(), path)
        for other_path, other_key, future in made:
            _keep_joined(cache_dir, other_key, future.result(), other_path)
    finally:
        if beside is not None:
            beside.shutdown()


def _joined_key(pieces: Sequence[parts.Typeset], sample: parts.Typeset, labels: Sequence[str], site_url: str,
                pages: Sequence[PdfPage]) -> str:
    """A joined PDF depends on its parts, its page numbers and where links outside it lead (site_url, urls)."""
    digest = hashlib.sha256(b"joined-4")
    for piece in [*pieces, sample]:
        digest.update(piece.key.encode())
    digest.update("|".join(labels).encode())
    digest.update(site_url.encode())
    for page in pages:
        digest.update(f"{page.slug}={page.url}".encode())
    return digest.hexdigest()[:32]


def _reuse_joined(cache_dir: Path | None, key: str, target: Path) -> bool:
    cached = cache_dir / f"joined-{key}.pdf" if cache_dir else None
    if cached is None or not cached.is_file():
        return False
    shutil.copyfile(cached, target)
    mark_used(cached)
    return True


def _keep_joined(cache_dir: Path | None, key: str, pdf: bytes, target: Path) -> None:
    target.write_bytes(pdf)
    if cache_dir is not None:
        try:
            cache_dir.mkdir(parents=True, exist_ok=True)
            (cache_dir / f"joined-{key}.pdf").write_bytes(pdf)
        except OSError:
            pass


def typeset_single(pages: Sequence[PdfPage], meta: PdfMeta, bib_slug: str | None, site_dir: Path, page_size: str,
                   stylesheets: Sequence[Path], tagged: bool = True) -> bytes:
    """The whole review as one WeasyPrint document in this process: how the PDF was made before parts (the
    benchmark's yardstick)."""
    return render_pdf(assemble(pages, meta, bib_slug), site_dir, page_size, stylesheets, tagged=tagged)[0]


def build_pdf_safely(pages: Sequence[PdfPage], meta: PdfMeta, bib_slug: str | None, site_dir: Path,
                     options: Any, stylesheets: Sequence[Path], cache_dir: Path | None,
                     log: logging.Logger, allow_network: bool = False,
                     references_heading: str = "References", ahead: Ahead | None = None) -> Path | None:
    """Never raises: any failure is one warning naming the cause; the site already written stays as it is."""
    try:
        written = write_pdf(pages, meta, bib_slug, site_dir, options.filename, options.page_size, stylesheets,
                            cache_dir, allow_network, options.chapters_folder if options.chapters else "",
                            options.workers, options.tagged, log, references_heading, ahead)
        target, messages, reused = written.target, written.messages, written.reused
    except Exception as exc:
        log.warning(f"PDF: {options.filename} was not written ({type(exc).__name__}: {exc}); the site is complete")
        return None
    finally:
        if ahead is not None:
            ahead.close()
    for message in dict.fromkeys(messages):
        if is_environment_message(message):
            log.info(f"PDF (this machine, not the content): {message.removeprefix('PDF: ')}")
        else:
            log.warning(message)
    log.info(f"PDF: {'reused unchanged' if reused else 'wrote'} {target.name}")
    return target
