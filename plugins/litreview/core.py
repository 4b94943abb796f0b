"""The inputs of a build, read once and shared by every host: the library, the evidence data, the citation state.

The MkDocs plugin and the Markdown extension both start here, so a review reads the same way under MkDocs,
ProperDocs, Zensical or a plain `markdown.markdown()` call.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .bibliography.identifiers import identifier_problems
from .bibliography.load import Bibliography, bib_folder, load_cached
from .bibliography.style import short_label
from .citations.manager import CitationManager
from .confine import confine
from .errors import LitReviewError, Problem, SourceLocation
from .tables.manager import TableManager


@dataclass
class Inputs:
    """What a build reads before its first page: every problem found while reading is kept, not yet reported."""

    bib_paths: list[Path]
    bib: Bibliography
    tables: TableManager
    citations: CitationManager
    problems: list[Problem] = field(default_factory=list)


def bib_paths(root: Path, bib_dir: str, bib_files: Sequence[str], required: bool = True
              ) -> tuple[list[Path], list[Problem]]:
    """The BibTeX files to read, confined to the project: explicit `bib_files`, or every *.bib of `bib_dir`.

    A missing folder raises LitReviewError when `required`, else gives no files.
    """
    if bib_files:
        paths = [root / str(f) for f in bib_files]
        missing = [p for p in paths if not p.exists() and not p.is_symlink()]
        kept, problems = confine([p for p in paths if p not in missing], root, root)
        return [p for p in paths if p in kept or p in missing], problems  # the loader reports a missing file
    folder = root / bib_dir
    if not folder.is_dir():
        if required:
            raise LitReviewError(SourceLocation(bib_dir), "the bibliography folder does not exist; create it or set "
                                 "`bib_dir` / `bib_files` of the litreview plugin")
        return [], []
    found, problems = bib_folder(folder, bib_dir)
    kept, refused = confine(found, root, root)
    return kept, [*problems, *refused]


def load_inputs(root: Path, docs_dir: Path, options: Any, cache: Path | None = None,
                memory: dict[str, Any] | None = None, exports_folder: str | None = None,
                bib_required: bool = True) -> Inputs:
    """Read the library and the evidence data named by `options` (plugin or extension options, same names)."""
    paths, problems = bib_paths(root, str(options["bib_dir"]), list(options["bib_files"]), bib_required)
    bib = load_cached(paths, root, cache / "bib" if cache else None, tuple(options["required_fields"]),
                      (memory or {}).get("bib"))
    tables = TableManager.load(docs_dir / str(options["data_dir"]), root, docs_dir, cache)
    tables.labels = {key: short_label(entry) for key, entry in bib.entries.items()}
    citations = CitationManager(bib, str(options["style"]), str(options["citation_style"]),
                                str(options["references_heading"]), exports_folder, cache / "bib" if cache else None)
    problems += bib.problems
    problems += [Problem(e.location, f"entry '{e.key}': {msg}") for e in bib.entries.values()
                 for msg in identifier_problems(e)]
    problems += tables.problems_for(bib.entries)
    return Inputs(paths, bib, tables, citations, problems)
