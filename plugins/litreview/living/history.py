"""The review's versions from git (tags `v*`, else the last commits touching content), each with its evidence diff."""
from __future__ import annotations

import re
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING

from .git import Commit, GitError, commit_info, git_text, is_repository, is_shallow, parent

SHALLOW = ("The history is not available: this is a shallow clone. Build from a full clone (for example "
           "actions/checkout with fetch-depth: 0) to list the versions.")
if TYPE_CHECKING:  # the diff's code (and the lint it reuses) is imported only when there is a version to compare
    from .diff import EvidenceDiff, Snapshot

NO_GIT = "The history is not available: the review is not built from a git repository."
NO_HISTORY = "No version yet: tag a release (`git tag -a v1.0 -m \"…\"`) or commit the content."


@dataclass(frozen=True)
class Version:
    name: str  # the tag, or the short commit
    anchor: str
    commit: Commit
    summary: str
    diff: EvidenceDiff | None  # None for the first version (nothing to compare with)
    first: bool = False


@dataclass(frozen=True)
class History:
    versions: tuple[Version, ...]
    note: str = ""  # why there are none (shallow clone, no git), shown instead of the list


def anchor_for(name: str) -> str:
    return "v-" + (re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "x")


def _tags(root: Path) -> list[tuple[str, str, str]]:
    """(tag, commit, message subject) of `v*` tags, newest version first."""
    out = git_text(root, "for-each-ref", "--sort=-v:refname",
                   "--format=%(refname:short)%00%(*objectname)%00%(objectname)%00%(contents:subject)", "refs/tags/v*")
    tags = []
    for line in out.splitlines():
        name, peeled, obj, subject = [*line.split("\0"), "", "", ""][:4]
        tags.append((name, peeled or obj, subject))
    return tags


def _content_commits(root: Path, paths: list[str], limit: int) -> list[str]:
    out = git_text(root, "log", f"-n{limit + 1}", "--format=%H", "--", *paths)
    return out.split()


def load_history(root: Path, content_paths: list[str], limit: int, config_name: str = "mkdocs.yml") -> History:
    """Versions newest first; a shallow clone, no repository or no commits give a note instead (never an error)."""
    if not is_repository(root):
        return History((), NO_GIT)
    if is_shallow(root):
        return History((), SHALLOW)
    try:
        tags = _tags(root)
        if tags:
            points = [(name, sha, subject) for name, sha, subject in tags[:limit + 1]]
            complete = len(tags) <= limit  # the oldest tag shown is the first version
        else:
            shas = _content_commits(root, content_paths, limit)
            points = [(sha[:7], sha, "") for sha in shas]
            complete = len(shas) <= limit
    except GitError:
        return History((), NO_HISTORY)
    if not points:
        return History((), NO_HISTORY)
    from .diff import compare, snapshot_at

    cache: dict[str, Snapshot | None] = {}

    def snap(sha: str | None) -> Snapshot | None:
        if sha is None:
            return None
        if sha not in cache:
            try:
                cache[sha] = snapshot_at(root, sha, config_name)
            except (GitError, OSError):
                cache[sha] = None
        return cache[sha]

    versions = []
    for i, (name, sha, subject) in enumerate(points[:limit]):
        commit = commit_info(root, sha)
        before: str | None = points[i + 1][1] if i + 1 < len(points) else None
        if before is None and not (tags and complete):  # the oldest commit shown: compare with its parent
            before = parent(root, sha)
        new, old = snap(sha), snap(before)
        diff = compare(old, new, points[i + 1][0] if i + 1 < len(points) else (before or "")[:7], name) \
            if old is not None and new is not None else None
        versions.append(Version(name, anchor_for(name), commit, subject or commit.subject, diff, diff is None))
    return History(tuple(versions), "" if versions else NO_HISTORY)


def diff_html(diff: EvidenceDiff) -> str:
    """The evidence diff of one version as HTML lists (every value escaped)."""
    from .diff import _lines

    def code(text: str) -> str:
        return f"<code>{escape(text)}</code>"

    parts = [f"<p>{escape(diff.summary()).capitalize() or 'No change in the evidence'}.</p>\n"]
    for title, items in _lines(diff, escape, code):
        parts.append(f"<p><strong>{escape(title)}</strong></p>\n<ul>\n"
                     + "".join(f"<li>{item}</li>\n" for item in items) + "</ul>\n")
    return "".join(parts)


def version_html(version: Version) -> str:
    body = diff_html(version.diff) if version.diff else "<p>The first version.</p>\n"
    date = version.commit.date
    return (f'<section class="lr-version" id="{escape(version.anchor)}">\n'
            f'<h2>{escape(version.name)} <small>(<time datetime="{escape(date)}">{escape(date)}</time>)</small></h2>\n'
            f"<p>{escape(version.summary)}</p>\n{body}</section>\n")


def whats_new_html(history: History, feed_url: str = "") -> str:
    """The What's new page body: one section per version, newest first, or the note that explains their absence."""
    feed = (f'<p class="lr-feed"><a href="{escape(feed_url)}" type="application/atom+xml">Subscribe to updates '
            "(Atom feed)</a></p>\n" if feed_url else "")
    if not history.versions:
        return f'{feed}<p class="lr-history-note">{escape(history.note)}</p>\n'
    return feed + "".join(version_html(v) for v in history.versions)
