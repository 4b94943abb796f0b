"""Run the benchmarks and write docs/benchmarks.md and docs/benchmarks-plot.svg.

    python -m bench.run                  # S, M and L: the full run (~15 minutes on 2 cores)
    python -m bench.run --sizes S        # a quick run; written to bench/out/ unless --output is given

Every build is a child process (`mkdocs build -q -f <variant config> -d <dir>`) reaped with `os.wait4`,
which gives that child's own wall time, CPU time (user + sys) and peak RSS. Ratios and targets use the
median CPU time: on a shared machine a build waiting for a core inflates wall time, not CPU time.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from . import generate

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
DOC = ROOT / "docs" / "benchmarks.md"
PLOT = ROOT / "docs" / "benchmarks-plot.svg"
BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"
FULL_SIZES = ("S", "M", "L")
LABELS = {"plain": "MkDocs alone (floor)", "litreview": "litreview", "bibtex": "mkdocs-bibtex 4.4.0"}
PACKAGES = ("mkdocs", "mkdocs-material", "Markdown", "pymdown-extensions", "Jinja2", "pybtex", "PyYAML",
            "jsonschema", "litreview", "mkdocs-bibtex", "weasyprint", "matplotlib")


# --------------------------------------------------------------------------- measuring
@dataclass
class Sample:
    wall: float
    cpu: float
    rss_mb: float
    returncode: int
    stdout: str = ""
    stderr: str = ""
    tree_mb: float = 0.0  # the largest sum of resident memory of the process and its descendants, sampled


def _tree_rss_mb(root: int) -> float:
    """Resident memory of `root` and every process under it now (Linux /proc; 0 elsewhere)."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    sizes: dict[int, int] = {}
    for entry in os.scandir("/proc") if os.path.isdir("/proc") else ():
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as stat:
                fields = stat.read().rpartition(b")")[2].split()
        except OSError:
            continue
        pid = int(entry.name)
        parents[pid], rss[pid], sizes[pid] = int(fields[1]), int(fields[21]), int(fields[20])
    # A child with its parent's very address space (same virtual and resident size) is a fork or vfork that has not
    # yet run its program (`ctypes.util.find_library`, which WeasyPrint's import calls, runs ldconfig and gcc so):
    # its pages are its parent's, counted once.
    forks = {pid for pid, parent in parents.items()
             if parent in rss and (rss[pid], sizes[pid]) == (rss[parent], sizes[parent])}
    children: dict[int, list[int]] = {}
    for pid, parent in parents.items():
        if pid in forks:
            rss[pid] = 0
        children.setdefault(parent, []).append(pid)
    todo, total = [root], 0
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo += children.get(pid, [])
    return total * os.sysconf("SC_PAGE_SIZE") / 2**20


class _TreeSampler:
    """Samples the memory of a process tree every 50 ms in a thread: the real peak of a build whose workers run
    at the same time (rusage gives each process's own peak, whenever it was)."""

    def __init__(self, pid: int) -> None:
        import threading

        self.pid, self.peak = pid, 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(0.05):
            self.peak = max(self.peak, _tree_rss_mb(self.pid))

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        return self.peak


@dataclass
class Series:
    samples: list[Sample] = field(default_factory=list)

    def add(self, sample: Sample) -> None:
        self.samples.append(sample)

    @property
    def wall(self) -> list[float]:
        return [s.wall for s in self.samples]

    @property
    def cpu(self) -> list[float]:
        return [s.cpu for s in self.samples]

    @property
    def peak_mb(self) -> float:
        return max((s.rss_mb for s in self.samples), default=float("nan"))

    def median_cpu(self) -> float:
        return statistics.median(self.cpu) if self.samples else float("nan")

    def to_json(self) -> dict[str, Any]:
        return {"wall": self.wall, "cpu": self.cpu, "rss_mb": [s.rss_mb for s in self.samples],
                "returncodes": [s.returncode for s in self.samples]}


def bin_dir() -> Path:
    venv = ROOT / ".venv" / "bin"
    return venv if (venv / "mkdocs").exists() else Path(sys.executable).parent


def child_env() -> dict[str, str]:
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1", PYTHONPYCACHEPREFIX=str(OUT / "pycache"))
    # A developer's machine writes bytecode; without it every build would recompile the plugin's modules.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def run(cmd: list[str], cwd: Path) -> Sample:
    """Run one child to completion; its own rusage comes from wait4, not from RUSAGE_CHILDREN (a running max)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, env=child_env(), stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        sampler = _TreeSampler(proc.pid)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        tree_mb = sampler.stop()
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Sample(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, proc.returncode,
                      out.read().decode(errors="replace"), err.read().decode(errors="replace"), tree_mb)


def mkdocs_build(corpus: Path, variant: str, site: Path) -> Sample:
    # Exit codes do not matter here (mkdocs-bibtex warns about affixes); -q without --strict.
    return run([str(bin_dir() / "mkdocs"), "build", "-q", "-f", f"mkdocs-{variant}.yml", "-d", str(site)], corpus)


def python_module(module: str, *args: str, cwd: Path = ROOT) -> tuple[Sample, Any]:
    sample = run([str(bin_dir() / "python"), "-m", module, *args], cwd)
    lines = [line for line in sample.stdout.splitlines() if line.startswith("{")]
    try:
        return sample, json.loads(lines[-1]) if lines else None
    except json.JSONDecodeError:
        return sample, None


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


# --------------------------------------------------------------------------- the measurements
def measure_builds(corpus: Path, size: str, variants: list[str], runs: int,
                   warmup: bool) -> dict[str, dict[str, Series]]:
    site = OUT / "site" / size
    results: dict[str, dict[str, Series]] = {v: {"cold": Series(), "warm": Series()} for v in variants}
    if warmup:  # bytecode and the page cache, so the first measured build is not the odd one out
        for variant in variants:
            shutil.rmtree(corpus / ".cache", ignore_errors=True)
            mkdocs_build(corpus, variant, site)
    for r in range(runs):
        for variant in variants:
            shutil.rmtree(corpus / ".cache", ignore_errors=True)
            cold = mkdocs_build(corpus, variant, site)
            results[variant]["cold"].add(cold)
            msg = f"{size} {variant} run {r + 1}: cold {cold.wall:.2f} s wall / {cold.cpu:.2f} s CPU"
            # mkdocs-bibtex and plain MkDocs keep nothing between builds: a second build is the same work.
            if variant != "bibtex":
                warm = mkdocs_build(corpus, variant, site)
                results[variant]["warm"].add(warm)
                msg += f", warm {warm.wall:.2f} s / {warm.cpu:.2f} s"
            if cold.returncode:
                msg += f" (exit {cold.returncode}: {cold.stderr.strip()[-300:]})"
            log(msg)
    shutil.rmtree(site, ignore_errors=True)
    return results


def measure_rebuild(corpus: Path, manifest: generate.Manifest, variants: list[str], repeat: int) -> dict[str, Any]:
    """Serve-style rebuild of the whole site after editing one chapter vs the same chapter as a one-page site."""
    chapter = manifest.chapters[len(manifest.chapters) // 2]
    alone = generate.one_page_site(corpus, chapter, OUT / "alone" / manifest.size.name)
    out: dict[str, Any] = {"chapter": chapter}
    for variant in variants:
        entry: dict[str, Any] = {}
        for name, root, page in (("site", corpus, corpus / "docs" / chapter),
                                 ("alone", alone, alone / "docs" / "index.md")):
            sample, data = python_module("bench.serve", str(root / f"mkdocs-{variant}.yml"), str(page),
                                         "--repeat", str(repeat))
            if data is None:
                entry[name] = {"error": sample.stderr.strip()[-500:]}
                continue
            entry[name] = data
        # The same comparison at process level: a warm `mkdocs build` of the one-page site.
        mkdocs_build(alone, variant, OUT / "site" / "alone")
        cli = Series()
        for _ in range(repeat):
            cli.add(mkdocs_build(alone, variant, OUT / "site" / "alone"))
        entry["alone_cli"] = cli.to_json()
        out[variant] = entry
        site_cpu = statistics.median(entry["site"]["cpu"]) if "cpu" in entry.get("site", {}) else float("nan")
        alone_cpu = statistics.median(entry["alone"]["cpu"]) if "cpu" in entry.get("alone", {}) else float("nan")
        log(f"{manifest.size.name} {variant} rebuild after editing {chapter}: {site_cpu:.2f} s CPU; "
            f"one-chapter site {alone_cpu:.2f} s")
    shutil.rmtree(OUT / "site" / "alone", ignore_errors=True)
    return out


def measure_check(corpus: Path, repeat: int) -> dict[str, Any]:
    script = bin_dir() / "litreview"
    if not script.exists():
        return {"skipped": "no `litreview` console script in the virtual environment"}
    samples = Series()
    for _ in range(repeat):
        sample = run([str(script), "check"], corpus)
        if "No module named" in sample.stderr or "ImportError" in sample.stderr:
            return {"skipped": "the `litreview` console script is installed but cannot start: "
                               + sample.stderr.strip().splitlines()[-1][:200]}
        if sample.returncode == 2 and "usage" in sample.stderr.lower():
            return {"skipped": "`litreview check` rejected its arguments: " + sample.stderr.strip()[-200:]}
        samples.add(sample)
    last = samples.samples[-1]
    return {"series": samples.to_json(), "returncode": last.returncode,
            "output_tail": (last.stdout + last.stderr).strip()[-400:]}


def measure_pdf(repeat: int) -> dict[str, Any]:
    probe = run([str(bin_dir() / "python"), "-c", "import litreview.pdf.export"], ROOT)
    if probe.returncode:
        tail = probe.stderr.strip().splitlines()[-1] if probe.stderr.strip() else f"exit {probe.returncode}"
        return {"skipped": f"the PDF export is not available ({tail})"}
    base = OUT / "pdf"
    shutil.rmtree(base, ignore_errors=True)
    cache, site = base / "cache", base / "site"
    result: dict[str, Any] = {}
    for name, pdf, fresh in (("pdf_cold", "on", True), ("pdf_warm", "on", False), ("no_pdf", "off", False)):
        runs = []
        for _ in range(1 if fresh else repeat):
            if fresh:
                shutil.rmtree(cache, ignore_errors=True)
            sample, data = python_module("bench.pdfbuild", "--pdf", pdf, "--cache", str(cache), "--site", str(site))
            if data is None:
                return {"skipped": "the review did not build: " + sample.stderr.strip()[-300:]}
            if data.get("error"):
                return {"skipped": f"the PDF build failed: {data['error'][:300]}"}
            data["rss_mb"] = sample.rss_mb
            runs.append(data)
        result[name] = runs
        log(f"review {name}: {statistics.median(r['cpu'] for r in runs):.2f} s CPU")
    sizes = [r["pdf_bytes"] for r in result["pdf_cold"] + result["pdf_warm"] if r.get("pdf_bytes")]
    result["pdf_bytes"] = sizes[-1] if sizes else None
    shutil.rmtree(base, ignore_errors=True)
    return result


def measure_profile(corpus: Path) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for mode in ("cold", "warm"):
        prof, summary = OUT / f"profile-{corpus.name}-{mode}.prof", OUT / f"profile-{corpus.name}-{mode}.json"
        args = [str(corpus / "mkdocs-litreview.yml"), "--out", str(prof), "--json", str(summary)]
        sample, _ = python_module("bench.profile", *args, *(["--warm"] if mode == "warm" else []))
        if sample.returncode or not summary.exists():
            out[mode] = {"error": sample.stderr.strip()[-500:]}
            continue
        out[mode] = json.loads(summary.read_text(encoding="utf-8"))
        log(f"profile {corpus.name} {mode}: litreview entry points {out[mode]['litreview_total']:.2f} s "
            f"of {out[mode]['total']:.2f} s (profiled)")
    return out


def measure_whatif(corpus: Path, size: str, scenarios: bool) -> dict[str, Any]:
    """Per-hook CPU times (no profiler), litreview's pieces on their own, and the patched what-if builds."""
    out: dict[str, Any] = {"hooks": {}, "scenarios": {}}
    repeat = 3 if size != "L" else 1
    for variant in ("litreview", "plain"):
        sample, data = python_module("bench.whatif", str(corpus), "--hooks", "--variant", variant,
                                     "--repeat", str(repeat))
        out["hooks"][variant] = data if data else {"error": sample.stderr.strip()[-400:]}
    sample, data = python_module("bench.whatif", str(corpus), "--components")
    out["components"] = data if data else {"error": sample.stderr.strip()[-400:]}
    if scenarios:
        from .whatif import SCENARIOS

        for scenario in SCENARIOS:
            sample, data = python_module("bench.whatif", str(corpus), "--scenario", scenario, "--repeat", str(repeat))
            out["scenarios"][scenario] = data if data else {"error": sample.stderr.strip()[-400:]}
    log(f"{size} what-if: " + ", ".join(f"{k} {v.get('median', float('nan')):.2f} s"
                                        for k, v in out["scenarios"].items()))
    return out


def plugin_digest() -> str:
    """Which plugin source was measured (the runner does not ask git): a hash of plugins/litreview/**."""
    import hashlib

    digest = hashlib.sha256()
    for path in sorted((ROOT / "plugins" / "litreview").rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(path.relative_to(ROOT).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def machine() -> dict[str, Any]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = "unknown"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                ram = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return {"cpu": cpu, "cores": os.cpu_count(), "usable_cores": len(os.sched_getaffinity(0)), "ram": ram,
            "os": platform.platform(), "python": platform.python_version(), "packages": versions,
            "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"), "plugin_sha": plugin_digest()}


# --------------------------------------------------------------------------- report
def _med(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def _fmt(value: float, digits: int = 2) -> str:
    return "–" if value != value else f"{value:.{digits}f}"  # NaN -> dash


def _ratio(a: float, b: float) -> float:
    return a / b if b and b == b and a == a else float("nan")


def build_tables(results: dict[str, Any]) -> list[str]:
    lines: list[str] = []
    for size, data in results["builds"].items():
        manifest = results["corpora"][size]
        lines += [f"### {size}: {manifest['chapters']} chapters, {manifest['refs']:,} references, "
                  f"{manifest['citations']:,} citations", "",
                  "| Variant | Cold wall min / median (s) | Cold CPU median (s) | Warm wall min / median (s) "
                  "| Warm CPU median (s) | Peak RSS (MB) | Cold × floor | Warm × floor | Cold × mkdocs-bibtex |",
                  "|---|---|---|---|---|---|---|---|---|"]
        floor = data.get("plain", {})
        bib = data.get("bibtex", {})
        for variant, series in data.items():
            cold, warm = series["cold"], series["warm"]
            cold_cpu, warm_cpu = _med(cold["cpu"]), _med(warm["cpu"])
            peak = max(cold["rss_mb"] + warm["rss_mb"], default=float("nan"))
            floor_warm = _med(floor.get("warm", {}).get("cpu", [])) if floor else float("nan")
            row = [LABELS[variant],
                   f"{_fmt(min(cold['wall'], default=float('nan')))} / {_fmt(_med(cold['wall']))}",
                   _fmt(cold_cpu),
                   (f"{_fmt(min(warm['wall']))} / {_fmt(_med(warm['wall']))}" if warm["wall"]
                    else "same as cold (no cache)"),
                   _fmt(warm_cpu) if warm["cpu"] else "–",
                   _fmt(peak, 0),
                   _fmt(_ratio(cold_cpu, _med(floor["cold"]["cpu"])) if floor else float("nan")) + "×",
                   (_fmt(_ratio(warm_cpu, floor_warm)) + "×") if warm["cpu"] else "–",
                   (_fmt(_ratio(cold_cpu, _med(bib["cold"]["cpu"]))) + "×") if bib else "–"]
            lines.append("| " + " | ".join(row) + " |")
        lines.append("")
    return lines


def targets(results: dict[str, Any]) -> list[tuple[str, float, str, bool | None]]:
    builds = results["builds"]

    def cpu(size: str, variant: str, kind: str) -> float:
        try:
            return _med(builds[size][variant][kind]["cpu"])
        except KeyError:
            return float("nan")

    rows: list[tuple[str, float, str, bool | None]] = []

    def add(name: str, value: float, rule: str, ok: bool) -> None:
        rows.append((name, value, rule, None if value != value else ok))

    for size in ("M", "L"):
        v = _ratio(cpu(size, "litreview", "warm"), cpu(size, "plain", "warm"))
        add(f"Warm build at {size} ≤ 1.15× MkDocs alone", v, "≤ 1.15×", v <= 1.15)
    v = _ratio(cpu("M", "litreview", "cold"), cpu("M", "plain", "cold"))
    add("Cold build at M ≤ 2× MkDocs alone", v, "≤ 2×", v <= 2)
    v = _ratio(cpu("M", "bibtex", "cold"), cpu("M", "litreview", "cold"))
    add("Cold build at M ≥ 3× faster than mkdocs-bibtex", v, "≥ 3× (speed-up)", v >= 3)
    size_ratio = generate.SIZES["L"].citations / generate.SIZES["M"].citations
    v = _ratio(cpu("L", "litreview", "cold"), cpu("M", "litreview", "cold"))
    add(f"L/M build-time ratio close to the size ratio ({size_ratio:.0f}×): linear", v,
        f"≤ {size_ratio * 1.25:.1f}× (size ratio + 25 %)", v <= size_ratio * 1.25)
    rebuild = results.get("rebuild", {}).get("M", {}).get("litreview", {})
    try:
        v = _ratio(_med(rebuild["site"]["cpu"]), _med(rebuild["alone"]["cpu"]))
    except KeyError:
        v = float("nan")
    add("Warm one-chapter rebuild (serve) at M < 2× the one-chapter-alone build", v, "< 2×", v < 2)
    return rows


def report(results: dict[str, Any], plot_name: str | None) -> str:
    m = results["machine"]
    lines = [BEGIN, "", f"Measured {m['date']} with `python -m bench.run --sizes {','.join(results['sizes'])} "
             f"--runs {results['runs']}` ({results['duration'] / 60:.1f} minutes).", "",
             "## Machine", "",
             f"- CPU: {m['cpu']}, {m['cores']} cores ({m['usable_cores']} usable), RAM {m['ram']}",
             f"- {m['os']}, Python {m['python']}",
             f"- Load average while measuring: {results['load_before']:.1f} before, {results['load_after']:.1f} after "
             f"(1-minute; above {m['cores']} means other work was competing for the cores, which inflates wall "
             "times, hence CPU-time ratios)",
             "- " + ", ".join(f"{k} {v}" for k, v in m["packages"].items()),
             f"- litreview sources measured: sha256 of `plugins/litreview/**` = `{m['plugin_sha']}`"
             + ("" if results.get("plugin_sha_end", m["plugin_sha"]) == m["plugin_sha"] else
                f" at the start, `{results['plugin_sha_end']}` at the end (the plugin changed during the run)"), "",
             "## Corpora", "",
             "Generated by `bench/generate.py` (seeded, byte-identical on every run): Markdown chapters using every "
             "pandoc form (`[@a]`, `[@a; @b]`, `[@a, p. 4]`, `[see @a, pp. 3-5; also @b]`, `[-@a]`, `@a`, "
             "`@a [p. 4]`), one BibTeX library (articles and books, LaTeX accents, DOIs), evidence YAML with one "
             "`<!-- evidence-table -->` per five chapters, a `<!-- bibliography -->` page. Theme material, search "
             "plugin on, PDF off.", "",
             "| Size | Chapters | References | Citations | Words | Evidence tables | Generation (s) |",
             "|---|---|---|---|---|---|---|"]
    for size, c in results["corpora"].items():
        lines.append(f"| {size} | {c['chapters']} | {c['refs']:,} | {c['citations']:,} | {c['words']:,} | "
                     f"{c['tables']} | {c['seconds']:.2f} |")
    lines += ["", "## Build times", "",
              "Each variant builds the same `docs/`: **floor** = MkDocs + material + search without any citation "
              "plugin (citations stay text); **litreview**; **mkdocs-bibtex** 4.4.0 (`bib_file`, footnotes, no CSL: "
              "its pandoc path needs a pandoc binary; it warns that affixes are unsupported and turns narrative "
              "`@a` into the full reference text). *Cold* = no `.cache/`; *warm* = litreview's content-hash cache "
              f"present. {results['runs']} runs each; each build is a fresh `mkdocs build -q` process (Python start-up "
              "and imports included). Ratios use median CPU time.", ""]
    lines += build_tables(results)
    if plot_name:
        lines += [f"![Build time vs citations, log-log]({plot_name})", ""]
    lines += ["## Targets", "", "| Target | Measured | Threshold | Result |", "|---|---|---|---|"]
    for name, value, rule, ok in targets(results):
        verdict = "not measured" if ok is None else ("**PASS**" if ok else "**FAIL**")
        lines.append(f"| {name} | {_fmt(value)}× | {rule} | {verdict} |")
    lines += ["", "Context for the linearity target: " + linear_context(results), ""]
    lines += rebuild_section(results)
    lines += check_section(results.get("check", {}))
    lines += pdf_section(results.get("pdf"))
    from . import pdfscale

    lines += pdfscale.section(results.get("pdf_scale"))
    lines += whatif_section(results.get("whatif", {}))
    lines += profile_section(results.get("profile"))
    lines += [END]
    return "\n".join(lines) + "\n"


def linear_context(results: dict[str, Any]) -> str:
    b = results["builds"]
    if "M" not in b or "L" not in b:
        return "not measured (needs M and L)."
    parts = []
    for variant in b["M"]:
        ratio = _ratio(_med(b["L"][variant]["cold"]["cpu"]), _med(b["M"][variant]["cold"]["cpu"]))
        parts.append(f"{LABELS[variant]} L/M = {_fmt(ratio)}×")
    extra_l = _med(b["L"]["litreview"]["cold"]["cpu"]) - _med(b["L"]["plain"]["cold"]["cpu"])
    extra_m = _med(b["M"]["litreview"]["cold"]["cpu"]) - _med(b["M"]["plain"]["cold"]["cpu"])
    parts.append(f"litreview's own cost (cold litreview − floor) L/M = {_fmt(_ratio(extra_l, extra_m))}×")
    return "; ".join(parts) + "."


def rebuild_section(results: dict[str, Any]) -> list[str]:
    data = results.get("rebuild")
    if not data:
        return []
    lines = ["## Rebuild after editing one chapter", "",
             "`bench/serve.py` does what `mkdocs serve` does on a change, in one warm interpreter: reload the "
             "config, full (non-dirty) rebuild, litreview cache warm. It edits the middle chapter and times three "
             "rebuilds; the yardstick is the same chapter as a one-page site (same bibliography and data), rebuilt "
             "the same way. The last column is the process-level view: a warm `mkdocs build` of the whole site vs "
             "one of the one-page site.", "",
             "| Size | Variant | Full-site rebuild CPU median (s) | One-chapter site rebuild (s) | Ratio "
             "| `mkdocs build` whole site / one page (s) | Ratio |", "|---|---|---|---|---|---|---|"]
    for size, entry in data.items():
        for variant in ("plain", "litreview", "bibtex"):
            e = entry.get(variant)
            if not e:
                continue
            site = _med(e.get("site", {}).get("cpu", []))
            alone = _med(e.get("alone", {}).get("cpu", []))
            cli_alone = _med(e["alone_cli"]["cpu"])
            series = results["builds"].get(size, {}).get(variant, {})
            cli_site = _med(series.get("warm", {}).get("cpu", []) or series.get("cold", {}).get("cpu", []))
            lines.append(f"| {size} | {LABELS[variant]} | {_fmt(site)} | {_fmt(alone)} | {_fmt(_ratio(site, alone))}× "
                         f"| {_fmt(cli_site)} / {_fmt(cli_alone)} | {_fmt(_ratio(cli_site, cli_alone))}× |")
    return [*lines, ""]


def check_section(data: dict[str, Any]) -> list[str]:
    lines = ["## `litreview check`", ""]
    if not data:
        return [*lines, "Not measured.", ""]
    lines += ["`litreview check` run in the corpus folder (its `mkdocs.yml` is the litreview variant): lints "
              "content, bibliography and data without building.", "",
              "| Size | Result | Wall median (s) | CPU median (s) |", "|---|---|---|---|"]
    for size, d in data.items():
        if "skipped" in d:
            lines.append(f"| {size} | skipped: {d['skipped']} | – | – |")
        else:
            s = d["series"]
            summary = d.get("output_tail", "").strip().splitlines()[-1:] or [""]
            lines.append(f"| {size} | exit {d['returncode']}: `{summary[0][:100]}` | {_fmt(_med(s['wall']))} "
                         f"| {_fmt(_med(s['cpu']))} |")
    return [*lines, ""]


def pdf_section(data: dict[str, Any] | None) -> list[str]:
    lines = ["## PDF of the real review", ""]
    if not data:
        return [*lines, "Not measured (`--skip-pdf`).", ""]
    if "skipped" in data:
        return [*lines, f"Skipped: {data['skipped']}.", ""]
    lines += ["In-process build of the project's `mkdocs.yml` with only `pdf.enabled` and `cache_dir` changed.", "",
              "| Build | CPU median (s) | Wall median (s) | Peak RSS (MB) |", "|---|---|---|---|"]
    for name, label in (("no_pdf", "PDF off (warm cache)"), ("pdf_cold", "PDF on, empty cache"),
                        ("pdf_warm", "PDF on, warm cache")):
        runs = data[name]
        lines.append(f"| {label} | {_fmt(_med([r['cpu'] for r in runs]))} | {_fmt(_med([r['wall'] for r in runs]))} "
                     f"| {_fmt(max(r['rss_mb'] for r in runs), 0)} |")
    if data.get("pdf_bytes"):
        lines += ["", f"PDF size: {data['pdf_bytes'] / 1024:.0f} KiB."]
    return [*lines, ""]


def whatif_section(data: dict[str, Any]) -> list[str]:
    if not data:
        return []
    lines = ["## Where litreview's time goes (no profiler)", "",
             "`python -m bench.whatif CORPUS --hooks`: a warm interpreter builds once, then times full rebuilds with "
             "a CPU timer around each litreview hook, the search plugin's indexing and Markdown conversion "
             "(litreview's inline processors run inside Markdown conversion). Medians, seconds of CPU.", ""]
    sizes = list(data)
    header = "| Part | " + " | ".join(f"{s} litreview | {s} floor" for s in sizes) + " |"
    lines += [header, "|---|" + "---|---|" * len(sizes)]
    labels: list[str] = []
    for s in sizes:
        for variant in ("litreview", "plain"):
            for label in data[s]["hooks"].get(variant, {}).get("parts", {}):
                if label not in labels:
                    labels.append(label)
    for label in ["TOTAL", *labels]:
        cells = []
        for s in sizes:
            for variant in ("litreview", "plain"):
                h = data[s]["hooks"].get(variant, {})
                value = h.get("median") if label == "TOTAL" else h.get("parts", {}).get(label)
                cells.append("–" if value is None else (f"**{value:.3f}**" if label == "TOTAL" else f"{value:.3f}"))
        lines.append(f"| {'whole build' if label == 'TOTAL' else label} | " + " | ".join(cells) + " |")
    lines.append("")
    comps = {s: data[s].get("components", {}) for s in sizes}
    pieces = [k for s in sizes for k in comps[s] if k != "error"]
    if pieces:
        lines += ["litreview's pieces called on their own, through its current internals (CPU s, best of 3):", "",
                  "| Piece | " + " | ".join(sizes) + " |", "|---|" + "---|" * len(sizes)]
        for piece in dict.fromkeys(pieces):
            cells = [comps[s].get(piece) for s in sizes]
            lines.append(f"| {piece} | " + " | ".join("–" if c is None else (f"{c:.3f}" if isinstance(c, float)
                                                                             else str(c)) for c in cells) + " |")
        lines.append("")
    for s in sizes:
        scen = data[s].get("scenarios", {})
        if not scen:
            continue
        base = scen.get("baseline", {}).get("median")
        lines += [f"### What-if at {s} (patched in memory, warm rebuilds)", "",
                  "| Scenario | CPU median (s) | vs litreview as is | HTML pages (MB) | Search index (MB) | Files |",
                  "|---|---|---|---|---|---|"]
        names = {"baseline": "litreview as is", "no-page-cache": "`page_cache: false` (every page converted "
                 "and fixed again)",
                 "no-exports": "`exports: false` (no per-entry .bib/.ris files)",
                 "no-search": "litreview, search plugin off", "plain": "floor (no citation plugin)",
                 "no-exports-no-search": "`exports: false` and search plugin off",
                 "plain-no-search": "floor, search plugin off"}
        for name, d in scen.items():
            if "median" not in d:
                lines.append(f"| {names.get(name, name)} | failed: {d.get('error', '')[:120]} | | | | |")
                continue
            delta = f"{d['median'] - base:+.2f} s" if base is not None else "–"
            label = names.get(name, name)
            lines.append(f"| {label} | {d['median']:.2f} | {delta} | {d['html_bytes'] / 1e6:.1f} "
                         f"| {d['search_index_bytes'] / 1e6:.2f} | {d.get('files', 0):,} |")
        lines.append("")
    return lines


def profile_section(data: dict[str, Any] | None) -> list[str]:
    if not data:
        return []
    lines = ["## Profile of the litreview build at M", "",
             "`python -m bench.profile bench/out/corpora/M/mkdocs-litreview.yml --out M.prof [--warm]`: one "
             "in-process build under cProfile (times are inflated by the profiler; compare them with each other).", ""]
    for mode in ("cold", "warm"):
        d = data.get(mode, {})
        if "error" in d or not d:
            lines += [f"{mode}: profile failed: {d.get('error', '')}", ""]
            continue
        lines += [f"### litreview's entry points ({mode} cache): {d['litreview_total']:.2f} s of "
                  f"{d['total']:.2f} s", "", "| Entry point | Calls | Cumulative (s) |", "|---|---|---|"]
        for r in d["litreview_entry_points"]:
            lines.append(f"| `{r['function']}` | {r['ncalls']:,} | {r['cumtime']:.3f} |")
        lines.append("")
    d = data.get("cold", {})
    if d and "top_cumulative" in d:
        lines += ["### Top functions by cumulative time (cold cache)", "",
                  "| Function | Calls | Own (s) | Cumulative (s) |", "|---|---|---|---|"]
        for r in d["top_cumulative"]:
            lines.append(f"| `{r['function']}` | {r['ncalls']:,} | {r['tottime']:.3f} | {r['cumtime']:.3f} |")
        lines += ["", "### litreview functions by own time (cold cache)", "",
                  "| Function | Calls | Own (s) | Cumulative (s) |", "|---|---|---|---|"]
        for r in d["litreview_self"]:
            lines.append(f"| `{r['function']}` | {r['ncalls']:,} | {r['tottime']:.3f} | {r['cumtime']:.3f} |")
        lines.append("")
    return lines


def plot(results: dict[str, Any], target: Path) -> bool:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    builds = results["builds"]
    sizes = [s for s in results["sizes"] if s in builds]
    if len(sizes) < 2:
        return False
    plt.rcParams["svg.hashsalt"] = "litreview-bench"
    fig, ax = plt.subplots(figsize=(6.4, 4.4))
    x = [results["corpora"][s]["citations"] for s in sizes]
    styles = {"plain": ("#666666", "o"), "litreview": ("#3949ab", "s"), "bibtex": ("#c62828", "^")}
    for variant in ("plain", "litreview", "bibtex"):
        if variant not in builds[sizes[0]]:
            continue
        color, marker = styles[variant]
        ax.plot(x, [_med(builds[s][variant]["cold"]["cpu"]) for s in sizes], marker=marker, color=color,
                label=f"{LABELS[variant]}, cold")
        if variant == "litreview":
            ax.plot(x, [_med(builds[s][variant]["warm"]["cpu"]) for s in sizes], marker=marker, color=color,
                    linestyle="--", label=f"{LABELS[variant]}, warm cache")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("citations in the corpus")
    ax.set_ylabel("mkdocs build, median CPU time (s)")
    ax.set_title("Build time vs corpus size (S, M, L)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.suffix == ".svg":
        fig.savefig(target, format="svg", metadata={"Date": None})  # no date: the same results, the same file
    else:
        fig.savefig(target, dpi=150)
    plt.close(fig)
    return True


def write_doc(text: str, target: Path) -> None:
    if target.exists():
        current = target.read_text(encoding="utf-8")
        if BEGIN in current and END in current:
            head, rest = current.split(BEGIN, 1)
            tail = rest.split(END, 1)[1]
            target.write_text(head + text.rstrip("\n") + tail, encoding="utf-8")
            return
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text("# Benchmarks\n\nRun with `make bench` (or `python -m bench.run --sizes S` for a quick "
                      "look). The section between the markers is rewritten by `bench/run.py`.\n\n" + text,
                      encoding="utf-8")


# --------------------------------------------------------------------------- main
def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="S,M,L", help="comma-separated, from: " + ", ".join(generate.SIZES))
    parser.add_argument("--runs", type=int, default=5, help="builds per size, variant and cold/warm")
    parser.add_argument("--variants", default="plain,litreview,bibtex")
    parser.add_argument("--skip-rebuild", action="store_true")
    parser.add_argument("--skip-profile", action="store_true", help="no profile, hook timings or what-ifs")
    parser.add_argument("--skip-pdf", action="store_true")
    parser.add_argument("--report-only", action="store_true",
                        help="rewrite the report and plot from --results without measuring")
    parser.add_argument("--results", type=Path, default=OUT / "results.json",
                        help="raw results for --report-only (a partial run writes results-partial.json)")
    parser.add_argument("--output", type=Path, help="the Markdown report (default: docs/benchmarks.md for a full "
                        "run, bench/out/benchmarks.md otherwise)")
    args = parser.parse_args(argv)
    sizes = [s.strip() for s in args.sizes.split(",") if s.strip()]
    variants = [v.strip() for v in args.variants.split(",") if v.strip()]
    for s in sizes:
        if s not in generate.SIZES:
            parser.error(f"unknown size {s!r}")
    for v in variants:
        if v not in generate.VARIANTS:
            parser.error(f"unknown variant {v!r}")
    if "bibtex" in variants:
        try:
            metadata.version("mkdocs-bibtex")
        except metadata.PackageNotFoundError:
            log("mkdocs-bibtex is not installed (pip install -e '.[bench]'); leaving that variant out")
            variants.remove("bibtex")
    full = set(FULL_SIZES) <= set(sizes)
    doc = args.output or (DOC if full else OUT / "benchmarks.md")
    plot_target = PLOT if doc == DOC else doc.with_name(doc.stem + "-plot.svg")
    OUT.mkdir(parents=True, exist_ok=True)

    if args.report_only:
        saved: dict[str, Any] = json.loads(args.results.read_text(encoding="utf-8"))
        full = set(FULL_SIZES) <= set(saved["sizes"])
        doc = args.output or (DOC if full else OUT / "benchmarks.md")
        plot_target = PLOT if doc == DOC else doc.with_name(doc.stem + "-plot.svg")
        finish(saved, doc, plot_target)
        return

    started = time.perf_counter()
    results: dict[str, Any] = {"machine": machine(), "sizes": sizes, "runs": args.runs, "variants": variants,
                               "load_before": os.getloadavg()[0], "corpora": {}, "builds": {}, "rebuild": {},
                               "check": {}}
    for index, size in enumerate(sizes):
        corpus = OUT / "corpora" / size
        t = time.perf_counter()
        manifest = generate.generate(size, corpus)
        gen_seconds = time.perf_counter() - t
        results["corpora"][size] = {"chapters": manifest.size.chapters, "refs": manifest.size.refs,
                                    "citations": manifest.citations, "words": manifest.words,
                                    "tables": manifest.table_directives, "seconds": gen_seconds}
        log(f"generated {size} in {gen_seconds:.2f} s: {manifest.citations} citations, {manifest.words} words")
        builds = measure_builds(corpus, size, variants, args.runs, warmup=index == 0)
        results["builds"][size] = {v: {k: s.to_json() for k, s in kinds.items()} for v, kinds in builds.items()}
        if not args.skip_rebuild:
            rebuild_variants = [v for v in ("plain", "litreview") if v in variants]
            results["rebuild"][size] = measure_rebuild(corpus, manifest, rebuild_variants, repeat=3)
        if "litreview" in variants:
            results["check"][size] = measure_check(corpus, repeat=args.runs)
            log(f"{size} litreview check: {results['check'][size].get('skipped', 'measured')}")
        if size in ("M", "L") and not args.skip_profile and "litreview" in variants:
            results.setdefault("whatif", {})[size] = measure_whatif(corpus, size, scenarios=size == "M")
        if size == "M" and not args.skip_profile and "litreview" in variants:
            results["profile"] = measure_profile(corpus)
    if not args.skip_pdf:
        results["pdf"] = measure_pdf(repeat=max(1, min(args.runs, 2)))
        log(f"PDF: {results['pdf'].get('skipped', 'measured')}")
        from . import pdfscale  # issue 17's targets: synthetic M (and L when measured), default PDF

        scale_sizes = [s for s in ("M", "L") if s in results["corpora"]] or ["M"]
        try:
            results["pdf_scale"] = pdfscale.measure(scale_sizes, repeat=max(1, min(args.runs, 2)))
        except RuntimeError as exc:
            results["pdf_scale"] = {"skipped": str(exc)[:300]}
    results["duration"] = time.perf_counter() - started
    results["load_after"] = os.getloadavg()[0]
    results["plugin_sha_end"] = plugin_digest()
    # A quick run must not overwrite the raw numbers behind docs/benchmarks.md.
    raw = OUT / ("results.json" if full else "results-partial.json")
    raw.write_text(json.dumps(results, indent=2), encoding="utf-8")
    finish(results, doc, plot_target)


def finish(results: dict[str, Any], doc: Path, plot_target: Path) -> None:
    plotted = plot(results, plot_target)
    rel_plot = os.path.relpath(plot_target, doc.parent) if plotted else None
    write_doc(report(results, rel_plot), doc)
    log(f"wrote {doc.relative_to(ROOT) if doc.is_relative_to(ROOT) else doc}"
        + (f" and {plot_target.name}" if plotted else "") + f" in {results['duration'] / 60:.1f} minutes")


if __name__ == "__main__":
    main()
