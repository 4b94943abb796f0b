"""Per-build citation state: collects citations per page, numbers them once, fixes each page's HTML."""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field, replace
from html import unescape
from pathlib import Path

from ..bibliography.load import Bibliography
from ..bibliography.style import format_entries_cached, narrative_name
from ..errors import Problem, SourceLocation, line_of_offset
from ..jsonstore import JsonStore, code_digest
from ..markdown_text import UNCLOSED_COMMENT, mask_code_blocks, mask_inline, mask_raw_html, unclosed_comment
from ..search_copy import light_tables
from .captions import fill_captions, unprefixed_names, unprefixed_target
from .markdown_ext import iter_placeholders
from .numbering import assign_numbers
from .rawtex import tex_refs
from .render import (
    BIBLIOGRAPHY_MARKER,
    REFERENCES_MARKER,
    REFS_MARKER,
    CiteContext,
    render_bibliography,
    render_reference_list,
    search_list,
    strip_tags,
)
from .render import fix_citations as _fix
from .syntax import BOOKDOWN_REF, bookdown_key, read_key, xref_candidates, xref_kind


def key_lines(source: str, md_in_html: bool = False, pandoc_html_blocks: bool = False) -> dict[str, int]:
    """Line of the first `@key` of every key in a page's source, outside code, comments and raw HTML blocks: one
    pass over the page however many keys are looked up (a scan per unknown key made a page with hundreds of them
    quadratic)."""
    prose = mask_inline(mask_raw_html(mask_code_blocks(source), md_in_html, pandoc_html_blocks), comments=True)
    lines: dict[str, int] = {}
    line, counted = 1, 0
    at = prose.find("@")
    while at >= 0:
        if at == 0 or not (prose[at - 1].isalnum() or prose[at - 1] == "_"):
            got = read_key(prose, at + 1)
            bookdown = BOOKDOWN_REF.match(prose, at - 1) if got and got[0] == "ref" and at else None
            if bookdown is not None:
                got = (bookdown_key(bookdown.group(1)), bookdown.end())
            if got is not None and got[0] not in lines:
                line += prose.count("\n", counted, at)
                counted = at
                lines[got[0]] = line
        at = prose.find("@", at + 1)
    for offset, key in tex_refs(prose):  # LaTeX's \ref{x}
        if key not in lines:
            lines[key] = prose.count("\n", 0, offset) + 1
    return lines


def unique_anchor(anchor: str, html: str) -> str:
    """`anchor`, or with `_1`, `_2`... as MkDocs' table of contents numbers a repeated heading, if the page has it."""
    candidate, n = anchor, 0
    while f' id="{candidate}"' in html:
        n += 1
        candidate = f"{anchor}_{n}"
    return candidate


_ENTRY_IDS = re.compile(r' id="ref-(?=[^"]*")')


def locate_key(source: str, key: str) -> int | None:
    """Line of the first `@key` in a page's source outside code and comments, for messages."""
    return key_lines(source).get(key)


# An element with an id that a cross-reference can name; a heading's text up to its end, for its label.
_TARGET = re.compile(r'<(h[1-6]|[a-z][a-z0-9]*)\b[^>]*?\sid="([^"]+)"[^>]*>')
_HEADING_END = re.compile(r"</h[1-6]>")
_PERMALINK = re.compile(r'<a class="headerlink"[^>]*>.*?</a>', re.S)


def page_targets(html: str) -> list[tuple[str, str, str]]:
    """(key, heading text or "", element id) of every element a cross-reference can name (`sec-`, `fig:`...).

    A heading whose id has no prefix (bookdown's `# Methods {#methods}`) is named `sec:<id>`, the key that
    bookdown's `\\@ref(methods)` stands for; a plain `@methods` still means a citation key.
    """
    found = []
    for m in _TARGET.finditer(html):
        target = unescape(m.group(2))
        heading = m.group(1).startswith("h")
        if not xref_kind(target) and not heading:
            continue
        text = ""
        if heading:
            end = _HEADING_END.search(html, m.end())
            inner = html[m.end():end.start()] if end else ""
            text = unescape(strip_tags(_PERMALINK.sub("", inner))).strip()
        found.append((target if xref_kind(target) else f"sec:{target}", text, target))
    return found


def relative_url(url: str, base: str) -> str:
    """`url` relative to the page at `base` (both site-relative, as MkDocs' page URLs)."""
    folder = base.rpartition("/")[0] if "." in base.rpartition("/")[2] else base.rstrip("/")
    here = [p for p in folder.split("/") if p]
    there = [p for p in url.split("/") if p]
    common = 0
    for a, b in zip(here, there, strict=False):
        if a != b:
            break
        common += 1
    rel = "/".join([".."] * (len(here) - common) + there[common:]) or "."
    return rel + "/" if url.endswith("/") and rel != "." else rel


# Manubot's citation keys name a work by a persistent identifier (`doi:10.1371/...`, `pmid:31233491`, `url:https://...`)
# that `manubot process` looks up online while it builds; `tag:` and `raw:` keys come from its own files.
MANUBOT_ONLINE = ("doi", "pmid", "pmcid", "arxiv", "isbn", "url", "wikidata")
MANUBOT_LOCAL = ("tag", "raw")


def unknown_key_message(key: str, suggestion: str | None) -> str:
    """The one message for a cited key that the bibliography lacks (the build's and `litreview check`'s)."""
    prefix = key.partition(":")[0].lower() if ":" in key else ""
    if prefix in MANUBOT_ONLINE or prefix in MANUBOT_LOCAL:
        how = ("which Manubot looks up online; the build never uses the network, so put its CSL JSON in bib/: "
               "the references.json on the manuscript's output branch, or what `manubot cite --format=csljson "
               f"{key}` prints (Manubot names the key in each item's note), or any entry whose key is exactly "
               f"'{key}'") if prefix in MANUBOT_ONLINE else \
              (f"which Manubot reads from its own files (citation-tags.tsv, manual references); add an entry to bib/ "
               f"whose key is exactly '{key}' (a manual-references.json can be copied there)")
        return f"unknown citation key '{key}': a Manubot citation key, {how}"
    if key.startswith("R-") and not suggestion:  # bookdown's index.Rmd: knitr::write_bib(c(...), "packages.bib")
        return (f"unknown citation key '{key}': an R package's entry, which knitr::write_bib() writes into "
                "packages.bib while R builds a bookdown book; run that chunk once in R and put packages.bib in bib/")
    hint = f" (did you mean '{suggestion}'?)" if suggestion else "; add it to bib/ or correct the key"
    return f"unknown citation key '{key}'{hint}"


def xref_message(key: str, unprefixed: str = "") -> str:
    """The one message for a cross-reference whose target no page has; `unprefixed` ("chunk" or "element", see
    `captions.unprefixed_target`): the target exists under the name without Quarto's kind prefix."""
    if unprefixed:
        prefix, name = key.split("-", 1)
        kind = (xref_kind(key) or "element").lower()
        found, noun, fix = (("a code chunk is labelled", "label", f"label the chunk '{key}' (#| label: {key})")
                            if unprefixed == "chunk" else
                            ("an element has the id", "id", f"give it the id '{key}' (e.g. {{#{key}}})"))
        return (f"'@{key}' looks like a cross-reference, and {found} '{name}', but Quarto numbers a {kind} only when "
                f"its {noun} starts with '{prefix}-' (Quarto warns about this reference too); {fix}")
    heading = f" or a heading the id '{key[4:]}'" if key.startswith("sec:") else ""  # bookdown's \@ref(id)
    return (f"'@{key}' looks like a cross-reference, but no page has an element with the id '{key}'; give the "
            f"{(xref_kind(key) or 'element').lower()} that id (e.g. {{#{key}}}){heading}, correct the reference, "
            "or add an entry with this key to the bibliography")


@dataclass
class PageRecord:
    path: str  # relative to the project, for messages
    source: str
    title: str = ""
    url: str = ""
    keys: list[str] = field(default_factory=list)
    targets: list[tuple[str, str, str]] = field(default_factory=list)  # (key, heading text, element id)


class CitationManager:
    """Owns the citation numbers of one build. No MkDocs types: pages are identified by a string id."""

    def __init__(self, bib: Bibliography, style: str = "vancouver", citation_style: str = "numeric",
                 references_heading: str = "References", exports_folder: str | None = None,
                 cache_dir: Path | None = None) -> None:
        self.bib = bib
        self.cache_dir = cache_dir  # formatted entries are kept here, by library, style and keys
        self.exports_folder = exports_folder  # site-relative folder of the .bib/.ris downloads, or None
        self.style = style
        self.citation_style = citation_style
        self.references_heading = references_heading
        self.pages: dict[str, PageRecord] = {}
        self.ctx: CiteContext | None = None
        self.listed: set[str] = set()  # keys shown with .bib/.ris links somewhere (their files are written)
        self.search_pages: dict[str, str] = {}  # page id -> lighter HTML for the search indexer
        self.citing: dict[str, list[str]] = {}
        self.targets: dict[str, tuple[str, str, str]] = {}  # cross-reference key -> (page id, URL, label)
        self.fragments: dict[str, str] = {}  # cross-reference key -> element id, where the two differ
        self._ctx_digest = ""  # what every fixed page depends on besides its own HTML (set by finalize)
        self.md_in_html = False  # the host reads Markdown inside `<div markdown="1">` (for lines of messages)
        self.pandoc_html_blocks = False  # ... or inside every block-level element, as pandoc does
        self._unprefixed: dict[str, str] | None = None  # chunk labels and ids of all pages, read for a message

    def add_page(self, page_id: str, path: str, source: str) -> list[Problem]:
        """Register a page; returns problems of its source that its HTML cannot show (an unclosed comment)."""
        self.pages[page_id] = PageRecord(path, source)
        if "<!--" not in source:
            return []
        start = unclosed_comment(mask_inline(mask_code_blocks(source), comments=False))
        return [] if start is None else [Problem(SourceLocation(path, line_of_offset(source, start)),
                                                 UNCLOSED_COMMENT)]

    def collect(self, page_id: str, html: str, title: str, url: str,
                known: tuple[list[str], list[tuple[str, str, str]]] | None = None) -> None:
        """Record a converted page's cited keys and cross-reference targets (`known`: as a cache kept them)."""
        record = self.pages[page_id]
        record.title, record.url = title, url
        if known is not None:
            record.keys, record.targets = list(known[0]), list(known[1])
            return
        record.keys = [key for _, citation in iter_placeholders(html) for key in citation.keys]
        record.targets = page_targets(html) if ' id="' in html else []

    def collected(self, page_id: str) -> tuple[list[str], list[tuple[str, str, str]]]:
        record = self.pages[page_id]
        return record.keys, record.targets

    def finalize(self, order: list[str]) -> CiteContext:
        """Number every cited key by first citation in `order` (nav order) and format only cited entries."""
        ordered = [p for p in order if p in self.pages] + sorted(p for p in self.pages if p not in order)
        numbers = assign_numbers((k for p in ordered for k in self.pages[p].keys), self.bib.entries)
        self.citing = {}
        for page_id in ordered:
            for key in dict.fromkeys(self.pages[page_id].keys):
                self.citing.setdefault(key, []).append(page_id)
        self.ctx = self._context(numbers)
        self.listed = set(numbers)
        self.targets = self._number_targets(ordered)
        self._unprefixed = None
        facts = [code_digest(), self.bib.cache_key, self.style, self.citation_style, self.references_heading,
                 str(self.exports_folder), json.dumps(numbers, sort_keys=True),
                 json.dumps(self.targets, sort_keys=True)]
        self._ctx_digest = hashlib.sha256("\0".join(facts).encode()).hexdigest()
        return self.ctx

    def _unprefixed_target(self, key: str) -> str:
        if self._unprefixed is None:
            self._unprefixed = unprefixed_names(record.source for record in self.pages.values())
        return unprefixed_target(key, self._unprefixed, self.targets)

    def _number_targets(self, ordered: list[str]) -> dict[str, tuple[str, str, str]]:
        """Cross-reference targets: id -> (page id, page URL, label). Sections are named by their heading;
        figures, tables, equations... are numbered by kind in reading order, as pandoc-crossref numbers them."""
        targets: dict[str, tuple[str, str, str]] = {}
        counts: dict[str, int] = {}
        self.fragments = {}
        for page_id in ordered:
            record = self.pages[page_id]
            for target, text, element in record.targets:
                if target in targets:
                    continue  # the first page wins; MkDocs warns about nothing here, nor do we
                if element != target:
                    self.fragments[target] = element
                kind = xref_kind(target) or ""
                if kind == "Section":
                    label = f"\u201c{text}\u201d" if text else target
                else:
                    counts[kind] = counts.get(kind, 0) + 1
                    label = str(counts[kind])
                targets[target] = (page_id, record.url, label)
        return targets

    def _context(self, numbers: dict[str, int], extra: list[str] | None = None) -> CiteContext:
        from ..bibliography.export import safe_file_stem  # the exports' code, only when a context is made

        keys = list(numbers) + [k for k in (extra or []) if k not in numbers]
        entries = [self.bib.entries[k] for k in keys]
        return CiteContext(
            numbers=numbers,
            formatted=format_entries_cached(entries, self._entry_style(), self.bib.entries, self.bib.cache_key,
                                            self.cache_dir),
            names={e.key: narrative_name(e) for e in entries},
            years={e.key: e.year for e in entries},
            style=self.citation_style,
            file_stems={e.key: safe_file_stem(e.key) for e in entries} if self.exports_folder else {},
        )

    def _entry_style(self) -> str:
        """Our Vancouver style puts the year after the authors when citations are author-year."""
        if self.style == "vancouver" and self.citation_style == "author-year":
            return "vancouver-author-date"
        return self.style

    def uncited(self) -> list[str]:
        assert self.ctx is not None
        return [k for k in self.bib.entries if k not in self.ctx.numbers]

    def fix_page(self, page_id: str, html: str, page_url_of: dict[str, str] | None = None,
                 root_prefix: str = "") -> tuple[str, list[Problem]]:
        """The page's final HTML: citations, its reference list, and the bibliography where asked for.

        `root_prefix` is the way from this page to the site root (e.g. "../"), for download links.
        """
        if self.ctx is None:
            raise RuntimeError("finalize() must run before fix_page()")
        record = self.pages[page_id]
        ctx = self.ctx
        xrefs = {}
        for key in record.keys:
            target = next((k for k in xref_candidates(key) if k in self.targets), None)
            if target is not None and key not in ctx.numbers:
                xrefs[key] = (self._href(page_id, target), self.targets[target][2], xref_kind(target) or "")
        if xrefs:
            ctx = replace(ctx, xrefs=xrefs)
        result = _fix(html, ctx)
        problems = []
        lines = key_lines(record.source, self.md_in_html, self.pandoc_html_blocks) \
            if result.unresolved or result.unresolved_xrefs else {}
        for key in dict.fromkeys(result.unresolved):
            problems.append(Problem(SourceLocation(record.path, lines.get(key)),
                                    unknown_key_message(key, self.bib.suggest(key))))
        for key in dict.fromkeys(result.unresolved_xrefs):
            problems.append(Problem(SourceLocation(record.path, lines.get(key)),
                                    xref_message(key, self._unprefixed_target(key))))
        out, light = result.html, result.search_html
        if "<lr-caption" in out:  # "Figure 1:" of this page's own figures and tables
            numbers = {key: label for key, (target_page, _url, label) in self.targets.items() if target_page == page_id}
            out, light = fill_captions(out, numbers), fill_captions(light, numbers)
        if REFS_MARKER.search(out):  # pandoc's `{#refs}`: this page's references, or if it cites nothing, all
            marker = "<!-- references -->" if result.backrefs else "<!-- bibliography -->"
            out, light = REFS_MARKER.sub(marker, out, count=1), REFS_MARKER.sub(marker, light, count=1)
        holds_bibliography = bool(BIBLIOGRAPHY_MARKER.search(out))
        listed_here = False  # this page shows its own reference list (with the `ref-<key>` anchors)
        if result.backrefs and (REFERENCES_MARKER.search(out) or not holds_bibliography):
            listed_here = True
            refs = render_reference_list(result.backrefs, ctx)
            light_refs = search_list(list(result.backrefs), ctx)
            if REFERENCES_MARKER.search(out):
                out = REFERENCES_MARKER.sub(lambda _m: refs, out, count=1)
                light = REFERENCES_MARKER.sub(lambda _m: light_refs, light, count=1)
            else:
                heading = self.references_heading
                anchor = unique_anchor(re.sub(r"[^a-z0-9]+", "-", heading.lower()).strip("-") or "references", out)
                out += f'\n<h2 id="{anchor}">{heading}</h2>\n{refs}'
                light += f'\n<h2 id="{anchor}">{heading}</h2>\n{light_refs}'
        elif result.backrefs:  # the page's bibliography lists what it cites, under the anchors its citations link to
            out = REFERENCES_MARKER.sub("", out)
            light = REFERENCES_MARKER.sub("", light)
        else:
            out = REFERENCES_MARKER.sub("", out)
            light = REFERENCES_MARKER.sub("", light)
        if BIBLIOGRAPHY_MARKER.search(out):
            # Per-entry .bib/.ris links only here: repeated in every chapter's list they would weigh on every page.
            if self.exports_folder:
                ctx = replace(ctx, files_prefix=f"{root_prefix}{self.exports_folder}/")
            chosen: dict[bool, tuple[CiteContext, list[str]]] = {}  # one formatting for page and search copy

            def entries(m: re.Match[str]) -> tuple[CiteContext, list[str]]:
                include = bool(m.group(1))
                if include not in chosen:
                    chosen[include] = self._bibliography_entries(include, ctx)
                return chosen[include]

            def bibliography(m: re.Match[str]) -> str:
                rendered = self._render_bibliography(*entries(m)[::-1], page_url_of)
                # beside the page's own reference list, whose `ref-<key>` anchors the citations link to
                return _ENTRY_IDS.sub(' id="bib-ref-', rendered) if listed_here else rendered

            out = BIBLIOGRAPHY_MARKER.sub(bibliography, out)
            light = BIBLIOGRAPHY_MARKER.sub(lambda m: search_list(entries(m)[1], entries(m)[0]), light)
        self.search_pages[page_id] = light_tables(light)
        return out, problems

    def _href(self, page_id: str, target: str) -> str:
        target_page, url, _label = self.targets[target]
        fragment = self.fragments.get(target, target)
        if target_page == page_id:
            return f"#{fragment}"
        return f"{relative_url(url, self.pages[page_id].url)}#{fragment}"

    def fix_page_cached(self, page_id: str, html: str, store: JsonStore, page_url_of: dict[str, str] | None = None,
                        root_prefix: str = "") -> tuple[str, list[Problem]]:
        """`fix_page`, reused from `store` when the page's HTML and source, the numbers of the whole build and
        the library are unchanged (and, for a bibliography, which pages cite what, under which titles)."""
        record = self.pages[page_id]
        # A bibliography also shows which pages cite each entry, with their titles and links.
        cited_in = json.dumps([self.citing, {p: (r.title, r.url) for p, r in self.pages.items()}, page_url_of],
                              sort_keys=True) if BIBLIOGRAPHY_MARKER.search(html) or REFS_MARKER.search(html) else ""
        key = hashlib.sha256("\0".join((self._ctx_digest, page_id, record.path, root_prefix, html, record.source,
                                         cited_in)).encode()).hexdigest()
        entry = store.get(key)
        if entry is not None:
            self.search_pages[page_id] = entry["search"]
            self.listed.update(entry["listed"])
            return entry["html"], [Problem(SourceLocation(path, line), message)
                                   for path, line, message in entry["problems"]]
        listed = set(self.listed)
        out, problems = self.fix_page(page_id, html, page_url_of, root_prefix)
        store.put(key, {"html": out, "search": self.search_pages[page_id], "listed": sorted(self.listed - listed),
                        "problems": [(p.location.path, p.location.line, p.message) for p in problems]})
        return out, problems

    def _bibliography_entries(self, include_uncited: bool, ctx: CiteContext) -> tuple[CiteContext, list[str]]:
        """The bibliography's keys (cited ones by number, then, if asked, every uncited entry) and their context."""
        keys = list(ctx.numbers)
        if include_uncited:
            extra = [k for k in self.bib.entries if k not in ctx.numbers]
            ctx = replace(self._context(dict(ctx.numbers), extra), files_prefix=ctx.files_prefix)
            keys += extra
            self.listed.update(extra)
        return ctx, keys

    def search_html(self, page_id: str) -> str | None:
        """The lighter HTML of a fixed page for the search indexer (same text, far fewer tags), if any. Handed
        out once: it is not kept for the rest of the build."""
        return self.search_pages.pop(page_id, None)

    def bibliography_html(self, include_uncited: bool, page_url_of: dict[str, str] | None = None,
                          ctx: CiteContext | None = None) -> str:
        ctx = ctx or self.ctx
        assert ctx is not None
        ctx, keys = self._bibliography_entries(include_uncited, ctx)
        return self._render_bibliography(keys, ctx, page_url_of)

    def _render_bibliography(self, keys: list[str], ctx: CiteContext, page_url_of: dict[str, str] | None) -> str:
        citing = {
            key: [(self.pages[p].title, (page_url_of or {}).get(p, self.pages[p].url)) for p in pages]
            for key, pages in self.citing.items()
        }
        return render_bibliography(keys, ctx, citing)
