"""Same input, same bytes: two copies of a tiny site in different folders build to identical files."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from helpers import bib_entry, build_site, write_site

BIB = (bib_entry("strosberg2017phase", "Phase 3 trial of {\\textsuperscript{177}Lu}-Dotatate", "Strosberg, Jonathan and "
                 "El-Haddad, G. and Wolin, E. and others", "2017", journal="N Engl J Med", volume="376",
                 pages="125--135", doi="10.1056/NEJMoa1607427")
       + bib_entry("maire2012hepatic", "Hepatic arterial embolization versus chemoembolization", "Maire, Fr{\\'e}d{\\'e}rique",
                   "2012", journal="Neuroendocrinology", url="https://example.org/maire?a=1&b=2")
       + bib_entry("kim2019", "Second work", "Kim, A.", "2019", kind="book", publisher="Springer", address="Berlin"))
DATA = """\
title: Transarterial embolization and chemoembolization
modality: Bland and chemoembolization
summary:
  indication: Liver-dominant disease [@maire2012hepatic]
  survival: Median OS 24 months [@kim2019]
columns:
  - {id: source, label: Study, type: citation}
  - {id: design, label: Design, type: text}
  - {id: n, label: Patients, type: integer}
  - {id: orr, label: Objective response, type: percent}
  - {id: os, label: Median OS, type: months}
rows:
  - {id: maire2012, source: maire2012hepatic, design: RCT, n: 26, orr: "38 (22–54)", os: 24.1}
  - {id: kim2019, source: kim2019, design: "retrospective, see [@strosberg2017phase]", n: 60, orr: 12.5, os: NR}
  - {id: strosberg2017, source: strosberg2017phase, design: RCT, n: 229, orr: 18, os: "48.0 (37.4–55.2)"}
"""
PAGES = {
    "index.md": "# Overview\n\nPRRT [@strosberg2017phase] and @maire2012hepatic [p. 4]; {{tace.maire2012.n}} patients.\n\n"
                "<!-- evidence-table tace sort=-n -->\n\n<!-- evidence-chart tace column=os type=forest -->\n\n"
                "<!-- evidence-chart tace column=orr type=bar caption=\"Response\" -->\n",
    "part/chapter.md": "# Chapter\n\n[see @kim2019, pp. 3-5; -@maire2012hepatic]\n\n<!-- comparison-table tace -->\n\n"
                       "<!-- evidence-table tace columns=source,n filter=design=RCT -->\n",
    "references.md": "# References\n\n<!-- bibliography all -->\n",
}


def tree(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}


def test_two_copies_build_byte_identical(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")  # the theme prints the build date otherwise
    first = tmp_path / "a" / "review"
    write_site(first, PAGES, BIB, data={"tace.yaml": DATA}, options={"cache_dir": ".cache/litreview"},
               nav=["index.md", "part/chapter.md", "references.md"])
    second = tmp_path / "somewhere else" / "deeper" / "copy"
    shutil.copytree(first, second)

    one = build_site(first)
    two = build_site(second)
    again = build_site(first, site_dir=first / "site-again")  # charts now come from the cache
    for result in (one, two, again):
        assert result.error is None and result.litreview_warnings == []

    files = tree(one.site)
    assert files == tree(two.site)
    assert files == tree(again.site)
    kinds = {name.rsplit(".", 1)[-1] for name in files}
    assert {"html", "csv", "json"} <= kinds
    index = files["index.html"].decode()
    assert index.count("<svg") == 2 and 'class="lr-evidence"' in index  # charts and table are really there
    assert sum(name.startswith("downloads/") for name in files) == 4
    for name, content in files.items():  # nothing records where the project lives
        assert str(tmp_path).encode() not in content, name
