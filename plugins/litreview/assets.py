"""The files litreview ships for every site (CSS, JavaScript, the offline shim) and how they join a build."""
from __future__ import annotations

from pathlib import Path
from typing import Any

PACKAGE_ASSETS = Path(__file__).resolve().parent / "assets"
SITE_FOLDER = "assets/litreview"
STYLESHEETS = ("litreview.css",)
SCRIPTS = ("litreview.js",)
SHIM = "vendor/iframe-worker-shim.js"
# What Material's offline plugin adds unless a local copy is listed: a request to unpkg.com on every page.
_REMOTE_SHIM = "unpkg.com/iframe-worker"


def site_path(name: str) -> str:
    """Where a packaged asset is published, relative to site_dir."""
    return f"{SITE_FOLDER}/{name}"


def packaged_files() -> list[tuple[str, Path]]:
    """(site path, source file) of every packaged asset, in a stable order."""
    return [(site_path(p.relative_to(PACKAGE_ASSETS).as_posix()), p)
            for p in sorted(PACKAGE_ASSETS.rglob("*")) if p.is_file() and "__pycache__" not in p.parts]


def add_to_config(extra_css: list[Any], extra_javascript: list[Any], extra: Any) -> None:
    """Every page loads litreview's stylesheet and script; the offline shim is served from the site itself.

    Works on the lists of `mkdocs.yml` (`extra_css`, `extra_javascript`, `extra.polyfills`) in place, so a
    site that already lists them (as older versions asked) gets each once.
    """
    for name in STYLESHEETS:
        if site_path(name) not in [str(x) for x in extra_css]:
            extra_css.append(site_path(name))
    for name in SCRIPTS:
        if site_path(name) not in [str(x) for x in extra_javascript]:
            extra_javascript.append(site_path(name))
    polyfills = extra.get("polyfills")
    if isinstance(polyfills, list):
        extra["polyfills"] = [site_path(SHIM) if _REMOTE_SHIM in str(p) else p for p in polyfills]
