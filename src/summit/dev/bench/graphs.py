"""The graph-stage benchmark: assembling synthetic GoogLeNet classes' graphs, PageRank and
extraction, checked against networkx (see the package doc)."""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from summit.dev.bench.common import class_graph, googlenet, googlenet_structure, synthetic_class
from summit.method.graphs import FullGraph, attribution_graph, personalization
from summit.method.pagerank import extract_per_layer, personalized_pagerank
from summit.settings import GraphSettings


def _networkx_scores(graph: FullGraph, p: np.ndarray, cfg: GraphSettings) -> np.ndarray:
    """The reference the speed-up is measured against: ``networkx.pagerank``."""
    import networkx as nx

    g = nx.from_scipy_sparse_array(graph.adjacency)  # undirected, weights as "weight"
    pr = nx.pagerank(g, alpha=cfg.alpha, personalization=dict(enumerate(p)),
                     max_iter=cfg.max_iter, tol=cfg.tol, weight="weight")
    return np.array([pr[v] for v in range(graph.adjacency.shape[0])])


def _check(graph: FullGraph, nodes: list[dict[str, Any]], cfg: GraphSettings
           ) -> tuple[float, float, float, bool]:
    """Our PageRank against networkx's on one class: (our seconds, networkx's seconds, the
    largest score difference, whether extraction keeps the same vertices)."""
    p = personalization(graph)
    t0 = time.perf_counter()
    ours = personalized_pagerank(graph.adjacency, p, cfg.alpha, cfg.max_iter, cfg.tol,
                                 symmetric=True)
    t1 = time.perf_counter()
    ref = _networkx_scores(graph, p, cfg)
    nx_seconds = time.perf_counter() - t1
    kept_ref = extract_per_layer(ref, graph.layer_of, cfg.share)
    same = {n["id"] for n in nodes} == {
        f"{graph.layers[graph.layer_of[v]]}:{graph.channel_of[v]}"
        for v in np.flatnonzero(kept_ref)}
    return t1 - t0, nx_seconds, float(np.abs(ours - ref).max()), same


def run(n_classes: int = 1000, n_check: int = 3, seed: int = 0) -> dict[str, Any]:
    """Time graph assembly and PageRank + extraction for synthetic GoogLeNet classes."""
    n_check = min(n_check, n_classes)  # the classes actually checked, for the report
    cfg = GraphSettings.defaults()
    structure = googlenet_structure(googlenet())
    rng = np.random.default_rng(seed)
    assemble = rank = 0.0
    edges, differences, same_vertices, nx_seconds, our_seconds = [], [], [], 0.0, 0.0
    for c in range(n_classes):
        counts, tallies = synthetic_class(rng, structure)
        t0 = time.perf_counter()
        graph = class_graph(structure, counts, tallies)
        t1 = time.perf_counter()
        result = attribution_graph(graph, cfg)
        t2 = time.perf_counter()
        assemble, rank = assemble + t1 - t0, rank + t2 - t1
        edges.append(graph.adjacency.nnz // 2)
        if c < n_check:
            ours, theirs, difference, same = _check(graph, result["nodes"], cfg)
            our_seconds, nx_seconds = our_seconds + ours, nx_seconds + theirs
            differences.append(difference)
            same_vertices.append(same)
    return {"classes": n_classes, "vertices": int(graph.adjacency.shape[0]),
            "edges_mean": float(np.mean(edges)), "edges_max": int(np.max(edges)),
            "assemble_seconds": assemble, "pagerank_extraction_seconds": rank,
            "checked_classes": n_check, "max_score_difference": max(differences, default=0.0),
            "same_vertices_as_networkx": all(same_vertices),
            "networkx_pagerank_seconds_per_class": nx_seconds / max(1, n_check),
            "our_pagerank_seconds_per_class": our_seconds / max(1, n_check),
            "speedup_over_networkx": nx_seconds / max(our_seconds, 1e-12)}


def table(r: dict[str, Any]) -> str:
    """Assembly, PageRank + extraction, and the comparison with networkx."""
    return "\n".join([
        f"graph stage: {r['classes']} synthetic GoogLeNet classes, {r['vertices']} vertices, "
        f"edges mean {r['edges_mean']:.0f}, max {r['edges_max']}",
        f"assembling graphs from tallies (widest-path merge): {r['assemble_seconds']:.1f} s",
        f"PageRank + extraction: {r['pagerank_extraction_seconds']:.1f} s in total",
        f"PageRank vs networkx on {r['checked_classes']} classes: "
        f"{r['our_pagerank_seconds_per_class'] * 1000:.1f} ms vs "
        f"{r['networkx_pagerank_seconds_per_class'] * 1000:.0f} ms per class, "
        f"speed-up {r['speedup_over_networkx']:.0f}x; max |score difference| "
        f"{r['max_score_difference']:.1e}; same vertices: {r['same_vertices_as_networkx']}"])
