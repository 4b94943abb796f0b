"""The copy of a page that the search indexer reads: the same words with far fewer tags.

MkDocs' search plugins parse every tag of a page in Python; an evidence table costs them about as much as the
rest of a chapter. Here each table becomes its caption and one paragraph per row (cell texts in order), and
inline SVG charts are left out (their data is in the table beside them). The page readers see is untouched.
"""
from __future__ import annotations

import re

_TABLE = re.compile(r'<table class="lr-evidence[^"]*"[^>]*>(.*?)</table>', re.S)
_SVG = re.compile(r"<svg\b.*?</svg>", re.S)
_CAPTION = re.compile(r"<caption\b[^>]*>(.*?)</caption>", re.S)
_ROW = re.compile(r"<tr\b[^>]*>(.*?)</tr>", re.S)
_CELL = re.compile(r"<t[hd]\b[^>]*>(.*?)</t[hd]>", re.S)
_TAG = re.compile(r"<[^>]*>")


def _text(fragment: str) -> str:
    """The words of an HTML fragment, still escaped as they were (tags become spaces)."""
    return " ".join(_TAG.sub(" ", fragment).split())


def _table(match: re.Match[str]) -> str:
    body = match.group(1)
    caption = _CAPTION.search(body)
    parts = [f"<p>{_text(caption.group(1))}</p>"] if caption else []
    for row in _ROW.finditer(_CAPTION.sub("", body)):
        cells = [t for t in (_text(c) for c in _CELL.findall(row.group(1))) if t]
        if cells:
            parts.append("<p>" + " · ".join(cells) + "</p>")
    return "".join(parts)


def light_tables(html: str) -> str:
    """`html` with litreview's tables flattened to paragraphs and inline SVG removed, for the search index."""
    if "<table" not in html and "<svg" not in html:
        return html
    return _TABLE.sub(_table, _SVG.sub("", html))
