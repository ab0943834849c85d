"""How much a class's graph depends on the sample of images: every vertex's and edge's inclusion
over bootstrap resamples of the class's image groups (``summit.method.resampling``), the
resampled graphs' Jaccard with the graph, and split-half agreement.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from summit.method.resampling import edge_set, inclusion, jaccard, spread, vertex_set


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
        "jaccard": {"vertices": spread(jaccard(vertices, s) for s in v_sets),
                    "edges": spread(jaccard(edges, s) for s in e_sets)},
        "split_half": {"vertices": spread(h["vertex_jaccard"] for h in halves_out),
                       "edges": spread(h["edge_jaccard"] for h in halves_out)},
        "halves": halves_out,
        "resamples": [{"weights": w.tolist(), "nodes": sorted(vs),
                       "edges": [list(e) for e in sorted(es)]}
                      for w, vs, es in zip(weights, v_sets, e_sets, strict=True)],
    }


def table_rows(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One CSV row per class: its graph's size and how much of it the resamples keep."""
    rows = []
    for r in records:
        graph = [v for v in r["vertices"] if v["in_graph"]]
        floor = r["settings"]["min_support"]
        rows.append({
            "class_id": r["class"]["id"], "class": r["class"]["name"],
            "vertices": len(graph), "edges": sum(e["in_graph"] for e in r["edges"]),
            "vertex_jaccard_mean": r["jaccard"]["vertices"]["mean"],
            "vertex_jaccard_p5": r["jaccard"]["vertices"]["p5"],
            "edge_jaccard_mean": r["jaccard"]["edges"]["mean"],
            "edge_jaccard_p5": r["jaccard"]["edges"]["p5"],
            "split_half_vertex_jaccard": r["split_half"]["vertices"]["mean"],
            "split_half_edge_jaccard": r["split_half"]["edges"]["mean"],
            "supported_vertices": sum(v["inclusion"] >= floor for v in graph),
            "frequent_outside": sum(v["inclusion"] >= 0.5 for v in r["vertices"]
                                    if not v["in_graph"])})
    return rows


def summary_markdown(records: list[dict[str, Any]], rows: list[dict[str, Any]]) -> str:
    """The run's own sentences on how stable its graphs are (for the README and report)."""
    if not records:
        return "No class was resampled.\n"
    s = records[0]["settings"]
    n = len(rows)

    def median(key: str) -> str:
        return f"{float(np.median([r[key] for r in rows])):.2f}"

    def span(key: str) -> str:
        v = [r[key] for r in rows]
        return f"{min(v):.2f} to {max(v):.2f}"

    vertices = sum(r["vertices"] for r in rows)
    supported = sum(r["supported_vertices"] for r in rows)
    weakest = min(rows, key=lambda r: r["vertex_jaccard_mean"])
    thin = [f"{r['class']['name']} ({sum(r['group_images'])} images)" for r in records
            if min(r["group_images"], default=0) == 0]
    note = ([f"- Fewer images than groups, so some groups are empty and resamples draw from "
             f"fewer images: {', '.join(thin)}."] if thin else [])
    return "\n".join([
        f"Each class's graph rebuilt from {s['resamples']} bootstrap resamples of its "
        f"{s['groups']} image groups ({n} classes, `{s['extraction']}` extraction at share "
        f"{s['share']:g}):",
        "",
        f"- A resampled graph shares a median {median('vertex_jaccard_mean')} of its vertices "
        f"with the graph (vertex Jaccard, mean over resamples; classes: "
        f"{span('vertex_jaccard_mean')}; 5th percentile {median('vertex_jaccard_p5')}) and "
        f"{median('edge_jaccard_mean')} of its edges.",
        f"- Two disjoint halves of the images give graphs with a median vertex Jaccard of "
        f"{median('split_half_vertex_jaccard')} (edges {median('split_half_edge_jaccard')}).",
        f"- {supported} of the {vertices} graph vertices ({supported / max(vertices, 1):.0%}) "
        f"are in at least {s['min_support']:.0%} of the resampled graphs; the rest are "
        f"tentative. The least stable graph is {weakest['class']}'s (vertex Jaccard "
        f"{weakest['vertex_jaccard_mean']:.2f}).",
        *note, ""])
