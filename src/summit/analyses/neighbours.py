"""Class neighbourhoods across layers (paper §8.2, Figure 8).

A class's neighbours at a layer are the classes whose A^l rows are most similar by cosine,
the similarity the embedding and the sidebar use. Classes whose neighbours change from layer
to layer (the paper's horse cart: mechanical, then animal, then mechanical again) are the
ones with mixed semantics; they are ranked by how much of their neighbourhood is replaced
between consecutive layers. Each finding carries its support over bootstrap resamples of the
classes' image groups (``summit.evidence.stability``): how often a neighbour stays a neighbour,
a class stays among the most changing and the top class stays first; under ``min_support`` it is
tentative.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from summit.method.resampling import weighted_rows


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


def ranked(scores: np.ndarray, class_ids: list[int]) -> np.ndarray:
    """Row indices by decreasing change (rounded as reported), ties by class id."""
    return np.lexsort((np.asarray(class_ids), -np.round(scores, 6)))


def with_support(result: dict[str, Any], group_counts: list[np.ndarray], weights: np.ndarray,
                 top: int, stability: dict[str, Any]) -> dict[str, Any]:
    """``result`` (``report``'s) with each finding's support over bootstrap resamples.

    ``group_counts`` per layer (classes × groups × channels) is A^l per image group and
    ``weights`` (classes × resamples × groups) each class's
    ``summit.method.resampling.resample_weights``. A class's neighbours depend on every class's
    row, so resample b redraws all classes at once, each by its own row b (the multiset its
    graph's resample b is built from), and redoes the neighbours and change scores. The
    fields added are ``NeighboursReport``'s; ``top`` is the figure's number of classes.
    """
    min_support = stability["min_support"]
    classes = result["classes"]
    ids = [c["id"] for c in classes]
    row = {cid: i for i, cid in enumerate(ids)}
    n, resamples = len(ids), weights.shape[1]
    k = result["k"]
    listed = [np.array([[row[j] for j in c["neighbours"][layer]] for c in classes],
                       np.int64).reshape(n, k) for layer in result["layers"]]
    hits = [np.zeros((n, k), np.int64) for _ in listed]
    scores = np.zeros((resamples, n))
    weights = np.asarray(weights, np.int64)
    for b in range(resamples):
        found = []
        for t, g in enumerate(group_counts):
            near = nearest_neighbours(weighted_rows(g, weights[:, b]), k)[0]
            member = np.zeros((n, n), bool)
            np.put_along_axis(member, near, True, axis=1)
            hits[t] += np.take_along_axis(member, listed[t], axis=1)
            found.append(near)
        change = neighbourhood_change(found)
        scores[b] = change.mean(axis=1) if change.shape[1] else 0.0
    orders = np.array([ranked(sc, ids) for sc in scores]).reshape(resamples, n)
    in_top = np.zeros((resamples, n), bool)
    np.put_along_axis(in_top, orders[:, :top], True, axis=1)
    shown = set(result["ranking"][:top])
    out = []
    for i, c in enumerate(classes):
        rank_support = round(float(in_top[:, i].mean()), 6)
        share = {layer: np.round(h[i] / resamples, 6).tolist()
                 for layer, h in zip(result["layers"], hits, strict=True)}
        out.append({**c, "change_p5": round(float(np.percentile(scores[:, i], 5)), 6),
                    "change_p95": round(float(np.percentile(scores[:, i], 95)), 6),
                    "rank_support": rank_support,
                    "tentative": c["id"] in shown and rank_support < min_support,
                    "neighbour_support": share,
                    "neighbour_tentative": {layer: [x < min_support for x in v]
                                            for layer, v in share.items()}})
    first = row[result["ranking"][0]] if result["ranking"] else None
    top_support = round(float((orders[:, 0] == first).mean()), 6) if first is not None \
        else float("nan")
    return {**result, "classes": out, "figure_classes": top, "top_support": top_support,
            "stability": stability}


def table_rows(result: dict[str, Any], class_names: list[str]) -> list[dict[str, Any]]:
    """One row per class, most changing first: its score, its spread and support, and its
    neighbours per layer with theirs."""
    by_id = {c["id"]: c for c in result["classes"]}

    def row(c: dict[str, Any]) -> dict[str, Any]:
        out = {"class_id": c["id"], "class": c["name"], "change": c["change"]}
        if "rank_support" in c:
            out.update({k: c[k] for k in ("change_p5", "change_p95", "rank_support")},
                       tentative=int(c["tentative"]))
        for layer in result["layers"]:
            out[layer] = "; ".join(class_names[j] for j in c["neighbours"][layer])
            if "neighbour_support" in c:
                out[f"{layer} support"] = "; ".join(f"{x:g}"
                                                    for x in c["neighbour_support"][layer])
        return out

    return [row(by_id[cid]) for cid in result["ranking"]]
