"""`mkdocs serve` reuses a page's rendered theme output only while nothing its template reads has changed.

Each test runs a serve session the way MkDocs does: one plugin instance kept across rebuilds (it has
`on_startup`), the configuration reloaded for every rebuild, a full (non-dirty) build each time.
"""
from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from helpers import bib_entry, write_site
from mkdocs.commands.build import build
from mkdocs.config import load_config
from test_determinism import tree

BIB = bib_entry("a2020", "First", "Doe, Jane", "2020")
PAGES = {"index.md": "# Home\n\nSee [@a2020].\n", "one.md": "# One\n\nText.\n", "two.md": "# Two\n\nMore.\n"}
NAV = [{"Home": "index.md"}, {"Part": ["one.md", "two.md"]}]


class Session:
    """A `mkdocs serve` session: rebuild() is what a save triggers."""

    def __init__(self, root: Path, tmp: Path) -> None:
        self.root, self.tmp, self.count = root, tmp, 0
        self.plugin: Any = None

    def rebuild(self) -> Path:
        """Build into the one site folder, as serve does; returns a copy of what this build wrote."""
        self.count += 1
        site = self.tmp / "site"
        config = load_config(str(self.root / "mkdocs.yml"), site_dir=str(site))
        if self.plugin is None:
            config.plugins.on_startup(command="serve", dirty=False)
            self.plugin = config.plugins["litreview"]
        assert config.plugins["litreview"] is self.plugin, "MkDocs did not keep the plugin across rebuilds"
        build(config)
        copy = self.tmp / f"build{self.count}"
        shutil.copytree(site, copy)
        return copy

    def close(self) -> None:
        if self.plugin is not None:
            self.plugin.on_shutdown()  # as `mkdocs serve` does when it stops

    @property
    def hits(self) -> int:
        return int(self.plugin._render_memo.hits)


SESSIONS: list[Session] = []


def session(tmp_path: Path, **extra: Any) -> Session:
    root = write_site(tmp_path / "src", PAGES, BIB, options={"cache_dir": ".cache/litreview"}, nav=NAV,
                      theme="material", extra=extra)
    SESSIONS.append(Session(root, tmp_path))
    return SESSIONS[-1]


@pytest.fixture(autouse=True)
def _end_sessions() -> Any:
    yield
    while SESSIONS:
        SESSIONS.pop().close()


@pytest.fixture(autouse=True)
def _fixed_date(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")


def html(site: Path, name: str) -> str:
    return (site / name).read_text(encoding="utf-8")


def test_unchanged_pages_are_reused_and_identical(tmp_path: Path) -> None:
    s = session(tmp_path)
    first = s.rebuild()
    assert s.hits == 0
    second = s.rebuild()
    assert s.hits == 3
    assert tree(second) == tree(first)


def test_an_edited_page_renders_again_the_others_are_reused(tmp_path: Path) -> None:
    s = session(tmp_path)
    s.rebuild()
    (s.root / "docs" / "two.md").write_text("# Two\n\nEdited text.\n", encoding="utf-8")
    site = s.rebuild()
    assert "Edited text." in html(site, "two.html")
    assert s.hits == 2


def test_a_changed_title_reaches_every_page_nav(tmp_path: Path) -> None:
    s = session(tmp_path)
    s.rebuild()
    (s.root / "docs" / "one.md").write_text("# Renamed chapter\n\nText.\n", encoding="utf-8")
    site = s.rebuild()
    assert s.hits == 0
    for name in ("index.html", "one.html", "two.html"):
        assert "Renamed chapter" in html(site, name), name


def test_a_far_page_title_reaches_the_nav_of_every_page(tmp_path: Path) -> None:
    pages = {**PAGES, "three.md": "# Three\n", "four.md": "# Four\n"}
    nav = [{"Home": "index.md"}, {"Part": ["one.md", "two.md", "three.md", "four.md"]}]
    root = write_site(tmp_path / "src", pages, BIB, options={"cache_dir": ".cache/litreview"}, nav=nav,
                      theme="material")
    s = Session(root, tmp_path)
    SESSIONS.append(s)
    s.rebuild()
    (root / "docs" / "four.md").write_text("# Far away\n", encoding="utf-8")
    site = s.rebuild()
    assert "Far away" in html(site, "index.html")  # index's neighbours are Home's: only the nav names four


def test_neighbours_change_with_the_nav(tmp_path: Path) -> None:
    s = session(tmp_path)
    first = s.rebuild()
    assert 'href="two.html"' in html(first, "one.html")
    write_site(s.root, PAGES, BIB, options={"cache_dir": ".cache/litreview"}, theme="material",
               nav=[{"Home": "index.md"}, {"Part": ["two.md", "one.md"]}])
    site = s.rebuild()
    assert s.hits == 0
    assert html(site, "one.html") != html(first, "one.html")


def test_theme_options_and_template_overrides_are_read_again(tmp_path: Path) -> None:
    s = session(tmp_path)
    s.rebuild()
    write_site(s.root, PAGES, BIB, options={"cache_dir": ".cache/litreview"}, nav=NAV,
               extra={"theme": {"name": "material", "custom_dir": "overrides", "palette": {"primary": "red"}}})
    (s.root / "overrides").mkdir()
    (s.root / "overrides" / "main.html").write_text(
        '{% extends "base.html" %}{% block content %}OVERRIDE-1 {{ super() }}{% endblock %}', encoding="utf-8")
    site = s.rebuild()
    assert s.hits == 0 and 'data-md-color-primary="red"' in html(site, "one.html")
    assert "OVERRIDE-1" in html(site, "one.html")
    (s.root / "overrides" / "main.html").write_text(
        '{% extends "base.html" %}{% block content %}OVERRIDE-2 {{ super() }}{% endblock %}', encoding="utf-8")
    site = s.rebuild()
    assert s.hits == 0 and "OVERRIDE-2" in html(site, "one.html")


def test_site_options_are_read_again(tmp_path: Path) -> None:
    s = session(tmp_path, site_description="First words")
    s.rebuild()
    write_site(s.root, PAGES, BIB, options={"cache_dir": ".cache/litreview"}, nav=NAV, theme="material",
               extra={"site_description": "Second words", "extra": {"note": "x"}})
    site = s.rebuild()
    assert s.hits == 0 and "Second words" in html(site, "one.html")


def test_a_plain_build_never_uses_it(tmp_path: Path) -> None:
    root = write_site(tmp_path / "src", PAGES, BIB, options={"cache_dir": ".cache/litreview"}, nav=NAV,
                      theme="material")
    for out in ("a", "b"):
        config = load_config(str(root / "mkdocs.yml"), site_dir=str(tmp_path / out))
        config.plugins.on_startup(command="build", dirty=False)
        build(config)
        assert getattr(config.plugins["litreview"], "_render_memo", None) is None


def test_unknown_context_values_are_not_memoized() -> None:
    from litreview.rendermemo import RenderMemo, Unknown, fingerprint

    assert fingerprint({"a": [1, "x", None, 2.5]}) == fingerprint({"a": [1, "x", None, 2.5]})
    with pytest.raises(Unknown):
        fingerprint({"a": object()})
    memo = RenderMemo()
    memo.site = "x"
    assert memo.key("main.html", {"page": None}) is None  # no page: sitemap, 404 and the like
