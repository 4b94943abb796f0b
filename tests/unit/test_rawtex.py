"""Raw LaTeX read as pandoc's raw_tex reads it: where a command ends, what is math, which keys `\\ref` names."""
from __future__ import annotations

import re
import time
from bisect import bisect_right
from unittest import mock

import markdown
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from litreview.citations import rawtex
from litreview.citations.markdown_ext import CitationExtension
from litreview.citations.rawtex import TexScan, command_end, dollar_math_end, ref_keys, tex_label_targets
from litreview.citations.syntax import find_closing_bracket
from litreview.citations.tex_ext import RawTex


@pytest.mark.parametrize(("text", "name", "command"), [
    ("\\newpage more", "newpage", "\\newpage"),
    ("\\setcounter{page}{1} x", "setcounter", "\\setcounter{page}{1}"),
    ("\\setlength{\\parindent}{0.5in}", "setlength", "\\setlength{\\parindent}{0.5in}"),
    ("\\includegraphics[width=3cm]{a.png}.", "includegraphics", "\\includegraphics[width=3cm]{a.png}"),
    ("\\section*{Notes} x", "section", "\\section*{Notes}"),
    ("\\footnotesize{x}", "footnotesize", "\\footnotesize"),  # font sizes take no argument
    ("\\LaTeX{} is", "LaTeX", "\\LaTeX{}"),  # the final {} is part of the command
    ("\\index{a} [@key]", "index", "\\index{a}"),  # options only before arguments; a citation is never one
    ("\\newpage [see @key]", "newpage", "\\newpage"),
    ("\\textbf{a {b} c}d", "textbf", "\\textbf{a {b} c}"),
    ("\\emph{open\n\nnext}", "emph", "\\emph"),  # a blank line ends the argument: none
    ("\\cite\n{a}", "cite", "\\cite\n{a}"),  # one line break before an argument is allowed
])
def test_command_end(text: str, name: str, command: str) -> None:
    found, end = command_end(text, 0)
    assert (found, text[:end]) == (name, command)


@pytest.mark.parametrize(("text", "math"), [
    ("$x^2$ and", "$x^2$"),
    ("$$\\sum x$$ then", "$$\\sum x$$"),
    ("$5 and $10", None),  # pandoc: a closing $ is not followed by a digit, and no space follows an opening one
    ("$ x$", None),
    ("$x \\$ y$", "$x \\$ y$"),
    ("$a\n\nb$", None),
])
def test_dollar_math(text: str, math: str | None) -> None:
    end = dollar_math_end(text, 0)
    assert (text[:end] if end is not None else None) == math


def test_ref_keys_and_label_targets() -> None:
    assert ref_keys("ref", "fig:growth") == ["fig:growth"]
    assert ref_keys("cref", "methods, tab:doses") == ["sec:methods", "tab:doses"]
    assert ref_keys("pageref", "x") == []
    assert tex_label_targets("# Methods \\label{methods}\n\n![Curve \\label{curve}](a.png)\n\nTable: Doses "
                             "\\label{tbl:doses}\n\nText \\label{plain}\n") == \
        {"methods", "sec:methods", "fig:curve", "tbl:doses"}


def html(text: str) -> str:
    return markdown.markdown(text, extensions=["toc", "tables", "fenced_code", "litreview.markdown"])


@pytest.mark.parametrize(("source", "expected"), [
    ("\\newpage\n\nText.", "<p>Text.</p>"),
    ("A \\vspace{1em}B.", "<p>A B.</p>"),
    ("`\\newpage` and\n\n    \\newpage", "<p><code>\\newpage</code> and</p>\n<pre><code>\\newpage\n</code></pre>"),
    ("\\*a\\* \\_b\\_ \\\\newpage", "<p>*a* _b_ \\newpage</p>"),  # escapes; an escaped backslash starts no command
    ("C:\\Users\\me and \\\\server\\share", "<p>C:\\Users\\me and \\server\\share</p>"),
    ("$\\alpha$ and \\(\\beta\\)", "<p>$\\alpha$ and (\\beta)</p>"),  # math is kept (the escapes are Markdown's)
    ("\\begin{equation}\na = \\sqrt{b}\n\\end{equation}",
     "<p>\\begin{equation}\na = \\sqrt{b}\n\\end{equation}</p>"),
    ('<span title="\\x">a</span> [b](C:\\dir\\f.md)',
     '<p><span title="\\x">a</span> <a href="C:\\dir\\f.md">b</a></p>'),
    ("# Methods \\label{methods}", '<h1 id="methods">Methods</h1>'),
    ("\\textbf{<script>alert(1)</script>} x", "<p>x</p>"),
    # pandoc lets a backslash escape any ASCII punctuation; code keeps the backslash, `\@` cites nothing
    ("5\\% of a\\&b \\@doe a\\|b \\~ \\^ \\: \\; \\' \\< \\= \\? \\, \\/ \\$3 `\\%`",
     "<p>5% of a&amp;b @doe a|b ~ ^ : ; ' &lt; = ? , / $3 <code>\\%</code></p>"),
])
def test_markdown(source: str, expected: str) -> None:
    assert html(source) == expected


# The char-by-char readers that `TexScan` replaced: kept as the reference the scan must agree with.
_BLANK = re.compile(r"[ \t]*\n")
_CITATION = re.compile(r"[^\]\n]*-?@")


def reference_group_end(text: str, pos: int, open_: str, close: str) -> int | None:
    depth = 0
    i = pos
    while i < len(text):
        ch = text[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "\n" and _BLANK.match(text, i + 1):
            return None
        if ch == open_:
            depth += 1
        elif ch == close:
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return None


def reference_command_end(text: str, pos: int) -> tuple[str, int]:
    m = rawtex._NAME.match(text, pos + 1)
    assert m is not None
    name, end = m.group(0), m.end()
    if text.startswith("*", end):
        end += 1
    if name not in rawtex.FONT_SIZES:
        for bracket in ("[", "{"):
            while True:
                space = rawtex._SPACE.match(text, end)
                at = space.end() if space else end
                if text[at:at + 1] != bracket or (bracket == "[" and _CITATION.match(text, at + 1)):
                    break
                close = reference_group_end(text, at, bracket, "]" if bracket == "[" else "}")
                if close is None:
                    break
                end = close
    while text.startswith("{}", end):
        end += 2
    return name, end


def reference_dollar_math_end(text: str, pos: int) -> int | None:
    if text.startswith("$$", pos):
        close = text.find("$$", pos + 2)
        return close + 2 if close > pos + 2 else None
    if pos + 1 >= len(text) or text[pos + 1].isspace():
        return None
    closers = [m.start() for m in rawtex._CLOSING_DOLLAR.finditer(text)]
    at = bisect_right(closers, pos + 1)
    if at == len(closers) or "\n\n" in text[pos:closers[at]]:
        return None
    return closers[at] + 1


TEXT = st.text(alphabet=st.sampled_from(list("\\a{}[]$@\n x\t*")), max_size=40)


@settings(max_examples=400, deadline=None)
@given(TEXT, TEXT)
def test_the_scan_reads_as_the_char_by_char_reference(before: str, text: str) -> None:
    """Every group, command, math span and bracket reads as the reference reads it, both in the text that was
    scanned and in a text that only ends as it does (Python-Markdown rewrote what came before)."""
    scan = TexScan(before + text)
    for data in (before + text, "\x02x\x03" + text, text):
        assert scan.covers(data, len(data) - len(text))
        for pos in range(len(data) - len(text), len(data)):
            ch = data[pos]
            if ch in "{[" and pos > len(data) - len(text) and data[pos - 1] != "\\":  # as commands ask
                assert scan.group_end(data, pos) == reference_group_end(data, pos, ch, "]" if ch == "[" else "}")
                if ch == "[":
                    assert scan.closing_bracket(data, pos) == find_closing_bracket(data, pos)
            if ch == "\\" and data[pos + 1:pos + 2].isalpha():
                assert command_end(data, pos, scan) == reference_command_end(data, pos)
                assert command_end(data, pos) == reference_command_end(data, pos)
            if ch == "$" and not data.startswith("$$", pos):
                assert dollar_math_end(data, pos, scan) == reference_dollar_math_end(data, pos)
                assert dollar_math_end(data, pos) == reference_dollar_math_end(data, pos)


TOKENS = ["\\a", "\\x", "\\newpage", "{", "}", "[", "]", "$", "$$", "@", "\n", "\n\n", " ", "\\(", "\\)", "\\[",
          "\\]", "![", "x", "\\begin{equation}", "\\end{equation}", "\\label{a}", "\\ref{b}", "\\\\", "*", "-"]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(TOKENS), max_size=30))
def test_a_paragraph_scanned_once_reads_as_one_scanned_at_each_match(tokens: list[str]) -> None:
    """The processor keeps one scan while Python-Markdown rewrites the paragraph before where it goes on: the page
    is the same as with a fresh scan at every match."""
    source = "".join(tokens)
    once = html(source)
    with mock.patch.object(RawTex, "scan", lambda self, data, pos: TexScan(data[pos:])):
        assert html(source) == once


HOSTILE = ["\\a[", "\\newpage $ ", "\\a{", "\\a{x} ", "$a ", "\\x \\( ", "\\x \\begin{equation} ", "![", "\\label{a} ",
           "\\newpage\n\n"]


RAW_TEX = ("lr-raw-tex",)
CITATIONS = ("lr-cite-bracket", "lr-cite-narrative")


def _alone(patterns: tuple[str, ...] = RAW_TEX) -> markdown.Markdown:
    """The extension with only the inline `patterns` it names: Python-Markdown's own link parser walks to the end of
    the paragraph for every unclosed `[` (plain Markdown is quadratic on `[` * n), which is not ours to measure."""
    md = markdown.Markdown(extensions=[CitationExtension()])
    for name in [name for name in md.inlinePatterns._data if name not in patterns]:
        md.inlinePatterns.deregister(name)
    return md


def _cpu(source: str, patterns: tuple[str, ...] = RAW_TEX) -> float:
    """The least CPU time (this process's, not the wall clock) of three conversions."""
    best = float("inf")
    for _ in range(3):
        md = _alone(patterns)
        start = time.process_time()
        md.convert(source)
        best = min(best, time.process_time() - start)
    return best


@pytest.mark.parametrize("unit", HOSTILE)
def test_hostile_tex_grows_linearly(unit: str) -> None:
    """A pull request may hold `\\a[` * 4000. Growth is compared, never a time: four times the text costs less than
    eight times the work (it cost 12 to 16 times while each `{`, `[` or `$` was read to the paragraph's end),
    and each paragraph is scanned once however many commands it drops."""
    scanned: list[int] = []
    real_init = TexScan.__init__

    def counting_init(self: TexScan, text: str) -> None:
        scanned.append(len(text))
        real_init(self, text)

    source = unit * 4000
    with mock.patch.object(TexScan, "__init__", counting_init):
        _alone().convert(source)
    assert sum(scanned) <= len(source)
    assert _cpu(source) < 8 * _cpu(unit * 1000)


@pytest.mark.parametrize("unit", ["[x ", "[@a] [", "@a [x ", "[[@a]"])
def test_unclosed_brackets_cost_linear_time_in_citations(unit: str) -> None:
    """Each `[` was read to the paragraph's end for its `]`; now the paragraph's brackets are paired once. Four
    times the text costs less than eight times the work (growth, never a time)."""
    assert _alone(CITATIONS).convert("See [@a] and @a [p. 2].").count("<lr-cite ") == 2
    assert _cpu(unit * 4000, CITATIONS) < 8 * _cpu(unit * 1000, CITATIONS)
