"""What the build refuses to read or publish, predicted without a build: links out of docs_dir, FIFOs, SVGs
with scripts, and active content in chapters (scripts, frames, javascript: links)."""
from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

import markdown

from ..confine import refusal
from ..markdown_text import MarkdownPage
from ..sanitize import refuse_active_content, svg_refusal
from .findings import Finding, from_problem


def _walk(docs_dir: Path) -> Iterable[Path]:
    """Every entry MkDocs would list: it follows linked folders (once each)."""
    seen: set[Path] = set()
    for folder, dirs, files in os.walk(docs_dir, followlinks=True):
        real = Path(folder).resolve()
        if real in seen:
            dirs[:] = []
            continue
        seen.add(real)
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if not name.startswith("."):
                yield Path(folder) / name


def unsafe_files(docs_dir: Path, data_dir: Path, root: Path, rel: str) -> tuple[list[Finding], set[Path]]:
    """A finding for each file the build leaves out, and the set of those files (not to be read by the checks)."""
    findings, refused = [], set()
    if not docs_dir.is_dir():
        return [], set()
    for path in _walk(docs_dir):
        why = refusal(path, docs_dir, root)
        if why is None and path.suffix.lower() == ".svg":
            why = svg_refusal(path)
        if why is None:
            continue
        refused.add(path)
        if path.parent == data_dir and path.suffix in (".yaml", ".yml"):
            continue  # the data checks report it, as the build's data loader does
        shown = path.absolute().relative_to(root.absolute()).as_posix() if path.is_relative_to(root) else str(path)
        findings.append(Finding(shown, None, "error", "unsafe-file", why))
    return findings, refused


def active_content(pages: Iterable[MarkdownPage]) -> list[Finding]:
    """The build's sanitiser run on each page as Python-Markdown converts it (raw HTML passes through)."""
    md = markdown.Markdown(extensions=["attr_list", "tables"])
    findings: list[Finding] = []
    for page in pages:
        if not any(s in page.source.lower() for s in ("<", "script:", "data:", "javascript", "vbscript", "on")):
            continue
        md.reset()
        _, problems = refuse_active_content(md.convert(page.source), page.source, page.path)
        findings += [from_problem(p, "error", "active-content") for p in problems]
    return findings

