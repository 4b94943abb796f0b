"""SVG charts from evidence data with matplotlib (imported only here): forest plots and grouped bars.

Output is deterministic (fixed hash salt, no dates) and drawn on a white card, legible in both themes.
"""
from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

PALETTE = ("#1f5f8b", "#b8572a", "#3a7d44", "#7a4f9a", "#8a6d1c", "#2b7a78", "#9b2f4f")


@dataclass(frozen=True)
class Point:
    label: str
    value: float
    lower: float | None
    upper: float | None
    mark_id: str


def _render(draw, salt: str, width: float, height: float) -> str:  # type: ignore[no-untyped-def]
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    # text.parse_math off: a "$" in a label from YAML or BibTeX is text, never matplotlib math.
    with matplotlib.rc_context({"svg.hashsalt": salt, "svg.fonttype": "none", "font.size": 10, "text.parse_math": False,
                                "font.family": "DejaVu Sans", "axes.edgecolor": "#333333",
                                "text.color": "#111111", "axes.labelcolor": "#111111",
                                "xtick.color": "#222222", "ytick.color": "#222222"}):
        fig = Figure(figsize=(width, height), facecolor="white")
        draw(fig)
        buffer = io.StringIO()
        fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None}, bbox_inches="tight")
    return buffer.getvalue()


_SVG_ID = re.compile(r'(\bid="|xlink:href="#|\bhref="#|url\(#)(?!mark-)([^"#)]+)')


def _own_ids(svg: str, chart_id: str) -> str:
    """matplotlib names glyphs, clip paths and patches the same way in every chart (`DejaVuSans-31`, `patch_1`):
    two charts on one page had duplicate ids, and the PDF warned "Anchor defined twice" for each. Each chart's
    ids (and the references to them) get the chart's id as a prefix; the marks named after table rows keep theirs."""
    return _SVG_ID.sub(lambda m: f"{m.group(1)}{chart_id}-{m.group(2)}", svg)


def _inline(svg: str, title: str, desc: str, chart_id: str) -> str:
    """Make the SVG embeddable: no XML prolog, responsive size, an accessible name and description."""
    svg = _own_ids(svg[svg.index("<svg"):], chart_id)
    svg = re.sub(r'<svg([^>]*?) width="[^"]*" height="[^"]*"', r"<svg\1", svg, count=1)
    head = (f'<svg role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" class="lr-chart-svg" '
            f'preserveAspectRatio="xMidYMid meet"')
    svg = svg.replace("<svg", head, 1)
    close = svg.index(">") + 1
    return (svg[:close] + f'<title id="{chart_id}-title">{escape(title)}</title>'
            f'<desc id="{chart_id}-desc">{escape(desc)}</desc>' + svg[close:]).strip()


def forest_svg(points: Sequence[Point], axis_label: str, title: str, desc: str, chart_id: str) -> str:
    """Medians with intervals, one row per study, first study on top."""
    def draw(fig) -> None:  # type: ignore[no-untyped-def]
        ax = fig.add_subplot(1, 1, 1)
        count = len(points)
        for index, point in enumerate(points):
            y = count - 1 - index
            if point.lower is not None and point.upper is not None:
                line = ax.plot([point.lower, point.upper], [y, y], color="#444444", linewidth=1.4)[0]
                line.set_gid(f"{point.mark_id}-interval")
            mark = ax.plot([point.value], [y], marker="s", markersize=7, color=PALETTE[0], linestyle="none")[0]
            mark.set_gid(point.mark_id)
        ax.set_yticks(range(count))
        ax.set_yticklabels([p.label for p in reversed(points)])
        ax.set_xlabel(axis_label)
        ax.set_ylim(-0.7, count - 0.3)
        ax.set_xlim(left=0)
        ax.grid(axis="x", color="#dddddd", linewidth=0.6)
        ax.set_axisbelow(True)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)

    height = 1.0 + 0.38 * max(len(points), 1)
    return _inline(_render(draw, chart_id, 7.0, height), title, desc, chart_id)


def bar_svg(groups: Sequence[tuple[str, Sequence[Point]]], axis_label: str, title: str, desc: str,
            chart_id: str) -> str:
    """Horizontal bars, one per study, coloured and ordered by group (modality), with a legend."""
    flat = [(gi, p) for gi, (_, pts) in enumerate(groups) for p in pts]

    def draw(fig) -> None:  # type: ignore[no-untyped-def]
        ax = fig.add_subplot(1, 1, 1)
        count = len(flat)
        seen: set[int] = set()
        for index, (gi, point) in enumerate(flat):
            y = count - 1 - index
            label = groups[gi][0] if gi not in seen else None
            seen.add(gi)
            bars = ax.barh([y], [point.value], color=PALETTE[gi % len(PALETTE)], height=0.7, label=label)
            bars.patches[0].set_gid(point.mark_id)
            ax.text(point.value + 1, y, f"{point.value:g}%", va="center", fontsize=8, color="#111111")
        ax.set_yticks(range(count))
        ax.set_yticklabels([p.label for _, p in reversed(flat)])
        ax.set_xlabel(axis_label)
        ax.set_xlim(0, 110)
        ax.grid(axis="x", color="#dddddd", linewidth=0.6)
        ax.set_axisbelow(True)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        if groups:
            # Below the plot, so the legend never covers a bar or its value label.
            ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=min(len(groups), 3), frameon=False,
                      fontsize=8)

    height = 1.0 + 0.34 * max(len(flat), 1)
    return _inline(_render(draw, chart_id, 7.0, height), title, desc, chart_id)
