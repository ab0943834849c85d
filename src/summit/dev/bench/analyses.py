"""The analyses benchmark: the readings of all class graphs at once (vertex Jaccard of every
pair, motif mining) on synthetic GoogLeNet classes (see the package doc)."""

from __future__ import annotations

import time
from dataclasses import asdict
from typing import Any

import numpy as np

from summit.dev.bench.common import class_graph, googlenet, googlenet_structure, synthetic_class
from summit.method.graphs import attribution_graph
from summit.settings import GraphSettings, MotifsSettings


def run(n_classes: int = 1000, min_classes: int = 3, seed: int = 0) -> dict[str, Any]:
    """Time class-pair similarity and motif mining over synthetic GoogLeNet class graphs."""
    from summit.analyses.class_comparison import vertex_jaccard
    from summit.analyses.motifs import report

    cfg = GraphSettings.defaults()
    structure = googlenet_structure(googlenet())
    rng = np.random.default_rng(seed)
    graphs = []
    for c in range(n_classes):
        counts, tallies = synthetic_class(rng, structure)
        g = attribution_graph(class_graph(structure, counts, tallies), cfg)
        graphs.append({"class": {"id": c, "name": str(c)}, **g})
    t0 = time.perf_counter()
    vertex_jaccard(graphs)
    t1 = time.perf_counter()
    motifs = report(graphs, {**asdict(MotifsSettings.defaults()),
                             "min_classes": min_classes, "max_share": 0.5})
    t2 = time.perf_counter()
    return {"classes": n_classes, "vertices_mean": float(np.mean([len(g["nodes"])
                                                                  for g in graphs])),
            "edges_mean": float(np.mean([len(g["edges"]) for g in graphs])),
            "pair_similarity_seconds": t1 - t0, "min_classes": min_classes,
            "motifs": len(motifs["motifs"]), "groups": len(motifs["groups"]),
            "motif_seconds": t2 - t1}


def table(r: dict[str, Any]) -> str:
    """The graphs' size and the two analyses' times."""
    return "\n".join([
        f"analyses: {r['classes']} synthetic GoogLeNet class graphs, {r['vertices_mean']:.0f} "
        f"vertices and {r['edges_mean']:.0f} edges on average",
        f"vertex Jaccard of all pairs: {r['pair_similarity_seconds']:.2f} s",
        f"motifs (groups of {r['min_classes']}+ classes): {r['motifs']} motifs in "
        f"{r['groups']} groups, {r['motif_seconds']:.1f} s"])
