"""Browser fixtures: the real review (built strictly by the `review_site` fixture) served on 127.0.0.1, and one
Debian Chromium driven by Playwright for the whole session.

No browser is ever downloaded: Playwright launches /usr/bin/chromium (scripts/setup-system.sh chromium), and
axe-core comes from tests/browser/vendor/ (scripts/vendor-axe.sh). Every request of every page is recorded;
requests that would leave the machine are aborted, and test_browser_network.py (run last) asserts there were none.
"""
from __future__ import annotations

import functools
import http.server
import os
import re
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"
AXE_JS = Path(__file__).resolve().parent / "vendor" / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
DESKTOP = {"width": 1280, "height": 900}
# Anything that is not the local server, a file or an in-page URL is aborted before it leaves the machine
# (evaluated by Playwright's driver, so allowed requests do not round-trip through Python).
EXTERNAL = re.compile(r"^(?!(?:https?://127\.0\.0\.1(?::\d+)?/|file:|data:|blob:|about:))")


# --- nav order, from mkdocs.yml ---------------------------------------------------------------------------------

class _ConfigLoader(yaml.SafeLoader):
    """mkdocs.yml may carry tags (!ENV, !!python/name:...); their values do not matter for the nav."""


_ConfigLoader.add_multi_constructor("!", lambda loader, suffix, node: None)
_ConfigLoader.add_multi_constructor("tag:yaml.org,2002:python/", lambda loader, suffix, node: None)


def _nav_sources(items: Any) -> Iterator[tuple[str, str]]:
    for item in items or []:
        if isinstance(item, str):
            yield item, item
        elif isinstance(item, dict):
            for title, value in item.items():
                if isinstance(value, str):
                    if not re.match(r"^[a-z]+://", value):
                        yield str(title), value
                else:
                    yield from _nav_sources(value)


def nav_pages() -> list[tuple[str, str]]:
    """(title, built page path) for every page of mkdocs.yml's nav, in reading order (use_directory_urls: false)."""
    config = yaml.load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), Loader=_ConfigLoader)
    return [(title, re.sub(r"\.md$", ".html", src)) for title, src in _nav_sources(config.get("nav"))]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "nav_page" in metafunc.fixturenames:
        pages = [path for _, path in nav_pages()]
        metafunc.parametrize("nav_page", pages, ids=[p.removesuffix(".html") for p in pages])


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """test_browser_network.py checks every request the browser made during the session: it runs after the other tests."""
    last = [item for item in items if item.path.name == "test_browser_network.py"]
    if last:
        items[:] = [item for item in items if item.path.name != "test_browser_network.py"] + last


# --- the site, served -----------------------------------------------------------------------------------------

class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A page left while loading closes its connections: not worth a traceback."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


@dataclass
class Site:
    """The built review and the address it is served at."""

    root: Path
    base: str                                   # http://127.0.0.1:PORT/
    pages: list[tuple[str, str]] = field(default_factory=nav_pages)

    def url(self, path: str = "index.html") -> str:
        return self.base + path.lstrip("/")

    def file_url(self, path: str = "index.html") -> str:
        return (self.root / path).resolve().as_uri()

    def html(self, path: str) -> str:
        return (self.root / path).read_text(encoding="utf-8")

    def page_of(self, url: str) -> str:
        """The site-relative path of a URL of this site (http or file), without query or fragment."""
        parts = urlsplit(url)
        path = unquote(parts.path)
        if parts.scheme == "file":
            root = self.root.resolve().as_posix()
            assert path.startswith(root + "/"), f"{url} is not inside the built site {root}"
            return path[len(root) + 1:]
        assert url.startswith(self.base), f"{url} is not on the test server {self.base}"
        return path.lstrip("/")


@pytest.fixture(scope="session")
def built_site(request: pytest.FixtureRequest) -> Path:
    """The strict build of the review (`review_site`), or, to iterate quickly on these tests, a site already built
    with `mkdocs build --strict` named by LITREVIEW_BROWSER_SITE."""
    prebuilt = os.environ.get("LITREVIEW_BROWSER_SITE")
    if prebuilt:
        path = Path(prebuilt).resolve()
        if not (path / "index.html").is_file():
            pytest.fail(f"LITREVIEW_BROWSER_SITE={prebuilt}: no index.html there")
        return path
    return request.getfixturevalue("review_site")


@pytest.fixture(scope="session")
def site(built_site: Path) -> Iterator[Site]:
    handler = functools.partial(_QuietHandler, directory=str(built_site))
    server = _Server(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, name="review-http", daemon=True)
    thread.start()
    try:
        yield Site(built_site, f"http://127.0.0.1:{server.server_address[1]}/")
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


# --- one browser for the session ------------------------------------------------------------------------------

@dataclass
class Traffic:
    requests: list[tuple[str, str]] = field(default_factory=list)     # (url, page it came from)
    page_errors: list[tuple[str, str]] = field(default_factory=list)  # (page url, uncaught JS error)


@pytest.fixture(scope="session")
def traffic() -> Traffic:
    return Traffic()


@pytest.fixture(scope="session")
def browser(traffic: Traffic) -> Iterator[Any]:
    try:
        from playwright import sync_api
    except ImportError:
        pytest.fail("playwright is missing: pip install -e '.[test]' (make test does)")
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run `bash scripts/setup-system.sh chromium` (make test does)")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="session")
def new_context(browser: Any, traffic: Traffic) -> Iterator[Callable[..., Any]]:
    """Makes a browser context whose requests are recorded and kept on this machine; closed at the end."""
    contexts: list[Any] = []

    def make(**options: Any) -> Any:
        options.setdefault("viewport", DESKTOP)
        options.setdefault("reduced_motion", "reduce")
        context = browser.new_context(**options)
        context.set_default_timeout(15_000)
        context.on("request", lambda request: traffic.requests.append((request.url, _frame_url(request))))
        context.on("page", lambda page: page.on(
            "pageerror", lambda error: traffic.page_errors.append((page.url, str(error)))))
        context.route(EXTERNAL, lambda route: route.abort("blockedbyclient"))
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


def _frame_url(request: Any) -> str:
    from playwright.sync_api import Error

    try:
        return request.frame.url
    except Error:  # a worker's request has no frame
        return ""


@pytest.fixture(scope="session")
def desktop(new_context: Callable[..., Any]) -> Any:
    """One light-theme desktop page reused by the tests (each test navigates where it needs)."""
    context = new_context(color_scheme="light")
    return context.new_page()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


# --- helpers shared by the tests, as fixtures -----------------------------------------------------------------

def search(page: Any, query: str, timeout: float = 20.0) -> tuple[str, list[str]]:
    """Types `query` into Material's search box like a reader; returns the result count line and every result link
    (all results rendered: the list is scrolled until it holds as many documents as the count announces)."""
    box = page.locator("input.md-search__input")
    if not box.is_visible():  # narrow screens: the search box opens from the header's magnifier
        page.locator("label.md-header__button[for='__search']").click()
    box.click()
    meta = page.locator(".md-search-result__meta")
    page.wait_for_function("() => !/Initializing/i.test(document.querySelector('.md-search-result__meta').textContent)",
                           timeout=timeout * 1000)
    box.fill("")
    box.press_sequentially(query, delay=10)
    deadline = time.monotonic() + timeout
    previous: tuple[str, list[str]] | None = None
    stable = 0
    while time.monotonic() < deadline:
        page.evaluate("() => { const l = document.querySelector('.md-search__scrollwrap');"
                      " if (l) l.scrollTop = l.scrollHeight; }")
        state = page.evaluate("""() => [
            document.querySelector('.md-search-result__meta').textContent.trim(),
            Array.from(document.querySelectorAll('.md-search-result__item > .md-search-result__link'))
                 .map(a => a.href)]""")
        current = (state[0], state[1])
        announced = re.search(r"(\d+) matching document", current[0])
        settled = re.search(r"matching document", current[0]) and (
            not announced or len(current[1]) >= int(announced.group(1)))
        if current == previous and settled:
            stable += 1
            if stable >= 2:
                return current
        else:
            stable = 0
        previous = current
        page.wait_for_timeout(150)
    raise AssertionError(f"search for {query!r} did not settle; last state: {previous}; meta: {meta.text_content()}")


def run_axe(page: Any) -> list[dict[str, Any]]:
    """axe-core (vendored) on the current page; returns its violations."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE_JS))
    return page.evaluate("""async () => {
        const result = await axe.run(document, {resultTypes: ['violations']});
        return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
            nodes: v.nodes.map(n => ({target: n.target.join(' '), html: n.html.slice(0, 200),
                                      summary: (n.failureSummary || '').slice(0, 400)}))}));
    }""")


@pytest.fixture(scope="session")
def site_search() -> Callable[..., tuple[str, list[str]]]:
    return search


@pytest.fixture(scope="session")
def axe() -> Callable[[Any], list[dict[str, Any]]]:
    if not AXE_JS.exists():
        pytest.fail(f"{AXE_JS} is missing: run `bash scripts/vendor-axe.sh` (make test does)")
    return run_axe
