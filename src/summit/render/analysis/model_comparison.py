"""Two models on the same data (``model_comparison``): per class and layer the share of
the class's graph both keep, with the resamples' spread, and the two accuracies."""

from __future__ import annotations

from typing import Any

import matplotlib

matplotlib.use("Agg")  # figures are files; never open a window

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from summit.render.analysis.common import (  # noqa: E402
    class_heatmap,
    heatmap_height,
    kept_classes,
    num,
    nums,
    unclash_xticklabels,
)
from summit.render.figures import plain_text, spread_text, support_text  # noqa: E402


def _spread_bars(ax: plt.Axes, y: np.ndarray, values: list[float],
                 spreads: list[dict[str, Any] | None], color: str, label: str) -> None:
    """Points with horizontal bars from the 5th to the 95th percentile over the resamples."""
    low = [num((s or {}).get("p5")) for s in spreads]
    high = [num((s or {}).get("p95")) for s in spreads]
    v = nums(values)
    bars = np.nan_to_num(np.vstack([v - nums(low), nums(high) - v]).clip(min=0))
    ax.errorbar(v, y, xerr=bars, fmt="o", color=color, markersize=4, capsize=2,
                elinewidth=1, label=label, zorder=3)


def draw_model_summary(results: list[dict[str, Any]],
                       headline: dict[str, Any] | None = None) -> plt.Figure:
    """Per class and layer, how much of the class's graph two models share (vertex Jaccard,
    through the channel matching), each class's share of A's vertices kept and vertex and
    edge Jaccard with their spread over the resamples (error bars, 5th–95th percentile), and
    the accuracies. ``headline`` (``changes_most``) names the
    class that changes most with its support."""
    layers = list(results[0]["layers"]) if results else []
    title = ("Two models on the same data: how the attribution graphs changed "
             "(channels matched by their responses)")
    if headline is not None:
        r = results[headline["index"]]
        title += (f"\nchanges most: {r['a']['name']} (vertex Jaccard {r['vertex_jaccard']:.2f}"
                  f"{spread_text((r.get('stability') or {}).get('vertex_jaccard'))}; "
                  f"{support_text(headline['support'], headline['tentative'])})")
    values = np.array([[r["layers"][x]["jaccard"] for x in layers] for r in results]
                      ).reshape(len(results), len(layers))
    kept = kept_classes(values)
    every, results, values = len(results), [results[i] for i in kept], values[kept]
    names = [r["a"]["name"] for r in results]
    fig, (ax, ax3, ax2) = plt.subplots(1, 3, figsize=(14, heatmap_height(len(results))),
                                       gridspec_kw={"width_ratios": [3, 2, 2]})
    class_heatmap(fig, ax, values, layers, names, "magma", 0, 1, every,
                  "analysis/model_comparison.csv")
    ax.set_title("vertices shared by the two models' graphs (Jaccard) per layer", fontsize=8.5,
                 loc="left")
    y = np.arange(len(results))
    spreads = [r.get("stability") or {} for r in results]
    _spread_bars(ax3, y - 0.22, [r["conserved"]["vertices"] for r in results],
                 [s.get("conserved") for s in spreads], "#0072B2", "A's vertices kept")
    _spread_bars(ax3, y, [r["vertex_jaccard"] for r in results],
                 [s.get("vertex_jaccard") for s in spreads], "#009E73", "vertex Jaccard")
    _spread_bars(ax3, y + 0.22, [r["edge_jaccard"] for r in results],
                 [s.get("edge_jaccard") for s in spreads], "#8c96a0", "edge Jaccard")
    ax3.set_yticks(y, [])
    ax3.set_ylim(len(results) - 0.5, -0.5)
    ax3.set_xlim(-0.02, 1.02)
    ax3.set_xlabel("share kept / Jaccard, all layers\n(bars: 5th–95th percentile over "
                   "resamples)", fontsize=8)
    legend3 = ax3.legend(fontsize=7.5, frameon=False, loc="lower left", bbox_to_anchor=(0, 1.0),
                         ncol=2)
    a = [np.nan if r["accuracy"][0] is None else r["accuracy"][0] for r in results]
    b = [np.nan if r["accuracy"][1] is None else r["accuracy"][1] for r in results]
    labels = results[0]["models"] if results else ["A", "B"]
    ax2.hlines(y, a, b, color="#9aa4ae")
    ax2.scatter(a, y, color="#0072B2", label=labels[0], zorder=3)
    ax2.scatter(b, y, color="#E69F00", label=labels[1], zorder=3)
    ax2.set_yticks(y, [])  # the rows of the heatmap, named there
    ax2.set_ylim(len(results) - 0.5, -0.5)
    ax2.set_xlabel("accuracy on the class's images", fontsize=8)
    legend = ax2.legend(fontsize=7.5, frameon=False, loc="lower left", bbox_to_anchor=(0, 1.0))
    plain_text([*legend.get_texts(), *legend3.get_texts()])
    plain_text([fig.suptitle(title, fontsize=11, x=0.01, ha="left")])
    unclash_xticklabels(fig, ax)
    return fig
