"""`litreview new DIR`: write a starter review (the files under starter/) that builds with `mkdocs build --strict`."""
from __future__ import annotations

import json
import re
from html import escape
from pathlib import Path

from . import __version__

STARTER = Path(__file__).resolve().parent / "starter"
# Package data cannot hold dot-files reliably; they are stored without the dot and renamed on the way out.
_RENAME = {"gitignore": ".gitignore", "github": ".github"}
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|~])")


class ScaffoldError(Exception):
    """The starter cannot be written; nothing was."""


def _markdown_text(text: str) -> str:
    """Plain text that Markdown shows as written: HTML escaped, Markdown's own signs backslashed."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", escape(text, quote=False))


def _target_name(relative: Path) -> Path:
    return Path(*[_RENAME.get(part, part) for part in relative.parts])


def starter_files() -> list[tuple[Path, Path]]:
    """(path in the new project, packaged source) of every starter file, in a stable order."""
    return [(_target_name(p.relative_to(STARTER)), p) for p in sorted(STARTER.rglob("*"))
            if p.is_file() and "__pycache__" not in p.parts]


def new_project(target: Path, title: str, author: str) -> list[Path]:
    """Write the starter into `target` (absent or empty); returns the files written, relative to it."""
    for name, value in (("title", title), ("author", author)):
        if _CONTROL.search(value):
            raise ScaffoldError(f"the {name} contains a line break or control character; give it on one line")
    if not title.strip():
        raise ScaffoldError("the title is empty; give one with --title")
    if target.exists() and not target.is_dir():
        raise ScaffoldError(f"{target} exists and is not a folder; choose a new folder (nothing was written)")
    if target.is_dir() and any(target.iterdir()):
        raise ScaffoldError(f"{target} is not empty; choose a new or empty folder (nothing was written)")
    values = {
        "__SITE_NAME_YAML__": json.dumps(title, ensure_ascii=False),  # a JSON string is a YAML double-quoted one
        "__AUTHOR_YAML__": json.dumps(author, ensure_ascii=False),
        "__SITE_NAME_MD__": _markdown_text(title),
        "__VERSION__": __version__,
    }
    written = []
    for relative, source in starter_files():
        text = source.read_text(encoding="utf-8")
        for placeholder, value in values.items():
            text = text.replace(placeholder, value)
        path = target / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="\n")
        written.append(relative)
    return written
