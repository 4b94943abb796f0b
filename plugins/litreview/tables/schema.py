"""The evidence-data schema (JSON Schema, checked with jsonschema) and cell values parsed by column type."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

COLUMN_TYPES = ("text", "integer", "percent", "months", "ratio", "citation")
SUMMARY_FIELDS = ("indication", "patients", "response", "survival", "complications")
_NUM = r"\d+(?:\.\d+)?"
INTERVAL_RE = re.compile(
    rf"^\s*(?P<value>{_NUM})\s*(?:\(\s*(?P<lower>{_NUM})\s*[\u2013\u2014-]\s*(?P<upper>{_NUM})\s*\))?\s*$")
RATIO_RE = re.compile(
    rf"^\s*(?P<label>HR|OR|RR|IRR|SHR|sHR|aHR|aOR)?\s*(?P<value>{_NUM})\s*"
    rf"(?:\(\s*(?:95%\s*CI:?\s*)?(?P<lower>{_NUM})\s*[\u2013\u2014-]\s*(?P<upper>{_NUM})\s*\))?\s*$")
KEY_RE = r"^[^\s@,;{}\[\]]+$"

_INTERVAL_STRING = {"type": "string", "pattern": INTERVAL_RE.pattern}
VALUE_SCHEMAS: dict[str, dict[str, Any]] = {
    "text": {"type": ["string", "number", "null"]},
    "integer": {"type": ["integer", "null"], "minimum": 0},
    "percent": {"anyOf": [{"type": "number", "minimum": 0, "maximum": 100}, _INTERVAL_STRING, {"type": "null"}]},
    "months": {"anyOf": [{"type": "number", "minimum": 0}, _INTERVAL_STRING, {"const": "NR"}, {"type": "null"}]},
    "ratio": {"anyOf": [{"type": "string", "pattern": RATIO_RE.pattern}, {"type": "number", "minimum": 0},
                        {"type": "null"}]},
    "citation": {"anyOf": [{"type": "string", "pattern": KEY_RE},
                           {"type": "array", "items": {"type": "string", "pattern": KEY_RE}, "minItems": 1},
                           {"type": "null"}]},
}
EXPECTED = {
    "text": "text",
    "integer": "an integer",
    "percent": "a percentage 0–100 such as 38 or \"38 (22–54)\"",
    "months": "months such as 24.1, \"24.1 (18.0–30.2)\" or \"NR\"",
    "ratio": "a ratio such as \"HR 0.84 (0.60–1.17)\"",
    "citation": "a BibTeX key or a list of keys",
}

FILE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["title", "columns", "rows"],
    "additionalProperties": False,
    "properties": {
        "title": {"type": "string", "minLength": 1},
        "modality": {"type": "string"},
        "description": {"type": "string"},
        "summary": {
            "type": "object",
            "additionalProperties": False,
            "properties": {name: {"type": "string"} for name in SUMMARY_FIELDS},
        },
        "columns": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["id", "label", "type"],
                "additionalProperties": False,
                "properties": {
                    "id": {"type": "string", "pattern": r"^[a-z][a-z0-9_]*$"},
                    "label": {"type": "string", "minLength": 1},
                    "type": {"enum": list(COLUMN_TYPES)},
                    "unit": {"type": "string"},
                    "description": {"type": "string"},
                },
            },
        },
        "rows": {"type": "array", "items": {"type": "object"}},
    },
}


def row_schema(columns: list[dict[str, Any]]) -> dict[str, Any]:
    """The schema of one row, generated from the file's declared columns."""
    props: dict[str, Any] = {"id": {"type": "string", "pattern": r"^[a-z0-9][a-z0-9_-]*$"}}
    for column in columns:
        props[column["id"]] = VALUE_SCHEMAS[column["type"]]
    if props.get("source") is VALUE_SCHEMAS["citation"]:  # other citation columns may be empty; the source may not
        props["source"] = {"anyOf": VALUE_SCHEMAS["citation"]["anyOf"][:2]}
    return {"type": "object", "required": ["id", "source"], "additionalProperties": False, "properties": props}


@dataclass(frozen=True)
class CellValue:
    """A parsed cell: the number to sort and plot by, an optional interval, and the text to show."""

    display: str
    value: float | None = None
    lower: float | None = None
    upper: float | None = None
    label: str = ""


def _num(text: str | None) -> float | None:
    return float(text) if text is not None else None


def _fmt_number(value: float | int) -> str:
    """As the author wrote it: 26 stays 26, 24.0 stays 24.0."""
    return str(value)


def parse_cell(kind: str, raw: Any) -> CellValue:
    """Parse a raw YAML value of a column type; values that fail the schema are shown as written."""
    if raw is None:
        return CellValue("")
    if kind in ("percent", "months") and isinstance(raw, (int, float)) and not isinstance(raw, bool):
        text = _fmt_number(raw)
        return CellValue(text + ("%" if kind == "percent" else ""), float(raw))
    if kind in ("percent", "months") and isinstance(raw, str):
        if kind == "months" and raw.strip() == "NR":
            return CellValue("NR", None, label="not reached")
        m = INTERVAL_RE.match(raw)
        if m:
            unit = "%" if kind == "percent" else ""
            interval = f" ({m['lower']}\u2013{m['upper']})" if m["lower"] else ""
            return CellValue(f"{m['value']}{unit}{interval}", _num(m["value"]), _num(m["lower"]), _num(m["upper"]))
    if kind == "integer" and isinstance(raw, int) and not isinstance(raw, bool):
        return CellValue(str(raw), float(raw))
    if kind == "ratio":
        if isinstance(raw, (int, float)) and not isinstance(raw, bool):
            return CellValue(str(raw), float(raw))
        m = RATIO_RE.match(str(raw))
        if m:
            label = f"{m['label']} " if m["label"] else ""
            interval = f" ({m['lower']}\u2013{m['upper']})" if m["lower"] else ""
            return CellValue(f"{label}{m['value']}{interval}", _num(m["value"]), _num(m["lower"]),
                             _num(m["upper"]), m["label"] or "")
    if kind == "citation":
        keys = raw if isinstance(raw, list) else [raw]
        return CellValue(", ".join(str(k) for k in keys))
    return CellValue(str(raw))
