"""Write the review PDF with WeasyPrint (imported here only), cached by content hash; failures never stop the site."""
from __future__ import annotations

import hashlib
import json
import logging
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..jsonstore import mark_used
from .assemble import PdfMeta, PdfPage, assemble
from .fetch import REFUSED, locate, make_fetcher

PDF_VERSION = "pdf-2"
PRINT_CSS = Path(__file__).resolve().parent / "print.css"
# Messages about the machine rather than the content (a missing optional library, a font fallback): the
# authors cannot fix them in a pull request, so they are INFO and a strict build does not fail on them.
ENVIRONMENT_MESSAGES = ("HarfBuzz", "fontTools", "Unable to instantiate", "Unable to save emoji font")


def is_environment_message(message: str) -> bool:
    return any(part in message for part in ENVIRONMENT_MESSAGES)


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        # Inline SVG style attributes reach WeasyPrint's HTML CSS parser too, which reports SVG-only
        # properties (fill, stroke...) as unknown although its SVG renderer uses them: not a problem.
        if message.startswith("Ignored `") and "unknown property" in message:
            return
        if REFUSED in message:  # reported with the page and line that asked for it (write_pdf)
            return
        self.messages.append(message)


def git_version(root: Path) -> str:
    """The git tag of HEAD, else the date of the last commit; empty outside git. Never today's date (determinism)."""
    for args in (["git", "describe", "--tags", "--exact-match"], ["git", "log", "-1", "--format=%cs"]):
        try:
            out = subprocess.run(args, cwd=root, capture_output=True, text=True, timeout=10)
        except (OSError, subprocess.SubprocessError):
            return ""
        if out.returncode == 0 and out.stdout.strip():
            return out.stdout.strip()
    return ""


def render_pdf(document: str, site_dir: Path, page_size: str, stylesheets: Sequence[Path],
               allow_network: bool = False) -> tuple[bytes, list[str], list[str]]:
    """HTML -> PDF bytes, WeasyPrint's warnings (missing images, fonts) and the URLs the fetcher refused.

    The renderer reads only the built site, the print stylesheets' own folders and litreview's assets.
    """
    from weasyprint import CSS, HTML

    roots = [site_dir, PRINT_CSS.parent, PRINT_CSS.parent.parent / "assets"] + [p.parent for p in stylesheets]
    fetcher = make_fetcher(roots, allow_network)
    handler = _Collect()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(handler)
    try:
        css = [CSS(string=f"@page {{ size: {page_size}; }}", url_fetcher=fetcher)]
        css += [CSS(string=p.read_text(encoding="utf-8"), base_url=p.as_uri(), url_fetcher=fetcher)
                for p in stylesheets]
        pdf = HTML(string=document, base_url=site_dir.resolve().as_uri() + "/", url_fetcher=fetcher).write_pdf(
            stylesheets=css, pdf_identifier=hashlib.sha256(document.encode()).digest()[:16])
    finally:
        logger.removeHandler(handler)
    return pdf, handler.messages, list(dict.fromkeys(fetcher.refused))


def refusal_messages(refused: Sequence[str], pages: Sequence[PdfPage], site_dir: Path) -> list[str]:
    """One message per refused URL, naming the page and line that asked for it."""
    site_uri = site_dir.resolve().as_uri() + "/"
    located = [(p.path, p.url, p.html, p.source) for p in pages]
    messages = []
    for url in refused:
        path, line = locate(url, located, site_uri)
        where = f"{path}:{line}: " if path and line else f"{path}: " if path else ""
        shown = url.replace(site_uri, "", 1) if url.startswith(site_uri) else url
        if url.lower().startswith(("http:", "https:", "ftp:")) or ("://" in url and not url.startswith("file:")):
            why = ("the build does not use the network; put the file into the site's folder and link to it "
                   "there (or set allow_network: true)")
        else:
            why = "the PDF reads only files of the built site; link to a file inside docs_dir"
        messages.append(f"{where}PDF: refused to read '{shown}': {why}")
    return messages


def write_pdf(pages: Sequence[PdfPage], meta: PdfMeta, bib_slug: str | None, site_dir: Path, filename: str,
              page_size: str, stylesheets: Sequence[Path], cache_dir: Path | None,
              allow_network: bool = False) -> tuple[Path, list[str], bool]:
    """Assemble, render (or reuse the cached PDF of identical input) and write `site_dir/filename`.

    The messages of a render are kept beside its cached PDF and returned again on reuse, so a strict build
    fails the same way whether the PDF was typeset now or earlier.
    """
    document = assemble(pages, meta, bib_slug)
    digest = hashlib.sha256(PDF_VERSION.encode())
    digest.update(document.encode())
    digest.update(page_size.encode())
    digest.update(b"network" if allow_network else b"offline")
    for sheet in stylesheets:
        digest.update(sheet.read_bytes())
    for image in sorted(set(_images(document))):
        path = site_dir / image
        if path.is_file():
            digest.update(path.read_bytes())
    key = digest.hexdigest()[:32]
    target = (site_dir / filename).resolve()
    if not target.is_relative_to(site_dir.resolve()):
        raise ValueError(f"the PDF file name '{filename}' leads outside site_dir; use a plain file name")
    cached = cache_dir / f"{key}.pdf" if cache_dir else None
    notes = cache_dir / f"{key}.json" if cache_dir else None
    if cached and notes and cached.is_file() and notes.is_file():
        try:
            messages = [str(m) for m in json.loads(notes.read_text(encoding="utf-8"))["messages"]]
        except (OSError, ValueError, KeyError, TypeError):
            messages = None
        if messages is not None:
            shutil.copyfile(cached, target)
            mark_used(cached)
            mark_used(notes)
            return target, messages, True
    pdf, warnings, refused = render_pdf(document, site_dir, page_size, stylesheets, allow_network)
    messages = refusal_messages(refused, pages, site_dir) + [f"PDF: {m}" for m in warnings]
    target.write_bytes(pdf)
    if cached and notes:
        try:
            cached.parent.mkdir(parents=True, exist_ok=True)
            cached.write_bytes(pdf)
            notes.write_text(json.dumps({"messages": messages}, ensure_ascii=False), encoding="utf-8")
        except OSError:
            pass
    return target, messages, False


def _images(document: str) -> list[str]:
    import re

    return [m for m in re.findall(r'src="([^"]+)"', document) if ":" not in m]


def build_pdf_safely(pages: Sequence[PdfPage], meta: PdfMeta, bib_slug: str | None, site_dir: Path,
                     options: Any, stylesheets: Sequence[Path], cache_dir: Path | None,
                     log: logging.Logger, allow_network: bool = False) -> Path | None:
    """Never raises: any failure is one warning naming the cause; the site already written stays as it is."""
    try:
        target, messages, reused = write_pdf(pages, meta, bib_slug, site_dir, options.filename, options.page_size,
                                             stylesheets, cache_dir, allow_network)
    except Exception as exc:
        log.warning(f"PDF: {options.filename} was not written ({type(exc).__name__}: {exc}); the site is complete")
        return None
    for message in dict.fromkeys(messages):
        if is_environment_message(message):
            log.info(f"PDF (this machine, not the content): {message.removeprefix('PDF: ')}")
        else:
            log.warning(message)
    log.info(f"PDF: {'reused unchanged' if reused else 'wrote'} {target.name}")
    return target
