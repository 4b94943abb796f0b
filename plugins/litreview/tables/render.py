"""Evidence tables as accessible, sortable HTML; cells with citations carry citation placeholders."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from html import escape
from typing import TYPE_CHECKING

from ..citations.markdown_ext import placeholder
from ..citations.syntax import Citation, CiteItem, find_citations
from .load import Column, DataSet, Row

if TYPE_CHECKING:
    from .charts import Point

CellMarkup = Callable[[str], str]  # renders author text (may hold citations) to safe inline HTML


def cite_html(keys: Sequence[str]) -> str:
    keys = [k for k in dict.fromkeys(keys) if k]
    return placeholder(Citation(tuple(CiteItem(k) for k in keys))) if keys else ""


def _sort_value(value: float | None, text: str) -> str:
    if value is not None:
        return repr(value)
    for start, end, _ in reversed(find_citations(text)):  # sort by the words, not by citation keys
        text = text[:start] + text[end:]
    return " ".join(text.split()).lower()


def cell_html(dataset: DataSet, row: Row, column: Column, markup: CellMarkup) -> str:
    raw = row.values.get(column.id)
    cell = dataset.cell(row, column)
    numeric = column.type in ("integer", "percent", "months", "ratio")
    if column.type == "citation":
        keys = [str(k) for k in (raw if isinstance(raw, list) else [raw]) if k]
        return f'<td data-sort="{escape(keys[0] if keys else "")}">{cite_html(keys)}</td>'
    if raw is None or raw == "":
        return '<td data-sort="" class="lr-empty"><span aria-hidden="true">\u2014</span>' \
               '<span class="lr-sr-only">not reported</span></td>'
    if column.type == "text":
        content = markup(str(raw))
    elif cell.label == "not reached":
        content = '<abbr title="not reached">NR</abbr>'
    else:
        content = escape(cell.display)
    css = ' class="lr-num"' if numeric else ""
    return f'<td{css} data-sort="{escape(_sort_value(cell.value, cell.display), quote=True)}">{content}</td>'


def table_html(dataset: DataSet, rows: Sequence[Row], columns: Sequence[Column], caption: str, table_id: str,
               downloads: tuple[str, str] | None, markup: CellMarkup) -> str:
    """One evidence table; one line per row so Markdown and HTML post-processors never split it."""
    head = "".join(
        f'<th scope="col" data-type="{c.type}"'
        + (f' title="{escape(c.description, quote=True)}"' if c.description else "")
        + f'><button type="button" class="lr-sort" aria-label="Sort by {escape(c.heading, quote=True)}">'
        f"{escape(c.heading)}</button></th>"
        for c in columns
    )
    body = "".join(
        f'<tr id="{escape(table_id, quote=True)}-{escape(r.id, quote=True)}">'
        + "".join(cell_html(dataset, r, c, markup) for c in columns) + "</tr>"
        for r in rows
    )
    links = ""
    if downloads:
        csv_href, json_href = downloads
        links = (f'<p class="lr-downloads">Download this table: <a href="{escape(csv_href, quote=True)}" download>'
                 f'CSV</a> \u00b7 <a href="{escape(json_href, quote=True)}" download>JSON</a></p>')
    return (f'<div class="lr-table" id="{escape(table_id, quote=True)}">'
            f'<div class="lr-table-scroll" tabindex="0" role="region" aria-label="{escape(caption, quote=True)}">'
            f'<table class="lr-evidence" data-lr-sortable><caption>{escape(caption)}</caption>'
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>{links}</div>")


def comparison_html(datasets: Sequence[DataSet], caption: str, table_id: str, markup: CellMarkup) -> str:
    """One row per modality from each file's `summary`."""
    fields = ("indication", "patients", "response", "survival", "complications")
    head = '<th scope="col">Modality</th>' + "".join(f'<th scope="col">{f.capitalize()}</th>' for f in fields)
    rows = []
    for ds in datasets:
        cells = "".join(
            f"<td>{markup(ds.summary[f])}</td>" if ds.summary.get(f) else
            '<td class="lr-empty"><span aria-hidden="true">\u2014</span><span class="lr-sr-only">not summarised'
            "</span></td>"
            for f in fields
        )
        rows.append(f'<tr><th scope="row">{escape(ds.modality)}</th>{cells}</tr>')
    return (f'<div class="lr-table lr-comparison" id="{escape(table_id, quote=True)}">'
            f'<div class="lr-table-scroll" tabindex="0" role="region" aria-label="{escape(caption, quote=True)}">'
            f'<table class="lr-evidence"><caption>{escape(caption)}</caption><thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table></div></div>')


def chart_data_html(chart_id: str, groups: Sequence[tuple[str, Sequence[Point]]], heading: str, caption: str) -> str:
    """The numbers behind a chart as a table, folded under the figure: for readers who cannot see the chart."""
    several = sum(1 for _, points in groups if points) > 1
    head = '<th scope="col">Study</th>' + ('<th scope="col">Group</th>' if several else "") + \
        f'<th scope="col">{escape(heading)}</th>'
    body = "".join(
        f'<tr><th scope="row">{escape(p.label)}\u00a0{cite_html([p.key])}</th>'
        + (f"<td>{escape(group)}</td>" if several else "")
        + f'<td class="lr-num">{escape(p.text)}</td></tr>'
        for group, points in groups for p in points)
    return (f'<details class="lr-chart-data"><summary>The data in this chart, as a table</summary>'
            f'<div class="lr-table-scroll" tabindex="0" role="region" aria-label="Data: {escape(caption, quote=True)}">'
            f'<table class="lr-evidence lr-chart-table" id="{escape(chart_id, quote=True)}-data">'
            f"<caption>{escape(caption.rstrip('.'))}: the values charted</caption><thead><tr>{head}</tr></thead>"
            f"<tbody>{body}</tbody></table></div></details>")
