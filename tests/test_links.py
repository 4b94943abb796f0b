"""Every internal link of the built review leads to a file that exists and, with a #fragment, to an id in it."""
from __future__ import annotations

import html
import re
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import yaml

ROOT = Path(__file__).resolve().parent.parent


class _Page(HTMLParser):
    """Ids and outgoing links of one HTML file (including `xlink:href` inside inline SVG)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.links: list[tuple[str, str, str]] = []  # (tag, class, target)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if values.get("id"):
            self.ids.add(values["id"])
        if tag == "a" and values.get("name"):
            self.ids.add(values["name"])
        for name in ("href", "src", "xlink:href"):
            if name in values and (name != "href" or tag in ("a", "link", "area", "use")):
                self.links.append((tag, values.get("class", ""), values[name]))

    handle_startendtag = handle_starttag


class _Lenient(yaml.SafeLoader):
    """mkdocs.yml may hold `!ENV` and `!!python/name` tags; only plain values matter here."""


_Lenient.add_multi_constructor("", lambda loader, suffix, node: None)


def pdf_settings() -> tuple[bool, str]:
    config: dict[str, Any] = yaml.load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), Loader=_Lenient)
    for plugin in config.get("plugins", []):
        if isinstance(plugin, dict) and "litreview" in plugin:
            pdf = (plugin["litreview"] or {}).get("pdf") or {}
            return bool(pdf.get("enabled", True)), str(pdf.get("filename", "review.pdf"))
    return False, "review.pdf"


def parse_site(site: Path) -> dict[Path, _Page]:
    pages = {}
    for path in sorted(site.rglob("*.html")):
        page = _Page()
        page.feed(path.read_text(encoding="utf-8"))
        pages[path.resolve()] = page
    return pages


def test_every_internal_link_resolves(review_site: Path) -> None:
    site = review_site.resolve()
    pages = parse_site(site)
    pdf_enabled, pdf_name = pdf_settings()
    broken: list[str] = []
    kinds: Counter[str] = Counter()
    for source, page in pages.items():
        where = source.relative_to(site).as_posix()
        for tag, css, href in page.links:
            parts = urlsplit(href)
            if parts.scheme or parts.netloc or href.startswith(("mailto:", "tel:")):
                continue  # external: not checked here
            path = unquote(parts.path)
            if path.startswith("/"):
                target = (site / path.lstrip("/")).resolve()  # the 404 page links from the site root
            else:
                target = (source.parent / path).resolve() if path else source
            if path and (path.endswith("/") or target.is_dir()):
                target = target / "index.html"
            if target.name == pdf_name and not pdf_enabled:
                continue  # the PDF link is only a promise when PDF output is on
            for marker in ("lr-cite-link", "lr-backref", "download"):
                if marker in css:
                    kinds[marker] += 1
            if target.name == pdf_name:
                kinds["pdf"] += 1
            if "downloads/" in path:
                kinds["table download"] += 1
            if "lr-cited-in" in css or (tag == "a" and path.endswith(".html") and "#" not in href):
                kinds["page"] += 1
            if not target.is_relative_to(site):
                broken.append(f"{where}: {href} leaves the site")
            elif not target.is_file():
                broken.append(f"{where}: {href} -> missing file {target.relative_to(site).as_posix()}")
            elif parts.fragment and target.suffix == ".html" and unquote(parts.fragment) not in pages[target].ids:
                broken.append(f"{where}: {href} -> no id '{unquote(parts.fragment)}' in "
                              f"{target.relative_to(site).as_posix()}")
    assert broken == []
    # The walk really met every kind of link the plugin writes.
    assert kinds["lr-cite-link"] > 50 and kinds["lr-backref"] > 50, kinds
    assert kinds["table download"] > 0 and kinds["page"] > 0, kinds
    if pdf_enabled:
        assert (site / pdf_name).is_file()
        assert kinds["pdf"] > 0, kinds


def test_cited_in_links_lead_to_pages_citing_the_entry(review_site: Path) -> None:
    """Each "Cited in" link of the bibliography opens a chapter whose citations link to that entry."""
    site = review_site.resolve()
    checked = 0
    for path in sorted(site.rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        for m in re.finditer(r'<li id="ref-([^"]+)"[^>]*>(.*?)</li>', text, re.DOTALL):
            key, body = html.unescape(m.group(1)), m.group(2)
            cited_in = re.search(r'<span class="lr-cited-in">(.*?)</span>', body, re.DOTALL)
            if not cited_in:
                continue
            for href in re.findall(r'href="([^"#]+)"', cited_in.group(1)):
                chapter = (path.parent / html.unescape(href)).resolve().read_text(encoding="utf-8")
                assert f'href="#ref-{m.group(1)}"' in chapter, (path.name, key, href)
                checked += 1
    assert checked > 50
