"""Evidence tables: sorting by a numeric column (as numbers, empty cells last both ways) and the CSV download,
checked against the table on the page and the YAML it was made from (content/data/)."""
from __future__ import annotations

import csv
import io
import math
import re
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.browser

NUMERIC = {"integer", "percent", "months", "ratio"}
DATA = Path(__file__).resolve().parents[2] / "content" / "data"
CHAPTER = "prrt.html"

READ_TABLE = """table => ({
    heads: Array.from(table.tHead.rows[0].cells).map(th => ({type: th.dataset.type, sort: th.getAttribute('aria-sort'),
                                                             label: th.innerText.trim()})),
    more: (table.dataset.lrMore || '').split(' ').filter(Boolean),
    rows: Array.from(table.tBodies[0].rows).filter(row => !row.classList.contains('lr-more')).map(row => ({id: row.id,
        cells: Array.from(row.cells).map(td => {
            const copy = td.cloneNode(true);
            const keys = [];
            copy.querySelectorAll('.lr-cite').forEach(cite => {
                cite.querySelectorAll('a.lr-cite-link').forEach(a => keys.push(a.getAttribute('href').slice(5)));
                cite.replaceWith('[CITE]');
            });
            copy.querySelectorAll('.lr-sr-only').forEach(e => e.remove());
            return {sort: td.getAttribute('data-sort'), empty: td.classList.contains('lr-empty'),
                    text: copy.textContent.replace(/\\s+/g, ' ').trim(), keys};
        })}))
})"""


def sort_key(value: str) -> float:
    """How a reader expects a numeric column to order: numbers as numbers; a non-numeric entry such as "nr"
    (median not reached) above every number."""
    try:
        return float(value)
    except ValueError:
        return math.inf


def check_order(values: list[str], ascending: bool, where: str) -> None:
    filled = [v for v in values if v != ""]
    assert values[:len(filled)] == filled, f"{where}: empty cells are not last: {values}"
    keys = [sort_key(v) for v in filled]
    expected = sorted(keys, reverse=not ascending)
    assert keys == expected, f"{where}: not in {'ascending' if ascending else 'descending'} numeric order: {filled}"


def numeric_columns(table: dict) -> list[int]:
    return [i for i, head in enumerate(table["heads"]) if head["type"] in NUMERIC]


def test_sort_by_a_numeric_column(site, desktop):
    desktop.goto(site.url(CHAPTER))
    tables = desktop.locator("table.lr-evidence[data-lr-sortable]")
    # The first column with several distinct numbers and at least one empty cell: the case that can go wrong.
    chosen = None
    for t in range(tables.count()):
        data = tables.nth(t).evaluate(READ_TABLE)
        for index in numeric_columns(data):
            values = [row["cells"][index]["sort"] for row in data["rows"]]
            numbers = {float(v) for v in values if re.fullmatch(r"-?\d+(\.\d+)?", v or "")}
            if len(numbers) >= 3 and "" in values:
                chosen = (t, index, data)
                break
        if chosen:
            break
    assert chosen, f"no numeric column of {CHAPTER} has three numbers and an empty cell"
    t, index, before = chosen
    table = tables.nth(t)
    button = table.locator("thead th").nth(index).locator("button.lr-sort")
    label = before["heads"][index]["label"]
    ids_before = sorted(row["id"] for row in before["rows"])

    button.click()
    after = table.evaluate(READ_TABLE)
    assert after["heads"][index]["sort"] == "ascending"
    check_order([row["cells"][index]["sort"] for row in after["rows"]], True, f"{label} ascending")
    assert sorted(row["id"] for row in after["rows"]) == ids_before, "sorting lost or duplicated rows"
    # Whole rows move: every row still carries its own cells.
    assert {row["id"]: row["cells"] for row in after["rows"]} == {row["id"]: row["cells"] for row in before["rows"]}

    button.focus()                      # the second sort by keyboard, as a reader without a mouse would
    desktop.keyboard.press("Enter")
    after = table.evaluate(READ_TABLE)
    assert after["heads"][index]["sort"] == "descending"
    check_order([row["cells"][index]["sort"] for row in after["rows"]], False, f"{label} descending")
    assert [h["sort"] for i, h in enumerate(after["heads"]) if i != index] == [None] * (len(after["heads"]) - 1)


def test_every_numeric_column_sorts_numerically(site, desktop):
    checked = 0
    for _, path in site.pages:
        if "lr-evidence" not in site.html(path):
            continue
        desktop.goto(site.url(path))
        tables = desktop.locator("table.lr-evidence[data-lr-sortable]")
        for t in range(tables.count()):
            table = tables.nth(t)
            data = table.evaluate(READ_TABLE)
            for index in numeric_columns(data):
                where = f"{path} table {t + 1} column {data['heads'][index]['label']!r}"
                for ascending in (True, False):
                    # the header button's own click (test_sort_by_a_numeric_column clicks with the mouse)
                    values = table.evaluate("""(t, i) => {
                        t.tHead.rows[0].cells[i].querySelector('button.lr-sort').click();
                        return Array.from(t.tBodies[0].rows).filter(r => !r.classList.contains('lr-more'))
                            .map(r => r.cells[i].getAttribute('data-sort'));
                    }""", index)
                    check_order(values, ascending, where)
                    checked += 1
    assert checked >= 10, f"only {checked} numeric sorts were checked: where did the evidence tables go?"


# --- CSV downloads -------------------------------------------------------------------------------------------

def yaml_data(name: str) -> dict:
    path = DATA / f"{name}.yaml"
    assert path.is_file(), f"no {path} for table data set {name!r}"
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def as_csv_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):  # several sources for one row
        return "; ".join(as_csv_text(v) for v in value)
    return str(value)


def same_value(csv_value: str, yaml_value: object) -> bool:
    expected = as_csv_text(yaml_value)
    if csv_value == expected:
        return True
    try:
        return float(csv_value) == float(expected)
    except ValueError:
        return False


KIND_TEXT = {"ci95": "95% CI", "ci90": "90% CI", "ci99": "99% CI", "range": "range", "iqr": "IQR"}


def shown_estimate(kind: str, fields: dict[str, str], column: str) -> str:
    """What the page should show for a numeric cell, from the CSV's fields: "50% (95% CI 38–62)"."""
    point = fields[column]
    if fields.get("measure"):
        point = f"{fields['measure']} {point}"
    if kind == "percent":
        point += "%"
    if not fields.get("lower"):
        return point
    label = KIND_TEXT.get(fields["interval"])
    bounds = f"{fields['lower']}\u2013{fields['upper']}"
    return f"{point} ({label} {bounds})" if label else f"{point} ({bounds}; interval not specified)"


def check_csv_against_page_and_yaml(table_id: str, text: str, page_table: dict, where: str) -> None:
    rows = list(csv.reader(io.StringIO(text)))
    assert rows, f"{where}: empty CSV"
    header, body = rows[0], rows[1:]
    assert header[0] == "id", f"{where}: the CSV's first column is {header[0]!r}, not id"

    name = re.fullmatch(r"table-(.+)-\d+", table_id)
    assert name, f"{where}: table id {table_id!r} does not name its data set"
    data = yaml_data(name.group(1))
    labels = {c["id"]: c for c in data["columns"]}
    yaml_rows = {row["id"]: row for row in data["rows"]}
    # An estimate column with intervals is followed by <id>_lower, <id>_upper, <id>_interval (<id>_measure first
    # for ratios): one number per field.
    columns = [c for c in header[1:] if c in labels]
    extra = {c: [h for h in header[1:] if h.startswith(c + "_") and h not in labels] for c in columns}
    assert sum(1 + len(v) for v in extra.values()) == len(header) - 1, f"{where}: unexpected CSV columns {header}"

    # Columns: the page's headers, in order, are the YAML labels of the CSV's columns; long text columns are folded
    # under each row instead (the CSV keeps them all).
    folded = page_table["more"]
    assert set(folded) <= set(columns), f"{where}: folded columns {folded} are not in the CSV"
    columns = [c for c in columns if c not in folded]
    assert [h["label"] for h in page_table["heads"]] == [labels[c]["label"] for c in columns], where
    assert [h["type"] for h in page_table["heads"]] == [labels[c]["type"] for c in columns], where

    # Rows: the same rows in the same order as on the page (before any sorting).
    assert [r[0] for r in body] == [r["id"].removeprefix(table_id + "-") for r in page_table["rows"]], \
        f"{where}: CSV rows differ from the page's rows"
    for row, page_row in zip(body, page_table["rows"], strict=True):
        assert len(row) == len(header), f"{where}: row {row[0]} has {len(row)} fields for {len(header)} columns"
        fields = dict(zip(header, row, strict=True))
        source = yaml_rows.get(row[0])
        assert source is not None, f"{where}: row {row[0]} is not in content/data/{name.group(1)}.yaml"
        for column, cell in zip(columns, page_row["cells"], strict=True):
            value = fields[column]
            at = f"{where}, row {row[0]}, column {column}"
            written = source.get(column)
            if isinstance(written, dict):  # an estimate: every field, number for number
                for key, field_value in written.items():
                    got = fields[column] if key == "value" else fields.get(f"{column}_{key}")
                    assert got is not None and same_value(got, field_value), f"{at}.{key}: CSV {got!r}, YAML " \
                                                                             f"{field_value!r}"
            elif not extra[column] or written is None or not isinstance(written, str) or "(" not in written:
                assert same_value(value, written), f"{at}: CSV {value!r} but YAML {written!r}"
            kind = labels[column]["type"]
            if value == "":
                assert cell["empty"], f"{at}: empty in the CSV, {cell['text']!r} on the page"
                continue
            assert not cell["empty"], f"{at}: {value!r} in the CSV, empty on the page"
            if kind == "citation":
                # a group of citations is shown in citation-number order, the CSV keeps the YAML's order
                assert sorted(cell["keys"]) == sorted(value.split("; ")), \
                    f"{at}: the page cites {cell['keys']}, the CSV {value!r}"
            elif kind in NUMERIC:
                number = re.search(r"-?\d+(?:\.\d+)?", value)
                if number:
                    assert float(cell["sort"]) == float(number.group()), f"{at}: sorts by {cell['sort']!r}"
                assert cell["text"] == shown_estimate(kind, {k.removeprefix(column + "_"): fields[k]
                                                             for k in [column, *extra[column]]}, column), \
                    f"{at}: page shows {cell['text']!r}, CSV has {value!r}"
            else:
                keys = re.findall(r"@([\w:.\-/]+)", value)
                shown = re.sub(r"\s+", " ", re.sub(r"\[[^\[\]]*@[^\[\]]*\]", "[CITE]", value)).strip()
                assert cell["text"] == shown, f"{at}: page shows {cell['text']!r}, CSV has {value!r}"
                assert sorted(cell["keys"]) == sorted(keys), f"{at}: page cites {cell['keys']}, CSV {keys}"


def test_csv_download_matches_table_and_yaml(site, desktop, tmp_path: Path):
    """The reader clicks "CSV" under a table: the file saved is the table's rows, as in content/data/."""
    desktop.goto(site.url(CHAPTER))
    box = desktop.locator(".lr-table").filter(has=desktop.locator(".lr-downloads")).first
    table_id = box.get_attribute("id")
    page_table = box.locator("table.lr-evidence").evaluate(READ_TABLE)
    link = box.locator(".lr-downloads a", has_text="CSV")
    assert link.get_attribute("href").endswith(".csv")
    with desktop.expect_download() as info:
        link.click()
    download = info.value
    assert download.url == link.evaluate("a => a.href")
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    check_csv_against_page_and_yaml(table_id, saved.read_text(encoding="utf-8"), page_table, f"{CHAPTER} {table_id}")


def test_every_csv_download_matches_its_table_and_yaml(site, desktop):
    checked = 0
    for _, path in site.pages:
        if "lr-downloads" not in site.html(path):
            continue
        desktop.goto(site.url(path))
        boxes = desktop.locator(".lr-table").filter(has=desktop.locator(".lr-downloads"))
        for b in range(boxes.count()):
            box = boxes.nth(b)
            table_id = box.get_attribute("id")
            href = box.locator(".lr-downloads a[href$='.csv']").evaluate("a => a.href")
            response = desktop.request.get(href)
            assert response.ok, f"{path} {table_id}: {href} answered {response.status}"
            page_table = box.locator("table.lr-evidence").evaluate(READ_TABLE)
            check_csv_against_page_and_yaml(table_id, response.text(), page_table, f"{path} {table_id}")
            checked += 1
    assert checked >= 5, f"only {checked} tables have a CSV download"
