"""Evidence data checks: the YAML schema, citation keys in tables, inline values and placement directives."""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..citations.markdown_ext import MALFORMED_VALUE_RE, malformed_value_message
from ..citations.syntax import find_citations
from ..markdown_text import MarkdownPage
from ..tables.directives import DIRECTIVE_RE, DirectiveError, parse_directive
from ..tables.load import DataSet, load_datasets
from ..tables.manager import TableManager
from .findings import Finding, from_problem

VALUE_RE = re.compile(r"\{\{\s*([\w-]+)\.([\w-]+)\.([\w-]+)\s*\}\}")


def data_problems(manager: TableManager, entries: Mapping[str, Any]) -> list[Finding]:
    """Schema errors of every YAML file and citation keys the bibliography lacks (TableManager's own checks)."""
    out = []
    for problem in manager.problems_for(entries):
        code = "unknown-key" if problem.message.startswith("unknown citation key") else "data-schema"
        out.append(from_problem(problem, "error", code))
    return out


def _row_keys(ds: DataSet) -> set[str]:
    keys: set[str] = set()
    for row in ds.rows:
        keys.update(ds.keys_of(row))
        for column in ds.columns:
            value = row.values.get(column.id)
            if column.type == "text" and isinstance(value, str):
                keys.update(k for _, _, c in find_citations(value) for k in c.keys)
    return keys


def _summary_keys(ds: DataSet) -> set[str]:
    return {k for text in ds.summary.values() for _, _, c in find_citations(str(text)) for k in c.keys}


@dataclass
class PageData:
    """What the pages ask of the data: problems with values and directives, and the keys they put on pages."""

    findings: list[Finding] = field(default_factory=list)
    cited: set[str] = field(default_factory=set)


def _check_columns(ds: DataSet, kind: str, options: Mapping[str, str],
                   filters: Sequence[tuple[str, str]]) -> str | None:
    wanted: list[str] = []
    if kind == "evidence-table" and options.get("columns"):
        wanted += [c.strip() for c in options["columns"].split(",") if c.strip()]
    if options.get("sort"):
        wanted.append(options["sort"].lstrip("-+"))
    if kind == "evidence-chart" and options.get("column"):
        wanted.append(options["column"])
    wanted += [column for column, _ in filters]
    missing = [c for c in dict.fromkeys(wanted) if ds.column(c) is None]
    if missing:
        return (f"'{ds.name}' has no column {', '.join(repr(m) for m in missing)} "
                f"(columns: {', '.join(c.id for c in ds.columns)})")
    return None


def page_data(pages: Sequence[MarkdownPage], manager: TableManager) -> PageData:
    result = PageData()
    datasets = manager.datasets
    for page in pages:
        for m in VALUE_RE.finditer(page.prose):
            got = manager.resolve_value(m.group(1), m.group(2), m.group(3))
            if isinstance(got, str):
                result.findings.append(Finding(page.path, page.line(m.start()), "error", "unknown-value",
                                               f"{m.group(0)}: {got}"))
            elif got.citation is not None:
                result.cited.update(got.citation.keys)
        for m in MALFORMED_VALUE_RE.finditer(page.prose):
            parts = m.group(1).split(".")
            if len(parts) != 3 and parts[0] in datasets:
                result.findings.append(Finding(page.path, page.line(m.start()), "error", "unknown-value",
                                               f"{m.group(0)}: {malformed_value_message(parts)}"))
        for m in DIRECTIVE_RE.finditer(page.without_code):
            kind = m.group(1)
            try:
                directive = parse_directive(kind, m.group(2))
            except DirectiveError as exc:
                result.findings.append(Finding(page.path, page.line(m.start()), "error", "directive", str(exc)))
                continue
            for name in directive.names:
                ds = datasets.get(name)
                if ds is None:
                    result.findings.append(Finding(
                        page.path, page.line(m.start()), "error", "directive",
                        f"{kind}: no data set '{name}' (available: {', '.join(sorted(datasets)) or 'none'})"))
                    continue
                problem = _check_columns(ds, kind, directive.options, directive.filters)
                if problem:
                    result.findings.append(Finding(page.path, page.line(m.start()), "error", "directive",
                                                   f"{kind}: {problem}"))
                result.cited |= _summary_keys(ds) if kind == "comparison-table" else _row_keys(ds)
    return result


def load_manager(folder: Path, root: Path) -> TableManager:
    """The TableManager of a build, without a cache: loads and validates every YAML file once."""
    datasets, problems = load_datasets(folder, root)
    return TableManager(datasets=datasets, load_problems=list(problems))
