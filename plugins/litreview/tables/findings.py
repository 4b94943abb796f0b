"""Summary-of-findings tables: per outcome, the studies, patients, effect and designs behind it, from the data sets.

A file in `data/summary-of-findings/` names a data set and its outcomes; every number comes from that data set's
rows (never typed twice). Certainty is an author's judgement with its reason, or "not assessed": never inferred.
"""
from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any

from ..errors import Problem, SourceLocation
from .load import DataSet, Row
from .render import CellMarkup, cite_html
from .schema import CellValue
from .yaml_load import YamlProblem, load_yaml, problem

FOLDER = "summary-of-findings"
CERTAINTY = ("high", "moderate", "low", "very low")
NUMERIC = ("integer", "percent", "months", "ratio")


@dataclass(frozen=True)
class Outcome:
    outcome: str
    column: str
    rows: tuple[str, ...] = ()  # empty: every row with a value in `column`
    effect: str = ""  # a row whose value is the summary effect (e.g. a meta-analysis); empty: the studies' range
    certainty: str = ""
    reason: str = ""
    note: str = ""


@dataclass(frozen=True)
class SummaryOfFindings:
    name: str
    path: str
    title: str
    data: str
    patients: str
    design: str
    outcomes: tuple[Outcome, ...]
    lines: dict[str, int]
    digest: str


def _check(data: Any, rel: str, lines: dict[str, int]) -> list[Problem]:
    out: list[Problem] = []

    def bad(path: str, message: str) -> None:
        out.append(problem(rel, lines, path, message))

    if not isinstance(data, dict):
        return [Problem(SourceLocation(rel, 1), "expected a mapping with title, data and outcomes")]
    known = {"title", "data", "patients", "design", "outcomes"}
    for key in sorted(set(data) - known, key=str):
        bad(str(key), f"unknown field '{key}' (known: {', '.join(sorted(known))})")
    for key in ("title", "data"):
        if not isinstance(data.get(key), str) or not data.get(key):
            bad(key, f"{key} is required: text")
    for key in ("patients", "design"):
        if key in data and not isinstance(data[key], str):
            bad(key, "expected a column id")
    outcomes = data.get("outcomes")
    if not isinstance(outcomes, list) or not outcomes:
        bad("outcomes", "expected a list of outcomes, each with outcome and column")
        return out
    fields = {"outcome", "column", "rows", "effect", "certainty", "note"}
    for index, item in enumerate(outcomes):
        base = f"outcomes[{index}]"
        if not isinstance(item, dict):
            bad(base, "expected a mapping with outcome and column")
            continue
        for key in sorted(set(item) - fields, key=str):
            bad(f"{base}.{key}", f"unknown field '{key}' (known: {', '.join(sorted(fields))})")
        for key in ("outcome", "column"):
            if not isinstance(item.get(key), str) or not item.get(key):
                bad(f"{base}.{key}" if key in item else base, f"{key} is required: text")
        if "rows" in item and not (isinstance(item["rows"], list) and all(isinstance(r, str) for r in item["rows"])):
            bad(f"{base}.rows", "expected a list of row ids")
        if "effect" in item and not isinstance(item["effect"], str):
            bad(f"{base}.effect", "expected the id of the row that gives the summary effect")
        certainty = item.get("certainty")
        if certainty is not None:
            if not isinstance(certainty, dict) or set(certainty) != {"rating", "reason"}:
                bad(f"{base}.certainty", "expected {rating: high | moderate | low | very low, reason: why}: a "
                                         "rating is the author's judgement and always states its reason")
            elif certainty["rating"] not in CERTAINTY:
                bad(f"{base}.certainty.rating", f"got {certainty['rating']!r}, expected one of: "
                                                f"{', '.join(CERTAINTY)}")
            elif not isinstance(certainty["reason"], str) or not certainty["reason"].strip():
                bad(f"{base}.certainty.reason", "state the reason for the rating")
    return out


def load_summaries(folder: Path, rel_folder: str) -> tuple[dict[str, SummaryOfFindings], list[Problem]]:
    """Every `*.yaml` in `folder` (the data folder's `summary-of-findings/`); missing folder: none."""
    found: dict[str, SummaryOfFindings] = {}
    problems: list[Problem] = []
    if not folder.is_dir():
        return found, problems
    for path in sorted(folder.glob("*.yaml")):
        rel = f"{rel_folder}/{path.name}"
        if path.is_symlink() or not path.is_file():
            problems.append(Problem(SourceLocation(rel), "not a regular file; refused"))
            continue
        try:
            text = path.read_text(encoding="utf-8-sig")
            data, lines = load_yaml(text)
        except YamlProblem as exc:
            problems.append(Problem(SourceLocation(rel, exc.line), exc.message))
            continue
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(Problem(SourceLocation(rel), f"cannot read the file ({exc})"))
            continue
        checked = _check(data, rel, lines)
        problems += checked
        if checked:
            continue
        outcomes = tuple(Outcome(
            o["outcome"], o["column"], tuple(o.get("rows", ())), o.get("effect", ""),
            (o.get("certainty") or {}).get("rating", ""), (o.get("certainty") or {}).get("reason", ""),
            o.get("note", "")) for o in data["outcomes"])
        found[path.stem] = SummaryOfFindings(path.stem, rel, data["title"], data["data"], data.get("patients", "n"),
                                             data.get("design", "design"), outcomes, lines,
                                             hashlib.sha256(text.encode()).hexdigest())
    return found, problems


def check_against(sof: SummaryOfFindings, ds: DataSet | None) -> list[Problem]:
    """What in `sof` does not match its data set: an unknown data set, column or row."""
    if ds is None:
        return [problem(sof.path, sof.lines, "data", f"no data set '{sof.data}'")]
    out = []
    for index, outcome in enumerate(sof.outcomes):
        column = ds.column(outcome.column)
        if column is None or column.type not in NUMERIC:
            out.append(problem(sof.path, sof.lines, f"outcomes[{index}].column",
                               f"'{outcome.column}' is not a numeric column of '{ds.name}'"))
        for field, ids in (("rows", outcome.rows), ("effect", (outcome.effect,) if outcome.effect else ())):
            out += [problem(sof.path, sof.lines, f"outcomes[{index}].{field}", f"'{ds.name}' has no row '{row_id}'")
                    for row_id in ids if ds.row(row_id) is None]
    return out


def _studies(n: int) -> str:
    return f"{n} stud{'y' if n == 1 else 'ies'}"


def _patients(ds: DataSet, rows: Sequence[Row], column_id: str) -> str:
    counts = [r.values.get(column_id) for r in rows]
    known = [c for c in counts if isinstance(c, int) and not isinstance(c, bool)]
    if not known:
        return "not reported"
    total = f"{sum(known):,}"
    if len(known) == len(counts):
        return total
    return f'{total}<span class="lr-interval">counted in {len(known)} of {_studies(len(counts))}</span>'


def design_kinds(designs: Sequence[str]) -> list[tuple[str, int]]:
    """Each design's kind (its words before a bracket or comma: "meta-analysis (12 studies)" -> "meta-analysis")
    with how many of the studies have it, in first-seen order."""
    kinds: dict[str, int] = {}
    for design in designs:
        kind = re.split(r"[(,;]", design, maxsplit=1)[0].strip() or design.strip()
        kinds[kind] = kinds.get(kind, 0) + 1
    return list(kinds.items())


def _effect(ds: DataSet, outcome: Outcome, rows: Sequence[Row]) -> str:
    column = ds.column(outcome.column)
    row = ds.row(outcome.effect) if outcome.effect else None
    if column is None:
        return "not reported"  # reported by check_against
    if row is not None:
        cell = ds.cell(row, column)
        return f"{escape(cell.display)}\u00a0{cite_html(ds.keys_of(row)[:1])}"
    cells: list[CellValue] = [ds.cell(r, column) for r in rows]
    values = [c for c in cells if c.value is not None]
    if len(values) == 1:
        return escape(values[0].display)
    if not values:
        return "not reported"
    low, high = min(values, key=lambda c: c.value or 0.0), max(values, key=lambda c: c.value or 0.0)
    return (f'{escape(low.point)}\u2013{escape(high.point)} <span class="lr-interval">(range of the '
            f"{len(values)} studies' estimates; not pooled)</span>")


def summary_html(sof: SummaryOfFindings, ds: DataSet, caption: str, table_id: str, markup: CellMarkup) -> str:
    """The summary-of-findings table; one row per outcome."""
    head = "".join(f'<th scope="col">{h}</th>' for h in (
        "Outcome", "Studies", "Patients", "Effect", "Study designs", "Certainty of evidence"))
    body = []
    for outcome in sof.outcomes:
        column = ds.column(outcome.column)
        wanted = outcome.rows or tuple(r.id for r in ds.rows if column and ds.cell(r, column).value is not None)
        rows = [r for r in (ds.row(i) for i in wanted) if r is not None]
        keys = [k for r in rows for k in ds.keys_of(r)[:1]]
        designs = design_kinds([str(r.values[sof.design]) for r in rows if r.values.get(sof.design)])
        certainty = (f'<strong>{escape(outcome.certainty)}</strong>: {markup(outcome.reason)}' if outcome.certainty
                     else '<span class="lr-not-assessed">not assessed</span>')
        note = f'<br><span class="lr-sof-note">{markup(outcome.note)}</span>' if outcome.note else ""
        body.append(
            f'<tr><th scope="row">{escape(outcome.outcome)}{note}</th>'
            f'<td class="lr-num">{len(rows)}\u00a0{cite_html(keys)}</td>'
            f'<td class="lr-num">{_patients(ds, rows, sof.patients)}</td>'
            f'<td class="lr-num">{_effect(ds, outcome, rows)}</td>'
            f"<td>{'; '.join(f'{escape(d)} ({n})' for d, n in designs) or 'not reported'}</td>"
            f"<td>{certainty}</td></tr>")
    return (f'<div class="lr-table lr-sof" id="{escape(table_id, quote=True)}">'
            f'<div class="lr-table-scroll" tabindex="0" role="region" aria-label="{escape(caption, quote=True)}">'
            f'<table class="lr-evidence lr-sof-table"><caption>{escape(caption)}</caption>'
            f'<thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table></div>'
            '<p class="lr-sof-note">Studies: rows of the evidence table with a value for the outcome. Patients: '
            "their patient counts added up (a review and the series it pooled may count the same patients). "
            "Effect: the summary estimate a source reports, or the range of the studies' own estimates, which is "
            "not a pooled result. Certainty: rated only where the authors of this review state a rating and its "
            "reason.</p></div>")
