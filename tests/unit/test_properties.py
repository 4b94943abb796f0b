"""Property-based tests (hypothesis): the citation parser, LaTeX to Unicode, and the fixer, on generated input."""
from __future__ import annotations

import html
import re
import unicodedata

import markdown
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from litreview.bibliography.latex import latex_to_text
from litreview.citations.markdown_ext import CitationExtension, placeholder
from litreview.citations.render import CiteContext, fix_citations
from litreview.citations.syntax import Citation, CiteItem, find_citations

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# --------------------------------------------------------------------------- the parser never raises

SYNTAX_HEAVY = st.text(alphabet=st.sampled_from(list("[]()@;,-{}\\`<>&#:./ \nab1_ü")) | st.characters(), max_size=120)


@FAST
@given(SYNTAX_HEAVY)
def test_find_citations_never_raises_and_spans_are_in_order(text: str) -> None:
    found = find_citations(text)
    ends = [0] + [end for _, end, _ in found]
    for (start, end, citation), previous_end in zip(found, ends):
        assert previous_end <= start < end <= len(text)
        assert citation.items and all(item.key for item in citation.items)


@FAST
@given(SYNTAX_HEAVY)
def test_markdown_and_fixer_never_raise(text: str) -> None:
    page = markdown.Markdown(extensions=[CitationExtension()]).convert(text)
    ctx = CiteContext(numbers={"a": 1}, formatted={"a": "A."}, names={"a": "A"}, years={"a": "2020"})
    result = fix_citations(page, ctx)
    assert "<lr-cite" not in result.html


def test_deeply_nested_links_do_not_exhaust_the_stack() -> None:
    text = "[" * 1500 + "[@a]" + "](x)" * 1500  # deeper than Python's default recursion limit
    assert [c.keys for _, _, c in find_citations(text)] == [("a",)]


# --------------------------------------------------------------------------- agreement with a reference reader

WORD = "abyz09_\u00fc\u00e9"
PUNCT = ":.#$%-+?<>~/"  # pandoc's internal key punctuation, less `&` (`&name;` reads as a character reference)


@st.composite
def keys(draw: st.DrawFn) -> str:
    first = draw(st.text(alphabet=WORD, min_size=1, max_size=6))
    rest = draw(st.lists(st.tuples(st.sampled_from(PUNCT), st.text(alphabet=WORD, min_size=1, max_size=4)),
                         max_size=3))
    return first + "".join(p + s for p, s in rest)


PREFIX = st.lists(st.text(alphabet="abcdefgs.,:019", min_size=1, max_size=6), max_size=3).map(
    lambda words: "".join(w + " " for w in words))
LOCATOR = st.one_of(
    st.just(""),
    st.tuples(st.sampled_from([", ", " ", ",  ", ",\n"]), st.sampled_from(["p.", "pp.", "ch.", "fig.", "table"]),
              st.integers(1, 999), st.one_of(st.none(), st.integers(1, 999)))
    .map(lambda t: f"{t[0]}{t[1]} {t[2]}" + (f"-{t[3]}" if t[3] is not None else "")),
)


@st.composite
def bracketed(draw: st.DrawFn) -> str:
    items = draw(st.lists(st.tuples(PREFIX, st.booleans(), keys(), LOCATOR), min_size=1, max_size=4))
    return "[" + "; ".join(f"{p}{'-' if s else ''}@{k}{loc}" for p, s, k, loc in items) + "]"


@st.composite
def narrative(draw: st.DrawFn) -> str:
    key = draw(keys())
    page = draw(st.one_of(st.just(""), st.integers(1, 99).map(lambda n: f" [p. {n}]")))
    return f"@{key}{page}"


def _reference_locator(text: str) -> str:
    text = " ".join(text.split())
    if text.startswith(","):
        text = text[1:].lstrip()
    chars = list(text)
    for i in range(1, len(chars) - 1):
        if chars[i] == "-" and chars[i - 1].isdigit() and chars[i + 1].isdigit():
            chars[i] = "\u2013"
    return "".join(chars)


def reference_read(citation: str) -> Citation:
    """An independent reader for the generated subset of the syntax (no nesting, no escapes)."""
    if citation.startswith("@"):
        m = re.fullmatch(r"@(\S+?)(?: \[(.*)\])?", citation)
        assert m
        return Citation((CiteItem(m.group(1), "", _reference_locator(m.group(2) or "")),), "narrative")
    items = []
    for part in citation[1:-1].split(";"):
        m = re.fullmatch(r"(.*?)(-?)@([^\s,]+)(.*)", part, re.DOTALL)
        assert m
        items.append(CiteItem(m.group(3), " ".join(m.group(1).split()), _reference_locator(m.group(4)),
                              m.group(2) == "-"))
    return Citation(tuple(items), "normal")


GLUE = st.sampled_from([" ", " and ", ". ", ", then ", " (", "\n"])
AFTER = st.sampled_from(["", ".", ",", ")", " and", ";"])


@FAST
@given(st.lists(st.tuples(GLUE, st.one_of(bracketed(), narrative()), AFTER), min_size=1, max_size=4))
def test_generated_citations_read_as_the_reference_reads_them(parts: list[tuple[str, str, str]]) -> None:
    text = "Text"
    expected = []
    for glue, citation, after in parts:
        text += glue
        expected.append((len(text), len(text) + len(citation), reference_read(citation)))
        text += citation + after + " word"
    assert find_citations(text) == expected


# --------------------------------------------------------------------------- LaTeX accents

ACCENTS = {'"': "DIAERESIS", "'": "ACUTE ACCENT", "`": "GRAVE ACCENT", "^": "CIRCUMFLEX ACCENT", "~": "TILDE",
           "=": "MACRON", ".": "DOT ABOVE", "u": "BREVE", "v": "CARON", "H": "DOUBLE ACUTE ACCENT", "c": "CEDILLA",
           "k": "OGONEK", "r": "RING ABOVE", "d": "DOT BELOW", "b": "MACRON BELOW"}
LETTERS = {"o": "\u00f8", "O": "\u00d8", "ss": "\u00df", "aa": "\u00e5", "AA": "\u00c5", "ae": "\u00e6",
           "AE": "\u00c6", "oe": "\u0153", "OE": "\u0152", "l": "\u0142", "L": "\u0141", "i": "\u0131",
           "j": "\u0237", "ng": "\u014b", "NG": "\u014a"}


@st.composite
def accented(draw: st.DrawFn) -> tuple[str, str]:
    """(LaTeX, expected Unicode) for one accented letter, in one of the spellings BibTeX files use."""
    accent = draw(st.sampled_from(sorted(ACCENTS)))
    base = draw(st.sampled_from(list("aeiouycnsgzrAEIOUCNSZ")))
    spellings = [f"\\{accent}{{{base}}}", f"{{\\{accent} {base}}}", f"\\{accent} {base}"]
    if not accent.isalpha():  # `\"u` and `{\"u}`; `\cc` would be another command
        spellings += [f"\\{accent}{base}", f"{{\\{accent}{base}}}"]
    latex = draw(st.sampled_from(spellings))
    return latex, unicodedata.normalize("NFC", base + unicodedata.lookup("COMBINING " + ACCENTS[accent]))


@st.composite
def special(draw: st.DrawFn) -> tuple[str, str]:
    name = draw(st.sampled_from(sorted(LETTERS)))
    return draw(st.sampled_from([f"{{\\{name}}}", f"\\{name}{{}}"])), LETTERS[name]


PLAIN = st.text(alphabet="abcXYZ", min_size=1, max_size=5).map(lambda w: (w, w))


@FAST
@given(st.lists(st.tuples(st.one_of(accented(), special(), PLAIN), st.sampled_from(["", " "])), min_size=1,
                max_size=6))
def test_latex_accents_become_unicode_without_leftovers(tokens: list[tuple[tuple[str, str], str]]) -> None:
    latex = "".join(t[0] + sep for t, sep in tokens)
    expected = "".join(t[1] + sep for t, sep in tokens)
    text = latex_to_text(latex)
    assert "\\" not in text and "{" not in text and "}" not in text
    assert text == unicodedata.normalize("NFC", " ".join(expected.split()))


@FAST
@given(st.text(alphabet=st.sampled_from(list("\\{}$^_~'\"`.=cuvHkrdb -ao")), max_size=40))
def test_latex_to_text_never_leaves_a_backslash_or_brace(latex: str) -> None:
    text = latex_to_text(latex)
    assert "\\" not in text and "{" not in text and "}" not in text


LATEX_TOKENS = ["\\'", '\\"', "\\`", "\\^", "\\~", "\\=", "\\.", "\\u", "\\v", "\\H", "\\c", "\\k", "\\d",
                "\\r", "{", "}", "{}", "\\^{}", "\\k {}", "{\\o}", "\\ss{}", "\\AE", "\\l{}", "e", "a", "i", "\\i",
                "\\o", "\\ss", "\\&", "\\%", "%", "--", "---", "-", "~",
                "'", "''", "`", "``", " ", "$", "\\textendash", "\\emph", "\\\\", "C"]


@FAST
@given(st.lists(st.sampled_from(LATEX_TOKENS), min_size=1, max_size=14))
def test_the_fast_path_reads_latex_as_latexcodec_does(tokens: list[str]) -> None:
    """The fast path skips latexcodec for common text; with the codec forced on, the result is the same."""
    from litreview.bibliography import latex

    value = "".join(tokens)
    fast = latex.latex_to_text.__wrapped__(value)
    original = latex._decode_fast
    latex._decode_fast = latex._decode  # type: ignore[assignment]
    try:
        assert fast == latex.latex_to_text.__wrapped__(value), value
    finally:
        latex._decode_fast = original  # type: ignore[assignment]


# --------------------------------------------------------------------------- the fixer is idempotent

KNOWN = ["a", "b", "c"]
CTX = CiteContext(numbers={"a": 1, "b": 2, "c": 3}, formatted={k: html.escape(f"Entry <{k}> & co.") for k in KNOWN},
                  names={k: f"Name {k}" for k in KNOWN}, years={"a": "2020", "b": "", "c": "1999"})
TEXT = st.text(max_size=30)
ITEMS = st.lists(st.builds(CiteItem, st.sampled_from(KNOWN + ["zz", "q<x>"]), TEXT, TEXT, st.booleans()),
                 min_size=1, max_size=4)
CITATIONS = st.builds(lambda items, mode: Citation(tuple(items), mode), ITEMS, st.sampled_from(["normal", "narrative"]))


@FAST
@given(st.lists(st.tuples(TEXT.map(html.escape), CITATIONS), max_size=5), st.sampled_from(["numeric", "author-year"]))
def test_fixing_fixed_html_changes_nothing(parts: list[tuple[str, Citation]], style: str) -> None:
    ctx = CiteContext(CTX.numbers, CTX.formatted, CTX.names, CTX.years, style)
    page = "".join(f"<p>{text}{placeholder(citation)}</p>" for text, citation in parts)
    once = fix_citations(page, ctx)
    twice = fix_citations(once.html, ctx)
    assert twice.html == once.html
    assert twice.unresolved == [] and twice.backrefs == {}
    assert "<lr-cite" not in once.html


def test_a_key_ending_in_letters_after_an_ampersand_still_splits() -> None:
    # Only a real character reference (`&amp;`, `&#8212;`) keeps its `;`; `&jones;` is no reference.
    text = "[@smith&jones; @b] [see A &amp; B @a; @b]"
    assert [c.keys for _, _, c in find_citations(text)] == [("smith&jones", "b"), ("a", "b")]


NAME_WORDS = ["Smith", "de", "Van", "van", "Jr", "O'Brien", "Müller", "Ångström", "Hans-Peter", "J.", "J.-P.", "A. B.",
              "{Barnes}", '\\"u', "le", "Mac", "X", "Ä", "ß", "1st", "Éric", "-", ".", "~", "others",
              "Ren{\\'e}e", "Dvo{\\v{r}}{\\'a}k", "Fran{\\c{c}}oise", "{\\'E}mile", "G{\\'o}mez", "{\\o}",
              "M{\\\"u}ller", "{de la}", "a{b c}", "{\\~n}", "{van}", "L{\\'{e}}a"]


@FAST
@given(st.lists(st.sampled_from(NAME_WORDS), min_size=1, max_size=3), st.lists(st.sampled_from(NAME_WORDS), max_size=3),
       st.sampled_from([", ", ",", " , ", " ,  "]))
def test_simple_names_read_as_pybtex_reads_them(family: list[str], given: list[str], comma: str) -> None:
    """"Family, Given" names skip pybtex's name parser; the result must be the one pybtex gives."""
    from litreview.bibliography import load
    from pybtex.database import Person

    text = " ".join(family) + comma + " ".join(given)
    if load._SIMPLE_NAME.match(text):
        assert load._person.__wrapped__(text) == load._name(Person(text)), text


@FAST
@given(st.text(alphabet="ab0 -\t\n.,:é\u00a0", max_size=30))
def test_dash_fast_path_gives_what_the_full_reading_gives(value: str) -> None:
    """Values whose only LaTeX is dashes (page ranges) skip the full reading; the text must be the same."""
    import re

    from litreview.bibliography import latex

    fast = latex.latex_to_text.__wrapped__(value)
    original = latex._PLAIN_BUT_DASHES
    latex._PLAIN_BUT_DASHES = re.compile(r"(?!)")  # type: ignore[assignment]  # never matches: the full reading
    try:
        assert fast == latex.latex_to_text.__wrapped__(value)
    finally:
        latex._PLAIN_BUT_DASHES = original  # type: ignore[assignment]
