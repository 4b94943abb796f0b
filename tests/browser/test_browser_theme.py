"""The dark theme, chosen with the header's toggle: charts stay legible (dark text on their light card), previews
too, and the choice carries over to the next page."""
from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.browser

# Relative luminance and contrast ratio (WCAG 2) of computed CSS colours.
COLOURS = """
const rgb = c => { const m = c.match(/rgba?\\(([^)]+)\\)/); if (!m) return null;
                   const p = m[1].split(/[ ,\\/]+/).filter(Boolean).map(Number);
                   return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1}; };
const lum = c => { const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
                   return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b); };
const contrast = (a, b) => { const x = lum(a), y = lum(b); return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05); };
"""

CHART = "() => {" + COLOURS + """
    const body = rgb(getComputedStyle(document.body).backgroundColor);
    return Array.from(document.querySelectorAll('figure.lr-chart')).map(figure => {
        const svg = figure.querySelector('svg');
        const bg = rgb(getComputedStyle(svg).backgroundColor);
        const texts = Array.from(svg.querySelectorAll('text')).filter(t => t.textContent.trim());
        const worst = texts.map(t => ({text: t.textContent.trim(), fill: getComputedStyle(t).fill,
                                       ratio: contrast(rgb(getComputedStyle(t).fill), bg)}))
                           .sort((a, b) => a.ratio - b.ratio)[0];
        return {id: figure.id, background: getComputedStyle(svg).backgroundColor, bgAlpha: bg.a,
                bgLuminance: lum(bg), texts: texts.length, worst, pageLuminance: lum(body),
                caption: contrast(rgb(getComputedStyle(figure.querySelector('figcaption') || figure).color), body)};
    });
}"""


def chart_page(site) -> str:
    for _, path in site.pages:
        if 'class="lr-chart"' in site.html(path):
            return path
    pytest.fail("no page of the nav has a chart (figure.lr-chart)")


@pytest.fixture(scope="module")
def dark(new_context, site):
    """A reader who switches to the dark theme with the toggle in the header."""
    page = new_context(color_scheme="light").new_page()
    page.goto(site.url(chart_page(site)))
    assert page.evaluate("() => document.body.dataset.mdColorScheme") == "default"
    page.locator("label.md-header__button[title='Switch to dark theme']").click()
    page.wait_for_function("() => document.body.dataset.mdColorScheme === 'slate'")
    return page


def test_dark_theme_charts_are_legible(site, dark, artifacts):
    path = chart_page(site)
    dark.goto(site.url(path))
    assert dark.evaluate("() => document.body.dataset.mdColorScheme") == "slate", "the dark theme was not kept"
    charts = dark.evaluate(CHART)
    assert charts, f"no chart on {path}"
    for chart in charts:
        assert chart["pageLuminance"] < 0.1, f"the page behind {chart['id']} is not dark: {chart}"
        assert chart["bgAlpha"] == 1 and chart["bgLuminance"] > 0.85, \
            f"chart {chart['id']} has no light card behind it in the dark theme: {chart['background']}"
        assert chart["texts"] > 0, f"chart {chart['id']} has no text"
        assert chart["worst"]["ratio"] >= 4.5, \
            f"chart {chart['id']}: text {chart['worst']['text']!r} ({chart['worst']['fill']}) is illegible on its card"
        assert chart["caption"] >= 4.5, f"chart {chart['id']}: caption contrast {chart['caption']:.2f}"
    figure = dark.locator("figure.lr-chart").first
    figure.scroll_into_view_if_needed()
    figure.screenshot(path=str(artifacts / "chart-dark.png"))


def test_dark_theme_every_chart_page(site, dark):
    pages = [path for _, path in site.pages if 'class="lr-chart"' in site.html(path)]
    for path in pages:
        dark.goto(site.url(path))
        for chart in dark.evaluate(CHART):
            assert chart["bgLuminance"] > 0.85 and chart["worst"]["ratio"] >= 4.5, f"{path}: {chart}"


def test_dark_theme_preview_is_legible(site, dark):
    dark.goto(site.url(chart_page(site)))
    link = dark.locator("article p .lr-cite > a.lr-cite-link").first
    link.scroll_into_view_if_needed()
    link.hover()
    tip = dark.locator("#" + link.locator("xpath=..").get_attribute("id") + "-tip")
    tip.wait_for(state="visible")
    ratio = tip.evaluate("t => {" + COLOURS + """
        const s = getComputedStyle(t);
        return contrast(rgb(s.color), rgb(s.backgroundColor)) * (rgb(s.backgroundColor).a === 1 ? 1 : 0);
    }""")
    assert ratio >= 4.5, f"the preview's text has a contrast of {ratio:.2f} in the dark theme"
    dark.mouse.move(1, 1)


def test_dark_theme_axe(site, dark, axe):
    dark.goto(site.url(chart_page(site)))
    violations = [v for v in axe(dark) if v["impact"] in ("serious", "critical")]
    assert not violations, "\n".join(f"{v['impact']} {v['id']}: {v['help']} at {[n['target'] for n in v['nodes'][:5]]}"
                                     for v in violations)


def test_back_to_light(site, dark):
    dark.goto(site.url("index.html"))
    dark.locator("label.md-header__button[title='Switch to light theme']").click()
    dark.wait_for_function("() => document.body.dataset.mdColorScheme === 'default'")
    dark.goto(site.url(chart_page(site)))
    assert dark.evaluate("() => document.body.dataset.mdColorScheme") == "default"
    assert re.match(r"rgb\(255, 255, 255", dark.evaluate("() => getComputedStyle(document.body).backgroundColor"))
