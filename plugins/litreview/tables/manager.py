"""Per-build evidence data: loads every data set once, expands directives, answers inline values."""
from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import Any

import markdown

from ..citations.markdown_ext import CitationExtension, ValueLookup
from ..citations.syntax import Citation, CiteItem, find_citations
from ..errors import Problem, SourceLocation, line_of_offset
from ..jsonstore import mark_used
from ..markdown_text import mask_code_blocks, mask_inline
from .directives import DIRECTIVE_RE, Directive, DirectiveError, parse_directive
from .evidence_map import evidence_map_html, map_columns, page_url, row_anchors
from .export import to_csv, to_json
from .findings import FOLDER as SOF_FOLDER
from .findings import SummaryOfFindings, check_against, load_summaries, summary_html
from .load import Column, DataSet, Row, load_datasets
from .render import chart_data_html, cite_html, comparison_html, long_text_columns, table_html
from .yaml_load import problem

CHART_VERSION = "charts-3"  # 2: each chart's SVG ids carry its own prefix; 3: labels, legends, whiskers
# One line of words, digits and harmless punctuation, starting with a letter, digit or "(" so it cannot
# open a list, heading, quote or code block; the same text comes back from Markdown, in a paragraph.
_PLAIN_CELL = re.compile(r"[A-Za-z0-9(][^`\\*_\[\]@&<>{}#\n\r\t]*(?<=\S)\Z")
_LIST_START = re.compile(r"\d+[.)](\s|\Z)")
_KEEP_INLINE = {"backtick", "escape", "em_strong", "em_strong2", "not_strong", "lr-cite-bracket",
                "lr-cite-narrative", "entity"}


def _cell_markdown() -> markdown.Markdown:
    """Inline Markdown for author text in tables: emphasis, code and citations; no links, images or HTML."""
    md = markdown.Markdown(extensions=[CitationExtension()])
    for name in [item.name for item in md.inlinePatterns._priority]:
        if name not in _KEEP_INLINE:
            md.inlinePatterns.deregister(name)
    md.preprocessors.deregister("html_block")
    return md


@dataclass
class TableManager:
    datasets: dict[str, DataSet]
    load_problems: list[Problem]
    cache_dir: Path | None = None
    downloads: dict[str, str] = field(default_factory=dict)  # site-relative path -> content
    labels: dict[str, str] = field(default_factory=dict)  # BibTeX key -> "Strosberg 2017" for chart axes
    data_hint: str = "content/data"  # the data folder as authors see it, for messages
    _md: markdown.Markdown | None = None
    refused: set[str] = field(default_factory=set)  # data files that exist but failed to load
    fingerprint: str = ""  # digest of the loaded data sets: inline values in a page's HTML depend on them
    summaries: dict[str, SummaryOfFindings] = field(default_factory=dict)
    docs_dir: Path | None = None  # read by the evidence map, to find where each row is shown

    @classmethod
    def load(cls, folder: Path, root: Path, docs_dir: Path, cache: Path | None) -> TableManager:
        datasets, problems = load_datasets(folder, root, cache / "data" if cache else None)
        try:
            hint = folder.absolute().relative_to(root.absolute()).as_posix()
        except ValueError:
            hint = folder.as_posix()
        refused = {Path(p.location.path).stem for p in problems}
        summaries, sof_problems = load_summaries(folder / SOF_FOLDER, f"{hint}/{SOF_FOLDER}")
        for sof in summaries.values():
            sof_problems += check_against(sof, datasets.get(sof.data))
        manager = cls(datasets, problems + sof_problems, cache / "charts" if cache else None, data_hint=hint)
        manager.refused = refused
        manager.summaries = summaries
        manager.docs_dir = docs_dir
        # From the digests taken while loading, not by reading the files again; the answers of resolve_value
        # depend on the data sets that loaded (their names, paths and bytes) and on nothing else.
        manager.fingerprint = hashlib.sha256("\n".join(
            f"{name}\0{ds.path}\0{ds.digest}" for name, ds in sorted(datasets.items())).encode()
            + "".join(f"\0{s.path}\0{s.digest}" for _, s in sorted(summaries.items())).encode()).hexdigest()
        return manager

    # ------------------------------------------------------------------ checks
    def problems_for(self, entries: Mapping[str, Any]) -> list[Problem]:
        problems = list(self.load_problems)
        for ds in self.datasets.values():
            for index, row in enumerate(ds.rows):
                for column in ds.columns:
                    if column.type != "citation":
                        continue
                    raw = row.values.get(column.id)
                    for key in (raw if isinstance(raw, list) else [raw]):
                        if key and str(key) not in entries:
                            problems.append(problem(ds.path, ds.lines, f"rows[{index}].{column.id}",
                                                    f"unknown citation key '{key}'; add it to bib/ or correct it"))
                for column in ds.columns:
                    if column.type == "text" and isinstance(row.values.get(column.id), str):
                        problems += self._text_keys(ds, f"rows[{index}].{column.id}", row.values[column.id], entries)
            for name, text in ds.summary.items():
                problems += self._text_keys(ds, f"summary.{name}", text, entries)
        return problems

    def _text_keys(self, ds: DataSet, path: str, text: str, entries: Mapping[str, Any]) -> list[Problem]:
        return [problem(ds.path, ds.lines, path, f"unknown citation key '{key}'; add it to bib/ or correct it")
                for _, _, cite in find_citations(text) for key in cite.keys if key not in entries]

    # ------------------------------------------------------------------ markup
    def markup(self, text: str) -> str:
        if _PLAIN_CELL.match(text) and not _LIST_START.match(text):
            return text  # nothing Markdown would change (no markup, no HTML special character): skip the parser
        if self._md is None:
            self._md = _cell_markdown()
        html = self._md.reset().convert(escape(text, quote=False))
        return re.sub(r"^<p>(.*)</p>$", r"\1", html.strip(), flags=re.DOTALL)

    # ------------------------------------------------------------------ inline values
    def resolve_value(self, name: str, row_id: str, column_id: str) -> ValueLookup | str:
        ds = self.datasets.get(name)
        if ds is None:
            return f"no data set '{name}' (available: {', '.join(sorted(self.datasets)) or 'none'})"
        row = ds.row(row_id)
        if row is None:
            return f"data set '{name}' has no row '{row_id}' (rows: {', '.join(r.id for r in ds.rows)})"
        column = ds.column(column_id)
        if column is None:
            return f"data set '{name}' has no column '{column_id}' (columns: {', '.join(c.id for c in ds.columns)})"
        raw = row.values.get(column_id)
        if raw is None:
            return f"{name}.{row_id}.{column_id} is empty in {ds.path}; fill it in or quote another value"
        if column.type == "citation":
            keys = [str(k) for k in (raw if isinstance(raw, list) else [raw])]
            return ValueLookup("", Citation(tuple(CiteItem(k) for k in keys)))
        cell = ds.cell(row, column)
        unit = f" {column.unit}" if column.unit and column.type != "percent" else ""
        # "48.0 months (95% CI 37.4–55.2)": the unit belongs to the estimate, before its interval.
        text = cell.point + unit + cell.interval_text if cell.point else cell.display + unit
        source = ds.keys_of(row)[:1] or []
        return ValueLookup(text, Citation(tuple(CiteItem(k) for k in source)) if source else None)

    def value_problems(self, errors: Sequence[tuple[str, str]], path: str, source: str) -> list[Problem]:
        out = []
        for written, message in errors:
            offset = source.find(written)
            out.append(Problem(SourceLocation(path, line_of_offset(source, offset) if offset >= 0 else None),
                               f"{written}: {message}"))
        return out

    # ------------------------------------------------------------------ directives
    def expand_directives(self, html: str, path: str, source: str, page_url: str,
                          root_prefix: str) -> tuple[str, list[Problem]]:
        """Replace directive comments in a page's HTML (code blocks escape them, so they are never touched)."""
        problems: list[Problem] = []
        counter = {"n": 0}
        if not DIRECTIVE_RE.search(html):
            return html, problems
        masked: list[str] = []
        seen: dict[str, int] = {}

        def line_of(text: str) -> int | None:
            """The line of this directive: the n-th time the same text appears outside code."""
            if not masked:
                masked.append(mask_inline(mask_code_blocks(source), comments=False))
            prose = masked[0]
            needle = text.strip()
            seen[needle] = seen.get(needle, 0) + 1
            offset = -1
            for _ in range(seen[needle]):
                offset = prose.find(needle, offset + 1)
                if offset < 0:
                    return None
            return line_of_offset(source, offset)

        def replace(match: re.Match[str]) -> str:
            counter["n"] += 1
            try:
                directive = parse_directive(match.group(1), match.group(2))
                return self._render(directive, counter["n"], page_url, root_prefix)
            except DirectiveError as exc:
                problems.append(Problem(SourceLocation(path, line_of(match.group(0))), str(exc)))
                return f'<p class="lr-missing">[{escape(match.group(1))}: {escape(str(exc))}]</p>'

        return DIRECTIVE_RE.sub(replace, html), problems

    def _dataset(self, name: str) -> DataSet:
        ds = self.datasets.get(name)
        if ds is None and name in self.refused:
            raise DirectiveError(f"data set '{name}' could not be loaded (see the messages for "
                                 f"{self.data_hint}/{name}.yaml); fix that file")
        if ds is None:
            raise DirectiveError(f"unknown data set '{name}' (available: {', '.join(sorted(self.datasets)) or 'none'}"
                                 f"); add {self.data_hint}/{name}.yaml or correct the name")
        return ds

    def _rows(self, ds: DataSet, directive: Directive) -> list[Row]:
        rows = list(ds.rows)
        for column_id, wanted in directive.filters:
            if ds.column(column_id) is None:
                raise DirectiveError(f"filter on unknown column '{column_id}' of '{ds.name}'")
            rows = [r for r in rows if str(r.values.get(column_id, "")).lower() == wanted.lower()]
        sort = directive.options.get("sort")
        if sort:
            descending = sort.startswith("-")
            column = ds.column(sort.lstrip("-"))
            if column is None:
                raise DirectiveError(f"sort by unknown column '{sort.lstrip('-')}' of '{ds.name}'")
            present = [r for r in rows if ds.cell(r, column).value is not None or ds.cell(r, column).display]
            empty = [r for r in rows if r not in present]
            numeric = column.type in ("integer", "percent", "months", "ratio")

            def key(r: Row) -> Any:
                cell = ds.cell(r, column)
                return (cell.value if cell.value is not None else float("inf")) if numeric else cell.display.lower()

            rows = sorted(present, key=key, reverse=descending) + empty
        return rows

    def _columns(self, ds: DataSet, directive: Directive) -> list[Column]:
        wanted = directive.options.get("columns")
        if not wanted:
            return list(ds.columns)
        columns = []
        for column_id in wanted.split(","):
            column = ds.column(column_id.strip())
            if column is None:
                raise DirectiveError(f"unknown column '{column_id.strip()}' of '{ds.name}' (columns: "
                                     f"{', '.join(c.id for c in ds.columns)})")
            columns.append(column)
        return columns

    def _render(self, directive: Directive, index: int, page_url: str, root_prefix: str) -> str:
        if directive.kind == "comparison-table":
            datasets = [self._dataset(n) for n in directive.names]
            caption = directive.options.get("caption", "Liver-directed therapies side by side")
            return comparison_html(datasets, caption, directive.options.get("id", f"comparison-{index}"), self.markup)
        if directive.kind == "evidence-chart":
            return self._chart(directive, index)
        if directive.kind == "summary-of-findings":
            return self._summary(directive, index)
        if directive.kind == "evidence-map":
            return self._map(directive, index, page_url, root_prefix)
        if len(directive.names) != 1:
            raise DirectiveError("evidence-table takes one data set name")
        ds = self._dataset(directive.names[0])
        rows, columns = self._rows(ds, directive), self._columns(ds, directive)
        caption = directive.options.get("caption", ds.title)
        table_id = directive.options.get("id", f"table-{ds.name}-{index}")
        if not re.match(r"^[A-Za-z][\w-]*$", table_id):
            raise DirectiveError(f"invalid id '{table_id}': letters, digits, '_' and '-' only")
        slug = re.sub(r"\.html$", "", page_url.strip("/")).replace("/", "-") or "index"
        stem = f"downloads/{slug}-{table_id}"
        self.downloads[stem + ".csv"] = to_csv(rows, columns)
        self.downloads[stem + ".json"] = to_json(ds, rows, columns)
        links = (root_prefix + stem + ".csv", root_prefix + stem + ".json")
        more = self._details(ds, rows, columns, directive)
        return table_html(ds, rows, columns, caption, table_id, links, self.markup, more,
                          lambda row: self._label(ds, row))

    def _summary(self, directive: Directive, index: int) -> str:
        if len(directive.names) != 1:
            raise DirectiveError("summary-of-findings takes one name")
        name = directive.names[0]
        sof = self.summaries.get(name)
        if sof is None:
            known = ", ".join(sorted(self.summaries)) or "none"
            raise DirectiveError(f"no summary of findings '{name}' (available: {known}); add "
                                 f"{self.data_hint}/{SOF_FOLDER}/{name}.yaml")
        ds = self._dataset(sof.data)
        if check_against(sof, ds):
            raise DirectiveError(f"summary of findings '{name}' does not match its data set (see the messages for "
                                 f"{sof.path})")
        caption = directive.options.get("caption", sof.title)
        return summary_html(sof, ds, caption, directive.options.get("id", f"sof-{name}-{index}"), self.markup)

    def _map(self, directive: Directive, index: int, page_url: str, root_prefix: str) -> str:
        datasets = [self._dataset(n) for n in directive.names]
        wanted = [w.strip() for w in directive.options.get("outcomes", "").split(",") if w.strip()]
        names = dict(w.split(":", 1) for w in wanted if ":" in w)  # outcomes=orr:Objective response,os
        outcomes = [(c, names.get(c, label)) for c, label in map_columns(datasets, [w.split(":")[0] for w in wanted])]
        for column_id, _ in outcomes:
            if not any(ds.column(column_id) for ds in datasets):
                raise DirectiveError(f"outcomes: no data set of the map has a column '{column_id}'")
        directory_urls = not page_url.endswith(".html") and page_url != ""
        anchors = row_anchors(self._page_sources(directory_urls), self.datasets,
                              self._rows)
        caption = directive.options.get("caption", "Evidence map: studies by modality and outcome")
        return evidence_map_html(datasets, outcomes, anchors, root_prefix, self._label, caption,
                                 directive.options.get("id", f"evidence-map-{index}"))

    def _page_sources(self, directory_urls: bool) -> list[tuple[str, str]]:
        """(url, markdown) of every page under docs_dir, by path; files outside the project are skipped."""
        if self.docs_dir is None or not self.docs_dir.is_dir():
            return []
        base = self.docs_dir.resolve()
        out = []
        for path in sorted(self.docs_dir.rglob("*.md")):
            if not path.is_file() or not path.resolve().is_relative_to(base):
                continue
            try:
                text = path.read_text(encoding="utf-8-sig")
            except (OSError, UnicodeDecodeError):
                continue  # MkDocs reports an unreadable page itself
            out.append((page_url(path.relative_to(self.docs_dir).as_posix(), directory_urls), text))
        return out

    def _label(self, ds: DataSet, row: Row) -> str:
        """ "Strosberg 2017" from the row's (first) source; the row id when the entry is unknown."""
        keys = ds.keys_of(row)
        return self.labels.get(keys[0], row.id) if keys else row.id

    def _details(self, ds: DataSet, rows: list[Row], columns: list[Column], directive: Directive) -> list[Column]:
        """The columns shown folded under each row: `details=a,b`, `details=none`, or long text columns."""
        wanted = directive.options.get("details")
        if wanted is None:
            return long_text_columns(ds, rows, columns)
        if wanted == "none":
            return []
        chosen = []
        for column_id in (w.strip() for w in wanted.split(",")):
            column = ds.column(column_id)
            if column is None or column not in columns:
                raise DirectiveError(f"details: '{column_id}' is not a column of this table (columns: "
                                     f"{', '.join(c.id for c in columns)})")
            if column is columns[0]:
                raise DirectiveError(f"details: '{column_id}' is the first column, which stays in the row")
            chosen.append(column)
        return chosen

    def _chart(self, directive: Directive, index: int) -> str:
        from . import charts  # matplotlib is heavy: imported only when a page has a chart

        column_id = directive.options.get("column")
        if not column_id:
            raise DirectiveError("evidence-chart needs column=<id> (a percent, months, integer or ratio column)")
        kind = directive.options.get("type", "forest")
        if kind not in ("forest", "bar"):
            raise DirectiveError(f"unknown chart type '{kind}'; use forest or bar")
        datasets = [self._dataset(n) for n in directive.names]
        groups: list[tuple[str, list[charts.Point]]] = []
        keys: list[str] = []
        unit = ""
        ratio = False
        for ds in datasets:
            column = ds.column(column_id)
            if column is None or column.type not in ("percent", "months", "integer", "ratio"):
                raise DirectiveError(f"'{ds.name}' has no numeric column '{column_id}'")
            unit = column.heading + (" (%)" if column.type == "percent" and not column.unit else "")
            ratio = ratio or column.type == "ratio"
            points = []
            for row in self._rows(ds, directive):
                cell = ds.cell(row, column)
                if cell.value is None:
                    continue
                label = self._label(ds, row)
                points.append(charts.Point(label, cell.value, cell.lower, cell.upper, f"mark-{ds.name}-{row.id}",
                                           cell.interval, cell.display, (ds.keys_of(row) or [""])[0]))
                keys += ds.keys_of(row)[:1]
            groups.append((ds.modality, points))
        if not any(points for _, points in groups):
            raise DirectiveError(f"no row of {', '.join(directive.names)} has a value in '{column_id}'")
        chart_id = directive.options.get("id", f"chart-{'-'.join(directive.names)}-{column_id}-{index}")
        caption = directive.options.get("caption", f"{unit} by study")
        desc = "; ".join(f"{p.label}: {p.value:g}" + (f" ({p.lower:g}\u2013{p.upper:g})" if p.lower is not None
                                                       and p.upper is not None else "")
                         for _, pts in groups for p in pts)
        svg = self._cached_svg(kind, groups, unit, caption, desc, chart_id, datasets, 1.0 if ratio else None)
        return (f'<figure class="lr-chart" id="{escape(chart_id, quote=True)}">{svg}'
                f"<figcaption>{escape(caption.rstrip('.'))}. Sources: {cite_html(keys)}</figcaption>"
                f"{chart_data_html(chart_id, groups, unit, caption)}</figure>")

    def _cached_svg(self, kind: str, groups: list[Any], unit: str, caption: str, desc: str, chart_id: str,
                    datasets: list[DataSet], reference: float | None = None) -> str:
        from . import charts

        digest = hashlib.sha256(repr((CHART_VERSION, kind, groups, unit, caption, desc, chart_id, reference,
                                      [d.digest for d in datasets])).encode()).hexdigest()[:32]
        cached = self.cache_dir / f"{digest}.svg" if self.cache_dir else None
        if cached and cached.exists():
            mark_used(cached)
            return cached.read_text(encoding="utf-8")
        if kind == "forest":
            points = [p for _, pts in groups for p in pts]
            svg = charts.forest_svg(points, unit, caption, desc, chart_id, reference)
        else:
            svg = charts.bar_svg(groups, unit, caption, desc, chart_id)
        if cached:
            try:
                cached.parent.mkdir(parents=True, exist_ok=True)
                cached.write_text(svg, encoding="utf-8")
            except OSError:
                pass
        return svg

    # ------------------------------------------------------------------ output
    def write_downloads(self, site_dir: Path) -> None:
        base = site_dir.resolve()
        for rel, content in sorted(self.downloads.items()):
            target = (base / rel).resolve()
            if not target.is_relative_to(base):
                continue  # names are built from validated ids; this guards the invariant anyway
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(content, encoding="utf-8")
