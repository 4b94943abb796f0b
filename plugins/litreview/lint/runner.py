"""`litreview check`: every check family run once over a project, without building the site."""
from __future__ import annotations

import re
from pathlib import Path

from ..bibliography.load import load_cached
from ..citations.captions import chunk_targets
from ..citations.pandoc_tables import table_problems
from ..citations.rawtex import tex_label_targets
from ..citations.syntax import BOOKDOWN_LABEL
from ..markdown_text import UNCLOSED_COMMENT, MarkdownPage, mask_code_blocks, unclosed_comment
from .bibliography import bib_problems, malformed_identifiers, same_work, unpublished_fields
from .citations import page_citations, unknown_keys, unused_entries
from .data import data_problems, load_manager, page_data
from .findings import Finding, sort_findings
from .links import broken_links, page_anchors
from .numbers import load_allowlist, uncited_numbers
from .project import Project
from .safety import active_content, unsafe_files


def read_pages(project: Project, refused: set[Path] | None = None) -> tuple[list[MarkdownPage], list[Finding]]:
    pages, findings = [], []
    for path in project.markdown_files():
        if refused and path in refused:
            continue  # a link out of docs_dir: not read (reported by unsafe_files)
        rel_path = project.rel(path)
        try:
            source = path.read_bytes().decode("utf-8-sig")
        except UnicodeDecodeError:
            findings.append(Finding(rel_path, None, "error", "encoding",
                                    "the file is not valid UTF-8; save it as UTF-8"))
            continue
        except OSError as exc:
            findings.append(Finding(rel_path, None, "error", "encoding", f"cannot read the file ({exc.strerror})"))
            continue
        source = source.replace("\r\n", "\n")
        rel = path.relative_to(project.docs_dir).as_posix()
        pages.append(MarkdownPage(rel_path, rel, source, project.md_in_html, project.pandoc_html_blocks))
    return pages, findings


def run_checks(project: Project) -> list[Finding]:
    """All findings of a project, sorted by file and line."""
    config_rel = project.rel(project.config_file)
    findings = [Finding(config_rel, None, severity, "config", message)
                for severity, message in project.config_problems] + project.findings
    bib = load_cached(project.bib_paths, project.root, project.cache_dir, project.required_fields)
    findings += bib_problems(bib) + malformed_identifiers(bib) + same_work(bib)
    findings += unpublished_fields(bib, project.export_fields)

    manager = load_manager(project.data_dir, project.root)
    findings += data_problems(manager, bib.entries)

    unsafe, refused = unsafe_files(project.docs_dir, project.data_dir, project.root, project.rel(project.docs_dir))
    findings += unsafe
    pages, page_findings = read_pages(project, refused)
    findings += page_findings
    findings += active_content(pages)
    known = {page.rel for page in pages}
    for entry in dict.fromkeys(project.nav_pages):  # MkDocs warns about these, so --strict fails
        if entry not in known and entry not in project.generated and not (project.docs_dir / entry).is_file():
            findings.append(Finding(config_rel, None, "error", "nav", f"nav: '{entry}' is not a file in "
                                    f"{project.rel(project.docs_dir)}/; correct the path or remove the entry"))
    ids = {anchor for page in pages for anchor in page_anchors(page, project.slugify, project.toc_separator)}
    ids |= {f"sec:{anchor}" for anchor in ids}  # bookdown's \@ref(<heading id>)
    ids |= {m.group(1) for page in pages for m in BOOKDOWN_LABEL.finditer(page.prose)}  # ![(\#fig:x) ...](...)
    ids |= {target for page in pages for target in chunk_targets(page.source)}  # ```{r x, fig.cap="..."}
    ids |= {target for page in pages for target in tex_label_targets(page.prose)}  # \label{x}
    findings += unknown_keys(pages, bib, ids)
    for page in pages:  # grid and multiline tables that break pandoc's rules, as the build reports them
        for written, message in table_problems(mask_code_blocks(page.source)):
            offset = page.source.find(written)
            findings.append(Finding(page.path, page.line(offset) if offset >= 0 else None, "error", "table",
                                    f"{written}: {message}"))
    for page in pages:
        start = unclosed_comment(page.without_code)
        if start is not None:
            findings.append(Finding(page.path, page.line(start), "error", "unclosed-comment", UNCLOSED_COMMENT))
    used = page_data(pages, manager)
    findings += used.findings
    cited = {key for page in pages for _, key in page_citations(page)} | used.cited
    if project.warn_uncited:  # as the build: only then does `--strict` fail on an uncited entry
        findings += unused_entries(bib, cited)

    if project.numbers_need_citations:  # an editorial rule this project chose (check.numbers_need_citations)
        allow, allow_findings = load_allowlist(project.number_allowlist, project.rel(project.number_allowlist)
                                               if project.number_allowlist else "")
        findings += allow_findings
        for page in pages:
            findings += uncited_numbers(page, allow)

    heading = re.sub(r"[^a-z0-9]+", "-", project.references_heading.lower()).strip("-") or "references"
    extra = {heading} | {f"ref-{key}" for key in bib.entries}
    findings += broken_links(pages, project.docs_dir, project.rel(project.docs_dir), project.slugify,
                             project.toc_separator, extra, project.generated)
    return sort_findings(findings)


def check_project(config_file: Path) -> list[Finding]:
    from .project import load_project

    return run_checks(load_project(config_file))
