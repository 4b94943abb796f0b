"""The evidence map: every study laid out by modality (data set) and outcome (column), each linking to its row.

Where a row is shown is found by reading the pages' Markdown for evidence-table directives (pure: a list of pages
in, row -> link out), so the map can be anywhere in the nav, before or after the chapters it points into.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from html import escape

from ..markdown_text import mask_code_blocks, mask_inline
from .directives import DIRECTIVE_RE, Directive, DirectiveError, parse_directive
from .load import Column, DataSet, Row

NUMERIC = ("integer", "percent", "months", "ratio")
OTHER = "Other outcomes (in the chapter's text and tables)"
RowsOf = Callable[[DataSet, Directive], list[Row]]


def page_url(src: str, directory_urls: bool) -> str:
    """MkDocs' URL of a Markdown file: `a/b.md` -> `a/b.html`, or `a/b/` with directory URLs."""
    stem = src[:-3] if src.endswith(".md") else src
    if not directory_urls:
        return stem + ".html"
    if stem == "index" or stem.endswith("/index"):
        return stem[:-5]
    return stem + "/"


def row_anchors(pages: Sequence[tuple[str, str]], datasets: Mapping[str, DataSet], rows_of: RowsOf
                ) -> dict[tuple[str, str], str]:
    """(data set, row id) -> "page_url#table-id-row" for the first table (pages in the order given) showing it.

    `pages` are (url, markdown); table ids follow the directive's id option or its default, `table-<set>-<n>`, n
    counting the page's directives outside code, as the renderer does."""
    found: dict[tuple[str, str], str] = {}
    for url, markdown in pages:
        prose = mask_inline(mask_code_blocks(markdown), comments=False)
        for n, match in enumerate(DIRECTIVE_RE.finditer(prose), start=1):
            if match.group(1) != "evidence-table":
                continue
            try:
                directive = parse_directive(match.group(1), markdown[match.start(2):match.end(2)])
            except DirectiveError:
                continue
            ds = datasets.get(directive.names[0]) if len(directive.names) == 1 else None
            if ds is None:
                continue
            table_id = directive.options.get("id", f"table-{ds.name}-{n}")
            try:
                rows = rows_of(ds, directive)
            except DirectiveError:
                continue
            for row in rows:
                found.setdefault((ds.name, row.id), f"{url}#{table_id}-{row.id}")
    return found


def map_columns(datasets: Sequence[DataSet], wanted: Sequence[str]) -> list[tuple[str, str]]:
    """(column id, label) of the outcomes: those asked for, or every numeric outcome column in first-seen order."""
    labels: dict[str, str] = {}
    for ds in datasets:
        for column in ds.columns:
            if column.type in NUMERIC and column.type != "integer" and column.id not in labels:
                labels[column.id] = column.label
    if wanted:
        return [(c, labels.get(c, c)) for c in wanted]
    return list(labels.items())


def evidence_map_html(datasets: Sequence[DataSet], outcomes: Sequence[tuple[str, str]],
                      anchors: Mapping[tuple[str, str], str], link_prefix: str,
                      label: Callable[[DataSet, Row], str],
                      caption: str, map_id: str) -> str:
    """Modalities down, outcomes across; a cell lists the studies reporting that outcome, each a link to its row
    in the chapter's table (plain text where no table shows it). An empty cell is a gap, said in words."""
    head = '<th scope="col">Modality</th>' + "".join(f'<th scope="col">{escape(name)}</th>' for _, name in outcomes) \
        + f'<th scope="col">{OTHER}</th>'
    body = []
    for ds in datasets:
        cells = []
        mapped: set[str] = set()
        for column_id, name in [*outcomes, ("", OTHER)]:
            column: Column | None = ds.column(column_id) if column_id else None
            if column_id:
                rows = [r for r in ds.rows if column is not None and ds.cell(r, column).value is not None]
                mapped |= {r.id for r in rows}
            else:  # every other study of the data set: so that each one is on the map
                rows = [r for r in ds.rows if r.id not in mapped]
            if not rows:
                cells.append('<td class="lr-map-gap"><span aria-hidden="true">\u2014</span><span class="lr-sr-only">'
                             f"no study of {escape(ds.modality)} reports {escape(name)}</span></td>")
                continue
            links = []
            for row in rows:
                href = anchors.get((ds.name, row.id))
                text = escape(label(ds, row))
                value = escape(ds.cell(row, column).display) if column is not None else ""
                links.append(f'<li><a href="{escape(link_prefix + href, quote=True)}">{text}</a>'
                             f' <span class="lr-map-value">{value}</span></li>' if href else
                             f'<li>{text} <span class="lr-map-value">{value}</span></li>')
            count = f"{len(rows)} stud{'y' if len(rows) == 1 else 'ies'}"
            other = ' lr-map-other' if not column_id else ""
            cells.append(f'<td class="lr-map-cell{other}" data-count="{len(rows)}"><span class="lr-map-count">{count}'
                         f'</span><ul>{"".join(links)}</ul></td>')
        body.append(f'<tr><th scope="row">{escape(ds.modality)}</th>{"".join(cells)}</tr>')
    return (f'<div class="lr-table lr-map" id="{escape(map_id, quote=True)}">'
            f'<div class="lr-table-scroll" tabindex="0" role="region" aria-label="{escape(caption, quote=True)}">'
            f'<table class="lr-evidence lr-map-table"><caption>{escape(caption)}</caption>'
            f'<thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table></div></div>')
