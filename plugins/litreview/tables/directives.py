"""Placement directives in HTML comments: `<!-- evidence-table tace sort=-n caption="..." -->` and friends."""
from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field

DIRECTIVE_RE = re.compile(r"<!--\s*(evidence-table|evidence-chart|comparison-table|summary-of-findings|evidence-map)\b"
                          r"(.*?)-->", re.DOTALL)
NAME_RE = re.compile(r"^[A-Za-z0-9_-]+$")
ID_RE = re.compile(r"^[A-Za-z][\w-]*$")  # an HTML id that is also safe inside SVG attributes and file names
OPTIONS = {
    "evidence-table": {"columns", "filter", "sort", "caption", "id", "details"},
    "evidence-chart": {"column", "type", "caption", "id", "filter"},
    "comparison-table": {"caption", "id"},
    "summary-of-findings": {"caption", "id"},
    "evidence-map": {"caption", "id", "outcomes"},
}


class DirectiveError(ValueError):
    pass


@dataclass(frozen=True)
class Directive:
    kind: str
    names: tuple[str, ...]
    options: dict[str, str] = field(default_factory=dict)
    filters: tuple[tuple[str, str], ...] = ()


def parse_directive(kind: str, body: str) -> Directive:
    """Parse the text after the directive name; raises DirectiveError with a message for the author."""
    try:
        words = shlex.split(body.strip())
    except ValueError as exc:
        raise DirectiveError(f"cannot read the {kind} options ({exc}); check the quotes") from exc
    if not words or "=" in words[0]:
        raise DirectiveError(f"{kind} needs a data set name, e.g. <!-- {kind} tace -->")
    names = tuple(n.strip() for n in words[0].split(",") if n.strip())
    for name in names:
        if not NAME_RE.match(name):
            raise DirectiveError(f"invalid data set name '{name}': use the file name of a YAML file in "
                                 "content/data/ without '.yaml' (no paths)")
    options: dict[str, str] = {}
    filters: list[tuple[str, str]] = []
    for word in words[1:]:
        if "=" not in word:
            raise DirectiveError(f"unexpected '{word}' in {kind}; options look like name=value")
        name, value = word.split("=", 1)
        if name not in OPTIONS[kind]:
            raise DirectiveError(f"unknown option '{name}' for {kind}; known: {', '.join(sorted(OPTIONS[kind]))}")
        if name == "id" and not ID_RE.match(value):
            raise DirectiveError(f"invalid id '{value}': letters, digits, '_' and '-' only")
        if name == "filter":
            if "=" not in value:
                raise DirectiveError(f"filter needs column=value, got '{value}'")
            column, wanted = value.split("=", 1)
            filters.append((column, wanted))
        else:
            options[name] = value
    return Directive(kind, names, options, tuple(filters))
