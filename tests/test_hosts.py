"""One small review built four ways: plain Python-Markdown page by page (`litreview.markdown`), MkDocs 1.6.1 with
Material and the plugin, ProperDocs with the plugin, and Zensical with the extension. The citation numbers, the
reference lists, the bibliography and the evidence tables must be the same on every host."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import textwrap
from html import unescape
from pathlib import Path
from typing import Any

import markdown
import pytest
import yaml
from helpers import ROOT, bib_entry

ZENSICAL = "zensical==0.0.73"
BIB = (bib_entry("doe2020liver", "Liver embolization in practice", "Doe, Jane", "2020", journal="J Test")
       + bib_entry("roe2021radio", "Radioembolization revisited", "Roe, Richard", "2021", journal="J Test")
       + bib_entry("kim2019abl", "Ablation outcomes", "Kim, Ann", "2019", journal="J Test")
       + bib_entry("lee2018prrt", "PRRT in practice", "Lee, Bo", "2018", journal="J Test"))
DATA = """\
title: Embolization
columns:
  - {id: source, label: Study, type: citation}
  - {id: n, label: Patients, type: integer}
  - {id: orr, label: Response, type: percent}
rows:
  - {id: doe, source: doe2020liver, n: 26, orr: 38}
  - {id: kim, source: kim2019abl, n: 40, orr: null}
  - {id: lee, source: lee2018prrt, n: 31, orr: 51}
"""
PAGES = {
    "index.md": "---\ntitle: Home\n---\n# Home\n\nFirst [@roe2021radio], then [@doe2020liver; @roe2021radio].\n",
    "part/chapter.md": textwrap.dedent("""\
        # Chapter

        !!! note "Key points"
            Inside an admonition [@kim2019abl].

        Again @doe2020liver [p. 4], in {{tace.doe.n}} patients.

        <!-- evidence-table tace -->

        <!-- evidence-chart tace column=n type=bar caption="Patients" -->

        `[@notakey]` is code.
        """),
    "other.md": "# Other\n\nPRRT [@lee2018prrt] and ablation [@kim2019abl].\n\n<!-- references -->\n\nAfter.\n",
    "references.md": "# References\n\n<!-- bibliography -->\n",
}
NAV = [{"Home": "index.md"}, {"Chapter": "part/chapter.md"}, {"Other": "other.md"},
       {"References": "references.md"}]
EXTENSIONS: list[Any] = ["admonition", "tables", {"toc": {"permalink": True}}]


def write_review(root: Path, host: str) -> Path:
    (root / "docs" / "data").mkdir(parents=True)
    (root / "bib").mkdir()
    (root / "bib" / "refs.bib").write_text(BIB, encoding="utf-8")
    (root / "docs" / "data" / "tace.yaml").write_text(DATA, encoding="utf-8")
    for name, text in PAGES.items():
        (root / "docs" / name).parent.mkdir(parents=True, exist_ok=True)
        (root / "docs" / name).write_text(text, encoding="utf-8")
    config: dict[str, Any] = {"site_name": "Hosts", "docs_dir": "docs", "use_directory_urls": False, "nav": NAV}
    if host in ("mkdocs", "properdocs"):
        config["theme"] = {"name": "material", "font": False}
        config["markdown_extensions"] = EXTENSIONS
        config["plugins"] = ["search", {"litreview": {"bib_dir": "bib", "pdf": {"enabled": False},
                                                      "cache_dir": ""}}]
    else:
        config["markdown_extensions"] = [*EXTENSIONS, {"litreview.markdown": {"bib_dir": "bib"}}]
    (root / "mkdocs.yml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return root


def facts(html: str) -> dict[str, Any]:
    """What must not depend on the host: numbers in order, reference lists, tables (text of every cell)."""
    tables = [[[unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in re.findall(r"<t[dh]\b[^>]*>(.*?)</t[dh]>", r, re.S)]
               for r in re.findall(r"<tr\b.*?</tr>", t, re.S)]
              for t in re.findall(r'<table class="lr-evidence".*?</table>', html, re.S)]
    return {
        "numbers": re.findall(r'class="lr-cite-link"[^>]*>([^<]*)<', html),
        "references": re.findall(r'<li id="ref-([^"]+)"', html),
        "value": re.findall(r'<span class="lr-value">([^<]*)', html),
        "tables": tables,
        "charts": len(re.findall(r'<svg\b[^>]*class="lr-chart', html)) + html.count('class="lr-chart'),
        "missing": re.findall(r'class="lr-missing"[^>]*>([^<]*)<', html),
    }


def built(site: Path) -> dict[str, dict[str, Any]]:
    return {name: facts((site / name.replace(".md", ".html")).read_text(encoding="utf-8")) for name in PAGES}


def plain_markdown(root: Path) -> dict[str, dict[str, Any]]:
    from litreview.site import strip_front_matter

    old = os.getcwd()
    os.chdir(root)
    try:
        out = {}
        for name in PAGES:
            body = strip_front_matter((root / "docs" / name).read_text(encoding="utf-8"))
            out[name] = facts(markdown.markdown(body, extensions=[*EXTENSIONS[:2], "toc", "litreview.markdown"],
                                                extension_configs={"toc": {"permalink": True},
                                                                   "litreview.markdown": {"bib_dir": "bib"}}))
        return out
    finally:
        os.chdir(old)


def run(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> None:
    proc = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=900, env=env)
    assert proc.returncode == 0, f"{args} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"


EXPECTED_NUMBERS = {
    "index.md": ["1", "1", "2"],  # [@roe] then [@doe; @roe], listed by number
    # admonition, narrative @doe (the inline value does not repeat it), the table's three rows, the chart's
    # bars and its data table
    "part/chapter.md": ["3", "2", "2", "3", "4", "2", "4", "2", "3", "4"],
    "other.md": ["4", "3"],
    "references.md": [],
}


@pytest.fixture(scope="module")
def plain(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    return plain_markdown(write_review(tmp_path_factory.mktemp("plain"), "markdown"))


@pytest.fixture(scope="module")
def with_mkdocs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    root = write_review(tmp_path_factory.mktemp("mkdocs"), "mkdocs")
    run([sys.executable, "-m", "mkdocs", "build", "--strict"], root, dict(os.environ, NO_MKDOCS_2_WARNING="1"))
    return built(root / "site")


def test_plain_python_markdown_numbers_globally_in_nav_order(plain: dict[str, dict[str, Any]]) -> None:
    assert {name: f["numbers"] for name, f in plain.items()} == EXPECTED_NUMBERS
    assert plain["index.md"]["references"] == ["roe2021radio", "doe2020liver"]
    assert plain["other.md"]["references"] == ["kim2019abl", "lee2018prrt"]
    assert plain["references.md"]["references"] == ["roe2021radio", "doe2020liver", "kim2019abl", "lee2018prrt"]
    assert plain["part/chapter.md"]["value"] == ["26"]  # its sentence already cites the row's source
    assert plain["part/chapter.md"]["tables"][0] == [["Study", "Patients", "Response"], ["[2]", "26", "38%"],
                                                    ["[3]", "40", "\u2014not reported"], ["[4]", "31", "51%"]]
    assert all(not f["missing"] for f in plain.values())


def test_text_outside_the_site_is_numbered_on_its_own(tmp_path: Path) -> None:
    root = write_review(tmp_path, "markdown")
    old = os.getcwd()
    os.chdir(root)
    try:
        html = markdown.markdown("Only [@lee2018prrt], then [@doe2020liver].", extensions=["litreview.markdown"])
    finally:
        os.chdir(old)
    assert facts(html)["numbers"] == ["1", "2"] and facts(html)["references"] == ["lee2018prrt", "doe2020liver"]


def test_the_extension_refuses_active_content_as_the_plugin_does(tmp_path: Path,
                                                                  caplog: pytest.LogCaptureFixture) -> None:
    """Under Zensical or a plain `markdown.markdown()` call, raw HTML is as untrusted as under MkDocs: no script, no
    event handler, no javascript: link, each refusal a warning naming its line."""
    root = write_review(tmp_path, "markdown")
    old = os.getcwd()
    os.chdir(root)
    try:
        with caplog.at_level("WARNING"):
            html = markdown.markdown("Text [@lee2018prrt].\n\n<script>alert(1)</script>\n\n"
                                     "<img src=x.png onerror=alert(1)>\n\n<a href='javascript:alert(1)'>x</a>\n",
                                     extensions=["litreview.markdown"])
    finally:
        os.chdir(old)
    assert "<script" not in html and "onerror" not in html and "javascript:" not in html
    assert "[removed: &lt;script&gt; is not allowed in a chapter]" in html and "#ref-lee2018prrt" in html
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert any(w.startswith("<text>:3: <script> is not allowed") for w in warnings), warnings
    assert any(w.startswith("<text>:5: the event handler attribute onerror=") for w in warnings), warnings
    assert any(w.startswith("<text>:7: href= holds") for w in warnings), warnings


def test_mkdocs_with_the_plugin_gives_the_same(plain: dict[str, Any], with_mkdocs: dict[str, Any]) -> None:
    assert with_mkdocs == plain


def test_properdocs_with_the_plugin_gives_the_same(plain: dict[str, Any], tmp_path: Path) -> None:
    pytest.importorskip("properdocs", reason="pip install -e '.[test]' installs ProperDocs")
    root = write_review(tmp_path, "properdocs")
    run([sys.executable, "-m", "properdocs", "build", "--strict", "-f", "mkdocs.yml"], root)
    assert built(root / "site") == plain


@pytest.mark.slow
def test_zensical_with_the_extension_gives_the_same(plain: dict[str, Any], tmp_path_factory: pytest.TempPathFactory,
                                                    ) -> None:
    """Zensical runs Python-Markdown extensions but no MkDocs plugin: the extension alone must do everything."""
    work = tmp_path_factory.mktemp("zensical")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(work / "wheels"), str(ROOT)], work, env)
    base = Path(getattr(sys, "_base_executable", sys.executable))
    run([str(base), "-m", "venv", str(work / "venv")], work, env)
    pip = work / "venv" / "bin" / "pip"
    run([str(pip), "install", "-q", ZENSICAL, *map(str, (work / "wheels").glob("litreview-*.whl"))], work, env)
    root = write_review(work / "review", "zensical")
    run([str(work / "venv" / "bin" / "litreview"), "assets", "docs/assets/litreview"], root, env)
    config = yaml.safe_load((root / "mkdocs.yml").read_text(encoding="utf-8"))
    config.update(extra_css=["assets/litreview/litreview.css"], extra_javascript=["assets/litreview/litreview.js"])
    (root / "mkdocs.yml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    shutil.rmtree(root / "site", ignore_errors=True)
    run([str(work / "venv" / "bin" / "zensical"), "build"], root, env)
    assert built(root / "site") == plain
    chapter = (root / "site" / "part" / "chapter.html").read_text(encoding="utf-8")
    assert 'href="../assets/litreview/litreview.css"' in chapter
    assert (root / "site" / "assets" / "litreview" / "litreview.js").is_file()


def test_the_plugin_and_the_extension_together_are_refused(tmp_path: Path) -> None:
    root = write_review(tmp_path, "mkdocs")
    config = yaml.safe_load((root / "mkdocs.yml").read_text(encoding="utf-8"))
    config["markdown_extensions"].append("litreview.markdown")
    (root / "mkdocs.yml").write_text(yaml.safe_dump(config), encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "mkdocs", "build"], cwd=root, capture_output=True, text=True,
                          env=dict(os.environ, NO_MKDOCS_2_WARNING="1"))
    assert proc.returncode != 0
    assert "litreview is listed both as a plugin and as the Markdown extension litreview.markdown" in proc.stderr
