"""A 375-px-wide phone: no page scrolls sideways; wide evidence tables and charts stay inside the screen, tables
scrolling inside their own box; a citation's preview opened there stays on screen."""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

WIDTH = 375
CHAPTER = "prrt.html"

LAYOUT = """vw => {
    const outside = el => el.getBoundingClientRect().right > vw + 1 || el.getBoundingClientRect().left < -1;
    return {
        innerWidth, scrollWidth: document.scrollingElement.scrollWidth,
        boxes: Array.from(document.querySelectorAll('.lr-table-scroll')).map(box => {
            const before = box.scrollLeft;
            box.scrollLeft = 40;
            const moved = box.scrollLeft;
            box.scrollLeft = before;
            return {id: box.closest('.lr-table').id, outside: outside(box), client: box.clientWidth,
                    scroll: box.scrollWidth, overflowX: getComputedStyle(box).overflowX, moved};
        }),
        charts: Array.from(document.querySelectorAll('figure.lr-chart svg')).filter(outside)
                     .map(svg => svg.closest('figure').id),
        wide: Array.from(document.querySelectorAll('article *')).filter(el => {
            const r = el.getBoundingClientRect();
            const escaped = ['absolute', 'fixed'].includes(getComputedStyle(el).position);  // not clipped by a box
            return r.width > 0 && outside(el) && (escaped || !el.closest('.lr-table-scroll, .md-typeset__scrollwrap, pre'));
        }).slice(0, 5).map(el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
                                 (el.className ? '.' + String(el.className).split(' ')[0] : '') +
                                 ' right=' + Math.round(el.getBoundingClientRect().right)),
        pageScrolledBy: window.scrollX,
    };
}"""


@pytest.fixture(scope="module")
def phone(new_context):
    context = new_context(viewport={"width": WIDTH, "height": 812}, is_mobile=True, has_touch=True,
                          device_scale_factor=2, color_scheme="light")
    return context.new_page()


def test_no_sideways_scroll_at_375px(site, phone, nav_page):
    phone.goto(site.url(nav_page))
    layout = phone.evaluate(LAYOUT, WIDTH)
    # A phone widens its layout viewport to content that does not fit, so innerWidth grows too.
    width = max(layout["scrollWidth"], layout["innerWidth"])
    assert width <= WIDTH + 1, (f"{nav_page} scrolls sideways at {WIDTH} px: the page is {width} px wide; "
                                f"elements past the edge: {layout['wide']}")
    assert not layout["charts"], f"{nav_page}: charts wider than the screen: {layout['charts']}"
    for box in layout["boxes"]:
        assert not box["outside"], f"{nav_page} {box['id']}: the table's box is wider than the screen"
        if box["scroll"] > box["client"] + 1:
            assert box["overflowX"] in ("auto", "scroll") and box["moved"] > 0, \
                f"{nav_page} {box['id']}: the table is wider than its box but the box does not scroll: {box}"
    assert layout["pageScrolledBy"] == 0


def test_table_scrolls_inside_its_box(site, phone, artifacts):
    phone.goto(site.url(CHAPTER))
    box = phone.locator(".lr-table-scroll").first
    box.evaluate("b => { b.closest('.lr-table').scrollIntoView({block: 'start'}); window.scrollBy(0, -64); }")
    sizes = box.evaluate("b => [b.clientWidth, b.scrollWidth]")
    assert sizes[1] > sizes[0], f"the first table of {CHAPTER} fits a phone: no scrolling to test ({sizes})"
    phone.screenshot(path=str(artifacts / "table-375px.png"))
    # A reader swipes the table sideways: the table moves, the page does not.
    box.hover()
    phone.mouse.wheel(300, 0)
    phone.wait_for_function("b => b.scrollLeft > 0", arg=box.element_handle())
    assert phone.evaluate("() => [window.scrollX, document.scrollingElement.scrollWidth <= innerWidth + 1]") == [0, True]
    box.screenshot(path=str(artifacts / "table-375px-scrolled.png"))


def test_citation_preview_stays_on_a_phone_screen(site, phone):
    phone.goto(site.url(CHAPTER))
    # The citation furthest to the right in running text: its preview is the likeliest to run off the screen.
    cite_id = phone.evaluate("""() => {
        const cites = Array.from(document.querySelectorAll('article p .lr-cite, article li .lr-cite'))
            .filter(c => !c.closest('table'));
        cites.sort((a, b) => b.querySelector('a').getBoundingClientRect().right -
                             a.querySelector('a').getBoundingClientRect().right);
        return cites[0].id;
    }""")
    link = phone.locator(f"#{cite_id} > a.lr-cite-link")
    link.scroll_into_view_if_needed()
    link.focus()
    tip = phone.locator(f"#{cite_id}-tip")
    tip.wait_for(state="visible")
    box = tip.evaluate("t => { const r = t.getBoundingClientRect(); return [r.left, r.right, r.top, r.bottom]; }")
    assert box[0] >= 0 and box[1] <= WIDTH, f"preview #{cite_id}-tip runs off a {WIDTH}-px screen: {box}"
    assert tip.inner_text().strip()
    assert phone.evaluate("() => document.scrollingElement.scrollWidth") <= WIDTH + 1, \
        "an open citation preview makes the page scroll sideways"
