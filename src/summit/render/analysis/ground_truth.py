"""Does the study find what was planted (``summit.ground_truth``)? One row per stamp:
(a) every channel's response to the pattern per layer (its effect: mean increase in maximum
over the clean maxima's spread), the pattern channels coloured and those the planted class's
graph holds ringed; (b) accuracy on the planted test images clean, stamped, and stamped with
the pattern channels its graph holds (found) or all of them ablated, with random same-size
sets; (c) per study (model,
seeds) the best PageRank rank of a pattern channel in each planted class's graph per layer."""

from __future__ import annotations

from typing import Any

import matplotlib

matplotlib.use("Agg")  # figures are files; never open a window

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from summit.ground_truth.recovery import TOP  # noqa: E402

PATTERN, FOUND, OTHER = "#d95f02", "#000000", "#b0b6bd"
BARS = (("clean", "clean copies", "#8c96a0"), ("stamped", "stamped", "#d95f02"),
        ("found", "stamped, found ablated", "#1b9e77"),
        ("pattern", "stamped, all pattern ablated", "#7570b3"))


def _effects(ax: plt.Axes, st: dict[str, Any], min_effect: float) -> None:
    """(a) effects per layer, jittered; the threshold dashed."""
    rng = np.random.default_rng(0)
    planted = [str(c) for c in st["stamp"]["classes"]]
    found = {v for c in planted for v in st["recovery"]["classes"][c]["found"]}
    for x, (layer, r) in enumerate(st["response"].items()):
        effect = np.asarray(r["effect"], float)
        pattern = set(st["pattern"].get(layer, []))
        xs = x + rng.uniform(-0.25, 0.25, len(effect))
        colours = [PATTERN if c in pattern else OTHER for c in range(len(effect))]
        edges = [FOUND if f"{layer}:{c}" in found else "none" for c in range(len(effect))]
        ax.scatter(xs, effect, s=12, c=colours, edgecolors=edges, linewidths=0.8, zorder=2)
    ax.axhline(min_effect, color=PATTERN, lw=0.8, ls="--")
    ax.set_xticks(range(len(st["response"])), list(st["response"]), rotation=30, ha="right",
                  fontsize=7)
    ax.set_ylabel("effect (increase / spread)", fontsize=7)
    ax.tick_params(labelsize=7)
    ax.set_title("(a) response to the pattern; orange: pattern channels,\nringed: in the "
                 "planted class's graph", fontsize=8)


def _accuracies(ax: plt.Axes, st: dict[str, Any]) -> None:
    """(b) bars per planted class: clean, stamped, ablations (random sets as ticks)."""
    acc = st["shortcut"]["accuracy"]
    planted = [str(c) for c in st["stamp"]["classes"]]
    width = 0.8 / len(BARS)
    for i, c in enumerate(planted):
        a = st["ablation"].get(c, {})
        values = {"clean": a.get("clean", acc["clean"]["mean"]), "stamped": a.get("stamped"),
                  "found": a.get("found", {}).get("accuracy"),
                  "pattern": a.get("pattern", {}).get("accuracy")}
        for j, (key, label, colour) in enumerate(BARS):
            if values[key] is None:
                continue
            x = i + (j - (len(BARS) - 1) / 2) * width
            ax.bar(x, values[key], width, color=colour, label=label if i == 0 else None)
            random = a.get(key, {}).get("random_accuracy") if key in ("found", "pattern") else None
            if random is not None:
                ax.plot([x - width / 2, x + width / 2], [random] * 2, color="k", lw=1)
    names = dict(zip(map(str, st["stamp"]["classes"]), st["stamp"]["names"], strict=True))
    ax.set_xticks(range(len(planted)), [names[c] for c in planted], fontsize=7)
    ax.set_ylim(0, 1.5)  # the legend's room above the bars
    ax.set_yticks(np.linspace(0, 1, 6))
    ax.set_ylabel("accuracy on planted test images", fontsize=7)
    ax.tick_params(labelsize=7)
    ax.legend(fontsize=6, loc="upper center", ncol=2, title="black ticks: random sets of the "
              "same size", title_fontsize=6, frameon=False)
    ax.set_title("(b) the shortcut and ablations", fontsize=8)


def _ranks(ax: plt.Axes, studies: list[dict[str, Any]], k: int) -> None:
    """(c) best rank of a pattern channel per layer (columns) per study and planted class."""
    rows, absent, labels = [], [], []
    first = studies[0]["stamps"][k]
    layers = list(first["response"])
    for s in studies:
        st = s["stamps"][k]
        for c, name in zip(map(str, st["stamp"]["classes"]), st["stamp"]["names"], strict=True):
            best = st["recovery"]["classes"][c]["best_rank"]  # layers with pattern channels
            rows.append([best.get(layer) for layer in layers])
            absent.append([layer not in best for layer in layers])
            labels.append(f"{name}, seed {s['seed']}")
    grid = np.array([[np.nan if r is None else r for r in row] for row in rows], float)
    shade = np.where(np.isnan(grid), 0, np.clip(TOP + 1 - grid, 0, TOP))
    ax.imshow(shade, cmap="Greens", vmin=0, vmax=TOP + 1, aspect="auto")
    for (i, j), v in np.ndenumerate(grid):
        text = "n/a" if absent[i][j] else "–" if np.isnan(v) else f"{int(v)}"
        ax.text(j, i, text, ha="center", va="center", fontsize=7,
                color="white" if shade[i, j] >= 2 else "grey" if absent[i][j] else "black")
    ax.set_xticks(range(len(layers)), layers, rotation=30, ha="right", fontsize=7)
    ax.set_yticks(range(len(labels)), labels, fontsize=7)
    ax.set_title(f"(c) best PageRank rank of a pattern channel\nin the graph (green: top {TOP}; "
                 f"–: none in it;\nn/a: no pattern channel in the layer)", fontsize=8)


def draw_ground_truth(report: dict[str, Any]) -> plt.Figure:
    """The report (``GroundTruthReport``): a row per stamp, the main study's (a) and (b),
    every study's (c)."""
    studies = report["studies"]
    stamps = studies[0]["stamps"] if studies else []
    n = max(len(stamps), 1)
    fig, axes = plt.subplots(n, 3, figsize=(12, 3.4 * n), squeeze=False,
                             gridspec_kw={"width_ratios": [1.3, 1, 1]})
    min_effect = studies[0]["settings"]["min_effect"] if studies else 1.0
    for k, st in enumerate(stamps):
        _effects(axes[k, 0], st, min_effect)
        _accuracies(axes[k, 1], st)
        _ranks(axes[k, 2], studies, k)
        s = st["stamp"]
        axes[k, 0].annotate(f"{s['pattern']} ({s['size']} px, {s['position']}) in "
                            f"{' and '.join(s['names'])}", (0, 1.22),
                            xycoords="axes fraction", fontsize=9, weight="bold")
    if not stamps:
        for ax in axes[0]:
            ax.axis("off")
        axes[0, 1].text(0.5, 0.5, "No pattern was planted", ha="center", va="center")
    fig.tight_layout()
    return fig
