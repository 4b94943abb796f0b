"""What the build may read: regular files whose real path stays inside a folder (no symlink out, no FIFO)."""
from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from pathlib import Path

from .errors import Problem, SourceLocation


def _shown(path: Path, root: Path) -> str:
    try:
        return path.absolute().relative_to(root.absolute()).as_posix()
    except ValueError:
        return path.as_posix()


def refusal(path: Path, inside: Path, root: Path) -> str | None:
    """Why `path` may not be read (its real path leaves `inside`, or it is not a regular file); None if it may.

    Never opens the file, so a FIFO or a device cannot block or feed the build.
    """
    try:
        real = path.resolve(strict=True)
    except (OSError, RuntimeError):  # a dangling link, a link loop
        return "a broken or looping link; remove it"
    if not real.is_relative_to(inside.resolve()):
        return (f"a link to {real}, outside {_shown(inside, root) or '.'}/: not read and not published; "
                "copy the file into the project instead")
    try:
        mode = os.stat(real).st_mode
    except OSError as exc:
        return f"cannot be read ({exc.strerror})"
    if not stat.S_ISREG(mode):
        return "not a regular file (a FIFO, a device or a socket): not read and not published; remove it"
    return None


def confine(paths: Iterable[Path], inside: Path, root: Path) -> tuple[list[Path], list[Problem]]:
    """The paths that may be read, and one problem (naming the link and its target) for each that may not."""
    kept: list[Path] = []
    problems: list[Problem] = []
    for path in paths:
        why = refusal(path, inside, root)
        if why is None:
            kept.append(path)
        else:
            problems.append(Problem(SourceLocation(_shown(path, root)), why))
    return kept, problems
