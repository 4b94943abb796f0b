"""cProfile one in-process MkDocs build of a generated corpus and summarise where litreview spends its time.

    python -m bench.profile bench/out/corpora/M/mkdocs-litreview.yml --out bench/out/M.prof [--warm]
"""
from __future__ import annotations

import argparse
import cProfile
import json
import logging
import os
import pstats
import shutil
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

PLUGIN_DIR = "plugins/litreview/"
# What litreview adds to a build: its MkDocs hooks, plus the Markdown extension MkDocs runs while rendering.
ENTRY_POINTS = [
    ("plugin.py", "on_config"), ("plugin.py", "on_nav"), ("plugin.py", "on_page_markdown"),
    ("plugin.py", "on_page_content"), ("plugin.py", "on_env"), ("plugin.py", "on_page_context"),
    ("plugin.py", "on_post_build"), ("markdown_ext.py", "handleMatch"), ("markdown_ext.py", "run"),
]


@dataclass(frozen=True)
class Row:
    function: str
    ncalls: int
    tottime: float
    cumtime: float


def build_profiled(config_file: Path, out: Path, warm: bool) -> float:
    """Build once under cProfile (after an unprofiled build if `warm`); returns the profiled wall time."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    logging.getLogger("mkdocs").setLevel(logging.ERROR)
    root = config_file.resolve().parent
    site = Path(tempfile.mkdtemp(prefix="lr-bench-prof-"))
    try:
        if not warm:
            shutil.rmtree(root / ".cache", ignore_errors=True)
        else:
            build(load_config(str(config_file), site_dir=str(site)))
        profiler = cProfile.Profile()
        start = time.perf_counter()
        profiler.enable()
        build(load_config(str(config_file), site_dir=str(site)))
        profiler.disable()
        elapsed = time.perf_counter() - start
        profiler.dump_stats(str(out))
        return elapsed
    finally:
        shutil.rmtree(site, ignore_errors=True)


def _name(func: tuple[str, int, str]) -> str:
    path, line, name = func
    for marker in (PLUGIN_DIR, "site-packages/", "lib/python3"):
        if marker in path:
            path = path.split(marker, 1)[1]
            if marker == PLUGIN_DIR:
                path = "litreview/" + path
            break
    return f"{path}:{line}({name})" if line else name


def _rows(stats: pstats.Stats, keep: object = None) -> list[tuple[tuple[str, int, str], Row]]:
    out = []
    for func, (_cc, nc, tt, ct, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        out.append((func, Row(_name(func), nc, tt, ct)))
    return out


def summarise(prof: Path, top: int = 25) -> dict[str, object]:
    stats = pstats.Stats(str(prof))
    rows = _rows(stats)
    total = max(r.cumtime for _, r in rows)
    by_cum = sorted((r for _, r in rows), key=lambda r: r.cumtime, reverse=True)[:top]
    ours = [(f, r) for f, r in rows if PLUGIN_DIR in f[0]]
    by_self = sorted((r for _, r in ours), key=lambda r: r.tottime, reverse=True)[:15]
    hooks = []
    for filename, name in ENTRY_POINTS:
        for f, r in ours:
            if f[0].endswith(filename) and f[2] == name:
                hooks.append(r)
    return {
        "total": total,
        "top_cumulative": [asdict(r) for r in by_cum],
        "litreview_self": [asdict(r) for r in by_self],
        "litreview_entry_points": [asdict(r) for r in sorted(hooks, key=lambda r: r.cumtime, reverse=True)],
        "litreview_total": sum(r.cumtime for r in hooks),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("config", type=Path)
    parser.add_argument("--out", type=Path, required=True, help="the .prof file to write")
    parser.add_argument("--warm", action="store_true", help="profile a second build (litreview cache present)")
    parser.add_argument("--json", type=Path, help="also write the summary as JSON here")
    args = parser.parse_args(argv)
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")
    elapsed = build_profiled(args.config, args.out, args.warm)
    summary = summarise(args.out)
    summary["wall"] = elapsed
    if args.json:
        args.json.write_text(json.dumps(summary, indent=2), encoding="utf-8")
    print(f"profiled build: {elapsed:.2f} s wall; litreview entry points {summary['litreview_total']:.2f} s")
    for r in summary["litreview_entry_points"]:  # type: ignore[attr-defined]
        print(f"  {r['cumtime']:7.3f} s cum  {r['ncalls']:7d}  {r['function']}")
    print("top cumulative:")
    for r in summary["top_cumulative"]:  # type: ignore[attr-defined]
        print(f"  {r['cumtime']:7.3f} {r['tottime']:7.3f} {r['ncalls']:8d}  {r['function']}")
    print("litreview self time:")
    for r in summary["litreview_self"]:  # type: ignore[attr-defined]
        print(f"  {r['tottime']:7.3f} {r['cumtime']:7.3f} {r['ncalls']:8d}  {r['function']}")


if __name__ == "__main__":
    main()
