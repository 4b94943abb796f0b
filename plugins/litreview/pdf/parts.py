"""Typeset the parts of the PDF (chapters, reference lists, cover, page numbers): cached by content hash,
the missing ones in worker processes when there is enough to typeset, with progress at INFO level."""
from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path

from ..jsonstore import mark_used

PARTS_VERSION = "part-1"
# Below this much HTML to typeset, starting worker processes (each imports WeasyPrint) costs more than it saves.
POOL_MIN_HTML = 300_000


@dataclass(frozen=True)
class Job:
    name: str  # for progress and messages, e.g. "chapter background-epidemiology"
    document: str
    extra_css: str
    chapter: bool = False  # counted in the progress messages


@dataclass
class Typeset:
    pdf: bytes
    warnings: list[str]
    refused: list[str]
    reused: bool
    key: str
    pages: int = 0
    dests: dict[str, int] = field(default_factory=dict)  # named destination -> page index (join.part_info)


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
    digest.update(f"{page_size}|{allow_network}|{tagged}".encode())
    for sheet in stylesheets:
        digest.update(sheet.read_bytes())
    return Settings(site_dir, page_size, tuple(stylesheets), allow_network, tagged, cache_dir, workers,
                    digest.hexdigest())


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


def _cached(config: Settings, key: str) -> Typeset | None:
    if config.cache_dir is None:
        return None
    pdf, notes = config.cache_dir / f"part-{key}.pdf", config.cache_dir / f"part-{key}.json"
    try:
        data = json.loads(notes.read_text(encoding="utf-8"))
        result = Typeset(pdf.read_bytes(), [str(m) for m in data["warnings"]], [str(u) for u in data["refused"]],
                         True, key, int(data["pages"]), {str(k): int(v) for k, v in data["dests"].items()})
    except (OSError, ValueError, KeyError, TypeError):
        return None
    mark_used(pdf)
    mark_used(notes)
    return result


def _store(config: Settings, result: Typeset) -> None:
    if config.cache_dir is None:
        return
    try:
        config.cache_dir.mkdir(parents=True, exist_ok=True)
        (config.cache_dir / f"part-{result.key}.pdf").write_bytes(result.pdf)
        (config.cache_dir / f"part-{result.key}.json").write_text(
            json.dumps({"warnings": result.warnings, "refused": result.refused, "pages": result.pages,
                        "dests": result.dests}, ensure_ascii=False),
            encoding="utf-8")
    except OSError:
        pass


def _render(job: Job, config: Settings, key: str) -> tuple[Typeset, float]:
    """In this process or a worker: the typeset part and this process's peak RSS (MB)."""
    import resource

    from . import export  # looked up at call time, so tests can replace export.render_pdf
    from .join import part_info

    pdf, warnings, refused = export.render_pdf(job.document, config.site_dir, config.page_size,
                                               config.stylesheets, config.allow_network, job.extra_css,
                                               config.tagged, bytes.fromhex(key)[:16])
    info = part_info(pdf)
    return (Typeset(pdf, warnings, refused, False, key, info.pages, info.dests),
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


@dataclass
class Progress:
    """INFO lines while typesetting, at most one every few seconds, so a long build does not look hung."""

    log: logging.Logger
    chapters: int
    started: float = field(default_factory=time.perf_counter)
    done: int = 0
    reused: int = 0
    last: float = 0.0
    worker_peak_mb: float = 0.0

    def step(self, job: Job, reused: bool, force: bool = False) -> None:
        if job.chapter:
            self.done += 1
            self.reused += reused
        now = time.perf_counter()
        if force or now - self.last >= 3.0:
            self.last = now
            self.log.info(f"PDF: {self.done}/{self.chapters} chapters ({self.reused} reused from the cache, "
                          f"{self.done - self.reused} typeset), {now - self.started:.1f} s")


def typeset(jobs: Sequence[Job], config: Settings, progress: Progress,
            on_done: Callable[[Job, Typeset], None] | None = None) -> list[Typeset]:
    """Every job's PDF in order: from the cache, else typeset (in worker processes when it pays)."""
    keys = [job_key(job, config) for job in jobs]
    results: list[Typeset | None] = [None] * len(jobs)
    todo: list[int] = []
    for i, (job, key) in enumerate(zip(jobs, keys, strict=True)):
        cached = _cached(config, key)
        if cached is not None and cached.key == key:
            results[i] = cached
            progress.step(job, True)
        else:
            todo.append(i)
    workers = min(config.workers or os.cpu_count() or 1, len(todo))
    size = sum(len(jobs[i].document) for i in todo)

    def finish(i: int, result: Typeset, peak: float) -> None:
        _store(config, result)
        results[i] = result
        progress.worker_peak_mb = max(progress.worker_peak_mb, peak)
        progress.step(jobs[i], False)

    if workers > 1 and size >= POOL_MIN_HTML:
        # Largest first, so the last part to finish is a short one; "spawn": no state of the host is inherited.
        order = sorted(todo, key=lambda i: -len(jobs[i].document))
        with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
            running: dict[Future[tuple[Typeset, float]], int] = {
                pool.submit(_render, jobs[i], config, keys[i]): i for i in order}
            while running:
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in done:
                    finish(running.pop(future), *future.result())
    else:
        for i in todo:
            finish(i, *_render(jobs[i], config, keys[i]))
    return [r for r in results if r is not None]
