"""The bibliography's "Cited in" links drawn onto its typeset pages (pikepdf), the lines typeset as plain text.

Each entry of the bibliography ends with a line of links back to the chapters that cite it ("Cited in: Chapter 1,
Chapter 27"). To WeasyPrint each link is an inline box, a text box before and after it, an annotation and a
structure element: about a third of the bibliography's typesetting (at 1,000 entries and 4,000 links, about 3 s of
CPU). So the lines are typeset as plain text (`unlink`), each line's box measured by an id, and the links are added
to the PDF afterwards (`relink`): each link's glyphs are found in the line's text run by their Unicode text (the
fonts' ToUnicode maps), the run is split there into marked-content sequences of its own, and each link gets an
annotation and a `Link` structure element holding it and its glyphs, as WeasyPrint makes them.

The print stylesheet draws these links in the colour of their line (`.lr-cited-in a { color: inherit; }`), so the
plain text looks as the links would. Whatever `relink` cannot be sure of (a line drawn otherwise than as runs of
glyphs, text that does not read as the line, a link that begins or ends inside a ligature) raises `NotLinkable`,
and the part is typeset with its links by WeasyPrint. Pure functions of bytes and strings.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from html import unescape
from typing import Any

from .compose import _ITEM, _LIST, _multiply
from .join import MEASURE_PREFIX, _get, _kids

_LINE = re.compile(r'<span class="lr-cited-in"(?: id="([^"]*)")?>((?:[^<]|<a href="[^"<>]*">[^<]*</a>)*)</span>')
# A link between parts ("lr-dest:") or to the web (http, https), in printable ASCII: WeasyPrint writes it as it is.
# Others (a fragment of the same part, another scheme, characters it would encode) are left for WeasyPrint.
_LINK = re.compile(r'<a href="((?:lr-dest|https?):[!#-;=?-~]*)">([^<]*)</a>')
_SPACE = re.compile(r"\s+")
_BASE = 0.75  # WeasyPrint draws a page in CSS px: 0.75 pt each, from the top left corner


class NotLinkable(Exception):
    """The part is typeset with its links instead (the reason is for tests and debugging)."""


@dataclass(frozen=True)
class Line:
    """An entry's "Cited in" line as typeset: its text, and each link's href and its characters in it."""

    text: str
    links: tuple[tuple[int, int, str], ...]  # (start, end, href)


def unlink(document: str) -> tuple[str, dict[str, Line]]:
    """The document with each reference list entry's "Cited in" links as plain text and an id on the line (where it
    is measured); the lines by id. Lines of another shape keep their links (WeasyPrint typesets them)."""
    lines: dict[str, Line] = {}

    def line(entry_id: str, m: re.Match[str]) -> str:
        name = m.group(1) or MEASURE_PREFIX + entry_id
        if not _LINK.search(m.group(2)) or "<" in _LINK.sub("", m.group(2)) or name in lines:
            return m.group(0)
        text, links, at = "", [], 0
        for found in _LINK.finditer(m.group(2)):
            text += unescape(m.group(2)[at:found.start()])
            title = unescape(found.group(2))
            links.append((len(text), len(text) + len(title), unescape(found.group(1))))
            text += title
            at = found.end()
        text += unescape(m.group(2)[at:])
        lines[name] = Line(text, tuple(links))
        plain = _LINK.sub(lambda a: a.group(2), m.group(2))
        return f'<span class="lr-cited-in" id="{name}">{plain}</span>'

    def item(m: re.Match[str]) -> str:
        return _LINE.sub(lambda found: line(m.group(1), found), m.group(0), count=1)

    changed = _LIST.sub(lambda found: found.group(1) + _ITEM.sub(item, found.group(2)) + found.group(3), document)
    return changed, lines


def boxes(pages: Sequence[Any], lines: dict[str, Line]) -> dict[int, list[tuple[tuple[float, ...], Line]]]:
    """Page index -> (border box in CSS px, line) of each line whose box is on that page of WeasyPrint's laid-out
    `pages` (their `anchors`). A line over a page break has its id on its first page only: `relink` then does not
    find all of it there, and refuses."""
    found: dict[int, list[tuple[tuple[float, ...], Line]]] = {}
    for index, page in enumerate(pages):
        for name, box in page.anchors.items():
            if name in lines:
                found.setdefault(index, []).append((tuple(float(v) for v in box[:4]), lines[name]))
    return found


# --- Reading the runs of glyphs ---------------------------------------------------------------------------------


@dataclass(slots=True)
class _Glyph:
    font: Any
    size: Any
    tokens: list[bytes]  # the TJ items of the glyph, as written: adjustments before it, its code, adjustments after
    start: float  # pen position (CSS px) before its first token
    left: float  # where it is drawn
    right: float  # where its advance ends
    text: str


@dataclass(slots=True)
class _Run:
    """A marked-content sequence drawing one text object on one baseline: the cited-in line's text, maybe."""

    begin: int  # instruction index of its BDC
    end: int  # of its EMC
    mcid: int
    tag: bytes
    before: bytes  # its instructions between BDC and BT (colour, graphics state), as written
    y: float
    glyphs: list[_Glyph]


def _matrix(operands: Sequence[Any]) -> tuple[float, ...]:
    return tuple(float(v) for v in operands)


class _Fonts:
    """A page's fonts: widths (thousandths of the size) and Unicode text of each code, read once per font."""

    def __init__(self) -> None:
        self._read: dict[Any, tuple[Any, dict[int, str], int]] = {}

    def get(self, font: Any) -> tuple[Any, dict[int, str], int]:
        from .numbers import NotSampled, _widths

        key = font.objgen if font.is_indirect else id(font)
        if key not in self._read:
            try:
                widths = _widths(font)
            except NotSampled as why:
                raise NotLinkable(str(why)) from None
            composite = font.get("/DescendantFonts") is not None
            if composite and font.get("/Encoding") != "/Identity-H":
                raise NotLinkable("a composite font without Identity-H encoding")
            self._read[key] = (widths, _to_unicode(font), 2 if composite else 1)
        return self._read[key]


_BFCHAR = re.compile(rb"beginbfchar(.*?)endbfchar", re.S)
_BFRANGE = re.compile(rb"beginbfrange(.*?)endbfrange", re.S)
_HEX = re.compile(rb"<([0-9A-Fa-f]*)>")
_RANGE = re.compile(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*(<[0-9A-Fa-f]*>|\[[^\]]*\])")


def _utf16(hex_text: bytes) -> str:
    return bytes.fromhex(hex_text.decode()).decode("utf-16-be", "replace")


def _to_unicode(font: Any) -> dict[int, str]:
    """code -> text, from the font's ToUnicode CMap (bfchar and bfrange sections)."""
    stream = font.get("/ToUnicode")
    if stream is None:
        raise NotLinkable("a font without a ToUnicode map")
    data = stream.read_bytes()
    found: dict[int, str] = {}
    for section in _BFCHAR.findall(data):
        codes = _HEX.findall(section)
        for code, text in zip(codes[::2], codes[1::2], strict=False):
            found[int(code, 16)] = _utf16(text)
    for section in _BFRANGE.findall(data):
        for low, high, target in _RANGE.findall(section):
            first, last = int(low, 16), int(high, 16)
            if target.startswith(b"["):
                for n, text in enumerate(_HEX.findall(target)):
                    found[first + n] = _utf16(text)
            else:
                value = bytes.fromhex(target[1:-1].decode())
                for n in range(last - first + 1):
                    shifted = (int.from_bytes(value, "big") + n).to_bytes(len(value), "big")
                    found[first + n] = shifted.decode("utf-16-be", "replace")
    return found


def _runs(raw: Sequence[Any], instructions: list[tuple[list[Any], str]], fonts_dict: Any, base: tuple[float, ...],
          fonts: _Fonts, areas: Sequence[tuple[float, ...]]) -> list[_Run]:
    """The page's marked-content sequences that draw exactly one text object, in the page's own coordinates (CSS
    px, as WeasyPrint lays out), with an unrotated, unscaled text matrix (the shape of a line of text), and that
    begin within one of the `areas` (boxes, CSS px)."""
    import pikepdf

    runs: list[_Run] = []
    ctm: tuple[float, ...] = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
    stack: list[tuple[float, ...]] = []
    n = 0
    while n < len(instructions):
        operands, op = instructions[n]
        if op == "q":
            stack.append(ctm)
        elif op == "Q":
            ctm = stack.pop() if stack else ctm
        elif op == "cm":
            ctm = _multiply(_matrix(operands), ctm)
        elif op == "BDC" and len(operands) == 2 and isinstance(operands[1], pikepdf.Dictionary) \
                and set(operands[1].keys()) == {"/MCID"}:
            end = next((k for k in range(n + 1, len(instructions)) if instructions[k][1] in ("EMC", "BDC", "BMC")),
                       None)
            if end is not None and instructions[end][1] == "EMC" and _within(instructions, n, end, areas):
                run = _run(raw, instructions, n, end, ctm, base, fonts_dict, fonts)
                if run is not None:  # it changes no graphics state: nothing in it to follow
                    runs.append(run)
                    n = end
        n += 1
    return runs


def _within(instructions: list[tuple[list[Any], str]], begin: int, end: int,
            areas: Sequence[tuple[float, ...]]) -> bool:
    """The sequence's first text matrix places it in one of the areas (a quick look before reading its glyphs)."""
    for operands, op in instructions[begin + 1:end]:
        if op == "Tm" and len(operands) == 6:
            x, y = float(operands[4]), float(operands[5])
            return any(a[1] <= y <= a[3] and a[0] - 1 <= x <= a[2] + 1 for a in areas)
    return False


def _run(raw: Sequence[Any], instructions: list[tuple[list[Any], str]], begin: int, end: int, ctm: tuple[float, ...],
         base: tuple[float, ...], fonts_dict: Any, fonts: _Fonts) -> _Run | None:
    import pikepdf

    body = instructions[begin + 1:end]
    ops = [op for _, op in body]
    if ops.count("BT") != 1 or ops.count("ET") != 1 or any(abs(a - b) > 1e-6 for a, b in zip(ctm, base,
                                                                                            strict=True)):
        return None
    bt, et = ops.index("BT"), ops.index("ET")
    if et != len(body) - 1 or any(op in ("q", "Q", "cm") for op in ops[:bt]):
        return None
    matrix: tuple[float, ...] | None = None
    font: Any = None
    size: Any = None
    glyphs: list[_Glyph] = []
    pen = 0.0
    pending: list[Any] = []  # adjustments before the next glyph
    for operands, op in body[bt + 1:et]:
        if op == "Tm" and matrix is None and not glyphs:
            matrix = _matrix(operands)
            if matrix[:4] != (1.0, 0.0, 0.0, -1.0):
                return None
            pen = matrix[4]
        elif op == "Tf":
            font, size = operands
        elif op == "TJ" and matrix is not None and font is not None:
            widths, text_of, step = fonts.get(_get(fonts_dict, str(font)))
            scale = float(size) / 1000
            for item in operands[0]:
                if isinstance(item, pikepdf.String):
                    codes = bytes(item)
                    for at in range(0, len(codes), step):
                        code = int.from_bytes(codes[at:at + step], "big")
                        start = pen + sum(float(a) for a in pending) * scale
                        glyphs.append(_Glyph(font, size, [*(b" %s " % str(a).encode() for a in pending),
                                                          b"<%s>" % codes[at:at + step].hex().encode()],
                                             start, pen, pen + widths(code) * scale, text_of.get(code, "\ufffd")))
                        pen += widths(code) * scale
                        pending = []
                elif glyphs:  # after a glyph: its kerning or spacing
                    glyphs[-1].tokens.append(b" %s " % str(item).encode())
                    pen -= float(item) * scale
                else:
                    pending.append(item)
                    pen -= float(item) * scale
        else:
            return None
    if not glyphs or pending or matrix is None:
        return None
    tag, properties = instructions[begin][0]
    before = pikepdf.unparse_content_stream(raw[begin + 1:begin + 1 + bt]) + b"\n" if bt else b""
    return _Run(begin, end, int(properties.MCID), str(tag).encode(), before, matrix[5], glyphs)


# --- Writing the links ------------------------------------------------------------------------------------------


def relink(doc: Any, placed: dict[int, list[tuple[tuple[float, ...], Line]]]) -> None:
    """Draw each line's links into the tagged PDF `doc` (a pikepdf.Pdf typeset from `unlink`'s document, open):
    `placed` says on which page and in which box (CSS px) each line is (`boxes`)."""
    import pikepdf

    root = _get(doc.Root, "/StructTreeRoot")
    tree = _get(root, "/ParentTree")
    if tree is None or "/Kids" in tree or "/Nums" not in tree:
        raise NotLinkable("the parent tree is not a flat number tree")
    nums = list(tree.Nums)
    values = {int(nums[i]): nums[i + 1] for i in range(0, len(nums) - 1, 2)}
    writer = _Writer(doc, values, max([int(root.get("/ParentTreeNextKey", 0)), *[k + 1 for k in values]]))
    for index, found in sorted(placed.items()):
        writer.page(doc.pages[index], found)
    tree.Nums = pikepdf.Array([v for key in sorted(writer.values) for v in (key, writer.values[key])])
    root.ParentTreeNextKey = writer.next_key


class _Writer:
    def __init__(self, doc: Any, values: dict[int, Any], next_key: int) -> None:
        self.doc = doc
        self.values = values
        self.next_key = next_key
        self.fonts = _Fonts()

    def page(self, page: Any, found: list[tuple[tuple[float, ...], Line]]) -> None:
        import pikepdf

        box = [float(v) for v in page.mediabox]
        base = (_BASE, 0.0, 0.0, -_BASE, box[0], box[3])
        raw = pikepdf.parse_content_stream(page)
        instructions = [(list(i.operands), str(i.operator)) for i in raw]
        runs = _runs(raw, instructions, _get(_get(page.obj, "/Resources"), "/Font"), base, self.fonts,
                     [line_box for line_box, _ in found])
        holders = self.values.get(int(page.obj.get("/StructParents", -1)))
        if not isinstance(holders, pikepdf.Array):
            raise NotLinkable("a page without its array in the parent tree")
        highest = max((int(o[1].MCID) for o, op in instructions
                       if op == "BDC" and len(o) == 2 and isinstance(o[1], pikepdf.Dictionary) and "/MCID" in o[1]),
                      default=-1)
        if highest >= len(holders):
            raise NotLinkable("a marked-content sequence without its element in the parent tree")
        replaced: dict[int, tuple[int, bytes]] = {}
        for line_box, line in found:
            mine = sorted((r for r in runs if line_box[1] <= r.y <= line_box[3]
                           and line_box[0] - 1 <= r.glyphs[0].left and r.glyphs[-1].right <= line_box[2] + 1),
                          key=lambda r: (r.y, r.glyphs[0].left))
            if not mine:
                raise NotLinkable(f"no text drawn for the line {line.text!r}")
            labels = _labels(mine, line)
            baselines = sorted({r.y for r in mine})
            step = (line_box[3] - line_box[1]) / len(baselines)
            for run in mine:
                if any(label is not None for label in labels[id(run)]):
                    top = line_box[1] + baselines.index(run.y) * step
                    replaced[run.begin] = (run.end, self._split(page, base, holders, run, labels[id(run)], line,
                                                                 (top, top + step)))
        if not replaced:
            return
        out: list[bytes] = []
        n = 0
        for begin in sorted(replaced):
            out.append(pikepdf.unparse_content_stream(raw[n:begin]) + b"\n")
            n, new = replaced[begin]
            out.append(new)
            n += 1
        out.append(pikepdf.unparse_content_stream(raw[n:]))
        page.obj.Contents = self.doc.make_stream(b"".join(out))
        page.obj.Tabs = pikepdf.Name.S

    def _split(self, page: Any, base: tuple[float, ...], holders: Any, run: _Run, labels: list[int | None],
               line: Line, extent: tuple[float, float]) -> bytes:
        """The run's content, a marked-content sequence per stretch of glyphs in or out of a link; the structure
        and annotations of its links."""
        import pikepdf

        owner = holders[run.mcid]
        if not isinstance(owner, pikepdf.Dictionary) or owner.get("/Pg") is None \
                or owner.Pg.objgen != page.obj.objgen:
            raise NotLinkable("a line's element is not on its page")
        stretches: list[tuple[int | None, list[_Glyph]]] = []
        for glyph, label in zip(run.glyphs, labels, strict=True):
            if stretches and stretches[-1][0] == label:
                stretches[-1][1].append(glyph)
            else:
                stretches.append((label, [glyph]))
        kids: list[Any] = []
        out: list[bytes] = []
        for number, (label, glyphs) in enumerate(stretches):
            mcid = run.mcid if number == 0 else len(holders)
            if number:
                holders.append(owner)
            out.append(b"%s <</MCID %d>> BDC\n" % (run.tag, mcid))
            if number == 0:
                out.append(run.before)
            out.append(b"BT\n1 0 0 -1 %s %s Tm\n" % (_number(glyphs[0].start), _number(run.y)))
            font: tuple[Any, Any] | None = None
            tokens: list[bytes] = []
            for glyph in glyphs:
                if (glyph.font, glyph.size) != font:
                    if tokens:
                        out.append(b"[%s] TJ\n" % b"".join(tokens))
                        tokens = []
                    font = (glyph.font, glyph.size)
                    out.append(b"%s %s Tf\n" % (str(glyph.font).encode(), str(glyph.size).encode()))
                tokens += glyph.tokens
            out.append(b"[%s] TJ\nET\nEMC\n" % b"".join(tokens))
            if label is None:
                kids.append(mcid)
                continue
            link = self.doc.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.StructElem, S=pikepdf.Name.Link,
                                                             P=owner, Pg=page.obj))
            holders[mcid] = link
            href = pikepdf.String(line.links[label][2])
            left, right = glyphs[0].left, glyphs[-1].right
            rect = [base[0] * left + base[4], base[3] * extent[1] + base[5],
                    base[0] * right + base[4], base[3] * extent[0] + base[5]]
            annotation = self.doc.make_indirect(pikepdf.Dictionary(
                Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Link,
                Rect=[Decimal(_number(v).decode()) for v in rect],
                A=pikepdf.Dictionary(Type=pikepdf.Name.Action, S=pikepdf.Name.URI, URI=href),
                BS=pikepdf.Dictionary(W=0), Contents=href, StructParent=self.next_key))
            self.values[self.next_key] = link
            self.next_key += 1
            if "/Annots" not in page.obj:
                page.obj.Annots = pikepdf.Array()
            page.obj.Annots.append(annotation)
            link.K = pikepdf.Array([pikepdf.Dictionary(Type=pikepdf.Name.OBJR, Obj=annotation, Pg=page.obj), mcid])
            kids.append(link)
        _replace_kid(owner, run.mcid, kids)
        return b"".join(out)


def _number(value: float) -> bytes:
    """A number as a PDF writes it (never in exponent form)."""
    text = f"{value:.4f}".rstrip("0").rstrip(".")
    return (text if text not in ("", "-0") else "0").encode()


def _replace_kid(owner: Any, mcid: int, kids: list[Any]) -> None:
    import pikepdf

    current = _kids(owner)
    for n, kid in enumerate(current):
        if isinstance(kid, int) and kid == mcid:
            owner.K = pikepdf.Array(current[:n] + kids + current[n + 1:])
            return
    raise NotLinkable("a line's marked content is not a kid of its element")


def _labels(runs: list[_Run], line: Line) -> dict[int, list[int | None]]:
    """id(run) -> for each of its glyphs, the link it is part of (its index in `line.links`), or None."""
    drawn: list[tuple[str, int, int]] = []  # (character, run number, glyph index) of every non-space character
    for number, run in enumerate(runs):
        for index, glyph in enumerate(run.glyphs):
            drawn += [(c, number, index) for c in _SPACE.sub("", glyph.text)]
    wanted = [(c, at) for at, c in enumerate(line.text) if not c.isspace()]
    if [c for c, _, _ in drawn] != [c for c, _ in wanted]:
        raise NotLinkable(f"the text drawn is not the line {line.text!r}")
    labels: dict[int, list[int | None]] = {id(run): [None] * len(run.glyphs) for run in runs}
    position = {at: k for k, (_, at) in enumerate(wanted)}
    for label, (start, end, _) in enumerate(line.links):
        inside = [position[at] for at in range(start, end) if at in position]
        if not inside:
            continue
        first, last = inside[0], inside[-1]
        if (first > 0 and drawn[first - 1][1:] == drawn[first][1:]) or \
                (last + 1 < len(drawn) and drawn[last + 1][1:] == drawn[last][1:]):
            raise NotLinkable("a link begins or ends inside a glyph (a ligature)")
        for k in range(first, last + 1):
            number, index = drawn[k][1:]
            if labels[id(runs[number])][index] not in (None, label):
                raise NotLinkable("two links share a glyph")
            labels[id(runs[number])][index] = label
        # Spaces inside a link's title (between its first and last glyph) are part of it.
        for number in {drawn[k][1] for k in range(first, last + 1)}:
            glyph_indices = [drawn[k][2] for k in range(first, last + 1) if drawn[k][1] == number]
            for index in range(min(glyph_indices), max(glyph_indices) + 1):
                labels[id(runs[number])][index] = label
    return labels
