"""The real review, built with --strict: what readers get on every page."""
from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def nav_pages() -> list[str]:
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8").replace("!ENV", ""))
    pages: list[str] = []

    def walk(items: list) -> None:  # type: ignore[type-arg]
        for item in items:
            value = list(item.values())[0] if isinstance(item, dict) else item
            if isinstance(value, list):
                walk(value)
            else:
                pages.append(value)

    walk(config["nav"])
    return pages


def html_of(site: Path, md: str) -> str:
    return (site / md.replace(".md", ".html")).read_text(encoding="utf-8")


def test_every_nav_page_is_built(review_site: Path) -> None:
    for page in nav_pages():
        assert (review_site / page.replace(".md", ".html")).is_file(), page


def test_no_raw_citation_syntax_or_markers_left(review_site: Path) -> None:
    for page in nav_pages():
        html = html_of(review_site, page)
        body = re.sub(r"<pre.*?</pre>|<code.*?</code>", "", html, flags=re.S)
        assert "lr-missing" not in body, page
        assert "<lr-cite" not in body, page
        assert not re.search(r"\[-?@[\w{]", body), page
        assert "{{" not in re.sub(r"<script.*?</script>", "", body, flags=re.S), page


def test_citation_numbers_are_global(review_site: Path) -> None:
    """A key has the same number on every page where it is cited."""
    seen: dict[str, set[str]] = {}
    for page in nav_pages():
        for key, number in re.findall(r'href="#ref-([^"]+)" aria-describedby="[^"]+">(\d+)</a>', html_of(review_site, page)):
            seen.setdefault(key, set()).add(number)
    assert seen, "no citations found"
    assert {k: v for k, v in seen.items() if len(v) > 1} == {}
    numbers = sorted(int(next(iter(v))) for v in seen.values())
    assert numbers == list(range(1, len(numbers) + 1))


def test_every_bib_entry_is_in_the_bibliography(review_site: Path) -> None:
    keys = set()
    for path in (ROOT / "bib").glob("*.bib"):
        keys |= set(re.findall(r"^@\w+\{([^,\s]+),", path.read_text(encoding="utf-8"), flags=re.M))
    bibliography = html_of(review_site, "references.md")
    listed = set(re.findall(r'<li id="ref-([^"]+)"', bibliography))
    assert keys and keys == listed


def test_pages_have_tooltips_backlinks_and_cite_box(review_site: Path) -> None:
    html = html_of(review_site, "prrt.md")
    described = set(re.findall(r'aria-describedby="([^"]+)"', html))
    assert described and 'class="lr-backref"' in html
    for ids in described:  # every citation is described by entries of this page's own reference list
        for ref_id in ids.split():
            assert f'<span class="lr-ref-text" id="{ref_id}">' in html, ref_id
    assert "How to cite this page" in html and "@online{" in html
    assert 'href="review.pdf"' in html


def test_modality_chapters_have_key_points_and_open_questions(review_site: Path) -> None:
    for page in ["surgery.md", "ablation.md", "transarterial.md", "radioembolization.md", "prrt.md",
                 "combination-and-sequencing.md", "safety.md"]:
        html = html_of(review_site, page)
        assert '<p class="admonition-title">Key points</p>' in html, page
        assert 'id="open-questions"' in html, page


def test_evidence_tables_and_downloads(review_site: Path) -> None:
    html = html_of(review_site, "transarterial.md")
    assert "data-lr-sortable" in html
    csv_link = re.search(r'href="(downloads/[^"]+\.csv)"', html)
    json_link = re.search(r'href="(downloads/[^"]+\.json)"', html)
    assert csv_link and json_link
    data = json.loads((review_site / json_link.group(1)).read_text(encoding="utf-8"))
    source = yaml.safe_load((ROOT / "content/data/transarterial.yaml").read_text(encoding="utf-8"))
    assert [r["id"] for r in data["rows"]] == [r["id"] for r in source["rows"]]


def test_charts_are_inline_svg_with_alt_text(review_site: Path) -> None:
    html = html_of(review_site, "radioembolization.md")
    figure = re.search(r'<figure class="lr-chart".*?</figure>', html, re.S)
    assert figure
    assert re.search(r'<svg role="img" aria-labelledby="[^"]+"', figure.group(0))
    assert "<title id=" in figure.group(0) and "<desc id=" in figure.group(0)
    assert "Sources: <span class=\"lr-cite\"" in figure.group(0)


def test_comparison_table_on_overview(review_site: Path) -> None:
    html = html_of(review_site, "index.md")
    table = re.search(r'<div class="lr-table lr-comparison".*?</table>', html, re.S)
    assert table
    assert table.group(0).count('<th scope="row">') == 5


def test_every_chart_of_the_review_has_no_overlap_and_a_data_table(review_site: Path) -> None:
    import xml.etree.ElementTree as ET

    from helpers import chart_boxes, chart_overlaps

    charts = 0
    for page in nav_pages():
        html = html_of(review_site, page)
        for figure in re.findall(r'<figure class="lr-chart".*?</figure>', html, re.S):
            svg = ET.fromstring(re.search(r"<svg.*?</svg>", figure, re.S).group(0))  # type: ignore[union-attr]
            assert chart_overlaps(svg) == [], page
            labels = [t for t in ("".join(e.itertext()) for e in svg.iter("{http://www.w3.org/2000/svg}text"))
                      if re.search(r"\b(19|20)\d\d$", t)]
            # "First author year", or a short title in whole words ending in "…" before the year; never "for…".
            assert all(re.fullmatch(r"[^\s].*? (19|20)\d\d", t) and not re.search(r"\b(for|of|the|and)\u2026", t)
                       for t in labels), labels
            boxes = chart_boxes(svg)
            groups = len(set(re.findall(r'<td>([^<]+)</td><td class="lr-num">', figure)))
            values = " ".join(re.findall(r'<td class="lr-num">(.*?)</td>', figure))
            kinds = {kind for kind, found in (("ci", "% CI" in values), ("spread", "(range" in values or "(IQR" in
                                                                        values), ("unstated", "not specified" in values))
                     if found}
            # A key only where there is something to tell apart: several groups, or several kinds of interval.
            assert bool(boxes["legend"]) == (groups > 1 or len(kinds) > 1), page
            assert '<details class="lr-chart-data">' in figure
            charts += 1
    assert charts >= 6
