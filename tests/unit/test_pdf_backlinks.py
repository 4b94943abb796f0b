"""The bibliography's "Cited in" links drawn onto lines typeset as plain text (pdf/backlinks.py), checked against the
links WeasyPrint makes itself: the same targets, in the same places, in Link structure elements that hold their
text; nothing drawn moves; and whatever cannot be read is refused, so the part is typeset with its links."""
from __future__ import annotations

import io
import subprocess
from html import escape
from pathlib import Path
from typing import Any

import pikepdf
import pytest

from litreview.pdf import parts
from litreview.pdf.backlinks import Line, NotLinkable, boxes, relink, unlink
from litreview.pdf.export import PART_CSS, PRINT_CSS, render_pdf
from litreview.pdf.join import MEASURE_PREFIX, _open, _save, compact_structure

# A ligature inside a title ("ff"), escaped characters, other scripts, and a title that wraps onto the next line.
TITLES = ["Chapter 1", "Effects & “quotes” <b>", "Ærøskøbing, Ελληνικά",
          "A rather long chapter title that goes on and on well past the end of the line it starts on, and more"]


def entry(number: int, titles: list[str]) -> str:
    links = ", ".join(f'<a href="lr-dest:ch-{k}">{escape(t)}</a>' for k, t in enumerate(titles))
    return (f'<li id="r--ref-{number}" value="{number}"><span class="lr-ref-text">Author {number}. A title of '
            f'the entry. J Test. 2020;1:1-2.</span> <span class="lr-cited-in">Cited in: {links}</span></li>')


DOCUMENT = ('<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>R</title></head><body>'
            '<section class="chapter"><h1>References</h1><ol class="lr-references lr-bibliography">'
            + "".join(entry(n, TITLES[:1 + n % 4]) for n in range(1, 61)) + "</ol></section></body></html>")


def typeset(tmp_path: Path, document: str, pick: Any = None) -> bytes:
    return render_pdf(document, tmp_path, "A4", [PRINT_CSS], False, PART_CSS, True, b"0" * 16, pick,
                      compressed=False)[0]


def typeset_plain(tmp_path: Path) -> tuple[bytes, dict[int, Any]]:
    """The document typeset with its lines as plain text, and where each line is."""
    plain, lines = unlink(DOCUMENT)
    placed: dict[int, Any] = {}

    def pick(pages: Any) -> Any:
        placed.update(boxes(pages, lines))
        return pages

    return typeset(tmp_path, plain, pick), placed


def drawn_with_links(tmp_path: Path) -> tuple[bytes, bytes]:
    """(the plain typesetting, the same with its links drawn in)."""
    pdf, placed = typeset_plain(tmp_path)
    with _open(pdf) as doc:
        relink(doc, placed)
        return pdf, _save(doc)


def links(pdf: bytes) -> list[tuple[int, str, list[float]]]:
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        found = []
        for index, page in enumerate(doc.pages):
            for annotation in page.obj.get("/Annots", []):
                uri = str(annotation.A.URI)
                if uri.startswith("lr-dest:"):
                    x0, y0, x1, y1 = (float(v) for v in annotation.Rect)
                    found.append((index, uri, [min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)]))
        return sorted(found, key=lambda f: (f[0], -f[2][3], f[2][0]))


def test_unlink_leaves_the_text_and_says_where_each_link_is() -> None:
    document = ('<ol class="lr-references lr-bibliography">' + entry(1, ["One &amp; two", "B"])
                + '<li id="r--ref-2"><span class="lr-cited-in" id="lr-cut--r--ref-2">Cited in: '
                  '<a href="lr-dest:x">X</a></span></li>'
                + '<li id="r--ref-3"><span class="lr-cited-in">Cited in: <a href="lr-dest:y"><em>Y</em></a>'
                  '</span></li>'
                + '<li id="r--ref-4"><span class="lr-cited-in">Cited in: <a href="lr-dest:z">Z</a>, '
                  '<a href="#here">Here</a></span></li>'
                + '<li id="r--ref-5"><span class="lr-cited-in">Cited in: <a href="javascript:z">Z</a></span></li>'
                  '</ol>')
    plain, lines = unlink(document)
    assert f'<span class="lr-cited-in" id="{MEASURE_PREFIX}r--ref-1">Cited in: One &amp;amp; two, B</span>' in plain
    line = lines[f"{MEASURE_PREFIX}r--ref-1"]
    assert line.text == "Cited in: One &amp; two, B"
    assert [(line.text[s:e], href) for s, e, href in line.links] == [("One &amp; two", "lr-dest:ch-0"),
                                                                     ("B", "lr-dest:ch-1")]
    assert lines["lr-cut--r--ref-2"].text == "Cited in: X"  # the id it had is kept
    assert '<a href="lr-dest:y"><em>Y</em></a>' in plain  # markup in a link: WeasyPrint makes the line's links
    assert '<a href="lr-dest:z">Z</a>, <a href="#here">Here</a>' in plain  # so it does for a link inside the part
    assert '<a href="javascript:z">Z</a>' in plain  # and for any scheme but lr-dest, http and https
    assert len(lines) == 2
    assert unlink("<p>No list</p>") == ("<p>No list</p>", {})


def test_links_go_where_weasyprint_puts_them(tmp_path: Path) -> None:
    ours = links(drawn_with_links(tmp_path)[1])
    theirs = links(typeset(tmp_path, DOCUMENT))
    assert len(ours) == len(theirs) > 150  # a wrapped title: one link on each of its lines, as WeasyPrint does
    for (page, uri, rect), (their_page, their_uri, their_rect) in zip(ours, theirs, strict=True):
        assert (page, uri) == (their_page, their_uri)
        assert max(abs(a - b) for a, b in zip(rect, their_rect, strict=True)) < 0.05, (uri, rect, their_rect)


def test_nothing_drawn_moves(tmp_path: Path) -> None:
    """The page drawn with its links looks exactly as the plain page (and as WeasyPrint's links look: the
    stylesheet draws them in their line's colour)."""
    plain, linked = drawn_with_links(tmp_path)
    images = []
    for name, pdf in (("plain", plain), ("linked", linked), ("theirs", typeset(tmp_path, DOCUMENT))):
        (tmp_path / f"{name}.pdf").write_bytes(pdf)
        subprocess.run(["pdftoppm", "-r", "60", "-gray", "-f", "1", "-l", "2", str(tmp_path / f"{name}.pdf"),
                        str(tmp_path / name)], check=True)
        images.append(b"".join(p.read_bytes() for p in sorted(tmp_path.glob(f"{name}-*.pgm"))))
    assert images[0] == images[1] == images[2]


def test_each_link_is_a_link_element_holding_its_annotation_and_its_text(tmp_path: Path) -> None:
    pdf = compact_structure(drawn_with_links(tmp_path)[1])
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        texts = _marked_text(doc)
        tree = doc.Root.StructTreeRoot.ParentTree.Nums
        values = {int(tree[i]): tree[i + 1] for i in range(0, len(tree), 2)}
        seen = 0
        for index, page in enumerate(doc.pages):
            holders = values[int(page.obj.StructParents)]
            for annotation in page.obj.get("/Annots", []):
                if not str(annotation.A.URI).startswith("lr-dest:"):
                    continue
                element = values[int(annotation.StructParent)]
                assert element.S == "/Link"
                kids = list(element.K)
                assert kids[0].Type == "/OBJR" and kids[0].Obj.objgen == annotation.objgen
                (mcid,) = kids[1:]
                assert holders[int(mcid)].objgen == element.objgen
                title = TITLES[int(str(annotation.A.URI).rsplit("-", 1)[1])]
                assert texts[index, int(mcid)].strip() in title  # a whole title, or its part on one line
                seen += 1
        assert seen > 150


def _marked_text(doc: Any) -> dict[tuple[int, int], str]:
    """(page, MCID) -> the text it draws, read through the fonts' ToUnicode maps."""
    from litreview.pdf.backlinks import _to_unicode

    found: dict[tuple[int, int], str] = {}
    for index, page in enumerate(doc.pages):
        fonts = page.obj.Resources.Font
        mcid, font = None, None
        for instruction in pikepdf.parse_content_stream(page):
            operator, operands = str(instruction.operator), instruction.operands
            if operator == "BDC" and isinstance(operands[1], pikepdf.Dictionary) and "/MCID" in operands[1]:
                mcid = int(operands[1].MCID)
            elif operator == "EMC":
                mcid = None
            elif operator == "Tf":
                font = _to_unicode(fonts[str(operands[0])])
            elif operator == "TJ" and mcid is not None and font is not None:
                for item in operands[0]:
                    if isinstance(item, pikepdf.String):
                        raw = bytes(item)
                        found[index, mcid] = found.get((index, mcid), "") + "".join(
                            font.get(int.from_bytes(raw[k:k + 2], "big"), "?") for k in range(0, len(raw), 2))
    return found


def test_text_that_is_not_the_line_is_refused(tmp_path: Path) -> None:
    pdf, placed = typeset_plain(tmp_path)
    page, found = next(iter(placed.items()))
    box, line = found[0]
    for wrong in (Line(line.text + " and more", line.links), Line(line.text.replace("Cited", "Cites"), line.links)):
        with _open(pdf) as doc, pytest.raises(NotLinkable, match="is not the line"):
            relink(doc, {page: [(box, wrong)]})
    with _open(pdf) as doc, pytest.raises(NotLinkable, match="no text drawn"):
        relink(doc, {page: [((0.0, 0.0, 1.0, 1.0), line)]})


def test_a_part_that_cannot_be_relinked_is_typeset_with_weasyprints_links(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    config = parts.settings(tmp_path, "A4", [PRINT_CSS], False, True, None, 1)
    pdf, warnings, _ = parts._typeset(DOCUMENT, PART_CSS, config, "0" * 32, None)
    assert warnings == [] and len(links(pdf)) > 150

    def refuse(doc: Any, placed: Any) -> None:
        raise NotLinkable("for the test")

    monkeypatch.setattr("litreview.pdf.backlinks.relink", refuse)
    again, _, _ = parts._typeset(DOCUMENT, PART_CSS, config, "0" * 32, None)
    assert [(p, u) for p, u, _ in links(again)] == [(p, u) for p, u, _ in links(pdf)]
    with pikepdf.open(io.BytesIO(again)) as doc:  # WeasyPrint's own: its link text in a marked sequence each
        assert len(doc.pages[0].obj.Annots) > 10


def test_with_a_stylesheet_of_the_authors_weasyprint_makes_the_links(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """A stylesheet besides litreview's may style the links (a weight, a decoration) that plain text would lose."""
    extra = tmp_path / "extra.css"
    extra.write_text(".lr-cited-in a { font-weight: bold; }\n")
    config = parts.settings(tmp_path, "A4", [PRINT_CSS, extra], False, True, None, 1)

    def unused(document: str) -> Any:
        raise AssertionError("the lines were made plain text")

    monkeypatch.setattr("litreview.pdf.backlinks.unlink", unused)
    pdf, _, _ = parts._typeset(DOCUMENT, PART_CSS, config, "0" * 32, None)
    assert len(links(pdf)) > 150
