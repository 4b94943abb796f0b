"""Hostile Markdown around citations and directives: tiny sites, exact HTML fragments, exact messages, --strict."""
from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from helpers import BuildResult, bib_entry, build_site, write_site, build_both

EXTENSIONS = ["admonition", "attr_list", "footnotes", "tables", {"toc": {"permalink": True}}, "pymdownx.details",
              "pymdownx.superfences"]
BIB = bib_entry("a", author="Alpha, A") + bib_entry("b", author="Beta, B")
ENTRY = {"a": "Alpha A. A title. 2020.", "b": "Beta B. A title. 2020."}
NUMBER = {"a": 1, "b": 2}


def tip(n: int, *keys: str) -> str:
    """Previews are built in the browser from the reference list (litreview.js): nothing in the HTML."""
    return ""


def link(n: int, key: str, *cited: str) -> str:
    """A number link; `cited` lists every key of its citation when there are several (aria-describedby)."""
    ids = " ".join(f"ref-text-{NUMBER[k]}" for k in sorted(cited or (key,), key=lambda k: NUMBER[k]))
    return f'<a class="lr-cite-link" href="#ref-{key}" aria-describedby="{ids}">{NUMBER[key]}</a>'


def cite(n: int, key: str) -> str:
    """`[@key]` as the fixer writes it: the n-th citation of the page."""
    return f'<span class="lr-cite" id="cite-{n}">[{link(n, key)}]{tip(n, key)}</span>'


def narrative(n: int, key: str) -> str:
    name = {"a": "Alpha", "b": "Beta"}[key]
    return f'<span class="lr-cite" id="cite-{n}">{name} [{link(n, key)}]{tip(n, key)}</span>'


def missing(n: int, key: str) -> str:
    return (f'<span class="lr-cite lr-cite-missing" id="cite-{n}"><span class="lr-missing" title="unknown citation key">'
            f"[?{key}]</span></span>")


def unknown(line: int, key: str) -> str:
    return f"docs/index.md:{line}: unknown citation key '{key}'; add it to bib/ or correct the key"


def main(result: BuildResult) -> str:
    """The page body between the theme's main column and its footer, without the appended reference list."""
    m = re.search(r'role="main">(.*?)<footer', result.page(), re.DOTALL)
    assert m, "no main column"
    return m.group(1).split('<h2 id="references">')[0]




class _Anchors(HTMLParser):
    """Finds an <a> opened inside another <a> (invalid HTML: browsers split the outer link)."""

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0
        self.nested = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.nested += self.depth > 0
            self.depth += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "a":
            self.depth = max(0, self.depth - 1)


def nested_anchors(html: str) -> int:
    parser = _Anchors()
    parser.feed(html)
    return parser.nested


# (case, page, expected warnings, fragments the page body holds)
CASES = [
    ("no-key", "# T\n\n[@] and [@ a] and [-@] and [@{}] end.\n", [],
     ["<p>[@] and [@ a] and [-@] and [@{}] end.</p>"]),
    ("unclosed-bracket", "# T\n\nText [@a end.\n", [],
     [f"<p>Text [{narrative(1, 'a')} end.</p>"]),
    ("nested-brackets", "# T\n\n[see [the] @a, p. [4]] and [[@a]] and [x [@b] y].\n", [],
     [(f'<span class="lr-cite" id="cite-1">[see [the] {link(1, "a")}, p. [4]]{tip(1, "a")}</span> and '
      f"[{cite(2, 'a')}] and [x {cite(3, 'b')} y].")]),
    ("two-keys-in-one-item", "# T\n\n[see @a and @b]\n", [],
     [f"<p>[see {narrative(1, 'a')} and {narrative(2, 'b')}]</p>"]),
    ("citation-in-link-text",
     ("# T\n\n[text [@a]](https://example.org) and [@b](https://e.org) and [see @a][ref].\n\n"
     "[ref]: https://example.org\n"), [],
     # A link whose whole text is `@b` is a handle; `@a` among other words cites, after the link (issue 21).
     [(f'<p><a href="https://example.org">text </a>{cite(1, "a")} and <a href="https://e.org">@b</a> and '
       f'<a href="https://example.org">see </a><span class="lr-cite" id="cite-2">Alpha [{link(2, "a")}]')]),
    ("citation-in-link-attributes",
     '# T\n\n![alt [@a]](https://e.org/x.png) and [x](https://e.org "title [@a]") and [y](https://e.org/@nokey).\n', [],
     # alt text cites (as a pandoc caption does) and the citation follows the image; a title or a URL never cites
     [(f'<img alt="alt" src="https://e.org/x.png" /> {cite(1, "a")} and <a href="https://e.org" title="title [@a]">x'
       '</a> and <a href="https://e.org/@nokey">y</a>.')]),
    ("citation-in-heading", "# Title [@a]\n\n## [Linked [@b]](https://e.org) {#custom}\n\n## Gone [@nokey]\n", [
        unknown(5, "nokey")],
     [f'<h1 id="title">Title {cite(1, "a")}<a class="headerlink" href="#title" title="Permanent link">&para;</a></h1>',
      f'<h2 id="custom"><a href="https://e.org">Linked </a>{cite(2, "b")}<a class="headerlink"',
      f'<h2 id="gone">Gone {missing(3, "nokey")}<a class="headerlink"']),
    ("citation-in-admonition", '# T\n\n!!! note "Title [@a]"\n    Body [@nokey].\n\n??? note "More @b"\n    Hidden [@a].\n',
     [unknown(4, "nokey")],
     [f'<p class="admonition-title">Title {cite(1, "a")}</p>\n<p>Body {missing(2, "nokey")}.</p>',
      f"<summary>More {narrative(3, 'b')}</summary>\n<p>Hidden {cite(4, 'a')}.</p>"]),
    ("citation-in-footnote", "# T\n\nText[^1] and [@a].\n\n[^1]: Foot [@b; @nokey].\n", [unknown(5, "nokey")],
     [f"<p>Text<sup id=\"fnref:1\"><a class=\"footnote-ref\" href=\"#fn:1\">1</a></sup> and {cite(1, 'a')}.</p>",
      '<p>Foot <span class="lr-cite" id="cite-2">[' + link(2, "b") + "]" + tip(2, "b")
      + '<span class="lr-missing" title="unknown citation key">[?nokey]</span></span>.&#160;']),
    ("citation-in-table", "# T\n\n| Study | Note |\n|---|---|\n| [@a] | @b, [@nokey] |\n", [unknown(5, "nokey")],
     [f"<td>{cite(1, 'a')}</td>\n<td>{narrative(2, 'b')}, {missing(3, 'nokey')}</td>"]),
    ("code-stays-literal",
     ("# T\n\nCode `[@nokey]` and ``@nokey2 {{t.r.c}}``.\n\n```\n[@nokey3]\n```\n\n    [@nokey4] @nokey5\n\n"
     "~~~python\n@nokey6\n~~~\n"), [],
     ["<p>Code <code>[@nokey]</code> and <code>@nokey2 {{t.r.c}}</code>.</p>",
      '<div class="highlight"><pre><span></span><code>[@nokey3]\n</code></pre></div>',
      "<pre><code>[@nokey4] @nokey5\n</code></pre>",
      '<code><span class="nd">@nokey6</span>\n</code>']),
    ("email-addresses",
     "# T\n\nMail jane@example.org, <jane@example.org>, [mail](mailto:jane.doe@b.org) or a@b.\n", [],
     ["<p>Mail jane@example.org, <a href=\"&#109;&#97;", '<a href="mailto:jane.doe@b.org">mail</a> or a@b.</p>']),
    ("escapes", "# T\n\nEscaped \\[@a] and \\@b and [\\@a].\n", [], ["<p>Escaped [@a] and @b and [@a].</p>"]),
    ("raw-html", '# T\n\n<span title="[@nokey]">x</span> <!-- [@nokey2] -->\n\n<!-- @nokey3 -->\n', [],
     ['<p><span title="[@nokey]">x</span> <!-- [@nokey2] --></p>\n<!-- @nokey3 -->']),
    ("markup-inside-prefix-and-locator",
     "# T\n\n[see <b>x</b> @a, p. <i>4</i>] and [see `code` @b, `p. 4`] and [see \\[1\\] @a, ch. \\*2\\*].\n", [],
     [(f'<span class="lr-cite" id="cite-1">[see x {link(1, "a")}, p. 4]{tip(1, "a")}</span> and '
      f'<span class="lr-cite" id="cite-2">[see code {link(2, "b")}, p. 4]{tip(2, "b")}</span> and '
      f'<span class="lr-cite" id="cite-3">[see [1] {link(3, "a")}, ch. *2*]{tip(3, "a")}</span>.')]),
    ("character-references-inside-citations",
     "# T\n\n[see Smith &amp; Jones @a, p.&nbsp;4; &#8212; @b] and [@a; @b, pp. 3&ndash;5].\n", [],
     [(f'<span class="lr-cite" id="cite-1">[see Smith &amp; Jones {link(1, "a", "a", "b")}, p.\u00a04; \u2014 {link(1, "b", "a", "b")}]'
      f'{tip(1, "a", "b")}</span> and '
      f'<span class="lr-cite" id="cite-2">[{link(2, "a", "a", "b")}; {link(2, "b", "a", "b")}, pp. 3\u20135]{tip(2, "a", "b")}</span>.')]),
    ("html-inside-a-braced-key", "# T\n\n[@{a<b>c</b>}] and @{x<i>y</i>}.\n", [],
     ["<p>[@{a<b>c</b>}] and @{x<i>y</i>}.</p>"]),
    ("unknown-data-set", "# T\n\n<!-- evidence-table nosuch -->\n\n`<!-- evidence-table nosuch2 -->`\n", [
        ("docs/index.md:3: unknown data set 'nosuch' (available: none); add docs/data/nosuch.yaml or correct the "
        "name")],
     [('<p class="lr-missing">[evidence-table: unknown data set &#x27;nosuch&#x27; (available: none); add '
      "docs/data/nosuch.yaml or correct the name]</p>"),
      "<p><code>&lt;!-- evidence-table nosuch2 --&gt;</code></p>"]),
    ("malformed-directives",
     ('# T\n\n<!-- evidence-table -->\n\n<!-- evidence-chart x column=a caption="open -->\n\n'
     "<!-- comparison-table x bogus=1 -->\n\n<!-- evidence-table x stray -->\n"), [
        "docs/index.md:3: evidence-table needs a data set name, e.g. <!-- evidence-table tace -->",
        "docs/index.md:5: cannot read the evidence-chart options (No closing quotation); check the quotes",
        "docs/index.md:7: unknown option 'bogus' for comparison-table; known: caption, id",
        "docs/index.md:9: unexpected 'stray' in evidence-table; options look like name=value"],
     [('<p class="lr-missing">[evidence-table: evidence-table needs a data set name, e.g. &lt;!-- evidence-table '
      "tace --&gt;]</p>")]),
]


@pytest.mark.parametrize(("page", "expected", "fragments"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_markdown_case(tmp_path: Path, page: str, expected: list[str], fragments: list[str]) -> None:
    write_site(tmp_path, {"index.md": page}, BIB, extra={"markdown_extensions": EXTENSIONS})
    result = build_both(tmp_path, expected)
    body = main(result)
    for fragment in fragments:
        assert fragment in body, fragment
    assert nested_anchors(body) == 0
    assert "<lr-cite" not in result.page() and "data-cite" not in result.page()  # no placeholder survives
    assert "klzzwxh" not in result.page() and "wzxhzdk" not in result.page()  # nor one of Python-Markdown's


def test_headings_with_citations_keep_a_clean_table_of_contents(tmp_path: Path) -> None:
    write_site(tmp_path, {"index.md": "# Title [@a]\n\n## Part @b and [@a]\n"}, BIB,
               extra={"markdown_extensions": EXTENSIONS})
    html = build_both(tmp_path, []).page()
    toc = re.findall(r'<a href="#[^"]*" class="nav-link">([^<]*)</a>', html)
    # The table of contents shows the citation as the heading does, the author's name included (issue 21).
    assert toc == ["Title [1]", "Part Beta [2] and [1]"]


def test_thousands_of_citations_on_one_line(tmp_path: Path) -> None:
    line = " ".join(["[@a]", "@b", "[@a; @b]", "[-@a, p. 4]"] * 750)  # 3,000 citations
    write_site(tmp_path, {"index.md": f"# T\n\n{line}\n"}, BIB, extra={"markdown_extensions": EXTENSIONS})
    result = build_both(tmp_path, [])
    html = result.page()
    assert html.count('<span class="lr-cite" id="cite-') == 3000
    assert 'id="cite-3000"' in html and "[@" not in main(result)
    references = html.split('<h2 id="references">')[1]
    assert references.count('class="lr-backref"') == 2250 + 1500  # a: 3 of every 4 citations, b: 2 of every 4
    assert 'aria-label="Back to citation chn">chn</a></span></li>' in references  # the 2,250th and last back-link of a


def test_citation_inside_raw_html_link_does_not_nest_links(tmp_path: Path) -> None:
    write_site(tmp_path, {"index.md": '# T\n\n<a href="#x">see [@a]</a>\n'}, BIB,
               extra={"markdown_extensions": EXTENSIONS})
    assert nested_anchors(main(build_both(tmp_path, []))) == 0


def test_each_directive_is_reported_at_its_own_line(tmp_path: Path) -> None:
    write_site(tmp_path, {"index.md": "# T\n\nQuote `<!-- evidence-table nosuch -->` like this.\n\n"
                                      "<!-- evidence-table nosuch -->\n\n<!-- evidence-table nosuch -->\n"}, BIB)
    message = "unknown data set 'nosuch' (available: none); add docs/data/nosuch.yaml or correct the name"
    build_both(tmp_path, [f"docs/index.md:5: {message}", f"docs/index.md:7: {message}"])


def test_unknown_key_is_reported_where_it_is_cited_not_where_it_is_quoted(tmp_path: Path) -> None:
    write_site(tmp_path, {"index.md": "# T\n\nWrite `[@nokey]` to cite.\n\n```\n@nokey\n```\n\nHere [@nokey].\n"}, BIB,
               extra={"markdown_extensions": EXTENSIONS})
    build_both(tmp_path, [unknown(9, "nokey")])


def test_pathological_brackets_still_build(tmp_path: Path) -> None:
    # Python-Markdown's own link matching is quadratic in unclosed brackets, so sizes stay modest here.
    nested = "[" * 300 + "[@a]" + "](https://e.org)" * 300
    unclosed = "[@ [x " * 300 + "@b"
    write_site(tmp_path, {"index.md": f"# T\n\n{nested}\n\n{unclosed}\n"}, BIB, extra={"markdown_extensions": EXTENSIONS})
    result = build_both(tmp_path, [])
    body = main(result)
    assert body.count('<span class="lr-cite" id="cite-') == 2 and narrative(2, "b") in body
    assert nested_anchors(body) == 0
