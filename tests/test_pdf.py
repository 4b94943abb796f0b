"""The offline PDF: read back with pypdf and poppler (pdftotext, pdfinfo, pdffonts, pdftoppm)."""
from __future__ import annotations

import re
from html import unescape
import shutil
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from helpers import bib_entry, build_site, write_site

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "tests" / "artifacts"
NAV_ONLY = ["Skip to content", "Initializing search", "Table of contents", "Edit this page",
            "Back to top", "Made with"]


def run(*args: str) -> str:
    return subprocess.run(list(args), capture_output=True, text=True, check=True).stdout


@pytest.fixture(scope="module")
def pdf(review_site: Path) -> Path:
    path = review_site / "review.pdf"
    assert path.is_file() and path.stat().st_size > 10_000
    return path


def chapter_titles(review_site: Path) -> list[str]:
    from test_review_site import nav_pages

    titles = []
    for page in nav_pages():
        html = (review_site / page.replace(".md", ".html")).read_text(encoding="utf-8")
        h1 = re.search(r"<h1[^>]*>(.*?)</h1>", html, re.S)
        assert h1, page
        titles.append(unescape(re.sub(r"<[^>]+>", "", h1.group(1))).replace("\u00b6", "").strip())
    return titles


def test_page_count_and_metadata(pdf: Path) -> None:
    info = run("pdfinfo", str(pdf))
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))  # type: ignore[union-attr]
    assert 30 <= pages <= 250
    assert re.search(r"Title:\s+Liver-directed therapy", info)
    assert re.search(r"Author:\s+\S", info) and re.search(r"Subject:\s+\S", info)
    assert re.search(r"Keywords:\s+.*PRRT", info)
    assert "A4" in info


def test_contents_list_every_chapter_at_its_real_page(pdf: Path, review_site: Path) -> None:
    """The contents' number of a chapter is the number printed on its first page and the page label a reader's
    page box shows (the cover and contents are i, ii..., the first chapter page 1)."""
    reader = PdfReader(str(pdf))
    labels = reader.page_labels
    assert labels[0] == "i" and "1" in labels and labels.index("1") > 1
    body = len(labels) - labels.index("1")
    outline = {item.title: reader.get_destination_page_number(item) for item in reader.outline
               if not isinstance(item, list)}
    contents = run("pdftotext", "-layout", "-f", "2", "-l", str(labels.index("1")), str(pdf), "-")
    for title in chapter_titles(review_site):
        assert title in outline, title
        index = outline[title]
        line = next((ln for ln in contents.splitlines() if ln.strip().startswith(title[:40])), None)
        assert line, f"'{title}' not in the contents"
        assert line.rstrip().endswith(f" {labels[index]}"), (title, line, labels[index])
        page_text = " ".join(run("pdftotext", "-f", str(index + 1), "-l", str(index + 1), str(pdf), "-").split())
        assert title.split(":")[0][:30] in page_text, title
        assert f"{labels[index]} / {body}" in page_text, (title, page_text[-40:])


def test_citations_link_to_the_bibliography_entries(pdf: Path, review_site: Path) -> None:
    reader = PdfReader(str(pdf))
    destinations = set(reader.named_destinations)
    links: set[str] = set()
    for page in reader.pages:
        for annot in page.get("/Annots", []) or []:
            dest = annot.get_object().get("/Dest")
            if isinstance(dest, str) and "--ref-" in dest:
                links.add(dest)
    bibliography = (review_site / "references.html").read_text(encoding="utf-8")
    keys = set(re.findall(r'<li id="ref-([^"]+)"', bibliography))
    assert links, "no citation links in the PDF"
    assert {d.split("--ref-", 1)[1] for d in links} == keys  # every cited entry is reached from a citation
    assert all(d in destinations for d in links)
    text = run("pdftotext", str(pdf), "-")
    numbers = [int(n) for n in re.findall(r'<li id="ref-[^"]+" value="(\d+)"', bibliography)]
    assert numbers == list(range(1, len(numbers) + 1))


def test_no_screen_only_text_and_readable_order(pdf: Path) -> None:
    text = run("pdftotext", str(pdf), "-")
    for phrase in NAV_ONLY:
        assert phrase not in text, phrase
    assert "@online{" not in text and "lr-cite" not in text
    first = text.index("Epidemiology and classification")
    assert first < text.index("Peptide receptor radionuclide therapy") < text.rindex("References")


def test_fonts_embedded(pdf: Path) -> None:
    lines = run("pdffonts", str(pdf)).splitlines()[2:]
    assert lines
    for line in lines:
        assert re.search(r"\byes\s+yes\s+yes\b", line), line


def test_render_two_pages_for_people_to_look_at(pdf: Path) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for page in ("1", "8"):
        subprocess.run(["pdftoppm", "-r", "60", "-png", "-f", page, "-l", page, str(pdf),
                        str(ARTIFACTS / f"pdf-page-{page}")], check=True)
    assert len(list(ARTIFACTS.glob("pdf-page-*.png"))) >= 2


BIB = bib_entry("a", "First", "Doe, J.", doi="10.1000/xyz") + bib_entry("b", "Second", "Roe, R.")


def pdf_site(tmp_path: Path, **pdf_options: object) -> Path:
    options = {"pdf": {"enabled": True, **pdf_options}, "cache_dir": ".cache/litreview"}
    return write_site(tmp_path, {"index.md": "# Start\n\nText [@a].\n\n## Part\n\nMore [@b].\n",
                                 "refs.md": "# References\n\n<!-- bibliography -->\n"}, BIB, options=options,
                      nav=["index.md", "refs.md"])


def test_the_review_pdfs_structure_trees_are_consistent(pdf: Path, review_site: Path) -> None:
    """After compaction and joining, all marked content is in the structure tree or a pagination artifact (WeasyPrint
    tags running heads as content of elements in no tree), and every element's parent, the parent tree and every
    link's structure parent agree, in the book and in a chapter PDF."""
    from helpers import structure_problems

    for path in (pdf, sorted((review_site / "pdf").glob("*.pdf"))[0]):
        assert structure_problems(path.read_bytes()) == []


def test_compaction_keeps_every_text_table_and_figure_of_a_real_chapter_in_the_tree(review_site: Path,
                                                                                    tmp_path: Path) -> None:
    """The review's comparison chapter (tables, a chart, citations) typeset as the build does: after compaction a
    screen reader walks the same text, tables and figures, in the same order (poppler's structure text)."""
    from litreview.pdf.assemble import PdfMeta, PdfPage, chapter_document
    from litreview.pdf.export import PART_CSS, PRINT_CSS, render_pdf
    from litreview.pdf.join import compact_structure

    html = (review_site / "comparison.html").read_text(encoding="utf-8")
    body = re.search(r"<article[^>]*>(.*)</article>", html, re.S).group(1)  # type: ignore[union-attr]
    page = PdfPage("comparison", "Comparison", "comparison.html", body)
    document = chapter_document(page, {"comparison.html": "comparison"}, None, PdfMeta("Review"))
    raw = render_pdf(document, review_site, "A4", [PRINT_CSS], extra_css=PART_CSS)[0]

    def walked(pdf: bytes) -> list[str]:
        path = tmp_path / "walked.pdf"
        path.write_bytes(pdf)
        lines = [line.strip() for line in run("pdfinfo", "-struct-text", str(path)).splitlines()]
        kinds = ("Table", "TH", "TD", "Figure", "H1", "H2")  # "TD:" when it shows the cell's attributes
        return [line for line in lines if line.startswith('"') or line.split(" ")[0].rstrip(":") in kinds]

    before, after = walked(raw), walked(compact_structure(raw))
    assert sum(line.startswith("Table") for line in before) >= 1 and any(line.startswith("Figure") for line in before)
    assert after == before


def test_tiny_pdf_letter_size_doi_link_and_cache(tmp_path: Path) -> None:
    pdf_site(tmp_path, page_size="Letter", filename="book.pdf")
    first = build_site(tmp_path)
    assert first.litreview_warnings == []
    path = first.site / "book.pdf"
    assert "612 x 792" in run("pdfinfo", str(path))
    reader = PdfReader(str(path))
    uris = {a.get_object()["/A"].get("/URI") for p in reader.pages for a in p.get("/Annots", []) or []
            if "/A" in a.get_object()}
    assert "https://doi.org/10.1000/xyz" in uris
    cached = sorted((tmp_path / ".cache/litreview/pdf").glob("part-*.pdf"))
    # two chapters, the first one's references, the contents, the book's and the chapter PDFs' page numbers
    assert len(cached) >= 5
    second = build_site(tmp_path, site_dir=tmp_path / "site2")
    assert (second.site / "book.pdf").read_bytes() == path.read_bytes()


def test_missing_image_is_named(tmp_path: Path) -> None:
    pdf_site(tmp_path)
    (tmp_path / "docs" / "index.md").write_text("# Start\n\n![A figure](missing-figure.png)\n\n[@a] [@b]\n")
    result = build_site(tmp_path)
    assert any(w.startswith("PDF:") and "missing-figure.png" in w for w in result.warnings), result.warnings


def test_pdf_failure_keeps_the_site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pdf_site(tmp_path)
    import litreview.pdf.export as export

    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("renderer crashed")

    monkeypatch.setattr(export, "render_pdf", boom)
    result = build_site(tmp_path)
    assert result.warnings == ["PDF: review.pdf was not written (RuntimeError: renderer crashed); the site is complete"]
    assert (result.site / "index.html").is_file() and (result.site / "refs.html").is_file()
    assert not (result.site / "review.pdf").exists()


def test_pdf_can_be_switched_off(tmp_path: Path) -> None:
    pdf_site(tmp_path, enabled=False)
    result = build_site(tmp_path)
    assert not (result.site / "review.pdf").exists()


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils is installed by make test")
def test_tiny_pdf_text(tmp_path: Path) -> None:
    pdf_site(tmp_path)
    result = build_site(tmp_path)
    text = run("pdftotext", str(result.site / "review.pdf"), "-")
    assert "Doe J. First." in text and "Text [1]" in text


def test_nothing_runs_off_the_page(pdf: Path, tmp_path: Path) -> None:
    """Every word (tables included) lies inside the page margins: wide tables wrap instead of being cut off."""
    out = tmp_path / "bbox.html"
    subprocess.run(["pdftotext", "-bbox", str(pdf), str(out)], check=True)
    text = out.read_text(encoding="utf-8")
    right_margin = 18 / 25.4 * 72  # print.css: 18 mm
    pages = re.findall(r'<page width="([\d.]+)"(.*?)</page>', text, re.S)  # portrait, or landscape for wide tables
    assert pages
    for width, words in pages:
        right_edges = [float(x) for x in re.findall(r'xMax="([\d.]+)"', words)]
        assert not right_edges or max(right_edges) <= float(width) - right_margin + 1


def test_tables_and_charts_print_in_full(pdf: Path) -> None:
    """Paper shows what the screen folds: long text under each row, the chart's values, summaries and the map;
    estimates with the kind of their interval; none of the screen's table controls."""
    text = " ".join(run("pdftotext", str(pdf), "-").split())
    assert "Other outcomes: Very high between-study heterogeneity" in text  # radioembolization, folded on screen
    assert "Population and regimen: Progressive SSTR-positive midgut NET" in text  # PRRT
    assert "50% (95% CI 38–62)" in text and "65% (range 36–97.2)" in text and "HR 0.84 (95% CI 0.60–1.17)" in text
    assert "Values in the chart above" in text
    assert "Summary of findings: radioembolization for NEN liver metastases" in text
    assert "range of the 3 studies' estimates; not pooled" in text
    assert "Evidence map: studies by modality and outcome" in text
    for screen_only in ("Filter rows", "Open all details", "rows shown", "The data in this chart, as a table"):
        assert screen_only not in text, screen_only


def test_two_clean_builds_in_different_folders_give_identical_pdfs_without_file_links(tmp_path: Path) -> None:
    """Reproducible: the same sources in two folders, each with an empty cache, give the same bytes; no link
    of the book or of a chapter PDF points at the file system."""
    outputs = []
    for folder in ("one", "two/deeper"):
        root = tmp_path / folder
        pdf_site(root)
        (root / "docs" / "index.md").write_text("# Start\n\nText [@a], see [the list](refs.md) and "
                                                "[the PDF](review.pdf).\n\n## Part\n\nMore [@b].\n")
        result = build_site(root)
        assert result.litreview_warnings == []
        outputs.append(result.site)
    for name in ("review.pdf", "pdf/index.pdf", "pdf/refs.pdf"):
        first, second = (site / name for site in outputs)
        assert first.read_bytes() == second.read_bytes(), name
        reader = PdfReader(str(first))
        for page in reader.pages:
            for annot in page.get("/Annots", []) or []:
                action = annot.get_object().get("/A")
                uri = str(action.get_object().get("/URI", "")) if action is not None else ""
                assert not uri.lower().startswith("file:") and not uri.startswith("lr-dest:"), uri
        assert str(tmp_path).encode() not in first.read_bytes()


def test_tagged_pdf_with_language_structure_alt_text_and_table_headers(tmp_path: Path) -> None:
    pdf_site(tmp_path)
    (tmp_path / "docs" / "index.md").write_text(
        "# Start\n\nText [@a].\n\n![A bar chart of response rates](chart.svg)\n\n"
        "| Study | n |\n|---|---|\n| A | 1 |\n\n## Part\n\nMore [@b].\n")
    (tmp_path / "docs" / "chart.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg" width="20" height="10">'
                                                 '<rect width="20" height="10"/></svg>')
    result = build_site(tmp_path)
    reader = PdfReader(str(result.site / "review.pdf"))
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "en" and bool(root["/MarkInfo"]["/Marked"])
    kinds: list[str] = []
    alts: list[str] = []

    def walk(element: object) -> None:
        element = element.get_object()  # type: ignore[attr-defined]
        if isinstance(element, dict) and "/S" in element:
            kinds.append(str(element["/S"]))
            if "/Alt" in element:
                alts.append(str(element["/Alt"]))
            kids = element.get("/K")
            for kid in kids if isinstance(kids, list) else [kids] if kids is not None else []:
                walk(kid)

    for top in root["/StructTreeRoot"]["/K"]:
        walk(top)
    assert kinds[0] == "/Document" and kinds.count("/Part") == 2  # the cover and contents, then two chapters
    assert {"/H1", "/H2", "/Table", "/TH", "/TD", "/Link", "/Figure"} <= set(kinds)
    assert "A bar chart of response rates" in alts
    assert b"pdfuaid" in root["/Metadata"].get_object().get_data()  # PDF/UA-1 is declared
    # every page's marked content is reachable from the joined parent tree
    keys = {int(p["/StructParents"]) for p in reader.pages}
    nums = root["/StructTreeRoot"]["/ParentTree"]["/Nums"]
    assert keys <= {int(nums[i]) for i in range(0, len(nums), 2)}


def test_chapter_pdfs_have_their_own_references_and_are_linked_from_the_page(tmp_path: Path) -> None:
    pdf_site(tmp_path, chapters_folder="chapters")
    result = build_site(tmp_path)
    chapter = result.site / "chapters" / "index.pdf"
    text = run("pdftotext", str(chapter), "-")
    assert "Text [1]" in text and "Doe J. First." in text and "Roe R. Second." in text
    assert "Contents" not in text
    reader = PdfReader(str(chapter))
    assert str(reader.metadata.title).startswith("Start")  # type: ignore[union-attr]
    citations = [a.get_object()["/Dest"] for p in reader.pages for a in p.get("/Annots", []) or []
                 if "--ref-" in str(a.get_object().get("/Dest", ""))]
    assert citations and all(d in reader.named_destinations for d in citations)  # to its own list
    page = (result.site / "index.html").read_text(encoding="utf-8")
    assert 'href="chapters/index.pdf"' in page
    book = run("pdftotext", str(result.site / "review.pdf"), "-")
    assert book.count("Doe J. First.") == 1  # the book keeps one bibliography


def test_progress_is_reported_and_an_edit_typesets_one_chapter(tmp_path: Path,
                                                              caplog: pytest.LogCaptureFixture) -> None:
    import logging

    pdf_site(tmp_path)
    build_site(tmp_path)
    (tmp_path / "docs" / "refs.md").write_text("# References\n\nA new sentence.\n\n<!-- bibliography -->\n")
    with caplog.at_level(logging.INFO, logger="mkdocs.plugins.litreview"):
        build_site(tmp_path)
    infos = [r.getMessage() for r in caplog.records if r.getMessage().startswith("PDF: ")]
    assert "PDF: 2 chapters, 1 of them reused from the cache" in infos
    # the lines while it runs count the chapter PDFs' own reference lists too (index.md's here)
    assert any(re.match(r"PDF: \d/2 chapters \(\d reused from the cache, \d typeset\), \d/1 reference lists of "
                        r"chapter PDFs, [\d.]+ s$", m) for m in infos), infos
    assert any(re.match(r"PDF: 2/2 chapters \(1 reused from the cache, 1 typeset\), joined \d+ pages and 2 "
                        r"chapter PDFs in [\d.]+ s$", m) for m in infos), infos


def test_parts_made_by_other_code_are_typeset_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                     caplog: pytest.LogCaptureFixture) -> None:
    """A cached part is keyed by the PDF code and the versions of WeasyPrint and pikepdf too: after an upgrade of
    litreview (pieces, compaction...) or of those, nothing made by the old code is reused."""
    import logging

    import litreview.pdf.parts as parts

    pdf_site(tmp_path)
    build_site(tmp_path)
    with caplog.at_level(logging.INFO, logger="mkdocs.plugins.litreview"):
        build_site(tmp_path)
        monkeypatch.setattr(parts, "pdf_code_digest", lambda: "other code")
        build_site(tmp_path)
    infos = [r.getMessage() for r in caplog.records if r.getMessage().startswith("PDF: 2 chapters")]
    assert infos == ["PDF: 2 chapters, 2 of them reused from the cache",
                     "PDF: 2 chapters, 0 of them reused from the cache"]


def test_wide_tables_go_on_landscape_pages(tmp_path: Path) -> None:
    pdf_site(tmp_path)
    header = "| " + " | ".join(f"Retrospective column {i}" for i in range(13)) + " |\n"
    table = header + "|" + "---|" * 13 + "\n" + "| " + " | ".join("retrospective" for _ in range(13)) + " |\n"
    (tmp_path / "docs" / "index.md").write_text(f"# Start\n\nText [@a] [@b].\n\n{table}")
    result = build_site(tmp_path)
    reader = PdfReader(str(result.site / "review.pdf"))
    sizes = [(round(float(p.mediabox.width)), round(float(p.mediabox.height))) for p in reader.pages]
    assert (842, 595) in sizes and (595, 842) in sizes
    text = run("pdftotext", str(result.site / "review.pdf"), "-")
    assert "retro-" not in text and "spect-" not in text


def test_named_anchors_of_older_html_on_two_chapters_give_no_anchor_warnings(tmp_path: Path) -> None:
    """pandoc's and bookdown's HTML anchors with `<a name>`: each chapter's are renamed as its ids are, and a link
    to `#` is plain text, in the book of parts and in the one-document yardstick alike."""
    from litreview.pdf.assemble import PdfMeta, PdfPage, assemble
    from litreview.pdf.export import PRINT_CSS, render_pdf

    pdf_site(tmp_path)
    (tmp_path / "docs" / "index.md").write_text('# Start\n\n<a name="methods"></a>\n\nText [@a; @b], see '
                                                '[below](#methods), [the other](refs.md#methods) and [top](#).\n')
    (tmp_path / "docs" / "refs.md").write_text('# References\n\n<a name="methods"></a>\n\n[Back](index.md#methods).'
                                               '\n\n<!-- bibliography -->\n')
    result = build_site(tmp_path)
    assert result.warnings == []
    reader = PdfReader(str(result.site / "review.pdf"))
    dests = [str(a.get_object().get("/Dest", "")) for p in reader.pages for a in p.get("/Annots", []) or []]
    assert "index--methods" in dests and "refs--methods" in dests
    pages = [PdfPage(slug, slug, f"{slug}.html", result.article(f"{slug}.html")) for slug in ("index", "refs")]
    _pdf, messages, _refused = render_pdf(assemble(pages, PdfMeta("T"), "refs"), result.site, "A4", [PRINT_CSS])
    assert [m for m in messages if "nchor" in m] == []


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils is installed by make test")
def test_bibliography_on_paper_has_no_per_entry_downloads(tmp_path: Path) -> None:
    """The web page offers "(BibTeX, RIS)" beside each entry; paper does not (nothing to click, a line per entry).
    The whole library's links stay when the site has an address, and go (as dead text) when it has none."""
    for site_url in ("https://review.example.org/", None):
        root = tmp_path / ("with" if site_url else "without")
        root.mkdir()
        write_site(root, {"index.md": "# Start\n\nText [@a].\n", "refs.md": "# References\n\n<!-- bibliography -->\n"},
                   BIB, options={"pdf": {"enabled": True}, "cache_dir": ""}, nav=["index.md", "refs.md"],
                   extra={"site_url": site_url} if site_url else None)
        result = build_site(root)
        page = (result.site / "refs.html").read_text(encoding="utf-8")
        assert "lr-entry-files" in page and "Download the whole library" in page  # the web page keeps them
        text = " ".join(run("pdftotext", str(result.site / "review.pdf"), "-").split())
        assert "Doe J. First." in text and "BibTeX, RIS" not in text
        uris = {str(a.get_object()["/A"].get("/URI")) for p in PdfReader(str(result.site / "review.pdf")).pages
                for a in p.get("/Annots", []) or [] if "/A" in a.get_object()}
        if site_url:
            assert "Download the whole library: BibTeX · RIS · CSL-JSON" in text
            assert f"{site_url}bibliography/library.bib" in uris, uris
        else:
            assert "Download the whole library" not in text


def test_worker_processes_write_the_same_pdfs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Typeset in worker processes (the book's chapters while MkDocs still builds the pages, then the contents,
    page numbers, chapter PDFs' lists composed in two calls, the long chapter PDFs joined in a process of their own
    beside the book) or in the build's own process: the same bytes, and the workers are gone when the build ends."""
    import litreview.pdf.export as export
    import litreview.pdf.parts as parts
    import litreview.pdf.workers as workers_module

    pools: list[parts.WorkerPool] = []
    taken: list[tuple[str, bool]] = []  # each part the PDF step asks for, and whether it was typeset ahead

    class Counted(parts.WorkerPool):
        def __init__(self, workers: int, renew_mb: float = 0) -> None:
            pools.append(self)
            super().__init__(workers, renew_mb)

    start = parts.Typesetter.start

    def spied(self: parts.Typesetter, jobs: list[parts.Job], urgent: bool = False) -> parts.Batch:
        taken.extend((job.name, parts.job_key(job, self.config) in self._ahead) for job in jobs)
        return start(self, jobs, urgent)

    monkeypatch.setattr(parts, "WorkerPool", Counted)
    monkeypatch.setattr(workers_module, "WorkerPool", Counted)
    monkeypatch.setattr(parts.Typesetter, "start", spied)
    # Every chapter PDF counts as long: joined once the workers stop, with workers in a fresh process beside the
    # book's join in the build's process.
    monkeypatch.setattr(export, "LONG_JOIN_PAGES", 0)
    outputs = []
    for workers in (1, 2):
        root = tmp_path / f"workers{workers}"
        root.mkdir()
        write_site(root, {"index.md": "# Start\n\nText [@a].\n\n## Part\n\nMore [@b].\n",
                          "second.md": "# Second\n\nOnly [@b].\n", "refs.md": "# References\n\n<!-- bibliography -->\n"},
                   BIB, options={"pdf": {"enabled": True, "workers": workers}, "cache_dir": ".cache/litreview"},
                   nav=["index.md", "second.md", "refs.md"])
        monkeypatch.setattr(parts, "POOL_MIN_HTML", 0 if workers > 1 else 10**12)
        monkeypatch.setattr(parts, "COMPOSE_CALL_ENTRIES", 1)  # with workers, the two lists in two calls
        result = build_site(root)
        assert result.litreview_warnings == []
        assert all(p.returncode == 0 for pool in pools for p in pool._processes)  # the workers are gone
        outputs.append({p.relative_to(result.site).as_posix(): p.read_bytes()
                        for p in sorted(result.site.rglob("*.pdf"))})
        # With workers, one pool typesets the whole PDF and one more process joins the long chapter PDFs.
        assert len(pools) == 2 * (workers - 1)
        # With workers, every chapter of the book (the bibliography's measured part too) was typeset while the
        # pages were built, and the PDF step took it from there; without, nothing was typeset ahead.
        chapters = {name: ahead for name, ahead in taken if name.startswith("chapter ")}
        assert chapters == {f"chapter {slug}": workers > 1 for slug in ("index", "second", "refs")}
        taken.clear()
    assert sorted(outputs[0]) == ["pdf/index.pdf", "pdf/refs.pdf", "pdf/second.pdf", "review.pdf"]
    assert outputs[0] == outputs[1]


def test_an_edit_build_typesets_the_edited_chapter_ahead_in_one_worker(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Chapters are typeset while MkDocs builds the pages: on a cold build by one worker, then one per core once
    they add up to POOL_MIN_HTML; after an edit, the edited chapter alone, by one worker, the other chapters'
    documents and parts coming from the cache (the chapter PDFs' lists too: no probe of them is typeset). The PDFs
    are the bytes of a cold build of the edited review in another folder."""
    import litreview.pdf.parts as parts
    import litreview.pdf.workers as workers_module

    pools: list[parts.WorkerPool] = []
    ahead: list[str] = []

    class Counted(parts.WorkerPool):
        def __init__(self, workers: int, renew_mb: float = 0) -> None:
            pools.append(self)
            super().__init__(workers, renew_mb)

    submit = parts.Typesetter.ahead

    def spied(self: parts.Typesetter, jobs: list[parts.Job], urgent: bool = False) -> None:
        before = set(self._ahead)
        submit(self, jobs, urgent)
        ahead.extend(job.name for job in jobs if parts.job_key(job, self.config) in set(self._ahead) - before)

    monkeypatch.setattr(parts, "WorkerPool", Counted)
    monkeypatch.setattr(workers_module, "WorkerPool", Counted)
    monkeypatch.setattr(parts.Typesetter, "ahead", spied)
    # Six chapters of about 5,000 characters: the review (30,000) is long enough to typeset ahead, one chapter not.
    monkeypatch.setattr(parts, "POOL_MIN_HTML", 20_000)
    text = "A sentence of the chapter that runs on for a while. " * 100
    pages = {f"c{n}.md": f"# Chapter {n}\n\n{text} [@a].\n" for n in range(6)}
    pages["refs.md"] = "# References\n\n<!-- bibliography -->\n"
    sites = []
    for name in ("warm", "cold"):
        root = tmp_path / name
        root.mkdir()
        write_site(root, pages, BIB, options={"pdf": {"enabled": True, "workers": 2}, "cache_dir": ".cache/lr"},
                   nav=sorted(pages))
        sites.append(root)
    assert build_site(sites[0]).litreview_warnings == []
    # Every chapter, and the probe of the first chapter PDF's reference list (it waits for nothing).
    assert sorted(ahead) == sorted([f"chapter {name[:-3]}" for name in pages] + ["probe of references c0"])
    assert [p.workers for p in pools] == [2]
    ahead.clear()
    for root in sites:
        (root / "docs" / "c2.md").write_text(f"# Chapter 2\n\n{text} [@a], and a sentence more.\n", encoding="utf-8")
    warm = build_site(sites[0])
    assert warm.litreview_warnings == []
    assert ahead == ["chapter c2"] and [p.workers for p in pools] == [2, 1]
    cold = build_site(sites[1])
    assert cold.litreview_warnings == []
    assert all(p.returncode == 0 for pool in pools for p in pool._processes)  # the workers are gone
    pdfs = [{p.relative_to(r.site).as_posix(): p.read_bytes() for p in sorted(r.site.rglob("*.pdf"))}
            for r in (warm, cold)]
    assert len(pdfs[0]) == 8 and pdfs[0] == pdfs[1]


def test_a_long_reference_list_typeset_in_pieces_fills_the_same_pages(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """A worker never lays out the whole bibliography at once: it is typeset a few entries at a time, the entries
    that begin on a piece's last page starting the next piece. The book reads exactly as if it were typeset
    whole (same pages, same text, running heads on every page), and its structure tree stays consistent."""
    from helpers import structure_problems

    import litreview.pdf.parts as parts

    keys = [f"k{i:02d}" for i in range(48)]
    # entry 20 is longer than a page: it runs over page breaks, and a page that begins with its rest is no place
    # to cut between pieces
    bib = "".join(bib_entry(k, "Outcomes of treatment " + ("in a long series of patients " * (i % 5) if i != 20
                                                           else " ".join(f"word{n}" for n in range(2500))),
                            f"Author{i}, A.", doi=f"10.1000/{k}") for i, k in enumerate(keys))
    pieces: list[int] = []
    real = parts._render_in_pieces

    def counted(split: object, *args: object) -> object:
        result = real(split, *args)  # type: ignore[arg-type]
        pieces.append(parts.PIECE_ENTRIES)
        return result

    monkeypatch.setattr(parts, "_render_in_pieces", counted)
    outputs = []
    for size in (10**6, 6):
        root = tmp_path / f"pieces{size}"
        root.mkdir()
        write_site(root, {"index.md": "# Start\n\n" + " ".join(f"[@{k}]" for k in keys) + "\n",
                          "refs.md": "# References\n\n<!-- bibliography -->\n"}, bib,
                   options={"pdf": {"enabled": True}, "cache_dir": ""}, nav=["index.md", "refs.md"])
        monkeypatch.setattr(parts, "PIECE_ENTRIES", size)
        result = build_site(root)
        assert result.litreview_warnings == []
        outputs.append(result.site / "review.pdf")
    assert pieces == [6, 6]  # the second build only: the bibliography and the chapter PDF's own list
    whole, cut = (run("pdftotext", "-layout", str(p), "-") for p in outputs)
    assert cut == whole and cut.count("\f") >= 5
    pages = cut.split("\f")
    assert all("References" in page for page in pages[-4:-1])  # the running head on the later pieces' pages too
    assert all(f"Author{i} A." in cut for i in range(48))
    words = re.findall(r"\bword(\d+)\b", cut)
    assert words == [str(n) for n in range(2500)]  # the long entry whole, once
    assert structure_problems(outputs[1].read_bytes()) == structure_problems(outputs[0].read_bytes())
    reader = PdfReader(str(outputs[1]))
    assert {f"refs--ref-{k}" for k in keys} <= set(reader.named_destinations)


def test_a_citation_added_types_one_piece_of_the_bibliography_again(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Each piece of a long bibliography is cached by its own content: a citation added in one chapter changes
    one entry's "Cited in" line, so one piece is typeset again, the others come from the cache, and the PDFs are
    the bytes a cold build in another folder writes."""
    import litreview.pdf.parts as parts

    keys = [f"k{i:02d}" for i in range(60)]
    bib = "".join(bib_entry(k, "Outcomes of treatment " + "in a long series of patients " * (4 + i % 5),
                            f"Author{i}, A.", doi=f"10.1000/{k}") for i, k in enumerate(keys))
    monkeypatch.setattr(parts, "PIECE_ENTRIES", 8)
    typeset: list[str] = []
    real = parts._typeset_piece

    def counted(split: object, document: str, *args: object) -> object:
        typeset.append(document)
        return real(split, document, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(parts, "_typeset_piece", counted)
    pages = {"index.md": "# Start\n\n" + " ".join(f"[@{k}]" for k in keys) + "\n",
             "second.md": "# Second\n\nAs shown [@k05].\n", "refs.md": "# References\n\n<!-- bibliography -->\n"}
    edited = dict(pages, **{"second.md": "# Second\n\nAs shown [@k05] and [@k40].\n"})
    outputs = []
    for name in ("warm", "cold"):
        root = tmp_path / name
        root.mkdir()
        write_site(root, pages if name == "warm" else edited, bib,
                   options={"pdf": {"enabled": True}, "cache_dir": ".cache"}, nav=["index.md", "second.md", "refs.md"])
        if name == "warm":
            assert build_site(root).litreview_warnings == []
            first = [d for d in typeset if "lr-bibliography" in d]
            assert len(first) >= 5  # the bibliography in pieces
            typeset.clear()
            (root / "docs" / "second.md").write_text(edited["second.md"], encoding="utf-8")
        result = build_site(root)
        assert result.litreview_warnings == []
        if name == "warm":
            again = [d for d in typeset if "lr-bibliography" in d]
            # Again: only the documents holding the entry cited anew (a piece's last page starts the next one,
            # so two pieces can hold it), not the pieces before it, nor the attempts too short to cut
            assert again and len(again) < len(first)
            assert all('id="refs--ref-k40"' in d for d in again)
        outputs.append({p.relative_to(result.site).as_posix(): p.read_bytes()
                        for p in sorted(result.site.rglob("*.pdf"))})
    assert outputs[0] == outputs[1]
    assert "Second" in run("pdftotext", str(tmp_path / "warm" / "site" / "review.pdf"), "-").split("Author40")[1][:400]


def test_numbered_lists_keep_their_numbers_on_paper(tmp_path: Path) -> None:
    """A chapter's own reference list shows the review's numbers (the chapter cites entry 2, its list says 2, not 1)
    and a list that starts at 3 (`<ol start="3">`) starts at 3: WeasyPrint reads neither `value` nor `start`."""
    write_site(tmp_path, {"index.md": "# Start\n\nText [@a].\n",
                          "second.md": "# Second\n\nOnly [@b].\n\n<ol start=\"3\"><li>third</li><li>fourth</li></ol>\n",
                          "refs.md": "# References\n\n<!-- bibliography -->\n"}, BIB,
               options={"pdf": {"enabled": True}, "cache_dir": ""}, nav=["index.md", "second.md", "refs.md"])
    result = build_site(tmp_path)
    assert result.litreview_warnings == []
    chapter = " ".join(run("pdftotext", str(result.site / "pdf" / "second.pdf"), "-").split())
    assert "Only [2]" in chapter and "2. Roe R. Second." in chapter and "1. Roe" not in chapter
    assert "3. third 4. fourth" in chapter
    book = " ".join(run("pdftotext", str(result.site / "review.pdf"), "-").split())
    assert "3. third 4. fourth" in book and "1. Doe J. First." in book and "2. Roe R. Second." in book


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils is installed by make test")
def test_chapter_reference_lists_made_of_the_bibliographys_entries_read_as_if_typeset(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A chapter PDF's reference list is made of the entries the bibliography typeset (pdf/compose.py), not typeset
    again. Built both ways, every chapter PDF reads the same: the same words at the same places on the same pages
    (a list longer than a page included), the same links at the same places, the same structure a screen reader
    walks, the same destinations, and a consistent structure tree."""
    from helpers import structure_problems

    import litreview.pdf.compose as compose
    import litreview.pdf.export as export

    keys = [f"k{i:02d}" for i in range(60)]
    bib = "".join(bib_entry(k, f"Outcome {i} of liver-directed therapy" + " in a long series of patients" * (i % 4),
                            f"Åberg, B. and Núñez, C. and O'Brien, D{i}.", journal="J Test Med", volume=str(i),
                            pages=f"{i}--{i + 9}", **({"doi": f"10.1000/{k}"} if i % 3 else {}))
                  for i, k in enumerate(keys))
    chapters = {"index.md": "# Start\n\n" + " ".join(f"[@{k}]" for k in keys[:45]) + "\n",  # over a page
                "second.md": "# Second\n\nOnly these [@k50; @k03; @k59].\n\n## Later\n\nAgain [@k07].\n",
                "third.md": "# Third\n\nNothing cited here.\n",
                "refs.md": "# References\n\n<!-- bibliography -->\n"}
    made: list[object] = []
    real = compose.compose_all

    def counted(*args: object) -> list[object]:
        results = real(*args)  # type: ignore[arg-type]
        made.extend(results)
        return results  # type: ignore[return-value]

    def typeset_instead(*args: object) -> dict[str, float]:
        raise compose.NotComposable("typeset this list")

    outputs = []
    for way in ("composed", "typeset"):
        root = tmp_path / way
        root.mkdir()
        write_site(root, chapters, bib, options={"pdf": {"enabled": True}, "cache_dir": ""},
                   nav=["index.md", "second.md", "third.md", "refs.md"])
        with monkeypatch.context() as patch:
            if way == "composed":
                patch.setattr(compose, "compose_all", counted)
                patch.setattr(compose, "GROUP_ENTRIES", 20)  # each list its own group (the pieces reopened)
            else:
                patch.setattr(export, "list_heights", typeset_instead)
            result = build_site(root)
        assert result.litreview_warnings == []
        outputs.append(result.site / "pdf")
    assert len(made) == 2 and all(isinstance(m, bytes) for m in made)  # index's and second's; third cites nothing
    composed, typeset = outputs
    assert sorted(p.name for p in composed.glob("*.pdf")) == sorted(p.name for p in typeset.glob("*.pdf"))

    def annotations(path: Path) -> list[tuple[int, str, tuple[float, ...]]]:
        found = []
        for number, page in enumerate(PdfReader(str(path)).pages):
            for annotation in page.get("/Annots", []) or []:
                a = annotation.get_object()
                target = str(a.get("/A", {}).get("/URI", "") or a.get("/Dest", ""))
                found.append((number, target, tuple(round(float(v), 2) for v in a["/Rect"])))
        return sorted(found)

    for name in ("index.pdf", "second.pdf"):
        a, b = composed / name, typeset / name
        assert run("pdftotext", "-layout", str(a), "-") == run("pdftotext", "-layout", str(b), "-")
        words_a, words_b = (re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)"[^>]*>([^<]*)</word>',
                                       run("pdftotext", "-bbox", str(p), "-")) for p in (a, b))
        assert len(words_a) > 100
        assert [(round(float(x), 2), round(float(y), 2), w) for x, y, w in words_a] == \
            [(round(float(x), 2), round(float(y), 2), w) for x, y, w in words_b]
        assert annotations(a) == annotations(b) and any("doi.org/10.1000/k" in t for _, t, _ in annotations(a))
        struct_a, struct_b = (re.sub(r"Object \d+ \d+", "Object", run("pdfinfo", "-struct-text", str(p)))
                              for p in (a, b))  # link annotations' object numbers differ, nothing else
        assert struct_a == struct_b and struct_a.count("Link") > 5
        assert set(PdfReader(str(a)).named_destinations) == set(PdfReader(str(b)).named_destinations)
        assert structure_problems(a.read_bytes()) == []
    index = run("pdftotext", "-layout", str(composed / "index.pdf"), "-")
    assert "Cited in" not in index and index.count("\f") >= 3  # the list runs over pages; no bibliography lines
    assert re.search(r"^ *45\. ", index, re.M) and not re.search(r"^ *46\. ", index, re.M)
