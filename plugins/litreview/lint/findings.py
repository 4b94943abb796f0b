"""What a check reports: a Finding (file, line, severity, code, message) and its three output formats."""
from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Literal

from ..errors import Problem

Severity = Literal["error", "warning"]


@dataclass(frozen=True, order=True)
class Finding:
    """One problem. `file` is relative to the project (the folder of mkdocs.yml); `line` is 1-based."""

    file: str
    line: int | None
    severity: Severity
    code: str
    message: str


def from_problem(problem: Problem, severity: Severity, code: str) -> Finding:
    """A Finding from the plugin's Problem; a YAML path (`rows[3].n`) leads the message."""
    loc = problem.location
    message = f"{loc.yaml_path}: {problem.message}" if loc.yaml_path else problem.message
    return Finding(loc.path, loc.line, severity, code, message)


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    return sorted(set(findings), key=lambda f: (f.file, f.line or 0, f.severity, f.code, f.message))


def format_text(findings: Sequence[Finding]) -> str:
    """`path:line: severity: message`, one a line."""
    return "".join(f"{f.file}{'' if f.line is None else f':{f.line}'}: {f.severity}: {f.message}\n"
                   for f in findings)


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def format_github(findings: Sequence[Finding]) -> str:
    """GitHub Actions workflow commands: `::error file=PATH,line=N::MESSAGE` (escaped as GitHub requires)."""
    out = []
    for f in findings:
        props = f"file={_escape_property(f.file)}" + ("" if f.line is None else f",line={f.line}")
        out.append(f"::{f.severity} {props}::{_escape_data(f.message)}\n")
    return "".join(out)


def format_json(findings: Sequence[Finding]) -> str:
    """A JSON list of {file, line, severity, code, message}."""
    return json.dumps([asdict(f) for f in findings], ensure_ascii=False, indent=2) + "\n"


FORMATTERS = {"text": format_text, "github": format_github, "json": format_json}
