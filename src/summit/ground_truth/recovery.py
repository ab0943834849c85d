"""Did the study find what was planted? The measured pattern channels against the class
graphs: which of them each class's graph holds and at which PageRank rank in its layer,
recall in the planted classes' graphs, precision against every graph that holds one, support
over the resampled graphs, the non-semantic detector's verdict on them, and whether the
classes sharing a pattern share its channels (a motif)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

TOP = 3  # the goal: a pattern channel among the first TOP of its layer's vertices by PageRank


def vertex_ids(pattern: Mapping[str, Sequence[int]]) -> list[str]:
    """Pattern channels per layer as vertex ids ``layer:channel``."""
    return [f"{layer}:{c}" for layer, channels in pattern.items() for c in channels]


def layer_ranks(graph: dict[str, Any]) -> dict[str, int]:
    """Each vertex's rank in its layer by PageRank (1 = highest; ties by channel)."""
    ranks: dict[str, int] = {}
    by_layer: dict[str, list[dict[str, Any]]] = {}
    for n in graph["nodes"]:
        by_layer.setdefault(n["layer"], []).append(n)
    for nodes in by_layer.values():
        nodes.sort(key=lambda n: (-n["pagerank"], n["channel"]))
        ranks.update({n["id"]: r for r, n in enumerate(nodes, 1)})
    return ranks


def class_recovery(pattern: Mapping[str, Sequence[int]], graph: dict[str, Any]
                   ) -> dict[str, Any]:
    """One class's graph against the pattern channels: those it holds with their ranks, and
    per layer with pattern channels the best rank of one in the graph (None: none in it)."""
    ranks = layer_ranks(graph)
    found = [v for v in vertex_ids(pattern) if v in ranks]
    best = {layer: min((ranks[f"{layer}:{c}"] for c in channels if f"{layer}:{c}" in ranks),
                       default=None)
            for layer, channels in pattern.items() if channels}
    return {"found": found, "ranks": {v: ranks[v] for v in found}, "best_rank": best,
            "recall": len(found) / len(vertex_ids(pattern)) if vertex_ids(pattern) else None,
            "top": bool(best) and all(r is not None and r <= TOP for r in best.values())}


def recovery(pattern: Mapping[str, Sequence[int]], graphs: Mapping[int, dict[str, Any]],
             planted: Sequence[int]) -> dict[str, Any]:
    """Every class's recovery of one stamp's pattern channels; ``precision``: of all the
    graphs' holdings of pattern channels, the share in graphs of ``planted`` classes (None
    if no graph holds one)."""
    per = {c: class_recovery(pattern, g) for c, g in graphs.items()}
    held = {c: len(r["found"]) for c, r in per.items()}
    total = sum(held.values())
    return {"classes": per,
            "precision": sum(held[c] for c in planted if c in held) / total if total else None,
            "unplanted_holding": sorted(c for c in per if c not in planted and held[c])}


def resampled_support(pattern: Mapping[str, Sequence[int]],
                      resamples: Sequence[Sequence[str]]) -> dict[str, float | None]:
    """Over a class's resampled graphs (each its vertex ids): the share holding at least one
    pattern channel, and the mean recall; None without resamples."""
    ids = set(vertex_ids(pattern))
    if not resamples or not ids:
        return {"any": None, "recall": None}
    hits = np.array([len(ids & set(nodes)) for nodes in resamples], np.float64)
    return {"any": float((hits > 0).mean()), "recall": float((hits / len(ids)).mean())}


def shared_channels(pattern: Mapping[str, Sequence[int]], graphs: Mapping[int, dict[str, Any]],
                    classes: Sequence[int], motifs: Sequence[dict[str, Any]] | None
                    ) -> dict[str, Any]:
    """For a pattern several classes carry: its channels in every one of their graphs, and
    the motifs (``analysis/motifs.json``) spanning those classes that hold one (None where
    no motifs were mined: a seed's study)."""
    ids = set(vertex_ids(pattern))
    shared = sorted(ids.intersection(*({n["id"] for n in graphs[c]["nodes"]} for c in classes)))
    if motifs is None:
        return {"shared": shared, "motifs": None}
    found = [m for m in motifs if set(classes) <= set(m["classes"]) and ids & set(m["vertices"])]
    return {"shared": shared, "motifs": [{"classes": m["classes"], "vertices": m["vertices"]}
                                         for m in found]}
