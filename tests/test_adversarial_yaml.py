"""Broken and hostile evidence YAML: each case is a tiny site; messages name file, line and YAML path; --strict fails."""
from __future__ import annotations

import time
from pathlib import Path

import pytest
from helpers import BuildResult, bib_entry, build_site, write_site, build_both
from litreview.tables.load import load_dataset

BIB = bib_entry("good", "Fine", "Roe, Rita", "2021") + bib_entry("other", "Other", "Kim, A", "2019")
HEAD = """\
title: TACE
modality: Chemoembolization
columns:
  - {id: source, label: Study, type: citation}
  - {id: design, label: Design, type: text}
  - {id: n, label: Patients, type: integer}
  - {id: orr, label: Objective response, type: percent}
rows:
"""  # rows start at line 9
PAGE = "# T\n\n<!-- evidence-table tace -->\n"
UNREADABLE = "docs/index.md:3: data set 'tace' could not be loaded (see the messages for docs/data/tace.yaml); fix that file"
MARKER = '<p class="lr-missing">[evidence-table: data set &#x27;tace&#x27; could not be loaded'




def site(root: Path, yaml_text: str, page: str = PAGE) -> Path:
    return write_site(root, {"index.md": page}, BIB, data={"tace.yaml": yaml_text})


# Files that cannot be used at all: one message for the file, and the page shows a marker where the table was.
REFUSED = [
    ("tab-indentation", HEAD + "  - id: first\n\tsource: good\n",
     ("docs/data/tace.yaml:10: invalid YAML: found character '\\t' that cannot start any token (YAML does not allow "
     "tabs for indentation; use spaces)")),
    ("tab-in-columns", "title: T\ncolumns:\n\t- {id: source, label: Study, type: citation}\nrows: []\n",
     ("docs/data/tace.yaml:3: invalid YAML: found character '\\t' that cannot start any token (YAML does not allow "
     "tabs for indentation; use spaces)")),
    ("duplicate-key-in-row", HEAD + "  - id: first\n    source: good\n    n: 26\n    n: 27\n",
     "docs/data/tace.yaml:12: rows[0].n: duplicate key 'n' (first at line 11); keep one"),
    ("duplicate-top-level-key", HEAD + "  - id: first\n    source: good\ntitle: Again\n",
     "docs/data/tace.yaml:11: title: duplicate key 'title' (first at line 1); keep one"),
    ("alias", HEAD + "  - &row {id: first, source: good}\n  - *row\n",
     "docs/data/tace.yaml:10: YAML aliases (*name) are not allowed in evidence data; write the value out"),
    ("merge-key", HEAD + "  - id: first\n    <<: {source: good}\n",
     "docs/data/tace.yaml:10: merge keys (<<) are not allowed; write the values out"),
    ("unknown-top-level-field", "title: T\nsumary: typo\n" + HEAD.split("\n", 1)[1] + "  - {id: first, source: good}\n",
     ("docs/data/tace.yaml:2: sumary: unknown field 'sumary' (known: columns, description, modality, rows, summary, "
     "title)")),
    ("rows-not-a-list", "title: T\ncolumns:\n  - {id: source, label: Study, type: citation}\nrows: {first: 1}\n",
     "docs/data/tace.yaml:4: rows: expected a list, got a mapping"),
    ("row-not-a-mapping", HEAD + "  - just text\n", 'docs/data/tace.yaml:9: rows[0]: expected a mapping, got "just text"'),
    ("not-a-mapping", "- a\n- b\n", "docs/data/tace.yaml:1: expected a mapping with title, columns and rows"),
    ("empty-file", "", "docs/data/tace.yaml:1: expected a mapping with title, columns and rows"),
    ("two-documents", HEAD + "  - {id: first, source: good}\n---\ntitle: Second\n",
     "docs/data/tace.yaml:10: invalid YAML: but found another document"),
    ("unclosed-quote", HEAD + '  - {id: first, source: "good}\n',
     "docs/data/tace.yaml:10: invalid YAML: found unexpected end of stream"),
    ("nested-too-deep", "title: T\nx: " + "[" * 5000 + "]" * 5000 + "\n",
     "docs/data/tace.yaml:2: the data is nested more than 50 levels deep; check the brackets and indentation"),
    ("unknown-column-type", ("title: T\ncolumns:\n  - {id: source, label: Study, type: citation}\n"
     "  - {id: n, label: N, type: number}\nrows: []\n"),
     ("docs/data/tace.yaml:4: columns[1].type: got \"number\", expected one of: text, integer, percent, months, ratio, "
     "citation")),
    ("python-name-tag", HEAD + "  - id: first\n    source: good\n    design: !!python/name:os.system\n",
     ("docs/data/tace.yaml:11: invalid YAML: could not determine a constructor for the tag "
     "'tag:yaml.org,2002:python/name:os.system'")),
]


@pytest.mark.parametrize(("text", "message"), [c[1:] for c in REFUSED], ids=[c[0] for c in REFUSED])
def test_unusable_file_is_refused_with_its_line(tmp_path: Path, text: str, message: str) -> None:
    site(tmp_path, text)
    result = build_both(tmp_path, [message, UNREADABLE])
    assert MARKER in result.page()


def test_wrong_types_name_line_path_and_value(tmp_path: Path) -> None:
    site(tmp_path, HEAD + "  - id: first\n    source: good\n    n: 26\n  - id: second\n    source: good\n"
         "    n: about 60\n    orr: 120\n  - id: third\n    source: ''\n    n: true\n    design: [a, b]\n"
         "  - id: fourth\n    source:\n")
    result = build_both(tmp_path, [
        'docs/data/tace.yaml:14: rows[1].n: expected an integer, got "about 60"',
        ("docs/data/tace.yaml:15: rows[1].orr: expected a percentage 0\u2013100 such as 38 or {value: 38, lower: 22, "
         "upper: 54, interval: ci95}, got 120"),
        "docs/data/tace.yaml:19: rows[2].design: expected text, got a list",
        "docs/data/tace.yaml:18: rows[2].n: expected an integer, got true",
        'docs/data/tace.yaml:17: rows[2].source: expected a BibTeX key or a list of keys, got ""',
        "docs/data/tace.yaml:21: rows[3].source: expected a BibTeX key or a list of keys, got nothing",
    ])
    html = result.page()
    assert '<td class="lr-num" data-sort="about 60">about 60</td>' in html  # shown as written, never dropped
    assert 'id="table-tace-1-second"' in html and 'id="table-tace-1-third"' in html


def test_not_a_number_and_infinity_are_refused(tmp_path: Path) -> None:
    site(tmp_path, HEAD.replace("type: percent}", "type: percent}\n  - {id: os, label: OS, type: months}")
         + "  - id: first\n    source: good\n    orr: .nan\n    os: .inf\n")
    result = build_both(tmp_path, [
        "docs/data/tace.yaml:12: rows[0].orr: expected a percentage 0\u2013100 such as 38 or {value: 38, lower: 22, "
        "upper: 54, interval: ci95}, got nan",
        "docs/data/tace.yaml:13: rows[0].os: expected months such as 24.1, {value: 24.1, lower: 18.0, upper: 30.2, "
        'interval: ci95} or "NR", got inf',
    ])
    downloads = sorted((result.site / "downloads").iterdir())
    json_text = next(p for p in downloads if p.suffix == ".json").read_text(encoding="utf-8")
    assert "NaN" not in json_text and "Infinity" not in json_text  # the download stays valid JSON
    assert '"orr": "nan"' in json_text


def test_unknown_column_points_at_its_line(tmp_path: Path) -> None:
    site(tmp_path, HEAD + "  - id: first\n    source: good\n    pfs: 12\n")
    result = build_both(tmp_path, [
        ("docs/data/tace.yaml:11: rows[0].pfs: unknown column 'pfs'; declare it under columns "
        "(declared: design, n, orr, source)")])
    assert 'id="table-tace-1-first"' in result.page()


def test_row_without_source_and_duplicate_ids(tmp_path: Path) -> None:
    site(tmp_path, HEAD + "  - id: first\n    n: 3\n  - id: first\n    source: good\n  - id: Bad Id\n    source: good\n")
    result = build_both(tmp_path, [
        "docs/data/tace.yaml:9: rows[0]: 'source' is required",
        "docs/data/tace.yaml:11: rows[1].id: duplicate row id 'first' (also rows[0]); give each row its own id",
        'docs/data/tace.yaml:13: rows[2].id: invalid id "Bad Id": use lowercase letters, digits, \'_\' and \'-\'',
    ])
    html = result.page()
    assert 'id="table-tace-1-first"' in html and 'id="table-tace-1-first-2"' in html  # both rows stay visible


def test_rows_citing_missing_keys(tmp_path: Path) -> None:
    site(tmp_path, HEAD + "  - id: first\n    source: nokey\n    design: RCT, as in [@missing2]\n"
         "  - id: second\n    source: [good, alsomissing]\n")
    result = build_both(tmp_path, [
        "docs/data/tace.yaml:10: rows[0].source: unknown citation key 'nokey'; add it to bib/ or correct it",
        "docs/data/tace.yaml:11: rows[0].design: unknown citation key 'missing2'; add it to bib/ or correct it",
        "docs/data/tace.yaml:13: rows[1].source: unknown citation key 'alsomissing'; add it to bib/ or correct it",
        "docs/index.md: unknown citation key 'nokey'; add it to bib/ or correct the key",
        "docs/index.md: unknown citation key 'missing2'; add it to bib/ or correct the key",
        "docs/index.md: unknown citation key 'alsomissing'; add it to bib/ or correct the key",
    ])
    html = result.page()
    for key in ("nokey", "missing2", "alsomissing"):
        assert f'<span class="lr-missing" title="unknown citation key">[?{key}]</span>' in html


def test_billion_laughs_is_refused_quickly(tmp_path: Path) -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"{c}: &{c} [{', '.join(['*' + p] * 9)}]" for p, c in zip("abcdefgh", "bcdefghi")]
    bomb = "\n".join(lines) + "\n"
    path = tmp_path / "bomb.yaml"
    path.write_text(bomb, encoding="utf-8")
    start = time.monotonic()
    dataset, problems = load_dataset(path, "bomb", "docs/data/bomb.yaml")
    assert time.monotonic() - start < 5  # expanded, the bomb holds 9**9 strings
    assert dataset is None
    assert [str(p) for p in problems] == [
        "docs/data/bomb.yaml:2: YAML aliases (*name) are not allowed in evidence data; write the value out"]
    site(tmp_path / "site", bomb)
    result = build_both(tmp_path / "site", [
        "docs/data/tace.yaml:2: YAML aliases (*name) are not allowed in evidence data; write the value out",
        UNREADABLE])
    assert MARKER in result.page()


@pytest.mark.parametrize(("row", "path"), [
    ("  - id: first\n    source: good\n    design: !!python/object/apply:os.system ['touch {canary}']\n",
     "rows[0].design"),
    ("  - !!python/object/new:os.system {{id: first, source: good}}\n", "rows[0]"),
])
def test_python_tags_never_run_and_are_refused(tmp_path: Path, row: str, path: str) -> None:
    canary = tmp_path / "pwned"
    site(tmp_path, HEAD + row.format(canary=canary))
    tag = row.split("!!", 1)[1].split(" ", 1)[0]
    line = 9 + row.count("\n") - 1
    message = f"docs/data/tace.yaml:{line}: {path}: YAML tags such as 'tag:yaml.org,2002:{tag}' are not allowed; " \
        "write plain values"
    result = build_both(tmp_path, [message, UNREADABLE])
    assert not canary.exists()
    assert MARKER in result.page()


def test_non_utf8_and_bom(tmp_path: Path) -> None:
    site(tmp_path, "")
    (tmp_path / "docs/data/tace.yaml").write_bytes(HEAD.encode() + b"  - id: first\n    source: good\n"
                                                   b"    design: caf\xe9\n")
    build_both(tmp_path, ["docs/data/tace.yaml:11: the file is not valid UTF-8; save it as UTF-8", UNREADABLE])
    (tmp_path / "docs/data/tace.yaml").write_bytes(b"\xef\xbb\xbf" + HEAD.encode() + b"  - {id: first, source: good}\n")
    assert 'id="table-tace-1-first"' in build_both(tmp_path, []).page()


def test_oversized_file_is_refused(tmp_path: Path) -> None:
    site(tmp_path, HEAD + "".join(f"  - {{id: r{i}, source: good, design: {'x' * 60}}}\n" for i in range(30_000)))
    result = build_both(tmp_path, ["docs/data/tace.yaml: the file is larger than 2000000 bytes; split it", UNREADABLE])
    assert MARKER in result.page()


def test_crlf_keeps_lines(tmp_path: Path) -> None:
    site(tmp_path, "")
    text = HEAD + "  - id: first\n    source: good\n    n: many\n"
    (tmp_path / "docs/data/tace.yaml").write_bytes(text.replace("\n", "\r\n").encode())
    build_both(tmp_path, ['docs/data/tace.yaml:11: rows[0].n: expected an integer, got "many"'])


def test_ampersand_and_angle_brackets_in_a_cell_citation(tmp_path: Path) -> None:
    # Cells are HTML-escaped before Markdown, so `&` arrives as `&amp;`: its `;` must not split the citation.
    site(tmp_path, HEAD + "  - id: first\n    source: good\n    design: 'RCT [see Smith & Jones @good, p. <4>; @other]'\n",
         "# T\n\n<!-- evidence-table tace details=none -->\n")  # a cell of the row, not folded under it
    html = build_both(tmp_path, []).page()
    assert ('<td data-sort="rct">RCT <span class="lr-cite" id="cite-2">[see Smith &amp; Jones '
            '<a class="lr-cite-link" href="#ref-good" aria-describedby="ref-text-1 ref-text-2">1</a>, p. &lt;4&gt;; '
            '<a class="lr-cite-link" href="#ref-other" aria-describedby="ref-text-1 ref-text-2">2</a>]') in html


def test_dollar_signs_in_chart_text_are_drawn_as_text(tmp_path: Path) -> None:
    site(tmp_path, "title: T\nmodality: 'Costs $^$'\ncolumns:\n  - {id: source, label: Study, type: citation}\n"
                   "  - {id: orr, label: 'ORR $\\frac$', type: percent}\nrows:\n  - {id: r1, source: good, orr: 30}\n",
         "# T\n\n<!-- evidence-chart tace,other column=orr type=bar -->\n")
    (tmp_path / "docs/data/other.yaml").write_text(
        "title: O\nmodality: Other\ncolumns:\n  - {id: source, label: Study, type: citation}\n"
        "  - {id: orr, label: ORR, type: percent}\nrows:\n  - {id: r1, source: good, orr: 40}\n", encoding="utf-8")
    result = build_both(tmp_path, [])
    assert "Costs $^$" in result.page()  # a legend entry (two groups) and the group in the chart's value table
