"""Per-page facts for the theme: last change from git, and "how to cite this page" (text and BibTeX)."""
from __future__ import annotations

import re
import subprocess
from html import escape
from pathlib import Path


def git_dates(root: Path, folder: Path) -> dict[str, str]:
    """Date (YYYY-MM-DD) of the last commit touching each file under `folder`, keyed by project-relative path.

    One `git log` for the whole folder; {} outside a git checkout or without git.
    """
    try:
        out = subprocess.run(["git", "log", "--format=@%cs", "--name-only", "--no-renames", "--", str(folder)],
                             cwd=root, capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return {}
    if out.returncode != 0:
        return {}
    dates: dict[str, str] = {}
    current = ""
    for line in out.stdout.splitlines():
        if line.startswith("@"):
            current = line[1:]
        elif line.strip() and line not in dates:
            dates[line.strip()] = current
    return dates


def bibtex_key(site_name: str, page_title: str, year: str) -> str:
    words = re.findall(r"[a-z0-9]+", f"{page_title}".lower())
    return "litreview" + (year or "") + (words[0] if words else "page")


def how_to_cite(site_name: str, authors: str, page_title: str, url: str, date: str) -> tuple[str, str]:
    """The page as a reference: Vancouver-like text and a BibTeX @online entry (plain text, escaped by the theme)."""
    year = date[:4]
    who = f"{authors}. " if authors else ""
    updated = f" Updated {date}." if date else ""
    where = f" Available from: {url}" if url.startswith(("http://", "https://")) else ""
    text = f"{who}{page_title}. In: {site_name} [Internet].{updated}{where}"
    fields = [("title", page_title), ("booktitle", site_name)]
    if authors:
        fields.insert(0, ("author", "{" + authors + "}"))  # a group name, not "Last, First"
    if year:
        fields.append(("year", year))
    if date:
        fields.append(("date", date))
    if where:
        fields.append(("url", url))
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    return text, f"@online{{{bibtex_key(site_name, page_title, year)},\n{body}\n}}"


def git_epoch(root: Path) -> str:
    """Unix time of the last commit, for SOURCE_DATE_EPOCH; empty outside git."""
    try:
        out = subprocess.run(["git", "log", "-1", "--format=%ct"], cwd=root, capture_output=True, text=True,
                             timeout=10)
    except (OSError, subprocess.SubprocessError):
        return ""
    return out.stdout.strip() if out.returncode == 0 else ""


def page_info_html(meta: dict[str, str], version_html: str = "") -> str:
    """The box after a page's content: last change, PDF link, "How to cite this page". Theme-independent HTML."""
    if not meta.get("lr_cite_text"):
        return ""
    updated = meta.get("lr_updated", "")
    parts = []
    if updated:
        parts.append(f'Last updated: <time datetime="{escape(updated)}">{escape(updated)}</time>.')
    if meta.get("lr_pdf"):
        parts.append(f'<a class="lr-pdf-link" href="{escape(meta["lr_pdf"])}">Download the whole review as PDF</a>.')
    if meta.get("lr_chapter_pdf"):
        parts.append(f'<a class="lr-pdf-link" href="{escape(meta["lr_chapter_pdf"])}">This page as PDF</a>, '
                     "with its own references.")
    entries = f' data-lr-entries="{escape(meta["lr_entries_js"])}"' if meta.get("lr_entries_js") else ""
    return (f'\n<aside class="lr-page-info" aria-label="About this page"{entries}>\n'
            f'<p class="lr-page-meta">{" ".join(parts)}</p>\n{version_html}'
            '<details class="lr-cite-this">\n<summary>How to cite this page</summary>\n'
            f'<p>{escape(meta["lr_cite_text"])}</p>\n'
            f'<pre><code>{escape(meta.get("lr_cite_bibtex", ""))}</code></pre>\n'
            '</details>\n</aside>\n')
