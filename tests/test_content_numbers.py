"""Every number in the prose carries a citation; every numeric table cell belongs to a row with a real source.

No MkDocs build is needed: the chapters (content/**/*.md) and the evidence data (content/data/*.yaml) are read
directly, and citations are recognised with the plugin's own pandoc parser.

1. A sentence that contains a digit must also contain a citation: bracketed (`[@key]`), narrative (`@key`)
   or an inline table value (`{{set.row.column}}`, which renders with its row's citation). Code, headings,
   HTML comments (placement directives), link targets and admonition titles are ignored, and so are
   numbers that are names rather than findings, listed one regex per line in site_config/number_allowlist.txt.
2. Every row of content/data/*.yaml that holds a number names a `source` that exists in bib/*.bib.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from litreview.citations.syntax import find_citations

ROOT = Path(__file__).resolve().parent.parent
CONTENT = ROOT / "content"
DATA = CONTENT / "data"
BIB = ROOT / "bib"
ALLOWLIST = ROOT / "site_config" / "number_allowlist.txt"

INLINE_VALUE = re.compile(r"\{\{\s*[\w-]+\.[\w-]+\.[\w-]+\s*\}\}")
HTML_COMMENT = re.compile(r"<!--.*?-->", re.S)
FENCE = re.compile(r"^ {0,3}(```|~~~)")
INLINE_CODE = re.compile(r"(`+)(?:(?!\1).)+?\1", re.S)
LINK_TARGET = re.compile(r"(\]\s*)\((?:[^()\s]|\([^()]*\))*(?:\s+\"[^\"]*\")?\)")  # [text](target "title")
REF_DEFINITION = re.compile(r"^ {0,3}\[[^\]]+\]:\s+\S+.*$")
AUTOLINK = re.compile(r"<(?:https?|mailto):[^>\s]+>")
BARE_URL = re.compile(r"https?://\S+")
HTML_TAG = re.compile(r"</?[A-Za-z][^<>]*>")
HEADING = re.compile(r"^ {0,3}#{1,6}(\s|$)")
ADMONITION = re.compile(r"^(\s*)(?:!!!|\?\?\?\+?)\s*[\w-]+(?:\s+\"[^\"]*\")?\s*$")  # `!!! note "Title"`
LIST_MARKER = re.compile(r"^\s*(?:[-*+]|\d{1,3}[.)])\s+")
TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")
DIGIT = re.compile(r"\d")
# Sentence ends: . ! ? (optionally followed by a closing quote or bracket) and whitespace, unless the
# period ends a common abbreviation.
ABBREVIATIONS = ("et al.", "e.g.", "i.e.", "vs.", "cf.", "approx.", "Fig.", "fig.", "p.", "pp.", "ch.", "no.",
                 "No.", "Dr.", "St.", "ca.", "resp.")
SENTENCE_END = re.compile(r"(?<=[.!?])[\"'\u201d\u2019)]*\s+(?=\S)")


@dataclass(frozen=True)
class Flag:
    path: str
    line: int
    sentence: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.sentence}"


def load_allowlist(path: Path = ALLOWLIST) -> list[tuple[re.Pattern[str], str]]:
    """`pattern  # reason` per line; blank lines and lines starting with `#` are comments."""
    patterns = []
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        parts = re.split(r"\s+#\s+", line, maxsplit=1)
        if len(parts) != 2 or not parts[1].strip():
            raise ValueError(f"{path.name}:{number}: every pattern needs a comment saying why (`regex  # why`)")
        patterns.append((re.compile(parts[0]), parts[1].strip()))
    return patterns


def has_citation(sentence: str) -> bool:
    return bool(find_citations(sentence)) or bool(INLINE_VALUE.search(sentence))


def strip_citations(sentence: str) -> str:
    """The sentence without citations and inline values (citation keys contain digits: `smith2020x`)."""
    text = INLINE_VALUE.sub(" ", sentence)
    for start, end, _ in sorted(find_citations(text), reverse=True):
        text = text[:start] + " " + text[end:]
    return text


def has_finding_number(sentence: str, allowlist: list[tuple[re.Pattern[str], str]]) -> bool:
    text = strip_citations(sentence)
    for pattern, _ in allowlist:
        text = pattern.sub(" ", text)
    return bool(DIGIT.search(text))


def flag_sentence(sentence: str, allowlist: list[tuple[re.Pattern[str], str]]) -> bool:
    """True when the sentence states a number that is not a name and carries no citation."""
    return has_finding_number(sentence, allowlist) and not has_citation(sentence)


def prose_blocks(markdown: str) -> list[tuple[int, str]]:
    """(first line number, text) of each paragraph, list item or table row that a reader sees as prose."""
    text = HTML_COMMENT.sub(lambda m: "\n" * m.group(0).count("\n"), markdown)
    blocks: list[tuple[int, str]] = []
    current: list[str] = []
    start = 0
    in_fence = False

    def flush() -> None:
        nonlocal current
        if current:
            blocks.append((start, " ".join(current)))
        current = []

    for number, raw in enumerate(text.splitlines(), 1):
        if FENCE.match(raw.lstrip() if raw.startswith("    ") else raw):
            flush()
            in_fence = not in_fence
            continue
        if in_fence:
            continue
        line = raw.rstrip()
        if not line.strip() or HEADING.match(line) or REF_DEFINITION.match(line) or TABLE_RULE.match(line):
            flush()
            continue
        if ADMONITION.match(line):  # the title is a label, the indented body below is prose
            flush()
            continue
        if line.lstrip().startswith("|"):  # a table row: each cell is read on its own
            flush()
            for cell in line.strip().strip("|").split("|"):
                if cell.strip():
                    blocks.append((number, cell.strip()))
            continue
        if LIST_MARKER.match(line):
            flush()
            line = LIST_MARKER.sub("", line, count=1)
        if not current:
            start = number
        current.append(line.strip())
    flush()
    return blocks


def clean(text: str) -> str:
    text = INLINE_CODE.sub(" ", text)
    text = LINK_TARGET.sub(r"\1", text)
    text = AUTOLINK.sub(" ", text)
    text = BARE_URL.sub(" ", text)
    text = HTML_TAG.sub(" ", text)
    return re.sub(r"\s+", " ", text).strip()


def sentences(text: str) -> list[str]:
    protected = text
    for i, abbr in enumerate(ABBREVIATIONS):
        protected = re.sub(r"(?<![\w.])" + re.escape(abbr), abbr.replace(".", f"\x00{i}\x00"), protected)
    parts = SENTENCE_END.split(protected)
    return [re.sub(r"\x00\d+\x00", ".", p).strip() for p in parts if p.strip()]


def check_markdown(markdown: str, path: str, allowlist: list[tuple[re.Pattern[str], str]]) -> list[Flag]:
    flags = []
    for line, block in prose_blocks(markdown):
        for sentence in sentences(clean(block)):
            if flag_sentence(sentence, allowlist):
                flags.append(Flag(path, line, sentence))
    return flags


def chapter_files() -> list[Path]:
    return sorted(p for p in CONTENT.rglob("*.md") if DATA not in p.parents)


def bib_keys() -> set[str]:
    keys: set[str] = set()
    for path in BIB.glob("*.bib"):
        keys |= set(re.findall(r"^\s*@\w+\s*\{\s*([^,\s]+)\s*,", path.read_text(encoding="utf-8"), re.M))
    return keys


# --------------------------------------------------------------------------- the checker itself


@pytest.fixture(scope="module")
def allowlist() -> list[tuple[re.Pattern[str], str]]:
    return load_allowlist()


@pytest.mark.parametrize("sentence", [
    "The 5-year survival after resection was 62% in this series.",
    "Median OS was 125 months, but recurrence was common.",
    "In 26 patients followed with MRI, partial response was rare.",
    "A trial of 177Lu-Dotatate enrolled 229 patients.",  # an isotope name does not excuse a sample size
    "Objective response was 18% in NETTER-1.",  # nor does a trial name
    "Grade 3 toxicity occurred in 19% of G2 patients.",
])
def test_checker_flags_uncited_numbers(sentence: str, allowlist: list[tuple[re.Pattern[str], str]]) -> None:
    assert flag_sentence(sentence, allowlist)
    assert check_markdown(f"# Title\n\nIntro without numbers. {sentence}\n", "x.md", allowlist)


@pytest.mark.parametrize("sentence", [
    "The 5-year survival after resection was 62% in this series [@lee2012surgical].",
    "As @kose2020outcomes reported, median OS was 125 months.",
    "The table gives {{surgery.lee2012.n}} patients.",
    "177Lu-Dotatate and 68Ga-DOTATATE PET are used in NETTER-1 and NETTER-2.",
    "RETNET (NCT02724540) compares embolization techniques.",
    "Ki-67 separates G1, G2 and G3 tumours.",
    "The NETTER-1 report [@strosberg2017phase] is cited by its key, which contains digits.",
])
def test_checker_passes_cited_or_named_numbers(sentence: str, allowlist: list[tuple[re.Pattern[str], str]]) -> None:
    assert not flag_sentence(sentence, allowlist)


def test_checker_ignores_non_prose(allowlist: list[tuple[re.Pattern[str], str]]) -> None:
    page = "\n".join([
        "# Chapter 3: 2024 update",
        "",
        "## 5-year results",
        "",
        '!!! abstract "Key points 2024"',
        "    - Survival was 80% at 5 years [@anon2013adjunctive].",
        "",
        "<!-- evidence-table surgery columns=os5 caption=\"5-year OS 61%\" -->",
        "",
        "See [the evidence table](data/table-2019.md \"Table 2019\") and `os5 = 61`.",
        "",
        "```yaml",
        "n: 26",
        "```",
        "",
        "1. A numbered list item without a number.",
    ])
    assert check_markdown(page, "x.md", allowlist) == []


def test_checker_splits_sentences(allowlist: list[tuple[re.Pattern[str], str]]) -> None:
    flags = check_markdown("Survival was long [@a]. It was 62% at 5 years, e.g. in G1 tumours.\n", "x.md", allowlist)
    assert [f.sentence for f in flags] == ["It was 62% at 5 years, e.g. in G1 tumours."]


def test_allowlist_is_narrow(allowlist: list[tuple[re.Pattern[str], str]]) -> None:
    """Patterns name things (isotopes, trials, grades); none may remove the value of a finding."""
    findings = [("82%", "82%"), ("125 months", "125"), ("n=52", "52"), ("HR 0.84 (0.60-1.17)", "0.84"),
                ("1,109 patients", "1,109"), ("5-year OS", "5"), ("2.5 cm", "2.5"), ("50 Gy in 5 fractions", "50"),
                ("7.4 GBq", "7.4"), ("p=0.004", "0.004"), ("12 of 20", "12 of 20"), ("in 1973", "1973"),
                ("3.6%", "3.6%"), ("Ki-67 10-20%", "10-20%"), ("Ki-67 >20%", ">20%"), ("Ki-67 below 3%", "3%"),
                ("grade 3-4 toxicity 19%", "19%"), ("OR 35.20", "35.20"), ("0.5-1.0 cm", "0.5-1.0"),
                ("177Lu-Dotatate 7.4 GBq", "7.4"), ("NETTER-1 enrolled 229 patients", "229"),
                ("G3 in 35%", "35%"), ("9.8 years", "9.8"), ("QLQ-C30 in 21 patients", "21")]
    for pattern, reason in allowlist:
        for text, value in findings:
            left = pattern.sub(" ", text)
            assert value in left, f"allow-list pattern {pattern.pattern!r} ({reason}) removes {value!r} from {text!r}"


# --------------------------------------------------------------------------- the real review


def test_every_number_in_the_chapters_is_cited(allowlist: list[tuple[re.Pattern[str], str]]) -> None:
    flags: list[Flag] = []
    for path in chapter_files():
        flags += check_markdown(path.read_text(encoding="utf-8"), path.relative_to(ROOT).as_posix(), allowlist)
    assert not flags, "sentences with a number but no citation:\n" + "\n".join(str(f) for f in flags)


def _has_number(value: object) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float)):
        return True
    if isinstance(value, str):
        return bool(DIGIT.search(strip_citations(value)))
    return False


def test_numeric_table_cells_have_a_source_in_the_bibliography() -> None:
    keys = bib_keys()
    problems = []
    for path in sorted(DATA.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        citation_columns = {c["id"] for c in data.get("columns", []) if c.get("type") == "citation"}
        for row in data.get("rows", []):
            numeric = [col for col, value in row.items()
                       if col not in citation_columns and col != "id" and _has_number(value)]
            if not numeric:
                continue
            source = row.get("source")
            sources = source if isinstance(source, list) else [source]
            missing = [s for s in sources if not s or s not in keys]
            if missing or not sources:
                problems.append(f"{path.name} row {row.get('id')}: numbers in {numeric} but source {missing} "
                                "is not in bib/*.bib")
            for col in numeric:
                cited = [k for _, _, c in find_citations(str(row[col])) for k in c.keys]
                problems += [f"{path.name} row {row.get('id')} column {col}: cites unknown key {k}"
                             for k in cited if k not in keys]
    assert not problems, "\n".join(problems)
