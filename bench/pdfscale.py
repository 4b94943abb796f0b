"""The PDF at scale (issue 17): synthetic reviews built with the default PDF, each build in its own process.

    python -m bench.pdfscale --sizes M,L --repeat 2      # prints JSON; `make bench` calls `measure`

Per size: the yardstick (the whole review typeset as one WeasyPrint document in one process, as litreview did
before), a cold default build (empty cache), and the build after editing one chapter (warm cache). Every figure
that the targets use is a ratio of two builds of the same run. Memory: the sampled peak of the build process and
its workers together (bench.run), beside the old upper bound (each process at its own peak, added).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
from pathlib import Path
from typing import Any

from . import generate
from .run import OUT, log, python_module


def _build(corpus: Path, pdf: str, cache: Path, site: Path) -> dict[str, Any]:
    sample, data = python_module("bench.pdfbuild", "--pdf", pdf, "--cache", str(cache), "--site", str(site),
                                 "--config", str(corpus / "mkdocs-litreview.yml"))
    if data is None or data.get("error"):
        raise RuntimeError((data or {}).get("error") or sample.stderr.strip()[-400:])
    workers = os.cpu_count() or 1
    data["rss_mb"] = sample.rss_mb
    # The bound the earlier runs reported (each process at its own peak, added), and the sampled real peak of
    # the build process and its workers together, which the target reads.
    data["bound_mb"] = data["main_peak_mb"] + (workers * data["worker_peak_mb"] if data["children_cpu"] > 1 else 0)
    data["memory_mb"] = sample.tree_mb or data["bound_mb"]
    return data


def measure_size(size: str, repeat: int) -> dict[str, Any]:
    base = OUT / "pdfscale" / size
    corpus = base / "corpus"
    manifest = generate.generate(size, corpus)
    chapter = corpus / "docs" / manifest.chapters[len(manifest.chapters) // 2]
    original = chapter.read_text(encoding="utf-8")
    out: dict[str, Any] = {"single": [], "cold": [], "same": [], "edit": [], "chapter": chapter.name}
    modes = {"single": "single", "same": "same-output", "cold": "on"}
    for run in range(repeat):
        for name in ("single", "same", "cold") if size == "M" else ("single", "cold"):
            shutil.rmtree(base / "cache", ignore_errors=True)
            out[name].append(_build(corpus, modes[name], base / "cache", base / "site"))
            log(f"PDF {size} {name}: {out[name][-1]['wall']:.1f} s, {out[name][-1]['memory_mb']:.0f} MB")
        # The cache is warm from the cold build: edit one chapter (its length changes) and build again.
        chapter.write_text(original + f"\n\nAn added paragraph, edit {run}, that makes the chapter longer.\n" * 8,
                           encoding="utf-8")
        out["edit"].append(_build(corpus, "on", base / "cache", base / "site"))
        log(f"PDF {size} edit: {out['edit'][-1]['wall']:.1f} s")
        chapter.write_text(original, encoding="utf-8")
    out["pages"] = out["cold"][-1]["pdf_pages"]
    shutil.rmtree(base, ignore_errors=True)
    return out


def measure(sizes: list[str], repeat: int) -> dict[str, Any]:
    return {size: measure_size(size, repeat) for size in sizes}


def _med(runs: list[dict[str, Any]], key: str) -> float:
    return statistics.median(r[key] for r in runs)


def targets(data: dict[str, Any]) -> list[tuple[str, str, str, bool]]:
    """(target, measured, rule, met) of issue 17, each a ratio within one run."""
    rows = []
    if "M" in data:
        m = data["M"]
        rows.append(("edit one chapter / cold (M)", f"{_med(m['edit'], 'wall') / _med(m['cold'], 'wall'):.2f}",
                     "≤ 0.15", _med(m["edit"], "wall") / _med(m["cold"], "wall") <= 0.15))
        rows.append(("cold / one-document yardstick (M)",
                     f"{_med(m['cold'], 'wall') / _med(m['single'], 'wall'):.2f}", "≤ 0.60",
                     _med(m["cold"], "wall") / _med(m["single"], "wall") <= 0.60))
        peak = max(r["memory_mb"] for r in m["cold"] + m["edit"])
        rows.append(("peak memory, cold (M)", f"{peak:.0f} MB", "≤ 350 MB", peak <= 350))
    if "M" in data and "L" in data:
        m, big = data["M"], data["L"]
        pages = big["pages"] / m["pages"]
        for key, label in (("wall", "time"), ("memory_mb", "memory")):
            ratio = _med(big["cold"], key) / _med(m["cold"], key)
            rows.append((f"L/M {label} vs L/M pages ({pages:.2f})", f"{ratio / pages:.2f}", "≤ 1.25",
                         ratio / pages <= 1.25))
    return rows


def section(data: dict[str, Any] | None) -> list[str]:
    lines = ["## PDF at scale (synthetic reviews, default configuration)", ""]
    if not data:
        return [*lines, "Not measured (`--skip-pdf`).", ""]
    if "skipped" in data:
        return [*lines, f"Skipped: {data['skipped']}.", ""]
    lines += ["Each build is a fresh process building the synthetic review with the PDF on. *One document*: the "
              "whole review typeset as one WeasyPrint document in one process (litreview before issue 17, "
              "untagged): the yardstick. *Cold, the yardstick's output only*: the default build with chapter PDFs and "
              "tagging off, so that it writes what the yardstick writes (M only). *Cold*: empty cache. "
              "*Edit*: one chapter made longer, warm cache. "
              "Memory: the largest sum of the resident memory of the build process and its workers, sampled every "
              "50 ms; *bound*: each process at its own peak, added (what runs before 2026-12-04 reported).", "",
              "| Size | PDF pages | Build | Wall median (s) | CPU median, all processes (s) | Memory (MB) "
              "| Bound (MB) |",
              "|---|---|---|---|---|---|---|"]
    for size, entry in data.items():
        for name, label in (("single", "one document"), ("same", "cold, the yardstick's output only"),
                            ("cold", "cold"), ("edit", "edit one chapter")):
            runs = entry.get(name)
            if not runs:
                continue
            cpu = statistics.median(r["cpu"] + r["children_cpu"] for r in runs)
            bound = max(r.get("bound_mb", r["memory_mb"]) for r in runs)
            lines.append(f"| {size} | {entry['pages']} | {label} | {_med(runs, 'wall'):.1f} | {cpu:.1f} | "
                         f"{max(r['memory_mb'] for r in runs):.0f} | {bound:.0f} |")
    lines += ["", "| Target (issue 17) | Measured | Rule | Met |", "|---|---|---|---|"]
    lines += [f"| {name} | {value} | {rule} | {'yes' if ok else 'no'} |" for name, value, rule, ok in targets(data)]
    m = data.get("M", {})
    if m.get("same") and m.get("single"):
        lines += ["", f"For comparison, the default build writing only what the yardstick writes (the book, untagged, "
                      f"no chapter PDFs), cold at M: {_med(m['same'], 'wall') / _med(m['single'], 'wall'):.2f}x the "
                      f"yardstick's wall time."]
    return [*lines, ""]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="M")
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args(argv)
    data = measure(args.sizes.split(","), args.repeat)
    (OUT / "pdfscale.json").write_text(json.dumps(data, indent=2), encoding="utf-8")
    print("\n".join(section(data)))


if __name__ == "__main__":
    main()
