"""The evidence diff: references, table rows, values and citation numbers compared between two revisions by meaning."""
from __future__ import annotations

import json
import re
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..bibliography.load import load_bibliography
from ..citations.numbering import assign_numbers
from ..lint.citations import page_citations
from ..lint.project import ProjectError, load_project, read_yaml
from ..markdown_text import MarkdownPage
from ..tables.load import load_datasets
from .git import GitError, read_tree

SUFFIXES = (".yml", ".yaml", ".bib", ".json", ".md")


@dataclass(frozen=True)
class Snapshot:
    """What the evidence says at one revision: entries (fields as written), table cells, per-chapter numbers."""

    entries: dict[str, dict[str, str]]
    rows: dict[str, dict[str, dict[str, str]]]  # "dataset/row" -> {"cells": {column: text}, "meta": {...}}
    numbers: dict[str, dict[str, int]]  # chapter path -> {key: number}


def _nav_pages(nav: Any) -> list[str]:
    out: list[str] = []
    if isinstance(nav, list):
        for item in nav:
            out += _nav_pages(item)
    elif isinstance(nav, dict):
        for value in nav.values():
            out += _nav_pages(value)
    elif isinstance(nav, str) and nav.endswith(".md"):
        out.append(nav)
    return out


def snapshot_of(config_file: Path) -> Snapshot:
    """Read a checkout (or a copy of one revision) the way `litreview check` reads a project."""
    project = load_project(config_file)
    bib = load_bibliography(project.bib_paths, project.root, project.required_fields)
    entries = {key: {"type": e.type, **dict(e.raw)} for key, e in bib.entries.items()}
    datasets, _ = load_datasets(project.data_dir, project.root)
    rows: dict[str, dict[str, dict[str, str]]] = {}
    for name, ds in datasets.items():
        for row in ds.rows:
            cells = {c.heading: ds.cell(row, c).display for c in ds.columns if c.type != "citation"}
            rows[f"{name}/{row.id}"] = {"cells": cells, "meta": {"table": ds.title or name,
                                                                  "source": "; ".join(ds.keys_of(row))}}
    sources = {p.relative_to(project.docs_dir).as_posix(): p for p in project.markdown_files()}
    nav = [p for p in _nav_pages(read_yaml(project.config_file).get("nav")) if p in sources]
    order = nav or sorted(sources, key=lambda p: (p.rsplit("/", 1)[-1] != "index.md", p))
    pages = [MarkdownPage(project.rel(sources[p]), p, sources[p].read_text(encoding="utf-8", errors="replace"))
             for p in order]
    keys_by_page = {page.path: [key for _, key in page_citations(page)] for page in pages}
    numbers = assign_numbers((k for keys in keys_by_page.values() for k in keys), bib.entries)
    per_page = {path: {k: numbers[k] for k in keys if k in numbers} for path, keys in keys_by_page.items()}
    return Snapshot(entries, rows, per_page)


def snapshot_at(root: Path, commit: str | None, config_name: str = "mkdocs.yml") -> Snapshot:
    """The snapshot of a commit (its files copied to a temporary folder), or of the working tree when None."""
    if commit is None:
        return snapshot_of(root / config_name)
    files = read_tree(root, commit, SUFFIXES)
    if config_name not in files:
        raise GitError(f"{commit[:12]} has no {config_name}; it predates the review")
    with tempfile.TemporaryDirectory(prefix="litreview-diff-") as tmp:
        base = Path(tmp)
        for name, data in files.items():
            target = base / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        try:
            return snapshot_of(base / config_name)
        except ProjectError as exc:
            raise GitError(f"{commit[:12]}: {str(exc).replace(str(base) + '/', '')}") from exc


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: str
    new: str


@dataclass(frozen=True)
class ValueChange:
    row: str
    table: str
    source: str
    column: str
    old: str
    new: str


@dataclass(frozen=True)
class EvidenceDiff:
    old: str
    new: str
    references_added: list[str] = field(default_factory=list)
    references_removed: list[str] = field(default_factory=list)
    references_changed: dict[str, list[FieldChange]] = field(default_factory=dict)
    rows_added: list[dict[str, str]] = field(default_factory=list)
    rows_removed: list[dict[str, str]] = field(default_factory=list)
    values_changed: list[ValueChange] = field(default_factory=list)
    renumbered: dict[str, list[tuple[str, int, int]]] = field(default_factory=dict)  # chapter -> (key, old, new)

    @property
    def empty(self) -> bool:
        return not (self.references_added or self.references_removed or self.references_changed or self.rows_added
                    or self.rows_removed or self.values_changed or self.renumbered)

    def summary(self) -> str:
        """One line: "2 references added, 1 value changed"; empty when nothing changed."""
        counts = [(len(self.references_added), "reference", "added"), (len(self.references_removed), "reference",
                  "removed"), (len(self.references_changed), "reference", "changed"),
                  (len(self.rows_added), "table row", "added"), (len(self.rows_removed), "table row", "removed"),
                  (len(self.values_changed), "value", "changed"),
                  (len(self.renumbered), "chapter", "renumbered")]
        return ", ".join(f"{n} {noun}{'s' if n != 1 else ''} {verb}" for n, noun, verb in counts if n)


def _row(key: str, snap: Snapshot) -> dict[str, str]:
    meta = snap.rows[key]["meta"]
    return {"row": key, "table": meta["table"], "source": meta["source"]}


def compare(old: Snapshot, new: Snapshot, old_name: str = "old", new_name: str = "new") -> EvidenceDiff:
    """What changed in meaning between two snapshots; layout, order and untouched rows are ignored."""
    changed: dict[str, list[FieldChange]] = {}
    for key in sorted(old.entries.keys() & new.entries.keys()):
        a, b = old.entries[key], new.entries[key]
        fields = [FieldChange(name, a.get(name, ""), b.get(name, "")) for name in sorted(a.keys() | b.keys())
                  if a.get(name, "") != b.get(name, "")]
        if fields:
            changed[key] = fields
    values = []
    for key in sorted(old.rows.keys() & new.rows.keys()):
        a, b = old.rows[key]["cells"], new.rows[key]["cells"]
        meta = new.rows[key]["meta"]
        values += [ValueChange(key, meta["table"], meta["source"], column, a.get(column, ""), b.get(column, ""))
                   for column in list(dict.fromkeys([*a, *b])) if a.get(column, "") != b.get(column, "")]
    renumbered = {}
    for chapter in sorted(old.numbers.keys() & new.numbers.keys()):
        a_nums, b_nums = old.numbers[chapter], new.numbers[chapter]
        shifts = [(k, a_nums[k], b_nums[k]) for k in b_nums if k in a_nums and a_nums[k] != b_nums[k]]
        if shifts:
            renumbered[chapter] = shifts
    return EvidenceDiff(
        old_name, new_name,
        sorted(new.entries.keys() - old.entries.keys()), sorted(old.entries.keys() - new.entries.keys()), changed,
        [_row(k, new) for k in sorted(new.rows.keys() - old.rows.keys())],
        [_row(k, old) for k in sorted(old.rows.keys() - new.rows.keys())], values, renumbered)


# ------------------------------------------------------------------------------------------------ formats
def _short(text: str, limit: int = 80) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _pair(old: str, new: str, limit: int = 80) -> tuple[str, str]:
    """Both values shortened around where they first differ, so a change deep in a long text stays visible."""
    old, new = re.sub(r"\s+", " ", old).strip(), re.sub(r"\s+", " ", new).strip()
    if max(len(old), len(new)) <= limit:
        return old, new
    start = 0
    while start < min(len(old), len(new)) and old[start] == new[start]:
        start += 1
    start = max(0, old.rfind(" ", 0, max(0, start - 20)) + 1) if start > 30 else 0
    lead = "…" if start else ""
    return _short(lead + old[start:], limit), _short(lead + new[start:], limit)


def _shifts(shifts: list[tuple[str, int, int]], shown: int = 6) -> str:
    text = ", ".join(f"[{a}]→[{b}] {k}" for k, a, b in shifts[:shown])
    return text + (f" and {len(shifts) - shown} more" if len(shifts) > shown else "")


def _lines(diff: EvidenceDiff, esc: Any, code: Any) -> list[tuple[str, list[str]]]:
    """(section heading, items) with every value passed through `esc` (plain text) or `code` (a key, a row)."""
    def value(text: str) -> str:
        return esc(text) if text else "(empty)"

    def change(old: str, new: str) -> str:
        a, b = _pair(old, new)
        return f"{value(a)} → {value(b)}"

    sections = [
        ("References added", [code(k) for k in diff.references_added]),
        ("References removed", [code(k) for k in diff.references_removed]),
        ("References changed", [f"{code(k)}: " + "; ".join(f"{esc(c.field)}: {change(c.old, c.new)}"
                                                         for c in changes)
                                for k, changes in diff.references_changed.items()]),
        ("Table rows added", [f"{code(r['row'])} ({esc(r['table'])}; {code(r['source']) if r['source'] else '–'})"
                              for r in diff.rows_added]),
        ("Table rows removed", [f"{code(r['row'])} ({esc(r['table'])}; {code(r['source']) if r['source'] else '–'})"
                                for r in diff.rows_removed]),
        ("Values changed", [f"{code(v.row)} {esc(v.column)}: {change(v.old, v.new)}"
                            + (f" ({code(v.source)})" if v.source else "") for v in diff.values_changed]),
        ("Citation numbers shift", [f"{code(ch)}: {esc(_shifts(s))}" for ch, s in diff.renumbered.items()]),
    ]
    return [(title, items) for title, items in sections if items]


def format_text(diff: EvidenceDiff) -> str:
    head = f"Evidence diff {diff.old} → {diff.new}: {diff.summary() or 'no change in the evidence'}\n"
    body = "".join(f"\n{title}:\n" + "".join(f"  {item}\n" for item in items)
                   for title, items in _lines(diff, str, str))
    return head + body


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|~>@-])")


def md_escape(text: str) -> str:
    """Plain text safe in GitHub Markdown: no HTML, no formatting, links, mentions or table breaks."""
    return _MD_SPECIAL.sub(r"\\\1", text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"))


def _md_code(text: str) -> str:
    return md_escape(text) if "`" in text else f"`{text}`"


def format_markdown(diff: EvidenceDiff) -> str:
    """For a pull-request comment: a heading, the summary and one list per kind of change."""
    lines = [f"### Evidence diff {_md_code(diff.old)} → {_md_code(diff.new)}", "",
             md_escape(diff.summary()) + "." if not diff.empty else "No change in the references, evidence tables "
             "or citation numbers."]
    for title, items in _lines(diff, md_escape, _md_code):
        lines += ["", f"**{title}**", ""] + [f"- {item}" for item in items]
    return "\n".join(lines) + "\n"


def to_json_data(diff: EvidenceDiff) -> dict[str, Any]:
    data = asdict(diff)
    data["renumbered"] = {ch: [{"key": k, "old": a, "new": b} for k, a, b in s] for ch, s in diff.renumbered.items()}
    return data


def format_json(diff: EvidenceDiff) -> str:
    return json.dumps(to_json_data(diff), indent=2, ensure_ascii=False) + "\n"


FORMATS = {"text": format_text, "markdown": format_markdown, "json": format_json}


def evidence_diff(root: Path, old: str | None, new: str | None, config_name: str = "mkdocs.yml") -> EvidenceDiff:
    """The diff between two commits (None: the working tree); GitError when a revision cannot be read."""
    from .git import resolve

    old_sha = resolve(root, old) if old else None
    new_sha = resolve(root, new) if new else None
    return compare(snapshot_at(root, old_sha, config_name), snapshot_at(root, new_sha, config_name),
                   old or "working tree", new or "working tree")
