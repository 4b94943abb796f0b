"""The page cache: a warm build writes exactly what a build without it writes, and every change shows up.

A cached page skips Markdown conversion; anything that conversion depends on must invalidate it, and every
message the conversion logged must be logged again, or a warm `--strict` build would pass a broken page.
"""
from __future__ import annotations

import json
import logging
import os
import shutil
from pathlib import Path

import markdown
import pytest
from helpers import bib_entry, build_site, write_site
from test_determinism import tree

BIB = bib_entry("a2020", "First", "Doe, Jane", "2020") + bib_entry("b2021", "Second", "Roe, Rick", "2021")
DATA = """\
title: Doses
columns:
  - {id: source, label: Study, type: citation}
  - {id: n, label: Patients, type: integer}
rows:
  - {id: one, source: a2020, n: 26}
"""
PAGES = {
    "index.md": "# Overview\n\n## Part\n\nText [@a2020] with {{doses.one.n}} patients; "
                "see [the chapter](chapter.md#part).\n",
    "chapter.md": "# Chapter\n\n## Part\n\nMore @b2021 [p. 4].\n",
}
CACHED = {"cache_dir": ".cache/litreview"}


def site(tmp_path: Path, pages: dict[str, str] | None = None, **options: object) -> Path:
    return write_site(tmp_path / "site-src", pages or PAGES, BIB, data={"doses.yaml": DATA},
                      options={**CACHED, **options}, nav=["index.md", "chapter.md"])


def entries(root: Path, cache: str = "pages") -> dict[str, dict[str, object]]:
    """The entries of one of the page caches (its pack file), by key."""
    from litreview.jsonstore import PACK, _decode_pack

    pack = root / ".cache" / "litreview" / cache / PACK
    return (_decode_pack(pack.read_text(encoding="utf-8")) or {}) if pack.is_file() else {}


def test_warm_build_writes_what_an_uncached_build_writes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    root = site(tmp_path)
    cold = build_site(root, site_dir=tmp_path / "cold")
    assert len(entries(root)) == 2
    calls: list[str] = []
    original = markdown.Markdown.convert
    monkeypatch.setattr(markdown.Markdown, "convert", lambda self, text: calls.append(text) or original(self, text))
    warm = build_site(root, site_dir=tmp_path / "warm")
    assert [c for c in calls if c.strip()] == [], "a cached page was converted again"
    write_site(root, PAGES, BIB, data={"doses.yaml": DATA}, options={**CACHED, "page_cache": False},
               nav=["index.md", "chapter.md"])
    uncached = build_site(root, site_dir=tmp_path / "uncached")
    assert [r.error for r in (cold, warm, uncached)] == [None, None, None]
    assert tree(tmp_path / "warm") == tree(tmp_path / "cold") == tree(tmp_path / "uncached")
    html = (tmp_path / "warm" / "index.html").read_text(encoding="utf-8")
    assert 'id="part"' in html and "26" in html and 'href="#ref-a2020"' in html


def test_an_edited_page_is_converted_again_and_its_old_entry_removed(tmp_path: Path) -> None:
    root = site(tmp_path)
    assert build_site(root).error is None
    before = set(entries(root))
    (root / "docs" / "chapter.md").write_text("# Chapter\n\n## Part\n\nNow citing [@a2020; @b2021].\n",
                                              encoding="utf-8")
    result = build_site(root)
    assert result.error is None
    assert 'href="#ref-b2021" aria-describedby="ref-text-1 ref-text-2">2</a>]' in result.article("chapter.html")
    after = set(entries(root))
    assert len(after) == 2 and len(after & before) == 1  # the index entry kept, the chapter's replaced


def test_changed_evidence_data_changes_inline_values(tmp_path: Path) -> None:
    root = site(tmp_path)
    assert 'class="lr-value">26' in build_site(root).article()
    (root / "docs" / "data" / "doses.yaml").write_text(DATA.replace("n: 26", "n: 31"), encoding="utf-8")
    article = build_site(root).article()
    assert 'class="lr-value">31' in article and 'class="lr-value">26' not in article


def test_changed_extension_options_convert_again(tmp_path: Path) -> None:
    root = site(tmp_path)
    assert 'class="headerlink"' not in build_site(root).article()
    write_site(root, PAGES, BIB, data={"doses.yaml": DATA}, options=CACHED, nav=["index.md", "chapter.md"],
               extra={"markdown_extensions": [{"toc": {"permalink": True}}]})
    assert 'class="headerlink"' in build_site(root).article()


def test_messages_of_a_cached_page_are_logged_again_and_strict_still_fails(tmp_path: Path) -> None:
    pages = {**PAGES, "chapter.md": PAGES["chapter.md"] + "\nA [broken link](missing.md) and {{doses.nope.n}}.\n"}
    root = site(tmp_path, pages)
    cold = build_site(root)
    warm = build_site(root)
    strict_warm = build_site(root, strict=True, site_dir=tmp_path / "strict")
    assert len(entries(root)) == 2  # the page with problems is cached too: its messages are stored with it
    for result in (cold, warm):
        assert any("missing.md" in w for w in result.warnings), result.warnings
        assert any("has no row 'nope'" in w for w in result.warnings), result.warnings
    assert sorted(cold.warnings) == sorted(warm.warnings)
    assert strict_warm.error is not None and "strict" in strict_warm.error


def test_a_damaged_pack_is_made_again(tmp_path: Path) -> None:
    from litreview.jsonstore import PACK

    root = site(tmp_path)
    assert build_site(root).error is None
    pack = root / ".cache" / "litreview" / "pages" / PACK
    text = pack.read_text(encoding="utf-8")
    for damaged in (text[: len(text) - 10], '{"version": "something else"}\n', "not json\n", ""):
        pack.write_text(damaged, encoding="utf-8")  # cut short, as by a crash while writing; or foreign
        result = build_site(root)
        assert result.error is None and 'href="#ref-a2020"' in result.article()
        assert len(entries(root)) == 2 and all(e.get("html") for e in entries(root).values())


def test_a_cold_build_writes_one_file_per_cache(tmp_path: Path) -> None:
    """Creating files costs more than writing bytes: a cache holds its pages in one pack file."""
    root = site(tmp_path, {**PAGES, "chapter.md": PAGES["chapter.md"] + "\n<!-- evidence-table doses -->\n"})
    assert build_site(root).error is None
    for cache in ("pages", "fixed", "content"):
        assert [p.name for p in (root / ".cache" / "litreview" / cache).iterdir()] == ["pack.txt"], cache
    assert len(entries(root, "pages")) == 2 and len(entries(root, "fixed")) == 2
    assert len(entries(root, "content")) == 2


def test_snippets_turn_the_page_cache_off(tmp_path: Path) -> None:
    pytest.importorskip("pymdownx")
    root = tmp_path / "s"
    write_site(root, {"index.md": "# A\n\n--8<-- \"part.txt\"\n"}, BIB, options=CACHED,
               extra={"markdown_extensions": [{"pymdownx.snippets": {"base_path": [str(root)]}}]})
    (root / "part.txt").write_text("Included [@a2020].\n", encoding="utf-8")
    assert "Included" in build_site(root).article()
    (root / "part.txt").write_text("Changed [@a2020].\n", encoding="utf-8")
    assert "Changed" in build_site(root).article()
    assert entries(root) == {}


def test_no_cache_folder_means_no_page_cache(tmp_path: Path) -> None:
    root = site(tmp_path, cache_dir="")
    assert build_site(root).error is None
    assert not (root / ".cache").exists()


def test_serve_keeps_pages_in_memory_between_rebuilds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`mkdocs serve` keeps a plugin that has `on_startup`: unchanged pages come from memory, edits show."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    root = site(tmp_path)

    def rebuild(out: str) -> Path:
        config = load_config(str(root / "mkdocs.yml"), site_dir=str(tmp_path / out))
        if out == "first":
            config.plugins.on_startup(command="serve", dirty=False)
        build(config)
        return tmp_path / out

    first = rebuild("first")
    try:
        shutil.rmtree(root / ".cache" / "litreview" / "pages")  # only memory can answer now
        calls: list[str] = []
        original = markdown.Markdown.convert
        monkeypatch.setattr(markdown.Markdown, "convert",
                            lambda self, text: calls.append(text) or original(self, text))
        second = rebuild("second")
        assert [c for c in calls if c.strip()] == []
        assert tree(second) == tree(first)
        (root / "docs" / "chapter.md").write_text("# Chapter\n\nEdited @a2020.\n", encoding="utf-8")
        third = rebuild("third")
        assert "Edited" in (third / "chapter.html").read_text(encoding="utf-8")
        assert [c for c in calls if c.strip()] == ["# Chapter\n\nEdited @a2020.\n"]
    finally:  # the session ends with the test, as `mkdocs serve` ends it
        load_config(str(root / "mkdocs.yml")).plugins.on_shutdown()


def test_a_dirty_build_is_warned_about(tmp_path: Path) -> None:
    from mkdocs.config import load_config

    root = site(tmp_path)
    config = load_config(str(root / "mkdocs.yml"), site_dir=str(tmp_path / "out"))
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append  # type: ignore[method-assign]
    logging.getLogger("mkdocs").addHandler(handler)
    try:
        config.plugins.on_startup(command="serve", dirty=False)
        assert records == []
        config.plugins.on_startup(command="serve", dirty=True)
    finally:
        logging.getLogger("mkdocs").removeHandler(handler)
        config.plugins.on_shutdown()
    assert [r.levelname for r in records] == ["WARNING"] and "--dirty" in records[0].getMessage()


def test_the_bibliography_follows_the_pages_that_cite(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The bibliography is cached too; its "Cited in" links and per-entry downloads stay right when warm."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    bib = BIB + bib_entry("c2022", "Never cited", "Poe, Edgar", "2022")
    pages = {**PAGES, "references.md": "# References\n\n<!-- bibliography all -->\n"}
    root = write_site(tmp_path / "b", pages, bib, data={"doses.yaml": DATA}, options=CACHED,
                      nav=["index.md", "chapter.md", "references.md"])
    cold = build_site(root, site_dir=tmp_path / "cold")
    warm = build_site(root, site_dir=tmp_path / "warm")
    assert (cold.error, warm.error) == (None, None)
    assert tree(tmp_path / "cold") == tree(tmp_path / "warm")
    script = (tmp_path / "warm" / "bibliography" / "entries.js").read_text(encoding="utf-8")
    assert '"c2022"' in script  # listed by `bibliography all`, so downloadable, also when the page came from cache
    (root / "docs" / "chapter.md").write_text("# Renamed chapter\n\nMore @b2021 [p. 4].\n", encoding="utf-8")
    again = build_site(root, site_dir=tmp_path / "again")
    assert again.error is None
    assert 'Cited in: <a href="chapter.html">Renamed chapter</a>' in again.page("references.html")


def test_serve_skips_the_pdf_unless_asked(tmp_path: Path) -> None:
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    root = write_site(tmp_path / "p", PAGES, BIB, data={"doses.yaml": DATA},
                      options={**CACHED, "pdf": {"enabled": True}}, nav=["index.md", "chapter.md"])
    config = load_config(str(root / "mkdocs.yml"), site_dir=str(tmp_path / "served"))
    config.plugins.on_startup(command="serve", dirty=False)
    try:
        build(config)
    finally:
        config.plugins.on_shutdown()
    assert not (tmp_path / "served" / "review.pdf").exists()
    config = load_config(str(root / "mkdocs.yml"), site_dir=str(tmp_path / "built"))
    config.plugins.on_startup(command="build", dirty=False)
    build(config)
    assert (tmp_path / "built" / "review.pdf").stat().st_size > 1000  # the same site, built: the PDF is there


def test_a_quiet_build_does_not_hide_warnings_from_a_later_strict_one(tmp_path: Path) -> None:
    """`mkdocs build -q` creates no warning records; its cache entries must not serve a later strict build."""
    pages = {**PAGES, "chapter.md": PAGES["chapter.md"] + "\nA [broken link](missing.md).\n"}
    root = site(tmp_path, pages)
    logger = logging.getLogger("mkdocs")
    level = logger.level
    logger.setLevel(logging.ERROR)  # what -q does
    try:
        assert build_site(root).error is None
    finally:
        logger.setLevel(level)
    strict = build_site(root, strict=True, site_dir=tmp_path / "strict")
    assert strict.error is not None and any("missing.md" in w for w in strict.warnings)


def test_messages_from_other_threads_are_not_stored_with_a_page() -> None:
    """`mkdocs serve` logs from its server thread while pages convert; those lines belong to no page."""
    import threading

    from litreview.pagecache import MessageRecorder

    with MessageRecorder() as recorder:
        logging.getLogger("mkdocs.test").warning("from the page")
        other = threading.Thread(target=lambda: logging.getLogger("mkdocs.test").warning("from the server"))
        other.start()
        other.join()
    assert [message for _, _, message in recorder.records] == ["from the page"]


def test_caches_keep_only_what_the_last_build_used(tmp_path: Path) -> None:
    """Editing the library or the data leaves old cache entries behind; the next build removes them."""
    root = site(tmp_path)
    assert build_site(root).error is None
    cache = root / ".cache" / "litreview"

    def names() -> dict[str, set[str]]:
        return {folder: {p.name for p in (cache / folder).iterdir()} for folder in ("bib", "exports", "data")}

    def age() -> None:  # as if the last build were long ago: only what the next one uses is kept
        for path in cache.rglob("*"):
            os.utime(path, (1_000_000_000, 1_000_000_000))

    first = names()
    assert all(first.values()), first
    age()
    again = build_site(root)  # unchanged: everything is used again, nothing is removed
    assert again.error is None and names() == first
    age()
    (root / "refs.bib").write_text(BIB.replace("First", "Changed"), encoding="utf-8")
    (root / "docs" / "data" / "doses.yaml").write_text(DATA.replace("n: 26", "n: 27"), encoding="utf-8")
    assert build_site(root).error is None
    second = names()
    for folder in ("bib", "exports", "data"):
        assert second[folder] and not (second[folder] & first[folder]) or folder == "data", (folder, second)
    assert len(second["data"]) == len(first["data"]) and second["data"] != first["data"]


def test_tables_and_charts_are_kept_by_content_and_their_messages_replayed(tmp_path: Path,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """A page's rendered tables are reused on a warm build: same HTML, downloads and warnings; new data shows."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    pages = {**PAGES, "chapter.md": PAGES["chapter.md"] + "\n<!-- evidence-table doses caption=\"Doses\" -->\n\n"
             "<!-- evidence-table doses columns=source,nope -->\n\n<img src=x onerror=alert(1)>\n"}
    root = site(tmp_path, pages)
    cold = build_site(root, site_dir=tmp_path / "cold")
    assert len(entries(root, "content")) == 2  # every page: its checked HTML, tables and citations
    from litreview.tables.manager import TableManager

    calls: list[str] = []
    original = TableManager.expand_directives
    monkeypatch.setattr(TableManager, "expand_directives", lambda self, *a: calls.append(a[1]) or original(self, *a))
    warm = build_site(root, site_dir=tmp_path / "warm")
    assert calls == []
    assert tree(tmp_path / "warm") == tree(tmp_path / "cold")
    assert sorted(warm.litreview_warnings) == sorted(cold.litreview_warnings)
    assert any("nope" in w for w in warm.litreview_warnings) and any("onerror" in w for w in warm.litreview_warnings)
    assert "one,a2020,26" in (tmp_path / "warm" / "downloads" / "chapter-table-doses-1.csv").read_text()
    assert build_site(root, strict=True, site_dir=tmp_path / "strict").error is not None
    (root / "docs" / "data" / "doses.yaml").write_text(DATA.replace("n: 26", "n: 9731"), encoding="utf-8")
    changed = build_site(root, site_dir=tmp_path / "changed")
    assert "9731" in changed.article("chapter.html")

