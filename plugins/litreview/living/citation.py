"""The review as a citable work: its version and date, "Cite this version" (BibTeX, RIS, CSL-JSON), Highwire tags."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from html import escape
from pathlib import Path

from ..bibliography.latex import text_to_latex
from .git import GitError, commit_info, describe, is_repository

CITE_FOLDER = "cite"
CITE_FILES = (("review.bib", "BibTeX"), ("review.ris", "RIS"), ("review.json", "CSL-JSON"))


@dataclass(frozen=True)
class ReviewRecord:
    """What a citation of the whole review needs; every field is plain text from mkdocs.yml or git."""

    title: str
    authors: tuple[str, ...]
    version: str = ""
    date: str = ""  # YYYY-MM-DD of the version (its commit)
    url: str = ""
    doi: str = ""  # concept DOI: every version
    version_doi: str = ""

    @property
    def year(self) -> str:
        return self.date[:4]

    @property
    def cited_doi(self) -> str:
        return self.version_doi or self.doi


def split_authors(authors: str) -> tuple[str, ...]:
    """ "A; B" or "A and B" -> ("A", "B"); a group name stays one author."""
    return tuple(a.strip() for a in re.split(r";|\s+and\s+", authors) if a.strip())


def version_of(root: Path, configured: str) -> tuple[str, str]:
    """(version, date): the configured version or the nearest `v*` tag, and HEAD's commit date; ("", "") outside git."""
    if not is_repository(root):
        return configured, ""
    try:
        date = commit_info(root, "HEAD").date
    except GitError:
        return configured, ""
    return configured or describe(root), date


# --------------------------------------------------------------------------------------------- exports
def _key(record: ReviewRecord) -> str:
    word = next(iter(re.findall(r"[a-z]{4,}", record.title.lower())), "review")
    version = re.sub(r"[^a-z0-9]+", "", record.version.lower())
    return f"livingreview{record.year}{word}{version}"


def to_bibtex(record: ReviewRecord) -> str:
    fields = [("author", " and ".join("{" + text_to_latex(a) + "}" for a in record.authors)),
              ("title", "{" + text_to_latex(record.title) + "}"), ("year", record.year), ("date", record.date),
              ("version", text_to_latex(record.version)), ("doi", text_to_latex(record.cited_doi)),
              ("url", text_to_latex(record.url)), ("note", "Living review")]
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields if value)
    return f"@online{{{_key(record)},\n{body}\n}}\n"


def _ris_line(tag: str, value: str) -> str:
    return f"{tag}  - {' '.join(value.split())}\n"


def to_ris(record: ReviewRecord) -> str:
    lines = [("TY", "ELEC"), ("ID", _key(record))] + [("AU", a) for a in record.authors]
    lines += [("TI", record.title), ("PY", record.year), ("DA", record.date.replace("-", "/")),
              ("ET", record.version), ("DO", record.cited_doi), ("UR", record.url), ("N1", "Living review")]
    return "".join(_ris_line(tag, value) for tag, value in lines if value) + "ER  - \n"


def to_csl(record: ReviewRecord) -> str:
    item: dict[str, object] = {"id": _key(record), "type": "webpage", "title": record.title,
                               "author": [{"literal": a} for a in record.authors], "genre": "Living review"}
    if record.date:
        item["issued"] = {"date-parts": [[int(p) for p in record.date.split("-")]]}
    for name, value in (("version", record.version), ("DOI", record.cited_doi), ("URL", record.url)):
        if value:
            item[name] = value
    return json.dumps([item], indent=2, ensure_ascii=False) + "\n"


def cite_files(record: ReviewRecord) -> dict[str, str]:
    return {"review.bib": to_bibtex(record), "review.ris": to_ris(record), "review.json": to_csl(record)}


def write_cite_files(record: ReviewRecord, site_dir: Path) -> None:
    folder = site_dir / CITE_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in cite_files(record).items():
        (folder / name).write_text(text, encoding="utf-8", newline="\n")


def _doi_link(doi: str) -> str:
    return f'<a href="https://doi.org/{escape(doi, quote=True)}">doi:{escape(doi)}</a>'


def version_html(record: ReviewRecord, root_prefix: str) -> str:
    """The version line and the "Cite this version" downloads of the page box."""
    parts = []
    if record.version or record.date:
        when = f' of <time datetime="{escape(record.date)}">{escape(record.date)}</time>' if record.date else ""
        parts.append(f"Version {escape(record.version or 'unreleased')}{when}.")
    if record.version_doi:
        parts.append(f"This version: {_doi_link(record.version_doi)}.")
    if record.doi:
        parts.append(f"All versions: {_doi_link(record.doi)}.")
    links = " · ".join(f'<a href="{escape(root_prefix)}{CITE_FOLDER}/{name}" download>{label}</a>'
                       for name, label in CITE_FILES)
    parts.append(f'<span class="lr-cite-version">Cite this version: {links}</span>')
    return f'<p class="lr-version">{" ".join(parts)}</p>\n'


# --------------------------------------------------------------------------------------------- Highwire
def highwire_tags(title: str, record: ReviewRecord, date: str, pdf_url: str) -> str:
    """`<meta name="citation_*">` for reference managers and scholarly search engines (attributes escaped)."""
    tags = [("citation_title", title)] + [("citation_author", a) for a in record.authors]
    if date:
        tags.append(("citation_publication_date", date.replace("-", "/")))
    if record.title and record.title != title:
        tags.append(("citation_inbook_title", record.title))
    if pdf_url:
        tags.append(("citation_pdf_url", pdf_url))
    if record.cited_doi:
        tags.append(("citation_doi", record.cited_doi))
    return "".join(f'<meta name="{name}" content="{escape(value, quote=True)}">\n' for name, value in tags if value)


def insert_in_head(html: str, tags: str) -> str:
    """`tags` just before the first `</head>`; the page unchanged when it has none."""
    index = html.find("</head>")
    return html if index < 0 or not tags else html[:index] + tags + html[index:]
