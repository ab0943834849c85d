"""The randomization checks (``summit.randomization``) against the cascade's depth: (a) the
graphs' mean vertex Jaccard with the trained model's, with chance's; (b) the share of each
class's nearest classes in A^l kept, per layer's mean, with chance's; (c) the faithfulness
effect (true-class probability drop beyond random sets'). The net trained on shuffled labels
is drawn at the right, apart."""

from __future__ import annotations

from typing import Any

import matplotlib

matplotlib.use("Agg")  # figures are files; never open a window

import matplotlib.pyplot as plt  # noqa: E402

from summit.randomization.summary import label  # noqa: E402

LINE, CHANCE, SHUFFLED = "#1b6ca8", "#8c96a0", "#d95f02"


def _panel(ax: plt.Axes, rows: list[dict[str, Any]], value, chance, title: str) -> None:
    ordered = [r for r in rows if r["kind"] != "shuffled"]
    xs = range(len(ordered))
    ax.plot(xs, [value(r) for r in ordered], "o-", color=LINE, label="model")
    if chance:
        ax.plot(xs, [chance(r) for r in ordered], "--", color=CHANCE, label="chance")
    for r in rows:
        if r["kind"] == "shuffled":
            ax.plot([len(ordered)], [value(r)], "s", color=SHUFFLED, label=label(r))
            if chance:
                ax.plot([len(ordered)], [chance(r)], "_", color=CHANCE, ms=12)
    names = [("trained" if r["kind"] == "trained" else r["name"]) for r in ordered]
    shuffled = ["shuffled\nlabels"] if len(ordered) < len(rows) else []
    ax.set_xticks(range(len(names) + len(shuffled)), names + shuffled, rotation=30, ha="right",
                  fontsize=8)
    ax.set_title(title, fontsize=10)
    ax.grid(alpha=0.3)


def draw_randomization(report: dict[str, Any]) -> plt.Figure:
    """The three panels, the cascade read left to right from trained to fully randomized."""
    rows = report["models"]
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.8), constrained_layout=True)
    _panel(axes[0], rows, lambda r: r["graphs"]["mean"]["jaccard"],
           lambda r: r["graphs"]["mean"]["chance"], "(a) graph vertices: Jaccard with trained")
    _panel(axes[1], rows, lambda r: r["neighbourhoods"]["mean"],
           lambda r: r["neighbourhoods"]["chance"], "(b) nearest classes kept (A^l)")
    _panel(axes[2], rows, lambda r: r["faithfulness"]["mean_effect"], None,
           "(c) faithfulness effect")
    axes[0].set_ylim(0, 1.05)
    axes[1].set_ylim(0, 1.05)
    axes[2].axhline(0, color=CHANCE, lw=0.8)
    axes[0].legend(fontsize=8, loc="upper right")
    axes[0].set_xlabel("re-initialized down to", fontsize=8)
    fig.suptitle("Randomization checks: the cascade from the output down", fontsize=11)
    return fig
