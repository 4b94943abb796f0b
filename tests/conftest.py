"""Shared fixtures: the real review built once per session (strict), into a temporary folder."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))


@pytest.fixture(scope="session")
def review_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`mkdocs build --strict` of the real review, PDF included; fails the tests that use it if the build fails."""
    out = tmp_path_factory.mktemp("review") / "site"
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    proc = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(out)], cwd=ROOT,
                          capture_output=True, text=True, env=env, timeout=900)
    log = proc.stdout + proc.stderr
    (out.parent / "build.log").write_text(log, encoding="utf-8")
    if proc.returncode != 0:
        pytest.fail(f"strict build of the review failed (exit {proc.returncode}):\n{log[-4000:]}")
    return out


@pytest.fixture(scope="session")
def review_build_log(review_site: Path) -> str:
    return (review_site.parent / "build.log").read_text(encoding="utf-8")
