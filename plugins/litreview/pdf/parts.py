"""Typeset the parts of the PDF (chapters, reference lists, cover, page numbers): cached by content hash,
the missing ones in worker processes when there is enough to typeset, with progress at INFO level."""
from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import logging
import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from ..jsonstore import mark_used
from .assemble import ReferenceSplit
from .workers import WorkerPool

PARTS_VERSION = "part-5"
# Below this much HTML to typeset, starting worker processes (each imports WeasyPrint) costs more than it saves.
POOL_MIN_HTML = 300_000
# Markdown of this many characters or more likely converts to POOL_MIN_HTML of HTML or more (at least twice as
# much, with citations, reference lists and tables): the workers are started before the pages are converted.
POOL_MIN_SOURCE = POOL_MIN_HTML // 2
# A worker left above this much resident memory by a part (caches, a fragmented heap) is replaced by a fresh one
# (pdf/workers.py); a fresh worker that has typeset a chapter holds about 75 MB.
RENEW_MB = 100
# A reference list of twice this many entries or more is typeset this many at a time (_render_in_pieces).
PIECE_ENTRIES = 150
# The chapter PDFs' composed lists are made in one call per this many entries, at most one per worker.
COMPOSE_CALL_ENTRIES = 6000


@dataclass(frozen=True)
class Job:
    name: str  # for progress and messages, e.g. "chapter background-epidemiology"
    document: str
    extra_css: str
    chapter: bool = False  # counted in the progress messages
    reference_list: bool = False  # a chapter PDF's own reference list, counted apart
    entries: bool = False  # the bibliography: where its entries are is kept (the chapter PDFs' lists are made of them)
    contents: bool = False  # the cover and contents: their dot leaders may be drawn after typesetting (pdf/leaders.py)
    # Sections (`<section id=...>`, each beginning a page) written as PDFs of their own, in order: `pieces`
    sections: tuple[str, ...] = ()


@dataclass
class Typeset:
    pdf: bytes
    warnings: list[str]
    refused: list[str]
    reused: bool
    key: str
    pages: int = 0
    dests: dict[str, int] = field(default_factory=dict)  # named destination -> page index (join.part_info)
    piece_sizes: tuple[int, ...] = ()  # typeset in pieces: `pdf` is their bytes one after another
    # Job.entries: id of each entry (and of its "Cited in" line) -> [piece, page in it, x0, y0, x1, y1] (CSS px)
    places: dict[str, list[float]] = field(default_factory=dict)
    composed: bool = False  # a chapter PDF's list made of the bibliography's typeset entries (pdf/compose.py)

    @property
    def pieces(self) -> bytes | list[bytes]:
        """What pdf/join.py takes for this part: its PDF, or the list of its pieces."""
        if not self.piece_sizes:
            return self.pdf
        found, start = [], 0
        for size in self.piece_sizes:
            found.append(self.pdf[start:start + size])
            start += size
        return found


@dataclass(frozen=True)
class Settings:
    site_dir: Path
    page_size: str
    stylesheets: tuple[Path, ...]
    allow_network: bool
    tagged: bool
    cache_dir: Path | None
    workers: int  # 0: one per core
    fingerprint: str = field(default="")  # of the stylesheets and settings, part of every key


def settings(site_dir: Path, page_size: str, stylesheets: Sequence[Path], allow_network: bool, tagged: bool,
             cache_dir: Path | None, workers: int) -> Settings:
    digest = hashlib.sha256(PARTS_VERSION.encode())
    digest.update(f"{page_size}|{allow_network}|{tagged}|{pdf_code_digest()}".encode())
    for sheet in stylesheets:
        digest.update(sheet.read_bytes())
    return Settings(site_dir, page_size, tuple(stylesheets), allow_network, tagged, cache_dir, workers,
                    digest.hexdigest())


@functools.cache
def pdf_code_digest() -> str:
    """What turns a part's HTML into its cached PDF besides the HTML: this package's code (pieces, compaction...)
    and the versions of WeasyPrint and pikepdf. A part typeset by other code is typeset again."""
    from importlib.metadata import PackageNotFoundError, version

    digest = hashlib.sha256()
    for path in sorted(Path(__file__).resolve().parent.glob("*.py")):
        digest.update(path.name.encode() + path.read_bytes())
    for name in ("weasyprint", "pikepdf", "pydyf"):
        try:
            digest.update(f"{name}={version(name)}".encode())
        except PackageNotFoundError:
            digest.update(f"{name}=none".encode())
    return digest.hexdigest()


def job_key(job: Job, config: Settings) -> str:
    import re

    digest = hashlib.sha256(config.fingerprint.encode())
    digest.update(job.document.encode())
    digest.update(job.extra_css.encode())
    for image in sorted(set(re.findall(r'src="([^":]+)"', job.document))):  # images change the pages too
        path = config.site_dir / image
        if path.is_file():
            digest.update(image.encode() + path.read_bytes())
    return digest.hexdigest()[:32]


_T = TypeVar("_T")


def is_cached(config: Settings, key: str) -> bool:
    """Whether the cache holds the part (without reading it: the progress line counts these in advance)."""
    return config.cache_dir is not None and all(
        (config.cache_dir / f"part-{key}.{suffix}").is_file() for suffix in ("pdf", "json"))


def _load(config: Settings, stem: str, parse: Callable[[bytes, dict[str, Any]], _T]) -> _T | None:
    """`parse(pdf, notes)` of the cache's `stem`.pdf and `stem`.json (both marked used), or None when it holds no
    readable pair."""
    if config.cache_dir is None:
        return None
    pdf, notes = config.cache_dir / f"{stem}.pdf", config.cache_dir / f"{stem}.json"
    try:
        found = parse(pdf.read_bytes(), json.loads(notes.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    mark_used(pdf)
    mark_used(notes)
    return found


def _save(config: Settings, stem: str, pdf: bytes, notes: dict[str, Any]) -> None:
    """Keep `stem`.pdf and `stem`.json in the cache (a cache that cannot be written is only slower)."""
    if config.cache_dir is None:
        return
    try:
        config.cache_dir.mkdir(parents=True, exist_ok=True)
        (config.cache_dir / f"{stem}.pdf").write_bytes(pdf)
        (config.cache_dir / f"{stem}.json").write_text(json.dumps(notes, ensure_ascii=False), encoding="utf-8")
    except OSError:
        pass


def _cached(config: Settings, key: str) -> Typeset | None:
    def parse(pdf: bytes, data: dict[str, Any]) -> Typeset:
        return Typeset(pdf, [str(m) for m in data["warnings"]], [str(u) for u in data["refused"]],
                       True, key, int(data["pages"]), {str(k): int(v) for k, v in data["dests"].items()},
                       tuple(int(n) for n in data["pieces"]),
                       {str(k): [float(x) for x in v] for k, v in data.get("places", {}).items()},
                       bool(data.get("composed", False)))

    return _load(config, f"part-{key}", parse)


def _store(config: Settings, result: Typeset) -> None:
    _save(config, f"part-{result.key}", result.pdf,
          {"warnings": result.warnings, "refused": result.refused, "pages": result.pages, "dests": result.dests,
           "pieces": list(result.piece_sizes), "places": result.places, "composed": result.composed})


def release_memory() -> None:
    """Give the memory of a typeset document back to the system (glibc keeps freed pages otherwise): a worker that
    typeset the bibliography (about 360 MB at 1,000 entries) goes back to under 200 MB for the next part."""
    import gc

    gc.collect()
    libc = _libc()
    if libc is not None and hasattr(libc, "malloc_trim"):
        libc.malloc_trim(0)


def _call_and_release(function: Callable[..., bytes], *args: Any) -> bytes:
    """In a worker: `function(*args)`, then the memory it used goes back to the system."""
    try:
        return function(*args)
    finally:
        release_memory()


@functools.cache
def _libc() -> Any:
    """The C library, for malloc_trim. glibc's by its soname first: `ctypes.util.find_library` runs `ldconfig` and
    the C compiler in subprocesses, a fork of each fresh worker (its memory counted twice while it lasts)."""
    import ctypes
    import ctypes.util

    try:
        return ctypes.CDLL("libc.so.6")
    except OSError:
        pass
    name = ctypes.util.find_library("c")
    try:
        return ctypes.CDLL(name) if name else None
    except OSError:
        return None


def _render(job: Job, config: Settings, key: str) -> tuple[Typeset, float]:
    """In this process or a worker: the typeset part and this process's peak RSS (MB)."""
    import resource

    from .assemble import split_references
    from .join import part_info

    split = split_references(job.document, 2 * PIECE_ENTRIES) if not job.sections else None
    places: dict[str, list[float]] = {}
    wanted = _measured_ids(job)
    if job.sections:
        pieces, warnings, refused = _render_sections(job, config, key, wanted, places)
    elif split is None:
        def pick(pages: Sequence[Any]) -> Sequence[Any]:
            places.clear()
            _measure(pages, wanted, 0, places)
            return pages

        pdf, warnings, refused = _typeset(job.document, job.extra_css, config, key, pick if wanted else None,
                                          job.contents)
        pieces = [pdf]
    else:
        pieces, warnings, refused = _render_in_pieces(split, job, config, wanted, places)
    info = part_info(pieces)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    release_memory()
    sizes = tuple(len(p) for p in pieces) if len(pieces) > 1 else ()
    return Typeset(b"".join(pieces), warnings, refused, False, key, info.pages, info.dests, sizes, places), peak


def _render_sections(job: Job, config: Settings, key: str, wanted: set[str],
                     places: dict[str, list[float]]) -> tuple[list[bytes], list[str], list[str]]:
    """The job's sections laid out as one document and written as one PDF each (the chapter PDFs' skeletons: a
    document of its own cost each about 20 ms more to WeasyPrint). Places are kept by section, and page in it."""
    from . import export
    from .join import compact_structure

    def split(pages: Sequence[Any]) -> list[Sequence[Any]]:
        places.clear()
        starts = [next((n for n, page in enumerate(pages) if name in page.anchors), -1) for name in job.sections]
        if -1 in starts or starts != sorted(set(starts)) or (starts and starts[0] != 0):
            return [[] for _ in job.sections]  # not laid out as asked: no PDFs (their lists are typeset)
        chosen = [pages[start:end] for start, end in zip(starts, [*starts[1:], len(pages)], strict=True)]
        for number, section in enumerate(chosen):
            _measure(section, wanted, number, places)
        return chosen

    pdfs, warnings, refused = export.render_pdfs(job.document, config.site_dir, config.page_size, config.stylesheets,
                                                 config.allow_network, job.extra_css, config.tagged,
                                                 bytes.fromhex(key)[:16], split, compressed=not config.tagged)
    return [compact_structure(pdf) if config.tagged and pdf else pdf for pdf in pdfs], warnings, refused


def _typeset(document: str, extra_css: str, config: Settings, key: str,
             pick: Callable[[Sequence[Any]], Sequence[Any]] | None,
             contents: bool = False) -> tuple[bytes, list[str], list[str]]:
    """A part's PDF as it is kept (its structure compacted when tagged), WeasyPrint's warnings and refused URLs.

    Typeset tagged with litreview's print stylesheet alone, a reference list has its entries' "Cited in" lines
    typeset as plain text and their links drawn in afterwards (pdf/backlinks.py: about a third of the
    bibliography's typesetting), and the contents (`contents`) their dot leaders (pdf/leaders.py: about half of
    the contents'). If they cannot be, the part is typeset again as it is. `pick` may be called twice then: it
    chooses among the pages of each typesetting afresh.
    """
    from . import export  # looked up at call time, so tests can replace export.render_pdf
    from .backlinks import NotLinkable, boxes, relink, unlink
    from .join import compact_structure
    from .leaders import FLOAT_CSS, NotDrawn, draw, first_page

    identifier = bytes.fromhex(key)[:16]
    ours = config.tagged and config.stylesheets == (export.PRINT_CSS,)
    if ours and contents:
        start: list[int | None] = [None]

        def pick_contents(pages: Sequence[Any]) -> Sequence[Any]:
            chosen = list(pick(pages)) if pick is not None else pages
            start[0] = first_page(chosen)
            return chosen

        pdf, warnings, refused = export.render_pdf(document, config.site_dir, config.page_size, config.stylesheets,
                                                   config.allow_network, extra_css + FLOAT_CSS, True, identifier,
                                                   pick_contents, compressed=False)
        first = start[0]
        if pdf and first is not None:
            try:
                return compact_structure(pdf, lambda doc: draw(doc, first)), warnings, refused
            except NotDrawn:
                pass  # typeset again, with WeasyPrint's leaders
    plain, lines = unlink(document) if ours else (document, {})
    if lines:
        placed: dict[int, Any] = {}

        def pick_lines(pages: Sequence[Any]) -> Sequence[Any]:
            chosen = list(pick(pages)) if pick is not None else pages
            placed.clear()
            placed.update(boxes(chosen, lines))
            return chosen

        pdf, warnings, refused = export.render_pdf(plain, config.site_dir, config.page_size, config.stylesheets,
                                                   config.allow_network, extra_css, True, identifier, pick_lines,
                                                   compressed=False)
        if not pdf:
            return pdf, warnings, refused
        try:
            return compact_structure(pdf, lambda doc: relink(doc, placed)), warnings, refused
        except NotLinkable:
            pass  # typeset again, its links made by WeasyPrint
    # A tagged part is saved again when its structure is compacted: WeasyPrint need not compress it first.
    pdf, warnings, refused = export.render_pdf(document, config.site_dir, config.page_size, config.stylesheets,
                                               config.allow_network, extra_css, config.tagged, identifier, pick,
                                               compressed=not config.tagged)
    return (compact_structure(pdf) if config.tagged and pdf else pdf), warnings, refused


def _warm(config: Settings) -> None:
    """In a worker: what typesetting a first part would otherwise wait for (WeasyPrint's import, the stylesheets
    parsed, the fonts found), done on an empty document."""
    from . import export

    export.render_pdf("<!DOCTYPE html><html><body></body></html>", config.site_dir, config.page_size,
                      config.stylesheets, config.allow_network, "", config.tagged, pick=lambda pages: [])


def _measured_ids(job: Job) -> set[str]:
    """The ids whose places a job keeps: each entry's and its "Cited in" line's (the bibliography), and any other
    id litreview gave to measure a place (a skeleton's boxes, a probe's)."""
    import re

    from .compose import CUT_PREFIX, entries

    if not job.entries:
        return set()
    ids = {entry_id for entry_id, _ in entries(job.document)}
    return ids | {CUT_PREFIX + i for i in ids} | set(re.findall(rf'\sid="({CUT_PREFIX}[^"]*)"', job.document))


def _measure(pages: Sequence[Any], wanted: set[str], piece: int, places: dict[str, list[float]]) -> None:
    """The places of the wanted ids on these pages (WeasyPrint's `Page.anchors`: border boxes, CSS px)."""
    for index, page in enumerate(pages):
        for name, box in page.anchors.items():
            if name in wanted and name not in places:
                places[name] = [piece, index, *(float(v) for v in box[:4])]


def _probe_job(first: Job) -> Job:
    """The probe of a chapter PDF's reference list (pdf/compose.py: its geometry), typeset from its first entries."""
    from .compose import probe_document

    return Job(f"probe of {first.name}", probe_document(first.document), first.extra_css, entries=True)


def _compose_lists(lists: Sequence[tuple[Job, str, Typeset, dict[str, Any]]], pieces: Sequence[bytes],
                   places: dict[str, list[float]], config: Settings) -> list[tuple[Typeset, float]]:
    """In a fresh worker: chapter PDFs' reference lists made of the bibliography's typeset entries (pdf/compose.py),
    from each list's skeleton (typeset before, a section of one document: one empty box per page) and where its
    entries go (laid out by arithmetic). Only pikepdf works here, the bibliography read one piece at a time. A list
    that cannot be composed is typeset."""
    import resource

    from .compose import NotComposable, Place, Skeleton, anchors, compose_all, entries
    from .join import part_info

    found = {name: Place(int(v[0]), int(v[1]), (v[2], v[3], v[4], v[5])) for name, v in places.items()}
    wanted = [Skeleton(skeleton.pdf, slots, tuple(entry_id for entry_id, _ in entries(job.document)),
                       anchors(job.document)) for job, _, skeleton, slots in lists]
    made: list[bytes | NotComposable] = compose_all(wanted, pieces, found)
    results = []
    for (job, key, skeleton, _), pdf in zip(lists, made, strict=True):
        if isinstance(pdf, bytes):
            info = part_info(pdf)
            result = Typeset(pdf, skeleton.warnings, skeleton.refused, False, key, info.pages, info.dests,
                             composed=True)
        else:
            result, _ = _render(job, config, key)
        results.append((result, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024))
    release_memory()
    return results


def _render_in_pieces(split: ReferenceSplit, job: Job, config: Settings, wanted: set[str],
                      places: dict[str, list[float]]) -> tuple[list[bytes], list[str], list[str]]:
    """A chapter with a long reference list (the bibliography), typeset PIECE_ENTRIES entries at a time: a worker
    holds the layout of one piece, not of the whole list (at 1,000 entries, 360 MB). The pieces are joined with
    the book, one at a time (pdf/join.py).

    Entries do not break across pages (print.css) unless one is longer than a page, so the pages a piece fills are
    the pages the whole list would fill: the entries that begin on a piece's last page start the next piece, and
    that page is left out.
    """
    pieces: list[bytes] = []
    warnings: list[str] = []
    refused: list[str] = []
    start, size = 0, PIECE_ENTRIES
    while start < len(split.items):
        end = min(start + size, len(split.items))
        document = split.document(start, end)
        extra = job.extra_css + (split.running_head() if start else "")
        # Each piece is cached by its own content: a citation added in one chapter changes the "Cited in" line of
        # one entry, and as long as the piece's pages break where they did, the other pieces are the same
        # documents and come from the cache (the whole bibliography was typeset again: 11 s of CPU at M).
        piece_key = hashlib.sha256(f"piece|{config.fingerprint}|{bool(wanted)}|{extra}|{document}".encode()
                                   ).hexdigest()[:32]
        found = _cached_piece(config, piece_key)
        if found is None:
            found = _typeset_piece(split, document, extra, start, end, wanted, config, piece_key)
            _store_piece(config, piece_key, found)
        pdf, more_warnings, more_refused, cut, mine = found
        if not pdf:  # no page to cut at: typeset more entries at once
            size *= 2
            continue
        for name, place in mine.items():
            places.setdefault(name, [len(pieces), *place[1:]])
        pieces.append(pdf)
        warnings += [m for m in more_warnings if m not in warnings]
        refused += [u for u in more_refused if u not in refused]
        start = start + cut if cut else end
    return pieces, warnings, refused


# A typeset piece: its PDF (empty: no page to cut at, more entries are needed), warnings, refused URLs, where the
# next piece starts (relative to this one's first entry; 0: after its last) and its measured places (piece 0).
_Piece = tuple[bytes, list[str], list[str], int, dict[str, list[float]]]


def _typeset_piece(split: ReferenceSplit, document: str, extra: str, start: int, end: int, wanted: set[str],
                   config: Settings, piece_key: str) -> _Piece:
    following: list[int] = []
    mine: dict[str, list[float]] = {}

    def pick(pages: Sequence[Any]) -> Sequence[Any]:
        following.clear()
        mine.clear()
        if end == len(split.items):
            _measure(pages, wanted, 0, mine)
            return pages
        # The last page that begins with an entry (an entry's id is an anchor on every page it is on): the
        # entries from there on start the next piece. An entry longer than a page runs over page breaks, so
        # a page that begins with the rest of one is not a place to cut.
        for cut in range(len(pages) - 1, 0, -1):
            first = next((i for i in range(start, end) if split.ids[i] in pages[cut].anchors), None)
            if first is not None and first > start and split.ids[first] not in pages[cut - 1].anchors:
                following.append(first)
                _measure(pages[:cut], wanted, 0, mine)
                return pages[:cut]
        return []

    pdf, warnings, refused = _typeset(document, extra, config, piece_key, pick)
    release_memory()
    if not pdf:
        return b"", warnings, refused, 0, {}
    return pdf, warnings, refused, following[0] - start if following else 0, mine


def _cached_piece(config: Settings, piece_key: str) -> _Piece | None:
    def parse(pdf: bytes, data: dict[str, Any]) -> _Piece:
        return (pdf, [str(m) for m in data["warnings"]], [str(u) for u in data["refused"]], int(data["cut"]),
                {str(k): [float(x) for x in v] for k, v in data["places"].items()})

    return _load(config, f"piece-{piece_key}", parse)


def _store_piece(config: Settings, piece_key: str, piece: _Piece) -> None:
    pdf, warnings, refused, cut, mine = piece
    _save(config, f"piece-{piece_key}", pdf, {"warnings": warnings, "refused": refused, "cut": cut, "places": mine})


@dataclass
class Progress:
    """INFO lines while typesetting, at most one every few seconds, so a long build does not look hung."""

    log: logging.Logger
    chapters: int
    lists: int = 0  # the chapter PDFs' own reference lists
    started: float = field(default_factory=time.perf_counter)
    done: int = 0
    reused: int = 0
    lists_done: int = 0
    last: float = 0.0
    worker_peak_mb: float = 0.0

    def step(self, job: Job, reused: bool, force: bool = False) -> None:
        if job.chapter:
            self.done += 1
            self.reused += reused
        self.lists_done += job.reference_list
        now = time.perf_counter()
        if force or now - self.last >= 3.0:
            self.last = now
            lists = f", {self.lists_done}/{self.lists} reference lists of chapter PDFs" if self.lists else ""
            self.log.info(f"PDF: {self.done}/{self.chapters} chapters ({self.reused} reused from the cache, "
                          f"{self.done - self.reused} typeset){lists}, {now - self.started:.1f} s")


class Typesetter:
    """Typesets jobs (from the cache when it holds them) for one PDF build, in worker processes once there is
    enough to typeset; the pool, once started, also serves the later steps (contents, page numbers, joins).

    `start` submits a batch and returns at once; `Batch.results` waits for it, so independent batches (the
    contents and the page numbers, say) are typeset at the same time.
    """

    def __init__(self, config: Settings, progress: Progress) -> None:
        self.config = config
        self.progress = progress
        self._pool: WorkerPool | None = None
        self._ahead: dict[str, Future[Any]] = {}  # parts typeset ahead of the batch that will ask for them
        self._ahead_html = 0  # how much HTML `ahead` has had typeset
        self.parallel = False  # worker processes were started

    def __enter__(self) -> Typesetter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop the workers (their memory goes back to the system); later steps run in this process."""
        self._ahead.clear()
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None

    def _workers(self) -> int:
        return self.config.workers or os.cpu_count() or 1

    def _pool_for(self, jobs: Sequence[Job]) -> WorkerPool | None:
        workers = min(self._workers(), len(jobs))
        if workers > 1 and sum(len(j.document) for j in jobs) >= POOL_MIN_HTML:
            if self._pool is None:
                # Fresh processes (pdf/workers.py): no state of the host is inherited.
                self._pool, self.parallel = WorkerPool(workers, RENEW_MB), True
            else:
                self._pool.grow(workers)  # started with one worker by `ahead`
        return self._pool

    def warm(self, workers: int = 1) -> None:
        """Start `workers` workers now and have each import WeasyPrint and parse the stylesheets, while the host
        still builds its pages: a chapter then waits for neither (about 0.45 s of an edit build's 2.5 s at M).
        When no part turns out to need typesetting, that only cost cores the host left idle."""
        if self._pool is None:
            self._pool, self.parallel = WorkerPool(workers, RENEW_MB), True
            for _ in range(workers):  # one each: a worker is busy importing until the other has taken its call
                self._pool.submit(_warm, self.config)

    def ahead(self, jobs: Sequence[Job], urgent: bool = False) -> None:
        """Start typesetting `jobs` in worker processes before a batch asks for them: while the host still builds
        its pages, the other cores are idle. The first job not in the cache starts one worker (an edit build's
        chapter, typeset while the pages are built, WeasyPrint imported there too), and once such jobs add up to
        POOL_MIN_HTML, one per core. A later `start` of the same jobs (the same keys) takes their results; a job
        no batch asks for again only cost its time."""
        for job in jobs:
            key = job_key(job, self.config)
            if key in self._ahead or is_cached(self.config, key):
                continue
            self._ahead_html += len(job.document)
            if self._pool is None:
                self._pool, self.parallel = WorkerPool(1, RENEW_MB), True
            if self._ahead_html >= POOL_MIN_HTML:
                self._pool.grow(self._workers())
            self._ahead[key] = self._pool.submit(_render, job, self.config, key, urgent=urgent or job.entries)

    def start(self, jobs: Sequence[Job], urgent: bool = False) -> Batch:
        batch = Batch(self, list(jobs), [job_key(job, self.config) for job in jobs])
        todo = []
        for i, (job, key) in enumerate(zip(batch.jobs, batch.keys, strict=True)):
            if key in self._ahead:
                batch.running[self._ahead.pop(key)] = i
                continue
            cached = _cached(self.config, key)
            if cached is not None:
                batch.found[i] = cached
                self.progress.step(job, True)
            else:
                todo.append(i)
        pool = self._pool_for([batch.jobs[i] for i in todo])
        if pool is None:
            for i in todo:
                batch.finish(i, *_render(batch.jobs[i], self.config, batch.keys[i]))
        else:
            # Largest first, so the last part to finish is a short one; the bibliography ahead of any part queued
            # before (`ahead`): the chapter PDFs' lists wait for it.
            for i in sorted(todo, key=lambda i: -len(batch.jobs[i].document)):
                batch.running[pool.submit(_render, batch.jobs[i], self.config, batch.keys[i],
                                          urgent=urgent or batch.jobs[i].entries)] = i
        return batch

    def compose(self, lists: Sequence[tuple[Job, dict[str, float]]], bibliography: Typeset) -> Batch:
        """Chapter PDFs' reference lists made of the bibliography's typeset entries (`lists`: each list's job and
        its entries' heights), from the cache, else: a probe gives the lists' geometry, each list is laid out by
        arithmetic and the skeletons (one empty box per page) typeset as one document, a PDF per list (cached too,
        ahead of the queued parts; this waits for them), then the lists are composed in one call per worker, each
        in a fresh worker process (pikepdf only: its memory adds little to the others'). A list whose skeleton is
        not laid out as planned is typeset."""
        from .compose import CUT_PREFIX, NotComposable, entries, geometry, paginate

        jobs = [job for job, _ in lists]
        keys = [self._composed_key(job, bibliography.key) for job in jobs]
        batch = Batch(self, jobs, keys)
        todo = []
        for i, key in enumerate(keys):
            cached = _cached(self.config, key)
            if cached is not None:
                batch.found[i] = cached
                self.progress.step(jobs[i], True)
            else:
                todo.append(i)
        if not todo:
            return batch
        # Where a list goes on its pages, read from one typeset probe; each list is then laid out by arithmetic, and
        # its skeleton (heading, pages, running heads: one empty box per page) typeset. A box per entry cost about
        # half a millisecond each to WeasyPrint (3.3 s of CPU for 50 lists and 3,900 entries).
        plans: dict[int, tuple[list[float], dict[str, Any]]] = {}
        try:
            probe = self.start([_probe_job(jobs[todo[0]])], urgent=True).results()[0]
            shape = geometry({name: (int(v[1]), (v[2], v[3], v[4], v[5])) for name, v in probe.places.items()})
        except NotComposable:
            shape = None
        for i in todo:
            with contextlib.suppress(NotComposable):  # then typeset
                if shape is not None:
                    plans[i] = paginate([entry_id for entry_id, _ in entries(jobs[i].document)], lists[i][1], shape)
        planned = sorted(plans)
        skeletons = self._skeletons([(jobs[i], plans[i][0]) for i in planned], shape.lead if shape else 0.0)
        chosen = []
        for i, skeleton in zip(planned, skeletons, strict=True):
            tops = [skeleton.places.get(f"{CUT_PREFIX}page-{n}") for n in range(len(plans[i][0]))]
            if skeleton.pdf and not skeleton.piece_sizes and shape is not None and skeleton.pages == len(tops) and \
                    all(t is not None and int(t[1]) == n and abs(t[3] - (shape.top if n else shape.first_top)) < 0.01
                        for n, t in enumerate(tops)):
                chosen.append((i, skeleton))
        for i in sorted(set(todo) - {i for i, _ in chosen}):  # not laid out as planned (or in pieces): typeset
            if self._pool is None:
                batch.finish(i, *_render(jobs[i], self.config, keys[i]))
            else:
                batch.running[self._pool.submit(_render, jobs[i], self.config, keys[i])] = i
        if not chosen:
            return batch
        pieces = bibliography.pieces
        pieces = [pieces] if isinstance(pieces, bytes) else pieces
        if self._pool is None:
            arguments = ([(jobs[i], keys[i], s, plans[i][1]) for i, s in chosen], pieces, bibliography.places,
                         self.config)
            for (i, _), (result, peak) in zip(chosen, _compose_lists(*arguments), strict=True):
                batch.finish(i, result, peak)
            return batch
        # The lists wait for the whole bibliography, so in a long review they stand between it and the last page:
        # one call per COMPOSE_CALL_ENTRIES entries (up to one per worker), the lists shared out by their number
        # of entries. Each call reads the bibliography's pages again, so a shorter review is composed in one.
        total = sum(len(plans[i][1]) for i, _ in chosen)
        calls: list[list[tuple[int, Typeset]]] = [
            [] for _ in range(max(1, min(len(chosen), self._workers(), total // COMPOSE_CALL_ENTRIES)))]
        sizes = [0] * len(calls)
        for i, skeleton in sorted(chosen, key=lambda c: -len(plans[c[0]][1])):
            smallest = sizes.index(min(sizes))
            calls[smallest].append((i, skeleton))
            sizes[smallest] += len(plans[i][1])
        for call in calls:
            call.sort()
            arguments = ([(jobs[i], keys[i], s, plans[i][1]) for i, s in call], pieces, bibliography.places,
                         self.config)
            batch.running[self._pool.submit(_compose_lists, *arguments, urgent=True, fresh=True)] = \
                [i for i, _ in call]
        return batch

    def _composed_key(self, job: Job, bibliography_key: str) -> str:
        return hashlib.sha256(f"composed|{job_key(job, self.config)}|{bibliography_key}".encode()).hexdigest()[:32]

    def probe_ahead(self, first: Job, bibliography: Job) -> None:
        """With workers running, and `first` not composed in the cache: typeset now the probe `compose` will ask
        for when `first` is the first list it composes. The probe waits for nothing, and it is otherwise typeset
        after the bibliography, on the way to the last page (about 0.3 s)."""
        from .compose import NotComposable

        if self._pool is not None and \
                not is_cached(self.config, self._composed_key(first, job_key(bibliography, self.config))):
            with contextlib.suppress(NotComposable):
                self.ahead([_probe_job(first)], urgent=True)

    def _skeletons(self, lists: Sequence[tuple[Job, list[float]]], lead: float) -> list[Typeset]:
        """Each list's skeleton (`lists`: its job and each page's height of entries), typeset as one document of a
        section per list, each section written as a PDF of its own; an empty PDF for a list that cannot be."""
        from .compose import CUT_PREFIX, skeleton_document, skeletons_document

        if not lists:
            return []
        combined = skeletons_document([skeleton_document(job.document, used, f"{n}-")
                                       for n, (job, used) in enumerate(lists)], lead)
        if combined is None or any(job.extra_css != lists[0][0].extra_css for job, _ in lists):
            return [Typeset(b"", [], [], False, "") for _ in lists]
        document, names = combined
        typeset = self.start([Job(f"skeletons of {len(lists)} reference lists", document, lists[0][0].extra_css,
                                  entries=True, sections=tuple(names))], urgent=True).result(0)
        pieces = typeset.pieces
        pdfs = [pieces] if isinstance(pieces, bytes) else pieces
        if len(pdfs) != len(lists):
            return [Typeset(b"", [], [], False, "") for _ in lists]
        results = []
        for number, pdf in enumerate(pdfs):
            prefix = f"{CUT_PREFIX}{number}-"
            places = {CUT_PREFIX + name[len(prefix):]: value for name, value in typeset.places.items()
                      if name.startswith(prefix) and int(value[0]) == number}
            pages = 1 + max((int(v[1]) for v in places.values()), default=-1)
            results.append(Typeset(pdf, typeset.warnings, typeset.refused, typeset.reused, typeset.key, pages,
                                   places=places))
        return results

    def typeset(self, jobs: Sequence[Job]) -> list[Typeset]:
        """Every job's PDF in order: from the cache, else typeset."""
        return self.start(jobs).results()

    def call(self, function: Callable[..., bytes], *args: Any) -> Future[bytes]:
        """`function(*args)` in a worker when the pool runs (it must be picklable), else here and now."""
        if self._pool is not None:
            return self._pool.submit(_call_and_release, function, *args)
        future: Future[bytes] = Future()
        future.set_result(function(*args))
        return future


@dataclass
class Batch:
    owner: Typesetter
    jobs: list[Job]
    keys: list[str]
    found: list[Typeset | None] = field(default_factory=list)
    running: dict[Future[Any], int | list[int]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.found = [None] * len(self.jobs)

    def finish(self, i: int, result: Typeset, peak: float) -> None:
        _store(self.owner.config, result)
        self.found[i] = result
        self.owner.progress.worker_peak_mb = max(self.owner.progress.worker_peak_mb, peak)
        self.owner.progress.step(self.jobs[i], False)

    def _wait(self) -> None:
        done, _ = wait(self.running, return_when=FIRST_COMPLETED)
        for future in done:
            which = self.running.pop(future)
            if isinstance(which, list):  # one call made several parts
                for i, (result, peak) in zip(which, future.result(), strict=True):
                    self.finish(i, result, peak)
            else:
                self.finish(which, *future.result())

    def result(self, i: int) -> Typeset:
        """Wait for the batch's part `i` only."""
        while self.found[i] is None:
            self._wait()
        result = self.found[i]
        assert result is not None
        return result

    def results(self) -> list[Typeset]:
        """Wait for the batch; its parts in the order of its jobs."""
        while self.running:
            self._wait()
        return [r for r in self.found if r is not None]
