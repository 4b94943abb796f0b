"""A folder of JSON documents addressed by content keys, for caches that are rebuilt in full on every build."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

STORE_VERSION = "litreview-store-1"


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
            entry = json.loads((self.folder / f"{key}.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not (isinstance(entry, dict) and entry.get("version") == STORE_VERSION):
            return None
        if self.memory is not None:
            self.memory[key] = entry
        return entry

    def put(self, key: str, entry: dict[str, Any]) -> None:
        if self.folder is None:
            return
        # json.dumps, not json.dump: dump streams through the pure-Python encoder. Written in place, without a
        # temporary file: a file cut short by a crash is not valid JSON, and `get` treats it as a miss.
        entry = {**entry, "version": STORE_VERSION}
        if self.memory is not None:
            self.memory[key] = entry
        text = json.dumps(entry, ensure_ascii=False, sort_keys=True)
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
