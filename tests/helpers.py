"""Test helpers: write tiny sites, build them in-process with MkDocs, and read back what was written."""
from __future__ import annotations

import logging
import re
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from mkdocs.commands.build import build
from mkdocs.config import load_config
from mkdocs.exceptions import Abort, MkDocsException

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class BuildResult:
    root: Path
    site: Path
    warnings: list[str] = field(default_factory=list)
    error: str | None = None

    def page(self, name: str = "index.html") -> str:
        return (self.site / name).read_text(encoding="utf-8")

    def article(self, name: str = "index.html") -> str:
        """The page body the plugin produced (between the theme's content markers)."""
        html = self.page(name)
        m = re.search(r'<div role="main" class="col-md-9" id="lr-main">(.*?)</div>\s*<!--end-main-->', html, re.S)
        if m:
            return m.group(1)
        m = re.search(r"<article[^>]*>(.*)</article>", html, re.S)
        return m.group(1) if m else html

    @property
    def litreview_warnings(self) -> list[str]:
        return [w for w in self.warnings if not w.startswith("Doc file") and "Excluding" not in w]


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def write_site(root: Path, pages: dict[str, str], bib: str | dict[str, str] | None = None,
               data: dict[str, str] | None = None, options: dict[str, Any] | None = None,
               nav: list[Any] | None = None, theme: str = "mkdocs", extra: dict[str, Any] | None = None) -> Path:
    """A tiny site: docs/ pages, refs.bib (or several files), docs/data/*.yaml, the litreview options."""
    docs = root / "docs"
    for name, text in pages.items():
        path = docs / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    bib_files: list[str] = []
    if isinstance(bib, str):
        bib = {"refs.bib": bib}
    for name, text in (bib or {}).items():
        (root / name).write_text(textwrap.dedent(text), encoding="utf-8")
        bib_files.append(name)
    for name, text in (data or {}).items():
        path = docs / "data" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    plugin = {"bib_files": bib_files, "cache_dir": "", "pdf": {"enabled": False}}
    plugin.update(options or {})
    config: dict[str, Any] = {"site_name": "Test", "docs_dir": "docs", "theme": {"name": theme},
                              "plugins": [{"litreview": plugin}], "use_directory_urls": False}
    if nav is not None:
        config["nav"] = nav
    config.update(extra or {})
    (root / "mkdocs.yml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return root


def build_site(root: Path, strict: bool = False, site_dir: Path | None = None) -> BuildResult:
    site = site_dir or root / "site"
    handler = _Collect()
    logger = logging.getLogger("mkdocs")
    logger.addHandler(handler)
    result = BuildResult(root, site)
    try:
        config = load_config(str(root / "mkdocs.yml"), site_dir=str(site), strict=strict)
        build(config)
    except (Abort, MkDocsException) as exc:
        result.error = str(exc)
    finally:
        logger.removeHandler(handler)
    result.warnings = handler.messages
    return result


def bib_entry(key: str, title: str = "A title", author: str = "Doe, Jane", year: str = "2020",
              kind: str = "article", **fields: str) -> str:
    body = [f"  author = {{{author}}}", f"  title = {{{title}}}", f"  year = {{{year}}}"]
    body += [f"  {k} = {{{v}}}" for k, v in fields.items()]
    return f"@{kind}{{{key},\n" + ",\n".join(body) + "\n}\n"


def build_both(root: Path, expected: list[str]) -> BuildResult:
    """The plain build completes with exactly `expected` as warnings; --strict aborts exactly when there are some."""
    plain = build_site(root)
    assert plain.error is None
    assert plain.litreview_warnings == expected
    assert (plain.site / "index.html").is_file()
    strict = build_site(root, strict=True, site_dir=root / "strict-site")
    if expected:
        assert strict.error is not None and "strict mode" in strict.error, strict.error
    else:
        assert strict.error is None, strict.error
    return plain


# --- SVG geometry (charts): boxes of labels, legend entries and the plot area, to check that none overlap ------
SVG_NS = "{http://www.w3.org/2000/svg}"
Box = tuple[float, float, float, float]  # x0, y0, x1, y1 in the SVG's user units


def _text_box(el: Any) -> Box:
    """A text element's box from its position, anchor and font size (DejaVu Sans: ~0.62 em per character, a
    generous average, so the estimate errs towards finding an overlap)."""
    style = el.get("style", "")
    size = float(re.search(r"font-size: ([\d.]+)px", style).group(1))  # type: ignore[union-attr]
    width = 0.62 * size * len("".join(el.itertext()))
    x, y = float(el.get("x")), float(el.get("y"))
    anchor = re.search(r"text-anchor: (\w+)", style)
    start = {"middle": x - width / 2, "end": x - width}.get(anchor.group(1) if anchor else "start", x)
    return (start, y - 0.78 * size, start + width, y + 0.24 * size)


def _path_box(d: str) -> Box:
    xs_ys = [(float(a), float(b)) for a, b in re.findall(r"(-?[\d.]+) (-?[\d.]+)", d)]
    return (min(x for x, _ in xs_ys), min(y for _, y in xs_ys), max(x for x, _ in xs_ys), max(y for _, y in xs_ys))


def chart_boxes(svg: Any) -> dict[str, list[Box]]:
    """Boxes of a chart's parts: 'legend' (each handle and entry text), 'xlabel', 'xticks', 'yticks', 'plot'."""
    def local(gid: str) -> str:
        """An id without the chart's own prefix (`chart-<sets>-<column>-<n>-`), which keeps ids unique per page."""
        m = re.match(r"^chart-.+?-\d+-(.+)$", gid)
        return m.group(1) if m else gid

    def group(gid: str) -> Any:
        return next((g for g in svg.iter(f"{SVG_NS}g") if local(g.get("id") or "") == gid), None)

    out: dict[str, list[Box]] = {"legend": [], "xlabel": [], "xticks": [], "yticks": [], "plot": []}
    legend = group("lr-legend")
    if legend is not None:
        out["legend"] = [_text_box(t) for t in legend.iter(f"{SVG_NS}text")] + \
            [_path_box(p.get("d")) for p in legend.iter(f"{SVG_NS}path")]
    for name, gid in (("xlabel", "lr-xlabel"), ("plot", "lr-plot")):
        g = group(gid)
        if g is not None:
            out[name] = [_text_box(t) for t in g.iter(f"{SVG_NS}text")] or [_path_box(p.get("d"))
                                                                             for p in g.iter(f"{SVG_NS}path")]
    for name, prefix in (("xticks", "xtick_"), ("yticks", "ytick_")):
        out[name] = [_text_box(t) for g in svg.iter(f"{SVG_NS}g") if local(g.get("id") or "").startswith(prefix)
                     for t in g.iter(f"{SVG_NS}text")]
    return out


def overlaps(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def chart_overlaps(svg: Any) -> list[str]:
    """Every pair of chart parts that overlap: legend entries with anything else, labels with each other."""
    boxes = chart_boxes(svg)
    found = []
    for other in ("xlabel", "xticks", "yticks", "plot"):
        for i, a in enumerate(boxes["legend"]):
            found += [f"legend[{i}] overlaps {other}[{j}]" for j, b in enumerate(boxes[other]) if overlaps(a, b)]
    for first, second in (("xlabel", "xticks"), ("yticks", "yticks"), ("xticks", "xticks"), ("yticks", "plot")):
        for i, a in enumerate(boxes[first]):
            for j, b in enumerate(boxes[second]):
                if (first != second or i < j) and overlaps(a, b):
                    found.append(f"{first}[{i}] overlaps {second}[{j}]")
    return found


def structure_problems(data: bytes) -> list[str]:
    """What is wrong in a tagged PDF's structure tree (pikepdf): marked content that no element holds, elements
    whose /P is not their parent, parent-tree entries that lead elsewhere than the element holding the content,
    annotations whose /StructParent is not the element holding their object reference."""
    import io

    import pikepdf

    found: list[str] = []
    pdf = pikepdf.open(io.BytesIO(data))
    content = set()
    for page in pdf.pages:
        for operands, operator in pikepdf.parse_content_stream(page):
            if str(operator) == "BDC" and isinstance(operands[1], pikepdf.Dictionary) and "/MCID" in operands[1]:
                content.add((page.obj.objgen, int(operands[1].MCID)))
    owner: dict[tuple[tuple[int, int], int], tuple[int, int]] = {}
    annot_owner: dict[tuple[int, int], tuple[int, int]] = {}

    def walk(element: Any, parent: Any) -> None:
        if parent is not None and (element.get("/P") is None or element.P.objgen != parent.objgen):
            found.append(f"{element.get('/S')}: /P is not its parent")
        kids = element.get("/K")
        for kid in list(kids) if isinstance(kids, pikepdf.Array) else [] if kids is None else [kids]:
            if isinstance(kid, int):
                if element.get("/Pg") is None:
                    found.append(f"{element.get('/S')}: marked content without a page")
                else:
                    owner[(element.Pg.objgen, kid)] = element.objgen
            elif isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/MCR":
                owner[(kid.get("/Pg", element.get("/Pg")).objgen, int(kid.MCID))] = element.objgen
            elif isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/OBJR":
                annot_owner[kid.Obj.objgen] = element.objgen
            elif isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
                walk(kid, element)
            else:
                found.append(f"{element.get('/S')}: unknown kid")

    root = pdf.Root.StructTreeRoot
    for top in root.K if isinstance(root.K, pikepdf.Array) else [root.K]:
        walk(top, None)
    index = {page.obj.objgen: i for i, page in enumerate(pdf.pages)}
    for page_id, mcid in sorted(content - set(owner)):
        found.append(f"page {index[page_id]}: marked content {mcid} is in no element")
    for page_id, mcid in sorted(set(owner) - content):
        found.append(f"page {index.get(page_id)}: an element holds marked content {mcid} that is not there")

    def numbers(node: Any) -> Any:
        if "/Nums" in node:
            for i in range(0, len(node.Nums), 2):
                yield int(node.Nums[i]), node.Nums[i + 1]
        for kid in node.get("/Kids", []):
            yield from numbers(kid)

    tree = dict(numbers(root.ParentTree))
    for page in pdf.pages:
        entries = tree.get(int(page.obj.StructParents)) if "/StructParents" in page.obj else None
        for (page_id, mcid), element in owner.items():
            if page_id == page.obj.objgen and (entries is None or mcid >= len(entries)
                                               or entries[mcid].objgen != element):
                found.append(f"page {page.index}: the parent tree does not lead to the holder of {mcid}")
        for annot in page.obj.get("/Annots", []):
            if "/StructParent" in annot:
                element = tree.get(int(annot.StructParent))
                if element is None or annot_owner.get(annot.objgen) != element.objgen:
                    found.append(f"page {page.index}: an annotation's structure parent is wrong")
    return found
