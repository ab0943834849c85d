"""The Analyses panel's sections (``data/analyses.json``, ``summit.render.site``'s
``analyses_summary``): each analysis's report trimmed to its top entries, each finding with
its support over the resamples and whether it is tentative (``stability``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from summit.analyses.class_comparison import changes_most, ranked_pairs
from summit.io.reports import (
    ClassPairsReport,
    GroundTruthReport,
    ModelComparison,
    MotifsReport,
    NeighboursReport,
    NonsemanticReport,
    RandomizationReport,
    SeparabilityLayer,
)
from summit.randomization.summary import label

# A finding's support over the resamples, kept for the Analyses panel where a record has it
# (``stability``: the settings, ``min_support`` among them, under which a finding is tentative).
_SUPPORT = ("support", "tentative", "vertex_jaccard_spread", "winners", "change_p5",
            "change_p95", "rank_support", "neighbour_support", "neighbour_tentative")


def top_pairs(similarity: list[list[float]], ids: list[int], n: int) -> list[dict[str, Any]]:
    """The ``n`` most similar pairs of different classes, most similar first (the first is the
    class pairs analysis's most similar pair)."""
    return [{"a": ids[i], "b": ids[j], "jaccard": float(similarity[i][j])}
            for i, j in ranked_pairs(np.asarray(similarity, np.float64), n)]


def nonsemantic(path: Path, excluded: bool) -> dict[str, Any]:
    """The non-semantic channels (without their lift per class), and whether the graphs
    exclude them (``excluded``)."""
    r = NonsemanticReport.load(path).to_json()
    return {"settings": r["settings"], "excluded": excluded,
            "channels": [{k: v for k, v in c.items() if k != "lift"} for c in r["channels"]],
            "n_supported": r.get("n_supported"), "stability": r.get("stability") or {}}


def neighbours(path: Path, top: int) -> dict[str, Any]:
    """The ``top`` classes whose neighbourhood changes most, most changing first."""
    r = NeighboursReport.load(path).to_json()
    by_id = {c["id"]: c for c in r["classes"]}
    return {"k": r["k"], "layers": r["layers"], "classes": [
        {k: by_id[cid][k] for k in ("id", "change", "transitions", "neighbours", *_SUPPORT)
         if k in by_id[cid]} for cid in r["ranking"][:top]],
            "top_support": r.get("top_support"), "stability": r.get("stability") or {}}


def pairs(path: Path, top: int) -> dict[str, Any]:
    """The most similar pair of classes' graphs compared, and the ``top`` most similar."""
    r = ClassPairsReport.load(path).to_json()
    best = r["pairs"]["most_similar"]
    return {"most_similar": {"a": best["a"]["id"], "b": best["b"]["id"],
                             "vertex_jaccard": best["vertex_jaccard"],
                             "edge_jaccard": best["edge_jaccard"], "layers": best["layers"],
                             **{k: best[k] for k in _SUPPORT if k in best}},
            "top": top_pairs(r["vertex_jaccard"], r["class_ids"], top),
            "stability": r["stability"]}


def motifs(path: Path, top: int) -> dict[str, Any]:
    """The ``top`` motifs and recurring channels, with how many there are."""
    r = MotifsReport.load(path).to_json()
    return {"settings": r["settings"], "n": len(r["motifs"]), "motifs": r["motifs"][:top],
            "n_groups": len(r["groups"]), "channels": r["channels"][:top],
            "stability": r["stability"]}


def separability(paths: list[Path]) -> dict[str, Any]:
    """Per class and layer the few-channel classifier's balanced accuracy and channels, and
    per layer the dense classifier's accuracy against the model's."""
    layers = [SeparabilityLayer.load(x).to_json() for x in paths]
    return {"layers": [x["layer"] for x in layers],
            "channels_per_class": layers[0]["channels_per_class"],
            "classes": [
        {"id": c["id"], "model": c.get("model_balanced_accuracy"),
         "classifier": [x["classes"][i].get("classifier_balanced_accuracy") for x in layers],
         "channels": [[ch["channel"] for ch in x["classes"][i]["channels"]] for x in layers]}
        for i, c in enumerate(layers[0]["classes"])],
            "joint": [{k: x["joint"].get(k) for k in ("classifier_accuracy", "model_accuracy")}
                      for x in layers]}


def models(paths: list[Path]) -> dict[str, Any]:
    """Per class its graphs' comparison across the two models, with the spread over the
    resamples, and the class that changes most with its support."""
    results = [ModelComparison.load(x).to_json() for x in paths]
    held = [r["stability"] for r in results]
    most = changes_most([r["vertex_jaccard"] for r in results],
                        [h["vertex_jaccards"] for h in held], held[0]["min_support"])
    return {"names": results[0]["models"], "classes": [
        {"id": r["a"]["id"], "vertex_jaccard": r["vertex_jaccard"],
         "vertex_jaccard_spread": h["vertex_jaccard"],
         "conserved": r.get("conserved", {}).get("vertices"),
         "conserved_spread": h.get("conserved"),
         "changes_most_support": most["shares"][i],
         "accuracy": r["accuracy"], "figure": f"figures/models/{r['a']['id']}.png",
         "layers": {layer: c["jaccard"] for layer, c in r["layers"].items()}}
        for i, (r, h) in enumerate(zip(results, held, strict=True))],
            "changes_most": {"id": results[most["index"]]["a"]["id"],
                             **{k: most[k] for k in ("support", "tentative")}},
            "stability": {k: held[0][k] for k in ("resamples", "min_support")}}


def ground_truth(path: Path) -> dict[str, Any]:
    """Per planted stamp, the model's study: its classes and pattern, the shortcut, the
    pattern channels with their effect (strongest first) and whether a planted class's graph
    holds them (with its PageRank rank), the ablation of the found ones; and how many of the
    studies (the model, its seeds) find them."""
    r = GroundTruthReport.load(path).to_json()
    main, out = r["studies"][0], []
    for st, held in zip(main["stamps"], r["across"], strict=True):
        planted = [str(c) for c in st["stamp"]["classes"]]
        ranks = {v: rank for c in planted
                 for v, rank in st["recovery"]["classes"][c]["ranks"].items()}
        channels = [{"id": f"{layer}:{c}", "layer": layer,
                     "effect": st["response"][layer]["effect"][c],
                     "rank": ranks.get(f"{layer}:{c}")}
                    for layer, picked in st["pattern"].items() for c in picked]
        channels.sort(key=lambda x: -x["effect"])
        out.append({"stamp": st["stamp"], "accuracy": st["shortcut"]["accuracy"],
                    "channels": channels,
                    "ablation": {c: st["ablation"][c].get("found") for c in planted},
                    "precision": st["recovery"]["precision"],
                    "unplanted_holding": st["recovery"]["unplanted_holding"],
                    "held": held["held"], "top": held["top"], "studies": held["studies"]})
    return {"seed": main["seed"], "stamps": out}


def randomization(path: Path) -> dict[str, Any]:
    """Per model of the randomization checks (the trained one, the cascade by depth, the
    shuffled-label net), in the report's words: accuracy, the graphs' mean vertex Jaccard
    with the trained model's and chance's, the nearest classes kept and chance's, and the
    faithfulness effect."""
    rows = []
    for m in RandomizationReport.load(path).models:
        g, h = m["graphs"]["mean"], m["neighbourhoods"]
        rows.append({"kind": m["kind"], "label": label(m), "depth": m["depth"],
                     "accuracy": m["accuracy"], "jaccard": g["jaccard"], "chance": g["chance"],
                     "neighbours": h["mean"], "neighbours_chance": h["chance"],
                     "effect": m["faithfulness"]["mean_effect"]})
    return {"models": rows}
