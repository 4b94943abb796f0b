"""Time `mkdocs serve`-style rebuilds in one warm interpreter: build once, edit one page, rebuild; print JSON.

    python -m bench.serve CONFIG PAGE [--repeat 3]

Mirrors `mkdocs.commands.serve`: the config is reloaded for each rebuild, `on_startup` runs once (so
plugins that define it are kept across rebuilds), and `build(config, serve_url=...)` is a full, non-dirty
rebuild, the default of `mkdocs serve`. The edited page is restored afterwards.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import tempfile
import time
from pathlib import Path

SERVE_URL = "http://127.0.0.1:8000/"


def rebuild_times(config_file: Path, page: Path, repeat: int) -> dict[str, list[float]]:
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    logging.getLogger("mkdocs").setLevel(logging.ERROR)
    site = tempfile.mkdtemp(prefix="lr-bench-serve-")

    def get_config():  # type: ignore[no-untyped-def]
        config = load_config(config_file=str(config_file), site_dir=site)
        config.site_url = SERVE_URL
        return config

    original = page.read_bytes()
    wall: list[float] = []
    cpu: list[float] = []
    first = get_config()
    first.plugins.on_startup(command="serve", dirty=False)
    try:
        build(first, serve_url=SERVE_URL)  # the initial build of `mkdocs serve`, not timed
        for i in range(repeat):
            page.write_bytes(original + f"\nEdited for benchmark rebuild {i + 1}.\n".encode())
            start, start_cpu = time.perf_counter(), time.process_time()
            build(get_config(), serve_url=SERVE_URL)
            wall.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
    finally:
        page.write_bytes(original)
        first.plugins.on_shutdown()
        shutil.rmtree(site, ignore_errors=True)
    return {"wall": wall, "cpu": cpu}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("config", type=Path)
    parser.add_argument("page", type=Path, help="the Markdown file to edit before each rebuild")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")
    print(json.dumps(rebuild_times(args.config, args.page, args.repeat)))


if __name__ == "__main__":
    main()
