"""Evidence tables as accessible, sortable HTML; cells with citations carry citation placeholders."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from html import escape
from typing import TYPE_CHECKING

from ..citations.markdown_ext import placeholder
from ..citations.syntax import Citation, CiteItem, find_citations
from .load import Column, DataSet, Row
from .schema import CellValue

if TYPE_CHECKING:
    from .charts import Point

CellMarkup = Callable[[str], str]  # renders author text (may hold citations) to safe inline HTML
LONG_TEXT_MEAN = 40  # characters: about two lines of a table cell at its narrowest readable width


def cite_html(keys: Sequence[str]) -> str:
    keys = [k for k in dict.fromkeys(keys) if k]
    return placeholder(Citation(tuple(CiteItem(k) for k in keys))) if keys else ""


def _sort_value(value: float | None, text: str) -> str:
    if value is not None:
        return repr(value)
    for start, end, _ in reversed(find_citations(text)):  # sort by the words, not by citation keys
        text = text[:start] + text[end:]
    return " ".join(text.split()).lower()


def _number_html(cell: CellValue) -> str:
    """An estimate and its interval, each kept on one line, with a break allowed between them."""
    if not cell.interval_text:
        return escape(cell.display)
    return (f'<span class="lr-point">{escape(cell.point)}</span> '
            f'<span class="lr-interval">{escape(cell.interval_text.strip())}</span>')


def cell_html(dataset: DataSet, row: Row, column: Column, markup: CellMarkup) -> str:
    raw = row.values.get(column.id)
    cell = dataset.cell(row, column)
    numeric = column.type in ("integer", "percent", "months", "ratio")
    if column.type == "citation":
        keys = [str(k) for k in (raw if isinstance(raw, list) else [raw]) if k]
        return f'<td data-sort="{escape(keys[0] if keys else "")}">{cite_html(keys)}</td>'
    if raw is None or raw == "":
        return f'<td data-sort="" class="{"lr-num lr-empty" if numeric else "lr-empty"}"><span aria-hidden="true">' \
               '\u2014</span><span class="lr-sr-only">not reported</span></td>'
    if column.type == "text":
        content = markup(str(raw))
    elif cell.label == "not reached":
        content = '<abbr title="not reached">NR</abbr>'
    else:
        content = _number_html(cell)
    css = ' class="lr-num"' if numeric else ""
    return f'<td{css} data-sort="{escape(_sort_value(cell.value, cell.display), quote=True)}">{content}</td>'


def long_text_columns(dataset: DataSet, rows: Sequence[Row], columns: Sequence[Column],
                      mean_chars: int = LONG_TEXT_MEAN) -> list[Column]:
    """Text columns whose cells average more than `mean_chars` characters: squeezed into a narrow cell, each
    would make its row many lines tall, so they are shown under the row instead. The first column never is."""
    out = []
    for column in columns[1:]:
        if column.type != "text":
            continue
        texts = [str(r.values[column.id]) for r in rows if r.values.get(column.id) not in (None, "")]
        if texts and sum(len(t) for t in texts) / len(texts) > mean_chars:
            out.append(column)
    return out


def _more_row(row: Row, more: Sequence[Column], span: int, row_id: str, label: str, markup: CellMarkup) -> str:
    """The long text of a row, folded in a row of its own below it: one summary line until opened."""
    filled = [c for c in more if row.values.get(c.id) not in (None, "")]
    if not filled:
        return ""
    items = "".join(f'<div><dt>{escape(c.heading)}</dt><dd data-col="{escape(c.id, quote=True)}">'
                    f"{markup(str(row.values[c.id]))}</dd></div>" for c in filled)
    names = " \u00b7 ".join(escape(c.heading) for c in filled)
    return (f'<tr class="lr-more" id="{row_id}-more"><td colspan="{span}"><details><summary>{names}'
            f'<span class="lr-sr-only"> ({escape(label)})</span></summary><dl>{items}</dl></details></td></tr>')


def table_html(dataset: DataSet, rows: Sequence[Row], columns: Sequence[Column], caption: str, table_id: str,
               downloads: tuple[str, str] | None, markup: CellMarkup, more: Sequence[Column] = (),
               row_label: Callable[[Row], str] = lambda row: row.id) -> str:
    """One evidence table; one line per row so Markdown and HTML post-processors never split it.

    Columns in `more` (long free text) are not cells of the row but a folded row of their own below it.
    """
    shown = [c for c in columns if c not in more]
    head = "".join(
        f'<th scope="col" data-type="{c.type}" data-col="{escape(c.id, quote=True)}"'
        + (f' title="{escape(c.description, quote=True)}"' if c.description else "")
        + f'><button type="button" class="lr-sort" aria-label="Sort by {escape(c.heading, quote=True)}">'
        f"{escape(c.heading)}</button></th>"
        for c in shown
    )
    body = []
    for r in rows:
        row_id = f"{escape(table_id, quote=True)}-{escape(r.id, quote=True)}"
        body.append(f'<tr id="{row_id}">' + "".join(cell_html(dataset, r, c, markup) for c in shown) + "</tr>"
                    + _more_row(r, more, len(shown), row_id, row_label(r), markup))
    links = ""
    if downloads:
        csv_href, json_href = downloads
        links = (f'<p class="lr-downloads">Download this table: <a href="{escape(csv_href, quote=True)}" download>'
                 f'CSV</a> \u00b7 <a href="{escape(json_href, quote=True)}" download>JSON</a></p>')
    more_attr = f' data-lr-more="{escape(" ".join(c.id for c in more), quote=True)}"' if more else ""
    return (f'<div class="lr-table" id="{escape(table_id, quote=True)}">'
            f'<div class="lr-table-scroll" tabindex="0" role="region" aria-label="{escape(caption, quote=True)}">'
            f'<table class="lr-evidence" data-lr-sortable{more_attr}><caption>{escape(caption)}</caption>'
            f'<thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table></div>{links}</div>')


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
            f'<div class="lr-table" id="{escape(chart_id, quote=True)}-values">'
            f'<div class="lr-table-scroll" tabindex="0" role="region" aria-label="Data: {escape(caption, quote=True)}">'
            f'<table class="lr-evidence lr-chart-table" id="{escape(chart_id, quote=True)}-data">'
            f"<caption>Values in the chart above</caption><thead><tr>{head}</tr></thead>"
            f"<tbody>{body}</tbody></table></div></div></details>")
