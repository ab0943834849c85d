"""The two layout rules the PDF figures and the site share, stated once.

- ``union(a, b)``: two graphs as one, each vertex and edge marked with its ``membership``
  ("a", "b" or "both"), for drawing a comparison.
- ``order_rows(graph)``: the left-to-right order of each layer's vertices, by barycentre
  sweeps that reduce edge crossings.

``site/js/graph-layout.js`` implements both again, exactly (same output, bit for bit in the
arithmetic); ``tests/vectors/layout.json`` holds cases both implementations are checked
against (regenerate it with ``python -m tests.vectors.generate`` after changing a rule here).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any


def _membership(in_a: bool, in_b: bool) -> str:
    return "both" if in_a and in_b else ("a" if in_a else "b")


def union(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    """The union of two graphs: ``{layers, nodes, edges}``.

    Vertices are matched by ``id`` and edges by ``(source, target)``. Each keeps the fields of
    its record in ``a`` (else ``b``; a vertex in both also gains ``b``'s other fields, e.g. a
    second model's own channel), with ``membership`` "a" (only in ``a``), "b" (only in
    ``b``) or "both"; vertices also get ``counts`` {"a", "b"} (null where absent) and
    ``count`` the larger, edges ``weight`` the larger. Vertices are sorted by id, edges by
    (source, target); layers are ``a``'s, else ``b``'s.
    """
    nodes_a, nodes_b = {n["id"]: n for n in a["nodes"]}, {n["id"]: n for n in b["nodes"]}
    edges_a = {(e["source"], e["target"]): e for e in a["edges"]}
    edges_b = {(e["source"], e["target"]): e for e in b["edges"]}
    nodes = []
    for vid in sorted(nodes_a.keys() | nodes_b.keys()):
        na, nb = nodes_a.get(vid), nodes_b.get(vid)
        pair = [n for n in (na, nb) if n is not None]
        nodes.append({**(nb or {}), **(na or {}), "count": max(n["count"] for n in pair),
                      "membership": _membership(na is not None, nb is not None),
                      "counts": {"a": None if na is None else na["count"],
                                 "b": None if nb is None else nb["count"]}})
    edges = []
    for key in sorted(edges_a.keys() | edges_b.keys()):
        pair = [x[key] for x in (edges_a, edges_b) if key in x]
        edges.append({**pair[0], "weight": max(e["weight"] for e in pair),
                      "membership": _membership(key in edges_a, key in edges_b)})
    return {"layers": list(a.get("layers") or b.get("layers") or []), "nodes": nodes,
            "edges": edges}


def pairwise_sum(values: list[float]) -> float:
    """The sum of ``values`` in numpy's pairwise order (what ``np.mean`` of a float64 list
    computes), written out so that JavaScript can repeat it bit for bit: fewer than 8 values
    left to right from 0.0; up to 128 in 8 interleaved partial sums, combined as
    ((r0+r1)+(r2+r3))+((r4+r5)+(r6+r7)), then the remaining values left to right; more than
    128 as the sum of the two halves (the first a multiple of 8 long)."""
    n = len(values)
    if n < 8:
        total = 0.0
        for v in values:
            total += v
        return total
    if n <= 128:
        r = [float(v) for v in values[:8]]
        i = 8
        while i < n - n % 8:
            for j in range(8):
                r[j] += values[i + j]
            i += 8
        total = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
        for v in values[i:]:
            total += v
        return total
    half = n // 2
    half -= half % 8
    return pairwise_sum(values[:half]) + pairwise_sum(values[half:])


def order_rows(graph: dict[str, Any], sweeps: int = 4) -> dict[str, list[dict[str, Any]]]:
    """Vertices per layer (``graph["layers"]`` order), each row ordered left to right.

    Rows start sorted by (channel, id); a vertex's position in its row is (i + 0.5) / length.
    Then ``sweeps`` sweeps alternate up (layers[1], layers[2], …, last) and down (the
    second-to-last layer, …, layers[0]), sweeping up first: each layer in turn is re-sorted
    by (barycentre, channel, id) and its positions updated before the next layer. A vertex's
    barycentre is the unweighted mean of the current positions of its neighbours in any
    layer (``pairwise_sum`` of them divided by their number), listed in edge order (for each
    edge in ``graph["edges"]``, the source gains the target and the target the source; an
    edge twice counts twice); a vertex without placed neighbours keeps its position.
    """
    layers = list(graph["layers"])
    rows = {layer: sorted((n for n in graph["nodes"] if n["layer"] == layer),
                          key=lambda n: (n["channel"], n["id"])) for layer in layers}
    neighbours: dict[Any, list[Any]] = defaultdict(list)
    for e in graph["edges"]:
        neighbours[e["source"]].append(e["target"])
        neighbours[e["target"]].append(e["source"])
    pos = {n["id"]: (i + 0.5) / len(row) for row in rows.values() for i, n in enumerate(row)}

    def centre(n: dict[str, Any]) -> float:
        near = [pos[m] for m in neighbours.get(n["id"], ()) if m in pos]
        return pairwise_sum(near) / len(near) if near else pos[n["id"]]

    for sweep in range(sweeps):
        for layer in (layers[1:] if sweep % 2 == 0 else layers[-2::-1]):
            keys = {n["id"]: centre(n) for n in rows[layer]}
            rows[layer] = sorted(rows[layer], key=lambda n: (keys[n["id"]], n["channel"],
                                                             n["id"]))
            pos.update({n["id"]: (i + 0.5) / len(rows[layer])
                        for i, n in enumerate(rows[layer])})
    return rows
