"""The contents' dot leaders drawn after typesetting (pdf/leaders.py), checked against WeasyPrint's own leaders: the
same words in the same places, the same full stops in the same places, as artifacts; and a contents that cannot be
read (another font) is typeset with WeasyPrint's leaders."""
from __future__ import annotations

import io
import re
import subprocess
from pathlib import Path

import pikepdf
import pytest

from litreview.pdf import parts
from litreview.pdf.assemble import PdfMeta, TocEntry, front_document
from litreview.pdf.backlinks import _BASE, _Fonts, _runs
from litreview.pdf.export import PART_CSS, PRINT_CSS
from litreview.pdf.leaders import NotDrawn, draw

# Chapters (bold) and sections, one-, two- and three-digit page numbers, and titles long enough to wrap.
ENTRIES = [TocEntry(1 if n % 5 == 0 else 2,
                    f"Chapter {n}: " + "a long title that wraps onto a second line of the contents " * (n % 7 == 3)
                    if n % 5 == 0 else f"Section {n} of the chapter" + " and more words" * (n % 3),
                    f"dest-{n}", 1 + n * 3) for n in range(60)]
DOCUMENT = front_document(PdfMeta("A review", version="1"), ENTRIES)


def typeset(tmp_path: Path, stylesheets: list[Path]) -> tuple[bytes, bytes]:
    """(the contents with WeasyPrint's leaders, the contents as litreview makes them), both compacted."""
    (tmp_path / "none.css").write_text("")  # a stylesheet of the authors' own: WeasyPrint draws the leaders
    config = parts.settings(tmp_path, "A4", stylesheets, False, True, None, 1)
    theirs = parts.settings(tmp_path, "A4", [*stylesheets, tmp_path / "none.css"], False, True, None, 1)
    return (parts._typeset(DOCUMENT, PART_CSS, theirs, "0" * 32, None, contents=True)[0],
            parts._typeset(DOCUMENT, PART_CSS, config, "0" * 32, None, contents=True)[0])


def words(pdf: bytes, tmp_path: Path) -> list[tuple[float, float, str]]:
    (tmp_path / "words.pdf").write_bytes(pdf)
    out = subprocess.run(["pdftotext", "-bbox", str(tmp_path / "words.pdf"), "-"], capture_output=True, text=True,
                         check=True).stdout
    return sorted((round(float(x), 2), round(float(y), 2), w) for x, y, w in
                  re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)"[^>]*>([^<]*)</word>', out) if set(w) - {"."})


def full_stops(pdf: bytes) -> list[tuple[int, float, float]]:
    """(page, left, baseline) of every full stop drawn: WeasyPrint's as glyphs, litreview's as rectangles."""
    found = []
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        for index, page in enumerate(doc.pages):
            raw = pikepdf.parse_content_stream(page)
            instructions = [(list(i.operands), str(i.operator)) for i in raw]
            base = (_BASE, 0.0, 0.0, -_BASE, 0.0, float(page.mediabox[3]))
            for run in _runs(raw, instructions, page.obj.Resources.Font, base, _Fonts(), [(-1e6, -1e6, 1e6, 1e6)]):
                scale = float(run.glyphs[0].size) / 2048
                bold = "Bold" in str(page.obj.Resources.Font[str(run.glyphs[0].font)].BaseFont)
                found += [(index, g.left + (209 if bold else 219) * scale, run.y) for g in run.glyphs if g.text == "."]
            data = b"".join(s.read_bytes() for s in (page.obj.Contents if isinstance(page.obj.Contents, pikepdf.Array)
                                                     else [page.obj.Contents]))
            if b"/Artifact BMC" in data:
                art = data[data.rindex(b"/Artifact BMC"):]
                found += [(index, float(x), float(y) + float(h)) for x, y, _, h in
                          re.findall(rb"(-?[\d.]+) (-?[\d.]+) (-?[\d.]+) (-?[\d.]+) re", art)]
    return sorted(found, key=lambda f: (f[0], round(f[2], 1), f[1]))


def test_the_leaders_are_drawn_where_weasyprint_draws_them(tmp_path: Path) -> None:
    theirs, ours = typeset(tmp_path, [PRINT_CSS])
    assert words(ours, tmp_path) == words(theirs, tmp_path)  # titles and numbers where they were
    stops, their_stops = full_stops(ours), full_stops(theirs)
    dotted = {(page, round(y, 1)) for page, _, y in their_stops}
    assert len(dotted) > 50 and len(stops) == len(their_stops) > 2000
    for (page, x, y), (their_page, their_x, their_y) in zip(stops, their_stops, strict=True):
        assert page == their_page and abs(x - their_x) < 0.15 and abs(y - their_y) < 0.05, (page, x, their_x)
    with pikepdf.open(io.BytesIO(ours)) as doc:  # drawn as an artifact: no text, nothing in the structure tree
        text = subprocess.run(["pdftotext", "-", "-"], input=ours, capture_output=True, check=True).stdout
        assert b". . ." not in text and b"Chapter 5" in text
        assert all("/Artifact BMC" not in str(page.obj.get("/Annots", "")) for page in doc.pages)


def test_a_contents_in_another_font_keeps_weasyprints_leaders(tmp_path: Path) -> None:
    with pikepdf.open(io.BytesIO(typeset(tmp_path, [PRINT_CSS])[1])) as doc:
        with pytest.raises(NotDrawn, match="no line"):
            draw(doc, len(doc.pages))  # no contents page: nothing it can be sure of
    config = parts.settings(tmp_path, "A4", [PRINT_CSS], False, True, None, 1)
    serif = DOCUMENT.replace('<nav class="toc"', '<nav class="toc" style="font-family: DejaVu Serif"')
    made = parts._typeset(serif, PART_CSS, config, "0" * 32, None, contents=True)[0]
    with pikepdf.open(io.BytesIO(made)) as doc:
        data = b"".join(s.read_bytes() for page in doc.pages for s in
                        (page.obj.Contents if isinstance(page.obj.Contents, pikepdf.Array) else [page.obj.Contents]))
    assert b"/Artifact BMC" not in data and len(full_stops(made)) > 2000  # WeasyPrint's full stops, as glyphs

