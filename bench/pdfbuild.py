"""Build the real review once with the PDF switched on or off, into a scratch site and cache; print JSON.

    python -m bench.pdfbuild --pdf on --cache bench/out/pdf-cache --site bench/out/pdf-site

The project's mkdocs.yml is loaded as it is and only two litreview options change in memory (`pdf.enabled`,
`cache_dir`), so the review's own `.cache/` and `site/` are never touched.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def build_review(pdf: bool, cache: Path, site: Path) -> dict[str, object]:
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    logging.getLogger("mkdocs").setLevel(logging.ERROR)
    config = load_config(config_file=str(ROOT / "mkdocs.yml"), site_dir=str(site))
    plugin = config.plugins["litreview"]
    plugin.config["cache_dir"] = str(cache.resolve())
    plugin.config["pdf"]["enabled"] = pdf
    start, start_cpu = time.perf_counter(), time.process_time()
    error = None
    try:
        build(config)
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"
    wall, cpu = time.perf_counter() - start, time.process_time() - start_cpu
    target = site / plugin.config["pdf"]["filename"]
    return {"wall": wall, "cpu": cpu, "error": error,
            "pdf_bytes": target.stat().st_size if pdf and target.exists() else None}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pdf", choices=("on", "off"), required=True)
    parser.add_argument("--cache", type=Path, required=True)
    parser.add_argument("--site", type=Path, required=True)
    args = parser.parse_args(argv)
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")
    print(json.dumps(build_review(args.pdf == "on", args.cache, args.site)))


if __name__ == "__main__":
    main()
