"""Living review, pure parts: currency front matter, due dates, overdue with a fixed clock, exports, Highwire tags."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from litreview.living.citation import ReviewRecord, highwire_tags, insert_in_head, to_bibtex, to_csl, to_ris
from litreview.living.currency import Currency, add_months, currency_sentence, overdue, parse_currency
from litreview.living.diff import EvidenceDiff, ValueChange, format_markdown, format_text, md_escape
from pybtex.database import parse_string

D = dt.date


@pytest.mark.parametrize(("front", "searched", "assessed", "due"), [
    ("searched: 2026-10-01\nassessed: 2026-11-15\nreview_interval_months: 12\n", D(2026, 10, 1), D(2026, 11, 15),
     D(2027, 11, 15)),
    ("searched: '2026-10-01'\nassessed: \"2026-11-15\"\n", D(2026, 10, 1), D(2026, 11, 15), None),
    ("assessed: 2026-01-31\nreview_interval_months: 1\n", None, D(2026, 1, 31), D(2026, 2, 28)),
    ("assessed: 2026-01-31\nreview_interval_months: 6\nnext_review: 2026-03-01\n", None, D(2026, 1, 31),
     D(2026, 3, 1)),
    ("title: No dates\n", None, None, None),
])
def test_accepted_currency(front: str, searched: D | None, assessed: D | None, due: D | None) -> None:
    currency, problems = parse_currency(f"---\n{front}---\n# Chapter\n", "content/a.md")
    assert problems == []
    assert (currency.searched, currency.assessed, currency.next_review) == (searched, assessed, due)


@pytest.mark.parametrize(("front", "message"), [
    ("searched: 2026-13-01\n", "content/a.md:2: front matter 'searched': expected a date as YYYY-MM-DD, got "
                               "'2026-13-01'"),
    ("title: x\nassessed: 15/11/2026\n", "content/a.md:3: front matter 'assessed': expected a date as YYYY-MM-DD, "
                                         "got '15/11/2026'"),
    ("assessed: 2026-11-15\nreview_interval_months: twelve\n", "content/a.md:3: front matter "
     "'review_interval_months': expected a whole number of months from 1 to 120, got 'twelve'"),
    ("assessed: 2026-11-15\nreview_interval_months: true\n", "content/a.md:3: front matter "
     "'review_interval_months': expected a whole number of months from 1 to 120, got 'True'"),
    ("searched: 2026-12-01\nassessed: 2026-11-15\n", "content/a.md:2: front matter 'searched' (2026-12-01) is "
     "after 'assessed' (2026-11-15); evidence is assessed after it is searched"),
    ("review_interval_months: 12\n", "content/a.md:2: front matter 'review_interval_months' needs 'assessed:' (the "
                                     "next review is due that many months after the assessment)"),
])
def test_rejected_currency(front: str, message: str) -> None:
    _, problems = parse_currency(f"---\n{front}---\n# Chapter\n", "content/a.md")
    assert [str(p) for p in problems] == [message]


def test_default_interval_applies_without_front_matter_interval() -> None:
    currency, _ = parse_currency("---\nassessed: 2026-11-15\n---\n", "a.md", default_interval=6)
    assert currency.next_review == D(2027, 5, 15)


def test_add_months_crosses_years_and_clamps() -> None:
    assert add_months(D(2026, 11, 30), 3) == D(2027, 2, 28)
    assert add_months(D(2024, 1, 31), 1) == D(2024, 2, 29)


def test_overdue_with_a_fixed_clock() -> None:
    currency, _ = parse_currency("---\nassessed: 2025-11-15\nreview_interval_months: 12\n---\n", "content/a.md")
    assert overdue(currency, D(2026, 11, 15)) is None  # due today is not late
    late = overdue(currency, D(2026, 11, 16))
    assert late is not None
    assert str(late) == ("content/a.md:3: the review of this chapter was due on 2026-11-15 (assessed 2025-11-15 + "
                         "12 months); search and assess the evidence again and update 'searched:' and 'assessed:' "
                         "(or set a later 'next_review:')")


def test_currency_sentence() -> None:
    c = Currency("a.md", D(2026, 10, 1), D(2026, 11, 15), D(2027, 11, 15))
    assert currency_sentence(c) == ('Evidence searched to <time datetime="2026-10-01">2026-10-01</time>, assessed '
                                    '<time datetime="2026-11-15">2026-11-15</time>; next review due '
                                    '<time datetime="2027-11-15">2027-11-15</time>.')
    assert currency_sentence(Currency("a.md")) == ""


RECORD = ReviewRecord('Liver {therapy} & "NEN" 100% <b>', ("The authors}", "Ann Roe"), "v1.2", "2026-11-20",
                      "https://example.org/r/", "10.5281/zenodo.100", "10.5281/zenodo.101")


def test_bibtex_export_parses_back_with_escaped_values() -> None:
    entry = next(iter(parse_string(to_bibtex(RECORD), "bibtex").entries.values()))
    assert entry.type == "online"
    assert entry.fields["title"] == r'{Liver \textbraceleft{}therapy\textbraceright{} \& "NEN" 100\% <b>}'
    assert entry.fields["doi"] == "10.5281/zenodo.101"  # the version DOI is cited when set
    assert entry.fields["version"] == "v1.2"
    assert [str(p) for p in entry.persons["author"]] == [r"{The authors\textbraceright{}}", "{Ann Roe}"]


def test_ris_and_csl_exports_parse_back() -> None:
    lines = to_ris(RECORD).splitlines()
    assert lines[0] == "TY  - ELEC" and lines[-1] == "ER  - "
    tags = [(line[:2], line[6:]) for line in lines]
    assert ("TI", 'Liver {therapy} & "NEN" 100% <b>') in tags
    assert ("DO", "10.5281/zenodo.101") in tags and ("ET", "v1.2") in tags and ("DA", "2026/11/20") in tags
    assert [v for t, v in tags if t == "AU"] == ["The authors}", "Ann Roe"]
    (item,) = json.loads(to_csl(RECORD))
    assert item["issued"] == {"date-parts": [[2026, 11, 20]]}
    assert item["DOI"] == "10.5281/zenodo.101" and item["version"] == "v1.2"
    assert item["author"] == [{"literal": "The authors}"}, {"literal": "Ann Roe"}]


def test_highwire_tags_are_escaped_and_go_before_head_end() -> None:
    tags = highwire_tags('PRRT "and" <you>', RECORD, "2026-11-20", "https://example.org/r/review.pdf")
    assert tags == ('<meta name="citation_title" content="PRRT &quot;and&quot; &lt;you&gt;">\n'
                    '<meta name="citation_author" content="The authors}">\n'
                    '<meta name="citation_author" content="Ann Roe">\n'
                    '<meta name="citation_publication_date" content="2026/11/20">\n'
                    '<meta name="citation_inbook_title" '
                    'content="Liver {therapy} &amp; &quot;NEN&quot; 100% &lt;b&gt;">\n'
                    '<meta name="citation_pdf_url" content="https://example.org/r/review.pdf">\n'
                    '<meta name="citation_doi" content="10.5281/zenodo.101">\n')
    assert insert_in_head("<html><head><title>x</title></head></html>", "<m>") == \
        "<html><head><title>x</title><m></head></html>"
    assert insert_in_head("<p>no head</p>", "<m>") == "<p>no head</p>"


def test_long_values_are_shortened_around_the_change() -> None:
    head = "Control arm median OS 36.3 months; HR 0.84 (0.60–1.17), P=0.30; 36% of control patients crossed over "
    diff = EvidenceDiff("a", "b", values_changed=[ValueChange("t/r", "T", "k", "Notes", head + "later",
                                                              head + "to PRRT")])
    assert "  t/r Notes: …patients crossed over later → …patients crossed over to PRRT (k)\n" in format_text(diff)


def test_markdown_diff_escapes_hostile_values() -> None:
    diff = EvidenceDiff("main", "HEAD", values_changed=[ValueChange("t/r", "T", "k2020x", "Notes", "<img src=x>",
                                                                    "@team [x](http://e) | `y`")])
    text = format_markdown(diff)
    assert "<img" not in text and " @team" not in text and "](http" not in text
    assert r"\@team \[x\]\(http://e\) \| \`y\`" in text
    assert md_escape("a|b @c <d>") == r"a\|b \@c &lt;d&gt;"


def test_cli_today_rejects_bad_dates(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    from litreview.cli import main

    with pytest.raises(SystemExit):
        main(["check", "--today", "2026-02-30"])
    assert "expected a date as YYYY-MM-DD, got '2026-02-30'" in capsys.readouterr().err
