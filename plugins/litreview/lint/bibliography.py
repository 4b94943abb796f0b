"""Checks of the BibTeX files: syntax, required fields, malformed identifiers, one work under two keys."""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from ..bibliography.identifiers import clean_doi, entry_pmid, identifier_problems
from ..bibliography.load import Bibliography, Entry
from ..errors import Problem
from .findings import Finding, from_problem

_CONTAINER_TYPES = frozenset({"set", "xdata"})


def problem_code(problem: Problem) -> str:
    """The family load_bibliography gave the problem; anything else it reports is a syntax problem."""
    return problem.code or "bib-syntax"


def bib_problems(bib: Bibliography) -> list[Finding]:
    """Syntax errors, duplicate keys, unknown types and missing required fields, as load_bibliography found them."""
    return [from_problem(p, "error", problem_code(p)) for p in bib.problems]


def malformed_identifiers(bib: Bibliography) -> list[Finding]:
    return [from_problem(Problem(e.location, f"entry '{e.key}': {message}"), "error", "malformed-id")
            for e in bib.entries.values() for message in identifier_problems(e)]


def normalise_title(title: str) -> str:
    """Lowercase ASCII words only, so case, accents, braces and punctuation do not hide a duplicate."""
    text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode("ascii").lower()
    return " ".join(re.findall(r"[a-z0-9]+", text))


def _signatures(entry: Entry) -> Iterable[tuple[str, str]]:
    doi = clean_doi(entry.get("doi")).lower()
    if doi:
        yield "DOI", doi
    pmid = entry_pmid(entry).strip().lstrip("0")
    if pmid:
        yield "PMID", pmid
    title = normalise_title(entry.get("title"))
    if len(title) >= 12:  # "Editorial", "Reply": too short to mean the same work
        yield "title", f"{title}|{entry.year}"


def same_work(bib: Bibliography) -> list[Finding]:
    """Two keys for one work: the same DOI, the same PMID, or the same title in the same year."""
    first: dict[tuple[str, str], Entry] = {}
    reported: set[tuple[str, str]] = set()
    findings = []
    for entry in bib.entries.values():
        if entry.type in _CONTAINER_TYPES:
            continue
        for kind, value in _signatures(entry):
            other = first.setdefault((kind, value), entry)
            if other is entry or (other.key, entry.key) in reported:
                continue
            reported.add((other.key, entry.key))
            shown = value.split("|")[0] if kind != "title" else entry.get("title")
            # Advice: the build accepts two keys for one work (as pandoc does), so this never fails a check.
            findings.append(Finding(entry.location.path, entry.location.line, "warning", "duplicate-work",
                                    f"entry '{entry.key}' is the same work as '{other.key}' ({other.location}): "
                                    f"same {kind} '{shown}'; keep one key and cite it everywhere"))
    return findings


# Bookkeeping fields of a verified record: what was seen and where, not bibliographic data.
_PROVENANCE = frozenset({"verifiedfields", "verifiedsource", "verifiednote"})


def unpublished_fields(bib: Bibliography, policy: str) -> list[Finding]:
    """With `export_fields: verified`, say which fields of each entry stay out of the downloads (advice)."""
    if policy != "verified":
        return []
    from ..bibliography.export import AUTHORS_REMARKS, verified_fields

    findings = []
    for entry in bib.entries.values():
        left = sorted(k for k in entry.raw if k not in verified_fields(entry) | AUTHORS_REMARKS | _PROVENANCE)
        if left:
            findings.append(Finding(entry.location.path, entry.location.line, "warning", "unverified-field",
                                    f"entry '{entry.key}': {', '.join(left)} not verified, left out of the downloads "
                                    "(export_fields: verified); list a field in verifiedfields once you have seen it"))
    return findings
