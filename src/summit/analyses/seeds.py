"""Findings across training seeds: which findings a retrained net reproduces.

Findings defined by class are compared directly: each class's test accuracy, the most
similar pair of classes' graphs, and each class's neighbourhoods across layers (its change
score, and its nearest class per layer). Channels of nets trained from different seeds are
not the same channels, so the channel-level findings (graph vertices, non-semantic channels,
motifs) are compared through the channel matching (``summit.analyses.matching``): another seed's
graphs are written in the first seed's channel ids. A finding of the first seed (the study's
own) *holds* in a seed when that seed's study finds the same.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from summit.analyses.class_comparison import (
    conserved,
    most_similar_pair,
    resampled_comparison,
    vertex_jaccard,
)
from summit.analyses.matching import summary, translate, translate_resampled
from summit.analyses.neighbours import report as neighbours_report
from summit.method.resampling import edge_set, vertex_set


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


def channel_report(seeds: list[int], graphs: list[list[dict[str, Any]]],
                   resampled: list[list[dict[str, Any]]], matchings: list[dict[str, Any]],
                   flagged: list[dict[str, list[int]]], motifs: list[dict[str, Any]],
                   layers: list[str]) -> dict[str, Any]:
    """The first seed's channel-level findings in the other seeds, through the matching.

    ``graphs[s]``/``resampled[s]``: seed s's class graphs and ``ResampledGraphs`` (JSON) in
    class order; ``matchings[s - 1]``: per layer, seed s's channels matched with the first
    seed's (``ChannelMatching`` JSON); ``flagged[s]``: seed s's non-semantic channels per
    layer; ``motifs``: the first seed's. Per class and other seed, the share of the graph's
    vertices and edges the seed's graph keeps (``conserved``) with its spread over the
    resamples (resample b against resample b); per vertex, how many seeds keep it; per
    flagged channel and motif, how many seeds have it too (a motif: all its vertices and
    edges in every one of its classes' graphs). Counts include the first seed."""
    others = range(1, len(seeds))
    moved = [graphs[0]] + [[translate(g, matchings[s - 1]) for g in graphs[s]] for s in others]
    classes = []
    for c, g in enumerate(graphs[0]):
        per_seed = []
        for s in others:
            kept = conserved(g, moved[s][c])
            spread = resampled_comparison(
                resampled[0][c], translate_resampled(resampled[s][c], matchings[s - 1]),
                layers)["conserved"]
            per_seed.append({"seed": seeds[s], "conserved": kept["vertices"],
                             "conserved_edges": kept["edges"], "conserved_spread": spread})
        holds = {v: 1 + sum(v in vertex_set(moved[s][c]) for s in others)
                 for v in sorted(vertex_set(g))}
        classes.append({"id": g["class"]["id"], "name": g["class"]["name"], "seeds": per_seed,
                        "vertices": holds, "in_every_seed": sum(
                            h == len(seeds) for h in holds.values())})
    by_id = [{x["class"]["id"]: x for x in gs} for gs in moved]
    motif_holds = [
        {"id": m["id"], "classes": m["classes"], "vertices": m["vertices"],
         "holds_in": 1 + sum(all(set(m["vertices"]) <= vertex_set(by_id[s][c]) and
                                 {tuple(e) for e in m["edges"]} <= edge_set(by_id[s][c])
                                 for c in m["classes"]) for s in others)}
        for m in motifs]
    return {"classes": classes, "motifs": motif_holds,
            "nonsemantic": _nonsemantic_holds(seeds, flagged, matchings),
            "matching": [{"seed": seeds[s], "layers": {
                layer: summary(m) for layer, m in matchings[s - 1].items()}} for s in others]}


def _nonsemantic_holds(seeds: list[int], flagged: list[dict[str, list[int]]],
                       matchings: list[dict[str, Any]]) -> dict[str, Any]:
    """Each of the first seed's non-semantic channels with the number of seeds in which its
    matched channel is flagged too; and per other seed, its flagged channels in the first
    seed's ids (``layer:b<j>`` when unmatched)."""
    first = [(layer, c) for layer, cs in flagged[0].items() for c in cs]
    # per other seed, its flagged channels in the first seed's ids
    moved = [set(translate({"nodes": [f"{layer}:{c}" for layer, cs in flagged[s].items()
                                      for c in cs], "edges": []}, matchings[s - 1])["nodes"])
             for s in range(1, len(seeds))]
    channels = [{"id": f"{layer}:{c}", "holds_in": 1 + sum(f"{layer}:{c}" in ids
                                                           for ids in moved)}
                for layer, c in first]
    return {"channels": channels, "seeds": [{"seed": seeds[s], "flagged": sorted(ids)}
                                           for s, ids in enumerate(moved, start=1)]}


def table_rows(result: dict[str, Any]) -> list[dict[str, Any]]:
    """One CSV row per class: accuracy and change per seed, and how often its findings hold
    (with the channel matching: the share of its graph each other seed keeps)."""
    seeds = result["seeds"]
    kept = {c["id"]: c for c in result.get("channels", {}).get("classes", [])}

    def conserved_columns(cid: int) -> dict[str, Any]:
        if cid not in kept:
            return {}
        out: dict[str, Any] = {}
        for x in kept[cid]["seeds"]:
            spread = x["conserved_spread"]
            out |= {f"conserved_seed{x['seed']}": x["conserved"],
                    f"conserved_seed{x['seed']}_p5": spread["p5"],
                    f"conserved_seed{x['seed']}_p95": spread["p95"]}
        return out | {"vertices_in_every_seed": kept[cid]["in_every_seed"],
                      "vertices": len(kept[cid]["vertices"])}

    return [{"class_id": c["id"], "class": c["name"], **conserved_columns(c["id"]),
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
        *(_channel_lines(result["channels"], seeds) if "channels" in result else []),
        ""])


def _share(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def _channel_lines(channels: dict[str, Any], seeds: list[int]) -> list[str]:
    """The channel-level findings across seeds, through the matching, as sentences."""
    n = len(seeds)
    lines = ["", f"Channel-level findings of seed {seeds[0]} in the other seeds, their channels "
             "matched by the correlation of their maxima on the same images (one to one, "
             "Hungarian; a pair counts above both the threshold and the shuffled-image null; "
             "top-image overlap: the mean Jaccard of a matched pair's most activating images, "
             "how far it is one feature rather than two channels preferring the same classes):",
             ""]
    for m in channels["matching"]:
        parts = [f"{layer} {x['matched']} of {x['channels_a']} (median score "
                 f"{x['median_score']:.2f}, null p99 {x['null_p99']:.2f}, top-image overlap "
                 f"{_share(x['overlap'])})" for layer, x in m["layers"].items()]
        lines.append(f"- Channels matched with seed {m['seed']}: " + "; ".join(parts) + ".")
    for i, s in enumerate(seeds[1:]):
        rows = [(c["name"], c["seeds"][i]) for c in channels["classes"]]
        share = [x["conserved"] for _, x in rows]
        lines.append(
            f"- Share of each class's graph (vertices) that seed {s}'s graph keeps: median "
            f"{float(np.median(share)):.2f} (classes {min(share):.2f} to {max(share):.2f}); per "
            "class, with the 5th–95th percentiles over resample b of one seed against "
            "resample b of the other: " + ", ".join(
                f"{name} {x['conserved']:.2f} ({x['conserved_spread']['p5']:.2f}–"
                f"{x['conserved_spread']['p95']:.2f})" for name, x in rows) + ".")
    every = sum(c["in_every_seed"] for c in channels["classes"])
    total = sum(len(c["vertices"]) for c in channels["classes"])
    lines.append(f"- Graph vertices kept in every seed: {every} of {total}.")
    flagged = channels["nonsemantic"]
    every = sum(c["holds_in"] == n for c in flagged["channels"])
    first = (", ".join(f"{c['id']} (in {c['holds_in']} of {n} seeds)"
                       for c in flagged["channels"]) + f"; {every} in every seed"
             if flagged["channels"] else "none")
    lines.append(
        f"- Non-semantic channels of seed {seeds[0]}: {first}. Flagged in the other seeds (in "
        f"seed {seeds[0]}'s ids; b<j>: unmatched): " + "; ".join(
            f"seed {x['seed']}: {', '.join(x['flagged']) or 'none'}" for x in flagged["seeds"])
        + ".")
    names = {c["id"]: c["name"] for c in channels["classes"]}

    def motif(m: dict[str, Any]) -> str:
        classes = ", ".join(names.get(c, str(c)) for c in m["classes"])
        return f"{', '.join(m['vertices'])} ({classes}) in {m['holds_in']} of {n} seeds"

    lines.append(f"- Motifs of seed {seeds[0]} (one holds in a seed when all its vertices and "
                 "edges are in each of its classes' graphs there): "
                 + ("; ".join(map(motif, channels["motifs"])) or "none") + ".")
    return lines
