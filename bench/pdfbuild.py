"""Build a review once with the PDF switched on or off, into a scratch site and cache; print JSON.

    python -m bench.pdfbuild --pdf on --cache bench/out/pdf-cache --site bench/out/pdf-site
    python -m bench.pdfbuild --config corpus/mkdocs.yml --pdf single ...   # the yardstick: one document

The review's mkdocs.yml (the project's by default) is loaded as it is and only litreview options change in memory
(`pdf.enabled`, `cache_dir`), so the review's own `.cache/` and `site/` are never touched. `--pdf single`
typesets the whole review as one WeasyPrint document in this process, as litreview did before parts: the
yardstick of the PDF benchmark. `--pdf same-output` is the default build writing only what the yardstick writes
(the book, untagged, no chapter PDFs), to tell the cost of the design from the cost of the added outputs.
Peak memory: this process and (separately) the largest worker process.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import resource
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def _single() -> None:
    """Replace the part-wise writer by the one-document path, in this benchmark process only (and start no
    worker processes while the pages are built: the yardstick typesets in this one process)."""
    from litreview.pdf import export

    def write_pdf(pages: Any, meta: Any, bib_slug: Any, site_dir: Path, filename: str, page_size: str,
                  stylesheets: Any, *args: Any, **kwargs: Any) -> Any:
        pdf = export.typeset_single(pages, meta, bib_slug, site_dir, page_size, stylesheets, tagged=False)
        (site_dir / filename).write_bytes(pdf)
        return export.Written(site_dir / filename, [], False, 0, [], 0.0)

    export.write_pdf = write_pdf  # type: ignore[assignment]
    export.start_ahead = lambda *args, **kwargs: None  # nothing typeset in workers while the pages are built


def build_review(pdf: str, cache: Path, site: Path, config_file: Path = ROOT / "mkdocs.yml") -> dict[str, object]:
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    logging.getLogger("mkdocs").setLevel(logging.ERROR)
    config = load_config(config_file=str(config_file), site_dir=str(site))
    plugin = config.plugins["litreview"]
    plugin.config["cache_dir"] = str(cache.resolve())
    plugin.config["pdf"]["enabled"] = pdf != "off"
    if pdf == "same-output":  # what the yardstick writes: the book alone, untagged (no chapter PDFs)
        plugin.config["pdf"]["chapters"] = False
        plugin.config["pdf"]["tagged"] = False
    if pdf == "single":
        _single()
    start, start_cpu = time.perf_counter(), time.process_time()
    error = None
    try:
        build(config)
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"
    wall, cpu = time.perf_counter() - start, time.process_time() - start_cpu
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    target = site / plugin.config["pdf"]["filename"]
    pages = None
    if pdf != "off" and target.exists():
        import pikepdf  # reads the page tree only (pypdf parsed every page: 200 MB at M, counted as the build's)

        with pikepdf.open(target) as document:
            pages = len(document.pages)
    return {"wall": wall, "cpu": cpu, "children_cpu": children.ru_utime + children.ru_stime, "error": error,
            "pdf_bytes": target.stat().st_size if pdf != "off" and target.exists() else None, "pdf_pages": pages,
            "main_peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "worker_peak_mb": children.ru_maxrss / 1024}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pdf", choices=("on", "off", "single", "same-output"), required=True)
    parser.add_argument("--cache", type=Path, required=True)
    parser.add_argument("--site", type=Path, required=True)
    parser.add_argument("--config", type=Path, default=ROOT / "mkdocs.yml")
    args = parser.parse_args(argv)
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")
    print(json.dumps(build_review(args.pdf, args.cache, args.site, args.config)))


if __name__ == "__main__":
    main()
