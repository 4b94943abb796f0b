"""Caches of documents addressed by content keys, each kept as one pack file and rebuilt on every build.

A pack is a JSON header line followed by the entries' long text values (page HTML) as they are: HTML escaped
into JSON strings would cost an escape on every write and an unescape on every read, for every quote. One file
per cache, not one per page: creating a file costs more than writing its bytes (about 0.5 ms each here, a
twentieth of a cold build at M for the three page caches).
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

STORE_VERSION = "litreview-store-3"
PACK = "pack.txt"
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
    """Entries by key in one pack file under `folder` (None: keep nothing). Read whole on the first lookup
    that memory cannot answer; written whole by `save` after a build, with only the entries that build used."""

    folder: Path | None
    memory: dict[str, dict[str, Any]] | None = None  # entries kept in memory too (across `mkdocs serve` rebuilds)
    used: set[str] = field(default_factory=set)
    _pack: dict[str, dict[str, Any]] | None = None
    _changed: bool = False

    def _entries(self) -> dict[str, dict[str, Any]]:
        if self._pack is None:
            self._pack = {}
            if self.folder is not None:
                try:
                    self._pack = _decode_pack((self.folder / PACK).read_text(encoding="utf-8")) or {}
                except (OSError, ValueError, TypeError, AttributeError, KeyError, IndexError):
                    self._pack = {}  # missing, damaged or cut short: every entry is made again
        return self._pack

    def get(self, key: str) -> dict[str, Any] | None:
        self.used.add(key)
        if self.folder is None:
            return None
        if self.memory is not None and key in self.memory:
            return self.memory[key]
        entry = self._entries().get(key)
        if entry is not None and self.memory is not None:
            self.memory[key] = entry
        return entry

    def put(self, key: str, entry: dict[str, Any]) -> None:
        if self.folder is None:
            return
        if self.memory is not None:
            self.memory[key] = entry
        self._entries()[key] = entry
        self._changed = True

    def save(self) -> None:
        """After a build: write the pack with the entries this build asked for or made (edited pages leave old
        ones behind, which go), unless nothing changed. Written to a temporary file and renamed into place, so a
        build that stops half way leaves the previous pack."""
        if self.memory is not None:
            for key in [k for k in self.memory if k not in self.used]:
                del self.memory[key]
        if self.folder is None or not self.used:
            return
        known = {**self._entries(), **(self.memory or {})}
        kept = {k: known[k] for k in sorted(self.used) if k in known}
        if not self._changed and len(kept) == len(self._entries()):
            return
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            temporary = self.folder / f".{PACK}.{os.getpid()}"
            temporary.write_text(_encode_pack(kept), encoding="utf-8")
            os.replace(temporary, self.folder / PACK)
            for old in self.folder.glob("*.json"):  # entries of litreview before packs
                old.unlink(missing_ok=True)
        except OSError:
            pass  # a cache that cannot be written only costs time on the next build
        self._pack, self._changed = kept, False


def _encode_pack(entries: dict[str, dict[str, Any]]) -> str:
    header: dict[str, Any] = {"version": STORE_VERSION, "entries": {}}
    texts: list[str] = []
    for key, entry in entries.items():
        small = {k: v for k, v in entry.items() if not (isinstance(v, str) and len(v) >= _LONG)}
        long = sorted((k, v) for k, v in entry.items() if k not in small)
        header["entries"][key] = {"small": small, "long": [[k, len(v)] for k, v in long]}
        texts += [v for _, v in long]
    # json.dumps, not json.dump: dump streams through the pure-Python encoder. No newline can occur in it.
    return "".join([json.dumps(header, ensure_ascii=False, sort_keys=True), "\n", *texts])


def _decode_pack(text: str) -> dict[str, dict[str, Any]] | None:
    end = text.index("\n")
    header = json.loads(text[:end])
    if not isinstance(header, dict) or header.get("version") != STORE_VERSION:
        return None
    entries: dict[str, dict[str, Any]] = {}
    position = end + 1
    for key, stored in header["entries"].items():
        entry = dict(stored["small"])
        for name, length in stored["long"]:
            entry[name] = text[position:position + length]
            position += length
        entries[key] = entry
    return entries if position == len(text) else None  # cut short (or grown): not this pack


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
