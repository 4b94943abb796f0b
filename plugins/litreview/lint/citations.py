"""Citation checks: keys cited in Markdown that the bibliography lacks, and entries that nothing cites."""
from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence

from ..bibliography.load import Bibliography
from ..citations.captions import unprefixed_names, unprefixed_target
from ..citations.manager import unknown_key_message, xref_message
from ..citations.rawtex import tex_refs
from ..citations.syntax import BOOKDOWN_REF, bookdown_key, find_citations, xref_candidates, xref_kind
from ..markdown_text import MarkdownPage
from .findings import Finding


def page_citations(page: MarkdownPage) -> list[tuple[int, str]]:
    """(offset, key) of every citation in the page's prose (code and HTML comments excluded)."""
    found = [(start, key) for start, _end, cite in find_citations(page.prose) for key in cite.keys]
    if "@ref(" in page.prose:  # bookdown's \@ref(label)
        found = sorted(found + [(m.start(), bookdown_key(m.group(1))) for m in BOOKDOWN_REF.finditer(page.prose)])
    if "ref" in page.prose:  # LaTeX's \ref{label}
        found = sorted(found + tex_refs(page.prose))
    return found


def unknown_keys(pages: Sequence[MarkdownPage], bib: Bibliography, ids: Collection[str] = ()) -> list[Finding]:
    """Keys the bibliography lacks; `ids` are the site's element ids, which cross-references (`@fig-x`) name."""
    findings = []
    names: dict[str, str] | None = None  # chunk labels and ids of all pages, read for a message
    for page in pages:
        reported: set[str] = set()  # the build reports each key once per page, at its first line
        for offset, key in page_citations(page):
            if key in bib.entries or key in reported:
                continue
            reported.add(key)
            if xref_kind(key):
                if not any(k in ids for k in xref_candidates(key)):
                    if names is None:
                        names = unprefixed_names(p.source for p in pages)
                    findings.append(Finding(page.path, page.line(offset), "error", "unknown-xref",
                                            xref_message(key, unprefixed_target(key, names, ids))))
                continue
            findings.append(Finding(page.path, page.line(offset), "error", "unknown-key",
                                    unknown_key_message(key, bib.suggest(key))))
    return findings


def _with_parents(keys: set[str], bib: Bibliography) -> set[str]:
    """Cited keys plus the crossref parents and set members they pull in."""
    lowered = {k.lower(): k for k in bib.entries}
    todo, seen = list(keys), set(keys)
    while todo:
        entry = bib.entries.get(todo.pop())
        if entry is None:
            continue
        linked = [entry.raw.get("crossref", ""), entry.raw.get("xref", "")]
        linked += entry.raw.get("entryset", "").split(",")
        for key in (lowered.get(k.strip().lower()) for k in linked if k.strip()):
            if key and key not in seen:
                seen.add(key)
                todo.append(key)
    return seen


def unused_entries(bib: Bibliography, cited: Iterable[str]) -> list[Finding]:
    used = _with_parents(set(cited), bib)
    return [Finding(e.location.path, e.location.line, "error", "unused-entry",
                    f"entry '{e.key}' is never cited; cite it or remove it")
            for e in bib.entries.values() if e.key not in used]
