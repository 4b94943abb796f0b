"""Active content in a chapter is refused: script-bearing links and attributes, scripts, frames and embeds.

Chapters come from pull requests. What Markdown (or raw HTML in it) turns into a script on the published
site, a request for another document, or a file the PDF renderer would embed is taken out of the page, with
a warning naming file and line and a visible marker, so a strict build fails and nothing runs in readers'
browsers. Runs on a page's own HTML, before litreview adds its tables and charts.
"""
from __future__ import annotations

import html
import re
from pathlib import Path

from .errors import Problem, SourceLocation

# Elements that run code, load other documents, or change how the page's URLs resolve.
_PAIRED = ("script", "iframe", "object", "applet", "frameset", "noembed", "template")
_SINGLE = ("embed", "frame", "base", "meta", "link", "portal")
_PAIRED_RE = re.compile(r"<(" + "|".join(_PAIRED) + r")\b[^>]*>.*?(?:</\1\s*>|\Z)", re.I | re.S)
_SINGLE_RE = re.compile(r"<(" + "|".join(_SINGLE) + r")\b[^>]*/?>", re.I)
_URL_ATTRS = {"href", "src", "action", "formaction", "xlink:href", "data", "poster", "background", "cite",
              "ping", "srcset", "lowsrc", "dynsrc"}
# A tag with an attribute that `tag` below may take out (an event handler, srcdoc, a URL): only these are looked
# at closely, the same tags `<[A-Za-z][^<>]*>` finds, less those whose attributes all pass unseen.
_TAG = re.compile(r"<[A-Za-z][^<>]*?[\s/](?:on[-\w:.]*|srcdoc|[-\w:.]*:href|" + "|".join(sorted(_URL_ATTRS)) +
                  r")\s*=[^<>]*>", re.I)
_COMMENT = re.compile(r"(<!--.*?-->)", re.S)
# A browser also takes "/" between attributes as a separator: <svg/onload=...> has an onload attribute.
_ATTR = re.compile(r"""[\s/]([A-Za-z_:][-\w:.]*)\s*=\s*("[^"]*"|'[^']*'|[^\s"'>]+)""")
_CONTROL = re.compile(r"[\x00-\x20\x7f]+")


def _scheme(value: str) -> str:
    """The URL scheme as a browser reads it: entities decoded, blanks and control characters ignored."""
    text = _CONTROL.sub("", html.unescape(value)).lower()
    m = re.match(r"([a-z][a-z0-9+.-]*):", text)
    return m.group(1) if m else ""


def _refused_value(name: str, value: str) -> str | None:
    scheme = _scheme(value)
    if scheme in ("javascript", "vbscript", "livescript"):
        return f"a {scheme}: URL"
    if scheme == "data":
        kind = _CONTROL.sub("", html.unescape(value)).lower()
        if name in ("src", "srcset", "poster", "lowsrc") and kind.startswith("data:image/") \
                and not kind.startswith("data:image/svg"):
            return None  # an inline picture
        return "a data: URL"
    return None


def _find(source: str, needles: tuple[str, ...], after: dict[str, int]) -> int | None:
    """Line of the next occurrence of the first needle found (each needle's search goes on where it stopped)."""
    lowered = source.lower()
    for needle in needles:
        if not needle:
            continue
        index = lowered.find(needle.lower(), after.get(needle.lower(), 0))
        if index >= 0:
            after[needle.lower()] = index + 1
            return source.count("\n", 0, index) + 1
    return None


def refuse_active_content(page_html: str, source: str, path: str) -> tuple[str, list[Problem]]:
    """(page HTML without active content, one problem per refusal in page order)."""
    problems: list[Problem] = []
    after: dict[str, int] = {}

    def report(needles: tuple[str, ...], message: str) -> None:
        problems.append(Problem(SourceLocation(path, _find(source, needles, after)), message))

    def element(m: re.Match[str]) -> str:
        name = m.group(1).lower()
        report((m.group(0)[:len(name) + 1],), f"<{name}> is not allowed in a chapter (it would run or load "
                                            "something on readers' machines); it was removed")
        return f'<span class="lr-missing">[removed: &lt;{name}&gt; is not allowed in a chapter]</span>'

    def tag(m: re.Match[str]) -> str:
        text = m.group(0)

        def attribute(a: re.Match[str]) -> str:
            name, raw = a.group(1).lower(), a.group(2)
            value = raw[1:-1] if raw[:1] in "\"'" else raw
            if name.startswith("on"):
                report((a.group(1) + "=",), f"the event handler attribute {name}= runs a script; it was removed")
                return ""
            if name == "srcdoc":
                report(("srcdoc",), "srcdoc= embeds another document; it was removed")
                return ""
            if name in _URL_ATTRS or name.endswith(":href"):
                why = _refused_value(name, value)
                if why:
                    report((html.unescape(value)[:40], value[:40], name + "="),
                           f"{name}= holds {why}, which is not published as a link; use an https: or relative link")
                    return ""
            return a.group(0)

        return _ATTR.sub(attribute, text)

    parts = _COMMENT.split(page_html)  # comments (placement directives) stay as written: they are never shown
    for i in range(0, len(parts), 2):
        parts[i] = _TAG.sub(tag, _SINGLE_RE.sub(element, _PAIRED_RE.sub(element, parts[i])))
    cleaned = "".join(parts)
    problems.sort(key=lambda p: (p.location.line is None, p.location.line or 0))
    return cleaned, problems


_SVG_ACTIVE = re.compile(r"<script\b|<foreignObject\b|\son[a-z]+\s*=|javascript:|<iframe\b|<embed\b|<object\b", re.I)


def svg_refusal(path: Path) -> str | None:
    """Why an SVG image of the site may not be published: one that can run a script when opened on its own."""
    try:
        text = path.read_bytes()[:5_000_000].decode("utf-8", "replace")
    except OSError as exc:
        return f"cannot be read ({exc.strerror})"
    m = _SVG_ACTIVE.search(text)
    if m is None:
        return None
    line = text.count("\n", 0, m.start()) + 1
    return (f"line {line}: the SVG contains {m.group(0).strip()!r}, which can run a script when the image is opened; "
            "it is not published: remove the script or export the image again")
