"""Where a problem is, and the one message template every litreview warning and error uses."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, order=True)
class SourceLocation:
    """A place in an input file: path relative to the project (or docs_dir), 1-based line, optional YAML path."""

    path: str
    line: int | None = None
    yaml_path: str | None = None

    def __str__(self) -> str:
        text = self.path if self.line is None else f"{self.path}:{self.line}"
        return f"{text}: {self.yaml_path}" if self.yaml_path else text


@dataclass(frozen=True, order=True)
class Problem:
    """A content problem: reported as a warning (so `--strict` fails) and shown as a marker where possible."""

    location: SourceLocation
    message: str
    code: str = field(default="", compare=False)  # its family for `litreview check`, e.g. "duplicate-key"

    def __str__(self) -> str:
        return f"{self.location}: {self.message}"


class LitReviewError(Exception):
    """An input that cannot be read at all (missing file, unreadable directory)."""

    def __init__(self, location: SourceLocation, message: str) -> None:
        super().__init__(f"{location}: {message}")
        self.location = location
        self.message = message


def line_of_offset(text: str, offset: int) -> int:
    """1-based line number of a character offset."""
    return text.count("\n", 0, offset) + 1
