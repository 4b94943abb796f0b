"""Tagged parts made smaller before joining (pdf/join.py compact_structure): the same text, the same structure a
screen reader walks, a consistent parent tree, no `Span` element that carries nothing, and running heads marked as
pagination artifacts."""
from __future__ import annotations

import io
import re
import subprocess
from pathlib import Path

import pikepdf

from helpers import structure_problems
from litreview.pdf.export import PRINT_CSS, render_pdf
from litreview.pdf.join import compact_structure, join

DOCUMENT = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>T</title></head><body>
<section class="chapter" id="ch-x"><h1>Chapter <em>one</em></h1>
<p>Plain text and a citation <span class="lr-cite">[<a href="#r1">1</a>, <a href="#r2">2</a>]</span> in a
paragraph long enough to run over several lines of the page, so that each line is a run of its own and the
runs of one paragraph meet the runs of a link: <a href="https://example.org/a">an outside link that is long
enough to break across two lines of text</a>.</p>
<p lang="fr">Une phrase en <span lang="de">Deutsch</span> et en français.</p>
<ul><li>One <strong>strong</strong> item</li><li>Two</li></ul>
<table><thead><tr><th>Study</th><th>n</th></tr></thead><tbody><tr><td>A <a href="#r1">1</a></td><td>12</td></tr>
</tbody></table>
<ol class="lr-references"><li id="r1">Doe J. First. <a href="https://doi.org/10.1/x">10.1/x</a></li>
<li id="r2">Roe R. Second.</li></ol>
<div style="break-before: page"><p>The second page, <a href="#r2">2</a>.</p></div>
</section></body></html>"""


def typeset(tmp_path: Path) -> bytes:
    return render_pdf(DOCUMENT, tmp_path, "A4", [PRINT_CSS])[0]


def text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "t.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout


def structure_text(pdf: bytes, tmp_path: Path) -> list[str]:
    """What a screen reader walks: the element kinds with their text, `Span`s (now folded) left out."""
    path = tmp_path / "s.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdfinfo", "-struct-text", str(path)], capture_output=True, text=True, check=True).stdout
    lines = [line.strip() for line in out.splitlines() if line.strip() and not line.strip().startswith("Span")]
    return [re.sub(r"^Object \d+ \d+$", "Object", line) for line in lines]  # annotations renumbered


def kinds(pdf: bytes) -> list[tuple[str, set[str]]]:
    """Kind and keys of each element of the tree (WeasyPrint also writes elements for running heads that no
    element lists as a child: those are not part of the tree a reader walks)."""
    found = []

    def walk(element: pikepdf.Dictionary) -> None:
        found.append((str(element.S), set(element.keys())))
        kids = element.get("/K")
        for kid in kids if isinstance(kids, pikepdf.Array) else [kids] if kids is not None else []:
            if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
                walk(kid)

    with pikepdf.open(io.BytesIO(pdf)) as doc:
        tops = doc.Root.StructTreeRoot.K
        for top in tops if isinstance(tops, pikepdf.Array) else [tops]:
            walk(top)
    return found


def test_compact_keeps_text_structure_and_parent_tree(tmp_path: Path) -> None:
    original = typeset(tmp_path)
    compact = compact_structure(original)
    assert text(compact, tmp_path) == text(original, tmp_path)
    assert structure_text(compact, tmp_path) == structure_text(original, tmp_path)
    # WeasyPrint tags its running heads as content of elements that are in no tree; they become pagination
    # artifacts, and nothing else is out of place
    assert structure_problems(original) and all("is in no element" in p for p in structure_problems(original))
    assert structure_problems(compact) == []
    with pikepdf.open(io.BytesIO(compact)) as doc:
        assert all(b"/Artifact <</Type /Pagination>> BDC" in page.Contents.read_bytes() for page in doc.pages)
    before, after = kinds(original), kinds(compact)
    assert sum(k == "/Span" for k, _ in before) > 10
    plain = {"/Type", "/S", "/P", "/Pg", "/K"}
    assert not [k for k, keys in after if k == "/Span" and keys <= plain]  # every Span left says something
    assert len(after) < len(before) * 0.7
    with pikepdf.open(io.BytesIO(compact)) as doc:
        assert not [o for o in doc.objects if isinstance(o, pikepdf.Dictionary) and o.get("/Type") == "/OBJR"]
        links = [o for o in doc.objects if isinstance(o, pikepdf.Dictionary) and o.get("/S") == "/Link"]
        assert links and all(any(isinstance(k, pikepdf.Dictionary) and k.get("/Type") == "/OBJR" for k in l.K)
                             for l in links)


def test_a_span_that_says_something_stays(tmp_path: Path) -> None:
    """WeasyPrint writes no element attributes today; a Span with a language (or any other key) is kept."""
    original = typeset(tmp_path)
    with pikepdf.open(io.BytesIO(original)) as doc:
        span = next(o for o in doc.objects if isinstance(o, pikepdf.Dictionary) and o.get("/S") == "/Span"
                    and isinstance(o.get("/P"), pikepdf.Dictionary) and o.P.get("/S") == "/P")
        span.Lang = pikepdf.String("de")
        out = io.BytesIO()
        doc.save(out)
    marked = out.getvalue()
    compact = compact_structure(marked)
    assert ("/Span", {"/Type", "/S", "/P", "/Pg", "/K", "/Lang"}) in kinds(compact)
    assert structure_problems(compact) == []


def test_compacted_parts_join_into_a_consistent_tree(tmp_path: Path) -> None:
    part = compact_structure(typeset(tmp_path))
    book = join([part, part, part])
    assert structure_problems(book) == []
    assert text(book, tmp_path).count("Plain text and a citation") == 3


def test_untagged_pdf_is_left_as_it_is(tmp_path: Path) -> None:
    plain = render_pdf(DOCUMENT, tmp_path, "A4", [PRINT_CSS], tagged=False)[0]
    assert compact_structure(plain) == plain
