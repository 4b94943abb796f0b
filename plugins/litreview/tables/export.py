"""CSV and JSON downloads of exactly the rows and columns a table shows, values as written in the YAML."""
from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Sequence

from .load import Column, DataSet, Row

_FORMULA = ("=", "+", "@", "\t", "\r")


def _plain(value: object) -> object:
    """A CSV cell; text a spreadsheet would run as a formula gets a leading apostrophe (OWASP advice)."""
    if isinstance(value, list):
        value = "; ".join(str(v) for v in value)
    if isinstance(value, str) and (value.startswith(_FORMULA) or re.match(r"-[^\d\s.]", value)):
        return "'" + value
    return value


def to_csv(rows: Sequence[Row], columns: Sequence[Column]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["id"] + [c.id for c in columns])
    for row in rows:
        writer.writerow([row.id] + ["" if row.values.get(c.id) is None else _plain(row.values.get(c.id))
                                    for c in columns])
    return buffer.getvalue()


def to_json(dataset: DataSet, rows: Sequence[Row], columns: Sequence[Column]) -> str:
    data = {
        "title": dataset.title,
        "source_file": dataset.path,
        "columns": [{"id": c.id, "label": c.label, "type": c.type, **({"unit": c.unit} if c.unit else {})}
                    for c in columns],
        "rows": [{"id": r.id, **{c.id: r.values.get(c.id) for c in columns}} for r in rows],
    }
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False) + "\n"
