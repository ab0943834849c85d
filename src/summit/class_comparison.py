"""Comparing two classes' attribution graphs (paper §8.3, Figure 9; §9 future work).

Channels are identified by layer and index, so graph intersection, union and difference are
set operations on vertex ids and (source, target) edges. Classes are paired by the Jaccard
index of their vertex sets, computed for all pairs at once from a classes × vertices
incidence matrix.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def vertex_jaccard(graphs: list[dict[str, Any]]) -> np.ndarray:
    """classes × classes Jaccard index of the graphs' vertex sets (1 on the diagonal)."""
    ids = sorted({n["id"] for g in graphs for n in g["nodes"]})
    column = {v: i for i, v in enumerate(ids)}
    incidence = np.zeros((len(graphs), len(ids)), np.float64)
    for row, g in enumerate(graphs):
        incidence[row, [column[n["id"]] for n in g["nodes"]]] = 1
    inter = incidence @ incidence.T
    sizes = incidence.sum(axis=1)
    union = sizes[:, None] + sizes[None, :] - inter
    return np.divide(inter, union, out=np.ones_like(inter), where=union > 0)


def most_similar_pair(similarity: np.ndarray) -> tuple[int, int]:
    """Row indices of the most similar pair of different classes (ties: first in row order)."""
    s = np.array(similarity, np.float64)
    s[np.tril_indices(len(s))] = -np.inf
    i, j = np.unravel_index(int(np.argmax(s)), s.shape)
    return int(i), int(j)


def _jaccard(a: set, b: set) -> float:
    return len(a & b) / len(a | b) if a | b else 1.0


def compare(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    """Intersection and differences of two graphs, per layer and in all.

    Returns the vertex and edge ids in both, only in ``a`` and only in ``b``, and per layer
    the counts and Jaccard index. (The union graph for drawing is ``summit.layout.union``.)
    """
    nodes_a, nodes_b = {n["id"]: n for n in a["nodes"]}, {n["id"]: n for n in b["nodes"]}
    edges_a = {(e["source"], e["target"]): e for e in a["edges"]}
    edges_b = {(e["source"], e["target"]): e for e in b["edges"]}
    layers = {}
    for layer in a["layers"]:
        la = {v for v, n in nodes_a.items() if n["layer"] == layer}
        lb = {v for v, n in nodes_b.items() if n["layer"] == layer}
        layers[layer] = {"both": len(la & lb), "only_a": len(la - lb), "only_b": len(lb - la),
                         "jaccard": round(_jaccard(la, lb), 6)}
    return {
        "a": a["class"], "b": b["class"], "layers": layers,
        "vertex_jaccard": round(_jaccard(set(nodes_a), set(nodes_b)), 6),
        "edge_jaccard": round(_jaccard(set(edges_a), set(edges_b)), 6),
        "vertices": {"both": sorted(nodes_a.keys() & nodes_b.keys()),
                     "only_a": sorted(nodes_a.keys() - nodes_b.keys()),
                     "only_b": sorted(nodes_b.keys() - nodes_a.keys())},
        "edges": {"both": [list(k) for k in sorted(edges_a.keys() & edges_b.keys())],
                  "only_a": [list(k) for k in sorted(edges_a.keys() - edges_b.keys())],
                  "only_b": [list(k) for k in sorted(edges_b.keys() - edges_a.keys())]}}


def pairs_report(graphs: list[dict[str, Any]], pairs: list[tuple[int, int]]) -> dict[str, Any]:
    """All pairs' vertex Jaccard, and the comparison of the most similar pair (key
    ``most_similar``) and of each requested pair of class ids (key ``<a>_<b>``)."""
    ids = [g["class"]["id"] for g in graphs]
    similarity = vertex_jaccard(graphs)
    i, j = most_similar_pair(similarity)
    compared = {"most_similar": compare(graphs[i], graphs[j])}
    for a, b in pairs:
        compared[f"{a}_{b}"] = compare(graphs[ids.index(a)], graphs[ids.index(b)])
    return {"class_ids": ids, "vertex_jaccard": np.round(similarity, 6).tolist(),
            "pairs": compared}
