"""Runs last (see conftest.py): after every other browser test, and after opening every page of the nav over HTTP
and from disk, no request has left the machine and no page has thrown a JavaScript error."""
from __future__ import annotations

from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.browser

LOCAL_SCHEMES = {"file", "data", "blob", "about"}


def is_local(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme in LOCAL_SCHEMES:
        return True
    return parts.scheme in ("http", "https") and parts.hostname == "127.0.0.1"


@pytest.fixture(scope="module")
def every_page_visited(site, new_context, traffic):
    page = new_context(color_scheme="dark").new_page()
    for _, path in site.pages:
        for url in (site.url(path), site.file_url(path)):
            page.goto(url, wait_until="load")
    page.goto(site.url("index.html"), wait_until="networkidle")
    return traffic


def test_every_request_stays_on_this_machine(every_page_visited):
    requests = every_page_visited.requests
    assert len(requests) > 50, "the request log is nearly empty: are requests recorded?"
    external: dict[str, list[str]] = {}
    for url, origin in requests:
        if not is_local(url):
            external.setdefault(url, []).append(origin or "a worker")
    assert not external, (
        "requests to other hosts (aborted by the tests; a reader's browser would send them):\n" + "\n".join(
            f"  {url}: {len(origins)} times, first from {origins[0]}" for url, origins in external.items()))


def test_no_javascript_errors(every_page_visited):
    errors = every_page_visited.page_errors
    assert not errors, "uncaught JavaScript errors:\n" + "\n".join(f"  {page}: {error}" for page, error in errors)
