"""The site opened straight from disk (file://), as the README promises: pages, navigation, tables, previews and
search all work without a server."""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def from_disk(new_context):
    return new_context(color_scheme="light").new_page()


def test_pages_open_from_disk(site, from_disk, artifacts):
    from_disk.goto(site.file_url("index.html"))
    assert from_disk.url.startswith("file://")
    title = from_disk.locator("article h1").first
    assert title.is_visible() and title.inner_text().strip()
    # The theme's stylesheet and script are there: a sticky header, and Material's search box.
    assert from_disk.evaluate("() => getComputedStyle(document.querySelector('.md-header')).position") == "sticky"
    assert from_disk.locator("input.md-search__input").is_visible()
    from_disk.screenshot(path=str(artifacts / "index.png"))

    # A reader moves to a chapter through a tab, then to the next page of that section through the sidebar.
    tab = from_disk.locator(".md-tabs__item:not(.md-tabs__item--active) .md-tabs__link").nth(2)
    target = tab.evaluate("a => a.href")
    assert target.startswith("file://")
    tab.click()
    from_disk.wait_for_url(target)
    assert from_disk.locator("article h1").first.inner_text().strip()
    sidebar = from_disk.locator(".md-sidebar--primary a.md-nav__link[href$='.html']:not(.md-nav__link--active)")
    following = [sidebar.nth(i) for i in range(sidebar.count()) if sidebar.nth(i).is_visible()]
    assert following, f"no other page in the sidebar of {target}"
    target = following[-1].evaluate("a => a.href")
    following[-1].click()
    from_disk.wait_for_url(target)
    assert from_disk.locator("article h1").first.inner_text().strip()
    chapter = site.page_of(target)
    if "lr-evidence" not in site.html(chapter):
        chapter = next(path for _, path in site.pages if "lr-evidence" in site.html(path))
        from_disk.goto(site.file_url(chapter))
    from_disk.screenshot(path=str(artifacts / "chapter.png"))

    # Its script runs from disk: tables sort, previews open.
    button = from_disk.locator("table.lr-evidence th[data-type='integer'] button.lr-sort").first
    button.click()
    assert button.evaluate("b => b.closest('th').getAttribute('aria-sort')") == "ascending"
    link = from_disk.locator("article p .lr-cite > a.lr-cite-link").first
    link.scroll_into_view_if_needed()
    link.hover()
    from_disk.locator("#" + link.get_attribute("aria-describedby")).wait_for(state="visible")
    from_disk.mouse.move(1, 1)


def test_search_works_from_disk(site, from_disk, desktop, site_search):
    from_disk.goto(site.file_url("index.html"))
    meta, links = site_search(from_disk, "Strosberg")
    assert links, f"search from disk found nothing ({meta})"
    assert all(link.startswith("file://") for link in links), links[:5]
    pages = {site.page_of(link) for link in links}
    assert "prrt.html" in pages and "references.html" in pages, pages

    # The same results as over HTTP.
    desktop.goto(site.url("index.html"))
    _, served = site_search(desktop, "Strosberg")
    assert pages == {site.page_of(link) for link in served}

    from_disk.locator(".md-search-result__item > .md-search-result__link").first.click()
    from_disk.wait_for_load_state()
    assert from_disk.url.startswith("file://") and "?h=strosberg" in from_disk.url.lower()
    assert from_disk.locator("article h1").first.inner_text().strip()
