"""Class neighbourhoods across layers (paper §8.2, Figure 8).

A class's neighbours at a layer are the classes whose A^l rows are most similar by cosine,
the similarity the embedding and the sidebar use. Classes whose neighbours change from layer
to layer (the paper's horse cart: mechanical, then animal, then mechanical again) are the
ones with mixed semantics; they are ranked by how much of their neighbourhood is replaced
between consecutive layers.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def cosine_similarity(counts: np.ndarray) -> np.ndarray:
    """classes × classes cosine similarity of A^l rows; an all-zero row is similar to nothing."""
    x = np.asarray(counts, np.float64)
    norms = np.linalg.norm(x, axis=1)
    unit = np.divide(x, norms[:, None], out=np.zeros_like(x), where=norms[:, None] > 0)
    return unit @ unit.T


def nearest_neighbours(counts: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Per class the ``k`` most similar other classes (ties: lower row first) and similarities."""
    sim = cosine_similarity(counts)
    n = len(sim)
    k = min(k, n - 1)
    np.fill_diagonal(sim, -np.inf)
    order = np.lexsort((np.broadcast_to(np.arange(n), sim.shape), -sim), axis=1)[:, :k]
    return order, np.take_along_axis(sim, order, axis=1)


def neighbourhood_change(neighbours: list[np.ndarray]) -> np.ndarray:
    """classes × transitions: 1 − Jaccard of the neighbour sets of consecutive layers."""
    n = len(neighbours[0])
    change = np.zeros((n, max(len(neighbours) - 1, 0)))
    for t, (a, b) in enumerate(zip(neighbours, neighbours[1:], strict=False)):
        member_a = np.zeros((n, n), bool)
        member_b = np.zeros((n, n), bool)
        np.put_along_axis(member_a, a, True, axis=1)
        np.put_along_axis(member_b, b, True, axis=1)
        inter = (member_a & member_b).sum(axis=1)
        union = (member_a | member_b).sum(axis=1)
        change[:, t] = 1 - np.divide(inter, union, out=np.ones(n), where=union > 0)
    return change


def report(layers: list[str], counts: list[np.ndarray], class_ids: list[int],
           class_names: list[str], k: int) -> dict[str, Any]:
    """Neighbours per class and layer, and the classes ranked by neighbourhood change."""
    found = [nearest_neighbours(c, k) for c in counts]
    change = neighbourhood_change([f[0] for f in found])
    score = change.mean(axis=1) if change.shape[1] else np.zeros(len(class_ids))
    classes = []
    for i, cid in enumerate(class_ids):
        classes.append({
            "id": cid, "name": class_names[cid], "change": round(float(score[i]), 6),
            "transitions": np.round(change[i], 6).tolist(),
            "neighbours": {layer: [class_ids[j] for j in f[0][i]]
                           for layer, f in zip(layers, found, strict=True)},
            "similarity": {layer: np.round(f[1][i], 6).tolist()
                           for layer, f in zip(layers, found, strict=True)}})
    ranking = sorted(classes, key=lambda c: (-c["change"], c["id"]))
    return {"layers": layers, "k": int(found[0][0].shape[1]) if found else 0,
            "ranking": [c["id"] for c in ranking], "classes": classes}


def table_rows(result: dict[str, Any], class_names: list[str]) -> list[dict[str, Any]]:
    """One row per class, most changing first: its score and its neighbours per layer."""
    by_id = {c["id"]: c for c in result["classes"]}
    return [{"class_id": cid, "class": by_id[cid]["name"], "change": by_id[cid]["change"],
             **{layer: "; ".join(class_names[j] for j in by_id[cid]["neighbours"][layer])
                for layer in result["layers"]}} for cid in result["ranking"]]
