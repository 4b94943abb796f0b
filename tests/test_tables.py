"""Evidence data: schema accept/reject, table HTML, inline values, charts (SVG parsed), caching, errors."""
from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from helpers import ROOT, bib_entry, build_site, chart_boxes, chart_overlaps, write_site
from litreview.tables.directives import DirectiveError, parse_directive
from litreview.tables.load import load_dataset
from litreview.tables.schema import parse_cell

BIB = bib_entry("maire2012", "RCT", "Maire, F.", year="2012") + bib_entry("kim2019", "Cohort", "Kim, A.", year="2019") \
    + bib_entry("lee2020", "Series", "Lee, B.", year="2020")

TACE = """\
title: Transarterial studies
modality: Embolization
columns:
  - {id: source, label: Study, type: citation}
  - {id: design, label: Design, type: text}
  - {id: n, label: Patients, type: integer}
  - {id: orr, label: Objective response, type: percent}
  - {id: os, label: Median OS, type: months, unit: months}
  - {id: hr, label: Hazard ratio, type: ratio}
rows:
  - id: maire
    source: maire2012
    design: RCT
    n: 26
    orr: 38
    os: {value: 24.1, lower: "18.0", upper: 30.2, interval: ci95}
    hr: {measure: HR, value: 0.84, lower: "0.60", upper: 1.17, interval: ci95}
  - id: kim
    source: kim2019
    design: retrospective, see [@lee2020]
    n: 120
    orr: null
    os: 41.9
  - id: lee
    source: lee2020
    design: retrospective
    n: 8
    orr: 60
    os: NR
"""


def test_schema_accepts_and_parses(tmp_path: Path) -> None:
    path = tmp_path / "tace.yaml"
    path.write_text(TACE, encoding="utf-8")
    ds, problems = load_dataset(path, "tace", "data/tace.yaml")
    assert problems == [] and ds is not None
    assert [r.id for r in ds.rows] == ["maire", "kim", "lee"]
    maire = ds.rows[0]
    assert ds.cell(maire, ds.column("os")).value == 24.1  # type: ignore[arg-type]
    assert ds.cell(maire, ds.column("hr")).display == "HR 0.84 (95% CI 0.60\u20131.17)"  # type: ignore[arg-type]


@pytest.mark.parametrize(("kind", "raw", "display", "value"), [
    ("percent", 38, "38%", 38.0), ("percent", "38 (22-54)", "38% (22\u201354; interval not specified)", 38.0), ("months", 24.1, "24.1", 24.1),
    ("months", "NR", "NR", None), ("integer", 26, "26", 26.0), ("ratio", "OR 2.1", "OR 2.1", 2.1),
    ("ratio", 0.5, "0.5", 0.5), ("text", "RCT", "RCT", None), ("citation", ["a", "b"], "a, b", None),
    ("percent", None, "", None), ("percent", {"value": 50, "lower": 38, "upper": 62, "interval": "ci95"},
                                  "50% (95% CI 38\u201362)", 50.0),
    ("months", {"value": 29, "lower": 26, "upper": 33, "interval": "unspecified"},
     "29 (26\u201333; interval not specified)", 29.0),
    ("percent", {"value": 65, "lower": 36, "upper": 97.2, "interval": "range"}, "65% (range 36\u201397.2)", 65.0),
    ("months", {"value": "48.0", "lower": 37.4, "upper": 55.2, "interval": "iqr"}, "48.0 (IQR 37.4\u201355.2)", 48.0),
    ("ratio", "HR 0.84 (95% CI 0.60-1.17)", "HR 0.84 (95% CI 0.60\u20131.17)", 0.84),
])
def test_parse_cell(kind: str, raw: object, display: str, value: float | None) -> None:
    cell = parse_cell(kind, raw)
    assert (cell.display, cell.value) == (display, value)


REJECTED = [
    ("    n: 26\n", "    n: about 60\n", 'rows[0].n: expected an integer, got "about 60"'),
    ("    n: 26\n", "    n: -3\n", "rows[0].n: expected an integer, got -3"),
    ("    orr: 38\n", "    orr: 130\n",
     "rows[0].orr: expected a percentage 0–100 such as 38 or {value: 38, lower: 22, upper: 54, interval: ci95}, got 130"),
    ("    os: {value: 24.1, lower: \"18.0\", upper: 30.2, interval: ci95}\n", "    os: soon\n",
     'rows[0].os: expected months such as 24.1, {value: 24.1, lower: 18.0, upper: 30.2, interval: ci95} or "NR", '
     'got "soon"'),
    ("    hr: {measure: HR, value: 0.84, lower: \"0.60\", upper: 1.17, interval: ci95}\n", "    hr: big\n",
     'rows[0].hr: expected a ratio such as {measure: HR, value: 0.84, lower: 0.60, upper: 1.17, interval: ci95}, '
     'got "big"'),
    ("interval: ci95}\n    hr", "interval: sd}\n    hr",
     "rows[0].os.interval: got 'sd', expected one of: ci95, ci90, ci99, range, iqr, unspecified"),
    ("upper: 30.2, interval: ci95}", "upper: 30.2}",
     "rows[0].os: say what the interval is: interval: ci95, ci90, ci99, range, iqr, or unspecified when the source "
     "does not say"),
    ("upper: 30.2, interval: ci95}", "upper: 20, interval: ci95}",
     "rows[0].os: expected lower ≤ value ≤ upper, got 18.0 ≤ 24.1 ≤ 20"),
    ("lower: \"18.0\", upper: 30.2", "lower: \"18.0\"",
     "rows[0].os: an interval needs both lower and upper (only lower is given)"),
    ("measure: HR, value: 0.84", "measure: HR, value: about",
     "rows[0].hr.value: expected a number (quote it, as \"0.60\", to keep trailing zeros), got 'about'"),
    ("{measure: HR, value: 0.84", "{measure: HR, size: 3, value: 0.84",
     "rows[0].hr.size: unknown field 'size' of an estimate (known: measure, value, lower, upper, interval)"),
    ("    n: 26\n", "    n: 26\n    colour: red\n",
     "rows[0].colour: unknown column 'colour'; declare it under columns (declared: design, hr, n, orr, os, source)"),
]


@pytest.mark.parametrize(("old", "new", "message"), REJECTED)
def test_schema_rejects_with_path_and_line(tmp_path: Path, old: str, new: str, message: str) -> None:
    assert old in TACE
    path = tmp_path / "tace.yaml"
    path.write_text(TACE.replace(old, new, 1), encoding="utf-8")
    ds, problems = load_dataset(path, "tace", "data/tace.yaml")
    assert [f"{p.location.yaml_path}: {p.message}" for p in problems] == [message]
    assert problems[0].location.line is not None and problems[0].location.path == "data/tace.yaml"
    assert ds is not None and len(ds.rows) == 3  # nothing dropped


def test_duplicate_rows_and_missing_source_column(tmp_path: Path) -> None:
    text = TACE.replace("  - id: kim\n", "  - id: maire\n")
    path = tmp_path / "tace.yaml"
    path.write_text(text, encoding="utf-8")
    _, problems = load_dataset(path, "tace", "data/tace.yaml")
    assert [str(p) for p in problems] == [
        "data/tace.yaml:18: rows[1].id: duplicate row id 'maire' (also rows[0]); give each row its own id"]


@pytest.mark.parametrize(("body", "error"), [
    (" tace sort=-n caption=\"A b\"", None),
    (" ../../etc/passwd", "invalid data set name '../../etc/passwd'"),
    (" /etc/passwd", "invalid data set name '/etc/passwd'"),
    (" tace colour=red", "unknown option 'colour'"),
    (" tace filter=design", "filter needs column=value"),
    ("", "evidence-table needs a data set name"),
])
def test_directive_parsing(body: str, error: str | None) -> None:
    if error is None:
        d = parse_directive("evidence-table", body)
        assert d.names == ("tace",) and d.options == {"sort": "-n", "caption": "A b"}
    else:
        with pytest.raises(DirectiveError, match=re.escape(error)):
            parse_directive("evidence-table", body)


def site(tmp_path: Path, page: str, cache: str = "") -> Path:
    return write_site(tmp_path, {"index.md": page}, BIB, data={"tace.yaml": TACE}, options={"cache_dir": cache})


def test_table_html_sorting_markup_and_citations(tmp_path: Path) -> None:
    result = build_site(site(tmp_path, "# T\n\n<!-- evidence-table tace sort=-n caption=\"Studies\" -->\n"))
    assert result.litreview_warnings == []
    html = result.page()
    table = re.search(r'<div class="lr-table".*?</table></div>', html, re.S).group(0)  # type: ignore[union-attr]
    assert '<caption>Studies</caption>' in table
    assert '<th scope="col" data-type="integer" data-col="n"><button type="button" class="lr-sort" aria-label="Sort by ' \
           'Patients">Patients</button></th>' in table
    assert re.findall(r'<tr id="table-tace-1-(\w+)"', table) == ["kim", "maire", "lee"]
    assert '<td class="lr-num" data-sort="24.1"><span class="lr-point">24.1</span> <span class="lr-interval">' \
           '(95% CI 18.0\u201330.2)</span></td>' in table
    assert "lr-more" not in table  # no long text: nothing folded
    assert '<td data-sort="" class="lr-num lr-empty">' in table  # orr missing for kim: aligned as a number
    assert '<abbr title="not reached">NR</abbr>' in table
    assert re.search(r'retrospective, see <span class="lr-cite" id="cite-\d+">\[<a class="lr-cite-link" '
                     r'href="#ref-lee2020"', table)
    assert 'id="ref-maire2012"' in html  # table citations count for the reference list
    csv_text = (result.site / "downloads/index-table-tace-1.csv").read_text(encoding="utf-8")
    assert csv_text.splitlines()[0] == ("id,source,design,n,orr,os,os_lower,os_upper,os_interval,"
                                        "hr,hr_measure,hr_lower,hr_upper,hr_interval")
    assert csv_text.splitlines()[1] == "kim,kim2019,\"retrospective, see [@lee2020]\",120,,41.9,,,,,,,,"
    assert csv_text.splitlines()[2] == "maire,maire2012,RCT,26,38,24.1,18.0,30.2,ci95,0.84,HR,0.60,1.17,ci95"
    assert csv_text.splitlines()[3] == "lee,lee2020,retrospective,8,60,NR,,,,,,,,"
    data = json.loads((result.site / "downloads/index-table-tace-1.json").read_text(encoding="utf-8"))
    assert data["rows"][1]["os"] == {"value": 24.1, "lower": 18.0, "upper": 30.2, "interval": "ci95"}
    assert data["rows"][1]["hr"] == {"measure": "HR", "value": 0.84, "lower": 0.6, "upper": 1.17, "interval": "ci95"}
    assert data["rows"][0]["os"] == 41.9 and data["rows"][2]["os"] == "NR"


def test_columns_and_filter_options(tmp_path: Path) -> None:
    result = build_site(site(tmp_path, "<!-- evidence-table tace columns=source,n filter=design=RCT -->\n"))
    table = re.search(r"<table.*?</table>", result.page(), re.S).group(0)  # type: ignore[union-attr]
    assert table.count("<th ") == 2 and table.count("<tr id=") == 1


def test_inline_values(tmp_path: Path) -> None:
    result = build_site(site(tmp_path, "In the RCT {{tace.maire.n}} patients had OS {{tace.maire.os}}; "
                                       "response {{tace.maire.orr}}. Bad {{tace.nobody.n}}.\n"))
    html = result.page()
    assert re.search(r'<span class="lr-value">26\u00a0<span class="lr-cite" id="cite-1">\[<a class="lr-cite-link" '
                     r'href="#ref-maire2012"', html)
    # The same source in the same sentence is cited once, at its first value.
    assert '<span class="lr-value">24.1 months (95% CI 18.0\u201330.2)</span>; response <span class="lr-value">38%' \
        '</span>' in html
    assert '<span class="lr-missing">[{{tace.nobody.n}}?]</span>' in html
    assert result.litreview_warnings == ["docs/index.md:1: {{tace.nobody.n}}: data set 'tace' has no row 'nobody' "
                                         "(rows: maire, kim, lee)"]


def test_unknown_data_set_and_missing_key_in_rows(tmp_path: Path) -> None:
    write_site(tmp_path, {"index.md": "# T\n\n<!-- evidence-table nope -->\n"}, BIB,
               data={"tace.yaml": TACE.replace("source: lee2020", "source: lee2021")})
    result = build_site(tmp_path)
    assert result.litreview_warnings == [
        "docs/data/tace.yaml:25: rows[2].source: unknown citation key 'lee2021'; add it to bib/ or correct it",
        "docs/index.md:3: unknown data set 'nope' (available: tace); add docs/data/nope.yaml or correct the name"]
    assert '<p class="lr-missing">[evidence-table: unknown data set' in result.page()


def test_directive_in_code_is_left_alone(tmp_path: Path) -> None:
    result = build_site(site(tmp_path, "```\n<!-- evidence-table tace -->\n```\n"))
    assert "lr-evidence" not in result.page() and "&lt;!-- evidence-table tace --&gt;" in result.page()


def chart_svg(html: str) -> ET.Element:
    svg = re.search(r"<svg.*?</svg>", html, re.S).group(0)  # type: ignore[union-attr]
    return ET.fromstring(svg)


def test_forest_chart_svg_has_one_mark_per_row_and_labels(tmp_path: Path) -> None:
    result = build_site(site(tmp_path, "<!-- evidence-chart tace column=os type=forest caption=\"Median OS\" -->\n"))
    assert result.litreview_warnings == []
    html = result.page()
    root = chart_svg(html)
    ns = "{http://www.w3.org/2000/svg}"
    ids = [g.get("id") for g in root.iter(f"{ns}g") if (g.get("id") or "").startswith("mark-")]
    assert sorted(i for i in ids if not i.endswith("-interval")) == ["mark-tace-kim", "mark-tace-maire"]  # lee: NR
    texts = " ".join("".join(t.itertext()) for t in root.iter(f"{ns}text"))
    assert "Median OS (months)" in texts and "Maire 2012" in texts and "Kim 2019" in texts
    assert root.find(f"{ns}title").text == "Median OS"  # type: ignore[union-attr]
    assert "Maire 2012: 24.1 (18–30.2)" in root.find(f"{ns}desc").text  # type: ignore[operator,union-attr]
    assert re.search(r"<figcaption>Median OS\. Sources: <span class=\"lr-cite\"", html)


def test_two_charts_on_one_page_have_no_id_in_common(tmp_path: Path) -> None:
    page = ("<!-- evidence-chart tace column=os type=forest -->\n\n"
            "<!-- evidence-chart tace column=orr type=bar -->\n")
    result = build_site(site(tmp_path, page))
    assert result.litreview_warnings == []
    html = result.page()
    svgs = re.findall(r"<svg.*?</svg>", html, re.S)
    assert len(svgs) == 2
    ids = [re.findall(r'\bid="([^"]+)"', svg) for svg in svgs]
    internal = [{i for i in chart if not i.startswith("mark-")} for chart in ids]
    assert internal[0] and internal[1] and not internal[0] & internal[1]
    for svg in svgs:  # every reference inside a chart points at one of its own ids
        own = set(re.findall(r'\bid="([^"]+)"', svg))
        assert set(re.findall(r'(?:href="#|url\(#)([^")]+)', svg)) <= own


def test_bar_chart_groups_by_modality(tmp_path: Path) -> None:
    other = TACE.replace("modality: Embolization", "modality: Radioembolization").replace("id: maire", "id: m2")
    write_site(tmp_path, {"index.md": "<!-- evidence-chart tace,re column=orr type=bar -->\n"}, BIB,
               data={"tace.yaml": TACE, "re.yaml": other})
    root = chart_svg(build_site(tmp_path).page())
    ns = "{http://www.w3.org/2000/svg}"
    ids = sorted(g.get("id") for g in root.iter(f"{ns}g") if (g.get("id") or "").startswith("mark-"))
    assert ids == ["mark-re-lee", "mark-re-m2", "mark-tace-lee", "mark-tace-maire"]
    texts = " ".join("".join(t.itertext()) for t in root.iter(f"{ns}text"))
    assert "Embolization" in texts and "Radioembolization" in texts


def test_charts_are_byte_identical_and_cached(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    page = "<!-- evidence-chart tace column=os -->\n"
    site(tmp_path, page, cache=".cache/litreview")
    first = chart_svg(build_site(tmp_path, site_dir=tmp_path / "a").page())
    import litreview.tables.charts as charts

    def fail(*args: object, **kwargs: object) -> str:
        raise AssertionError("chart re-rendered although its data did not change")

    monkeypatch.setattr(charts, "forest_svg", fail)
    second = build_site(tmp_path, site_dir=tmp_path / "b")
    assert ET.tostring(chart_svg(second.page())) == ET.tostring(first)
    nocache = tmp_path / "fresh"
    monkeypatch.undo()
    site(nocache, page)
    assert ET.tostring(chart_svg(build_site(nocache).page())) == ET.tostring(first)


def test_unchanged_data_is_not_parsed_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    site(tmp_path, "<!-- evidence-table tace -->\n", cache=".cache/litreview")
    first = build_site(tmp_path, site_dir=tmp_path / "a")
    import litreview.tables.load as load

    def fail(text: str) -> object:
        raise AssertionError("an unchanged data file was parsed again")

    monkeypatch.setattr(load, "load_yaml", fail)
    second = build_site(tmp_path, site_dir=tmp_path / "b")
    assert second.litreview_warnings == first.litreview_warnings == []
    assert re.findall(r"<table.*?</table>", second.page(), re.S) == re.findall(r"<table.*?</table>", first.page(), re.S)
    (tmp_path / "docs/data/tace.yaml").write_text(TACE.replace("n: 26", "n: 27"), encoding="utf-8")
    with pytest.raises(AssertionError, match="parsed again"):
        build_site(tmp_path, site_dir=tmp_path / "c")  # a changed file is parsed


def test_libyaml_reader_gives_the_same_data_and_lines_as_pyyaml() -> None:
    """Evidence files are read with libyaml's events when PyYAML has it; data and line map must not change."""
    from litreview.tables import yaml_load

    assert hasattr(yaml_load, "_FastComposer"), "PyYAML without libyaml: the fast reader is not in use"
    files = sorted((ROOT / "content" / "data").glob("*.yaml"))
    assert files
    for path in files:
        text = path.read_text(encoding="utf-8")
        fast = yaml_load._load(text, yaml_load._FastComposer(text))
        assert fast == yaml_load._load(text, yaml_load._NoAliasComposer(text)), path
    # On an error the message is PyYAML's own, tab hint included, not libyaml's shorter one.
    with pytest.raises(yaml_load.YamlProblem, match=r"'\\t' that cannot start any token \(YAML does not allow tabs"):
        yaml_load.load_yaml("a:\n\t- 1\n")


def _cite(n: int, key: str, ref: int) -> str:
    return (f'<span class="lr-cite" id="cite-{n}">[<a class="lr-cite-link" href="#ref-{key}" '
            f'aria-describedby="ref-text-{ref}">{ref}</a>]</span>')


def test_quoted_values_cite_only_where_the_sentence_does_not(tmp_path: Path) -> None:
    page = ("The RCT [@maire2012] had {{tace.maire.n}} patients. Kim had {{tace.kim.n}} patients, see "
            "{{tace.kim.os}}.\n\nForced [@maire2012] {{tace.maire.n | cite}}; dropped {{tace.kim.n | nocite}}. "
            "Bad {{tace.kim.n | often}}.\n\n- In @lee2020 {{tace.lee.n}}\n- {{tace.lee.n}} later [@lee2020]\n"
            "- {{tace.lee.n}} alone\n")
    result = build_site(site(tmp_path, page))
    html = result.page()
    assert (f'<p>The RCT {_cite(1, "maire2012", 1)} had <span class="lr-value">26</span> patients. Kim had '
            f'<span class="lr-value">120\u00a0{_cite(2, "kim2019", 2)}</span> patients, see '
            '<span class="lr-value">41.9 months</span>.</p>') in html
    assert (f'<p>Forced {_cite(3, "maire2012", 1)} <span class="lr-value">26\u00a0{_cite(4, "maire2012", 1)}</span>; '
            'dropped <span class="lr-value">120</span>. Bad <span class="lr-missing">[{{tace.kim.n | often}}?]'
            '</span>.</p>') in html
    items = re.findall(r"<li>.*?</li>", html, re.S)
    assert items[0] == ('<li>In <span class="lr-cite" id="cite-5">Lee [<a class="lr-cite-link" href="#ref-lee2020" '
                        'aria-describedby="ref-text-3">3</a>]</span> <span class="lr-value">8</span></li>')
    assert items[1].startswith('<li><span class="lr-value">8</span> later <span class="lr-cite"')  # cited after
    assert re.match(r'<li><span class="lr-value">8\u00a0<span class="lr-cite"[^>]*>\[<a class="lr-cite-link" '
                    r'href="#ref-lee2020"', items[2])  # a new list item is a new sentence
    assert "data-lr-cite" not in html
    assert result.litreview_warnings == ["docs/index.md:3: {{tace.kim.n | often}}: unknown option 'often'; use "
                                         "| cite or | nocite"]


def test_chart_legends_sit_above_the_plot_and_overlap_nothing(tmp_path: Path) -> None:
    other = TACE.replace("modality: Embolization", "modality: Radioembolization").replace("id: maire", "id: m2")
    mixed = TACE.replace("    os: 41.9\n", "    os: {value: 41.9, lower: 30, upper: 60, interval: range}\n")
    write_site(tmp_path, {"index.md": "<!-- evidence-chart tace,re column=orr type=bar -->\n\n"
                                      "<!-- evidence-chart tace column=orr type=bar -->\n\n"
                                      "<!-- evidence-chart mixed column=os type=forest -->\n\n"
                                      "<!-- evidence-chart tace column=os type=forest -->\n"},
               BIB, data={"tace.yaml": TACE, "re.yaml": other, "mixed.yaml": mixed})
    result = build_site(tmp_path)
    assert result.litreview_warnings == []
    svgs = [ET.fromstring(s) for s in re.findall(r"<svg.*?</svg>", result.page(), re.S)]
    assert len(svgs) == 4
    boxes = [chart_boxes(svg) for svg in svgs]
    for svg in svgs:
        assert chart_overlaps(svg) == []
    # Two groups and two kinds of interval have a key, above the plot; one series has none.
    for index in (0, 2):
        assert boxes[index]["legend"] and max(b[3] for b in boxes[index]["legend"]) < boxes[index]["plot"][0][1]
    assert boxes[1]["legend"] == [] and boxes[3]["legend"] == []
    legend_text = ["".join(t.itertext()) for t in svgs[2].iter("{http://www.w3.org/2000/svg}text")]
    assert "confidence interval" in legend_text and "range or IQR" in legend_text
    # Greyscale: the second group is hatched, the first is not.
    fills = re.findall(r'<g id="mark-(\w+)-\w+">\s*<path[^>]*style="fill: ([^;]+);', result.page())
    assert {group: fill.startswith("url(") for group, fill in fills} == {"tace": False, "re": True}


def test_chart_data_table_and_whiskers(tmp_path: Path) -> None:
    result = build_site(site(tmp_path, "<!-- evidence-chart tace column=os type=forest caption=\"Median OS\" -->\n"))
    html = result.page()
    details = re.search(r'<details class="lr-chart-data">.*?</details>', html, re.S).group(0)  # type: ignore[union-attr]
    assert details.startswith('<details class="lr-chart-data"><summary>The data in this chart, as a table</summary>'
                              '<div class="lr-table" id="chart-tace-os-1-values"><div class="lr-table-scroll" tabindex="0" role="region" aria-label="Data: Median OS">'
                              '<table class="lr-evidence lr-chart-table" id="chart-tace-os-1-data"><caption>Values in the '
                              'chart above</caption><thead><tr><th scope="col">Study</th><th scope="col">'
                              'Median OS (months)</th></tr></thead><tbody><tr><th scope="row">Maire 2012\u00a0<span '
                              'class="lr-cite"')
    assert '<td class="lr-num">24.1 (95% CI 18.0\u201330.2)</td></tr>' in details
    assert '<td class="lr-num">41.9</td></tr>' in details
    root = chart_svg(html)
    interval = next(g for g in root.iter("{http://www.w3.org/2000/svg}g") if g.get("id") == "mark-tace-maire-interval")
    xs = sorted({float(x) for x, _ in re.findall(r"([\d.]+) ([\d.]+)", interval.find(
        "{http://www.w3.org/2000/svg}path").get("d"))})  # type: ignore[union-attr,arg-type]
    assert len(xs) == 2 and xs[0] < xs[1]  # a whisker from lower to upper


LONG = "A long note on this study that runs well past forty characters, with a citation [@lee2020]."


def test_long_text_columns_fold_under_their_row(tmp_path: Path) -> None:
    data = TACE.replace("    design: RCT\n", f"    design: RCT\n    notes: \"{LONG}\"\n").replace(
        "  - {id: n, label: Patients, type: integer}\n",
        "  - {id: n, label: Patients, type: integer}\n  - {id: notes, label: Notes <&>, type: text}\n")
    write_site(tmp_path, {"index.md": "<!-- evidence-table tace -->\n\n<!-- evidence-table tace details=none -->\n\n"
                                      "<!-- evidence-table tace details=design,notes -->\n\n"
                                      "<!-- evidence-table tace details=source -->\n"}, BIB, data={"tace.yaml": data})
    result = build_site(tmp_path)
    assert result.litreview_warnings == ["docs/index.md:7: details: 'source' is the first column, which stays in the row"]
    html = result.page()
    first = re.search(r'<div class="lr-table" id="table-tace-1">.*?</table>', html, re.S).group(0)  # type: ignore[union-attr]
    assert '<table class="lr-evidence" data-lr-sortable data-lr-more="notes">' in first
    assert 'data-col="notes"><button' not in first  # not a column of the row
    row = re.search(r'<tr id="table-tace-1-maire">.*?</tr><tr class="lr-more".*?</tr>', first, re.S).group(0)  # type: ignore[union-attr]
    assert row.count("<td") == 7  # 6 cells and the folded row's one
    assert ('<tr class="lr-more" id="table-tace-1-maire-more"><td colspan="6"><details><summary>Notes &lt;&amp;&gt;'
            '<span class="lr-sr-only"> (Maire 2012)</span></summary><dl><div><dt>Notes &lt;&amp;&gt;</dt>'
            '<dd data-col="notes">A long note on this study that runs well past forty characters, with a citation '
            '<span class="lr-cite"') in row
    assert 'id="table-tace-1-kim-more"' not in first  # kim has no notes: no folded row
    second = re.search(r'<div class="lr-table" id="table-tace-2">.*?</table>', html, re.S).group(0)  # type: ignore[union-attr]
    assert "lr-more" not in second and 'data-col="notes"><button' in second
    third = re.search(r'<div class="lr-table" id="table-tace-3">.*?</table>', html, re.S).group(0)  # type: ignore[union-attr]
    assert 'data-lr-more="design notes"' in third and "<summary>Design \u00b7 Notes &lt;&amp;&gt;" in third
    csv_text = (result.site / "downloads/index-table-tace-1.csv").read_text(encoding="utf-8")
    assert csv_text.splitlines()[0].startswith("id,source,design,n,notes,orr,")  # downloads keep every column


SOF = """\
title: Summary of findings
data: tace
outcomes:
  - outcome: Objective response
    column: orr
  - outcome: Median overall survival
    column: os
    effect: maire
    certainty: {rating: low, reason: "One small RCT [@maire2012]"}
"""


def test_summary_of_findings(tmp_path: Path) -> None:
    write_site(tmp_path, {"index.md": "<!-- summary-of-findings tace -->\n"}, BIB,
               data={"tace.yaml": TACE, "summary-of-findings/tace.yaml": SOF})
    result = build_site(tmp_path)
    assert result.litreview_warnings == []
    table = re.search(r'<table class="lr-evidence lr-sof-table">.*?</table>', result.page(), re.S).group(0)  # type: ignore[union-attr]
    assert table.startswith('<table class="lr-evidence lr-sof-table"><caption>Summary of findings</caption><thead><tr>'
                            '<th scope="col">Outcome</th><th scope="col">Studies</th><th scope="col">Patients</th>'
                            '<th scope="col">Effect</th><th scope="col">Study designs</th><th scope="col">Certainty of '
                            'evidence</th></tr></thead>')
    rows = re.findall(r"<tr><th scope=\"row\">.*?</tr>", table, re.S)
    # Objective response: maire (38) and lee (60); no summary effect given, so the range, said to be unpooled.
    assert re.fullmatch(r'<tr><th scope="row">Objective response</th><td class="lr-num">2\u00a0<span class="lr-cite"'
                        r'.*?</span></td><td class="lr-num">34</td><td class="lr-num">38%\u201360% <span '
                        r'class="lr-interval">\(range of the 2 studies\' estimates; not pooled\)</span></td><td>RCT \(1\); '
                        r'retrospective \(1\)</td><td><span class="lr-not-assessed">not assessed</span></td></tr>', rows[0])
    # Median OS: maire, kim (lee is NR: no value); the effect is maire's estimate with its interval.
    assert '<td class="lr-num">146</td>' in rows[1]
    assert '<td class="lr-num">24.1 (95% CI 18.0\u201330.2)\u00a0<span class="lr-cite"' in rows[1]
    assert re.search(r'<td><strong>low</strong>: One small RCT <span class="lr-cite".*?</span></td></tr>$', rows[1])


@pytest.mark.parametrize(("sof", "message"), [
    (SOF.replace("rating: low, ", "rating: probably low, "),
     "docs/data/summary-of-findings/tace.yaml:9: outcomes[1].certainty.rating: got 'probably low', expected one of: "
     "high, moderate, low, very low"),
    (SOF.replace('certainty: {rating: low, reason: "One small RCT [@maire2012]"}', "certainty: {rating: low}"),
     "docs/data/summary-of-findings/tace.yaml:9: outcomes[1].certainty: expected {rating: high | moderate | low | "
     "very low, reason: why}: a rating is the author's judgement and always states its reason"),
    (SOF.replace("column: orr", "column: design"),
     "docs/data/summary-of-findings/tace.yaml:5: outcomes[0].column: 'design' is not a numeric column of 'tace'"),
    (SOF.replace("effect: maire", "effect: nobody"),
     "docs/data/summary-of-findings/tace.yaml:8: outcomes[1].effect: 'tace' has no row 'nobody'"),
])
def test_summary_of_findings_errors(tmp_path: Path, sof: str, message: str) -> None:
    write_site(tmp_path, {"index.md": "<!-- summary-of-findings tace -->\n"}, BIB,
               data={"tace.yaml": TACE, "summary-of-findings/tace.yaml": sof})
    result = build_site(tmp_path)
    assert result.litreview_warnings[0] == message
    assert '<p class="lr-missing">[summary-of-findings: ' in result.page()


def test_evidence_map_links_each_study_to_its_row(tmp_path: Path) -> None:
    other = TACE.replace("modality: Embolization", "modality: Radioembolization").replace("id: maire", "id: m2")
    write_site(tmp_path, {"index.md": "# Map\n\n<!-- evidence-map tace,re outcomes=\"orr:Response,os\" -->\n",
                          "chapter.md": "# C\n\n```\n<!-- evidence-table tace -->\n```\n\n<!-- evidence-chart tace "
                                        "column=os -->\n\n<!-- evidence-table tace filter=design=RCT -->\n\n"
                                        "<!-- evidence-table tace id=all -->\n"},
               BIB, data={"tace.yaml": TACE, "re.yaml": other}, nav=["index.md", "chapter.md"])
    result = build_site(tmp_path)
    assert result.litreview_warnings == []
    table = re.search(r'<table class="lr-evidence lr-map-table">.*?</table>', result.page(), re.S).group(0)  # type: ignore[union-attr]
    assert ('<thead><tr><th scope="col">Modality</th><th scope="col">Response</th><th scope="col">Median OS</th>'
            '<th scope="col">Other outcomes (in the chapter\'s text and tables)</th></tr></thead>') in table
    # maire is first shown by the filtered table (the 2nd directive outside code), kim and lee by the table "all".
    assert ('<td class="lr-map-cell" data-count="2"><span class="lr-map-count">2 studies</span><ul><li><a '
            'href="chapter.html#table-tace-2-maire">Maire 2012</a> <span class="lr-map-value">38%</span></li><li><a '
            'href="chapter.html#all-lee">Lee 2020</a> <span class="lr-map-value">60%</span></li></ul></td>') in table
    assert '<li><a href="chapter.html#all-kim">Kim 2019</a> <span class="lr-map-value">41.9</span></li>' in table
    # The other data set has no table: its studies are listed without links. Lee's OS is NR, kim has no response.
    assert ('<tr><th scope="row">Radioembolization</th><td class="lr-map-cell" data-count="2"><span class="lr-map-count">'
            '2 studies</span><ul><li>Maire 2012 <span class="lr-map-value">38%</span></li><li>Lee 2020') in table
    assert table.count('<td class="lr-map-gap">') == 2  # every study has a mapped outcome: nothing left over
    chapter = result.page("chapter.html")
    assert 'id="table-tace-2-maire"' in chapter and 'id="all-lee"' in chapter and 'id="all-kim"' in chapter


def test_summary_of_findings_patients_and_designs(tmp_path: Path) -> None:
    data = TACE.replace("    n: 120\n", "    n: null\n")
    write_site(tmp_path, {"index.md": "<!-- summary-of-findings tace -->\n"}, BIB,
               data={"tace.yaml": data, "summary-of-findings/tace.yaml": SOF})
    html = build_site(tmp_path).page()
    # Median OS rests on maire (26 patients) and kim (count not reported): said, not hidden in the total.
    assert '<td class="lr-num">26<span class="lr-interval">counted in 1 of 2 studies</span></td>' in html
    assert "<td>RCT (1); retrospective (1)</td>" in html  # kim's design "retrospective, see [@lee2020]": its kind


def test_a_row_with_several_sources_is_labelled_by_its_first(tmp_path: Path) -> None:
    data = TACE.replace("    source: lee2020\n", "    source: [lee2020, kim2019]\n")
    write_site(tmp_path, {"index.md": "<!-- evidence-chart tace column=orr type=bar -->\n\n<!-- evidence-map tace -->\n"},
               BIB, data={"tace.yaml": data})
    html = build_site(tmp_path).page()
    texts = ["".join(t.itertext()) for t in chart_svg(html).iter("{http://www.w3.org/2000/svg}text")]
    assert "Lee 2020" in texts and "lee" not in texts
    assert '<li>Lee 2020 <span class="lr-map-value">60%</span></li>' in html
