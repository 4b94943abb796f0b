"""The generator as other teams get it: packaged assets wired by the plugin, `litreview new`, MkDocs' own themes,
`enabled: false`, machine warnings kept out of strict builds, and the system libraries the first build needs."""
from __future__ import annotations

import io
import logging
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from helpers import ROOT, bib_entry, build_site, write_site
from litreview.cli import main
from litreview.scaffold import new_project, starter_files

BIB = bib_entry("doe2020liver", "Liver embolization in practice", "Doe, Jane", "2020") + \
    bib_entry("roe2021radio", "Radioembolization revisited", "Roe, Richard", "2021")
DATA = """\
title: Embolization
columns:
  - {id: source, label: Study, type: citation}
  - {id: n, label: Patients, type: integer}
rows:
  - {id: doe, source: doe2020liver, n: 26}
  - {id: roe, source: roe2021radio, n: 40}
"""
PAGE = """\
# Chapter

Embolization helped [@doe2020liver; @roe2021radio] in {{tace.doe.n}} patients.

<!-- evidence-table tace -->

<!-- evidence-chart tace column=n type=bar caption="Patients" -->
"""


def run_cli(*args: str, cwd: Path) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    old = os.getcwd()
    os.chdir(cwd)
    try:
        code = main(list(args), out=out, err=err)
    finally:
        os.chdir(old)
    return code, out.getvalue(), err.getvalue()


# ------------------------------------------------------------------------------------------ litreview new

def test_new_writes_the_whole_starter(tmp_path: Path) -> None:
    code, out, err = run_cli("new", "review", "--title", "Ablation: a review", "--author", "Kim, A.", cwd=tmp_path)
    assert code == 0, err
    written = sorted(p.relative_to(tmp_path / "review").as_posix() for p in (tmp_path / "review").rglob("*")
                     if p.is_file())
    assert written == sorted(str(p.as_posix()) for p, _ in starter_files())
    assert {".gitignore", ".github/workflows/pr.yml", ".github/workflows/publish.yml", "README.md",
            "CONTRIBUTING.md", "mkdocs.yml", "bib/references.bib", "content/index.md",
            "content/data/example.yaml", "content/references.md"} <= set(written)
    config = yaml.safe_load((tmp_path / "review" / "mkdocs.yml").read_text(encoding="utf-8"))
    assert config["site_name"] == "Ablation: a review"
    assert config["plugins"][1]["litreview"]["pdf"]["authors"] == "Kim, A."
    assert "cd review" in out
    assert not any("__" in (tmp_path / "review" / p).read_text(encoding="utf-8") for p in written
                   if p.endswith((".yml", ".md", ".txt")) and "CONTRIBUTING" not in p)


def test_new_refuses_a_folder_that_is_not_empty_and_changes_nothing(tmp_path: Path) -> None:
    target = tmp_path / "mine"
    target.mkdir()
    (target / "mkdocs.yml").write_text("site_name: Mine\n", encoding="utf-8")
    code, out, err = run_cli("new", "mine", cwd=tmp_path)
    assert code == 2 and out == ""
    assert err == "litreview new: mine is not empty; choose a new or empty folder (nothing was written)\n"
    assert [p.name for p in target.iterdir()] == ["mkdocs.yml"]
    assert (target / "mkdocs.yml").read_text(encoding="utf-8") == "site_name: Mine\n"


def test_new_refuses_a_file_and_a_title_with_a_line_break(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x", encoding="utf-8")
    assert run_cli("new", "file", cwd=tmp_path)[2] == (
        "litreview new: file exists and is not a folder; choose a new folder (nothing was written)\n")
    code, _, err = run_cli("new", "x", "--title", "Two\nlines", cwd=tmp_path)
    assert code == 2 and "line break" in err and not (tmp_path / "x").exists()


def test_new_into_an_empty_folder_and_hostile_title(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    title = 'Say "hi" <script>alert(1)</script> *bold* #tag: [x](y)'
    new_project(tmp_path / "empty", title, "O'Brien & <Co>")
    config = yaml.safe_load((tmp_path / "empty" / "mkdocs.yml").read_text(encoding="utf-8"))
    assert config["site_name"] == title and config["site_author"] == "O'Brien & <Co>"
    result = build_site(tmp_path / "empty", strict=True)
    assert result.error is None, result.warnings
    heading = re.search(r"<h1[^>]*>(.*?)<a", result.page("index.html"), re.S)
    assert heading is not None
    assert heading.group(1) == ('Say "hi" &lt;script&gt;alert(1)&lt;/script&gt; *bold* #tag: [x](y)')


def test_version_flag(capsys: pytest.CaptureFixture[str]) -> None:
    from litreview import __version__

    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out == f"litreview {__version__}\n"
    import tomllib

    assert tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"] == __version__


# ------------------------------------------------------------------------------------------ assets and themes

@pytest.mark.parametrize("theme", ["mkdocs", "readthedocs", "material"])
def test_every_feature_with_each_theme(tmp_path: Path, theme: str) -> None:
    write_site(tmp_path, {"index.md": PAGE, "references.md": "# References\n\n<!-- bibliography -->\n"}, BIB,
               data={"tace.yaml": DATA}, theme=theme,
               options={"pdf": {"enabled": True}, "cache_dir": ""})
    result = build_site(tmp_path, strict=True)
    assert result.error is None, result.warnings
    page = result.page("index.html")
    assert re.search(r'<link (?:[^>]*\s)?href="assets/litreview/litreview\.css"', page)
    assert '<script src="assets/litreview/litreview.js"' in page
    assert (result.site / "assets" / "litreview" / "litreview.css").is_file()
    assert (result.site / "assets" / "litreview" / "litreview.js").is_file()
    assert page.count('<span class="lr-cite" id="cite-') >= 3  # the sentence and the table's rows
    assert '<ol class="lr-references">' in page
    assert 'data-lr-sortable' in page and "<svg" in page
    assert '<span class="lr-value">26</span>' in page  # its sentence already cites doe2020liver
    assert 'class="lr-page-info"' in page and 'href="review.pdf"' in page
    assert result.page("references.html").count('<li id="ref-') == 2
    assert (result.site / "review.pdf").read_bytes().startswith(b"%PDF-")


def test_a_site_that_already_lists_the_assets_gets_each_once(tmp_path: Path) -> None:
    write_site(tmp_path, {"index.md": PAGE}, BIB, data={"tace.yaml": DATA}, theme="mkdocs",
               extra={"extra_css": ["assets/litreview/litreview.css"],
                      "extra_javascript": ["assets/litreview/litreview.js"]})
    result = build_site(tmp_path, strict=True)
    assert result.error is None, result.warnings
    assert result.page().count("assets/litreview/litreview.css") == 1
    assert result.page().count("assets/litreview/litreview.js") == 1


def test_offline_plugin_gets_the_local_shim_instead_of_unpkg(tmp_path: Path) -> None:
    write_site(tmp_path, {"index.md": PAGE}, BIB, data={"tace.yaml": DATA}, theme="material")
    config = yaml.safe_load((tmp_path / "mkdocs.yml").read_text(encoding="utf-8"))
    config["plugins"] = ["search", "offline", *config["plugins"]]
    (tmp_path / "mkdocs.yml").write_text(yaml.safe_dump(config), encoding="utf-8")
    result = build_site(tmp_path, strict=True)
    assert result.error is None, result.warnings
    page = result.page()
    assert "unpkg.com" not in page
    assert '<script src="assets/litreview/vendor/iframe-worker-shim.js"></script>' in page
    assert (result.site / "assets" / "litreview" / "vendor" / "iframe-worker-shim.js").is_file()


def test_enabled_false_turns_the_plugin_off(tmp_path: Path) -> None:
    write_site(tmp_path, {"index.md": "# T\n\nSee [@doe2020liver].\n"}, BIB, options={"enabled": False})
    result = build_site(tmp_path, strict=True)
    assert result.error is None, result.warnings
    page = result.page()
    assert "See [@doe2020liver]." in page and "lr-cite" not in page and "litreview.css" not in page
    assert not (result.site / "assets" / "litreview").exists()


# ------------------------------------------------------------------------------------------ the machine

def test_warnings_about_the_machine_are_info_and_strict_passes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                               caplog: pytest.LogCaptureFixture) -> None:
    from litreview.pdf import export

    real = export.render_pdf

    def with_machine_warnings(*args, **kwargs):  # type: ignore[no-untyped-def]
        pdf, messages, refused = real(*args, **kwargs)
        return pdf, [*messages, 'Using fontTools instead of HarfBuzz-Subset for font "DejaVu Sans". This will '
                                "be deprecated soon.", 'Unable to subset "DejaVu Sans" with HarfBuzz'], refused

    monkeypatch.setattr(export, "render_pdf", with_machine_warnings)
    write_site(tmp_path, {"index.md": PAGE}, BIB, data={"tace.yaml": DATA}, options={"pdf": {"enabled": True}})
    with caplog.at_level(logging.INFO, logger="mkdocs.plugins.litreview"):
        result = build_site(tmp_path, strict=True)
    assert result.error is None, result.warnings
    infos = [r.getMessage() for r in caplog.records if r.levelno == logging.INFO]
    assert 'PDF (this machine, not the content): Unable to subset "DejaVu Sans" with HarfBuzz' in infos


def test_a_content_warning_from_the_pdf_still_fails_strict(tmp_path: Path) -> None:
    write_site(tmp_path, {"index.md": PAGE + '\n<img src="missing.png" alt="x">\n'}, BIB, data={"tace.yaml": DATA},
               options={"pdf": {"enabled": True}})
    result = build_site(tmp_path, strict=True)
    assert result.error is not None


SETUP = ROOT / "scripts" / "setup-system.sh"
PROBE = """\
import sys
# What Python's own standard library loads (its ssl links the system's OpenSSL) is Python's business, not
# WeasyPrint's: only the libraries that appear after this point are checked.
import bz2, ctypes, hashlib, lzma, sqlite3, ssl, uuid, zlib, xml.etree.ElementTree  # noqa


def loaded():
    libs = set()
    for line in open("/proc/self/maps"):
        path = line.split()[-1] if len(line.split()) >= 6 else ""
        if ".so" in path and path.startswith("/"):
            libs.add(path)
    return libs


before = loaded()
from weasyprint import HTML
HTML(string="<h1>Fonts \u00e9 \u2013 ok</h1><p>x</p>").write_pdf(sys.argv[1])
print("\\n".join(sorted(loaded() - before)))
"""


def _dpkg_owner(path: str) -> str | None:
    for candidate in (path, os.path.realpath(path)):
        proc = subprocess.run(["dpkg", "-S", candidate], capture_output=True, text=True)
        if proc.returncode == 0:
            return proc.stdout.split(":", 1)[0].strip()
        # /lib is a link to /usr/lib on merged-/usr systems; dpkg knows files under the path it installed
        alt = re.sub(r"^/usr/lib/", "/lib/", candidate) if candidate.startswith("/usr/lib/") else \
            re.sub(r"^/lib/", "/usr/lib/", candidate)
        proc = subprocess.run(["dpkg", "-S", alt], capture_output=True, text=True)
        if proc.returncode == 0:
            return proc.stdout.split(":", 1)[0].strip()
    return None


def _depends_closure(packages: list[str]) -> set[str]:
    seen: set[str] = set()
    todo = list(packages)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        proc = subprocess.run(["dpkg-query", "-W", "-f=${Depends},${Pre-Depends}", name], capture_output=True,
                              text=True)
        for dep in re.split(r"[,|]", proc.stdout):
            dep = re.sub(r"\(.*?\)|:\w+", "", dep).strip()
            if dep:
                todo.append(dep)
    return seen


@pytest.mark.skipif(shutil.which("dpkg") is None, reason="needs a Debian system")
def test_every_library_weasyprint_loads_comes_from_the_setup_script(tmp_path: Path) -> None:
    """The first `make site` must not depend on what `make test` (Chromium) or another project installed."""
    default = re.search(r"\|\| want=\((.*?)\)", SETUP.read_text(encoding="utf-8"))
    assert default is not None
    listed = default.group(1).split()
    probe = tmp_path / "probe.py"
    probe.write_text(PROBE, encoding="utf-8")
    proc = subprocess.run([sys.executable, str(probe), str(tmp_path / "p.pdf")], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    prefix = Path(sys.prefix).resolve()
    base = Path(sys.base_prefix).resolve()
    owners: dict[str, str] = {}
    for lib in proc.stdout.split():
        real = Path(lib).resolve()
        if real.is_relative_to(prefix) or real.is_relative_to(base):
            continue  # a wheel's own library or Python's, installed by pip or with Python
        owner = _dpkg_owner(lib)
        assert owner is not None, f"{lib} belongs to no Debian package"
        owners[lib] = owner
    essential = set(subprocess.run(["dpkg-query", "-W", "-f=${Package} ${Essential} ${Priority}\\n"],
                                   capture_output=True, text=True).stdout.splitlines())
    base_system = {line.split()[0] for line in essential if " yes " in f" {line} " or line.endswith(" required")}
    allowed = _depends_closure(listed) | _depends_closure(sorted(base_system))
    strays = {lib: pkg for lib, pkg in owners.items() if pkg not in allowed}
    assert not strays, f"WeasyPrint loads libraries that scripts/setup-system.sh does not install: {strays}"
    assert any("harfbuzz-subset" in lib or "libharfbuzz-subset" in lib for lib in owners), \
        "HarfBuzz subset was not loaded: WeasyPrint falls back to fontTools"


# ------------------------------------------------------------------------------------------ what is published

ZOTERO = """\
@article{zed2022trial,
  author = {Zed, Zoe and Yu, Yan},
  title = {A trial of embolization},
  journal = {J Test},
  year = {2022},
  abstract = {An abstract nobody checked.},
  keywords = {embolization; liver},
  urldate = {2024-01-05},
  note = {Authors' remark: pages not seen.},
  verifiedfields = {authors, title, year, journal},
  verifiedsource = {https://example.org/record}
}
"""


@pytest.mark.parametrize("policy", ["all", "verified"])
def test_export_fields_verified_publishes_only_what_was_seen(tmp_path: Path, policy: str) -> None:
    write_site(tmp_path, {"index.md": "# T\n\nSee [@zed2022trial].\n"}, ZOTERO,
               options={"export_fields": policy, "exports": True})
    result = build_site(tmp_path, strict=True)
    assert result.error is None, result.warnings
    folder = result.site / "bibliography"
    texts = {p.suffix: p.read_text(encoding="utf-8") for p in folder.iterdir() if p.name.startswith("library")}
    assert set(texts) == {".bib", ".ris", ".json"}
    for text in texts.values():
        assert "Zed" in text and "A trial of embolization" in text
        assert ("An abstract nobody checked" in text) == (policy == "all")
    assert ("abstract" in texts[".bib"]) == (policy == "all")
    assert ("urldate" in texts[".bib"]) == (policy == "all")
    assert ("embolization; liver" in texts[".bib"]) == (policy == "all")
    assert "Authors' remark" in texts[".bib"]  # the review authors' own note is published either way
    from litreview.lint import check_project

    advice = [f.message for f in check_project(tmp_path / "mkdocs.yml") if f.code == "unverified-field"]
    assert advice == ([] if policy == "all" else [
        "entry 'zed2022trial': abstract, keywords, urldate not verified, left out of the downloads (export_fields: "
        "verified); list a field in verifiedfields once you have seen it"])
