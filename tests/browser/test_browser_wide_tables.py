"""Wide evidence tables at 1280, 768 and 375 px: no sideways page scroll, no row much taller than its short cells
need (long text is folded under the row), the study column stays in view while the table scrolls, and the filter,
column and fold controls work from the keyboard and pass axe."""
from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.browser

WIDTHS = (1280, 768, 375)
# A row holds only short cells: numbers (an estimate and its interval: two lines) and short text at a 10em minimum
# width. The longest short text in this review (a 78-character design) needs 5 lines there, about 110 px; 150 px
# leaves room for two more lines and is still a third of the ~400 px rows that long free text made before.
ROW_BOUND = 150
CHAPTER = "radioembolization.html"
TABLE = "#table-radioembolization-2"

MEASURE = """bound => {
    const out = {scrollWidth: document.scrollingElement.scrollWidth, innerWidth, tall: [], unstuck: [], rows: 0};
    document.querySelectorAll('table.lr-evidence[data-lr-sortable]').forEach(table => {
        table.querySelectorAll('tbody > tr:not(.lr-more)').forEach(row => {
            out.rows += 1;
            const h = row.getBoundingClientRect().height;
            if (h > bound) out.tall.push(row.id + ' ' + Math.round(h) + 'px');
        });
        const box = table.closest('.lr-table-scroll');
        if (box.scrollWidth > box.clientWidth + 1) {
            box.scrollLeft = box.scrollWidth;
            const first = table.tBodies[0].rows[0].cells[0].getBoundingClientRect().left;
            const edge = box.getBoundingClientRect().left;
            if (Math.abs(first - edge) > 2) out.unstuck.push(table.closest('.lr-table').id);
            box.scrollLeft = 0;
        }
    });
    return out;
}"""


def table_pages(site) -> list[str]:
    from conftest import nav_pages

    return [path for _, path in nav_pages() if "lr-evidence" in site.html(path)]


@pytest.mark.parametrize("width", WIDTHS)
def test_tables_fit_rows_are_short_and_the_study_column_stays(site, new_context, artifacts, width):
    page = new_context(viewport={"width": width, "height": 900}, color_scheme="light").new_page()
    checked = 0
    for path in table_pages(site):
        page.goto(site.url(path))
        found = page.evaluate(MEASURE, ROW_BOUND)
        assert found["scrollWidth"] <= found["innerWidth"] + 1, f"{path} at {width}px scrolls sideways"
        assert found["tall"] == [], f"{path} at {width}px: rows taller than {ROW_BOUND}px: {found['tall']}"
        assert found["unstuck"] == [], f"{path} at {width}px: the study column scrolled away in {found['unstuck']}"
        checked += found["rows"]
    assert checked > 100, f"only {checked} rows measured"
    page.goto(site.url(CHAPTER))
    page.locator(TABLE).scroll_into_view_if_needed()
    page.locator(TABLE).screenshot(path=str(artifacts / f"table-{width}px.png"))
    page.context.close()


def visible_rows(page) -> list[str]:
    return page.evaluate(f"""() => Array.from(document.querySelectorAll('{TABLE} tbody > tr:not(.lr-more)'))
        .filter(r => !r.hidden && r.getBoundingClientRect().height > 0).map(r => r.id)""")


def test_filter_columns_and_folds_by_keyboard(site, desktop):
    desktop.goto(site.url(CHAPTER))
    box = desktop.locator(TABLE)
    rows = visible_rows(desktop)
    assert len(rows) == 10
    count = box.locator(".lr-table-count")
    assert count.text_content() == "10 of 10 rows shown" and count.get_attribute("role") == "status"

    # Tab into the table's box: the filter is the first stop, before the caption and the table.
    desktop.evaluate(f"() => {{ const b = document.querySelector('{TABLE}'); b.tabIndex = -1; b.focus(); }}")
    desktop.keyboard.press("Tab")
    assert desktop.evaluate("() => document.activeElement.id") == "table-radioembolization-2-filter"
    desktop.keyboard.type("glass")
    expected = desktop.evaluate(f"""() => Array.from(document.querySelectorAll('{TABLE} tbody > tr:not(.lr-more)'))
        .filter(r => (r.textContent + (r.nextElementSibling && r.nextElementSibling.classList.contains('lr-more')
                      ? r.nextElementSibling.textContent : '')).toLowerCase().includes('glass')).map(r => r.id)""")
    assert 0 < len(expected) < 10 and visible_rows(desktop) == expected
    assert count.text_content() == f"{len(expected)} of 10 rows shown"
    for _ in "glass":
        desktop.keyboard.press("Backspace")
    assert len(visible_rows(desktop)) == 10

    # The Microspheres menu: Tab to it, choose with the arrow keys.
    desktop.keyboard.press("Tab")
    select = desktop.evaluate("() => document.activeElement.tagName + ' ' + document.activeElement.labels[0].textContent")
    assert select.startswith("SELECT Microspheres")
    desktop.keyboard.press("ArrowDown")
    chosen = desktop.evaluate("() => document.activeElement.value")
    shown = visible_rows(desktop)
    cells = desktop.evaluate(f"""ids => ids.map(id => document.getElementById(id).cells[2].textContent.trim())""", shown)
    assert chosen and shown and set(cells) == {chosen}

    desktop.keyboard.press("Home")  # back to "all"
    assert len(visible_rows(desktop)) == 10 or desktop.evaluate("() => document.activeElement.value") != ""

    # Columns: open with Enter, untick "Design" with Space, close with Escape (focus returns to the summary).
    summary = box.locator(".lr-table-tools summary")
    summary.focus()
    desktop.keyboard.press("Enter")
    assert box.locator(".lr-table-tools details").evaluate("d => d.open")
    desktop.keyboard.press("Tab")
    assert desktop.evaluate("() => document.activeElement.labels[0].textContent.trim()") == "Design"
    desktop.keyboard.press("Space")
    assert box.locator("thead th[data-col='design']").is_hidden()
    assert box.locator("tbody tr:not(.lr-more)").first.locator("td").nth(1).is_hidden()
    assert box.locator("tr.lr-more > td").first.get_attribute("colspan") == "8"
    desktop.keyboard.press("Escape")
    assert not box.locator(".lr-table-tools details").evaluate("d => d.open")
    assert desktop.evaluate("() => document.activeElement.textContent") == "Columns"
    desktop.keyboard.press("Enter")
    desktop.keyboard.press("Tab")
    desktop.keyboard.press("Space")  # Design back
    assert box.locator("thead th[data-col='design']").is_visible()
    desktop.keyboard.press("Escape")

    # A folded row opens with Enter on its summary, which names the row for screen readers.
    fold = box.locator("tr.lr-more summary").first
    assert re.fullmatch(r"Other outcomes \(.+ 2014\)", fold.text_content() or "")
    fold.focus()
    desktop.keyboard.press("Enter")
    assert box.locator("tr.lr-more dd").first.is_visible()

    # Sorting keeps each folded row under its own row.
    box.locator("thead th[data-col='n'] button").click()
    pairs = desktop.evaluate(f"""() => Array.from(document.querySelectorAll('{TABLE} tr.lr-more'))
        .map(m => [m.previousElementSibling.id + '-more', m.id])""")
    assert pairs and all(a == b for a, b in pairs)


@pytest.mark.parametrize("width", (768, 375))
def test_axe_with_the_table_controls_open(site, new_context, axe, width):
    from test_browser_a11y import BLOCKING, describe

    page = new_context(viewport={"width": width, "height": 900}, color_scheme="light").new_page()
    page.goto(site.url(CHAPTER))
    page.locator(f"{TABLE} .lr-table-tools summary").click()
    page.locator(f"{TABLE} tr.lr-more summary").first.click()
    page.locator("details.lr-chart-data summary").first.click()
    violations = [v for v in axe(page) if v["impact"] in BLOCKING]
    assert not violations, describe(violations)
    page.context.close()
