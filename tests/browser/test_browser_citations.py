"""Citations as a reader meets them: a preview on hover and on keyboard focus, a jump to the reference list and
back to the very citation."""
from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.browser

CHAPTER = "prrt.html"

# Where is `el` on screen, and is it what a reader sees there (not under the sticky header, not clipped by a
# scroll box)? Probes the middle of its first line, and with `all`, its four corners and centre too.
ON_SCREEN = """(el, all) => {
    const r = el.getBoundingClientRect();
    const probes = [[r.left + Math.min(r.width / 2, 20), r.top + Math.min(r.height / 2, 8)]];
    if (all) probes.push([r.left + 3, r.top + 3], [r.right - 3, r.top + 3], [r.left + 3, r.bottom - 3],
                         [r.right - 3, r.bottom - 3], [r.left + r.width / 2, r.top + r.height / 2]);
    const misses = probes.map(([x, y]) => {
        const hit = document.elementFromPoint(Math.min(Math.max(x, 0), innerWidth - 1),
                                              Math.min(Math.max(y, 0), innerHeight - 1));
        return hit && (hit === el || el.contains(hit)) ? null : [Math.round(x), Math.round(y),
               hit ? hit.tagName + '.' + hit.className : 'nothing'];
    }).filter(m => m);
    return {left: r.left, right: r.right, top: r.top, bottom: r.bottom, width: r.width, height: r.height,
            vw: document.documentElement.clientWidth, vh: innerHeight, hit: misses.length === 0, misses};
}"""


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def assert_fully_on_screen(box: dict, what: str) -> None:
    assert box["width"] > 0 and box["height"] > 0, f"{what} has no size: {box}"
    assert box["left"] >= 0 and box["right"] <= box["vw"] + 0.5, f"{what} is cut by the side of the window: {box}"
    assert box["top"] >= 0 and box["bottom"] <= box["vh"] + 0.5, f"{what} is cut by the top/bottom: {box}"
    assert box["hit"], f"{what} is covered or clipped at {box['misses']}: {box}"


def assert_on_screen(box: dict, what: str) -> None:
    assert box["height"] > 0 and box["bottom"] > 0 and box["top"] < box["vh"], f"{what} is not in view: {box}"
    assert box["hit"], f"{what} is covered at {box['misses']} (sticky header?): {box}"


def check_preview(page, cite_id: str) -> str:
    """The citation's preview is shown, readable, inside the window, and holds its reference's text."""
    link = page.locator(f"#{cite_id} > a.lr-cite-link")
    tip = page.locator(f"#{cite_id}-tip")
    # Screen readers get the entries' text from the reference list; the visual preview is built from it.
    described = (link.get_attribute("aria-describedby") or "").split()
    assert described, f"#{cite_id} has no aria-describedby"
    for ref_id in described:
        assert page.locator(f"span.lr-ref-text#{ref_id}").count() == 1, f"{ref_id} is not a reference-list entry"
    tip.wait_for(state="attached", timeout=3000)
    assert tip.get_attribute("role") == "tooltip"
    tip.wait_for(state="visible", timeout=3000)
    assert_fully_on_screen(tip.evaluate(ON_SCREEN, True), f"preview #{cite_id}-tip")
    text = squash(tip.inner_text())
    assert text, f"preview #{cite_id}-tip is empty"
    style = tip.evaluate("e => { const s = getComputedStyle(e); return [s.color, s.backgroundColor, s.opacity]; }")
    assert style[0] != style[1] and float(style[2]) > 0.9, f"preview text is not legible: {style}"
    key = link.get_attribute("href").removeprefix("#ref-")
    reference = squash(page.locator(f"li#ref-{key} .lr-ref-text").first.inner_text())
    assert reference and reference in text, f"preview {text!r} lacks the reference {reference!r}"
    number = squash(link.inner_text())
    assert text.startswith(f"{number}."), f"preview {text!r} does not start with the citation number {number}"
    return text


def first_running_text_citation(page) -> str:
    return page.evaluate("""() => {
        const cite = Array.from(document.querySelectorAll('article .lr-cite'))
            .find(c => c.closest('p') && !c.closest('table, .admonition'));
        return cite.id;
    }""")


def test_hover_shows_the_reference(site, desktop, artifacts):
    desktop.goto(site.url(CHAPTER))
    cite_id = first_running_text_citation(desktop)
    link = desktop.locator(f"#{cite_id} > a.lr-cite-link")
    assert desktop.locator(f"#{cite_id}-tip").is_hidden(), "preview shown before any hover or focus"
    link.scroll_into_view_if_needed()
    link.hover()
    text = check_preview(desktop, cite_id)
    assert len(text) > 40
    desktop.screenshot(path=str(artifacts / "tooltip-hover.png"))
    desktop.mouse.move(2, desktop.viewport_size["height"] - 2)
    desktop.locator(f"#{cite_id}-tip").wait_for(state="hidden", timeout=3000)


def test_hover_on_a_citation_in_a_table_is_not_cut_by_the_table(site, desktop):
    desktop.goto(site.url(CHAPTER))
    cite_id = desktop.evaluate("""() => {
        const rows = document.querySelectorAll('table.lr-evidence tbody tr:not(.lr-more)');
        return rows[rows.length - 1].querySelector('.lr-cite').id;
    }""")
    link = desktop.locator(f"#{cite_id} > a.lr-cite-link")
    link.scroll_into_view_if_needed()
    link.hover()
    check_preview(desktop, cite_id)
    desktop.mouse.move(2, desktop.viewport_size["height"] - 2)


def test_keyboard_focus_shows_the_reference(site, desktop, artifacts):
    desktop.goto(site.url(CHAPTER))
    desktop.mouse.move(2, desktop.viewport_size["height"] - 2)
    target = desktop.evaluate("() => document.querySelector('article .lr-cite').id")
    desktop.locator("body").evaluate("b => { b.focus(); window.scrollTo(0, 0); }")
    for presses in range(1, 500):
        desktop.keyboard.press("Tab")
        if desktop.evaluate("id => document.activeElement === document.querySelector('#' + id + ' > a')", target):
            break
    else:
        pytest.fail(f"Tab never reached the first citation #{target} of {CHAPTER}")
    assert desktop.evaluate("() => document.activeElement.matches(':focus-visible')")
    check_preview(desktop, target)
    desktop.screenshot(path=str(artifacts / "tooltip-focus.png"))
    desktop.keyboard.press("Shift+Tab")
    desktop.locator(f"#{target}-tip").wait_for(state="hidden", timeout=3000)


def test_citation_jumps_to_reference_and_back_to_the_same_citation(site, desktop):
    desktop.goto(site.url(CHAPTER))
    # A reference cited several times on the page, followed from a later citation, so that "back" has a choice.
    cite_id, key = desktop.evaluate("""() => {
        for (const li of document.querySelectorAll('ol.lr-references > li')) {
            const back = li.querySelectorAll('a.lr-backref');
            if (back.length >= 3) return [back[1].getAttribute('href').slice(1), li.id.slice(4)];
        }
        return [null, null];
    }""")
    assert cite_id, f"no reference of {CHAPTER} is cited three times"
    citation = desktop.locator(f"#{cite_id}")
    assert citation.locator("a.lr-cite-link").get_attribute("href") == f"#ref-{key}"

    citation.locator("a.lr-cite-link").click()
    desktop.wait_for_url(re.compile(f"#ref-{re.escape(key)}$"))
    entry = desktop.locator(f"li#ref-{key}")
    desktop.wait_for_function("id => document.querySelector(':target') === document.getElementById(id)",
                              arg=f"ref-{key}")
    assert_on_screen(entry.evaluate(ON_SCREEN, False), f"reference entry #ref-{key}")

    entry.locator(f"a.lr-backref[href='#{cite_id}']").click()
    desktop.wait_for_url(re.compile(f"#{re.escape(cite_id)}$"))
    desktop.wait_for_function("id => document.querySelector(':target') === document.getElementById(id)",
                              arg=cite_id)
    assert_on_screen(citation.locator("a.lr-cite-link").evaluate(ON_SCREEN, False), f"citation #{cite_id}")
    assert desktop.evaluate("() => window.scrollY") > 0


def test_keyboard_enter_on_a_citation_follows_it(site, desktop):
    desktop.goto(site.url(CHAPTER))
    link = desktop.locator("article .lr-cite > a.lr-cite-link").nth(2)
    key = link.get_attribute("href").removeprefix("#ref-")
    link.focus()
    desktop.keyboard.press("Enter")
    desktop.wait_for_url(re.compile(f"#ref-{re.escape(key)}$"))
    assert_on_screen(desktop.locator(f"li#ref-{key}").evaluate(ON_SCREEN, False), f"reference entry #ref-{key}")
