"""Visible markers of inline problems (a value that cannot be shown, a broken table): the message travels with the
marker in the HTML and becomes a warning once the page is converted, so the extension keeps no state."""
from __future__ import annotations

import html
import re
import xml.etree.ElementTree as etree


def error_marker(token: str, message: str) -> etree.Element:
    """The visible marker of an inline value that cannot be shown; the message travels with it in the HTML and is
    read back by `value_errors` once the page is converted (no state kept on the extension)."""
    span = etree.Element("span")
    span.set("class", "lr-missing")
    span.set("data-lr-error", message)
    span.set("data-lr-token", token)
    span.text = f"[{token}?]"
    return span


_ERROR_SPAN = re.compile(r'<span class="lr-missing" data-lr-error="([^"]*)" data-lr-token="([^"]*)">')


def take_value_errors(page_html: str) -> tuple[str, list[tuple[str, str]]]:
    """A converted page without the messages its inline value markers carry, and those (token, message) pairs
    in page order: the markers stay visible, the messages become warnings."""
    if "data-lr-error" not in page_html:
        return page_html, []
    errors = [(html.unescape(m.group(2)), html.unescape(m.group(1))) for m in _ERROR_SPAN.finditer(page_html)]
    return _ERROR_SPAN.sub('<span class="lr-missing">', page_html), errors
