"""Write the review PDF with WeasyPrint (imported here only), cached by content hash; failures never stop the site."""
from __future__ import annotations

import hashlib
import logging
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..jsonstore import mark_used
from .assemble import PdfMeta, PdfPage, assemble

PDF_VERSION = "pdf-1"
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


def render_pdf(document: str, site_dir: Path, page_size: str, stylesheets: Sequence[Path]) -> tuple[bytes, list[str]]:
    """HTML -> PDF bytes, plus WeasyPrint's warnings (missing images, fonts) as messages."""
    from weasyprint import CSS, HTML

    handler = _Collect()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(handler)
    try:
        css = [CSS(string=f"@page {{ size: {page_size}; }}")] + [CSS(filename=str(p)) for p in stylesheets]
        pdf = HTML(string=document, base_url=str(site_dir) + "/").write_pdf(
            stylesheets=css, pdf_identifier=hashlib.sha256(document.encode()).digest()[:16])
    finally:
        logger.removeHandler(handler)
    return pdf, handler.messages


def write_pdf(pages: Sequence[PdfPage], meta: PdfMeta, bib_slug: str | None, site_dir: Path, filename: str,
              page_size: str, stylesheets: Sequence[Path], cache_dir: Path | None) -> tuple[Path, list[str], bool]:
    """Assemble, render (or reuse the cached PDF of identical input) and write `site_dir/filename`."""
    document = assemble(pages, meta, bib_slug)
    digest = hashlib.sha256(PDF_VERSION.encode())
    digest.update(document.encode())
    digest.update(page_size.encode())
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
    if cached and cached.is_file():
        shutil.copyfile(cached, target)
        mark_used(cached)
        return target, [], True
    pdf, messages = render_pdf(document, site_dir, page_size, stylesheets)
    target.write_bytes(pdf)
    if cached:
        try:
            cached.parent.mkdir(parents=True, exist_ok=True)
            cached.write_bytes(pdf)
        except OSError:
            pass
    return target, messages, False


def _images(document: str) -> list[str]:
    import re

    return [m for m in re.findall(r'src="([^"]+)"', document) if ":" not in m]


def build_pdf_safely(pages: Sequence[PdfPage], meta: PdfMeta, bib_slug: str | None, site_dir: Path,
                     options: Any, stylesheets: Sequence[Path], cache_dir: Path | None,
                     log: logging.Logger) -> Path | None:
    """Never raises: any failure is one warning naming the cause; the site already written stays as it is."""
    try:
        target, messages, reused = write_pdf(pages, meta, bib_slug, site_dir, options.filename, options.page_size,
                                             stylesheets, cache_dir)
    except Exception as exc:
        log.warning(f"PDF: {options.filename} was not written ({type(exc).__name__}: {exc}); the site is complete")
        return None
    for message in dict.fromkeys(messages):
        if is_environment_message(message):
            log.info(f"PDF (this machine, not the content): {message}")
        else:
            log.warning(f"PDF: {message}")
    log.info(f"PDF: {'reused unchanged' if reused else 'wrote'} {target.name}")
    return target
