"""The only way the PDF renderer reads anything: files inside the built site (and litreview's own assets).

A chapter is untrusted input. WeasyPrint would otherwise read any local file (`<a rel="attachment"
href="file:///etc/passwd">` embeds it in the PDF) and fetch any URL from the build machine. Every refusal is
kept with the URL, and `locate` names the page and line that asked for it.
"""
from __future__ import annotations

import html
import mimetypes
import os
import re
import stat
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit
from urllib.request import url2pathname

_ATTR = re.compile(r'\b(?:src|href|data|poster|xlink:href|srcset)\s*=\s*"([^"]*)"', re.I)
_CSS_URL = re.compile(r"""url\(\s*['"]?([^'")\s]+)|@import\s+['"]([^'"]+)""", re.I)
REFUSED = "refused by litreview"


def allowed_file(url: str, roots: Sequence[Path]) -> Path | None:
    """The regular file a `file:` URL names, if its real path lies inside one of `roots`."""
    parts = urlsplit(url)
    if parts.scheme.lower() != "file" or parts.netloc not in ("", "localhost"):
        return None
    try:
        real = Path(url2pathname(parts.path)).resolve(strict=True)
        mode = os.stat(real).st_mode
    except (OSError, RuntimeError, ValueError):
        return None
    if not stat.S_ISREG(mode):
        return None
    return real if any(real.is_relative_to(root) for root in roots) else None


def missing_inside(url: str, roots: Sequence[Path]) -> bool:
    """A `file:` URL inside one of `roots` that names nothing: an ordinary missing image, not a refusal."""
    parts = urlsplit(url)
    if parts.scheme.lower() != "file":
        return False
    path = Path(url2pathname(parts.path))
    if path.exists() or path.is_symlink():
        return False
    try:
        parent = path.parent.resolve()
    except (OSError, RuntimeError):
        return False
    return any(parent.is_relative_to(root) for root in roots)


def make_fetcher(roots: Sequence[Path], allow_network: bool = False) -> Any:
    """A WeasyPrint URL fetcher confined to `roots` (imported lazily: WeasyPrint is heavy)."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    real_roots = [Path(r).resolve() for r in roots]

    class SiteFetcher(URLFetcher):  # type: ignore[misc]
        refused: list[str]

        def fetch(self, url: str, headers: Any = None) -> Any:
            scheme = url.split(":", 1)[0].lower() if ":" in url else ""
            if scheme == "data":
                return super().fetch(url, headers)
            if scheme == "file":
                path = allowed_file(url, real_roots)
                if path is None and missing_inside(url, real_roots):
                    raise FileNotFoundError(f"no such file in the site: {url.rsplit('/', 1)[-1]}")
                if path is not None:
                    kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                    return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": kind})
            elif scheme in ("http", "https") and allow_network:
                return super().fetch(url, headers)
            self.refused.append(url)
            raise ValueError(f"{REFUSED}: the PDF reads only files of the built site")

    fetcher = SiteFetcher(allowed_protocols=("file", "data", "http", "https") if allow_network else ("file", "data"))
    fetcher.refused = []
    return fetcher


def resource_urls(page_html: str) -> list[str]:
    """Every URL a page's HTML points at that a renderer may load (attributes and CSS `url()`/`@import`)."""
    found = [html.unescape(m.group(1)).strip() for m in _ATTR.finditer(page_html)]
    for value in [m.group(1) for m in _ATTR.finditer(page_html) if "srcset" in m.group(0).lower()]:
        found += [part.strip().split(" ")[0] for part in html.unescape(value).split(",") if part.strip()]
    for m in _CSS_URL.finditer(html.unescape(page_html)):
        found.append((m.group(1) or m.group(2) or "").strip())
    return [u for u in found if u]


def locate(url: str, pages: Sequence[tuple[str, str, str, str]], site_uri: str) -> tuple[str, int | None]:
    """(file, line) that asked for `url`: pages are (file, page url, html, markdown source)."""
    for path, page_url, page_html, source in pages:
        for raw in resource_urls(page_html):
            absolute = raw if re.match(r"^[a-z][a-z0-9+.-]*:", raw, re.I) else urljoin(site_uri + page_url, raw)
            if absolute == url or absolute.split("#")[0].split("?")[0] == url.split("#")[0].split("?")[0]:
                index = source.find(raw)
                return path, (source.count("\n", 0, index) + 1 if index >= 0 else None)
    return "", None
