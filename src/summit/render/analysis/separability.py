"""Few-channel classifiers (paper §8.5): per class and layer, a classifier on the class's
few top channels against the model, and a dense one on all classes' top channels."""

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
    unclash_xticklabels,
)


def draw_separability(layers: dict[str, dict[str, Any]], class_names: list[str]) -> plt.Figure:
    """Per class and layer, a classifier on the class's few top channels against the model.

    Left: balanced accuracy (class vs rest) of the few-channel classifier per layer, with the
    model's own in the last column. Right: the dense classifier on all classes' top channels,
    accuracy per layer against the model's.
    """
    names = list(layers)
    first = layers[names[0]]
    ids = [c["id"] for c in first["classes"]]
    grid = np.array([[c.get("classifier_balanced_accuracy", np.nan) for c in layers[x]["classes"]]
                     for x in names]).T
    model = np.array([c.get("model_balanced_accuracy", np.nan) for c in first["classes"]])
    values = np.column_stack([grid, model])
    kept = kept_classes(values)
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(12, heatmap_height(len(kept))),
                                  gridspec_kw={"width_ratios": [3, 2]})
    class_heatmap(fig, ax, values[kept], [*names, "model"], [class_names[ids[i]] for i in kept],
                  "viridis", 0.5, 1.0, len(ids), "analysis/separability.csv")
    ax.axvline(len(names) - 0.5, color="white", linewidth=2)
    m = first["channels_per_class"]
    ax.set_title(f"class vs rest, balanced accuracy: logistic regression on the class's {m} "
                 "top channels (A^l) per layer", fontsize=8.5, loc="left")
    joint = [layers[x]["joint"] for x in names]
    x = np.arange(len(names))
    ax2.plot(x, [j.get("classifier_accuracy", np.nan) for j in joint], "o-", color="#0072B2",
             label="dense layer on the classes' top channels")
    ax2.plot(x, [j.get("model_accuracy", np.nan) for j in joint], "s--", color="#3d4650",
             label="the model")
    for xi, j in zip(x, joint, strict=True):
        ax2.annotate(f"{len(j['channels'])} ch.", (xi, j.get("classifier_accuracy", np.nan)),
                     xytext=(0, -12), textcoords="offset points", ha="center", fontsize=7)
    ax2.set_xticks(x, names, fontsize=8)
    ax2.set_ylim(0, 1.02)
    ax2.set_ylabel("accuracy on held-out images", fontsize=8)
    ax2.legend(fontsize=7.5, loc="lower right", frameon=False)
    ax2.set_title("all classes at once", fontsize=8.5, loc="left")
    fig.suptitle("Few-channel classifiers from A^l (paper §8.5)", fontsize=11, x=0.01, ha="left")
    unclash_xticklabels(fig, ax, ax2)
    return fig
