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
# The kind of an interval, as the source states it; "unspecified" when it does not (never guessed).
INTERVAL_KINDS = {"ci95": "95% CI", "ci90": "90% CI", "ci99": "99% CI", "range": "range", "iqr": "IQR",
                  "unspecified": ""}
UNSPECIFIED_TEXT = "interval not specified"
RATIO_MEASURES = ("HR", "OR", "RR", "IRR", "SHR", "sHR", "aHR", "aOR")
ESTIMATE_COLUMNS = ("percent", "months", "ratio")  # the column types whose cells may be estimates
ESTIMATE_FIELDS = ("measure", "value", "lower", "upper", "interval")
_NUMBER_TEXT = re.compile(rf"^{_NUM}$")

_INTERVAL_STRING = {"type": "string", "pattern": INTERVAL_RE.pattern}
_ESTIMATE = {"type": "object"}  # {value, lower, upper, interval}: checked field by field in estimate_problems
VALUE_SCHEMAS: dict[str, dict[str, Any]] = {
    "text": {"type": ["string", "number", "null"]},
    "integer": {"type": ["integer", "null"], "minimum": 0},
    "percent": {"anyOf": [{"type": "number", "minimum": 0, "maximum": 100}, _INTERVAL_STRING, _ESTIMATE,
                          {"type": "null"}]},
    "months": {"anyOf": [{"type": "number", "minimum": 0}, _INTERVAL_STRING, _ESTIMATE, {"const": "NR"},
                         {"type": "null"}]},
    "ratio": {"anyOf": [{"type": "string", "pattern": RATIO_RE.pattern}, {"type": "number", "minimum": 0},
                        _ESTIMATE, {"type": "null"}]},
    "citation": {"anyOf": [{"type": "string", "pattern": KEY_RE},
                           {"type": "array", "items": {"type": "string", "pattern": KEY_RE}, "minItems": 1},
                           {"type": "null"}]},
}
EXPECTED = {
    "text": "text",
    "integer": "an integer",
    "percent": "a percentage 0–100 such as 38 or {value: 38, lower: 22, upper: 54, interval: ci95}",
    "months": "months such as 24.1, {value: 24.1, lower: 18.0, upper: 30.2, interval: ci95} or \"NR\"",
    "ratio": "a ratio such as {measure: HR, value: 0.84, lower: 0.60, upper: 1.17, interval: ci95}",
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
    """A parsed cell: the number to sort and plot by, an optional interval and its kind, and the text to show.

    `display` is the whole cell ("50% (95% CI 38–62)"); `point` is the estimate alone ("50%") and `interval_text`
    the rest (" (95% CI 38–62)"), so prose can put a unit between them.
    """

    display: str
    value: float | None = None
    lower: float | None = None
    upper: float | None = None
    label: str = ""
    interval: str = ""  # a key of INTERVAL_KINDS when the cell has an interval
    point: str = ""
    interval_text: str = ""

    @property
    def interval_label(self) -> str:
        """ "95% CI", "range", "IQR" or "interval not specified"."""
        return INTERVAL_KINDS.get(self.interval, "") or UNSPECIFIED_TEXT if self.interval else ""


def _number_problem(raw: Any) -> bool:
    if isinstance(raw, bool):
        return True
    if isinstance(raw, (int, float)):
        return not (raw >= 0 and raw != float("inf"))
    return not (isinstance(raw, str) and _NUMBER_TEXT.match(raw))


def estimate_problems(kind: str, raw: dict[str, Any]) -> list[tuple[str, str]]:
    """(field, message) for each problem of an estimate cell; field "" means the cell itself."""
    out: list[tuple[str, str]] = []
    for name in raw:
        if name not in ESTIMATE_FIELDS or (name == "measure" and kind != "ratio"):
            known = [f for f in ESTIMATE_FIELDS if f != "measure" or kind == "ratio"]
            out.append((str(name), f"unknown field '{name}' of an estimate (known: {', '.join(known)})"))
    if "value" not in raw:
        out.append(("", "an estimate needs a value, e.g. {value: 50, lower: 38, upper: 62, interval: ci95}"))
    for name in ("value", "lower", "upper"):
        if name in raw and _number_problem(raw[name]):
            out.append((name, f"expected a number (quote it, as \"0.60\", to keep trailing zeros), got "
                              f"{raw[name]!r}"))
    has_bounds = [name for name in ("lower", "upper") if name in raw]
    if len(has_bounds) == 1:
        out.append(("", f"an interval needs both lower and upper (only {has_bounds[0]} is given)"))
    if len(has_bounds) == 2 and "interval" not in raw:
        out.append(("", "say what the interval is: interval: ci95, ci90, ci99, range, iqr, or unspecified "
                        "when the source does not say"))
    if "interval" in raw and raw["interval"] not in INTERVAL_KINDS:
        out.append(("interval", f"got {raw['interval']!r}, expected one of: {', '.join(INTERVAL_KINDS)}"))
    elif "interval" in raw and not has_bounds:
        out.append(("", "interval is given without lower and upper"))
    if "measure" in raw and raw["measure"] not in RATIO_MEASURES:
        out.append(("measure", f"got {raw['measure']!r}, expected one of: {', '.join(RATIO_MEASURES)}"))
    if out:
        return out
    value, lower, upper = (float(raw[n]) if n in raw else None for n in ("value", "lower", "upper"))
    if kind == "percent" and any(v is not None and v > 100 for v in (value, lower, upper)):
        out.append(("", "a percentage is 0–100"))
    if lower is not None and upper is not None and value is not None and not lower <= value <= upper:
        out.append(("", f"expected lower ≤ value ≤ upper, got {raw['lower']} ≤ {raw['value']} ≤ {raw['upper']}"))
    return out


def _estimate(kind: str, value: str, lower: str | None, upper: str | None, interval: str,
              measure: str = "") -> CellValue:
    point = (f"{measure} " if measure else "") + value + ("%" if kind == "percent" else "")
    text = ""
    if lower is not None and upper is not None:
        label = INTERVAL_KINDS.get(interval, "")
        text = f" ({label} {lower}\u2013{upper})" if label else f" ({lower}\u2013{upper}; {UNSPECIFIED_TEXT})"
    return CellValue(point + text, float(value), _num(lower), _num(upper), measure,
                     (interval or "unspecified") if text else "", point, text)


def _written(raw: Any) -> str | None:
    return None if raw is None else str(raw)


def _num(text: str | None) -> float | None:
    return float(text) if text is not None else None


def _fmt_number(value: float | int) -> str:
    """As the author wrote it: 26 stays 26, 24.0 stays 24.0."""
    return str(value)


def parse_cell(kind: str, raw: Any) -> CellValue:
    """Parse a raw YAML value of a column type; values that fail the schema are shown as written."""
    if raw is None:
        return CellValue("")
    if kind in ESTIMATE_COLUMNS and isinstance(raw, dict):
        if estimate_problems(kind, raw):
            return CellValue("invalid estimate")  # reported by the loader with its YAML path
        return _estimate(kind, str(raw["value"]), _written(raw.get("lower")), _written(raw.get("upper")),
                         str(raw.get("interval", "")), str(raw.get("measure", "")))
    if kind in ("percent", "months") and isinstance(raw, (int, float)) and not isinstance(raw, bool):
        text = _fmt_number(raw)
        return CellValue(text + ("%" if kind == "percent" else ""), float(raw), point=text + (
            "%" if kind == "percent" else ""))
    if kind in ("percent", "months") and isinstance(raw, str):
        if kind == "months" and raw.strip() == "NR":
            return CellValue("NR", None, label="not reached")
        m = INTERVAL_RE.match(raw)
        if m:  # text such as "50 (38–62)" does not say what the interval is
            return _estimate(kind, m["value"], m["lower"], m["upper"], "unspecified")
    if kind == "integer" and isinstance(raw, int) and not isinstance(raw, bool):
        return CellValue(str(raw), float(raw), point=str(raw))
    if kind == "ratio":
        if isinstance(raw, (int, float)) and not isinstance(raw, bool):
            return CellValue(str(raw), float(raw), point=str(raw))
        m = RATIO_RE.match(str(raw))
        if m:
            stated = "ci95" if re.search(r"95%\s*CI", str(raw)) else "unspecified"
            return _estimate(kind, m["value"], m["lower"], m["upper"], stated, m["label"] or "")
    if kind == "citation":
        keys = raw if isinstance(raw, list) else [raw]
        return CellValue(", ".join(str(k) for k in keys))
    return CellValue(str(raw))


def estimate_fields(kind: str, raw: Any) -> dict[str, Any]:
    """An estimate cell as separate fields for downloads: measure, value, lower, upper, interval.

    Numbers stay as written where the author quoted them ("0.60"); text intervals without a stated kind are
    "unspecified".
    """
    if isinstance(raw, dict):
        if estimate_problems(kind, raw):
            return {"value": raw.get("value")}
        return {name: raw[name] for name in ESTIMATE_FIELDS if name in raw}
    cell = parse_cell(kind, raw)
    if cell.lower is None or not isinstance(raw, str):
        return {"value": raw}
    m = RATIO_RE.match(raw) if kind == "ratio" else INTERVAL_RE.match(raw)
    if m is None:
        return {"value": raw}
    out: dict[str, Any] = {"measure": m["label"]} if kind == "ratio" and m["label"] else {}
    return {**out, "value": m["value"], "lower": m["lower"], "upper": m["upper"], "interval": cell.interval}
