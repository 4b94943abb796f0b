"""Chapter reference lists made of the bibliography's typeset entries (pdf/compose.py): the pure parts, without a
site. The whole path (skeleton, moved content, links, structure) is checked against typesetting in
tests/test_pdf.py."""
from __future__ import annotations

import io

import pikepdf
import pytest

from litreview.pdf.compose import (
    CUT_PREFIX,
    NotComposable,
    Place,
    entries,
    list_heights,
    mark_cuts,
    PROBE_IDS,
    PROBE_LATER,
    Geometry,
    anchors,
    geometry,
    paginate,
    probe_document,
    skeleton_document,
    skeletons_document,
)
from litreview.pdf.compose import _Piece as Piece  # the reading of one piece, tested on its own

ENTRY_A = ('<li id="r--ref-a" value="1"><span class="lr-ref-text" id="r--ref-text-1">Doe J. First. '
           '<a href="https://doi.org/10.1/a">10.1/a</a></span> ')
ENTRY_B = '<li id="r--ref-b" value="2"><span class="lr-ref-text" id="r--ref-text-2">Roe R. Second.</span> '
CITED = '<span class="lr-cited-in">Cited in: <a href="lr-dest:ch-x">Chapter 1</a></span>'
BIBLIOGRAPHY = ('<body><ol class="lr-references lr-bibliography">' + ENTRY_A + CITED + "</li>" + ENTRY_B + CITED
                + "</li></ol></body>")
CHAPTER = '<body><h1>References</h1><ol class="lr-references">' + ENTRY_B + "</li></ol></body>"


def test_cut_ids_go_on_each_entrys_cited_in_line_only() -> None:
    marked = mark_cuts(BIBLIOGRAPHY)
    assert marked.count(f'id="{CUT_PREFIX}') == 2
    assert f'<span class="lr-cited-in" id="{CUT_PREFIX}r--ref-a"' in marked
    assert f'<span class="lr-cited-in" id="{CUT_PREFIX}r--ref-b"' in marked
    assert mark_cuts(CHAPTER) == CHAPTER  # no "Cited in" lines: nothing to mark
    assert [i for i, _ in entries(marked)] == ["r--ref-a", "r--ref-b"]


def test_heights_are_the_entries_without_their_cited_in_lines() -> None:
    places = {"r--ref-b": Place(1, 3, (10.0, 100.0, 500.0, 160.0)),
              CUT_PREFIX + "r--ref-b": Place(1, 3, (10.0, 131.5, 500.0, 160.0))}
    assert list_heights(CHAPTER, dict(entries(BIBLIOGRAPHY)), places) == {"r--ref-b": 31.5}
    without_line = {"r--ref-b": Place(0, 0, (10.0, 100.0, 500.0, 120.0))}  # an entry cited nowhere else
    assert list_heights(CHAPTER, dict(entries(BIBLIOGRAPHY)), without_line) == {"r--ref-b": 20.0}


@pytest.mark.parametrize("chapter, places, why", [
    (CHAPTER.replace("Second.", "Second, edited."), None, "not the bibliography's"),
    (CHAPTER.replace('value="2"', 'value="7"'), None, "not the bibliography's"),
    (CHAPTER, {}, "no place"),
    (CHAPTER, {"r--ref-b": Place(0, 3, (0, 900, 1, 1100)), CUT_PREFIX + "r--ref-b": Place(0, 4, (0, 80, 1, 90))},
     "page break"),
    ('<body><ol class="lr-references"></ol></body>', None, "no entries"),
])
def test_an_entry_that_is_not_surely_the_bibliographys_is_typeset(chapter: str, places: dict[str, Place] | None,
                                                                   why: str) -> None:
    found = {"r--ref-b": Place(0, 0, (0.0, 0.0, 1.0, 1.0))} if places is None else places
    with pytest.raises(NotComposable, match=why):
        list_heights(chapter, dict(entries(BIBLIOGRAPHY)), found)


def test_the_skeleton_has_one_box_per_page_and_nothing_of_the_text() -> None:
    skeleton = skeleton_document(CHAPTER, [31.5, 200.25])
    assert "Roe" not in skeleton and "<h1>References</h1>" in skeleton
    assert (f'<ol class="lr-references"><li id="{CUT_PREFIX}page-0" class="lr-slot" style="height: 31.5px"></li>'
            f'<li id="{CUT_PREFIX}page-1" class="lr-slot" style="height: 200.25px; break-before: page"></li></ol>'
            ) in skeleton
    assert anchors(CHAPTER) == {"r--ref-b": ["r--ref-b", "r--ref-text-2"]}  # destinations at the entry's top
    probe = probe_document(SECTIONED)
    assert [f'id="{name}"' in probe for name in (*PROBE_IDS, PROBE_LATER)] == [True] * 5 and "Roe" not in probe
    assert probe.count("<section") == 2 and f'id="{CUT_PREFIX}probe-refs-x"' in probe  # a second list after it
    with pytest.raises(NotComposable, match="no reference list"):
        skeleton_document("<body><p>No list</p></body>", [10.0])


SECTIONED = ('<html><head><title>T</title></head><body><section class="chapter chapter-refs" id="refs-x">'
             + CHAPTER[len("<body>"):-len("</body>")] + "</section></body></html>")


def test_skeletons_are_one_document_of_a_section_each() -> None:
    """Each later section moved down by the lead, as its own document would begin it; sections by their ids."""
    other = SECTIONED.replace('id="refs-x"', 'id="refs-y"')
    document, names = skeletons_document([skeleton_document(SECTIONED, [10.0], "0-"),
                                          skeleton_document(other, [20.0, 5.0], "1-")], 8.0) or ("", [])
    assert names == ["refs-x", "refs-y"] and document.startswith("<html><head><title>T</title></head><body>")
    assert '<section class="chapter chapter-refs" id="refs-x">' in document  # the first begins as its own would
    assert '<section style="padding-top: 8.0px" class="chapter chapter-refs" id="refs-y">' in document
    assert [f'id="{CUT_PREFIX}{n}page-{k}"' in document for n, k in (("0-", 0), ("1-", 0), ("1-", 1))] == [True] * 3
    assert skeletons_document([SECTIONED, SECTIONED], 0.0) is None  # the same section twice
    assert skeletons_document([CHAPTER], 0.0) is None  # no section


SHAPE = Geometry(first_top=100.0, top=50.0, left=20.0, right=300.0, gap=4.0, bottom=200.0)


def test_the_geometry_is_read_from_the_probe() -> None:
    first, second, after, bottom = PROBE_IDS
    places = {first: (0, (20.0, 100.0, 300.0, 110.0)), second: (0, (20.0, 114.0, 300.0, 124.0)),
              after: (1, (20.0, 50.0, 300.0, 60.0)), bottom: (0, (10.0, 200.0, 10.0, 200.0))}
    assert geometry(places) == SHAPE
    assert geometry({**places, PROBE_LATER: (2, (20.0, 92.0, 300.0, 102.0))}).lead == 8.0
    with pytest.raises(NotComposable):
        geometry({**places, after: (0, (20.0, 130.0, 300.0, 140.0))})  # the page break did not happen


def test_entries_are_laid_out_as_the_print_stylesheet_says() -> None:
    """An entry never breaks: it goes on the next page unless it fits, with the gap after it, above the bottom."""
    heights = {"a": 40.0, "b": 52.0, "c": 30.0, "d": 100.0, "e": 140.0}
    used, slots = paginate(["a", "b", "c", "d", "e"], heights, SHAPE)
    assert slots["a"] == (0, (20.0, 100.0, 300.0, 140.0))
    assert slots["b"] == (0, (20.0, 144.0, 300.0, 196.0))  # 196 + 4 = 200: it fits exactly
    assert slots["c"] == (1, (20.0, 50.0, 300.0, 80.0))  # 200 + 30 > 200: the next page
    assert slots["d"] == (1, (20.0, 84.0, 300.0, 184.0))
    assert slots["e"] == (2, (20.0, 50.0, 300.0, 190.0))
    assert used == [96.0, 134.0, 140.0]  # each page's box: from its first entry's top to its last one's bottom
    with pytest.raises(NotComposable, match="taller than the room"):
        paginate(["a", "big"], {"a": 10.0, "big": 147.0}, SHAPE)  # 147 + 4 > 200 - 50: on no page
    with pytest.raises(NotComposable, match="taller than the room"):
        paginate(["big"], {"big": 120.0}, SHAPE)  # not under the heading: WeasyPrint would leave it alone there


def _page(content: bytes) -> bytes:
    pdf = pikepdf.new()
    font = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1,
                                                BaseFont=pikepdf.Name.Helvetica))
    page = pikepdf.Dictionary(Type=pikepdf.Name.Page, MediaBox=[0, 0, 600, 800],
                              Resources=pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font)),
                              Contents=pdf.make_stream(content))
    pdf.pages.append(pikepdf.Page(page))
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def test_a_sequence_carries_the_colour_and_font_set_before_it() -> None:
    """WeasyPrint sets a colour in one marked-content sequence and draws the next one in it: each sequence moved
    alone restates the state it was drawn in, with resources renamed for the composed part."""
    content = (b"1 0 0 -1 0 800 cm q /Span <</MCID 0>> BDC 1 0 0 rg BT /F1 10 Tf 1 0 0 -1 10 20 Tm [(a)] TJ ET EMC "
               b"/Span <</MCID 1>> BDC BT 1 0 0 -1 10 40 Tm [(b)] TJ ET EMC Q")
    with pikepdf.open(io.BytesIO(_page(content))) as pdf:
        piece = Piece(pdf, 0, {})
        page = piece.page(0)
        assert page.safe
        assert [(m, s.y) for m, s in sorted(page.sequences.items())] == [(0, 20.0), (1, 40.0)]
        assert page.sequences[1].state.ctm == (1.0, 0.0, 0.0, -1.0, 0.0, 800.0)
        state, body, tag, used = piece.drawn(0, 1)
        assert b"1 0 0 rg" in state and b"Tf" in state and b"/F1" not in state + body
        assert tag == b"/Span" and list(used) == ["/Font"]
        assert b"BDC" not in body and b"EMC" not in body and b"TJ" in body


def test_painting_outside_marked_content_is_never_composed() -> None:
    content = b"/Span <</MCID 0>> BDC BT /F1 10 Tf 1 0 0 1 10 20 Tm [(a)] TJ ET EMC 0 0 10 10 re f"
    with pikepdf.open(io.BytesIO(_page(content))) as pdf:
        assert not Piece(pdf, 0, {}).page(0).safe
