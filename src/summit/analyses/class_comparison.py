"""Comparing two classes' attribution graphs (paper §8.3, Figure 9; §9 future work).

Channels are identified by layer and index, so graph intersection, union and difference are
set operations on vertex ids and (source, target) edges; two models' graphs are compared the
same way once the second is written in the first's ids through the channel matching
(``summit.analyses.matching.translate``). Classes are paired by the Jaccard
index of their vertex sets, computed for all pairs at once from a classes × vertices
incidence matrix.

Every finding is measured again on the bootstrap resamples of the classes' graphs
(``summit.evidence.stability``): how often the most similar pair stays the most similar (its
*support*), and the spread of every pair's Jaccard; for two models, the spread of each
class's Jaccard and how often a class is the one that changes most.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from summit.method.resampling import (
    SupportError,
    edge_set,
    jaccard,
    resampled_graph,
    spread,
    support,
    tentative,
    vertex_set,
)


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


def ranked_pairs(similarity: np.ndarray, n: int | None = None) -> list[tuple[int, int]]:
    """Row indices of the ``n`` (default: all) most similar pairs of different classes, most
    similar first; ties in row order (one sort, not one search per pair)."""
    s = np.asarray(similarity, np.float64)
    rows, cols = np.triu_indices(len(s), k=1)  # row-major order: ties stay in it
    order = np.argsort(-s[rows, cols], kind="stable")[:n]
    return [(int(rows[k]), int(cols[k])) for k in order]


def most_similar_pair(similarity: np.ndarray) -> tuple[int, int]:
    """Row indices of the most similar pair of different classes (ties: first in row order)."""
    return ranked_pairs(similarity, 1)[0]


def compare(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    """Intersection and differences of two graphs, per layer and in all.

    Returns the vertex and edge ids in both, only in ``a`` and only in ``b``, and per layer
    the counts and Jaccard index. (The union graph for drawing is ``summit.render.layout.union``.)
    """
    nodes_a, nodes_b = {n["id"]: n for n in a["nodes"]}, {n["id"]: n for n in b["nodes"]}
    edges_a = {(e["source"], e["target"]): e for e in a["edges"]}
    edges_b = {(e["source"], e["target"]): e for e in b["edges"]}
    layers = {}
    for layer in a["layers"]:
        la = {v for v, n in nodes_a.items() if n["layer"] == layer}
        lb = {v for v, n in nodes_b.items() if n["layer"] == layer}
        layers[layer] = {"both": len(la & lb), "only_a": len(la - lb), "only_b": len(lb - la),
                         "jaccard": round(jaccard(la, lb), 6)}
    return {
        "a": a["class"], "b": b["class"], "layers": layers,
        "vertex_jaccard": round(jaccard(set(nodes_a), set(nodes_b)), 6),
        "edge_jaccard": round(jaccard(set(edges_a), set(edges_b)), 6),
        "vertices": {"both": sorted(nodes_a.keys() & nodes_b.keys()),
                     "only_a": sorted(nodes_a.keys() - nodes_b.keys()),
                     "only_b": sorted(nodes_b.keys() - nodes_a.keys())},
        "edges": {"both": [list(k) for k in sorted(edges_a.keys() & edges_b.keys())],
                  "only_a": [list(k) for k in sorted(edges_a.keys() - edges_b.keys())],
                  "only_b": [list(k) for k in sorted(edges_b.keys() - edges_a.keys())]}}


def conserved(a: dict[str, Any], b: dict[str, Any]) -> dict[str, float]:
    """The share of ``a``'s vertices and of its edges that ``b`` has too (for two models,
    ``b`` written in ``a``'s ids through the channel matching:
    ``summit.analyses.matching.translate``); 1 for an empty graph, which loses nothing."""
    va, ea = vertex_set(a), edge_set(a)
    return {"vertices": round(len(va & vertex_set(b)) / len(va), 6) if va else 1.0,
            "edges": round(len(ea & edge_set(b)) / len(ea), 6) if ea else 1.0}


def _pair_column(n: int, i: int, j: int) -> int:
    """The column of classes ``i`` and ``j`` (rows, any order) in ``np.triu_indices(n, 1)``."""
    i, j = min(i, j), max(i, j)
    return i * n - i * (i + 1) // 2 + j - i - 1


def resampled_pairs(resampled: Iterable[list[dict[str, Any]]], n: int) -> dict[str, np.ndarray]:
    """Every pair's vertex Jaccard in each resample and each resample's most similar pair.

    ``resampled`` yields, per resample, the ``n`` classes' resampled graphs in row order
    (``summit.evidence.stability.by_resample``); the same ``vertex_jaccard`` and
    ``most_similar_pair`` run on them as on the graphs. Returns ``jaccard`` (resamples ×
    pairs, pairs in ``np.triu_indices(n, 1)`` order) and ``winners`` (resamples × 2 rows).
    """
    rows, cols = np.triu_indices(n, 1)
    values, winners = [], []
    for graphs in resampled:
        s = vertex_jaccard(graphs)
        values.append(s[rows, cols])
        winners.append(most_similar_pair(s))
    return {"jaccard": np.array(values, np.float64).reshape(len(values), len(rows)),
            "winners": np.array(winners, np.int64).reshape(len(winners), 2)}


def _pair_stability(resampled: dict[str, np.ndarray], ids: list[int], i: int, j: int,
                    min_support: float) -> dict[str, Any]:
    """The most similar pair's support (share of resamples where it is again the most
    similar), its Jaccard's spread, and every pair most similar in some resample."""
    wins = resampled["winners"]
    pairs, counts = np.unique(wins, axis=0, return_counts=True) if len(wins) else ([], [])
    held = support((w == (i, j)).all() for w in wins)
    return {"support": held, "tentative": tentative(held, min_support),
            "vertex_jaccard_spread": spread(resampled["jaccard"][:, _pair_column(len(ids), i, j)]),
            "winners": [{"a": ids[x], "b": ids[y], "support": round(c / len(wins), 6)}
                        for (x, y), c in sorted(zip(map(tuple, pairs), counts, strict=True),
                                                key=lambda pc: (-pc[1], pc[0]))]}


def pairs_report(graphs: list[dict[str, Any]], pairs: list[tuple[int, int]],
                 resampled: dict[str, np.ndarray] | None = None,
                 min_support: float = 0.9) -> dict[str, Any]:
    """All pairs' vertex Jaccard, and the comparison of the most similar pair (key
    ``most_similar``) and of each requested pair of class ids (key ``<a>_<b>``).

    With ``resampled`` (``resampled_pairs``), how far each finding holds: the most similar
    pair's ``support``, ``tentative`` (support < ``min_support``), ``vertex_jaccard_spread``
    and the ``winners`` of the resamples; each requested pair's ``vertex_jaccard_spread``.
    ``stability`` records the resamples and ``min_support`` (empty without resamples)."""
    ids = [g["class"]["id"] for g in graphs]
    similarity = vertex_jaccard(graphs)
    i, j = most_similar_pair(similarity)
    compared = {"most_similar": compare(graphs[i], graphs[j])}
    for a, b in pairs:
        compared[f"{a}_{b}"] = compare(graphs[ids.index(a)], graphs[ids.index(b)])
    stability: dict[str, Any] = {}
    if resampled is not None:
        compared["most_similar"].update(_pair_stability(resampled, ids, i, j, min_support))
        for a, b in pairs:
            column = _pair_column(len(ids), ids.index(a), ids.index(b))
            compared[f"{a}_{b}"]["vertex_jaccard_spread"] = spread(resampled["jaccard"][:, column])
        stability = {"resamples": len(resampled["winners"]), "min_support": min_support}
    return {"class_ids": ids, "vertex_jaccard": np.round(similarity, 6).tolist(),
            "pairs": compared, "stability": stability}


def pair_table(ids: list[int], similarity: np.ndarray | list[list[float]],
               resampled: dict[str, np.ndarray]) -> list[dict[str, Any]]:
    """Every pair of classes (ids ``a`` < ``b`` in row order) with its vertex Jaccard, the
    Jaccard's 5th and 95th percentiles over the resamples, and its ``most_similar_support``
    (share of resamples in which it is the most similar pair)."""
    n = len(ids)
    rows, cols = np.triu_indices(n, 1)
    values, wins = resampled["jaccard"], resampled["winners"]
    low, high = (np.percentile(values, [5, 95], axis=0) if len(values)
                 else np.full((2, len(rows)), np.nan))
    won = np.bincount([_pair_column(n, x, y) for x, y in wins], minlength=len(rows))
    s = np.asarray(similarity, np.float64)
    return [{"a": ids[x], "b": ids[y], "vertex_jaccard": round(float(s[x, y]), 6),
             "vertex_jaccard_p5": round(float(low[k]), 6),
             "vertex_jaccard_p95": round(float(high[k]), 6),
             "most_similar_support": round(won[k] / len(wins), 6) if len(wins) else float("nan")}
            for k, (x, y) in enumerate(zip(rows.tolist(), cols.tolist(), strict=True))]


def resampled_comparison(a: dict[str, Any], b: dict[str, Any],
                         layers: list[str]) -> dict[str, Any]:
    """One class's graphs under two models compared in every resample: resample b of model
    A's graph with resample b of model B's (``a``, ``b``: their ``ResampledGraphs`` as JSON).

    The same seed and class draw the same groups of images for both, so each pair is the
    two models on the same images (``paired``, from the groups' weights). Returns the
    spread (mean, p5, p95) of the vertex and edge Jaccard, of the share of A's vertices B
    keeps (``conserved``), of each layer's vertex Jaccard
    (the share of the layer's vertices the graphs share), and every resample's vertex
    Jaccard (``vertex_jaccards``, for the support of comparisons across classes).
    """
    xs, ys = a["resamples"], b["resamples"]
    if len(xs) != len(ys):
        raise SupportError(f"class {a['class']['name']!r}: {len(xs)} resampled graphs under one "
                           f"model, {len(ys)} under the other; re-run the stability stage")
    vj, ej, kept, by_layer = [], [], [], {layer: [] for layer in layers}
    for x, y in zip(xs, ys, strict=True):
        ga, gb = resampled_graph(a["class"], x), resampled_graph(b["class"], y)
        va, vb = vertex_set(ga), vertex_set(gb)
        vj.append(jaccard(va, vb))
        ej.append(jaccard(edge_set(ga), edge_set(gb)))
        kept.append(conserved(ga, gb)["vertices"])
        for layer, values in by_layer.items():
            values.append(jaccard({n["id"] for n in ga["nodes"] if n["layer"] == layer},
                                  {n["id"] for n in gb["nodes"] if n["layer"] == layer}))
    return {"resamples": len(vj), "paired": all(x["weights"] == y["weights"]
                                                for x, y in zip(xs, ys, strict=True)),
            "vertex_jaccard": spread(vj), "edge_jaccard": spread(ej), "conserved": spread(kept),
            "layers": {layer: spread(v) for layer, v in by_layer.items()},
            "vertex_jaccards": [round(v, 6) for v in vj]}


def changes_most(point: list[float], resampled: list[list[float]],
                 min_support: float) -> dict[str, Any] | None:
    """The class whose two models' graphs share least (lowest vertex Jaccard ``point``;
    ties: the first), with its support: the share of resamples in which its resampled
    graphs share least among the classes (``resampled``: per class its resamples' vertex
    Jaccard, as ``resampled_comparison``'s ``vertex_jaccards``). ``shares`` gives every
    class's share. None without classes."""
    if not point:
        return None
    lowest = np.argmin(np.array(resampled, np.float64).reshape(len(point), -1), axis=0)
    shares = [support(lowest == c) for c in range(len(point))]
    i = int(np.argmin(point))
    return {"index": i, "support": shares[i], "tentative": tentative(shares[i], min_support),
            "shares": shares}


def models_markdown(results: list[dict[str, Any]], most: dict[str, Any] | None) -> str:
    """The run's sentences on two models' graphs, compared through the channel matching
    (``results``: every class's ``ModelComparison`` as JSON; ``most``: ``changes_most``)."""
    if not results:
        return ""
    first = results[0]
    a, b = first["models"]
    layers = "; ".join(
        f"{layer} {m['matched']} of {m['channels_a']}"
        + (f" (B's {m['layer_b']}: {m['channels_b']})" if m["layer_b"] != layer else "")
        + f", median score {m['median_score']:.2f} (null p99 {m['null_p99']:.2f}), top-image "
        f"overlap {'n/a' if m['overlap'] is None else format(m['overlap'], '.2f')}, the same "
        f"index in {m['identity']:.0%}" for layer, m in first["matching"].items())
    kept = [r["conserved"]["vertices"] for r in results]
    edges = [r["conserved"]["edges"] for r in results]
    lines = [
        f"{a} (A) and {b} (B) on the same images, B's channels matched to A's by the "
        "correlation of their maxima (one to one, Hungarian; a pair counts at or above both "
        "the threshold and the shuffled-image null's 99th percentile; top-image overlap: the "
        "mean Jaccard of a matched pair's most activating images):", "",
        f"- Channels matched per layer: {layers}.",
        f"- Share of each class's graph (A's vertices) that B's graph keeps: median "
        f"{float(np.median(kept)):.2f} (classes {min(kept):.2f} to {max(kept):.2f}); of its "
        f"edges: median {float(np.median(edges)):.2f}. Per class, with the 5th–95th "
        "percentiles over resample b of A against resample b of B: " + ", ".join(
            f"{r['a']['name']} {r['conserved']['vertices']:.2f} "
            f"({r['stability']['conserved']['p5']:.2f}–{r['stability']['conserved']['p95']:.2f})"
            for r in results) + "."]
    if most is not None:
        r = results[most["index"]]
        lines.append(f"- The class whose graphs share least (vertex Jaccard "
                     f"{r['vertex_jaccard']:.2f}): {r['a']['name']}, the least in "
                     f"{most['support']:.0%} of the resamples"
                     + (" (tentative)." if most["tentative"] else "."))
    return "\n".join([*lines, ""])
