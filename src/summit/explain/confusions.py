"""Confusions explained: for each frequent confusion (true class A, predicted B), the channels
of B's graph that A's misclassified images activate far more often than A's correctly
classified ones. An image activates a channel when the channel is among its top channels by
the study's aggregation rule (the rule behind A^l), read from the class stores' maxima; no
forward pass. Counts are kept per image group, so each finding's support is measured on the
same bootstrap resamples of the groups as every other finding's (``stability`` settings)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from summit.io.store import ClassStore, group_of_rows
from summit.method.activations import select
from summit.method.resampling import tentative
from summit.settings import AggregationSettings


def activation_masks(store: ClassStore, layers: list[str], agg: AggregationSettings
                     ) -> dict[str, np.ndarray]:
    """Per layer, images × channels: whether each image has the channel among its top
    channels (the aggregation rule), streamed chunk by chunk from the store."""
    return {layer: np.concatenate([
        select(torch.from_numpy(np.ascontiguousarray(z, np.float32)), agg.method, agg.k,
               agg.share, dim=1).numpy() for z in store.iter_maxima(layer)])
        for layer in layers}


@dataclass
class ConfusionCounts:
    """One confusion's counts per image group: of the true class's images predicted as
    ``predicted`` (``mis``) and of its correctly classified ones (``cor``), how many activate
    each vertex of the predicted class's graph (groups × vertices), and how many there are
    (per group)."""

    true: int
    predicted: int
    vertices: list[str]
    mis: np.ndarray
    cor: np.ndarray
    n_mis: np.ndarray
    n_cor: np.ndarray


def confusion_counts(true: int, label: np.ndarray, predicted: np.ndarray,
                     masks: dict[str, np.ndarray], graphs: dict[int, list[str]], groups: int,
                     min_images: int) -> list[ConfusionCounts]:
    """The class's confusions with at least ``min_images`` images, each predicted class's
    graph vertices (``graphs``) counted among its misclassified and correct images."""
    group = group_of_rows(0, len(label), groups)
    correct = predicted == label
    out = []
    for b in np.unique(predicted[~correct]):
        wrong = predicted == b
        if wrong.sum() < min_images or int(b) not in graphs:
            continue
        vertices = graphs[int(b)]
        act = np.zeros((len(label), len(vertices)), np.int64)
        for j, v in enumerate(vertices):
            layer, channel = v.rsplit(":", 1)
            act[:, j] = masks[layer][:, int(channel)]
        (mis, n_mis), (cor, n_cor) = (_per_group(act, group, rows, groups)
                                      for rows in (wrong, correct))
        out.append(ConfusionCounts(true, int(b), vertices, mis, cor, n_mis, n_cor))
    return out


def _per_group(act: np.ndarray, group: np.ndarray, rows: np.ndarray, groups: int
               ) -> tuple[np.ndarray, np.ndarray]:
    """Of the images ``rows`` (a mask), per group: how many activate each column of ``act``,
    and how many there are."""
    counts = np.zeros((groups, act.shape[1]), np.int64)
    np.add.at(counts, group[rows], act[rows])
    return counts, np.bincount(group[rows], minlength=groups)


def rate_ratio(a: np.ndarray, n_a: np.ndarray, c: np.ndarray, n_c: np.ndarray) -> np.ndarray:
    """(a / n_a) / (c / n_c), each rate with half a count added (finite where a channel is
    never active among the correct images)."""
    return ((a + 0.5) / (n_a + 1.0)) / ((c + 0.5) / (n_c + 1.0))


def pulling(a: np.ndarray, n_a: np.ndarray, c: np.ndarray, n_c: np.ndarray, ratio: float,
            min_count: int, min_rate: float) -> np.ndarray:
    """Whether each channel pulls: active in at least ``min_count`` and ``min_rate`` of the
    misclassified images, and at least ``ratio`` times as often as in the correct ones."""
    return ((rate_ratio(a, n_a, c, n_c) >= ratio) & (a >= min_count)
            & (a >= min_rate * np.maximum(n_a, 1)))


def explain_confusion(cc: ConfusionCounts, weights: np.ndarray, ratio: float, min_count: int,
                      min_rate: float, min_support: float) -> dict[str, Any]:
    """The channels that pull the confusion (``pulling``); each channel's support is the
    share of the resamples (``weights``: resamples × groups) where it does, listed when it
    does on the whole sample or in half the resamples, strongest first."""
    a, c = cc.mis.sum(0), cc.cor.sum(0)
    n_a, n_c = int(cc.n_mis.sum()), int(cc.n_cor.sum())
    rr = rate_ratio(a, n_a, c, n_c)
    pulls = pulling(a, np.asarray(n_a), c, np.asarray(n_c), ratio, min_count, min_rate)
    w = np.asarray(weights, np.int64)
    held = pulling(w @ cc.mis, (w @ cc.n_mis)[:, None], w @ cc.cor, (w @ cc.n_cor)[:, None],
                   ratio, min_count, min_rate)
    support = held.mean(0) if len(w) else np.full(len(rr), np.nan)
    listed = np.flatnonzero(pulls | (support >= 0.5))
    channels = [{"id": cc.vertices[v], "misclassified": int(a[v]), "correct": int(c[v]),
                 "rate_misclassified": round(a[v] / max(n_a, 1), 6),
                 "rate_correct": round(c[v] / max(n_c, 1), 6),
                 "rate_ratio": round(float(rr[v]), 6), "pulls": bool(pulls[v]),
                 "support": round(float(support[v]), 6),
                 "tentative": tentative(float(support[v]), min_support)}
                for v in listed[np.lexsort((listed, -rr[listed]))]]
    return {"true": cc.true, "predicted": cc.predicted, "n_misclassified": n_a,
            "n_correct": n_c, "graph_vertices": len(cc.vertices), "channels": channels}
