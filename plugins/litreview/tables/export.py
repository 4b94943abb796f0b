"""CSV and JSON downloads of exactly the rows and columns a table shows, values as written in the YAML."""
from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Sequence

from .load import Column, DataSet, Row
from .schema import ESTIMATE_COLUMNS, estimate_fields

# What a spreadsheet may read as the start of a formula or a command, after any leading blanks (full-width
# forms included, which some spreadsheets fold to ASCII).
_FORMULA = tuple("=+-@\t\r\n|%\uff1d\uff0b\uff0d\uff20")
_NUMBER = re.compile(r"-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?")


def _plain(value: object) -> object:
    """A CSV cell. Text a spreadsheet would evaluate gets a leading apostrophe (OWASP's advice), whatever its
    first character; a plain number, negative ones included, stays a number."""
    if isinstance(value, list):
        value = "; ".join(str(v) for v in value)
    if isinstance(value, str):
        if _NUMBER.fullmatch(value):
            return value
        if value.lstrip(" \u00a0\u3000").startswith(_FORMULA) or value.startswith((" ", "\u3000")):
            return "'" + value
    return value


_BOUNDS = ("lower", "upper", "interval")


def _with_intervals(rows: Sequence[Row], columns: Sequence[Column]) -> dict[str, tuple[str, ...]]:
    """Estimate columns where some row has an interval (or a measure): the extra fields each one gets."""
    out: dict[str, tuple[str, ...]] = {}
    for column in columns:
        if column.type not in ESTIMATE_COLUMNS:
            continue
        found = [estimate_fields(column.type, row.values.get(column.id)) for row in rows]
        if any("lower" in f or "measure" in f for f in found):
            out[column.id] = (("measure",) if column.type == "ratio" else ()) + _BOUNDS
    return out


def to_csv(rows: Sequence[Row], columns: Sequence[Column]) -> str:
    """One CSV column per table column; an estimate column with intervals adds `<id>_lower`, `<id>_upper`,
    `<id>_interval` (and `<id>_measure` for ratios), so a spreadsheet gets numbers, not "50 (38–62)"."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    extra = _with_intervals(rows, columns)
    header: list[object] = ["id"]
    for c in columns:
        header += [_plain(c.id)] + [_plain(f"{c.id}_{name}") for name in extra.get(c.id, ())]
    writer.writerow(header)
    for row in rows:
        cells: list[object] = [_plain(row.id)]
        for c in columns:
            raw = row.values.get(c.id)
            if c.id in extra:
                fields = estimate_fields(c.type, raw)
                cells += ["" if fields.get("value") is None else _plain(fields["value"])]
                cells += [_plain(fields.get(name, "")) for name in extra[c.id]]
            else:
                cells.append("" if raw is None else _plain(raw))
        writer.writerow(cells)
    return buffer.getvalue()


def _json_value(column: Column, raw: object) -> object:
    """Estimates as {measure, value, lower, upper, interval} with numbers; everything else as written."""
    if column.type not in ESTIMATE_COLUMNS:
        return raw
    fields = estimate_fields(column.type, raw)
    if "lower" not in fields and "measure" not in fields:
        return raw
    return {k: (float(v) if k in ("value", "lower", "upper") and isinstance(v, str) else v)
            for k, v in fields.items()}


def to_json(dataset: DataSet, rows: Sequence[Row], columns: Sequence[Column]) -> str:
    data = {
        "title": dataset.title,
        "source_file": dataset.path,
        "columns": [{"id": c.id, "label": c.label, "type": c.type, **({"unit": c.unit} if c.unit else {})}
                    for c in columns],
        "rows": [{"id": r.id, **{c.id: _json_value(c, r.values.get(c.id)) for c in columns}} for r in rows],
    }
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False) + "\n"
