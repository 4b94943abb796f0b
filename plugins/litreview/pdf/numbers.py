"""Page numbers ("12 / 269") drawn from one typeset sample (pikepdf, imported here only).

WeasyPrint typesets the footer once, with the sample text SAMPLE in place of a page number, in the page style of
the print stylesheets (font, size, colour, letter spacing, fallback fonts). Each page's number is then written
from the sample's glyphs: the same text state, the glyphs of its digits, centred where the sample is centred.
Typesetting a page of numbers for every page of the book and of every chapter PDF cost about 4 ms a page (1.7 s of
CPU for a review of 269 pages); this costs one small document and a few instructions a page.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

# Every character a page number has ("12 / 269"); each becomes one glyph of the sample. The last one again, so
# that both the spacing after a character within the text and after the text's last one are seen.
SAMPLE = "0123456789 /0"


_MARKED = {"BDC", "BMC", "EMC", "MP", "DP"}
# Inside the footer's text object: what sets the state of the glyphs, which the numbers keep as they are...
_STATE = {"Tr", "TL", "rg", "RG", "g", "G", "k", "K", "cs", "CS", "sc", "scn", "SC", "SCN", "gs"} | _MARKED
# ...and what moves or spaces glyphs apart from their advances, which they would not.
_MOVES = {"Td", "TD", "T*", "Tc", "Tw", "Tz", "Ts", "'", '"'}


class NotSampled(ValueError):
    """The sample cannot be read glyph by glyph; the message says why."""


@dataclass(frozen=True)
class _Glyph:
    font: Any  # the font's resource name
    size: Any  # the font size of the Tf operator
    code: bytes
    advance: float  # in thousandths of the font size, as the font gives it
    adjustment: float  # the sample's TJ adjustments after the glyph (letter spacing), added


@dataclass(frozen=True)
class Sample:
    """A typeset sample, read: its page, the instructions around its text, and each character's glyph."""

    page: Any
    before: list[Any]  # the page's instructions up to the text object (marked content left out)
    after: list[Any]
    matrix: list[Any]  # the text matrix of the sample's first glyph
    centre: float  # where the sample's middle is, along the matrix's x axis
    glyphs: dict[str, _Glyph]
    last: float  # the adjustment after the text's last glyph (in place of that glyph's own)

    def content(self, label: str) -> bytes:
        """The page's drawing with `label` in place of the sample, centred where the sample is."""
        import pikepdf

        glyphs = [self.glyphs[c] for c in label]
        adjustments = [g.adjustment for g in glyphs[:-1]] + [self.last]
        width = sum((g.advance - a) * float(g.size) / 1000 for g, a in zip(glyphs, adjustments, strict=True))
        matrix = list(self.matrix)
        matrix[4] = Decimal(str(round(self.centre - width / 2 * float(matrix[0]), 4)))
        text: list[Any] = [([], pikepdf.Operator("BT")), (matrix, pikepdf.Operator("Tm"))]
        run: list[Any] = []
        font: tuple[Any, Any] | None = None
        for glyph, adjustment in zip(glyphs, adjustments, strict=True):
            if (glyph.font, glyph.size) != font:
                if run:
                    text.append(([pikepdf.Array(run)], pikepdf.Operator("TJ")))
                    run = []
                font = (glyph.font, glyph.size)
                text.append(([glyph.font, glyph.size], pikepdf.Operator("Tf")))
            run.append(pikepdf.String(glyph.code))
            if adjustment:
                run.append(Decimal(str(round(adjustment, 4))))
        if run:
            text.append(([pikepdf.Array(run)], pikepdf.Operator("TJ")))
        text.append(([], pikepdf.Operator("ET")))
        return pikepdf.unparse_content_stream([*self.before, *text, *self.after])


def read_sample(pdf: Any) -> Sample:
    """The first page of `pdf` (a pikepdf.Pdf, typeset from `stamp_document([SAMPLE])`), read glyph by glyph."""
    import pikepdf

    page = pdf.pages[0]
    instructions = [(list(i.operands), str(i.operator)) for i in pikepdf.parse_content_stream(page)]
    objects = [n for n, (_, op) in enumerate(instructions) if op == "BT"]
    drawing = [n for n in objects if any(op in ("TJ", "Tj") for _, op in instructions[n:_end(instructions, n)])]
    if len(drawing) != 1:
        raise NotSampled(f"the footer is drawn in {len(drawing)} text objects, not one")
    start = drawing[0]
    end = _end(instructions, start)
    fonts = _get(page.obj.get("/Resources"), "/Font")
    glyphs: list[list[Any]] = []  # [font, size, code, advance, adjustment]
    font = size = None
    matrix: list[Any] | None = None
    for operands, op in instructions[start + 1:end]:
        if op == "Tf":
            font, size = operands
        elif op == "Tm" and matrix is None:
            matrix = operands
        elif op in ("TJ", "Tj"):
            if font is None or size is None or matrix is None:
                raise NotSampled("text drawn before its font or place is set")
            items = list(operands[0]) if op == "TJ" else [operands[0]]
            width_of = _widths(_get(fonts, str(font)))
            step = 2 if _get(_get(fonts, str(font)), "/Subtype") == pikepdf.Name.Type0 else 1
            for item in items:
                if isinstance(item, pikepdf.String):
                    raw = bytes(item)
                    for at in range(0, len(raw), step):
                        code = raw[at:at + step]
                        glyphs.append([font, size, code, width_of(int.from_bytes(code, "big")), 0.0])
                elif glyphs:  # an adjustment: after the glyph before it
                    glyphs[-1][4] += float(item)
        elif op in _MOVES or (op == "Tm" and glyphs):
            raise NotSampled(f"the footer's text moves or spaces its glyphs with {op}")
        elif op not in _STATE:
            raise NotSampled(f"the footer's text object uses the operator {op}")
    if len(glyphs) != len(SAMPLE) or matrix is None:
        raise NotSampled(f"the sample's {len(SAMPLE)} characters gave {len(glyphs)} glyphs")
    width = sum((g[3] - g[4]) * float(g[1]) / 1000 for g in glyphs)
    centre = float(matrix[4]) + width / 2 * float(matrix[0])
    found: dict[str, _Glyph] = {}
    for character, glyph in zip(SAMPLE, glyphs, strict=True):
        found.setdefault(character, _Glyph(*glyph))

    def drawing_only(part: list[tuple[list[Any], str]]) -> list[Any]:
        """Marked content left out: the stamp is marked as a pagination artifact as a whole."""
        return [(o, pikepdf.Operator(op)) for o, op in part if op not in _MARKED]

    return Sample(page, drawing_only(instructions[:start]), drawing_only(instructions[end + 1:]), matrix, centre,
                  found, glyphs[-1][4])


def _end(instructions: list[tuple[list[Any], str]], start: int) -> int:
    """The index of the ET closing the text object opened at `start`."""
    for n in range(start + 1, len(instructions)):
        if instructions[n][1] == "ET":
            return n
    raise NotSampled("a text object is not closed")


def _get(dictionary: Any, key: str) -> Any:
    return dictionary.get(key) if dictionary is not None else None


def _widths(font: Any) -> Any:
    """code -> advance in thousandths of the font size: a composite font's /W and /DW, a simple font's /Widths."""
    import pikepdf

    if font is None:
        raise NotSampled("the footer's font is not among the page's resources")
    descendants = font.get("/DescendantFonts")
    if descendants is not None:
        cid = descendants[0]
        default = float(cid.get("/DW", 1000))
        table: dict[int, float] = {}
        items = list(cid.get("/W", pikepdf.Array()))
        n = 0
        while n < len(items):
            first = int(items[n])
            if isinstance(items[n + 1], pikepdf.Array):
                table.update({first + k: float(w) for k, w in enumerate(items[n + 1])})
                n += 2
            else:
                table.update({c: float(items[n + 2]) for c in range(first, int(items[n + 1]) + 1)})
                n += 3
        return lambda code: table.get(code, default)
    first = int(font.get("/FirstChar", 0))
    widths = [float(w) for w in font.get("/Widths", pikepdf.Array())]
    return lambda code: widths[code - first] if 0 <= code - first < len(widths) else 0.0


def stamp(book: Any, sample_pdf: Any, labels: list[str], start: int) -> None:
    """Draw `labels[i]` over page start+i of `book` (a pikepdf.Pdf), as a form XObject marked as a pagination
    artifact, from the sample (`sample_pdf`, a pikepdf.Pdf)."""
    import pikepdf

    try:
        sample = read_sample(sample_pdf)
    except NotSampled as exc:
        raise NotSampled(f"the page numbers cannot be drawn: {exc}; keep the footer of the print stylesheet's @page "
                         f"rule (@bottom-center) to a font, size, colour and letter spacing") from None
    resources = book.copy_foreign(sample.page.obj.get("/Resources", pikepdf.Dictionary()))
    box = sample.page.mediabox
    width = float(box[2]) - float(box[0])
    for i, label in enumerate(labels):
        if start + i >= len(book.pages):
            break
        page = book.pages[start + i]
        form = pikepdf.Stream(book, sample.content(label))
        form.Type, form.Subtype = pikepdf.Name.XObject, pikepdf.Name.Form
        form.BBox = pikepdf.Array(list(box))
        form.Resources = resources
        # A landscape page (a wide table) under a portrait sample: the page number stays centred at the bottom.
        shift = float(page.mediabox[2]) - float(page.mediabox[0]) - width
        form.Matrix = pikepdf.Array([1, 0, 0, 1, Decimal(str(round(shift / 2, 3))), 0])
        page_resources = pikepdf.Dictionary(dict(page.obj.get("/Resources", pikepdf.Dictionary()).items()))
        xobjects = pikepdf.Dictionary(dict(page_resources.get("/XObject", pikepdf.Dictionary()).items()))
        xobjects.LrStamp = book.make_indirect(form)
        page_resources.XObject = xobjects
        page.obj.Resources = page_resources
        page.contents_add(pikepdf.Stream(book, b"q\n"), prepend=True)
        page.contents_add(pikepdf.Stream(book, b"\nQ\n/Artifact <</Type /Pagination /Subtype /Footer>> BDC\n"
                                               b"q /LrStamp Do Q\nEMC\n"))
