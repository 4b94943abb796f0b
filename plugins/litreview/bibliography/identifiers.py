"""DOI, PMID, PMCID and URL: recognise well-formed identifiers and build safe http(s) links from them."""
from __future__ import annotations

import re
from urllib.parse import quote, urlsplit

from .load import Entry

# Full DOIs, and short DOIs (`10/d8zjwq`, which doi.org resolves and Zotero writes).
_DOI = re.compile(r"^(?:10\.\d{4,9}/[^\s\"<>]+|10/[A-Za-z0-9]+)$")
_PMID = re.compile(r"^\d{1,9}$")
_PMCID = re.compile(r"^PMC\d{1,9}$")
_DOI_PREFIX = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.IGNORECASE)


def clean_doi(value: str) -> str:
    return _DOI_PREFIX.sub("", value.strip())


def doi_url(value: str) -> str | None:
    doi = clean_doi(value)
    return "https://doi.org/" + quote(doi, safe="/:;()._-~") if _DOI.match(doi) else None


def pmid_url(value: str) -> str | None:
    value = value.strip()
    return f"https://pubmed.ncbi.nlm.nih.gov/{value}/" if _PMID.match(value) else None


def pmcid_url(value: str) -> str | None:
    value = value.strip().upper()
    if value.isdigit():
        value = "PMC" + value
    return f"https://pmc.ncbi.nlm.nih.gov/articles/{value}/" if _PMCID.match(value) else None


def safe_url(value: str) -> str | None:
    """The URL if it is an absolute http(s) URL with a host; None for `javascript:`, `data:` and the like."""
    value = value.strip()
    try:
        parts = urlsplit(value)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc or any(c in value for c in "\"<> \n\t"):
        return None
    return value


def entry_pmid(entry: Entry) -> str:
    if entry.get("pmid"):
        return entry.get("pmid")
    if entry.get("eprinttype").lower() in ("pubmed", "pmid"):  # biblatex; Better BibTeX writes "pmid"
        return entry.get("eprint")
    return ""


def identifier_links(entry: Entry) -> list[tuple[str, str, str]]:
    """(label, shown text, href) for each well-formed identifier of an entry, in a fixed order."""
    links: list[tuple[str, str, str]] = []
    doi = entry.get("doi")
    if doi and (url := doi_url(doi)):
        links.append(("doi", clean_doi(doi), url))
    pmid = entry_pmid(entry)
    if pmid and (url := pmid_url(pmid)):
        links.append(("PMID", pmid.strip(), url))
    pmcid = entry.get("pmcid")
    if pmcid and (url := pmcid_url(pmcid)):
        links.append(("PMCID", url.rstrip("/").rsplit("/", 1)[1], url))
    url = entry_url(entry)
    if url and not any(href.rstrip("/").lower() == url.rstrip("/").lower() for _, _, href in links) and \
            not (doi and clean_doi(url).lower() == clean_doi(doi).lower()):  # the DOI again, as a URL
        links.append(("Available from", url, url))
    return links


_URL_COMMAND = re.compile(r"^\s*\\url\s*\{([^{}]*)\}\s*$")


def _raw_url(value: str) -> str:
    m = _URL_COMMAND.match(value)
    return (m.group(1) if m else value).replace("\\_", "_").replace("\\%", "%").replace("\\#", "#")


def entry_url(entry: Entry) -> str | None:
    """The entry's web address: `url`, or, as older BibTeX styles had it, `howpublished = {\\url{...}}`."""
    if entry.get("url"):
        return safe_url(_raw_url(entry.raw.get("url", "")))
    return safe_url(_raw_url(entry.raw.get("howpublished", ""))) if entry.get("howpublished") else None


def identifier_problems(entry: Entry) -> list[str]:
    """Messages for identifiers present but malformed (they are left out of the page)."""
    problems = []
    if entry.get("doi") and not doi_url(entry.get("doi")):
        problems.append(f"malformed DOI '{entry.get('doi')}' (expected 10.NNNN/... or a short DOI 10/...); "
                        "it is not linked")
    pmid = entry_pmid(entry)
    if pmid and not pmid_url(pmid):
        problems.append(f"malformed PMID '{pmid}' (expected digits only); it is not linked")
    if entry.get("pmcid") and not pmcid_url(entry.get("pmcid")):
        problems.append(f"malformed PMCID '{entry.get('pmcid')}' (expected PMC followed by digits)")
    if entry.get("url") and not safe_url(_raw_url(entry.raw.get("url", ""))):
        problems.append(f"URL '{entry.get('url')}' is not an http(s) address; it is not linked")
    return problems
