"""The PDF's worker processes (pdf/workers.py): calls run in other processes, results and failures come back, a
worker that dies fails its calls instead of hanging the build, and workers import none of the build's modules."""
from __future__ import annotations

import operator
import os
import sys

import pytest

from litreview.pdf.workers import WorkerPool


def loaded(name: str) -> bool:
    return name in sys.modules


def test_calls_run_in_other_processes_and_come_back_in_order() -> None:
    pool = WorkerPool(2)
    try:
        futures = [pool.submit(operator.mul, i, i) for i in range(20)]
        assert [f.result(timeout=60) for f in futures] == [i * i for i in range(20)]
        pids = {pool.submit(os.getpid).result(timeout=60) for _ in range(6)}
        assert os.getpid() not in pids and 1 <= len(pids) <= 2
        big = bytes(range(256)) * 40_000  # 10 MB each way
        assert pool.submit(bytes, big).result(timeout=60) == big
    finally:
        pool.shutdown()
    assert all(p.returncode == 0 for p in pool._processes)


def test_a_failure_comes_back_as_the_exception() -> None:
    pool = WorkerPool(1)
    try:
        with pytest.raises(ValueError, match="invalid literal"):
            pool.submit(int, "x").result(timeout=60)
        assert pool.submit(operator.add, 1, 2).result(timeout=60) == 3  # the worker goes on
    finally:
        pool.shutdown()


def test_a_worker_that_dies_fails_its_calls_and_shutdown_returns() -> None:
    pool = WorkerPool(1)
    try:
        with pytest.raises(RuntimeError, match="worker process stopped"):
            pool.submit(os._exit, 3).result(timeout=60)
        with pytest.raises(RuntimeError, match="worker process stopped"):
            pool.submit(operator.add, 1, 2).result(timeout=60)
    finally:
        pool.shutdown()


def test_workers_do_not_import_the_build() -> None:
    """multiprocessing's spawn workers import the parent's __main__ (MkDocs and its theme for `mkdocs build`)."""
    import mkdocs.commands.build  # noqa: F401 - the parent has MkDocs loaded, as in a build

    pool = WorkerPool(1)
    try:
        assert pool.submit(loaded, "litreview.pdf.workers").result(timeout=60)
        assert not pool.submit(loaded, "mkdocs").result(timeout=60)
        assert not pool.submit(loaded, "mkdocs.commands.build").result(timeout=60)
    finally:
        pool.shutdown()


def grow(megabytes: int) -> int:
    """Hold `megabytes` of memory for the rest of this worker's life (as a part's leftovers would)."""
    kept = globals().setdefault("_kept", [])
    kept.append(bytearray(megabytes * 1024 * 1024))
    return os.getpid()


def test_a_worker_left_with_too_much_memory_is_replaced() -> None:
    pool = WorkerPool(1, renew_mb=60)
    try:
        first = pool.submit(grow, 1).result(timeout=60)
        assert pool.submit(os.getpid).result(timeout=60) == first  # small: the same worker goes on
        assert pool.submit(grow, 100).result(timeout=60) == first  # the call that grew it still answers...
        assert pool.submit(os.getpid).result(timeout=60) != first  # ...then a fresh worker takes over
        assert pool.renewed == 1
    finally:
        pool.shutdown()
    assert all(p.returncode == 0 for p in pool._processes)


def test_ctrl_c_is_left_to_the_build() -> None:
    """An interrupt reaches every process of the group; the workers leave it to the build, which stops them."""
    import signal
    import time

    pool = WorkerPool(1)
    try:
        pid = pool.submit(os.getpid).result(timeout=60)
        os.kill(pid, signal.SIGINT)
        time.sleep(0.2)
        assert pool.submit(os.getpid).result(timeout=60) == pid
    finally:
        pool.shutdown()
    assert all(p.returncode == 0 for p in pool._processes)


def test_a_call_that_cannot_be_sent_fails_alone() -> None:
    """Nothing hangs on a call that cannot be pickled: it fails, and the worker takes the next one."""
    pool = WorkerPool(1)
    try:
        with pytest.raises(Exception, match="pickle"):
            pool.submit(operator.add, lambda: 1, 2).result(timeout=60)
        assert pool.submit(operator.add, 1, 2).result(timeout=60) == 3
    finally:
        pool.shutdown()


def test_a_fresh_call_runs_in_a_process_that_ran_nothing_before() -> None:
    """The composing of the chapter PDFs' lists asks for a fresh process, so that its memory does not add to what
    typesetting left in a worker."""
    pool = WorkerPool(1)
    try:
        first = pool.submit(os.getpid).result(timeout=60)
        assert pool.submit(os.getpid).result(timeout=60) == first
        fresh = pool.submit(os.getpid, fresh=True).result(timeout=60)
        assert fresh != first and pool.renewed == 1
        assert pool.submit(loaded, "operator").result(timeout=60) is not None  # the fresh worker goes on serving
        assert pool.submit(os.getpid).result(timeout=60) == fresh
        started = WorkerPool(1)
        try:  # a process that ran nothing is fresh already: none is started for the call
            pid = started.submit(os.getpid, fresh=True).result(timeout=60)
            assert started.renewed == 0 and pid != os.getpid()
        finally:
            started.shutdown()
    finally:
        pool.shutdown()
    assert all(p.returncode == 0 for p in pool._processes)


def test_what_outlives_a_call_is_left_out_of_later_collections() -> None:
    """After each call the worker freezes what is still alive (modules, fonts, parsed stylesheets): the garbage
    collector then walks only the next call's objects (a chapter typeset about 8% faster)."""
    import gc

    pool = WorkerPool(1)
    try:
        assert pool.submit(gc.get_freeze_count).result(timeout=60) == 0
        assert pool.submit(gc.get_freeze_count).result(timeout=60) > 1000
    finally:
        pool.shutdown()


def test_a_pool_started_small_grows_to_more_processes() -> None:
    """`ahead` starts one worker for an edit build's chapter and more once a cold build's chapters come."""
    import time

    pool = WorkerPool(1)
    try:
        assert pool.submit(os.getpid).result(timeout=60) != os.getpid()
        pool.grow(2)
        pool.grow(1)  # never shrinks
        assert pool.workers == 2
        # While one process sleeps, the other answers.
        asleep = pool.submit(time.sleep, 3)
        pids = {pool.submit(os.getpid).result(timeout=60) for _ in range(3)}
        assert not asleep.done() and len(pids) == 1
        assert pids < {p.pid for p in pool._processes} and len(pool._processes) == 2
        asleep.result(timeout=60)
    finally:
        pool.shutdown()
    assert all(p.returncode == 0 for p in pool._processes)


def test_a_warmed_typesetter_has_weasyprint_ready_in_one_worker(tmp_path: object) -> None:
    """`Typesetter.warm` (a build with a cache: an edit build) starts one worker that imports WeasyPrint at once;
    a second call starts nothing more; the part typeset then runs in that worker."""
    from pathlib import Path

    from litreview.pdf import parts
    from litreview.pdf.export import PART_CSS, PRINT_CSS

    site = Path(str(tmp_path))
    typesetter = parts.Typesetter(parts.settings(site, "A4", [PRINT_CSS], False, True, None, 2),
                                  parts.Progress(__import__("logging").getLogger("test"), 1))
    with typesetter:
        typesetter.warm()
        typesetter.warm()
        pool = typesetter._pool
        assert pool is not None and pool.workers == 1 and typesetter.parallel
        assert pool.submit(_imported, "weasyprint").result(timeout=120)  # the warm-up ran first, in that process
        made = typesetter.start([parts.Job("chapter a", "<!DOCTYPE html><html><body><p>A</p></body></html>",
                                           PART_CSS)]).results()
        assert made[0].pages == 1 and pool.workers == 1


def _imported(name: str) -> bool:
    return name in sys.modules


def _pid_and_imported(name: str) -> tuple[int, bool]:
    import time

    time.sleep(1)  # long enough for the other worker to take the other call
    return os.getpid(), name in sys.modules


def test_workers_warmed_up_before_the_pages_are_converted_serve_the_ahead_typesetting(tmp_path: object) -> None:
    """`warm_up` (called by the plugin once it has read the pages' Markdown) starts one worker per core for a long
    review without a cache, one with a cache, none for a short one; each has imported WeasyPrint. `start_ahead`
    uses them when the HTML is long enough and the settings are the same, and stops them otherwise."""
    import logging
    from pathlib import Path
    from types import SimpleNamespace

    from litreview.pdf import parts
    from litreview.pdf.assemble import PdfMeta
    from litreview.pdf.export import PRINT_CSS, start_ahead, warm_up

    site, cache = Path(str(tmp_path)) / "site", Path(str(tmp_path)) / "cache"
    log = logging.getLogger("test")
    options = SimpleNamespace(page_size="A4", tagged=True, workers=2, chapters=True)
    assert warm_up(parts.POOL_MIN_SOURCE - 1, site, options, [PRINT_CSS], cache, False, log) is None
    assert warm_up(parts.POOL_MIN_SOURCE, site, SimpleNamespace(**{**vars(options), "workers": 1}), [PRINT_CSS],
                   cache, False, log) is None

    warmed = warm_up(parts.POOL_MIN_SOURCE, site, options, [PRINT_CSS], cache, False, log)
    assert warmed is not None and warmed._pool is not None and warmed._pool.workers == 2
    try:
        both = [warmed._pool.submit(_pid_and_imported, "weasyprint") for _ in range(2)]
        answers = [f.result(timeout=120) for f in both]
        assert len({pid for pid, _ in answers}) == 2 and all(imported for _, imported in answers)
        pages = [("a/", "<p>" + "x" * parts.POOL_MIN_HTML + "</p>")]
        meta = PdfMeta(title="T")
        ahead = start_ahead(pages, None, meta, site, options, [PRINT_CSS], cache, False, log, warmed)
        assert ahead is not None and ahead.typesetter is warmed
    finally:
        warmed.close()

    cache.mkdir()
    warmed = warm_up(parts.POOL_MIN_SOURCE, site, options, [PRINT_CSS], cache, False, log)
    assert warmed is not None and warmed._pool is not None and warmed._pool.workers == 1
    pool = warmed._pool
    assert start_ahead([("a/", "<p>short</p>")], None, PdfMeta(title="T"), site, options, [PRINT_CSS], cache, False,
                       log, warmed) is None
    assert warmed._pool is None and all(p.returncode is not None for p in pool._processes)  # stopped

    warmed = warm_up(parts.POOL_MIN_SOURCE, site, options, [PRINT_CSS], cache, False, log)
    assert warmed is not None
    other = SimpleNamespace(**{**vars(options), "page_size": "Letter"})
    ahead = start_ahead([("a/", "<p>" + "x" * parts.POOL_MIN_HTML + "</p>")], None, PdfMeta(title="T"), site, other,
                        [PRINT_CSS], cache, False, log, warmed)
    try:
        assert ahead is not None and ahead.typesetter is not warmed and warmed._pool is None
    finally:
        if ahead is not None:
            ahead.close()


def test_the_probe_of_the_chapter_pdfs_lists_is_typeset_ahead_unless_the_first_list_is_cached(tmp_path: object
                                                                                             ) -> None:
    """`probe_ahead` sends the probe `compose` will ask for (from the first list's document) to the workers at
    once, so it is not typeset after the bibliography; `start` then takes that result. Without workers, or when the
    first list is composed in the cache already (an edit build), nothing is typeset."""
    import logging
    from pathlib import Path

    from litreview.pdf import parts
    from litreview.pdf.compose import PROBE_IDS
    from litreview.pdf.export import PART_CSS, PRINT_CSS

    site, cache = Path(str(tmp_path)) / "site", Path(str(tmp_path)) / "cache"
    config = parts.settings(site, "A4", [PRINT_CSS], False, True, cache, 2)
    first = parts.Job("references a", '<!DOCTYPE html><html><body><section class="chapter" id="refs-a"><h1>R</h1>'
                      '<ol class="lr-references"><li id="r--ref-b">Roe R. Second.</li></ol></section></body></html>',
                      PART_CSS, reference_list=True)
    bibliography = parts.Job("chapter references", "<!DOCTYPE html><html><body><p>B</p></body></html>", PART_CSS)
    probe_key = parts.job_key(parts._probe_job(first), config)
    with parts.Typesetter(config, parts.Progress(logging.getLogger("test"), 1)) as typesetter:
        typesetter.probe_ahead(first, bibliography)
        assert typesetter._pool is None and not typesetter._ahead  # no workers: none started for it
        typesetter.warm()
        typesetter.probe_ahead(first, bibliography)
        assert list(typesetter._ahead) == [probe_key]
        made = typesetter.start([parts._probe_job(first)]).results()[0]
        assert not typesetter._ahead and made.pages == 3 and not made.reused
        assert set(made.places) >= set(PROBE_IDS)  # the probe's boxes, measured

        cache.mkdir(exist_ok=True)
        composed = typesetter._composed_key(first, parts.job_key(bibliography, config))
        for suffix in ("pdf", "json"):
            (cache / f"part-{composed}.{suffix}").write_bytes(b"{}")
        (cache / f"part-{probe_key}.pdf").unlink()
        typesetter.probe_ahead(first, bibliography)
        assert not typesetter._ahead
