"""A randomized model's study set against the trained model's: its graphs' vertices (Jaccard,
with the level chance gives), its class neighbourhoods in A^l, and its graphs' faithfulness
(ablating a class's graph against random channel sets of the same size)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import torch

from summit.analyses.neighbours import nearest_neighbours
from summit.evidence.faithfulness import evaluate, reference_means, vertex
from summit.explain.evidence import conditions
from summit.model.interventions import Intervener

ROUND = 4


def vertices(graph: Mapping[str, Any]) -> dict[str, set[int]]:
    """A class graph's channels, per layer."""
    out: dict[str, set[int]] = {}
    for node in graph["nodes"]:
        layer, channel = vertex(node["id"])
        out.setdefault(layer, set()).add(channel)
    return out


def overlap(a: Mapping[str, set[int]], b: Mapping[str, set[int]],
            channels: Mapping[str, int]) -> dict[str, float]:
    """Two graphs' shared vertices and Jaccard, with chance's: two sets of the same sizes per
    layer drawn at random from its ``channels`` share |A_l||B_l|/C_l vertices in expectation,
    and ``chance`` is that expectation's Jaccard (shared / (|A| + |B| - shared))."""
    shared = sum(len(a.get(x, set()) & b.get(x, set())) for x in channels)
    size_a = sum(len(a.get(x, ())) for x in channels)
    size_b = sum(len(b.get(x, ())) for x in channels)
    expected = sum(len(a.get(x, ())) * len(b.get(x, ())) / c for x, c in channels.items())
    union = size_a + size_b - shared
    return {"shared": shared, "expected": expected,
            "jaccard": shared / union if union else float("nan"),
            "chance": expected / (size_a + size_b - expected) if size_a + size_b else float("nan")}


def graph_similarity(trained: Sequence[Mapping[str, Any]], other: Sequence[Mapping[str, Any]],
                     channels: Mapping[str, int]) -> dict[str, Any]:
    """Per class (in order) and on average, the overlap of a model's graph with the trained
    model's graph of the same class; and per layer, its mean over classes."""
    pairs = [(vertices(t), vertices(o)) for t, o in zip(trained, other, strict=True)]
    per_class = [overlap(a, b, channels) for a, b in pairs]

    def mean(rows: list[dict[str, float]]) -> dict[str, float]:
        return {k: round(float(np.nanmean([c[k] for c in rows])), ROUND) for k in rows[0]}

    return {"classes": [{k: round(v, ROUND) for k, v in c.items()} for c in per_class],
            "mean": mean(per_class),
            "layers": {x: mean([overlap(a, b, {x: c}) for a, b in pairs])
                       for x, c in channels.items()}}


def neighbourhood_agreement(trained: Sequence[np.ndarray], other: Sequence[np.ndarray],
                            layers: Sequence[str], k: int) -> dict[str, Any]:
    """Per layer, the share of each class's ``k`` nearest classes in A^l (cosine) that are
    the same in both models, averaged over classes; chance is k / (classes - 1)."""
    out: dict[str, Any] = {}
    for layer, a, b in zip(layers, trained, other, strict=True):
        na, _ = nearest_neighbours(a, k)
        nb, _ = nearest_neighbours(b, k)
        kk = na.shape[1]
        same = [len(set(x) & set(y)) / kk for x, y in zip(na.tolist(), nb.tolist(), strict=True)]
        out[layer] = round(float(np.mean(same)), ROUND) if kk else float("nan")
    n = len(trained[0])
    return {"layers": out, "mean": round(float(np.mean(list(out.values()))), ROUND),
            "chance": round(min(k, n - 1) / (n - 1), ROUND) if n > 1 else float("nan")}


def image_batches(dataset, indices: np.ndarray, batch_size: int
                  ) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """``dataset``'s images ``indices`` as (inputs, labels) batches."""
    out = []
    for lo in range(0, len(indices), batch_size):
        part = indices[lo:lo + batch_size]
        pixels = np.stack([dataset.pixels(int(i)) for i in part])
        out.append((dataset.inputs(pixels), torch.from_numpy(dataset.labels[part])))
    return out


def faithfulness(model: torch.nn.Module, layers: Sequence[str], channels: Mapping[str, int],
                 graphs: Sequence[Mapping[str, Any]], batches: Sequence[list], repeats: int,
                 rng: np.random.Generator, batch_size: int, device: torch.device
                 ) -> dict[str, Any]:
    """Each class's graph (``graphs`` and ``batches`` in class order) ablated on its images,
    channels replaced by their mean maps over all the images, against ``repeats`` random
    sets of the same size per layer: the true class's mean probability drop, the random
    sets' mean drop, their difference (the effect) and p (a random set dropping it as far,
    counted with the graph); and the model's accuracy on all the images."""
    means, _ = reference_means(model, layers, [b for group in batches for b in group], device)
    intervener = Intervener(model, layers, {x: torch.from_numpy(m) for x, m in means.items()})
    rows, correct = [], []
    for graph, own in zip(graphs, batches, strict=True):
        chosen = {x: sorted(v) for x, v in vertices(graph).items()}
        conds, at = conditions(channels, {"graph": chosen}, repeats, rng)
        outcome = evaluate(intervener, own, conds, batch_size, device)
        correct.append(outcome.correct[0])
        drop = outcome.drops()["prob"].mean(axis=1)
        g, random = float(drop[at["graph"]]), drop[at["graph"] + 1:]
        rows.append({"drop": round(g, ROUND), "random_drop": round(float(random.mean()), ROUND),
                     "effect": round(g - float(random.mean()), ROUND),
                     "p": round((1 + int((random >= g).sum())) / (1 + repeats), ROUND)})
    return {"classes": rows, "accuracy": round(float(np.concatenate(correct).mean()), ROUND),
            "mean_effect": round(float(np.mean([r["effect"] for r in rows])), ROUND)}
