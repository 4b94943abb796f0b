"""The benchmark generator on a tiny corpus: deterministic, every citation form, and a litreview build resolves all.

No timing here: `make bench` measures; this only keeps the generator and its configurations working.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from helpers import build_site  # noqa: E402

from bench import generate  # noqa: E402

FORM_PATTERNS = {
    "single": r"\[@[\w-]+\]",
    "multiple": r"\[@[\w-]+; @[\w-]+",
    "locator": r"\[@[\w-]+, p\. \d+\]",
    "prefixed": r"\[see @[\w-]+, pp\. \d+-\d+; also @[\w-]+\]",
    "suppress": r"\[-@[\w-]+\]",
    "narrative": r"As @[\w-]+ reported",
    "narrative_loc": r"@[\w-]+ \[p\. \d+\]",
}


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, generate.Manifest]:
    root = tmp_path_factory.mktemp("bench") / "tiny"
    return root, generate.generate("tiny", root)


def test_generator_is_deterministic(corpus: tuple[Path, generate.Manifest], tmp_path: Path) -> None:
    root, _ = corpus
    again = tmp_path / "tiny"
    generate.generate("tiny", again)
    assert _files(again) == _files(root)


def test_corpus_holds_every_form_and_its_sizes(corpus: tuple[Path, generate.Manifest]) -> None:
    root, manifest = corpus
    text = "\n".join((root / "docs" / name).read_text(encoding="utf-8") for name in manifest.chapters)
    for form, pattern in FORM_PATTERNS.items():
        assert re.search(pattern, text), f"no {form} citation in the corpus"
    assert manifest.citations == generate.SIZES["tiny"].citations
    assert len(manifest.chapters) == 3
    assert manifest.keys_cited == 20  # every reference is cited at least once
    bib = (root / "refs.bib").read_text(encoding="utf-8")
    assert bib.count("\n@") == 20
    assert re.search(r"\{\\[\"'`^~vck]", bib), "no LaTeX accent in the library"
    assert "doi = {10." in bib
    assert "<!-- evidence-table set01" in text
    for variant in generate.VARIANTS:
        config = yaml.safe_load((root / f"mkdocs-{variant}.yml").read_text(encoding="utf-8"))
        assert config["theme"]["name"] == "material" and "search" in config["plugins"]
        names = [p if isinstance(p, str) else next(iter(p)) for p in config["plugins"]]
        assert ("litreview" in names) == (variant == "litreview")
        assert ("bibtex" in names) == (variant == "bibtex")


def test_litreview_resolves_every_citation(corpus: tuple[Path, generate.Manifest], tmp_path: Path) -> None:
    root, manifest = corpus
    # mkdocs.yml is the litreview variant (what `litreview check` reads); build it in-process.
    result = build_site(root, site_dir=tmp_path / "site")
    assert result.error is None
    assert result.litreview_warnings == []
    for name in manifest.chapters:
        article = result.article(name.replace(".md", ".html"))
        assert re.search(r'class="lr-cite-link"[^>]*>\d+</a>', article), f"{name}: no numbered citation"
        assert "lr-missing" not in article
        # Outside code, no pandoc citation is left as text.
        prose = re.sub(r"<code>.*?</code>", "", article, flags=re.S)
        assert not re.search(r"\[-?@[a-z]", prose), f"{name}: unresolved citation text"
    table_page = result.article(manifest.chapters[1].replace(".md", ".html"))
    assert "<table" in table_page
    bibliography = result.article("references.html")
    assert bibliography.count('<li id="ref-') == 20
