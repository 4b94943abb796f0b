"""Reference-manager downloads on the bibliography page: one entry per click, and the whole library."""
from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = pytest.mark.browser


def test_entry_bibtex_and_ris_contain_only_that_entry(site, desktop, tmp_path: Path) -> None:
    desktop.goto(site.url("references.html"))
    item = desktop.locator(".lr-bibliography li").nth(2)
    key = item.get_attribute("id").removeprefix("ref-")
    for label, start in (("BibTeX", "@"), ("RIS", "TY  - ")):
        with desktop.expect_download() as info:
            item.locator(".lr-entry-files a", has_text=label).click()
        saved = tmp_path / info.value.suggested_filename
        info.value.save_as(saved)
        text = saved.read_text(encoding="utf-8")
        assert text.startswith(start), text[:80]
        if label == "BibTeX":
            assert text.count("\n@") == 0 and f"{{{key}," in text  # just this entry
        else:
            assert text.count("TY  - ") == 1 and text.rstrip().endswith("ER  -")


def test_whole_library_downloads(site, desktop, tmp_path: Path) -> None:
    desktop.goto(site.url("references.html"))
    entries = desktop.locator(".lr-bibliography li").count()
    with desktop.expect_download() as info:
        desktop.locator(".lr-library a", has_text="BibTeX").click()
    saved = tmp_path / "library.bib"
    info.value.save_as(saved)
    assert saved.read_text(encoding="utf-8").count("\n@") + 1 == entries
