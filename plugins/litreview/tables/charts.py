"""SVG charts from evidence data with matplotlib (imported only here): forest plots and grouped bars.

Output is deterministic (fixed hash salt, no dates) and drawn on a white card, legible in both themes.
"""
from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from typing import Any

# Okabe–Ito colours (distinct for colour-blind readers) with hatches, so groups stay apart in greyscale print.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#7F7F7F")
HATCHES = ("", "///", "...", "xxx", "\\\\\\", "+++", "ooo")
# How an interval is drawn: a confidence interval solid, a range or IQR dashed, an unstated kind dotted.
WHISKER_STYLES: dict[str, tuple[Any, str]] = {
    "ci": ("-", "confidence interval"),
    "spread": ((0, (4, 2)), "range or IQR"),
    "unspecified": ((0, (1, 1.5)), "interval of unstated kind"),
}
INK = "#1a1a1a"


def whisker_style(kind: str) -> str:
    """The WHISKER_STYLES key of an interval kind."""
    if kind.startswith("ci"):
        return "ci"
    return "spread" if kind in ("range", "iqr") else "unspecified"


@dataclass(frozen=True)
class Point:
    label: str
    value: float
    lower: float | None
    upper: float | None
    mark_id: str
    interval: str = ""  # the kind (ci95, range, ...) when lower and upper are given
    text: str = ""  # the value as the table shows it, for the chart's data table
    key: str = ""  # the row's source, cited in the data table


def _render(draw, salt: str, width: float, height: float) -> str:  # type: ignore[no-untyped-def]
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    # text.parse_math off: a "$" in a label from YAML or BibTeX is text, never matplotlib math.
    with matplotlib.rc_context({"svg.hashsalt": salt, "svg.fonttype": "none", "font.size": 10, "text.parse_math": False,
                                "font.family": "DejaVu Sans", "axes.edgecolor": "#333333",
                                "text.color": INK, "axes.labelcolor": INK, "hatch.linewidth": 0.6,
                                "xtick.color": INK, "ytick.color": INK}):
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


def _legend_above(ax, handles, labels) -> None:  # type: ignore[no-untyped-def]
    """A legend in a row above the plot: it can never cover a mark, a tick label or the axis label."""
    legend = ax.legend(handles, labels, loc="lower left", bbox_to_anchor=(0.0, 1.02), ncol=min(len(labels), 3),
                       frameon=False, fontsize=8, borderaxespad=0.0, handlelength=2.4)
    legend.set_gid("lr-legend")


def _finish(ax, axis_label: str) -> None:  # type: ignore[no-untyped-def]
    ax.set_xlabel(axis_label)
    ax.xaxis.label.set_gid("lr-xlabel")
    ax.patch.set_gid("lr-plot")
    ax.grid(axis="x", color="#d0d0d0", linewidth=0.6)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def forest_svg(points: Sequence[Point], axis_label: str, title: str, desc: str, chart_id: str,
               reference: float | None = None) -> str:
    """Estimates with their intervals as whiskers, one row per study, first study on top; `reference` draws a
    line of no effect (1 for ratios)."""
    def draw(fig) -> None:  # type: ignore[no-untyped-def]
        from matplotlib.lines import Line2D

        ax = fig.add_subplot(1, 1, 1)
        count = len(points)
        styles_used: list[str] = []
        for index, point in enumerate(points):
            y = count - 1 - index
            if point.lower is not None and point.upper is not None:
                style = whisker_style(point.interval)
                if style not in styles_used:
                    styles_used.append(style)
                line = ax.plot([point.lower, point.upper], [y, y], color=INK, linewidth=1.4,
                               linestyle=WHISKER_STYLES[style][0], solid_capstyle="butt")[0]
                line.set_gid(f"{point.mark_id}-interval")
                for end in (point.lower, point.upper):  # caps, so a whisker's ends show in print
                    ax.plot([end, end], [y - 0.18, y + 0.18], color=INK, linewidth=1.2)
            mark = ax.plot([point.value], [y], marker="s", markersize=7, color=PALETTE[0], markeredgecolor=INK,
                           markeredgewidth=0.6, linestyle="none")[0]
            mark.set_gid(point.mark_id)
        if reference is not None:
            ax.axvline(reference, color="#707070", linewidth=0.9, linestyle=(0, (3, 2)))
        ax.set_yticks(range(count))
        ax.set_yticklabels([p.label for p in reversed(points)])
        ax.set_ylim(-0.7, count - 0.3)
        ax.set_xlim(left=0)
        _finish(ax, axis_label)
        if len(styles_used) > 1:  # one kind of interval needs no key: the data table names it
            order = [k for k in WHISKER_STYLES if k in styles_used]
            handles = [Line2D([0], [0], color=INK, linewidth=1.4, linestyle=WHISKER_STYLES[k][0]) for k in order]
            _legend_above(ax, handles, [WHISKER_STYLES[k][1] for k in order])

    height = 1.0 + 0.38 * max(len(points), 1)
    return _inline(_render(draw, chart_id, 7.0, height), title, desc, chart_id)


def bar_svg(groups: Sequence[tuple[str, Sequence[Point]]], axis_label: str, title: str, desc: str,
            chart_id: str) -> str:
    """Horizontal bars, one per study, ordered by group (modality); several groups get colours, hatches and a
    legend above the plot, a single group neither."""
    flat = [(gi, p) for gi, (_, pts) in enumerate(groups) for p in pts]
    several = sum(1 for _, pts in groups if pts) > 1

    def draw(fig) -> None:  # type: ignore[no-untyped-def]
        from matplotlib.patches import Patch

        ax = fig.add_subplot(1, 1, 1)
        count = len(flat)
        top = max((p.value for _, p in flat), default=0.0)
        for index, (gi, point) in enumerate(flat):
            y = count - 1 - index
            colour, hatch = (PALETTE[gi % len(PALETTE)], HATCHES[gi % len(HATCHES)]) if several else (PALETTE[0], "")
            bars = ax.barh([y], [point.value], color=colour, height=0.7, hatch=hatch, edgecolor=INK, linewidth=0.5)
            bars.patches[0].set_gid(point.mark_id)
            ax.text(point.value + top * 0.01 + 0.5, y, f"{point.value:g}%", va="center", fontsize=8, color=INK)
        ax.set_yticks(range(count))
        ax.set_yticklabels([p.label for _, p in reversed(flat)])
        ax.set_xlim(0, 110)
        ax.set_ylim(-0.7, count - 0.3)
        _finish(ax, axis_label)
        if several:
            used = [gi for gi, (_, pts) in enumerate(groups) if pts]
            handles = [Patch(facecolor=PALETTE[gi % len(PALETTE)], hatch=HATCHES[gi % len(HATCHES)], edgecolor=INK,
                             linewidth=0.5) for gi in used]
            _legend_above(ax, handles, [groups[gi][0] for gi in used])

    height = 1.0 + 0.34 * max(len(flat), 1) + (0.3 if several else 0)
    return _inline(_render(draw, chart_id, 7.0, height), title, desc, chart_id)
