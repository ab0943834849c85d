"""Recurring sub-structures across classes' attribution graphs (the paper's §9 future work).

Channels keep their identity across classes, so a sub-structure recurs when the same
vertices and edges appear in several graphs. For a group of classes S, the sub-structure
they share is the vertices and edges in every graph of S; a *motif* is one connected piece
of it, kept only if its elements' class sets intersect to exactly its group (a closed
itemset): every motif is maximal (no larger group shares the same piece) and no piece
repeats for a smaller group. Only groups reachable by growing connected pieces are explored.

A motif's *support* is the share of bootstrap resamples (``summit.evidence.stability``) in which all
its vertices and edges are in every one of its classes' resampled graphs; a recurring
channel's (or edge's), the share in which at least ``min_classes`` resampled graphs hold it.
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Iterable
from typing import Any

import networkx as nx
import numpy as np

from summit.errors import SummitError
from summit.method.resampling import edge_set, tentative, vertex_set


class MotifError(SummitError):
    """Mining would not finish in reasonable time; the message says which setting to raise."""


def memberships(graphs: list[dict[str, Any]]) -> tuple[list[Any], np.ndarray]:
    """The distinct vertices (ids) and edges ((source, target)) of all graphs, and an
    elements × classes incidence matrix."""
    items = sorted({n["id"] for g in graphs for n in g["nodes"]}) + \
        sorted({(e["source"], e["target"]) for g in graphs for e in g["edges"]})
    row = {x: i for i, x in enumerate(items)}
    incidence = np.zeros((len(items), len(graphs)), bool)
    for col, g in enumerate(graphs):
        incidence[[row[n["id"]] for n in g["nodes"]], col] = True
        incidence[[row[(e["source"], e["target"])] for e in g["edges"]], col] = True
    return items, incidence


def mine(graphs: list[dict[str, Any]], min_classes: int, min_vertices: int,
         max_share: float, limit: int = 200_000) -> list[dict[str, Any]]:
    """Motifs shared by at least ``min_classes`` graphs with at least ``min_vertices`` vertices.

    Groups are explored from each element's class set; a group's pieces (components of the
    structure all its classes share) are recorded when their elements' classes intersect to
    exactly the group, and grow the search with the group ∩ the class set of every edge that
    touches a piece from outside. Every closed connected piece is reached that way (adding
    the outside edges of a growing piece one at a time), without enumerating the groups
    that share nothing connected. Groups holding more than ``max_share`` of all classes are
    searched but not reported: structure in nearly every class says nothing about a group.
    Motifs are ranked by (classes − 1) × (vertices + edges). More than ``limit`` groups
    raises MotifError.
    """
    items, incidence = memberships(graphs)
    n_classes = len(graphs)
    if not items:
        return []
    by_class = np.packbits(incidence.T, axis=1)  # class × element bits
    masks = [int.from_bytes(row.tobytes(), "little")  # element → its classes, bit c = class c
             for row in np.packbits(incidence, axis=1, bitorder="little")]
    position = {x: i for i, x in enumerate(items)}
    touching = _edges_touching(items)
    by_layer = _layer_order(graphs[0])
    queue = deque(sorted({m for m in masks if m.bit_count() >= min_classes}))
    seen = set(queue)
    found = []
    while queue:
        group = queue.popleft()
        members = [c for c in range(n_classes) if group >> c & 1]
        shared = np.unpackbits(np.bitwise_and.reduce(by_class[members], axis=0),
                               count=len(items)).astype(bool)
        inside = np.flatnonzero(shared)
        g = nx.Graph()
        g.add_nodes_from(items[i] for i in inside if isinstance(items[i], str))
        g.add_edges_from(items[i] for i in inside if isinstance(items[i], tuple))
        for part in nx.connected_components(g):
            edges = sorted(tuple(sorted(e, key=by_layer)) for e in g.subgraph(part).edges())
            closure = -1  # all bits set
            for x in (*part, *edges):
                closure &= masks[position[x]]
            if (closure == group and len(part) >= min_vertices
                    and len(members) <= max_share * n_classes):
                found.append({"classes": [graphs[c]["class"]["id"] for c in members],
                              "vertices": sorted(part), "edges": [list(e) for e in edges],
                              "score": (len(members) - 1) * (len(part) + len(edges))})
            for v in part:
                for i in touching.get(v, ()):
                    grown = group & masks[i]
                    if not shared[i] and grown.bit_count() >= min_classes and grown not in seen:
                        seen.add(grown)
                        queue.append(grown)
        if len(seen) > limit:
            raise MotifError(f"motifs: more than {limit} groups of classes share structure; "
                             "raise motifs.min_classes to mine fewer, larger groups")
    return _ranked(found)


def _edges_touching(items: list[Any]) -> dict[str, list[int]]:
    """Vertex → the positions of the edges (vertex pairs among ``items``) that touch it."""
    touching: dict[str, list[int]] = {}
    for i, x in enumerate(items):
        if isinstance(x, tuple):
            for v in x:
                touching.setdefault(v, []).append(i)
    return touching


def _ranked(found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Motifs best first (score, then classes, then vertices), each given its rank as id."""
    found.sort(key=lambda m: (-m["score"], -len(m["classes"]), m["vertices"]))
    for rank, m in enumerate(found):
        m["id"] = rank
    return found


def _layer_order(graph: dict[str, Any]) -> Any:
    """Sort key putting an edge's end in the earlier layer first, as the graphs store them."""
    rank = {layer: i for i, layer in enumerate(graph["layers"])}
    return lambda v: rank[v.rsplit(":", 1)[0]]


def recurring_channels(graphs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every channel in any graph with the number and ids of the classes whose graph has it."""
    holders: dict[str, list[int]] = {}
    for g in graphs:
        for n in g["nodes"]:
            holders.setdefault(n["id"], []).append(g["class"]["id"])
    return [{"id": v, "layer": v.rsplit(":", 1)[0], "channel": int(v.rsplit(":", 1)[1]),
             "n_classes": len(c), "classes": c}
            for v, c in sorted(holders.items(), key=lambda x: (-len(x[1]), x[0]))]


def recurring_edges(graphs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every edge in any graph with the number of classes whose graph has it."""
    counts = Counter((e["source"], e["target"]) for g in graphs for e in g["edges"])
    return [{"source": s, "target": t, "n_classes": n}
            for (s, t), n in sorted(counts.items(), key=lambda x: (-x[1], x[0]))]


def class_groups(motifs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Groups of classes that share motifs, with how many motifs and edges they share."""
    groups: dict[tuple[int, ...], dict[str, Any]] = {}
    for m in motifs:
        g = groups.setdefault(tuple(m["classes"]), {"classes": m["classes"], "motifs": [],
                                                    "edges": 0})
        g["motifs"].append(m["id"])
        g["edges"] += len(m["edges"])
    return sorted(groups.values(), key=lambda g: (-g["edges"], g["classes"]))


def motif_graph(motif: dict[str, Any], graphs: dict[int, dict[str, Any]]) -> dict[str, Any]:
    """A motif as a drawable graph: vertex counts and edge weights averaged over its classes."""
    members = [graphs[c] for c in motif["classes"]]
    counts = {v: np.mean([n["count"] for g in members for n in g["nodes"] if n["id"] == v])
              for v in motif["vertices"]}
    weights = {tuple(e): np.mean([x["weight"] for g in members for x in g["edges"]
                                  if [x["source"], x["target"]] == e]) for e in motif["edges"]}
    layers = [x for x in members[0]["layers"] if any(v.rsplit(":", 1)[0] == x
                                                     for v in motif["vertices"])]
    return {"layers": layers,
            "nodes": [{"id": v, "layer": v.rsplit(":", 1)[0], "channel": int(v.rsplit(":", 1)[1]),
                       "count": float(counts[v])} for v in motif["vertices"]],
            "edges": [{"source": s, "target": t, "weight": float(w)}
                      for (s, t), w in weights.items()]}


def resampled_support(motifs: list[dict[str, Any]],
                      resampled: Iterable[list[dict[str, Any]]],
                      min_classes: int) -> dict[str, Any]:
    """Each motif's support (share of resamples in which all its vertices and edges are in
    every one of its classes' resampled graphs), and each channel's and edge's support of
    recurring (share of resamples in which at least ``min_classes`` resampled graphs hold it).

    ``resampled`` yields, per resample, every class's resampled graph
    (``summit.evidence.stability.by_resample``). Returns ``motifs`` (one share per motif, in order),
    ``channels`` (vertex id → share) and ``edges`` ((source, target) → share); a channel or
    edge in no resample's ``min_classes`` graphs is absent (share 0)."""
    wanted = [(m["classes"], set(m["vertices"]), {tuple(e) for e in m["edges"]}) for m in motifs]
    held = [0] * len(motifs)
    channels: Counter[str] = Counter()
    edges: Counter[tuple[str, str]] = Counter()
    n = 0
    for graphs in resampled:
        n += 1
        sets = {g["class"]["id"]: (vertex_set(g), edge_set(g)) for g in graphs}
        for i, (classes, vs, es) in enumerate(wanted):
            held[i] += all(vs <= sets[c][0] and es <= sets[c][1] for c in classes)
        in_graphs = Counter(v for vs, _ in sets.values() for v in vs)
        channels.update(v for v, k in in_graphs.items() if k >= min_classes)
        in_graphs_e = Counter(e for _, es in sets.values() for e in es)
        edges.update(e for e, k in in_graphs_e.items() if k >= min_classes)

    def share(k: int) -> float:  # as summit.evidence.stability.support of k holds in n
        return round(k / n, 6) if n else float("nan")

    return {"resamples": n, "motifs": [share(k) for k in held],
            "channels": {v: share(k) for v, k in channels.items()},
            "edges": {e: share(k) for e, k in edges.items()}}


def report(graphs: list[dict[str, Any]], settings: dict[str, Any]) -> dict[str, Any]:
    """Motifs, the groups of classes sharing them, and the channels in several graphs."""
    motifs = mine(graphs, settings["min_classes"], settings["min_vertices"],
                  settings["max_share"])
    return {"settings": settings, "motifs": motifs, "groups": class_groups(motifs),
            "channels": [c for c in recurring_channels(graphs)
                         if c["n_classes"] >= settings["min_classes"]],
            "stability": {}}


def with_support(result: dict[str, Any], held: dict[str, Any],
                 min_support: float) -> dict[str, Any]:
    """``report``'s result with each motif's and listed channel's ``support`` (``held``:
    ``resampled_support`` of its motifs) and ``tentative`` (support under ``min_support``);
    ``stability`` records the resamples and ``min_support``."""
    def marked(x: dict[str, Any], share: float) -> dict[str, Any]:
        return {**x, "support": share, "tentative": tentative(share, min_support)}

    empty = float("nan") if not held["resamples"] else 0.0
    return {**result,
            "motifs": [marked(m, s) for m, s in zip(result["motifs"], held["motifs"],
                                                    strict=True)],
            "channels": [marked(c, held["channels"].get(c["id"], empty))
                         for c in result["channels"]],
            "stability": {"resamples": held["resamples"], "min_support": min_support}}
