"""How much a class's graph, and each finding, depends on the sample of images.

The aggregation pass keeps its influence tallies (and A^l keeps its counts) per disjoint
group of the class's images, so any multiset of groups gives a graph without another
forward pass: the weighted sum of the groups' tallies and counts. Bootstrap resamples draw
G groups with replacement (seeded by the stability seed and the class); split halves draw
half of the groups against the other half. A vertex's (or edge's) *inclusion* is the share
of resampled graphs holding it; a finding's *support* is the share of resamples in which it
holds, and below ``min_support`` it is *tentative*.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from typing import Any

import numpy as np


def resample_weights(seed: int, class_id: int, resamples: int, groups: int) -> np.ndarray:
    """resamples × groups: how often each group is drawn in each bootstrap resample.

    The one definition every stage uses, so a class's b-th resample is the same multiset
    of groups for its graph and for the findings built on its counts.
    """
    rng = np.random.default_rng([seed, class_id])
    draws = rng.integers(0, groups, (resamples, groups))
    return np.stack([np.bincount(row, minlength=groups) for row in draws]) if resamples else \
        np.zeros((0, groups), np.int64)


def half_splits(seed: int, class_id: int, splits: int, groups: int) -> np.ndarray:
    """splits × groups booleans: True for the groups of the first half (⌊G/2⌋ of them)."""
    rng = np.random.default_rng([seed, class_id, 1])
    out = np.zeros((splits, groups), bool)
    for row in out:
        row[rng.permutation(groups)[:groups // 2]] = True
    return out


def weighted(by_group: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Σ_g weights[g] · by_group[g]: the tallies or counts of a multiset of groups."""
    return np.tensordot(np.asarray(weights, np.int64), by_group, axes=(0, 0))


def jaccard(a: set, b: set) -> float:
    """|a ∩ b| / |a ∪ b|; two empty sets agree (1)."""
    return len(a & b) / len(a | b) if a | b else 1.0


def inclusion(sets: list[set]) -> dict[Hashable, float]:
    """Each element's share of ``sets`` holding it."""
    counts: dict[Hashable, int] = {}
    for s in sets:
        for x in s:
            counts[x] = counts.get(x, 0) + 1
    return {x: n / len(sets) for x, n in counts.items()}


def summary(values: Iterable[float]) -> dict[str, float]:
    """Mean, 5th percentile and minimum of a resampled statistic."""
    v = np.asarray(list(values), np.float64)
    if not v.size:
        return {"mean": float("nan"), "p5": float("nan"), "min": float("nan")}
    return {"mean": round(float(v.mean()), 6), "p5": round(float(np.percentile(v, 5)), 6),
            "min": round(float(v.min()), 6)}


def support(holds: Iterable[bool]) -> float:
    """The share of resamples in which a finding holds."""
    h = np.asarray(list(holds), bool)
    return round(float(h.mean()), 6) if h.size else float("nan")


def vertex_set(graph: dict[str, Any]) -> set[str]:
    return {n["id"] for n in graph["nodes"]}


def edge_set(graph: dict[str, Any]) -> set[tuple[str, str]]:
    return {(e["source"], e["target"]) for e in graph["edges"]}


def graph_stability(build: Callable[[np.ndarray], dict[str, Any]], full: dict[str, Any],
                    weights: np.ndarray, halves: np.ndarray) -> dict[str, Any]:
    """The stability of one class's graph ``full`` (built from every group once).

    ``build(w)`` is the graph from group multiplicities ``w``. Returns each vertex's and
    edge's inclusion over the resamples (``weights``, one row each), every resampled
    graph's Jaccard with ``full`` (summaries), the split halves' agreement, and the
    resampled graphs themselves (their vertices and edges) for the findings' support.
    """
    graphs = [build(w) for w in weights]
    vertices, edges = vertex_set(full), edge_set(full)
    v_sets, e_sets = [vertex_set(g) for g in graphs], [edge_set(g) for g in graphs]
    v_incl, e_incl = inclusion(v_sets), inclusion(e_sets)
    halves_out = []
    for first in halves:
        a, b = build(first.astype(np.int64)), build((~first).astype(np.int64))
        halves_out.append({"first": np.flatnonzero(first).tolist(),
                           "vertex_jaccard": round(jaccard(vertex_set(a), vertex_set(b)), 6),
                           "edge_jaccard": round(jaccard(edge_set(a), edge_set(b)), 6)})
    order = sorted(vertices | set(v_incl), key=lambda v: (-v_incl.get(v, 0.0), v))
    edge_order = sorted(edges | set(e_incl), key=lambda e: (-e_incl.get(e, 0.0), e))
    return {
        "vertices": [{"id": v, "inclusion": round(v_incl.get(v, 0.0), 6),
                      "in_graph": v in vertices} for v in order],
        "edges": [{"source": s, "target": t, "inclusion": round(e_incl.get((s, t), 0.0), 6),
                   "in_graph": (s, t) in edges} for s, t in edge_order],
        "jaccard": {"vertices": summary(jaccard(vertices, s) for s in v_sets),
                    "edges": summary(jaccard(edges, s) for s in e_sets)},
        "split_half": {"vertices": summary(h["vertex_jaccard"] for h in halves_out),
                       "edges": summary(h["edge_jaccard"] for h in halves_out)},
        "halves": halves_out,
        "resamples": [{"weights": w.tolist(), "nodes": sorted(vs),
                       "edges": [list(e) for e in sorted(es)]}
                      for w, vs, es in zip(weights, v_sets, e_sets, strict=True)],
    }
