"""A folder of cached documents addressed by content keys, for caches that are rebuilt in full on every build.

Each document is a JSON header line followed by its long text values (page HTML) as they are: HTML escaped
into JSON strings would cost an escape on every write and an unescape on every read, for every quote.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

STORE_VERSION = "litreview-store-2"
_LONG = 512  # text values at least this long are stored after the header, unescaped


@lru_cache(maxsize=1)
def code_digest() -> str:
    """A digest of litreview's own Python sources: a change to the plugin invalidates every stored entry."""
    digest = hashlib.sha256()
    package = Path(__file__).resolve().parent
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


@dataclass
class JsonStore:
    """One JSON file per key under `folder` (None: keep nothing); entries a build did not ask for are removed
    after it by `prune`."""

    folder: Path | None
    memory: dict[str, dict[str, Any]] | None = None  # entries kept in memory too (across `mkdocs serve` rebuilds)
    used: set[str] = field(default_factory=set)
    _made: bool = False

    def get(self, key: str) -> dict[str, Any] | None:
        self.used.add(key)
        if self.folder is None:
            return None
        if self.memory is not None and key in self.memory:
            return self.memory[key]
        try:
            entry = _decode((self.folder / f"{key}.json").read_text(encoding="utf-8"))
        except (OSError, ValueError, TypeError, AttributeError):
            return None
        if entry is None:
            return None
        if self.memory is not None:
            self.memory[key] = entry
        return entry

    def put(self, key: str, entry: dict[str, Any]) -> None:
        if self.folder is None:
            return
        # Written in place, without a temporary file: a file cut short by a crash does not have the length its
        # header announces, and `get` treats it as a miss.
        if self.memory is not None:
            self.memory[key] = entry
        text = _encode(entry)
        try:
            if not self._made:
                self.folder.mkdir(parents=True, exist_ok=True)
                self._made = True
            (self.folder / f"{key}.json").write_text(text, encoding="utf-8")
        except OSError:
            pass  # a cache that cannot be written only costs time on the next build

    def prune(self) -> None:
        """Remove the entries this build did not ask for (edited pages leave old ones behind)."""
        if self.memory is not None:
            for key in [k for k in self.memory if k not in self.used]:
                del self.memory[key]
        if self.folder is None or not self.used or not self.folder.is_dir():
            return
        for path in self.folder.glob("*.json"):
            if path.stem not in self.used:
                path.unlink(missing_ok=True)


def _encode(entry: dict[str, Any]) -> str:
    small = {k: v for k, v in entry.items() if not (isinstance(v, str) and len(v) >= _LONG)}
    long = sorted((k, v) for k, v in entry.items() if k not in small)
    header = {"version": STORE_VERSION, "small": small, "long": [[k, len(v)] for k, v in long]}
    # json.dumps, not json.dump: dump streams through the pure-Python encoder. No newline can occur in it.
    return "".join([json.dumps(header, ensure_ascii=False, sort_keys=True), "\n", *(v for _, v in long)])


def _decode(text: str) -> dict[str, Any] | None:
    end = text.index("\n")
    header = json.loads(text[:end])
    if not isinstance(header, dict) or header.get("version") != STORE_VERSION:
        return None
    entry = dict(header["small"])
    position = end + 1
    for name, length in header["long"]:
        entry[name] = text[position:position + length]
        position += length
    return entry if position == len(text) else None  # cut short (or grown): not this entry


def mark_used(path: Path) -> None:
    """Record that this build used a cache file or folder (its time), so `prune_unused` keeps it."""
    with contextlib.suppress(OSError):  # a cache entry that cannot be marked is at worst made again
        os.utime(path)


def prune_unused(folder: Path, since: float) -> None:
    """Remove what nothing has written or marked since `since` (a timestamp a little before the build began):
    an edited library or data file leaves its old cache entries behind, and `mkdocs serve` makes many."""
    if not folder.is_dir():
        return
    for path in folder.iterdir():
        try:
            if path.stat().st_mtime >= since:
                continue
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
        except OSError:
            continue
