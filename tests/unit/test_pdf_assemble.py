"""The PDF's HTML rewriting (pure string work): ids, `<a name>` anchors and links made unique per chapter."""
from __future__ import annotations

import pytest
from litreview.pdf.assemble import PdfPage, rewrite_page

SLUGS = {"index.html": "index", "two.html": "two"}


def rewritten(html: str, url: str = "index.html", split: bool = False) -> str:
    page = PdfPage(SLUGS[url], "T", url, f"<h1>T</h1>{html}")
    return rewrite_page(page, SLUGS, None, split=split).removeprefix("<h1>T</h1>")


@pytest.mark.parametrize(("html", "expected"), [
    ('<a name="x"></a>', '<a name="index--x"></a>'),
    ('<a id="x" name="x"></a>', '<a id="index--x" name="index--x"></a>'),
    ('<a data-name="x" href="#x">x</a>', '<a data-name="x" href="#index--x">x</a>'),
    ('<a href="#x">here</a>', '<a href="#index--x">here</a>'),
    ('<a href="two.html#x">there</a>', '<a href="#two--x">there</a>'),
    ('<a href="#">top</a>', "<a >top</a>"),
    ('<a href="">empty</a>', "<a >empty</a>"),
    ('<input name="q">', '<input name="q">'),  # only links are anchors
])
def test_anchors_and_links_are_renamed_per_chapter(html: str, expected: str) -> None:
    assert rewritten(html) == expected


def test_split_chapters_link_to_each_others_named_anchors() -> None:
    assert rewritten('<a name="x"></a><a href="index.html#x">back</a>', "two.html", split=True) == \
        '<a name="two--x"></a><a href="lr-dest:index--x">back</a>'
