"""Material's search, typed into the header's search box: a chapter heading, an author, a DOI."""
from __future__ import annotations

import html
import re

import pytest

pytestmark = pytest.mark.browser

AUTHOR = "Strosberg"
DOI = "10.1056/NEJMoa1607427"
CHAPTER = "transarterial.html"


def text_of(fragment: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", "", fragment))).strip()


def reference_entries(page_html: str) -> list[tuple[str, str]]:
    """(key, text) of each entry in the page's reference list(s)."""
    return [(key, text_of(body)) for key, body in
            re.findall(r'<li id="ref-([^"]+)"[^>]*>\s*<span class="lr-ref-text"[^>]*>(.*?)</span>', page_html, re.DOTALL)]


def result_pages(site, links: list[str]) -> list[str]:
    pages: list[str] = []
    for link in links:
        page = site.page_of(link)
        if page not in pages:
            pages.append(page)
    return pages


def test_search_finds_a_chapter_heading_and_opens_it(site, desktop, site_search):
    assert CHAPTER in [path for _, path in site.pages], f"{CHAPTER} is no longer in the nav"
    headings = {path: re.findall(r'<h2 id="([^"]+)">(.*?)<a class="headerlink"', site.html(path), re.DOTALL)
                for _, path in site.pages}
    elsewhere = {text_of(t).lower() for path, found in headings.items() if path != CHAPTER for _, t in found}
    candidates = [(hid, text_of(t)) for hid, t in headings[CHAPTER]
                  if text_of(t).lower() not in elsewhere and len(text_of(t).split()) >= 3]
    assert candidates, f"no distinctive h2 heading in {CHAPTER} to search for"
    anchor, phrase = candidates[0]

    desktop.goto(site.url("index.html"))
    meta, links = site_search(desktop, phrase)
    assert links, f"no result for the heading {phrase!r} ({meta})"
    assert result_pages(site, links)[0] == CHAPTER, f"first result for {phrase!r} is not {CHAPTER}: {links[:5]}"
    section = [link for link in links if site.page_of(link) == CHAPTER and link.endswith("#" + anchor)]
    assert section, f"no result links to the section {CHAPTER}#{anchor}: {links[:8]}"

    desktop.locator(f".md-search-result__link[href='{section[0]}']").first.click()
    desktop.wait_for_url(re.compile(re.escape(CHAPTER) + r".*#" + re.escape(anchor) + "$"))
    heading = desktop.locator(f"h2#{anchor}")
    heading.wait_for(state="visible")
    assert heading.evaluate("e => { const r = e.getBoundingClientRect(); return r.top >= 0 && r.top < innerHeight; }")


def test_search_finds_an_author(site, desktop, site_search):
    expected = [path for _, path in site.pages
                if any(text.startswith(AUTHOR) for _, text in reference_entries(site.html(path)))]
    assert expected, f"no reference list has a first author {AUTHOR}: pick another author for this test"
    desktop.goto(site.url("index.html"))
    meta, links = site_search(desktop, AUTHOR)
    found = result_pages(site, links)
    missing = [path for path in expected if path not in found]
    assert not missing, f"search for {AUTHOR!r} ({meta}) misses pages citing {AUTHOR}: {missing}; found {found}"
    assert "references.html" in found
    wrong = [path for path in found if AUTHOR.lower() not in site.html(path).lower()]
    assert not wrong, f"search for {AUTHOR!r} returns pages that do not mention {AUTHOR}: {wrong}"


def test_search_finds_a_doi(site, desktop, site_search):
    expected = [path for _, path in site.pages
                if any(DOI.lower() in text.lower() for _, text in reference_entries(site.html(path)))]
    assert expected, f"no reference list shows the DOI {DOI}: pick another DOI for this test"
    desktop.goto(site.url("index.html"))
    meta, links = site_search(desktop, DOI)
    found = result_pages(site, links)
    missing = [path for path in expected if path not in found]
    assert not missing, f"search for the DOI {DOI} ({meta}) misses pages citing it: {missing}; found {found}"
    wrong = [path for path in found if DOI.lower() not in site.html(path).lower()]
    assert not wrong, f"search for the DOI {DOI} returns pages that do not show it: {wrong}"

    # The reader follows the result to the bibliography, where the DOI is on the page.
    desktop.locator(".md-search-result__item > .md-search-result__link").filter(
        has=desktop.locator("h1", has_text="References")).first.click()
    desktop.wait_for_url(re.compile(r"references\.html"))
    assert desktop.locator(f".lr-bibliography a[href='https://doi.org/{DOI}']").count() == 1
