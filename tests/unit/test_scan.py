"""The fast BibTeX scanner reads exactly what pybtex reads, and gives up wherever pybtex would complain."""
from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from litreview.bibliography.scan import read_commands
from pybtex.database.input.bibtex import LowLevelParser, month_names
from pybtex.utils import CaseInsensitiveDict

ROOT = Path(__file__).resolve().parents[2]
FILES = [*sorted((ROOT / "bib").glob("*.bib")), ROOT / "tests" / "fixtures" / "biblatex-examples.bib"]


def pybtex_read(text: str) -> tuple[list[tuple[int, str, str, list[tuple[str, str]]]], list[Exception]]:
    errors: list[Exception] = []
    parser = LowLevelParser(text, handle_error=errors.append, macros=CaseInsensitiveDict(month_names))
    out = []
    try:
        for command in parser:
            kind = command[0].lower()
            if kind not in ("string", "preamble"):
                key, fields = command[1]
                out.append((parser.command_start, kind, key, [(n, "".join(v)) for n, v in fields]))
    except Exception as exc:
        errors.append(exc)
    return out, errors


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_real_files_read_the_same(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    expected, errors = pybtex_read(text)
    assert errors == []
    assert read_commands(text) == expected


def test_what_it_handles() -> None:
    text = ('@string{ j = "J Nucl Med" }\n@comment{ignored here}\n% a note\n@preamble{"\\newcommand"}\n'
            '@Article ( k:1, title = {A {B} "c"}, journal = j # { 2}, year = 2020, month = jan, )\n'
            '@book{b, note = "x {y} z"}')
    assert read_commands(text) == [
        (85, "article", "k:1", [("title", 'A {B} "c"'), ("journal", "J Nucl Med 2"), ("year", "2020"),
                                ("month", "January")]),
        (170, "book", "b", [("note", "x {y} z")]),
    ]
    assert read_commands(text) == pybtex_read(text)[0]


@pytest.mark.parametrize("text", [
    "@article{k, title = {open", "@article{k, title = undefinedmacro}", "@article{k, title {x}}",
    "@article{, title = {x}}", '@article{k, title = "a}b"}', "@article{k, title = {x}", "@article k",
    "@article{k, title = " + "{" * 102 + "}" * 102 + "}", "@string{ = {x}}",
])
def test_gives_up_where_pybtex_complains(text: str) -> None:
    assert pybtex_read(text)[1], "pybtex accepts this: pick another case"
    assert read_commands(text) is None


TOKENS = ["@article", "@string", "@comment", "@preamble", "@Book", "{", "}", "(", ")", '"', ",", "=", "#", " ",
          "\n", "key1", "title", "jan", "foo", "2020", "x y", "%", "@", "a{b}c", '\\"o']
FIELD_VALUES = ["{A {B} c}", '"q {x} r"', "2020", "jan", "foo", 'jan # " 1"', "{a}#{b}", '{x "y" z}', '"a}b"',
                "{un{bal}", "undefined"]


@st.composite
def bibtex_like(draw: st.DrawFn) -> str:
    """Mostly well-formed entries with random damage, so both the agreeing and the giving-up paths are met."""
    parts = []
    for _ in range(draw(st.integers(1, 3))):
        opener, closer = draw(st.sampled_from([("{", "}"), ("(", ")")]))
        fields = [draw(st.sampled_from(["title", "author", "date-added"])) + draw(st.sampled_from(["=", " = "]))
                  + draw(st.sampled_from(FIELD_VALUES)) for _ in range(draw(st.integers(0, 3)))]
        kind = draw(st.sampled_from(["article", "Book", "string", "comment"]))
        body = (draw(st.sampled_from(["foo = {v}", 'foo = "q"'])) if kind == "string"
                else draw(st.sampled_from(["k1", "a-b", "", "x y"])) + "," + ",\n".join(fields))
        parts.append(f"@{kind}{opener}{body}{draw(st.sampled_from(['', ',']))}{closer}")
    noise = draw(st.lists(st.sampled_from(TOKENS), max_size=4))
    position = draw(st.integers(0, len(parts)))
    return "\n".join([*parts[:position], "".join(noise), *parts[position:]])


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(bibtex_like(), st.lists(st.sampled_from(TOKENS), max_size=25).map("".join)))
def test_same_as_pybtex_or_gives_up(text: str) -> None:
    expected, errors = pybtex_read(text)
    got = read_commands(text)
    if errors:
        assert got is None, f"accepted what pybtex reports: {errors[:1]}"
    else:
        assert got is None or got == expected


@given(st.lists(st.sampled_from(["Doe, J", " and ", " AND ", "and", "  ", "Ann", " anD ", "\t", "Smith", "{", "}",
                                 "Ren{\\'e}e", "{Barnes and Noble}", "{\\v{r}}", "{x}", "{ and }", "{a{b c}}"]),
                max_size=8).map("".join))
def test_name_lists_split_as_pybtex_splits_them(value: str) -> None:
    from litreview.bibliography.load import _split_names, _splits_plainly
    from pybtex.bibtex.utils import split_name_list

    if _splits_plainly(value):
        assert _split_names(value) == split_name_list(value)
