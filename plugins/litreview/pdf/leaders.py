"""The contents' dot leaders drawn onto their typeset lines (pikepdf); WeasyPrint sets the page numbers only.

WeasyPrint draws a dot leader (`leader('. . ')`) as a text box per repetition: at 300 entries, about half of the
contents' typesetting, and the contents are typeset on the last stretch of a build (and again in an edit build
whenever a page number moves). So the contents are typeset with each page number floated to the right edge of its
title's last line (`FLOAT_CSS`, where the leader put it), and the dots are drawn afterwards (`draw`) where
WeasyPrint draws them: repetitions of ". " laid from the right edge of the line towards the title, each whole one
between the title and the number, every full stop a filled rectangle of the print stylesheet's font (DejaVu Sans,
whose full stop is one), in the number's colour, marked as an artifact.

Whatever `draw` cannot be sure of (a number in another font, a line it cannot read) raises `NotDrawn`, and the
contents are typeset with WeasyPrint's leaders.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from .backlinks import _BASE, _Fonts, _Run, _runs
from .backlinks import _number as _n
from .join import _draw_over, _get

TOC_ID = "toc"  # the contents' `<nav>` (assemble.front_document): its pages follow the cover
FLOAT_CSS = ".toc a::after { content: attr(data-page); float: right; }\n"
# DejaVu Sans and Bold in font units of 2048: the advances of the full stop and the space, and the full stop's box.
_FONTS = {"DejaVu-Sans": (651, 651, (219, 0, 430, 254)), "DejaVu-Sans-Bold": (778, 713, (209, 0, 569, 387))}
_NUMBER = re.compile(r"[0-9]+")


class NotDrawn(Exception):
    """The contents are typeset with WeasyPrint's leaders instead (the reason is for tests and debugging)."""


def first_page(pages: Sequence[Any]) -> int | None:
    """The index of the contents' first page among WeasyPrint's laid-out pages."""
    return next((n for n, page in enumerate(pages) if TOC_ID in page.anchors), None)


def draw(doc: Any, start: int) -> None:
    """Draw the leaders of the contents, on the pages of `doc` (pikepdf, open) from `start` on: each line whose
    rightmost text is a page number in DejaVu Sans after other text gets dots between them."""
    import pikepdf

    fonts = _Fonts()
    lines = 0
    for index in range(start, len(doc.pages)):
        page = doc.pages[index]
        box = [float(v) for v in page.mediabox]
        base = (_BASE, 0.0, 0.0, -_BASE, box[0], box[3])
        raw = pikepdf.parse_content_stream(page)
        instructions = [(list(i.operands), str(i.operator)) for i in raw]
        font_dict = _get(_get(page.obj, "/Resources"), "/Font")
        runs = _runs(raw, instructions, font_dict, base, fonts, [(-1e6, -1e6, 1e6, 1e6)])
        colours = _colours(instructions)
        by_line: dict[float, list[_Run]] = {}
        for run in runs:
            by_line.setdefault(round(run.y, 2), []).append(run)
        dots: dict[bytes, list[bytes]] = {}
        for same in by_line.values():
            same.sort(key=lambda r: r.glyphs[0].left)
            number = same[-1]
            if len(same) < 2 or not _NUMBER.fullmatch("".join(g.text for g in number.glyphs)):
                continue
            name = str(_get(_get(font_dict, str(number.glyphs[0].font)), "/BaseFont") or "").lstrip("/")
            metrics = _FONTS.get(name.split("+", 1)[-1])
            if metrics is None or any(g.font != number.glyphs[0].font for g in number.glyphs):
                raise NotDrawn(f"a page number in {name or 'an unknown font'}, not DejaVu Sans")
            colour = colours.get(number.begin)
            if colour is None:
                raise NotDrawn("a page number's colour is not plain RGB or grey")
            title_end = max(r.glyphs[-1].right for r in same[:-1])
            dots.setdefault(colour, []).extend(_dots(title_end, number.glyphs[0].left, number.glyphs[-1].right,
                                                     number.y, float(number.glyphs[0].size), metrics))
            lines += 1
        if not dots:
            continue
        art = [b"/Artifact BMC\nq\n%s 0 0 %s %s %s cm\n" % (_n(base[0]), _n(base[3]), _n(base[4]), _n(base[5]))]
        for colour, rectangles in sorted(dots.items()):
            art.append(colour + b"\n" + b"".join(rectangles) + b"f\n")
        art.append(b"Q\nEMC\n")
        _draw_over(doc, page.obj, b"".join(art))
    if not lines:
        raise NotDrawn("no line of the contents ends with a page number")


def _dots(start: float, number: float, right: float, baseline: float, size: float,
          metrics: tuple[int, int, tuple[int, int, int, int]]) -> list[bytes]:
    """The full stops of the leader between `start` (the title's end) and `number`, laid as WeasyPrint lays its
    repetitions of ". . ": from `right`, the line's right edge, one repetition's width at a time, whole ones only."""
    stop, space, (x0, y0, x1, y1) = metrics
    scale = size / 2048
    width = 2 * (stop + space) * scale
    found = []
    position = right
    while True:
        position -= width
        if position < start - 1e-6:
            break
        if position + width > number + 1e-6:
            continue
        for offset in (0.0, (stop + space) * scale):
            found.append(b"%s %s %s %s re\n" % (_n(position + offset + x0 * scale), _n(baseline - y1 * scale),
                                                 _n((x1 - x0) * scale), _n((y1 - y0) * scale)))
    return found


def _colours(instructions: list[tuple[list[Any], str]]) -> dict[int, bytes]:
    """Instruction index of each marked-content sequence's BDC -> the fill colour its text object is drawn in (as
    written), when that is a plain grey or RGB colour."""
    found: dict[int, bytes | None] = {}
    fill: bytes | None = b"0 g"
    stack: list[bytes | None] = []
    marked: int | None = None
    for n, (operands, op) in enumerate(instructions):
        if op == "q":
            stack.append(fill)
        elif op == "Q":
            fill = stack.pop() if stack else fill
        elif op in ("rg", "g"):
            fill = b" ".join(_n(float(v)) for v in operands) + b" " + op.encode()
        elif op in ("k", "cs", "sc", "scn"):
            fill = None
        elif op == "BDC":
            marked = n
        elif op == "BT" and marked is not None:
            found[marked] = fill
            marked = None
    return {k: v for k, v in found.items() if v is not None}
