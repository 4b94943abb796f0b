"""Raw LaTeX read as pandoc's raw_tex reads it: where a command ends, what is math, which keys `\\ref` names."""
from __future__ import annotations

import markdown
import pytest
from litreview.citations.rawtex import command_end, dollar_closers, dollar_math_end, ref_keys, tex_label_targets


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
    end = dollar_math_end(text, 0, dollar_closers(text))
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
])
def test_markdown(source: str, expected: str) -> None:
    assert html(source) == expected
