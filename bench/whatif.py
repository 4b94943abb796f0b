"""What-if measurements for the profile findings, without editing the plugin: patch in memory, rebuild, time.

    python -m bench.whatif CORPUS --scenario baseline|no-page-cache|no-exports|no-search|plain|...
    python -m bench.whatif CORPUS --hooks [--variant plain]
    python -m bench.whatif CORPUS --components

A scenario builds the corpus once in this interpreter (imports, litreview cache warm), then times `--repeat`
more builds and prints their CPU times as JSON. `--hooks` does the same with a timer around each litreview hook,
the search plugin's indexing and Markdown conversion (no profiler, so no profiler overhead). `--components`
times litreview's per-build pieces on their own.
"""
from __future__ import annotations

import argparse
import functools
import json
import logging
import os
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

SCENARIOS = ("baseline", "no-page-cache", "no-exports", "no-search", "no-exports-no-search", "plain",
             "plain-no-search")
HOOKS = ("on_config", "on_files", "on_nav", "on_page_markdown", "on_page_content", "on_env", "on_page_context",
         "on_post_build")


def _config_for(corpus: Path, scenario: str) -> Path:
    variant = "plain" if scenario.startswith("plain") else "litreview"
    source = corpus / f"mkdocs-{variant}.yml"
    if not scenario.endswith("no-search"):
        return source
    config = yaml.safe_load(source.read_text(encoding="utf-8"))
    config["plugins"] = [p for p in config["plugins"] if p != "search"]
    target = corpus / f"mkdocs-{variant}-nosearch.yml"
    target.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return target


def _load(config_file: Path, site: Path, scenario: str) -> Any:
    from mkdocs.config import load_config

    config = load_config(str(config_file), site_dir=str(site))
    if "no-exports" in scenario:  # the per-entry .bib/.ris downloads and library files left out
        config.plugins["litreview"].config["exports"] = False
    if scenario == "no-page-cache":  # every page converted and fixed again, as before the page cache
        config.plugins["litreview"].config["page_cache"] = False
    return config


class _Timers:
    """Wraps functions in place with CPU timers; `totals` holds seconds per label for the current build."""

    def __init__(self) -> None:
        self.totals: dict[str, float] = {}

    def wrap(self, owner: Any, name: str, label: str) -> None:
        original = getattr(owner, name, None)
        if original is None:
            return

        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.process_time()
            try:
                return original(*args, **kwargs)
            finally:
                self.totals[label] = self.totals.get(label, 0.0) + time.process_time() - start

        # update_wrapper keeps MkDocs' `mkdocs_priority` mark, so the hook order stays as it was.
        setattr(owner, name, functools.update_wrapper(timed, original))


def _install_timers() -> _Timers:
    import markdown
    from material.plugins.search import plugin as search
    from mkdocs.plugins import CombinedEvent

    timers = _Timers()
    timers.wrap(search.SearchIndex, "add_entry_from_context", "material search: index page HTML")
    timers.wrap(markdown.Markdown, "convert", "Markdown conversion (pages and table cells)")
    try:
        from litreview import plugin
        from litreview.citations import markdown_ext
    except ImportError:
        return timers
    for hook in HOOKS:
        member = vars(plugin.LitReviewPlugin).get(hook)
        if isinstance(member, CombinedEvent):  # time each method of a combined hook on its own
            holder = type("Methods", (), {m.__name__: m for m in member.methods})
            for method in member.methods:
                timers.wrap(holder, method.__name__, f"litreview {hook} ({method.__name__})")
            setattr(plugin.LitReviewPlugin, hook, CombinedEvent(*(vars(holder)[m.__name__] for m in member.methods)))
        elif member is not None:
            timers.wrap(plugin.LitReviewPlugin, hook, f"litreview {hook}")
    for name in ("_BracketProcessor", "_NarrativeProcessor", "_ValueProcessor"):
        if hasattr(markdown_ext, name):
            timers.wrap(getattr(markdown_ext, name), "handleMatch", f"litreview {name}.handleMatch (inside Markdown)")
    return timers


def scenario_times(corpus: Path, scenario: str, repeat: int, hooks: bool = False) -> dict[str, Any]:
    from mkdocs.commands.build import build

    logging.getLogger("mkdocs").setLevel(logging.ERROR)
    timers = _install_timers() if hooks else None
    config_file = _config_for(corpus, scenario)
    site = Path(tempfile.mkdtemp(prefix="lr-bench-whatif-"))
    cpu: list[float] = []
    parts: dict[str, list[float]] = {}
    try:
        build(_load(config_file, site, scenario))
        for _ in range(repeat):
            if timers:
                timers.totals = {}
            start = time.process_time()
            build(_load(config_file, site, scenario))
            cpu.append(time.process_time() - start)
            for label, seconds in (timers.totals.items() if timers else ()):
                parts.setdefault(label, []).append(seconds)
        content = sum(p.stat().st_size for p in site.glob("*.html"))
        index = site / "search" / "search_index.json"
        files = sum(1 for p in site.rglob("*") if p.is_file())
        return {"cpu": cpu, "html_bytes": content, "files": files,
                "search_index_bytes": index.stat().st_size if index.exists() else 0,
                "parts": {label: statistics.median(v) for label, v in parts.items()}}
    finally:
        shutil.rmtree(site, ignore_errors=True)
        if config_file.name.endswith("-nosearch.yml"):
            config_file.unlink()


def _best(fn: Callable[[], Any], repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        start = time.process_time()
        fn()
        times.append(time.process_time() - start)
    return min(times)


def components(corpus: Path) -> dict[str, float | str]:
    """litreview's per-build work piece by piece (CPU seconds, best of 3), through its current internals."""
    out: dict[str, float | str] = {}
    root = corpus.resolve()
    bib_paths = [root / "refs.bib"]

    def attempt(name: str, fn: Callable[[], Any]) -> None:
        try:
            out[name] = _best(fn)
        except Exception as exc:
            out[name] = f"n/a ({type(exc).__name__}: {exc})"[:160]

    from litreview.bibliography.load import from_json, load_bibliography, to_json

    bib = load_bibliography(bib_paths, root)
    text = to_json(bib)

    def parse() -> None:
        from litreview.bibliography import latex

        # latex_to_text keeps an in-process cache; a cold `mkdocs build` starts without it.
        getattr(latex.latex_to_text, "cache_clear", lambda: None)()
        load_bibliography(bib_paths, root)

    attempt("parse the BibTeX library (cold cache)", parse)
    attempt("read the bibliography cache (warm cache)", lambda: from_json(text))

    def identifiers() -> None:
        from litreview.bibliography.identifiers import identifier_problems

        for entry in bib.entries.values():
            identifier_problems(entry)

    attempt("identifier checks of every entry (on_config)", identifiers)

    def labels() -> None:
        from litreview.bibliography.style import short_label

        {k: short_label(e) for k, e in bib.entries.items()}

    attempt("chart labels of every entry (on_config)", labels)

    def formatting() -> None:
        from litreview.bibliography.style import format_entries

        format_entries(list(bib.entries.values()), "vancouver", bib.entries)

    attempt("format every entry, Vancouver (on_env)", formatting)

    def datasets() -> None:
        from litreview.tables.load import load_datasets

        load_datasets(root / "docs" / "data", root)

    attempt("load + validate the evidence YAML (on_config)", datasets)

    def urls() -> None:
        from mkdocs.utils import get_relative_url

        pages = [f"ch{i:03d}.html" for i in range(len(list((root / "docs").glob("ch*.md"))) + 2)]
        for page in pages:  # what on_page_context does for every page
            {p: get_relative_url(p, page) for p in pages}

    attempt("page-URL map rebuilt on every page (on_page_context)", urls)

    def exports() -> None:
        from litreview.bibliography.export import write_library_exports

        site = Path(tempfile.mkdtemp(prefix="lr-bench-exports-"))
        try:
            write_library_exports(bib, list(bib.entries), site, "bibliography")
        finally:
            shutil.rmtree(site, ignore_errors=True)

    attempt("library exports, 2 files per entry + 3 (on_post_build)", exports)
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--scenario", choices=SCENARIOS)
    parser.add_argument("--components", action="store_true")
    parser.add_argument("--hooks", action="store_true", help="time litreview's hooks in the baseline build")
    parser.add_argument("--variant", choices=("litreview", "plain"), default="litreview")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")
    if args.components:
        print(json.dumps(components(args.corpus)))
    elif args.scenario or args.hooks:
        scenario = args.scenario or ("plain" if args.variant == "plain" else "baseline")
        result = scenario_times(args.corpus, scenario, args.repeat, hooks=args.hooks)
        result["median"] = statistics.median(result["cpu"])
        print(json.dumps(result))
    else:
        parser.error("give --scenario or --components")


if __name__ == "__main__":
    main()
