"""Git through `subprocess` with a timeout: versions, dates and the files of a revision; never a traceback."""
from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

TIMEOUT = 60


class GitError(Exception):
    """Git is missing, the folder is no repository, or a revision is unknown: the message says what to do."""


def run_git(root: Path, *args: str, data: bytes | None = None) -> bytes:
    try:
        out = subprocess.run(["git", *args], cwd=root, capture_output=True, input=data, timeout=TIMEOUT, check=False)
    except FileNotFoundError as exc:
        raise GitError("git is not installed or not on PATH") from exc
    except (OSError, subprocess.SubprocessError) as exc:
        raise GitError(f"git {args[0]} failed ({exc})") from exc
    if out.returncode != 0:
        message = out.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitError(f"git {args[0]}: {message[-1] if message else 'failed'}")
    return out.stdout


def git_text(root: Path, *args: str) -> str:
    return run_git(root, *args).decode("utf-8", "replace")


def is_repository(root: Path) -> bool:
    try:
        return git_text(root, "rev-parse", "--is-inside-work-tree").strip() == "true"
    except GitError:
        return False


def is_shallow(root: Path) -> bool:
    try:
        return git_text(root, "rev-parse", "--is-shallow-repository").strip() == "true"
    except GitError:
        return False


def resolve(root: Path, rev: str) -> str:
    """The commit a revision names, or a GitError that says how to get it."""
    if rev.startswith("-"):
        raise GitError(f"'{rev}' is not a revision")
    try:
        return git_text(root, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}").strip()
    except GitError:
        hint = (" (this is a shallow clone: fetch the history first, e.g. `git fetch --unshallow` or actions/checkout "
                "with fetch-depth: 0)" if is_shallow(root) else "; check the name with `git log --oneline` or "
                "`git tag`")
        raise GitError(f"unknown revision '{rev}'{hint}") from None


def parent(root: Path, commit: str) -> str | None:
    try:
        return git_text(root, "rev-parse", "--verify", "--quiet", f"{commit}^1").strip() or None
    except GitError:
        return None


def read_tree(root: Path, commit: str, suffixes: tuple[str, ...]) -> dict[str, bytes]:
    """Every file of `commit` whose name ends in one of `suffixes`, as {path: bytes}, read in one git process."""
    names = [n for n in git_text(root, "ls-tree", "-r", "-z", "--name-only", commit).split("\0")
             if n and n.endswith(suffixes)]
    if not names:
        return {}
    batch = run_git(root, "cat-file", "--batch", data="".join(f"{commit}:{n}\n" for n in names).encode())
    files: dict[str, bytes] = {}
    pos = 0
    for name in names:
        end = batch.index(b"\n", pos)
        header = batch[pos:end].split()
        pos = end + 1
        if len(header) < 3 or header[1] != b"blob":
            continue
        size = int(header[2])
        files[name] = batch[pos:pos + size]
        pos += size + 1
    return files


@dataclass(frozen=True)
class Commit:
    sha: str
    date: str  # YYYY-MM-DD, committer date
    timestamp: str  # ISO 8601 with offset, for the feed
    subject: str


_FORMAT = "%H%x00%cs%x00%cI%x00%s"


def commit_info(root: Path, rev: str) -> Commit:
    sha, date, stamp, subject = git_text(root, "log", "-1", f"--format={_FORMAT}", rev, "--").rstrip("\n").split("\0")
    return Commit(sha, date, stamp, subject)


def describe(root: Path) -> str:
    """The nearest `v*` tag of HEAD (`v1.2`, or `v1.2-3-gabc1234` after it); empty without one."""
    try:
        return git_text(root, "describe", "--tags", "--match", "v*").strip()
    except GitError:
        return ""
