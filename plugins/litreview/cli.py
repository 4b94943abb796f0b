"""The `litreview` command: `new` (a starter review), `check` (checks without a build), `diff` (the evidence diff
between revisions), `fmt` (normalise BibTeX)."""
from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TextIO

FORMAT_NAMES = ("text", "markdown", "json")


def _display_path(path: str | Path, root: Path) -> str:
    """Paths shown relative to the working directory when they are below it (as GitHub annotations need)."""
    try:
        return (root / path).resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return Path(path).as_posix()


def cmd_check(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from dataclasses import replace

    from .lint import FORMATTERS, ProjectError, load_project, run_checks

    started = time.monotonic()
    try:
        project = load_project(Path(args.config))
    except ProjectError as exc:
        print(f"litreview check: {exc}", file=err)
        return 2
    from .lint.findings import sort_findings
    from .living.check import currency_findings

    found = sort_findings(run_checks(project) + currency_findings(project, args.today or date.today()))
    findings = [replace(f, file=_display_path(f.file, project.root)) for f in found]
    out.write(FORMATTERS[args.format](findings))
    errors = sum(f.severity == "error" for f in findings)
    warnings = len(findings) - errors
    failed = errors > 0 or (args.warnings_as_errors and warnings > 0)
    print(f"litreview check: {errors} error(s), {warnings} warning(s) in {time.monotonic() - started:.1f} s"
          + (" (warnings count as errors)" if args.warnings_as_errors and warnings else ""), file=err)
    return 1 if failed else 0


def _fmt_targets(args: argparse.Namespace, err: TextIO) -> list[Path] | None:
    if args.files:
        return [Path(f) for f in args.files]
    from .lint import ProjectError, load_project

    try:
        project = load_project(Path(args.config))
    except ProjectError as exc:
        print(f"litreview fmt: {exc}", file=err)
        return None
    return [p for p in project.bib_paths if p.suffix != ".json"]  # CSL JSON is not BibTeX: left as it is


def cmd_fmt(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from .bibliography.fmt import BibFormatError, format_bib

    targets = _fmt_targets(args, err)
    if targets is None:
        return 2
    status = 0
    changed = []
    for path in targets:
        shown = _display_path(path, Path.cwd())
        try:
            text = path.read_bytes().decode("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            print(f"{shown}: error: cannot read the file as UTF-8 ({exc})", file=err)
            status = 1
            continue
        try:
            formatted = format_bib(text)
        except BibFormatError as exc:
            print(f"{shown}:{exc.line}: error: {exc.message}; fix it, then run litreview fmt again", file=err)
            status = 1
            continue
        if formatted == text:
            continue
        changed.append(path)
        if args.check:
            import difflib

            print(f"{shown}: would be reformatted", file=out)
            out.writelines(difflib.unified_diff(text.splitlines(keepends=True), formatted.splitlines(keepends=True),
                                                f"{shown} (now)", f"{shown} (formatted)"))
        else:
            tmp = path.with_name(f".{path.name}.litreview-fmt.tmp")
            tmp.write_text(formatted, encoding="utf-8", newline="\n")
            os.replace(tmp, path)
            print(f"reformatted {shown}", file=out)
    if args.check and changed:
        status = 1
    verb = "would reformat" if args.check else "reformatted"
    print(f"litreview fmt: {verb} {len(changed)} of {len(targets)} file(s)", file=err)
    return status


def cmd_new(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from .scaffold import ScaffoldError, new_project

    target = Path(args.folder)
    title = args.title if args.title is not None else (target.resolve().name.replace("-", " ").strip() or "A review")
    try:
        written = new_project(target, title, args.author)
    except ScaffoldError as exc:
        print(f"litreview new: {exc}", file=err)
        return 2
    except OSError as exc:
        print(f"litreview new: cannot write {target} ({exc.strerror or exc}); nothing usable was written", file=err)
        return 2
    print(f"litreview new: wrote {len(written)} files to {target}", file=err)
    print(f"Next:\n  cd {target}\n  mkdocs build --strict   # site/ and site/review.pdf\n  mkdocs serve", file=out)
    return 0


def cmd_assets(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Copy the packaged stylesheet and script into a folder of the site, for hosts without the plugin (Zensical)."""
    from .assets import PACKAGE_ASSETS, packaged_files

    target = Path(args.folder)
    written = 0
    for _site_path, source in packaged_files():
        rel = source.relative_to(PACKAGE_ASSETS)
        path = target / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(source.read_bytes())
        written += 1
    shown = target.as_posix().rstrip("/")
    print(f"litreview assets: wrote {written} files to {shown}", file=err)
    print(f"List them in the site configuration (paths relative to docs_dir):\n"
          f"  extra_css: [{shown.split('/', 1)[-1]}/litreview.css]\n"
          f"  extra_javascript: [{shown.split('/', 1)[-1]}/litreview.js]", file=out)
    return 0


def cmd_diff(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from .lint import ProjectError
    from .living.diff import FORMATS, evidence_diff
    from .living.git import GitError

    config = Path(args.config).resolve()
    try:
        diff = evidence_diff(config.parent, args.old, args.new, config.name)
    except (GitError, ProjectError) as exc:
        print(f"litreview diff: {exc}", file=err)
        return 2
    out.write(FORMATS[args.format](diff))
    return 0


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date as YYYY-MM-DD, got {text!r}") from None


def build_parser() -> argparse.ArgumentParser:
    from . import __version__

    parser = argparse.ArgumentParser(prog="litreview", description=__doc__)
    parser.add_argument("--version", action="version", version=f"litreview {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    new = sub.add_parser("new", help="write a starter review into a new (or empty) folder")
    new.add_argument("folder", help="the folder to create; it must not exist or be empty")
    new.add_argument("--title", help="the review's title (default: from the folder name)")
    new.add_argument("--author", default="The review authors", help="authors shown on the site and the PDF")
    new.set_defaults(run=cmd_new)
    copy = sub.add_parser("assets", help="copy litreview's CSS and JS into a folder (for Zensical or plain Markdown)")
    copy.add_argument("folder", help="e.g. docs/assets/litreview")
    copy.set_defaults(run=cmd_assets)
    check = sub.add_parser("check", help="check citations, BibTeX, evidence data, numbers and links (no build)")
    check.add_argument("--config", "-f", default="mkdocs.yml", help="the MkDocs configuration (default: mkdocs.yml)")
    check.add_argument("--format", choices=("text", "github", "json"), default="text",
                       help="text: path:line: severity: message; github: workflow annotations; json: a list")
    check.add_argument("--warnings-as-errors", action="store_true", help="exit 1 on warnings too")
    check.add_argument("--today", type=_day, help="the date overdue reviews are judged against (default: today)")
    check.set_defaults(run=cmd_check)
    diff = sub.add_parser("diff", help="the evidence diff between two git revisions: references, table rows, values, "
                          "citation numbers")
    diff.add_argument("old", help="the earlier revision (a tag, branch or commit)")
    diff.add_argument("new", nargs="?", help="the later revision (default: the working tree)")
    diff.add_argument("--format", choices=sorted(FORMAT_NAMES), default="text",
                      help="text, markdown (for a pull-request comment) or json")
    diff.add_argument("--config", "-f", default="mkdocs.yml", help="the MkDocs configuration (default: mkdocs.yml)")
    diff.set_defaults(run=cmd_diff)
    fmt = sub.add_parser("fmt", help="normalise BibTeX files (default: every bib file of the configuration)")
    fmt.add_argument("files", nargs="*", help=".bib files (default: bib_dir / bib_files of mkdocs.yml)")
    fmt.add_argument("--check", action="store_true", help="change nothing; exit 1 and list files that would change")
    fmt.add_argument("--config", "-f", default="mkdocs.yml", help="the MkDocs configuration (default: mkdocs.yml)")
    fmt.set_defaults(run=cmd_fmt)
    return parser


def main(argv: Sequence[str] | None = None, out: TextIO | None = None, err: TextIO | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.run(args, out or sys.stdout, err or sys.stderr))


if __name__ == "__main__":
    sys.exit(main())
