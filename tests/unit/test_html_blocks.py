"""pandoc_html_blocks: which block-level opening tags get `markdown="1"`, and what is never touched."""
from __future__ import annotations

import time

import markdown
import pytest
from litreview.citations.html_blocks import mark_html_blocks
from litreview.citations.markdown_ext import CitationExtension
from litreview.markdown_text import mask_raw_html

BLOCKS = markdown.Markdown().block_level_elements


@pytest.mark.parametrize(("source", "marked"), [
    ("<details>\n<summary>More</summary>\n\nText\n</details>",
     '<details markdown="1">\n<summary markdown="1">More</summary>\n\nText\n</details>'),
    ('   <div class="x">\n*a*\n</div>', '   <div markdown="1" class="x">\n*a*\n</div>'),
    ("<div\n  id='a'>\n*a*\n</div>", "<div markdown=\"1\"\n  id='a'>\n*a*\n</div>"),
    # left as written: indented code, inline tags, mid-line tags, empty tags, an author's own attribute
    ("    <div>\n    code\n    </div>", None),
    ("<span>*a*</span>\n<em>b</em>", None),
    ("Some <div>text</div>", None),
    ("<hr>\n<br/>", None),
    ('<div markdown="block">\n*a*\n</div>', None),
    ('<div markdown="0">\n<div>*raw*</div>\n</div>', None),
    ("<div markdown=off>\n<div>\n<p>x</p>\n</div>\n</div>", None),
    # raw elements and comments, with everything inside them
    ("<pre>\n<div>*no*</div>\n</pre>", None),
    ("<script>\n<div>\n</script>", None),
    ("<STYLE>\n<div>\n</style>", None),
    ("<textarea>\n<div>\n</textarea>", None),
    ("<!--\n<div>\n*no*\n</div>\n-->", None),
    ("Text <!-- a\n<div>\n--> more", None),
    ("<pre><pre>\n<div>\n</pre>\n<div>\n</pre>", None),  # nested raw elements of one name are counted
    # after a raw element or a comment closes, tags are marked again; an unclosed comment is text
    ("<pre>\nx\n</pre>\n<div>\ny\n</div>", '<pre>\nx\n</pre>\n<div markdown="1">\ny\n</div>'),
    ("<!-- x -->\n<div>\ny\n</div>", '<!-- x -->\n<div markdown="1">\ny\n</div>'),
    ("a <!-- never closed\n<div>\ny\n</div>", 'a <!-- never closed\n<div markdown="1">\ny\n</div>'),
    ("<pre>\nnever closed\n<div>\n", None),
])
def test_marked_tags(source: str, marked: str | None) -> None:
    assert mark_html_blocks(source, BLOCKS) == (source if marked is None else marked)


def _convert(text: str, **options: bool) -> str:
    return markdown.Markdown(extensions=[CitationExtension(**options), "fenced_code"]).convert(text)


def test_off_by_default_and_fenced_code_untouched() -> None:
    source = "<div>\n*a* [@k]\n</div>\n\n```html\n<div>\n*code*\n</div>\n```\n"
    assert _convert(source).startswith("<div>\n*a* [@k]\n</div>")
    on = _convert(source, pandoc_html_blocks=True)
    assert on.startswith('<div>\n<p><em>a</em> <lr-cite data-cite="')
    assert '<pre><code class="language-html">&lt;div&gt;\n*code*\n&lt;/div&gt;\n</code></pre>' in on


def test_check_masks_only_what_stays_raw() -> None:
    """`litreview check` reads the page as the build does: with the option, a `<div>`'s text is prose; a `<pre>`'s
    and a comment's are not."""
    source = "<div>\n[@inside]\n</div>\n\n<pre>\n[@pre]\n</pre>\n"
    assert "[@inside]" not in mask_raw_html(source)
    masked = mask_raw_html(source, pandoc=True)
    assert "[@inside]" in masked and "[@pre]" not in masked


def _cpu(text: str) -> float:
    best = float("inf")
    for _ in range(3):
        start = time.process_time()
        mark_html_blocks(text, BLOCKS)
        best = min(best, time.process_time() - start)
    return best


@pytest.mark.parametrize("unit", ["<div a\n", "<pre>\n", "<!--\n", "<pre></pre>\n<div>\n", "<div markdown=0>\n",
                                  "<div>\n<pre>x</pre>\n"])
def test_hostile_html_grows_linearly(unit: str) -> None:
    """Unclosed tags, raw elements and comments, many times over: four times the text costs less than eight
    times the work (growth is compared, never a time)."""
    assert _cpu(unit * 20000) < 8 * _cpu(unit * 5000)
