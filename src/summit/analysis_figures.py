"""The analyses' figures with matplotlib: the evidence for non-semantic channels (Figure 10),
neighbourhoods across layers (Figure 8), few-channel classifiers (§8.5) and the two-model
summary; graph drawings are in ``summit.figures``."""

from __future__ import annotations

from typing import Any

import matplotlib

matplotlib.use("Agg")  # figures are files; never open a window

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from summit.atlas import ExamplesAtlas, FeatvisAtlas  # noqa: E402
from summit.figures import plain_text, show_image  # noqa: E402


def _strip(images: list[np.ndarray]) -> np.ndarray | None:
    """Images side by side with a one-pixel white gap, or None when there are none."""
    if not images:
        return None
    gap = np.ones((images[0].shape[0], 1, *images[0].shape[2:]), images[0].dtype)
    return np.concatenate([x for im in images for x in (im, gap)][:-1], axis=1)


def draw_nonsemantic(report: dict[str, Any], histograms: dict[tuple[str, int], np.ndarray],
                     class_names: list[str], featvis: dict[str, FeatvisAtlas],
                     examples: dict[str, ExamplesAtlas], max_rows: int = 6) -> plt.Figure:
    """Per channel: its render, top dataset patches, lift per class, activation per class.

    ``histograms`` maps (layer, channel) to a classes × bins array of channel-max counts over
    the channel's dataset-wide range. Flagged channels come first; without any, the strongest
    candidates are shown and the title says none passed.
    """
    shown = report["channels"][:max_rows]
    settings = report["settings"]
    fig, axes = plt.subplots(len(shown) or 1, 4, figsize=(15, 2.3 * max(len(shown), 1) + 0.6),
                             gridspec_kw={"width_ratios": [1, 4, 4, 3]}, squeeze=False)
    names = [class_names[c] for c in report["class_ids"]]
    for row, ch in zip(axes, shown, strict=False):
        layer, c = ch["layer"], ch["channel"]
        verdict = "non-semantic" if ch["flagged"] else "not flagged"
        atlas = featvis.get(layer)
        failed = atlas is not None and c in atlas.failed  # its grey render is no feature
        show_image(row[0], atlas.image(c) if atlas and not failed else None,
                   "render failed" if failed else "feature vis.")
        row[0].text(-0.15, 0.5, f"{layer}:{c}\n{verdict}", transform=row[0].transAxes,
                    ha="right", va="center", fontsize=9, fontweight="bold", parse_math=False,
                    color="#b2182b" if ch["flagged"] else "#3d4650")
        ex = examples.get(layer)
        show_image(row[1], _strip(ex.patches(c)) if ex else None,
                   "top dataset examples (whole dataset)")
        lift = np.asarray(ch["lift"])
        order = np.argsort(-lift)
        ax = row[2]
        ax.bar(np.arange(len(lift)), lift[order], color=np.where(
            lift[order] >= settings["min_lift"], "#b2182b", "#9aa4ae"), width=0.85)
        ax.axhline(settings["min_lift"], color="#3d4650", linestyle="--", linewidth=0.8)
        ax.set_ylabel("× chance", fontsize=7)
        ax.set_title(f"lift per class (coverage {ch['coverage']:.0%}, selectivity "
                     f"{ch['selectivity']:.2f})", fontsize=8)
        if len(lift) <= 30:
            ax.set_xticks(np.arange(len(lift)), [names[i] for i in order], rotation=60,
                          ha="right", fontsize=6)
        else:
            ax.set_xticks([])
            ax.set_xlabel("classes, by lift", fontsize=7)
        ax.tick_params(axis="y", labelsize=7)
        hist = histograms.get((layer, c))
        ax = row[3]
        if hist is not None:
            dens = hist / np.maximum(hist.sum(axis=1, keepdims=True), 1)
            ax.imshow(dens, aspect="auto", cmap="Greys", interpolation="nearest")
            ax.set_yticks(np.arange(len(names)) if len(names) <= 30 else [],
                          names if len(names) <= 30 else [], fontsize=6)
        ax.set_xticks([])
        ax.set_xlabel("channel maximum, low → high", fontsize=7)
        ax.set_title("activation distribution per class", fontsize=8)
    flagged = report["n_flagged"]
    fig.suptitle(f"Non-semantic channels: {flagged} flagged (lift ≥ {settings['min_lift']:g} "
                 f"in ≥ {settings['min_coverage']:.0%} of classes)" if flagged else
                 "Non-semantic channels: none flagged; the strongest candidates per layer",
                 fontsize=11, x=0.01, ha="left")
    fig.tight_layout()
    return fig


def draw_neighbourhoods(result: dict[str, Any], layouts: dict[str, np.ndarray],
                        class_ids: list[int], class_names: list[str],
                        n_classes: int) -> plt.Figure:
    """The most-changing classes moving through the layer embeddings (the paper's Figure 8).

    One row per class and one column per layer: every class is a grey dot at its place in
    that layer's embedding, the class a red star joined to its neighbours, which are named.
    """
    layers = result["layers"]
    by_id = {c["id"]: c for c in result["classes"]}
    shown = result["ranking"][:n_classes]
    row_of = {cid: i for i, cid in enumerate(class_ids)}
    fig, axes = plt.subplots(len(shown) or 1, len(layers), squeeze=False,
                             figsize=(3.2 * len(layers) + 0.8, 3.0 * max(len(shown), 1) + 0.5))
    for row, cid in zip(axes, shown, strict=False):
        c = by_id[cid]
        for ax, layer in zip(row, layers, strict=True):
            xy = np.asarray(layouts[layer])
            ax.scatter(xy[:, 0], xy[:, 1], s=8, color="#c5ccd3", zorder=1)
            me = xy[row_of[cid]]
            for j in c["neighbours"][layer]:
                p = xy[row_of[j]]
                ax.plot([me[0], p[0]], [me[1], p[1]], color="#0072B2", linewidth=0.8,
                        alpha=0.7, zorder=2)
                ax.scatter(*p, s=18, color="#0072B2", zorder=3)
                ax.annotate(class_names[j], p, xytext=(3, 3), textcoords="offset points",
                            fontsize=6.5, color="#0b3c5d", zorder=5, annotation_clip=False)
            ax.scatter(*me, s=90, marker="*", color="#b2182b", zorder=4)
            if len(class_ids) <= 20:  # few classes: name the others too, faintly
                for other, p in zip(class_ids, xy, strict=True):
                    if other != cid and other not in c["neighbours"][layer]:
                        ax.annotate(class_names[other], p, xytext=(3, 3), fontsize=5.5,
                                    textcoords="offset points", color="#9aa4ae")
            ax.set_xticks([])
            ax.set_yticks([])
            ax.set_xlim(-0.08, 1.12)
            ax.set_ylim(-0.08, 1.1)
            for spine in ax.spines.values():
                spine.set_color("#c5ccd3")
            ax.set_title(layer, fontsize=9, parse_math=False)
        changes = " → ".join(f"{x:.0%}" for x in c["transitions"])
        row[0].set_ylabel(f"{c['name']}\nchange {c['change']:.0%}\n({changes})", fontsize=8,
                          parse_math=False)
    fig.suptitle(f"Classes whose {result['k']} nearest neighbours (cosine over A^l) change most "
                 "across layers", fontsize=11, x=0.01, ha="left")
    fig.tight_layout()
    return fig


HEATMAP_LABELLED_ROWS = 40  # class heatmaps name (and annotate) rows up to this many


def _heatmap_height(rows: int) -> float:
    return 0.32 * rows + 2.2 if rows <= HEATMAP_LABELLED_ROWS else 8


def _class_heatmap(fig: plt.Figure, ax: plt.Axes, values: np.ndarray, columns: list[str],
                   rows: list[str], cmap: str, vmin: float, vmax: float) -> None:
    """Classes × columns values with a colour bar; rows named and cells annotated when few."""
    shown = ax.imshow(values, aspect="auto", cmap=cmap, vmin=vmin, vmax=vmax,
                      interpolation="nearest")
    ax.set_xticks(np.arange(len(columns)), columns, fontsize=8)
    if len(rows) <= HEATMAP_LABELLED_ROWS:
        ax.set_yticks(np.arange(len(rows)), rows, fontsize=7)
        for (i, j), v in np.ndenumerate(values):
            if np.isfinite(v):
                ax.text(j, i, f"{v:.2f}", ha="center", va="center", fontsize=6.5,
                        color="black" if v > (vmin + vmax) / 2 else "white")
    else:
        ax.set_yticks([])
        ax.set_ylabel("classes", fontsize=8)
    fig.colorbar(shown, ax=ax, fraction=0.04, pad=0.02)


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
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(12, _heatmap_height(len(ids))),
                                  gridspec_kw={"width_ratios": [3, 2]})
    _class_heatmap(fig, ax, values, [*names, "model"], [class_names[c] for c in ids],
                   "viridis", 0.5, 1.0)
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
    fig.tight_layout()
    return fig


def draw_model_summary(results: list[dict[str, Any]]) -> plt.Figure:
    """Per class and layer, how much of the class's graph two models share (vertex Jaccard)."""
    layers = list(results[0]["layers"]) if results else []
    names = [r["a"]["name"] for r in results]
    values = np.array([[r["layers"][x]["jaccard"] for x in layers] for r in results]
                      ).reshape(len(results), len(layers))
    tall = len(results) <= HEATMAP_LABELLED_ROWS
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(11, _heatmap_height(len(results))),
                                  gridspec_kw={"width_ratios": [3, 2]})
    _class_heatmap(fig, ax, values, layers, names, "magma", 0, 1)
    ax.set_title("vertices shared by the two models' graphs (Jaccard) per layer", fontsize=8.5,
                 loc="left")
    a = [np.nan if r["accuracy"][0] is None else r["accuracy"][0] for r in results]
    b = [np.nan if r["accuracy"][1] is None else r["accuracy"][1] for r in results]
    y = np.arange(len(results))
    labels = results[0]["models"] if results else ["A", "B"]
    ax2.hlines(y, a, b, color="#9aa4ae")
    ax2.scatter(a, y, color="#0072B2", label=labels[0], zorder=3)
    ax2.scatter(b, y, color="#E69F00", label=labels[1], zorder=3)
    ax2.set_yticks(y, names if tall else [], fontsize=7)
    ax2.invert_yaxis()
    ax2.set_xlabel("accuracy on the class's images", fontsize=8)
    legend = ax2.legend(fontsize=7.5, frameon=False, loc="lower left", bbox_to_anchor=(0, 1.0))
    plain_text(legend.get_texts())
    fig.suptitle("Two models on the same data: how the attribution graphs changed", fontsize=11,
                 x=0.01, ha="left")
    fig.tight_layout()
    return fig
