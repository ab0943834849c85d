"""Non-semantic channels (paper §8.4): channels that are top channels whatever the input.

The paper found five such channels in InceptionV1 by eye (e.g. mixed3a 67 fires on the image
frame) and hard-coded them. Here a channel is flagged when, in nearly every class, it is among
the images' top channels more often than chance: its *lift* (the share of the class's images
that select it, over the share a channel would get if each image's selections fell uniformly
on the layer's channels) reaches ``min_lift`` in at least ``min_coverage`` of the classes.
A semantic channel is over-represented in a few classes; a non-semantic one in all of them.

Evidence kept per channel: coverage, lift per class, and the class selectivity index
(Morcos et al. 2018) of its mean channel maximum, near 0 when every class drives it alike;
and its *support*, the share of bootstrap resamples of the classes' image groups in which
it is flagged (``summit.evidence.stability``), since a flag another sample of images would not give
is tentative, not a finding.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from summit.io.store import ClassStore
from summit.method.resampling import weighted_rows


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


def resampled_flags(group_counts: np.ndarray, group_images: np.ndarray, weights: np.ndarray,
                    means: np.ndarray, min_lift: float, min_coverage: float) -> np.ndarray:
    """resamples × channels: each channel's flag in each bootstrap resample of one layer.

    ``group_counts`` (classes × groups × channels) is A^l per image group, ``group_images``
    (classes × groups) the images per group and ``weights`` (classes × resamples × groups)
    each class's ``summit.method.resampling.resample_weights``: resample b draws every class's own
    row b, the same multisets of images its graphs are rebuilt from. Only the counts are
    resampled: the selectivity (``means``) does not decide the flag.
    """
    group_counts = np.asarray(group_counts, np.int64)
    weights = np.asarray(weights, np.int64)
    group_images = np.asarray(group_images, np.int64)
    flags = np.zeros((weights.shape[1], group_counts.shape[2]), bool)
    for b in range(weights.shape[1]):
        w = weights[:, b]
        flags[b] = detect_layer(weighted_rows(group_counts, w),
                                (w * group_images).sum(axis=1), means, min_lift,
                                min_coverage)["flagged"]
    return flags


def near_misses(flagged: np.ndarray, support: np.ndarray, coverage: np.ndarray
                ) -> list[dict[str, Any]]:
    """Channels not flagged on all the images but in at least half of the resamples: the
    borderline cases a slightly different sample would have reported."""
    miss = np.flatnonzero(~np.asarray(flagged, bool) & (np.asarray(support) >= 0.5))
    return [{"channel": int(c), "support": round(float(support[c]), 6),
             "coverage": round(float(coverage[c]), 6)}
            for c in sorted(miss, key=lambda c: (-support[c], c))]


def report(layers: dict[str, dict[str, np.ndarray]], class_ids: list[int],
           settings: dict[str, Any], candidates: int, support: dict[str, np.ndarray],
           stability: dict[str, Any]) -> dict[str, Any]:
    """The study's verdict: flagged channels per layer and the evidence for them.

    Besides the flagged channels, each layer's ``candidates`` highest-coverage channels are
    listed, so a study with none flagged still shows how close the strongest ones came.
    ``support`` (per layer, per channel: the share of resamples flagging it) marks a flagged
    channel under ``stability["min_support"]`` tentative, and lists the near misses.
    """
    min_support = stability["min_support"]
    channels, flagged, misses, n_supported = [], {}, {}, 0
    for layer, d in layers.items():
        flagged[layer] = np.flatnonzero(d["flagged"]).tolist()
        s = np.asarray(support[layer], np.float64)
        n_supported += int((d["flagged"] & (s >= min_support)).sum())
        misses[layer] = near_misses(d["flagged"], s, d["coverage"])
        order = np.lexsort((np.median(d["lift"], axis=0) * -1, -d["coverage"]))
        keep = [int(c) for c in order if d["flagged"][c]] + \
               [int(c) for c in order if not d["flagged"][c]][:candidates]
        for c in keep:
            channels.append({"layer": layer, "channel": c, "flagged": bool(d["flagged"][c]),
                             "coverage": round(float(d["coverage"][c]), 6),
                             "median_lift": round(float(np.median(d["lift"][:, c])), 6),
                             "selectivity": round(float(d["selectivity"][c]), 6),
                             "lift": np.round(d["lift"][:, c], 4).tolist(),
                             "support": round(float(s[c]), 6),
                             "tentative": bool(d["flagged"][c] and s[c] < min_support)})
    channels.sort(key=lambda x: (not x["flagged"], -x["coverage"], -x["median_lift"]))
    return {"settings": settings, "class_ids": class_ids, "flagged": flagged,
            "n_flagged": sum(len(v) for v in flagged.values()), "channels": channels,
            "n_supported": n_supported, "near_misses": misses, "stability": stability}


def table_rows(layers: dict[str, dict[str, np.ndarray]],
               support: dict[str, np.ndarray]) -> list[dict[str, Any]]:
    """Every channel of every layer, for the CSV."""
    return [{"layer": layer, "channel": c, "coverage": round(float(d["coverage"][c]), 6),
             "median_lift": round(float(np.median(d["lift"][:, c])), 6),
             "min_lift": round(float(d["lift"][:, c].min()), 6),
             "selectivity": round(float(d["selectivity"][c]), 6),
             "flagged": int(d["flagged"][c]), "support": round(float(support[layer][c]), 6)}
            for layer, d in layers.items() for c in range(len(d["coverage"]))]
