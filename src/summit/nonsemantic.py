"""Non-semantic channels (paper §8.4): channels that are top channels whatever the input.

The paper found five such channels in InceptionV1 by eye (e.g. mixed3a 67 fires on the image
frame) and hard-coded them. Here a channel is flagged when, in nearly every class, it is among
the images' top channels more often than chance: its *lift* (the share of the class's images
that select it, over the share a channel would get if each image's selections fell uniformly
on the layer's channels) reaches ``min_lift`` in at least ``min_coverage`` of the classes.
A semantic channel is over-represented in a few classes; a non-semantic one in all of them.

Evidence kept per channel: coverage, lift per class, and the class selectivity index
(Morcos et al. 2018) of its mean channel maximum, near 0 when every class drives it alike.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from summit.store import ClassStore


def top_channel_lift(counts: np.ndarray, n_images: np.ndarray) -> np.ndarray:
    """classes × channels: A^l[c, k] / n_c over the chance rate (selections per image / K)."""
    counts = np.asarray(counts, np.float64)
    n = np.asarray(n_images, np.float64)[:, None]
    rate = np.divide(counts, n, out=np.zeros_like(counts), where=n > 0)
    chance = rate.sum(axis=1, keepdims=True) / counts.shape[1]
    return np.divide(rate, chance, out=np.zeros_like(rate), where=chance > 0)


def class_selectivity(class_means: np.ndarray) -> np.ndarray:
    """Per channel (μ_max − μ_rest) / (μ_max + μ_rest) over the class means: 0 = no preference."""
    means = np.asarray(class_means, np.float64)
    top = means.max(axis=0)
    rest = (means.sum(axis=0) - top) / max(means.shape[0] - 1, 1)
    denom = np.abs(top) + np.abs(rest)
    return np.divide(top - rest, denom, out=np.zeros_like(top), where=denom > 0)


def class_means(stores: list[ClassStore], layer: str) -> np.ndarray:
    """classes × channels mean channel maximum, streamed chunk by chunk."""
    rows = []
    for store in stores:
        total, n = None, 0
        for z in store.iter_maxima(layer):
            s = z.sum(axis=0, dtype=np.float64)
            total, n = (s if total is None else total + s), n + len(z)
        rows.append(total / n if n else np.zeros(store.maxima(layer).shape[1]))
    return np.stack(rows)


def detect_layer(counts: np.ndarray, n_images: np.ndarray, means: np.ndarray,
                 min_lift: float, min_coverage: float) -> dict[str, np.ndarray]:
    """Lift, coverage, selectivity and the flag of every channel of one layer."""
    lift = top_channel_lift(counts, n_images)
    coverage = (lift >= min_lift).mean(axis=0)
    return {"lift": lift, "coverage": coverage, "selectivity": class_selectivity(means),
            "flagged": coverage >= min_coverage}


def report(layers: dict[str, dict[str, np.ndarray]], class_ids: list[int],
           settings: dict[str, Any], candidates: int) -> dict[str, Any]:
    """The study's verdict: flagged channels per layer and the evidence for them.

    Besides the flagged channels, each layer's ``candidates`` highest-coverage channels are
    listed, so a study with none flagged still shows how close the strongest ones came.
    """
    channels, flagged = [], {}
    for layer, d in layers.items():
        flagged[layer] = np.flatnonzero(d["flagged"]).tolist()
        order = np.lexsort((np.median(d["lift"], axis=0) * -1, -d["coverage"]))
        keep = [int(c) for c in order if d["flagged"][c]] + \
               [int(c) for c in order if not d["flagged"][c]][:candidates]
        for c in keep:
            channels.append({"layer": layer, "channel": c, "flagged": bool(d["flagged"][c]),
                             "coverage": round(float(d["coverage"][c]), 6),
                             "median_lift": round(float(np.median(d["lift"][:, c])), 6),
                             "selectivity": round(float(d["selectivity"][c]), 6),
                             "lift": np.round(d["lift"][:, c], 4).tolist()})
    channels.sort(key=lambda x: (not x["flagged"], -x["coverage"], -x["median_lift"]))
    return {"settings": settings, "class_ids": class_ids, "flagged": flagged,
            "n_flagged": sum(len(v) for v in flagged.values()), "channels": channels}


def table_rows(layers: dict[str, dict[str, np.ndarray]]) -> list[dict[str, Any]]:
    """Every channel of every layer, for the CSV."""
    return [{"layer": layer, "channel": c, "coverage": round(float(d["coverage"][c]), 6),
             "median_lift": round(float(np.median(d["lift"][:, c])), 6),
             "min_lift": round(float(d["lift"][:, c].min()), 6),
             "selectivity": round(float(d["selectivity"][c]), 6),
             "flagged": int(d["flagged"][c])}
            for layer, d in layers.items() for c in range(len(d["coverage"]))]


def merged_exclusions(configured: dict[str, list[int]],
                      detected: dict[str, list[int]]) -> dict[str, list[int]]:
    """Channels to leave out of the graphs: the configured ones plus the detected ones."""
    layers = sorted(set(configured) | set(detected))
    return {layer: sorted(set(configured.get(layer, [])) | set(detected.get(layer, [])))
            for layer in layers}
