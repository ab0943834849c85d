"""How much each class's graph depends on its sample of images (``stability``): the
resampled graphs' Jaccard with the graph, the split halves' agreement, every vertex's
inclusion."""

from __future__ import annotations

from typing import Any

import matplotlib

matplotlib.use("Agg")  # figures are files; never open a window

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from summit.render.analysis.common import thinned  # noqa: E402
from summit.render.figures import plain_text  # noqa: E402


def draw_stability(rows: list[dict[str, Any]], inclusion: list[float],
                   min_support: float) -> plt.Figure:
    """How much each class's graph depends on its sample of images: per class the resampled
    graphs' vertex and edge Jaccard with the graph (mean, and 5th percentile as the bar's
    left end) and the split halves' agreement; and every graph vertex's inclusion."""
    names = [r["class"] for r in rows]
    at, labels = thinned(names, 24)
    y = np.arange(len(rows))
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(11, float(np.clip(0.25 * len(at) + 1.8,
                                                                     3.2, 11))),
                                  gridspec_kw={"width_ratios": [3, 2]})
    for key, colour, marker, label in (("vertex", "#0072B2", "o", "vertices"),
                                       ("edge", "#E69F00", "s", "edges")):
        mean = [r[f"{key}_jaccard_mean"] for r in rows]
        p5 = [r[f"{key}_jaccard_p5"] for r in rows]
        offset = -0.15 if key == "vertex" else 0.15
        ax.hlines(y + offset, p5, mean, color=colour, alpha=0.6)
        ax.scatter(mean, y + offset, color=colour, marker=marker, s=18, zorder=3,
                   label=f"{label}: resampled vs graph (mean; line from 5th pct.)")
    ax.scatter([r["split_half_vertex_jaccard"] for r in rows], y, color="#444", marker="x",
               s=18, zorder=4, label="vertices: one half of the images vs the other")
    ax.set_yticks(at, labels, fontsize=7)
    ax.invert_yaxis()
    ax.set_xlim(0, 1.02)
    ax.set_xlabel("Jaccard index", fontsize=8)
    legend = ax.legend(fontsize=7, frameon=False, loc="lower left", bbox_to_anchor=(0, 1.0))
    plain_text(legend.get_texts())
    ax2.hist(inclusion, bins=np.linspace(0, 1, 21), color="#8c96a0")
    ax2.axvline(min_support, color="#b2182b", linestyle="--", linewidth=1)
    ax2.text(min_support, 0.98, f" {min_support:.0%}: tentative below", color="#b2182b",
             fontsize=7, transform=ax2.get_xaxis_transform(), ha="right", va="top")
    ax2.set_xlabel("inclusion: share of resampled graphs holding the vertex", fontsize=8)
    ax2.set_ylabel("graph vertices (all classes)", fontsize=8)
    fig.suptitle("Stability: each graph rebuilt from bootstrap resamples of its images",
                 fontsize=11, x=0.01, ha="left")
    fig.tight_layout()
    return fig
