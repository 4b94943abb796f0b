"""Chapter currency from front matter: when the evidence was searched and assessed, and when the next review is due."""
from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from html import escape
from typing import Any

import yaml

from ..errors import Problem, SourceLocation

DATE_KEYS = ("searched", "assessed", "next_review")
KEYS = (*DATE_KEYS, "review_interval_months")
_FRONT = re.compile(r"\A(?:\ufeff)?---[ \t]*\n(.*?\n)?(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.S)
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MARKER = "<!-- litreview:currency -->"


@dataclass(frozen=True)
class Currency:
    """The authors' statement of how current a chapter is (not git's last-modified date)."""

    path: str
    searched: dt.date | None = None
    assessed: dt.date | None = None
    next_review: dt.date | None = None
    interval_months: int | None = None
    next_review_line: int | None = None  # where the due date comes from, for the overdue message

    @property
    def stated(self) -> bool:
        return any((self.searched, self.assessed, self.next_review))


def add_months(day: dt.date, months: int) -> dt.date:
    """`day` plus whole months; the 31st becomes the last day of a shorter month."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


class _TextDates(yaml.SafeLoader):
    """SafeLoader that leaves dates as text: `2026-13-01` must be a clear message, not a ValueError from PyYAML."""


_TextDates.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}


def front_matter(source: str) -> tuple[dict[str, Any], dict[str, int]]:
    """The YAML front matter as data and the 1-based line of each top-level key; ({}, {}) without one."""
    m = _FRONT.match(source)
    if not m or not m.group(1):
        return {}, {}
    try:
        data = yaml.load(m.group(1), Loader=_TextDates)
    except yaml.YAMLError:
        return {}, {}  # MkDocs reports unreadable front matter itself
    if not isinstance(data, dict):
        return {}, {}
    lines = {}
    for number, line in enumerate(m.group(1).splitlines(), start=2):
        key = re.match(r"([A-Za-z_][\w-]*)\s*:", line)
        if key and key.group(1) not in lines:
            lines[key.group(1)] = number
    return data, lines


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and _ISO.match(value.strip()):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def parse_currency(source: str, path: str, default_interval: int | None = None) -> tuple[Currency, list[Problem]]:
    """A page's currency from its front matter; malformed values are problems naming file:line and are ignored."""
    data, lines = front_matter(source)
    problems: list[Problem] = []
    dates: dict[str, dt.date | None] = {}
    for key in DATE_KEYS:
        if key not in data or data[key] is None:
            dates[key] = None
            continue
        dates[key] = _date(data[key])
        if dates[key] is None:
            problems.append(Problem(SourceLocation(path, lines.get(key)), f"front matter '{key}': expected a date "
                                    f"as YYYY-MM-DD, got {str(data[key])[:40]!r}"))
    interval = data.get("review_interval_months", default_interval)
    if "review_interval_months" in data and (isinstance(interval, bool) or not isinstance(interval, int)
                                              or not 1 <= interval <= 120):
        problems.append(Problem(SourceLocation(path, lines.get("review_interval_months")),
                                "front matter 'review_interval_months': expected a whole number of months from 1 to "
                                f"120, got {str(data['review_interval_months'])[:40]!r}"))
        interval = default_interval
    searched, assessed, next_review = dates["searched"], dates["assessed"], dates["next_review"]
    if searched and assessed and searched > assessed:
        problems.append(Problem(SourceLocation(path, lines.get("searched")), f"front matter 'searched' ({searched}) "
                                f"is after 'assessed' ({assessed}); evidence is assessed after it is searched"))
    due_line = lines.get("next_review")
    if next_review is None and assessed is not None and interval:
        next_review = add_months(assessed, int(interval))
        due_line = lines.get("review_interval_months", lines.get("assessed"))
    if "review_interval_months" in data and assessed is None and dates["next_review"] is None:
        problems.append(Problem(SourceLocation(path, lines.get("review_interval_months")),
                                "front matter 'review_interval_months' needs 'assessed:' (the next review is due that "
                                "many months after the assessment)"))
    return Currency(path, searched, assessed, next_review, int(interval) if interval else None, due_line), problems


def overdue(currency: Currency, today: dt.date) -> Problem | None:
    """A problem when the chapter's next review was due before `today` (a clock the caller chooses)."""
    if currency.next_review is None or currency.next_review >= today:
        return None
    basis = (f" (assessed {currency.assessed} + {currency.interval_months} months)"
             if currency.interval_months and currency.assessed else "")
    return Problem(SourceLocation(currency.path, currency.next_review_line),
                   f"the review of this chapter was due on {currency.next_review}{basis}; search and assess the "
                   "evidence again and update 'searched:' and 'assessed:' (or set a later 'next_review:')")


def _time(day: dt.date) -> str:
    text = day.isoformat()
    return f'<time datetime="{text}">{text}</time>'


def currency_sentence(currency: Currency) -> str:
    """"Evidence searched to …, assessed …; next review due …." as HTML; empty when nothing is stated."""
    parts = []
    if currency.searched:
        parts.append(f"Evidence searched to {_time(currency.searched)}")
    if currency.assessed:
        parts.append(("assessed " if parts else "Evidence assessed as up to date on ") + _time(currency.assessed))
    text = ", ".join(parts)
    if currency.next_review:
        text += ("; next review due " if text else "Next review due ") + _time(currency.next_review)
    return f"{text}." if text else ""


def currency_html(currency: Currency) -> str:
    sentence = currency_sentence(currency)
    return f'<p class="lr-currency">{sentence}</p>\n' if sentence else ""


def currency_table(rows: list[tuple[str, str, Currency]]) -> str:
    """The overview of every chapter's dates: (title, relative URL, currency) in nav order."""
    if not rows:
        return ""

    def cell(day: dt.date | None) -> str:
        return f"<td>{_time(day)}</td>" if day else "<td>–</td>"

    body = "".join(f'<tr><td><a href="{escape(url)}">{escape(title)}</a></td>{cell(c.searched)}{cell(c.assessed)}'
                   f"{cell(c.next_review)}</tr>\n" for title, url, c in rows)
    return ('<h2 id="lr-currency">How current each chapter is</h2>\n<table class="lr-currency-table">\n'
            "<thead><tr><th>Chapter</th><th>Evidence searched to</th>"
            "<th>Assessed as up to date</th><th>Next review due</th></tr></thead>\n"
            f"<tbody>\n{body}</tbody>\n</table>\n")
