"""`litreview fmt`: a deterministic BibTeX layout that is idempotent and loses nothing (always on copies)."""
from __future__ import annotations

import io
import os
import re
import shutil
from pathlib import Path

import pytest
from helpers import ROOT, write_site
from litreview.bibliography.fmt import BibFormatError, format_bib, parse_bib
from litreview.bibliography.load import Bibliography, load_bibliography
from litreview.cli import main

# The biblatex examples, committed as a fixture (tests/fixtures) so CI does not need ../shared.
REALWORLD = ROOT / "tests" / "fixtures" / "biblatex-examples.bib"
PROJECT_BIBS = sorted((ROOT / "bib").glob("*.bib"))
SAMPLES = [pytest.param(p, id=f"bib/{p.name}") for p in PROJECT_BIBS] + [
    pytest.param(REALWORLD, id="biblatex-examples", marks=pytest.mark.skipif(not REALWORLD.exists(),
                                                                             reason="shared/ not beside the repo"))]

MESSY = """\
% Header comment about this file.

@STRING{jnm = "J Nucl Med"}

@Article{zeta2020last,
  Pages = "12-19",
  YEAR = 2020,
  Title = "Zeta {RCT} results",
  note = {A  note
          over lines},
  doi = {https://doi.org/10.1000/xyz},
  journal = jnm,
  author = {Zeta, Z.},
  publisher = jnm # { and partners},
}
% Comment that belongs to alpha.
@book(alpha1999first,
  title = {Alpha},
  author = {Alpha, A.},
  year = {1999},
  pages = {100 -- 120},
)
@comment{kept as it is}
@preamble{ "\\newcommand{\\noop}[1]{}" }
"""

EXPECTED = """\
% Header comment about this file.

@string{jnm = {J Nucl Med}}
@comment{kept as it is}
@preamble{"\\newcommand{\\noop}[1]{}"}

@article{zeta2020last,
  pages = {12--19},
  year = {2020},
  title = {Zeta {RCT} results},
  note = {A note over lines},
  doi = {10.1000/xyz},
  journal = jnm,
  author = {Zeta, Z.},
  publisher = jnm # { and partners}
}

% Comment that belongs to alpha.
@book{alpha1999first,
  title = {Alpha},
  author = {Alpha, A.},
  year = {1999},
  pages = {100--120}
}
"""

ALIGNED = """\
@article{okafor2019growth,
  author         = {Okafor, Ada},
  title          = {Growth},
  verifiedsource = {https://example.org/a},
  verifiedfields = {author, title}
}
"""


def test_an_aligned_file_keeps_its_column_and_order() -> None:
    assert format_bib(ALIGNED) == ALIGNED
    assert format_bib(ALIGNED.replace("title          =", "title =")) == ALIGNED


def test_the_project_files_are_left_as_they_are() -> None:
    for path in PROJECT_BIBS:
        text = path.read_text(encoding="utf-8")
        assert format_bib(text) == text, path


def test_layout_of_a_messy_file() -> None:
    assert format_bib(MESSY) == EXPECTED
    assert format_bib(EXPECTED) == EXPECTED


def _comparable(bib: Bibliography) -> dict[str, tuple[str, dict[str, str]]]:
    """Each entry's type and Unicode fields, with the two things fmt is meant to change made equal."""
    out = {}
    for key, entry in bib.entries.items():
        fields = dict(entry.fields)
        if "pages" in fields:
            fields["pages"] = re.sub(r"\s*[-\u2013\u2014]+\s*", "-", fields["pages"])
        if "doi" in fields:
            fields["doi"] = re.sub(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", "", fields["doi"], flags=re.IGNORECASE)
        out[key] = (entry.type, fields)
    return out


@pytest.mark.parametrize("source", SAMPLES)
def test_idempotent_and_no_field_lost(source: Path, tmp_path: Path) -> None:
    original = tmp_path / "original.bib"
    shutil.copyfile(source, original)
    once = format_bib(original.read_text(encoding="utf-8"))
    assert format_bib(once) == once
    formatted = tmp_path / "formatted.bib"
    formatted.write_text(once, encoding="utf-8")
    before = load_bibliography([original], tmp_path)
    after = load_bibliography([formatted], tmp_path)
    assert _comparable(after) == _comparable(before)
    assert list(after.entries) == list(before.entries)  # the author's order
    assert sorted(p.message for p in after.problems if "first defined" not in p.message) == \
        sorted(p.message for p in before.problems if "first defined" not in p.message)
    # Every field written, also the ones load_bibliography folds together (e.g. a repeated field).
    fields_before = sorted((b.key, f.name) for b in parse_bib(original.read_text(encoding="utf-8")).blocks
                           for f in b.fields)
    assert sorted((b.key, f.name) for b in parse_bib(once).blocks for f in b.fields) == fields_before
    # Comment lines survive too.
    comments = [line for line in original.read_text(encoding="utf-8").splitlines() if line.lstrip().startswith("%")]
    assert sorted(line for line in once.splitlines() if line.lstrip().startswith("%")) == \
        sorted(c.rstrip() for c in comments)


def test_realworld_layout_details(tmp_path: Path) -> None:
    if not REALWORLD.exists():
        pytest.skip("shared/ not beside the repo")
    text = format_bib(REALWORLD.read_text(encoding="utf-8"))
    assert text.startswith("@string{anch-ie = {Angew.~Chem. Int.~Ed.}}\n@string{cup = ")
    assert "  publisher    = dtv # { and Walter de Gruyter},\n" in text
    assert "% With Biber they are not needed.\n@collection{westfahl:frontier,\n" in text
    assert "  title        = {The True Frontier},\n" in text  # the file's own column of `=` signs
    assert "\n\n\n" not in text


@pytest.mark.parametrize(("text", "line"), [
    ("@article{a,\n  title = {Open\n", 2),
    ("@article{a,\n  title = {x},\n  year 2020\n}\n", 3),
    ("@article{a, title = {x}} }\n@article{b,\n  title = }\n", 3),
])
def test_syntax_errors_are_refused_with_a_line(text: str, line: int) -> None:
    with pytest.raises(BibFormatError) as info:
        format_bib(text)
    assert info.value.line == line


def run(cwd: Path, *args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    here = os.getcwd()
    os.chdir(cwd)
    try:
        return main(["fmt", *args], out=out, err=err), out.getvalue(), err.getvalue()
    finally:
        os.chdir(here)


def test_check_lists_files_and_changes_nothing(tmp_path: Path) -> None:
    messy, tidy = tmp_path / "messy.bib", tmp_path / "tidy.bib"
    messy.write_text(MESSY, encoding="utf-8")
    tidy.write_text(EXPECTED, encoding="utf-8")
    code, out, _ = run(tmp_path, "--check", "messy.bib", "tidy.bib")
    assert code == 1 and out.startswith("messy.bib: would be reformatted\n--- messy.bib (now)\n+++ messy.bib "
                                        "(formatted)\n@@ ")
    assert '-  Pages = "12-19",\n' in out and "+  pages = {12--19},\n" in out and "tidy.bib" not in out
    assert messy.read_text(encoding="utf-8") == MESSY
    assert run(tmp_path, "--check", "tidy.bib")[0] == 0


def test_fmt_rewrites_then_check_passes(tmp_path: Path) -> None:
    target = tmp_path / "messy.bib"
    target.write_text(MESSY, encoding="utf-8")
    code, out, _ = run(tmp_path, "messy.bib")
    assert (code, out) == (0, "reformatted messy.bib\n")
    assert target.read_text(encoding="utf-8") == EXPECTED
    assert run(tmp_path, "--check", "messy.bib")[0] == 0
    assert [p.name for p in tmp_path.iterdir()] == ["messy.bib"]  # no temporary file left behind


def test_fmt_defaults_to_the_bib_files_of_the_config(tmp_path: Path) -> None:
    root = write_site(tmp_path, {"index.md": "# T\n"}, {"a.bib": MESSY, "b.bib": EXPECTED})
    code, out, _ = run(root, "--check")
    assert code == 1 and out.startswith("a.bib: would be reformatted\n--- a.bib (now)\n") and "b.bib" not in out
    assert run(root)[0] == 0
    assert (root / "a.bib").read_text(encoding="utf-8") == EXPECTED


def test_file_with_a_syntax_error_is_left_alone(tmp_path: Path) -> None:
    broken = tmp_path / "broken.bib"
    broken.write_text("@article{a,\n  title = {Open\n", encoding="utf-8")
    code, _, err = run(tmp_path, "broken.bib")
    assert code == 1 and err.startswith("broken.bib:2: error: no closing '}'")
    assert broken.read_text(encoding="utf-8") == "@article{a,\n  title = {Open\n"
