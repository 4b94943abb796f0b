"""Quoted data values drop a citation their sentence already gives: "a review [@x] of {{x.r.n}} patients"."""
from __future__ import annotations

import re
import xml.etree.ElementTree as etree
from collections.abc import Iterator

from .syntax import Citation

PLACEHOLDER_TAG = "lr-cite"
FORCE_ATTR = "data-lr-cite"  # auto | cite | nocite, set by the value processor and removed here
FORCE_FLAGS = ("cite", "nocite")

# Elements whose text forms its own run of sentences; lists, tables and the like hold such elements.
_BLOCKS = frozenset({"p", "li", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6", "dd", "dt", "caption",
                     "figcaption", "summary"})
_CONTAINERS = frozenset({"ul", "ol", "dl", "table", "thead", "tbody", "tfoot", "tr", "pre", "blockquote", "div",
                         "details", "figure", "hr"})
_OBJECT = "\ue000"  # stands for a citation or a value inside the flattened text of a block
# A sentence ends at . ! or ? (after closing quotes or brackets) followed by space and a capital, a digit,
# an opening bracket or a citation/value. "e.g. the" and "3.5" do not end one; a wrong split only ever keeps
# a citation that could have gone, never drops one that is needed.
_SENTENCE_END = re.compile(r"[.!?][\"'\u201d\u2019)\]]*\s+(?=[A-Z0-9(\[\"\u201c" + _OBJECT + "])")


def _is_value(el: etree.Element) -> bool:
    return el.tag == "span" and el.get(FORCE_ATTR) is not None


def _flatten(block: etree.Element) -> Iterator[str | etree.Element]:
    """The block's own inline content in order: text, citation placeholders and value spans."""
    if block.text:
        yield block.text
    for child in block:
        if child.tag in _BLOCKS or child.tag in _CONTAINERS:
            pass  # a nested block is read on its own
        elif child.tag == PLACEHOLDER_TAG or _is_value(child):
            yield child
        else:
            yield from _flatten(child)
        if child.tail:
            yield child.tail


def _sentences(block: etree.Element) -> list[list[etree.Element]]:
    """Citation placeholders and value spans of a block, grouped by sentence."""
    text: list[str] = []
    objects: list[tuple[int, etree.Element]] = []
    for part in _flatten(block):
        if isinstance(part, str):
            text.append(part.replace(_OBJECT, " "))
        else:
            objects.append((sum(map(len, text)), part))
            text.append(_OBJECT)
    ends = [m.start() for m in _SENTENCE_END.finditer("".join(text))]
    groups: dict[int, list[etree.Element]] = {}
    for offset, el in objects:
        groups.setdefault(sum(1 for end in ends if end < offset), []).append(el)
    return [groups[k] for k in sorted(groups)]


def _keys(el: etree.Element) -> set[str]:
    return set(Citation.from_json(el.get("data-cite", '["normal",[]]')).keys)


def _drop_citation(value: etree.Element) -> None:
    for cite in [c for c in value if c.tag == PLACEHOLDER_TAG]:
        value.remove(cite)
    value.text = (value.text or "").rstrip("\u00a0")


def settle_value_citations(root: etree.Element) -> None:
    """Keep a value's citation only where its sentence does not already cite the same source.

    `cite` and `nocite` (`{{set.row.col | nocite}}`) force either way. Of several values from one source in
    an uncited sentence, the first keeps the citation.
    """
    blocks = [el for el in root.iter() if el.tag in _BLOCKS]
    for block in [root, *blocks]:
        for sentence in _sentences(block):
            values = [el for el in sentence if _is_value(el)]
            if not values:
                continue
            cited: set[str] = set()
            for el in sentence:
                if el.tag == PLACEHOLDER_TAG:
                    cited |= _keys(el)
            for value in values:
                force = value.attrib.pop(FORCE_ATTR)
                own = set().union(*(_keys(c) for c in value if c.tag == PLACEHOLDER_TAG))
                if not own:
                    continue
                if force == "nocite" or (force != "cite" and own <= cited):
                    _drop_citation(value)
                cited |= own
    for el in root.iter("span"):  # values outside any block (none in practice): attribute never reaches HTML
        el.attrib.pop(FORCE_ATTR, None)
