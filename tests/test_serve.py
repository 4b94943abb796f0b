"""The real `mkdocs serve`: a saved chapter and a saved BibTeX file both show up in the served pages."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import bib_entry, write_site

BIB = bib_entry("a2020", "First title", "Doe, Jane", "2020")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def fetch(url: str) -> str:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return str(response.read().decode("utf-8"))
    except OSError:
        return ""


def wait_for(url: str, text: str, seconds: float = 30) -> str:
    deadline = time.monotonic() + seconds
    page = ""
    while time.monotonic() < deadline:
        page = fetch(url)
        if text in page:
            return page
        time.sleep(0.3)
    raise AssertionError(f"{text!r} never appeared at {url}; last page:\n{page[-2000:]}")


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Path, str, Path]]:
    root = write_site(tmp_path / "site-src", {"index.md": "# Home\n\nSee [@a2020].\n", "two.md": "# Two\n\nText.\n"},
                      BIB, options={"cache_dir": ".cache/litreview", "pdf": {"enabled": True}},
                      nav=["index.md", "two.md"])
    port = free_port()
    log = tmp_path / "serve.log"
    with open(log, "w", encoding="utf-8") as out:
        proc = subprocess.Popen([sys.executable, "-m", "mkdocs", "serve", "-a", f"127.0.0.1:{port}"], cwd=root,
                                stdout=out, stderr=subprocess.STDOUT, env=dict(os.environ, NO_MKDOCS_2_WARNING="1"))
    try:
        yield root, f"http://127.0.0.1:{port}/", log
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_saved_chapter_and_bibliography_show_up(served: tuple[Path, str, Path]) -> None:
    root, url, log = served
    wait_for(url + "two.html", "Text.")
    (root / "docs" / "two.md").write_text("# Two\n\nChanged words [@a2020].\n", encoding="utf-8")
    page = wait_for(url + "two.html", "Changed words")
    assert 'href="#ref-a2020"' in page
    # refs.bib lies outside docs/: the plugin asks MkDocs to watch it.
    (root / "refs.bib").write_text(BIB.replace("First title", "Second title"), encoding="utf-8")
    wait_for(url + "index.html", "Second title")
    text = log.read_text(encoding="utf-8")
    assert "the PDF is not written under `mkdocs serve`" in text
    assert "Traceback" not in text
