"""Per-build state of the living-review features, built in `on_config`; the plugin's hooks call it in a line each."""
from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files
from mkdocs.utils import get_relative_url

from ..errors import Problem
from .citation import (
    ReviewRecord,
    highwire_tags,
    insert_in_head,
    split_authors,
    version_html,
    version_of,
    write_cite_files,
)
from .currency import MARKER, Currency, currency_html, currency_table, parse_currency
from .git import is_repository

if TYPE_CHECKING:
    from .history import History

WHATS_NEW_MARKER = "<!-- litreview:whats-new -->"
log = logging.getLogger("mkdocs.plugins.litreview")


class LivingManager:
    def __init__(self, options: object, root: Path, config_name: str, record: ReviewRecord,
                 content_paths: list[str]) -> None:
        self.options = options
        self.root = root
        self.config_name = config_name
        self.record = record
        self.content_paths = content_paths
        self.currency: dict[str, Currency] = {}
        self.head: dict[str, tuple[str, str, str]] = {}  # page src_uri -> (title, date, pdf url)
        self._history: History | None = None
        self.whats_new_url = ""

    @classmethod
    def create(cls, options: object, root: Path, config_file: str, *, title: str, authors: str, site_url: str,
               content_paths: list[str]) -> LivingManager:
        version, date = version_of(root, str(getattr(options, "version", "")))
        record = ReviewRecord(title, split_authors(authors), version, date, site_url,
                              str(getattr(options, "doi", "")), str(getattr(options, "version_doi", "")))
        return cls(options, root, Path(config_file).name, record, content_paths)

    def opt(self, name: str) -> object:
        return getattr(self.options, name)

    # ------------------------------------------------------------------------------------ currency
    def read_pages(self, pages: Iterable[tuple[str, str, str]]) -> list[Problem]:
        """(src_uri, project-relative path, Markdown source) of every page -> currency, and malformed dates."""
        problems: list[Problem] = []
        interval = self.opt("review_interval_months")
        for src_uri, path, source in pages:
            currency, found = parse_currency(source, path, interval if isinstance(interval, int) else None)
            problems += found
            self.currency[src_uri] = currency
        return problems

    def page_html(self, src_uri: str, html: str, rows: Callable[[], list[tuple[str, str, str]]], feed_url: str) -> str:
        """The page with its currency sentence after the title, and the overview or What's new where they belong.

        `rows()` gives (title, relative URL, src_uri) of the nav's pages, for the overview of every chapter's dates.
        """
        currency = self.currency.get(src_uri)
        sentence = currency_html(currency) if currency else ""
        if sentence:
            end = html.find("</h1>")
            html = html[:end + 5] + "\n" + sentence + html[end + 5:] if end >= 0 else sentence + html
        if MARKER in html or src_uri == self.opt("currency_page"):
            table = currency_table([(title, url, self.currency[uri]) for title, url, uri in rows()
                                    if uri in self.currency and self.currency[uri].stated])
            html = html.replace(MARKER, table) if MARKER in html else html + table
        if WHATS_NEW_MARKER in html:
            from .history import whats_new_html  # the history and its diffs are read only where they are shown

            html = html.replace(WHATS_NEW_MARKER, whats_new_html(self.history(), feed_url))
        return html

    # ------------------------------------------------------------------------------------ history
    def history(self) -> History:
        from .history import load_history

        if self._history is None:
            self._history = load_history(self.root, self.content_paths, int(str(self.opt("history_limit"))),
                                         self.config_name)
            if self._history.note:
                log.info(f"litreview: What's new: {self._history.note}")
        return self._history

    def whats_new_source(self) -> str:
        return f"# What's new\n\n{WHATS_NEW_MARKER}\n"

    # ------------------------------------------------------------------------------------ citation
    def box_html(self, root_prefix: str) -> str:
        return version_html(self.record, root_prefix)

    def cover_version(self) -> str:
        record = self.record
        return f"{record.version or 'unreleased'} ({record.date})" if record.date else record.version

    def remember_head(self, src_uri: str, title: str, date: str, pdf_url: str) -> None:
        self.head[src_uri] = (title, date, pdf_url)

    def add_head(self, src_uri: str, output: str) -> str:
        facts = self.head.get(src_uri)
        if facts is None:
            return output
        title, date, pdf_url = facts
        return insert_in_head(output, highwire_tags(title, self.record, date or self.record.date, pdf_url))

    def add_files(self, files: Files, config: MkDocsConfig) -> None:
        """The What's new page (unless the site has its own) and the feed's name, so links to them are valid."""
        name = str(self.opt("whats_new"))
        if not name:
            return
        page = files.get_file_from_path(name)
        if page is None and not is_repository(self.root):
            # Without git there is no history to show: no page and no feed (a page of its own still gets the note).
            log.info("litreview: What's new and the feed are left out: the review is not in a git repository")
            return
        if page is None:
            page = File.generated(config, name, content=self.whats_new_source())
            files.append(page)
        self.whats_new_url = page.url
        feed = str(self.opt("feed"))
        if feed and files.get_file_from_path(feed) is None:
            files.append(File.generated(config, feed, content=b""))

    def feed_url(self, page_url: str) -> str:
        feed = str(self.opt("feed"))
        return get_relative_url(feed, page_url) if feed and self.whats_new_url else ""

    def post_build(self, site_dir: Path, site_url: str) -> None:
        """The "Cite this version" files and the Atom feed."""
        write_cite_files(self.record, site_dir)
        feed = str(self.opt("feed"))
        if not (feed and self.whats_new_url):
            return
        base = site_url.rstrip("/") + "/" if site_url else ""
        from .feed import atom_feed

        data = atom_feed(self.history(), self.record.title, ", ".join(self.record.authors), base,
                         base + self.whats_new_url, base + feed)
        (site_dir / feed).write_bytes(data)
