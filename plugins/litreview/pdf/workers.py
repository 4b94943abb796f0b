"""Worker processes for typesetting: plain Python processes that run one call at a time, sent over a pipe.

Not `multiprocessing`: its "spawn" workers import the parent's `__main__` (for `mkdocs build`, MkDocs and the
theme: about 30 MB in each worker that never uses them) and start a resource-tracker process besides. These
workers import only what the calls they run need.

The protocol is private to litreview: frames of an 8-byte length and a pickle, the parent's calls in, results
(or the exception) out, one at a time per worker. A worker that dies fails the call it was running and every
call it takes after; the PDF step then reports the failure and the site stays complete.
"""
from __future__ import annotations

import contextlib
import gc
import itertools
import os
import pickle
import queue
import signal
import struct
import subprocess
import sys
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import IO, Any

_HEADER = struct.Struct("!Q")
_LAST = float("inf")  # the priority of the "stop" sentinel: after every call


def _write(stream: IO[bytes], payload: bytes) -> None:
    stream.write(_HEADER.pack(len(payload)) + payload)
    stream.flush()


def _read(stream: IO[bytes]) -> bytes | None:
    header = stream.read(_HEADER.size)
    if len(header) < _HEADER.size:
        return None
    (size,) = _HEADER.unpack(header)
    payload = stream.read(size)
    return payload if len(payload) == size else None


class WorkerPool:
    """`workers` processes; `submit(function, *args)` runs a picklable call in the next free one.

    `renew_mb`: a worker whose resident memory is above this after a call is replaced by a fresh process (the
    memory a long run of calls leaves behind, in caches and a fragmented heap, goes with it); 0: never.
    """

    def __init__(self, workers: int, renew_mb: float = 0) -> None:
        self._tasks: queue.PriorityQueue[tuple[float, int, Any]] = queue.PriorityQueue()
        self._order = itertools.count()
        # The worker's own import path is the parent's (as multiprocessing gives it), set before anything else is
        # imported; -I keeps the environment's PYTHONPATH and the current folder out of it.
        self._boot = (f"import sys; sys.path[:] = {list(sys.path)!r}; "
                      f"from litreview.pdf.workers import serve; serve({float(renew_mb)!r})")
        self._processes: list[subprocess.Popen[bytes]] = []
        self.renewed = 0
        self._threads: list[threading.Thread] = []
        self.grow(workers)

    @property
    def workers(self) -> int:
        return len(self._threads)

    def grow(self, workers: int) -> None:
        """Start processes until there are `workers` (a pool started small, for one call, grows when more come)."""
        while len(self._threads) < workers:
            thread = threading.Thread(target=self._feed, args=(self._start(),), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _start(self) -> subprocess.Popen[bytes]:
        process = subprocess.Popen([sys.executable, "-I", "-c", self._boot], stdin=subprocess.PIPE,
                                   stdout=subprocess.PIPE, close_fds=True)
        self._processes.append(process)
        return process

    def submit(self, function: Callable[..., Any], *args: Any, urgent: bool = False,
               fresh: bool = False) -> Future[Any]:
        """Run `function(*args)` in a worker: calls in the order submitted, urgent ones before the others.
        `fresh`: in a process that has run nothing before (one is started if need be), so that the call's memory
        does not add to what earlier calls left there."""
        future: Future[Any] = Future()
        self._tasks.put((0 if urgent else 1, next(self._order), (future, function, args, fresh)))
        return future

    def _feed(self, process: subprocess.Popen[bytes]) -> None:
        alive = True
        used = False
        while (task := self._tasks.get()[2]) is not None:
            future, function, args, fresh = task
            if not future.set_running_or_notify_cancel():
                continue
            if fresh and used and alive:
                self._end(process)
                process = self._start()
                self.renewed += 1
                used = False
            if not alive:
                future.set_exception(RuntimeError("a PDF worker process stopped"))
                continue
            used = True
            assert process.stdin is not None and process.stdout is not None
            try:
                call = pickle.dumps((function, args), protocol=pickle.HIGHEST_PROTOCOL)
            except Exception as exc:  # a call that cannot be sent fails alone
                future.set_exception(exc)
                continue
            try:
                _write(process.stdin, call)
                reply = _read(process.stdout)
            except (OSError, ValueError):
                reply = None
            if reply is None:
                alive = False
                future.set_exception(RuntimeError(f"a PDF worker process stopped (exit code {process.poll()})"))
                continue
            try:
                ok, value, renew = pickle.loads(reply)
            except Exception as exc:  # a reply this process cannot read: the call fails, the worker goes on
                ok, value, renew = False, RuntimeError(f"unreadable reply of a PDF worker: {exc}"), False
            if renew:  # the worker has ended itself: a fresh one takes its place
                self._end(process)
                process = self._start()
                self.renewed += 1
                used = False
            if ok:
                future.set_result(value)
            else:
                future.set_exception(value)
        self._end(process)

    @staticmethod
    def _end(process: subprocess.Popen[bytes]) -> None:
        for stream in (process.stdin, process.stdout):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def shutdown(self) -> None:
        """Cancel the calls not started, let running ones finish, and wait for the processes to end."""
        while True:
            try:
                task = self._tasks.get_nowait()[2]
            except queue.Empty:
                break
            if task is not None:
                task[0].cancel()
        for _ in self._threads:
            self._tasks.put((_LAST, next(self._order), None))
        for thread in self._threads:
            thread.join()


def _resident_mb() -> float:
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except (OSError, ValueError):
        pass
    return 0.0


def serve(renew_mb: float = 0) -> None:
    """The worker's loop: read a call, run it, write its result or its exception; end after a call that left this
    process above `renew_mb` of resident memory (the pool starts a fresh one)."""
    # Ctrl-C reaches the whole process group: the build stops its workers itself (they end when their pipe
    # closes), so a worker does not die mid-call with a traceback of its own.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    calls, replies = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # anything a library prints goes to the build's log, not into the replies
    while (frame := _read(calls)) is not None:
        try:
            function, args = pickle.loads(frame)
            reply: tuple[bool, Any] = (True, function(*args))
        except BaseException as exc:  # every failure goes back to the caller
            reply = (False, exc)
        renew = bool(renew_mb) and _resident_mb() > renew_mb
        try:
            payload = pickle.dumps((*reply, renew), protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as exc:  # an exception that cannot be pickled
            payload = pickle.dumps((False, RuntimeError(f"{type(exc).__name__}: {exc}"), renew))
        _write(replies, payload)
        if renew:
            break
        # What is still alive after a call lives on (modules, fonts, parsed stylesheets): the collector leaves it
        # alone from now on, so each later collection walks only the next call's objects (a part typeset about
        # 8% faster; the collection after a chapter took about 30 ms, now under 5).
        gc.freeze()
    os._exit(0)
