"""A new user's path: the wheel installed into a fresh virtualenv outside the repository, `litreview new`, one strict
build, then the starter review read in Chromium (a citation preview on hover, a table that sorts) and its PDF.

Nothing here imports litreview from the checkout: the build runs the new virtualenv's own `mkdocs`, with
PYTHONPATH removed, and the test asserts where litreview was imported from.
"""
from __future__ import annotations

import functools
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import ROOT, _QuietHandler, _Server

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _run(args: list[str], cwd: Path, env: dict[str, str], timeout: int = 600) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, f"{' '.join(args)} failed ({proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """(bin folder of a new virtualenv holding the freshly built wheel, an environment without the checkout)."""
    work = tmp_path_factory.mktemp("install")
    assert not work.resolve().is_relative_to(ROOT.resolve()), "the virtualenv must live outside the repository"
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    env["NO_MKDOCS_2_WARNING"] = "1"
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    wheels = work / "wheels"
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels),
          str(ROOT)], cwd=work, env=env)
    (wheel,) = wheels.glob("litreview-*.whl")
    base = Path(getattr(sys, "_base_executable", sys.executable))
    _run([str(base), "-m", "venv", str(work / "venv")], cwd=work, env=env)
    bin_dir = work / "venv" / "bin"
    _run([str(bin_dir / "pip"), "install", "-q", str(wheel)], cwd=work, env=env)
    return bin_dir, env


@pytest.fixture(scope="module")
def starter(installed: tuple[Path, dict[str, str]], tmp_path_factory: pytest.TempPathFactory) -> Path:
    bin_dir, env = installed
    where = tmp_path_factory.mktemp("new")
    _run([str(bin_dir / "litreview"), "new", "my-review", "--title", "Imaging of <rare> tumours",
          "--author", "Ann Author & Bo Builder"], cwd=where, env=env)
    review = where / "my-review"
    _run([str(bin_dir / "mkdocs"), "build", "--strict"], cwd=review, env=env)
    return review


def test_the_installed_package_is_used_and_reports_its_version(installed, starter):
    bin_dir, env = installed
    origin = _run([str(bin_dir / "python"), "-c", "import litreview; print(litreview.__file__)"], cwd=starter, env=env)
    assert Path(origin.stdout.strip()).is_relative_to(bin_dir.parent), origin.stdout
    version = _run([str(bin_dir / "litreview"), "--version"], cwd=starter, env=env)
    import tomllib

    expected = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
    assert version.stdout.strip() == f"litreview {expected}"


def test_the_starter_builds_with_every_part(starter):
    site = starter / "site"
    for asset in ("assets/litreview/litreview.css", "assets/litreview/litreview.js"):
        assert (site / asset).is_file(), f"{asset} is not published"
    chapter = (site / "chapter.html").read_text(encoding="utf-8")
    assert 'href="assets/litreview/litreview.css"' in chapter and 'src="assets/litreview/litreview.js"' in chapter
    assert chapter.count('class="lr-cite"') >= 3
    assert 'table class="lr-evidence"' in chapter or "lr-evidence" in chapter
    assert "<svg" in chapter, "the chart is missing"
    # Filled in, without a citation: its sentence already cites the same trial.
    assert '<span class="lr-value">229</span>' in chapter, "the inline value was not filled in"
    assert 'class="lr-page-info"' in chapter
    bibliography = (site / "references.html").read_text(encoding="utf-8")
    assert bibliography.count('<li id="ref-') == 3
    index = (site / "index.html").read_text(encoding="utf-8")
    assert "Imaging of &lt;rare&gt; tumours" in index
    pdf = (site / "review.pdf").read_bytes()
    assert pdf.startswith(b"%PDF-") and len(pdf) > 10_000
    assert not (starter / ".github" / "workflows" / "pr.yml").read_text(encoding="utf-8").count("__")
    assert (starter / ".gitignore").is_file() and (starter / "README.md").is_file()


@pytest.fixture(scope="module")
def served(starter: Path) -> Iterator[str]:
    handler = functools.partial(_QuietHandler, directory=str(starter / "site"))
    server = _Server(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def test_preview_on_hover_and_table_sorting_in_chromium(served, new_context, artifacts):
    page = new_context().new_page()
    page.goto(served + "chapter.html")
    cite = page.locator("article p .lr-cite").first
    tip_id = cite.evaluate("el => el.id + '-tip'")
    assert page.locator(f"#{tip_id}").is_hidden()
    cite.locator("a.lr-cite-link").first.hover()
    page.locator(f"#{tip_id}").wait_for(state="visible", timeout=5000)
    assert "Strosberg" in page.locator(f"#{tip_id}").inner_text()
    page.screenshot(path=str(artifacts / "starter-hover.png"))

    table = page.locator("table.lr-evidence[data-lr-sortable]").first
    heads = table.locator("thead th")
    index = next(i for i in range(heads.count()) if heads.nth(i).inner_text().strip().startswith("Patients"))
    read = (f"t => Array.from(t.tBodies[0].rows).filter(r => !r.classList.contains('lr-more'))"
            f".map(r => r.cells[{index}].getAttribute('data-sort') || '')")
    heads.nth(index).locator("button.lr-sort").click()
    assert table.evaluate(read) == ["229.0", "231.0", ""]
    heads.nth(index).locator("button.lr-sort").click()
    assert table.evaluate(read) == ["231.0", "229.0", ""]
    assert heads.nth(index).get_attribute("aria-sort") == "descending"
