"""Markdown processors for raw LaTeX: commands are dropped as pandoc's HTML writer drops them, `\\ref{x}` becomes a
cross-reference placeholder, `\\label{x}` names the figure or heading it is written in."""
from __future__ import annotations

import re
import xml.etree.ElementTree as etree
from collections.abc import Callable
from typing import Any

from markdown.inlinepatterns import InlineProcessor
from markdown.treeprocessors import Treeprocessor

from .rawtex import (
    LABEL,
    MATH_ENVIRONMENTS,
    REF_COMMANDS,
    ScanCache,
    TexScan,
    command_end,
    dollar_math_end,
    figure_label,
    ref_keys,
)
from .syntax import Citation, CiteItem, xref_kind
from .values import PLACEHOLDER_TAG

DROPPED_TAG = "lr-tex"  # where a command was; removed with the paragraph it leaves empty (`TexCleanup`)
LABEL_TAG = "lr-tex-label"  # where `\label{x}` was, until `TexLabels` gives its element the id

# What the scanner stops at: an escaped backslash or dollar (text), math, an HTML tag or a link's destination
# (never TeX), and a backslash before a letter (a command).
TEX_SCAN = r"!\[|\\\\|\\\$|\$|\\\(|\\\[|<[A-Za-z/!?][^<>\n]*>|\]\([^()\s]*\)|\\(?=[A-Za-z])"
_PATH_BEFORE = re.compile(r"[\w:~/-]")  # `C:\Users`, `docs\img`: a Windows path, not a command
_SPACE_AFTER = re.compile(r"\s")
_BEGIN = re.compile(r"\\begin\{([^{}\n]*)\}")


def _is_path(data: str, start: int, after: str) -> bool:
    """Whether the backslash at `start`, followed by letters and then `after`, is inside a Windows path rather than
    a command: `C:\\Users\\me`, `docs\\img`, `..\\img\\a.png`; but `GitHub\\index{x}`, `grow.\\footnotesize`."""
    if not start or after in ("{", "[", "*"):
        return False
    if data[start - 1] == ".":
        return after in ("\\", ".", "/")
    return bool(_PATH_BEFORE.match(data, start - 1))


class RawTex(InlineProcessor):
    """Runs after code spans and before backslash escapes, so `` `\\newpage` `` stays code and `\\*` an escape."""

    def __init__(self, pattern: str) -> None:
        super().__init__(pattern)
        self._scans = ScanCache()

    def scan(self, data: str, pos: int) -> TexScan:
        """A `TexScan` that holds for `data[pos:]` (one per paragraph, see `ScanCache`)."""
        return self._scans.get(data, pos)

    def handleMatch(self, m: re.Match[str], data: str) -> tuple[Any, Any, Any]:  # noqa: N802 (Markdown API)
        start, token = m.start(0), m.group(0)
        if token == "$":
            if data.startswith("$$", start):
                close = self.scan(data, start).find(data, "$$", start + 2)
                return None, start, close + 2 if close > start + 2 else start + 2
            math_end = dollar_math_end(data, start, self.scan(data, start))
            return None, start, math_end if math_end is not None else start + 1
        if token in ("\\(", "\\["):
            close = self.scan(data, start).find(data, "\\)" if token == "\\(" else "\\]", start + 2)
            return None, start, close + 2 if close >= 0 else m.end(0)
        if token == "![":  # an image's alt text: its `\\label{x}` is read with the image (`TexLabels`)
            bracket = self.scan(data, start).closing_bracket(data, start + 1)
            return None, start, bracket + 1 if bracket is not None else m.end(0)
        if token != "\\":
            return None, start, m.end(0)  # `\\`, `\$`, a tag or a link destination: left as it is
        name, end = command_end(data, start, self.scan(data, start))
        if name not in ("begin", "end") and _is_path(data, start, data[start + 1 + len(name):start + 2 + len(name)]):
            space = _SPACE_AFTER.search(data, start)  # `C:\Users\me`, `docs\img\a.png`: to the end of the path
            return None, start, space.start() if space else len(data)
        if name == "begin":
            env = _BEGIN.match(data, start)
            if env is not None and env.group(1) in MATH_ENVIRONMENTS:
                close = self.scan(data, start).find(data, f"\\end{{{env.group(1)}}}", env.end())
                return None, start, close + len(env.group(1)) + 6 if close >= 0 else env.end()  # math, for MathJax
        if name == "label":
            label = etree.Element(LABEL_TAG)  # read once the paragraph is an element (`TexLabels`)
            label.set("data-label", data[start:end].partition("{")[2].rpartition("}")[0].strip())
            return label, start, end
        if name in REF_COMMANDS:
            arg = data[start:end].partition("{")[2].rpartition("}")[0]
            keys = ref_keys(name, arg)
            if keys:
                suppress = REF_COMMANDS[name]
                cite = etree.Element(PLACEHOLDER_TAG)
                cite.set("data-cite", Citation(tuple(CiteItem(k, suppress_author=suppress) for k in keys)).to_json())
                if name != "eqref":
                    return cite, start, end
                span = etree.Element("span", {"class": "lr-eqref"})  # `\eqref{eq:x}` prints "(1)"
                span.text, cite.tail = "(", ")"
                span.append(cite)
                return span, start, end
        return etree.Element(DROPPED_TAG), start, end


def _drop(parent: etree.Element, doomed: Callable[[etree.Element], bool]) -> None:
    """Remove the children that are `doomed`, keeping the text after each; one pass, however many there are."""
    kept: list[etree.Element] = []
    texts: list[list[str]] = [[parent.text or ""]]  # the text before the first kept child, then after each
    for child in parent:
        if doomed(child):
            texts[-1].append(child.tail or "")
        else:
            kept.append(child)
            texts.append([child.tail or ""])
    if len(kept) == len(parent):
        return
    if len(texts[0]) > 1:
        parent.text = "".join(texts[0])
    for child, text in zip(kept, texts[1:], strict=True):
        if len(text) > 1:
            child.tail = "".join(text)
    parent[:] = kept


_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")


class TexCleanup(Treeprocessor):
    """Dropped commands leave nothing; a paragraph of nothing but commands (`\\newpage`) leaves no `<p>`."""

    def run(self, root: etree.Element) -> None:
        parents = [el for el in root.iter() if any(child.tag == DROPPED_TAG for child in el)]
        if not parents:
            return
        for parent in parents:
            _drop(parent, lambda child: child.tag == DROPPED_TAG)
            if parent.tag == "p" and parent.text:
                parent.text = parent.text.lstrip()  # `\\noindent Text`: the paragraph starts with its text
        outer = {child: parent for parent in root.iter() for child in parent}
        empty = {parent for parent in parents
                 if parent.tag == "p" and not len(parent) and not (parent.text or "").strip() and parent in outer}
        for grand in {outer[parent] for parent in empty}:
            _drop(grand, lambda child: child in empty)


class TexLabels(Treeprocessor):
    """`![Caption \\label{x}](a.png)` gives the image the figure id `fig:x` (numbered and captioned as pandoc-crossref
    figures are), `# Title \\label{x}` gives the heading the id `x`, `Table: Doses \\label{tbl:doses}` the caption
    paragraph its id; elsewhere a label is dropped, as pandoc drops it. `\\ref{x}` finds any of them."""

    def run(self, root: etree.Element) -> None:
        for el in root.iter():
            if el.tag == "img" and "\\label{" in (el.get("alt") or ""):
                alt = el.get("alt") or ""
                labels = [m.group(1).strip() for m in LABEL.finditer(alt)]
                el.set("alt", re.sub(r"\s+", " ", LABEL.sub("", alt)).strip())
                if not el.get("id"):
                    el.set("id", figure_label(labels[0]))
        parents = [el for el in root.iter() if any(child.tag == LABEL_TAG for child in el)]
        for parent in parents:
            marks = [c for c in parent if c.tag == LABEL_TAG]
            label = marks[0].get("data-label", "")
            _drop(parent, lambda child: child.tag == LABEL_TAG)
            if parent.get("id"):
                continue
            if parent.tag in _HEADINGS:
                last = parent[-1] if len(parent) else None
                if last is not None:
                    last.tail = (last.tail or "").rstrip()
                else:
                    parent.text = (parent.text or "").rstrip()
                parent.set("id", label)
            elif parent.tag == "p" and xref_kind(label):
                parent.set("id", label)
