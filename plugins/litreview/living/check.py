"""`litreview check` findings of a living review: malformed currency dates, and chapters whose review is overdue."""
from __future__ import annotations

import datetime as dt

from ..config import LitReviewConfig
from ..lint.findings import Finding
from ..lint.project import Project, _named, read_yaml
from .currency import overdue, parse_currency


def living_options(project: Project) -> LitReviewConfig:
    raw = _named(read_yaml(project.config_file).get("plugins", [])).get("litreview") or {}
    options = LitReviewConfig()
    options.load_dict(dict(raw) if isinstance(raw, dict) else {})
    options.validate()  # load_project already reported invalid options
    return options


def currency_findings(project: Project, today: dt.date) -> list[Finding]:
    """Malformed dates are errors; an overdue review is a warning, or an error with `living.overdue_is_error`."""
    options = living_options(project).living
    interval = options.review_interval_months
    severity = "error" if options.overdue_is_error else "warning"
    findings = []
    for path in project.markdown_files():
        rel = project.rel(path)
        try:
            source = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError):
            continue  # the encoding check reports it
        currency, problems = parse_currency(source, rel, interval)
        findings += [Finding(p.location.path, p.location.line, "error", "currency", p.message) for p in problems]
        late = overdue(currency, today)
        if late is not None:
            findings.append(Finding(late.location.path, late.location.line, severity,  # type: ignore[arg-type]
                                    "overdue", late.message))
    return findings
