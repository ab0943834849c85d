"""Per-class statistics for the interface: accuracy, probability and channel histograms.

Channel histograms share one range per channel (its min and max over the whole dataset), so
a class's distribution can be set beside its misclassified images' and all images' (seed
004's density bars).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from summit.io.store import ClassStore


def channel_histograms(values: np.ndarray, lo: np.ndarray, hi: np.ndarray,
                       bins: int) -> np.ndarray:
    """Per-channel histogram of ``values`` (images × channels) over [lo, hi]: channels × bins."""
    width = np.where(hi > lo, hi - lo, 1.0)
    idx = np.clip(((values - lo) / width * bins).astype(np.int64), 0, bins - 1)
    channels = values.shape[1]
    flat = idx + np.arange(channels) * bins
    return np.bincount(flat.ravel(), minlength=channels * bins).reshape(channels, bins)


def class_stats(store: ClassStore, ranges: dict[str, dict[str, np.ndarray]],
                bins: int) -> dict[str, Any]:
    """Accuracy, histogram of p(true class), and per layer the channel-max histograms."""
    label, predicted = store.prediction("label"), store.prediction("predicted")
    wrong = predicted != label
    prob_hist = np.histogram(store.prediction("prob_true"), bins=bins, range=(0.0, 1.0))[0]
    layers = {}
    for layer, rng in ranges.items():
        lo, hi = rng["channel_min"], rng["channel_max"]
        hist_all = np.zeros((len(lo), bins), np.int64)
        hist_wrong = np.zeros_like(hist_all)
        start = 0
        for z in store.iter_maxima(layer):
            w = wrong[start:start + len(z)]
            hist_all += channel_histograms(z, lo, hi, bins)
            hist_wrong += channel_histograms(z[w], lo, hi, bins)
            start += len(z)
        layers[layer] = {"range": [lo.tolist(), hi.tolist()], "class": hist_all.tolist(),
                         "misclassified": hist_wrong.tolist()}
    n = len(label)
    return {"class_id": store.class_id, "n_images": n,
            "n_skipped": int(store.attrs.get("n_skipped", 0)),
            "accuracy": float((~wrong).mean()) if n else 0.0,
            "n_misclassified": int(wrong.sum()),
            "confusions": np.bincount(predicted[wrong]).tolist() if wrong.any() else [],
            "prob_hist": prob_hist.tolist(), "channel_hist": layers}
