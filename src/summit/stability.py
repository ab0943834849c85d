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

from collections.abc import Callable, Hashable, Iterable, Iterator
from typing import Any

import numpy as np

from summit.errors import SummitError


def resample_weights(seed: int, class_id: int, resamples: int, groups: int) -> np.ndarray:
    """resamples × groups: how often each group is drawn in each bootstrap resample.

    The one definition every stage uses, so a class's b-th resample is the same multiset
    of groups for its graph and for the findings built on its counts.
    """
    rng = np.random.default_rng([seed, class_id])
    draws = rng.integers(0, groups, (resamples, groups))
    return np.stack([np.bincount(row, minlength=groups) for row in draws]) if resamples else \
        np.zeros((0, groups), np.int64)


def study_weights(seed: int, class_ids: list[int], resamples: int, groups: int) -> np.ndarray:
    """classes × resamples × groups: every class's ``resample_weights``, so that resample b
    of the study draws each class's own b-th multiset, the one its graph is rebuilt from."""
    return np.stack([resample_weights(seed, c, resamples, groups) for c in class_ids])


def weighted_rows(group_counts: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """classes × channels: each class's counts of its multiset of groups (``weights``:
    classes × groups), ``weighted`` for every class at once."""
    return np.einsum("cg,cgk->ck", np.asarray(weights, np.int64),
                     np.asarray(group_counts, np.int64))


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


def support(holds: Iterable[bool]) -> float:
    """The share of resamples in which a finding holds."""
    h = np.asarray(list(holds), bool)
    return round(float(h.mean()), 6) if h.size else float("nan")


def vertex_set(graph: dict[str, Any]) -> set[str]:
    return {n["id"] for n in graph["nodes"]}


def edge_set(graph: dict[str, Any]) -> set[tuple[str, str]]:
    return {(e["source"], e["target"]) for e in graph["edges"]}


def tentative(share: float, min_support: float) -> bool:
    """A finding holding in fewer than ``min_support`` of the resamples (or in none measured)
    is tentative: another sample of images would likely not reproduce it."""
    return not share >= min_support


def spread(values: Iterable[float]) -> dict[str, float]:
    """Mean, 5th and 95th percentiles of a resampled statistic: the interval the tables and
    figures show around a finding's value."""
    v = np.asarray(list(values), np.float64)
    if not v.size:
        return {"mean": float("nan"), "p5": float("nan"), "p95": float("nan")}
    p5, p95 = np.percentile(v, [5, 95])
    return {"mean": round(float(v.mean()), 6), "p5": round(float(p5), 6),
            "p95": round(float(p95), 6)}


class SupportError(SummitError):
    """Resampled graphs that cannot be combined (made with other stability settings)."""


def resampled_graph(cls: dict[str, Any], resample: dict[str, Any]) -> dict[str, Any]:
    """One resampled graph (``ResampledGraphs.resamples[b]``) in the graphs' own shape
    (``class``, ``nodes`` [{id, layer, channel}], ``edges`` [{source, target}]), so the
    analyses measure it exactly as they measure the graph. (A second model's vertex without a
    matched channel, ``layer:b<j>`` (``summit.matching.translate``), has channel null.)"""
    nodes = [(v, *v.rsplit(":", 1)) for v in resample["nodes"]]
    return {"class": cls,
            "nodes": [{"id": v, "layer": layer, "channel": int(c) if c.isdigit() else None}
                      for v, layer, c in nodes],
            "edges": [{"source": s, "target": t} for s, t in resample["edges"]]}


def by_resample(records: list[dict[str, Any]],
                class_ids: list[int] | None = None) -> Iterator[list[dict[str, Any]]]:
    """Every class's b-th resampled graph together, for each b in turn (classes in
    ``records`` order; a record is a ``ResampledGraphs`` as JSON).

    A class's resamples are drawn independently of the other classes' (its own seed), so
    the b-th of each, taken together, is one independent draw of the whole study: a finding
    over several classes holds or not in each such draw. Records made with other settings
    (another seed, number of resamples or extraction) do not combine. One draw at a time,
    so a thousand classes' resampled graphs are never all held as graphs at once. With
    ``class_ids``, the records must be those classes' in that order.
    """
    found = [r["class"]["id"] for r in records]
    if class_ids is not None and found != list(class_ids):
        raise SupportError(f"resampled graphs of classes {found}, the analysis has classes "
                           f"{list(class_ids)}; give one file per class, in the same order")
    for r in records[1:]:
        if r["settings"] != records[0]["settings"]:
            raise SupportError(
                f"the resampled graphs of classes {records[0]['class']['name']!r} and "
                f"{r['class']['name']!r} were made with other stability settings "
                f"({records[0]['settings']} vs {r['settings']}); re-run the stability stage")
    n = len(records[0]["resamples"]) if records else 0
    return ([resampled_graph(r["class"], r["resamples"][b]) for r in records] for b in range(n))


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
