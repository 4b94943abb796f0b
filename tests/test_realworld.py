"""Real-world input (issue 21): content written for pandoc, Quarto, Manubot, bookdown and mkdocs-bibtex, and the
mistakes contributors make. One tiny site per construct, each asserting the exact messages and HTML; then
`litreview check` must agree with `mkdocs build --strict` on every one of them (same messages, same exit status).

The examples are our own, written in the style of each tool.
"""
from __future__ import annotations

import io
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from helpers import bib_entry, build_site, write_site
from litreview.cli import main

BIB = bib_entry("okafor2019growth", "Growth of hepatic lesions", "Okafor, Ada and Lund, Per and Meyer, Ida") + \
    bib_entry("lund2021dose", "Dose and response", "Lund, Per", "2021")


@dataclass(frozen=True)
class Case:
    """A tiny site, the exact litreview warnings its build logs (in order) and HTML fragments of its pages."""

    id: str
    pages: dict[str, str]
    expected: list[str] = field(default_factory=list)
    html: dict[str, list[str]] = field(default_factory=dict)
    bib: str | dict[str, str] = BIB
    options: dict[str, Any] = field(default_factory=dict)
    nav: list[Any] | None = None
    absent: dict[str, list[str]] = field(default_factory=dict)  # fragments a page must not contain
    extra: dict[str, Any] = field(default_factory=dict)  # more mkdocs.yml settings
    files: dict[str, str] = field(default_factory=dict)  # more files, relative to the project
    check_extra: list[str] = field(default_factory=list)  # check's words for what MkDocs itself warns about


CATALOGUE: list[Case] = [
    Case("quarto-valueless-id-in-code-span",
         {"index.md": '# Pipelines\n\nName a step `"<pipeop id>.<measure id>"` as shown [@lund2021dose].\n'},
         html={"index.html": ['<code>"&lt;pipeop id&gt;.&lt;measure id&gt;"</code>']}),
]


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[tuple[str, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append((record.name, record.getMessage()))


def make(case: Case, root: Path) -> Path:
    for name, text in case.files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return write_site(root, case.pages, case.bib, options={"cache_dir": ".cache/litreview", **case.options},
                      nav=case.nav, extra=case.extra)


def build(root: Path, strict: bool) -> tuple[str | None, list[tuple[str, str]]]:
    handler = _Collect()
    logger = logging.getLogger("mkdocs")
    logger.addHandler(handler)
    try:
        result = build_site(root, strict=strict, site_dir=root / ("strict-site" if strict else "site"))
    finally:
        logger.removeHandler(handler)
    return result.error, handler.records


def check(root: Path) -> tuple[int, list[str]]:
    out, err = io.StringIO(), io.StringIO()
    cwd = os.getcwd()
    os.chdir(root)
    try:
        code = main(["check", "--format", "text"], out=out, err=err)
    finally:
        os.chdir(cwd)
    lines = [line.replace(": error: ", ": ", 1).replace(": warning: ", ": ", 1)
             for line in out.getvalue().splitlines()]
    return code, lines


@pytest.mark.parametrize("case", CATALOGUE, ids=[c.id for c in CATALOGUE])
def test_catalogue_builds_as_its_authors_expect(case: Case, tmp_path: Path) -> None:
    root = make(case, tmp_path)
    error, records = build(root, strict=False)
    assert error is None
    assert [m for name, m in records if name == "mkdocs.plugins.litreview"] == case.expected
    for page, fragments in case.html.items():
        html = (root / "site" / page).read_text(encoding="utf-8")
        for fragment in fragments:
            assert fragment in html
    for page, fragments in case.absent.items():
        html = (root / "site" / page).read_text(encoding="utf-8")
        for fragment in fragments:
            assert fragment not in html


@pytest.mark.parametrize("case", CATALOGUE, ids=[c.id for c in CATALOGUE])
def test_check_predicts_the_strict_build(case: Case, tmp_path: Path) -> None:
    root = make(case, tmp_path)
    error, records = build(root, strict=True)
    code, found = check(root)
    ours = {m for name, m in records if name == "mkdocs.plugins.litreview"}
    assert sorted(found) == sorted(ours | set(case.check_extra))
    assert code == (1 if error else 0), (error, found)
