"""Findings across training seeds: which class-level findings a retrained net reproduces.

Channels of nets trained from different seeds are not the same channels (channel matching
is its own analysis), so only findings defined by class are compared here: each class's test
accuracy, the most similar pair of classes' graphs, and each class's neighbourhoods across
layers (its change score, and its nearest class per layer). A finding of the first seed (the
study's own) *holds* in a seed when that seed's study finds the same.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from summit.class_comparison import most_similar_pair, vertex_jaccard
from summit.neighbours import report as neighbours_report


def seed_report(seeds: list[int], metrics: list[dict[str, Any]],
                graphs: list[list[dict[str, Any]]], counts: list[list[np.ndarray]],
                layers: list[str], class_ids: list[int], class_names: list[str], k: int,
                top: int) -> dict[str, Any]:
    """Per seed (the study's own first): accuracy, most similar pair, neighbourhoods; and in
    how many seeds each of the first seed's findings holds.

    ``graphs[s]`` are seed s's class graphs in class order, ``counts[s]`` its A^l per layer
    (classes × channels); ``top`` is how many most-changing classes count as the finding
    (the neighbourhood figure's rows).
    """
    n = len(seeds)
    pairs = []
    for gs in graphs:
        similarity = vertex_jaccard(gs)
        i, j = most_similar_pair(similarity)
        pairs.append({"a": class_ids[i], "b": class_ids[j],
                      "jaccard": round(float(similarity[i, j]), 6)})
    base_pair = {pairs[0]["a"], pairs[0]["b"]}
    hoods = [neighbours_report(layers, c, class_ids, class_names, k) for c in counts]
    top_sets = [set(h["ranking"][:top]) for h in hoods]
    nearest = [{c["id"]: {x: c["neighbours"][x][0] for x in layers if c["neighbours"][x]}
                for c in h["classes"]} for h in hoods]
    change = [{c["id"]: c["change"] for c in h["classes"]} for h in hoods]
    classes = []
    for cid in class_ids:
        first_nearest = nearest[0][cid]
        classes.append({
            "id": cid, "name": class_names[cid],
            "test_accuracy": [m["per_class_test_accuracy"][cid] for m in metrics],
            "change": [c[cid] for c in change],
            "top_changing_in": sum(cid in t for t in top_sets),
            "nearest": {x: {"class": first_nearest[x],
                            "holds_in": sum(nearest[s][cid].get(x) == first_nearest[x]
                                            for s in range(n))}
                        for x in first_nearest},
            "in_top": cid in top_sets[0]})
    return {
        "seeds": seeds, "top": top,
        "test_accuracy": [m["test_accuracy"] for m in metrics],
        "most_similar_pair": {"per_seed": pairs,
                              "holds_in": sum({p["a"], p["b"]} == base_pair for p in pairs)},
        "most_changing": {"per_seed": [h["ranking"][:top] for h in hoods],
                          "holds_in": sum(hoods[0]["ranking"][0] == h["ranking"][0]
                                          for h in hoods)},
        "classes": classes}


def table_rows(result: dict[str, Any]) -> list[dict[str, Any]]:
    """One CSV row per class: accuracy and change per seed, and how often its findings hold."""
    seeds = result["seeds"]
    return [{"class_id": c["id"], "class": c["name"],
             **{f"test_accuracy_seed{s}": a for s, a in zip(seeds, c["test_accuracy"],
                                                            strict=True)},
             **{f"change_seed{s}": x for s, x in zip(seeds, c["change"], strict=True)},
             "top_changing_in": c["top_changing_in"],
             **{f"nearest_{layer}": v["class"] for layer, v in c["nearest"].items()},
             **{f"nearest_{layer}_holds_in": v["holds_in"] for layer, v in c["nearest"].items()}}
            for c in result["classes"]]


def summary_markdown(result: dict[str, Any], class_names: list[str]) -> str:
    """The run's own sentences on what held across seeds."""
    seeds, n = result["seeds"], len(result["seeds"])
    acc = np.asarray(result["test_accuracy"], float)
    pair = result["most_similar_pair"]
    first = pair["per_seed"][0]
    others = "; ".join(f"seed {s}: {class_names[p['a']]}–{class_names[p['b']]} "
                       f"({p['jaccard']:.2f})" for s, p in zip(seeds, pair["per_seed"],
                                                              strict=True))
    changing = result["most_changing"]
    top = result["top"]
    held = [c for c in result["classes"] if c["in_top"]]
    nearest = [v["holds_in"] for c in result["classes"] for v in c["nearest"].values()]
    return "\n".join([
        f"The demo net trained with {n} seeds ({', '.join(map(str, seeds))}; the first is "
        "the study's), each studied the same way:",
        "",
        f"- Test accuracy {acc.mean():.1%} (seeds: {acc.min():.1%} to {acc.max():.1%}).",
        f"- Most similar pair of graphs in seed {seeds[0]}: {class_names[first['a']]}–"
        f"{class_names[first['b']]}; the same pair in {pair['holds_in']} of {n} seeds "
        f"({others}).",
        f"- Class whose neighbourhood changes most across layers in seed {seeds[0]}: "
        f"{class_names[changing['per_seed'][0][0]]}; the same in {changing['holds_in']} of "
        f"{n} seeds. Its top {top}: " + ", ".join(
            f"{c['name']} (top {top} in {c['top_changing_in']} of {n})" for c in held) + ".",
        f"- A class's nearest class at a layer is the same as in seed {seeds[0]} in a median "
        f"{float(np.median(nearest)) if nearest else 0:g} of {n} seeds "
        f"({sum(h == n for h in nearest)} of {len(nearest)} class-layer pairs in every seed).",
        ""])
