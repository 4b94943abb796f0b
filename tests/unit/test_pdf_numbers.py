"""Page numbers drawn from one typeset sample (pdf/numbers.py): the text a reader extracts, centred where
WeasyPrint centres the same footer, in the style of the print stylesheet, and a clear error for a footer that
cannot be read glyph by glyph."""
from __future__ import annotations

import io
import subprocess
from pathlib import Path

import pikepdf
import pytest

from litreview.pdf.assemble import PdfMeta, stamp_document
from litreview.pdf.export import PRINT_CSS, STAMP_CSS, render_pdf
from litreview.pdf.join import join
from litreview.pdf.numbers import SAMPLE, NotSampled, read_sample

META = PdfMeta("T")
PAGES = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>T</title></head><body>
<p>One</p><p style="break-before: page">Two</p><p style="break-before: page">Three</p></body></html>"""
# A footer in another font, with letter spacing (WeasyPrint writes it as adjustments between the glyphs).
SPACED = "@page { @bottom-center { font: 9pt 'DejaVu Serif', serif; letter-spacing: 2px; color: #a00; } }\n"


def footer(tmp_path: Path, label: str, css: str = "") -> bytes:
    """WeasyPrint's own page with `label` in the footer."""
    return render_pdf(stamp_document([label], META), tmp_path, "A4", [PRINT_CSS], extra_css=css + STAMP_CSS)[0]


def text_x(pdf: bytes) -> float:
    """Where the footer's text starts (the x of its text matrix)."""
    with pikepdf.open(io.BytesIO(pdf)) as document:
        page = document.pages[0]
        xobject = page.obj.get("/Resources", {}).get("/XObject", {}).get("/LrStamp")
        stream = xobject if xobject is not None else page
        matrices = [i.operands for i in pikepdf.parse_content_stream(stream) if str(i.operator) == "Tm"]
        return float(matrices[0][4])


def pages_text(pdf: bytes, tmp_path: Path) -> list[str]:
    path = tmp_path / "numbered.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return [" ".join(page.split()) for page in out.split("\f")[:-1]]


@pytest.mark.parametrize("css", ["", SPACED])
def test_numbers_read_as_their_labels_and_sit_where_weasyprint_puts_them(tmp_path: Path, css: str) -> None:
    sample = footer(tmp_path, SAMPLE, css)
    body = render_pdf(PAGES, tmp_path, "A4", [PRINT_CSS], extra_css="@page { @bottom-center { content: none } }")[0]
    labels = ["1 / 269", "12 / 269", "269 / 269"]
    numbered = join([body], sample, labels)
    assert pages_text(numbered, tmp_path) == [f"One {labels[0]}", f"Two {labels[1]}", f"Three {labels[2]}"]
    with pikepdf.open(io.BytesIO(numbered)) as document:
        for index, label in enumerate(labels):
            page = pikepdf.Pdf.new()
            page.pages.append(document.pages[index])
            out = io.BytesIO()
            page.save(out)
            # Centred as WeasyPrint centres the label typeset on its own, to a hundredth of a pixel.
            assert abs(text_x(out.getvalue()) - text_x(footer(tmp_path, label, css))) < 0.05, label
            # The style is the sample's: its font and colour.
            drawn = document.pages[index].obj.Resources.XObject.LrStamp
            fonts = [str(f.BaseFont) for f in drawn.Resources.Font.values()]
            assert ("Serif" in fonts[0]) == bool(css)
            assert (b"0.666667 0 0 rg" in drawn.read_bytes()) == bool(css)


def test_a_footer_that_is_more_than_the_number_is_refused_with_what_to_do(tmp_path: Path) -> None:
    decorated = footer(tmp_path, SAMPLE, "@page { @bottom-center { content: 'Page ' string(lr-stamp) !important } }")
    with pikepdf.open(io.BytesIO(decorated)) as document, pytest.raises(NotSampled, match="glyphs"):
        read_sample(document)
    body = render_pdf(PAGES, tmp_path, "A4", [PRINT_CSS])[0]
    with pytest.raises(NotSampled, match="@bottom-center"):
        join([body], decorated, ["1 / 3"])


def test_glyph_widths_come_from_either_kind_of_font_dictionary() -> None:
    """A composite font's /W (both of its forms, /DW for the rest) and a simple font's /FirstChar and /Widths."""
    from litreview.pdf.numbers import _widths

    composite = pikepdf.Dictionary(DescendantFonts=pikepdf.Array([pikepdf.Dictionary(
        DW=500, W=pikepdf.Array([3, pikepdf.Array([318]), 18, 28, 636]))]))
    width = _widths(composite)
    assert [width(code) for code in (3, 18, 28, 29)] == [318.0, 636.0, 636.0, 500.0]
    simple = pikepdf.Dictionary(FirstChar=32, Widths=pikepdf.Array([250, 333]))
    width = _widths(simple)
    assert [width(code) for code in (32, 33, 34)] == [250.0, 333.0, 0.0]
    with pytest.raises(NotSampled, match="font"):
        _widths(None)
