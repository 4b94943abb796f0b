"""The Atom feed (RFC 4287) of the review's versions: the same entries as the What's new page."""
from __future__ import annotations

import re
import uuid
import xml.etree.ElementTree as ET

from .history import History, diff_html

ATOM = "http://www.w3.org/2005/Atom"
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _id(value: str) -> str:
    """A stable IRI: the URL when the site has one, else a name-based UUID URN."""
    return value if value.startswith(("http://", "https://")) else f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, value)}"


def atom_feed(history: History, title: str, author: str, site_url: str, page_url: str, feed_url: str) -> bytes:
    """The feed as UTF-8 XML; `page_url`/`feed_url` are absolute when `site_url` is set, else relative."""
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")

    def sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
        element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", {k: _NOT_XML.sub("", v) for k, v in attrs.items()})
        if text is not None:
            element.text = _NOT_XML.sub("", text)  # a commit subject may hold characters XML 1.0 forbids
        return element

    sub(feed, "id", _id(feed_url if site_url else f"litreview:{title}"))
    sub(feed, "title", title)
    updated = max((v.commit.timestamp for v in history.versions), default="1970-01-01T00:00:00Z")
    sub(feed, "updated", updated)
    sub(sub(feed, "author"), "name", author or title)
    sub(feed, "link", href=feed_url, rel="self", type="application/atom+xml")
    sub(feed, "link", href=page_url, rel="alternate", type="text/html")
    sub(feed, "generator", "litreview")
    for version in history.versions:
        entry = sub(feed, "entry")
        sub(entry, "id", _id(f"{page_url}#{version.anchor}" if site_url else f"litreview:{title}:{version.commit.sha}"))
        sub(entry, "title", f"{version.name}: {version.summary}")
        sub(entry, "updated", version.commit.timestamp)
        sub(entry, "link", href=f"{page_url}#{version.anchor}", rel="alternate", type="text/html")
        sub(entry, "summary", version.diff.summary() or "No change in the evidence" if version.diff else "The first "
            "version")
        sub(entry, "content", diff_html(version.diff) if version.diff else "<p>The first version.</p>", type="html")
    ET.indent(feed)
    body: bytes = ET.tostring(feed, encoding="utf-8", xml_declaration=False)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + body + b"\n"
