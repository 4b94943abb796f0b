"""Evidence YAML files -> validated DataSets; every problem names file, line and YAML path."""
from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import Problem, SourceLocation
from ..jsonstore import code_digest, mark_used
from .schema import ESTIMATE_COLUMNS, EXPECTED, FILE_SCHEMA, CellValue, estimate_problems, parse_cell, row_schema
from .yaml_load import Lines, YamlProblem, load_yaml, problem

if TYPE_CHECKING:
    from jsonschema.exceptions import ValidationError

MAX_BYTES = 2_000_000
YAML_CACHE_VERSION = "yaml-1"


def _schema_checker(schema: dict[str, Any]) -> Callable[[Any], list[ValidationError]]:
    """The errors of an instance against `schema`, sorted by path. jsonschema is imported only when a file is
    actually checked, not for a file the cache knows to be clean."""
    validator = _validator(json.dumps(schema, sort_keys=True))
    return lambda instance: sorted(validator.iter_errors(instance), key=lambda e: list(map(str, e.absolute_path)))


@lru_cache(maxsize=256)
def _validator(schema_json: str) -> Any:
    """One validator per schema (files with the same columns share their row schema)."""
    from jsonschema import Draft202012Validator

    return Draft202012Validator(json.loads(schema_json))


def _clean_marker(text: str, cache_dir: Path | None) -> Path | None:
    """Where the cache records that `text` passed the schema (no need to check it, or import jsonschema, again)."""
    if cache_dir is None:
        return None
    # litreview's code is in the key: a file checked clean against one schema is not clean against another.
    digest = hashlib.sha256(f"{YAML_CACHE_VERSION}\0{code_digest()}\0{text}".encode()).hexdigest()[:32]
    return cache_dir / f"clean-{digest}"


@dataclass(frozen=True)
class Column:
    id: str
    label: str
    type: str
    unit: str = ""
    description: str = ""

    @property
    def heading(self) -> str:
        return f"{self.label} ({self.unit})" if self.unit else self.label


@dataclass(frozen=True)
class Row:
    id: str
    values: dict[str, Any]
    line: int | None

    @property
    def source(self) -> str:
        return str(self.values.get("source") or "")


@dataclass(frozen=True)
class DataSet:
    name: str
    path: str
    title: str
    modality: str
    summary: dict[str, str]
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]
    lines: Lines
    digest: str

    def column(self, column_id: str) -> Column | None:
        return next((c for c in self.columns if c.id == column_id), None)

    def row(self, row_id: str) -> Row | None:
        return next((r for r in self.rows if r.id == row_id), None)

    def cell(self, row: Row, column: Column) -> CellValue:
        return parse_cell(column.type, row.values.get(column.id))

    def keys_of(self, row: Row) -> list[str]:
        keys: list[str] = []
        for column in self.columns:
            if column.type == "citation":
                raw = row.values.get(column.id)
                keys += [str(k) for k in (raw if isinstance(raw, list) else [raw]) if k]
        return keys


def _describe(value: Any) -> str:
    if isinstance(value, str):
        return f'"{value}"'
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return "a mapping" if isinstance(value, dict) else "a list"
    return str(value)


def _yaml_path(parts: Any, prefix: str = "") -> str:
    out = prefix
    for part in parts:
        out = f"{out}[{part}]" if isinstance(part, int) else (f"{out}.{part}" if out else str(part))
    return out


_JSON_TYPES = {"object": "a mapping", "array": "a list", "string": "text", "integer": "an integer",
               "number": "a number", "null": "nothing", "boolean": "true or false"}


def _extra_keys(error: ValidationError) -> list[str]:
    return sorted(set(error.instance) - set(error.schema.get("properties", {})), key=str)


def _message(error: ValidationError, column_types: dict[str, str]) -> str:
    path = list(error.absolute_path)
    if error.validator == "additionalProperties":
        extra = _extra_keys(error)
        if (path and path[0] == "rows") or (len(path) == 0 and "id" in error.schema.get("properties", {})):
            return f"unknown column {', '.join(repr(e) for e in extra)}; declare it under columns " \
                   f"(declared: {', '.join(sorted(column_types))})"
        known = ", ".join(sorted(error.schema.get("properties", {})))
        return f"unknown field {', '.join(repr(e) for e in extra)} (known: {known})"
    if error.validator == "required":
        return str(error.message).replace("is a required property", "is required")
    field = path[-1] if path else None
    if isinstance(field, str) and field in column_types:
        return f"expected {EXPECTED[column_types[field]]}, got {_describe(error.instance)}"
    if error.validator == "pattern" and field == "id":
        return f"invalid id {_describe(error.instance)}: use lowercase letters, digits, '_' and '-'"
    if error.validator == "enum":
        return f"got {_describe(error.instance)}, expected one of: {', '.join(map(str, error.validator_value))}"
    if error.validator == "type":  # jsonschema's own text shows Python reprs: "{'a': 1} is not of type 'array'"
        wanted = [str(w) for w in (error.validator_value if isinstance(error.validator_value, list)
                                   else [error.validator_value])]
        return f"expected {' or '.join(_JSON_TYPES.get(w, w) for w in wanted)}, got {_describe(error.instance)}"
    return f"{error.message}"


def _error_path(error: ValidationError, prefix: str = "") -> str:
    """The YAML path of an error; an unknown key points at its own line rather than its mapping's."""
    parts = list(error.absolute_path)
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        parts += _extra_keys(error)[:1]
    return _yaml_path(parts, prefix)


def _non_finite(raw_row: dict[str, Any]) -> list[str]:
    """Columns holding .nan or .inf, which pass the schema's number checks but are never a finding."""
    return [k for k, v in raw_row.items() if isinstance(v, float) and not math.isfinite(v)]


def _parse_cached(text: str, cache_dir: Path | None) -> tuple[Any, Lines]:
    """`load_yaml`, reusing the parsed data and its line map from `cache_dir` for an unchanged file.

    Only files that parsed cleanly are cached; validation always runs again (it is cheap, and its messages
    depend on the bibliography too).
    """
    if cache_dir is None:
        return load_yaml(text)
    cached = cache_dir / f"yaml-{hashlib.sha256((YAML_CACHE_VERSION + text).encode()).hexdigest()[:32]}.json"
    if cached.is_file():
        try:
            data, lines = json.loads(cached.read_text(encoding="utf-8"))
            mark_used(cached)
            return data, lines
        except (ValueError, TypeError):
            pass  # rebuilt below
    data, lines = load_yaml(text)
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        cached.write_text(json.dumps([data, lines], ensure_ascii=False), encoding="utf-8")
    except (OSError, TypeError, ValueError):
        pass  # values JSON cannot hold (e.g. .nan) are simply not cached
    return data, lines


def load_dataset(path: Path, name: str, rel: str,
                 cache_dir: Path | None = None) -> tuple[DataSet | None, list[Problem]]:
    data_bytes = path.read_bytes()
    if len(data_bytes) > MAX_BYTES:
        return None, [Problem(SourceLocation(rel), f"the file is larger than {MAX_BYTES} bytes; split it")]
    try:
        text = data_bytes.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data_bytes.count(b"\n", 0, exc.start) + 1
        return None, [Problem(SourceLocation(rel, line), "the file is not valid UTF-8; save it as UTF-8")]
    try:
        data, lines = _parse_cached(text, cache_dir)
    except YamlProblem as exc:
        return None, [Problem(SourceLocation(rel, exc.line), exc.message)]
    problems: list[Problem] = []
    if not isinstance(data, dict):
        return None, [Problem(SourceLocation(rel, 1), "expected a mapping with title, columns and rows")]
    marker = _clean_marker(text, cache_dir)
    known_clean = marker is not None and marker.is_file()
    if known_clean and marker is not None:
        mark_used(marker)
    for error in ([] if known_clean else _schema_checker(FILE_SCHEMA)(data)):
        problems.append(problem(rel, lines, _error_path(error), _message(error, {})))
    if problems:
        return None, problems
    columns = tuple(Column(c["id"], c["label"], c["type"], c.get("unit", ""), c.get("description", ""))
                    for c in data["columns"])
    types = {c.id: c.type for c in columns}
    seen_columns: set[str] = set()
    for index, column in enumerate(columns):
        if column.id in seen_columns:
            problems.append(problem(rel, lines, f"columns[{index}].id", f"duplicate column id '{column.id}'"))
        seen_columns.add(column.id)
    if types.get("source") != "citation":
        problems.append(problem(rel, lines, "columns", "declare a column {id: source, type: citation}: "
                                "every row names the BibTeX key of its source"))
    check_row = None if known_clean else _schema_checker(row_schema(list(data["columns"])))
    schema_clean = True
    rows: list[Row] = []
    seen_rows: dict[str, int] = {}
    for index, raw_row in enumerate(data["rows"]):
        base = f"rows[{index}]"
        reported: set[str] = set()
        for error in (check_row(raw_row) if check_row else []):
            schema_clean = False
            reported.add(_error_path(error, base))
            problems.append(problem(rel, lines, _error_path(error, base), _message(error, types)))
        if isinstance(raw_row, dict):
            for key, cell in raw_row.items():
                if types.get(key) in ESTIMATE_COLUMNS and isinstance(cell, dict):
                    for name, message in estimate_problems(types[key], cell):
                        problems.append(problem(rel, lines, f"{base}.{key}" + (f".{name}" if name else ""), message))
            for key in _non_finite(raw_row):
                if f"{base}.{key}" not in reported:
                    wanted = EXPECTED.get(types.get(key, ""), "a number")
                    problems.append(problem(rel, lines, f"{base}.{key}", f"expected {wanted}, got {raw_row[key]}"))
                raw_row = {**raw_row, key: str(raw_row[key])}  # shown as written; JSON has no NaN
        row_id = str(raw_row.get("id", f"row{index + 1}"))
        if row_id in seen_rows:
            problems.append(problem(rel, lines, f"{base}.id", f"duplicate row id '{row_id}' (also rows"
                                    f"[{seen_rows[row_id]}]); give each row its own id"))
            row_id = f"{row_id}-{index + 1}"  # kept, not dropped: renamed so both rows stay visible
        seen_rows.setdefault(row_id, index)
        rows.append(Row(row_id, {k: v for k, v in raw_row.items() if k != "id"}, lines.get(base)))
    dataset = DataSet(
        name=name, path=rel, title=data["title"], modality=str(data.get("modality") or data["title"]),
        summary=dict(data.get("summary", {})), columns=columns, rows=tuple(rows), lines=lines,
        digest=hashlib.sha256(data_bytes).hexdigest(),
    )
    if marker is not None and schema_clean and not known_clean:
        try:
            marker.parent.mkdir(parents=True, exist_ok=True)
            marker.touch()
        except OSError:
            pass  # only costs a check next time
    return dataset, problems


def load_datasets(folder: Path, root: Path,
                  cache_dir: Path | None = None) -> tuple[dict[str, DataSet], list[Problem]]:
    """Every `*.yaml`/`*.yml` file in `folder`; symlinks leading outside the project are refused."""
    datasets: dict[str, DataSet] = {}
    problems: list[Problem] = []
    if not folder.is_dir():
        return datasets, problems
    real_root = root.resolve()
    for path in sorted(list(folder.glob("*.yaml")) + list(folder.glob("*.yml"))):
        rel = _relative(path, root)
        if not path.resolve().is_relative_to(real_root):
            problems.append(Problem(SourceLocation(rel), "the file is a link to a place outside the project; "
                                    f"refused: copy the data into {_relative(folder, root)}/"))
            continue
        if not path.is_file():
            problems.append(Problem(SourceLocation(rel), "not a regular file (a FIFO, a device or a socket): not "
                                    "read and not published; remove it"))
            continue
        name = path.stem
        if name in datasets:
            problems.append(Problem(SourceLocation(rel), f"a data set named '{name}' already exists "
                                    f"({datasets[name].path}); rename one file"))
            continue
        dataset, found = load_dataset(path, name, rel, cache_dir)
        problems += found
        if dataset is not None:
            datasets[name] = dataset
    return datasets, problems


def _relative(path: Path, root: Path) -> str:
    try:
        return path.absolute().relative_to(root.absolute()).as_posix()
    except ValueError:
        return path.as_posix()
