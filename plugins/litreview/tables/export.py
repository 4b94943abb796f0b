"""CSV and JSON downloads of exactly the rows and columns a table shows, values as written in the YAML."""
from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Sequence

from .load import Column, DataSet, Row

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


def to_csv(rows: Sequence[Row], columns: Sequence[Column]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["id"] + [_plain(c.id) for c in columns])
    for row in rows:
        writer.writerow([_plain(row.id)] + ["" if row.values.get(c.id) is None else _plain(row.values.get(c.id))
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
