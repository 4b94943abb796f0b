"""The PDF's HTML rewriting (pure string work): ids, `<a name>` anchors and links made unique per chapter."""
from __future__ import annotations

import re

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
    # an entry's text id serves the site's tooltips; on paper it would be one more unused destination per entry
    ('<li id="ref-a"><span class="lr-ref-text" id="ref-text-3">Doe</span></li>',
     '<li id="index--ref-a"><span class="lr-ref-text">Doe</span></li>'),
    ('<span class="note" id="ref-text-3">kept</span>', '<span class="note" id="index--ref-text-3">kept</span>'),
])
def test_anchors_and_links_are_renamed_per_chapter(html: str, expected: str) -> None:
    assert rewritten(html) == expected


def test_split_chapters_link_to_each_others_named_anchors() -> None:
    assert rewritten('<a name="x"></a><a href="index.html#x">back</a>', "two.html", split=True) == \
        '<a name="two--x"></a><a href="lr-dest:index--x">back</a>'


# --- a long reference list cut into documents of consecutive entries (pdf/parts.py typesets them one by one)

def _list_document(items: str, heading: str = "References") -> str:
    return (f'<!DOCTYPE html><html lang="en"><head><title>t</title></head><body><section class="chapter" id="ch-r">'
            f'<h1>{heading}</h1><p>Intro.</p><ol class="lr-references lr-bibliography">{items}</ol>'
            f'<p>After the list.</p></section></body></html>')


def test_split_references_cuts_between_entries_and_keeps_their_numbers() -> None:
    from litreview.pdf.assemble import split_references

    items = "".join(f'<li id="r--ref-k{i}"><span>Entry {i}.</span></li>' for i in range(10))
    split = split_references(_list_document(items), 5)
    assert split is not None and len(split.items) == 10 and split.ids[3] == "r--ref-k3"
    assert split.numbers == list(range(1, 11))
    first, middle, last = split.document(0, 4), split.document(4, 7), split.document(7, 10)
    assert "Intro." in first and "Entry 3." in first and "Entry 4." not in first and "After the list." not in first
    assert "Intro." not in middle and 'style="counter-reset: list-item 4"' in middle and "Entry 6." in middle
    assert "After the list." in last and "Entry 9." in last and "Entry 6." not in last
    assert "".join(split.items) == items  # nothing lost or changed between the pieces
    assert split_references(_list_document(items), 11) is None  # too short to cut


def test_split_references_numbers_follow_value_attributes() -> None:
    from litreview.pdf.assemble import split_references

    items = '<li id="a" value="12">A</li><li value="19" id="b">B</li><li id="c">C</li>'
    split = split_references(_list_document(items), 3)
    assert split is not None and split.numbers == [12, 19, 20] and split.ids == ("a", "b", "c")
    assert 'counter-reset: list-item 19' in split.document(2, 3)


def test_split_references_leaves_a_list_with_nested_lists_whole() -> None:
    from litreview.pdf.assemble import split_references

    items = "".join(f'<li id="k{i}">Entry<ul><li>nested</li></ul></li>' for i in range(10))
    assert split_references(_list_document(items), 5) is None


def test_running_head_of_later_pieces_escapes_the_title() -> None:
    from litreview.pdf.assemble import css_string, split_references

    title = 'Refs"; } @page { @top-center { content: url(file:///etc/passwd) } } x { a: "'
    items = "".join(f'<li id="k{i}">Entry</li>' for i in range(4))
    split = split_references(_list_document(items, title.replace('"', "&quot;")), 2)
    assert split is not None and split.title == title
    quoted = css_string(title)
    assert quoted.startswith('"') and quoted.endswith('"') and '"' not in quoted[1:-1]
    plain = re.sub(r"\\[0-9a-f]{6}", "", quoted[1:-1])  # every other character is escaped as six hex digits
    assert all(c.isalnum() or c == " " for c in plain) and "Refs" in plain and "passwd" in plain
    assert quoted in split.running_head()
