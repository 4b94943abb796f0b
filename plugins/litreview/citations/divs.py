"""pandoc's fenced divs (`::: {.callout-note}` ... `:::`), as Quarto and pandoc books write them.

A div becomes a `<div>` with its id and classes and its content read as Markdown; Quarto's callouts become
admonitions (`class="admonition note"`, the markup MkDocs themes style), titled by their `title` attribute or
their first heading; a figure div (`::: {#fig-x}`) becomes a `<figure>` whose last paragraph is its numbered
caption. Other attributes become `data-` attributes (never an event handler or a style). A div that is never
closed is left as text, as before.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as etree
from dataclasses import dataclass, field

from markdown.blockprocessors import BlockProcessor

from .captions import CAPTION_TAG
from .syntax import xref_kind

# An opening fence: three or more colons and attributes (`{#id .class key=value}`) or one class word; pandoc
# allows colons after them. A closing fence: colons alone.
_OPEN = re.compile(r"^ {0,3}:{3,}[ \t]*(?:\{(?P<attrs>[^{}\n]*)\}|(?P<word>[A-Za-z][\w-]*))[ \t]*:*[ \t]*$")
_CLOSE = re.compile(r"^ {0,3}:{3,}[ \t]*$")
_REFS = re.compile(r"(?:^|\s)#refs(?:\s|$)")  # pandoc's `::: {#refs}`: the reference list's place, read elsewhere
_ATTR = re.compile(r'#(?P<id>[\w:.-]+)|\.(?P<cls>[\w-]+)|(?P<key>[A-Za-z][\w-]*)=(?:"(?P<quoted>[^"]*)"|'
                   r"'(?P<single>[^']*)'|(?P<bare>[^\s\"']+))|(?P<other>\S+)")
_SAFE_KEY = re.compile(r"^[A-Za-z][\w-]*$")

# Quarto's callout kinds -> the admonition kind MkDocs themes (Material, readthedocs via CSS) know.
CALLOUTS = {"note": ("note", "Note"), "tip": ("tip", "Tip"), "warning": ("warning", "Warning"),
            "caution": ("warning", "Caution"), "important": ("danger", "Important")}


@dataclass
class DivAttributes:
    id: str = ""
    classes: list[str] = field(default_factory=list)
    data: dict[str, str] = field(default_factory=dict)  # key=value pairs, published as data-key


def opening_fence(line: str) -> DivAttributes | None:
    """The attributes of a line that opens a div, or None (a closing fence, `{#refs}`, anything else)."""
    m = _OPEN.match(line)
    if m is None:
        return None
    if m.group("word") is not None:
        return DivAttributes(classes=[m.group("word")])
    text = m.group("attrs")
    if _REFS.search(text):
        return None
    attrs = DivAttributes()
    for part in _ATTR.finditer(text):
        if part.group("id"):
            attrs.id = part.group("id")
        elif part.group("cls"):
            attrs.classes.append(part.group("cls"))
        elif part.group("key"):
            value = next(v for v in (part.group("quoted"), part.group("single"), part.group("bare")) if v is not None)
            attrs.data[part.group("key")] = value
        else:
            return None  # not pandoc's attribute syntax: text, as before
    return attrs


def is_closing_fence(line: str) -> bool:
    return bool(_CLOSE.match(line))


def split_div(lines: list[str]) -> tuple[list[str], list[str]] | None:
    """`lines` start just after an opening fence: (the div's lines, the lines after its closing fence), or None
    when it is never closed. Nested divs are counted, as pandoc counts them."""
    depth = 1
    for index, line in enumerate(lines):
        if is_closing_fence(line):
            depth -= 1
            if depth == 0:
                return lines[:index], lines[index + 1:]
        elif _OPEN.match(line):  # `{#refs}` too: its own closing fence follows
            depth += 1
    return None


def callout_kind(classes: list[str]) -> str | None:
    """"note" for Quarto's `.callout-note` (or a bare `.callout`), else None."""
    for name in classes:
        if name.startswith("callout-") and name[8:] in CALLOUTS:
            return name[8:]
    return "note" if "callout" in classes else None


class FencedDivs(BlockProcessor):
    """The block processor: runs before headings and lists are read, so a div's content stays inside it."""

    def test(self, parent: etree.Element, block: str) -> bool:
        return ":::" in block and any(opening_fence(line) for line in block.split("\n"))

    def run(self, parent: etree.Element, blocks: list[str]) -> bool:
        lines = blocks[0].split("\n")
        start = next(i for i, line in enumerate(lines) if opening_fence(line))
        attrs = opening_fence(lines[start])
        assert attrs is not None  # test() found it
        # The rest of the document, one blank line between blocks, as the parser split it.
        rest = lines[start + 1:]
        for block in blocks[1:]:
            rest += ["", *block.split("\n")]
        found = split_div(rest)
        if found is None:
            return False  # never closed: left as text
        inner, after = found
        blocks.clear()
        before = "\n".join(lines[:start])
        if before.strip():
            self.parser.parseChunk(parent, before)
        self._div(parent, attrs, "\n".join(inner))
        if any(line.strip() for line in after):
            blocks.extend(part for part in "\n".join(after).strip("\n").split("\n\n"))
        return True

    def _div(self, parent: etree.Element, attrs: DivAttributes, text: str) -> None:
        kind = callout_kind(attrs.classes)
        figure = xref_kind(attrs.id) == "Figure" and kind is None
        element = etree.SubElement(parent, "figure" if figure else "div")
        if attrs.id:
            element.set("id", attrs.id)
        classes = ([f"admonition {CALLOUTS[kind][0]}"] if kind else []) + attrs.classes
        if classes:
            element.set("class", " ".join(classes))
        for key, value in attrs.data.items():
            if _SAFE_KEY.match(key) and not (kind and key in ("title", "collapse", "icon", "appearance")):
                name = key.lower()
                element.set(name if name.startswith("data-") else f"data-{name}", value)
        title = None
        if kind:
            title = etree.SubElement(element, "p", {"class": "admonition-title"})
            title.text = attrs.data.get("title") or ""
        self.parser.parseChunk(element, text)
        if title is not None and not title.text:
            heading = next((el for el in element if el.tag in ("h1", "h2", "h3", "h4", "h5", "h6")), None)
            if heading is not None and list(element).index(heading) == 1:  # Quarto: a first heading is the title
                title.text, title[:] = heading.text, list(heading)
                element.remove(heading)
            else:
                title.text = CALLOUTS[kind or "note"][1]
        if figure:
            last = element[-1] if len(element) else None
            if last is not None and last.tag == "p" and last.find("img") is None:
                caption = etree.Element("figcaption")
                label = etree.SubElement(caption, CAPTION_TAG, {"data-target": attrs.id})
                label.tail = last.text
                caption.extend(list(last))
                element.remove(last)
                element.append(caption)
