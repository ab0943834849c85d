"""Which channels respond to a planted pattern, measured, not assumed: each channel's maximum
on stamped copies of test images against the same images unstamped. The paired difference
per channel, its 95 % bootstrap interval over the images, and an effect size (the difference
over the spread of the clean maxima) pick the pattern channels: the ground truth the class
graphs are checked against."""

from __future__ import annotations

import numpy as np


def resample_counts(resamples: np.ndarray, n: int) -> np.ndarray:
    """How often each of ``n`` images is drawn in each resample (rows of image indices)."""
    counts = np.zeros((len(resamples), n))
    np.add.at(counts, (np.arange(len(resamples))[:, None], resamples), 1)
    return counts


def paired_response(clean: np.ndarray, stamped: np.ndarray, resamples: np.ndarray
                    ) -> dict[str, np.ndarray]:
    """Per channel (columns of two images × channels arrays of maxima, rows paired): the mean
    difference stamped − clean, its 95 % percentile interval over the bootstrap
    ``resamples`` (rows of image indices), and the effect: the mean difference over the
    standard deviation of the channel's clean maxima, or the layer's median one where that
    is smaller (a channel silent on clean images is judged by the layer's spread)."""
    d = stamped.astype(np.float64) - clean.astype(np.float64)
    means = resample_counts(resamples, len(d)) @ d / len(d)  # each resample's mean, all channels
    low, high = np.percentile(means, [2.5, 97.5], axis=0)
    mean = d.mean(axis=0)
    sd = clean.astype(np.float64).std(axis=0, ddof=1) if len(d) > 1 else np.zeros_like(mean)
    moving = sd[sd > 0]
    floor = float(np.median(moving)) if len(moving) else 1.0
    effect = mean / np.maximum(sd, floor)
    return {"mean": mean, "low": low, "high": high, "effect": effect}


def pattern_channels(response: dict[str, np.ndarray], min_effect: float) -> list[int]:
    """The channels whose interval lies above 0 with an effect of at least ``min_effect``,
    strongest first (ties by channel)."""
    hit = np.flatnonzero((response["low"] > 0) & (response["effect"] >= min_effect))
    return [int(c) for c in hit[np.lexsort((hit, -response["effect"][hit]))]]

