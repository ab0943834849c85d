"""The static site's data: what the front-end in ``site/`` reads, written in one place.

Data contract (paths relative to the site root; class ``<id>`` is an integer, ``<layer>`` a
primary layer's name; every list of classes is in ``study.json``'s ``classes`` order):

- ``data/study.json``, loaded first and alone:
  ``title``; ``model`` {name, kind, test_accuracy, parameters, warnings (one-line warnings
  from training, e.g. a training too short for its data; empty for given weights)};
  ``dataset`` {name, n_images,
  n_classes}; ``accuracy`` (top-1 over the summarised images); ``bins`` (channel histogram
  bins); ``layers`` (input side first), each {``name``, ``channels``, ``data``: path of the
  layer file below, ``counts``: path of the A^l file below or null when the build had none,
  ``featvis``: null or the layer's feature-visualization atlas {``atlas`` (PNG path),
  ``size`` (pixels per image), ``per_channel`` (images per channel: the render, then the
  diversity images), ``channels`` (the rendered channels: channel ``channels[i]`` fills
  row i, its image j at x = j·size), ``failed`` (per row, null or why the channel's render
  failed and shows no feature, ``FeatvisIndex.FAILURES``)}, ``examples``: null or the
  layer's dataset-example atlas {``atlas`` (PNG path), ``index`` (path of the example index
  below), ``thumbnail`` (pixels per patch), ``n`` (patches per channel), ``per_row``
  (channels per atlas row: channel c's patch k is at x = ((c mod per_row)·n + k)·thumbnail,
  y = ⌊c / per_row⌋·thumbnail)}}; ``classes``, each {``id``, ``name``,
  ``n_images``, ``accuracy``, ``prob_hist`` (histogram of p(true class) over [0, 1]),
  ``graph`` (path), ``n_vertices``, ``n_edges``, ``share`` (the extraction share the graph
  was extracted at, where the graph view's share slider starts: the graph's ``slider.share``,
  else the ``stability`` panel's record's ``settings.share``, else null)}; ``embedding``
  {layer: one [x, y] in [0, 1]
  per class}; ``provenance``: null or what the study was made from (``summit.provenance``:
  config, package versions, platform, model and dataset checksums); ``analyses``: null or
  the path of the analyses file below; ``figures``: the publication figures, each {``name``,
  ``title``, ``png``, ``pdf``} (paths); ``panels`` (only when a stage publishes per-class
  data): each {``name``, ``data``: the path of a class's file with ``{id}`` for its id,
  ``sort``: null or the label of the class-list order its records give, ``PANEL_SORTS``},
  shown by the module ``js/panels/<name>.js`` (see ``site/js/panels.js``); when a panel has
  a ``sort``, each class entry has ``sort_keys`` {panel name: its record's key, a number or
  null, higher first}, so the list sorts without loading every record.
- ``data/layers/<layer>.json``, fetched when a channel of the layer is first shown:
  ``range`` [min per channel, max per channel] (the common histogram range) and
  ``all_images`` (channels × bins): the channel-max histogram over every image (the sum of
  the class histograms).
- ``data/layers/<layer>.counts.i32``, fetched when the layer first needs similarities: A^l
  as little-endian int32, classes × channels, row-major: how many of a class's images have
  the channel among their top activations at that layer.
- ``data/graphs/<id>.json``, fetched when the class is shown: the attribution graph
  {class, layers, nodes [{id, layer, channel, count, pagerank, entry_share (the vertex is
  in the graph at share s exactly when entry_share < s)}], edges [{source (lower layer),
  target, weight}], slider {range [low, high], nodes, edges: the vertices entering below
  high besides the graph's, and the edges they add}} (``ClassGraph``); the share slider
  draws the graph at any share of the range (``site/js/share.js``).
- ``data/examples/<layer>.json``, fetched when a channel's examples are first shown:
  ``channels``: per channel its patches in atlas order, each {``image`` (dataset index),
  ``class`` (label id), ``label`` (class name), ``value`` (the channel's maximum)}.
- ``data/analyses.json``, fetched when the Analyses panel first opens (see
  ``analyses_summary``): ``nonsemantic``, ``neighbours``, ``pairs``, ``motifs``,
  ``separability`` and ``models``, each null when the study did not run it. Classes are
  referred to by id.
- ``data/stats/<id>/<layer>.json``, fetched when a channel of that layer is shown for the
  class: ``class`` and ``misclassified`` (channels × bins) channel-max histograms over the
  class's images and its misclassified images, on the layer file's range.
- With a model comparison (``model_comparison``; absent otherwise), ``study.json``'s
  ``models``: {``names`` [model A (this study's), model B], ``data``: the path of a class's
  file below with ``{id}`` for its id, ``layers``: per layer of A (``layers`` order) {``layer``
  (A's), ``b_layer`` (B's paired layer, its own name), ``channels_b``, ``matched`` (channels
  matched), ``cutoff`` (the score a match reaches), ``featvis``: null or B's atlas of the
  layer, in the layers' ``featvis`` format, under ``data/models/featvis/``}}: B's render of
  its channel (b_layer, b_channel) is in the entry whose ``b_layer`` it is.
- ``data/models/<id>.json``, fetched when the graph view compares the class's graph with
  model B's: ``class`` {id, name}, ``models``, ``accuracy`` [A, B] (on the class's images),
  ``conserved`` {vertices, edges} (the share of A's graph's vertices and edges B's graph
  keeps), ``vertex_jaccard``, ``edge_jaccard``, ``stability`` {``resamples``, ``conserved``,
  ``vertex_jaccard`` (each {mean, p5, p95} over resample b of A against resample b of B)},
  ``matching`` (per layer of A: {layer_b, channels_a, channels_b, matched, cutoff,
  identity}) and ``graph_b``: B's graph {layers, nodes, edges} in A's vertex ids
  (``summit.matching.translate``: a vertex matched to A's channel i of layer L is ``L:i``, an
  unmatched one ``L:b<j>``; each keeps ``b_layer``, ``b_channel`` and its match ``score``,
  null when unmatched). The page draws ``union(A's graph, graph_b)`` (``summit.layout``).

Names and paths in these files are data: the page sets them as text, never as HTML.
"""

from __future__ import annotations

import math
import re
import shutil
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from summit.artifacts import (
    ActivationCounts,
    ClassGraph,
    ClassPairsReport,
    ClassStats,
    Embedding,
    ExamplesIndex,
    Faithfulness,
    FeatvisIndex,
    ModelCard,
    ModelComparison,
    MotifsReport,
    NeighboursReport,
    NonsemanticReport,
    SeparabilityLayer,
    Stability,
    read_json,
    write_json,
)
from summit.class_comparison import changes_most
from summit.errors import SummitError
from summit.structure import Structure


@dataclass(frozen=True)
class StudyFiles:
    """The workflow outputs the site is made from; graphs and stats in ``class_ids`` order.

    ``activations`` holds one A^l file (``results/activations/<layer>.npz``) per primary
    layer; without them the page cannot sort classes by similarity. ``examples`` and
    ``featvis`` hold per-layer atlas indexes (``results/{examples,featvis}/<layer>.json``,
    each beside its atlas); without them vertices show channel numbers.
    """

    model: Path
    structure: Path
    embedding: Path
    graphs: list[Path]
    stats: list[Path]
    activations: list[Path] = field(default_factory=list)
    examples: list[Path] = field(default_factory=list)
    featvis: list[Path] = field(default_factory=list)
    provenance: Path | None = None
    analyses: Analyses | None = None
    panels: dict[str, list[Path]] = field(default_factory=dict)  # name -> a file per class
    comparison: Comparison | None = None


@dataclass(frozen=True)
class Comparison:
    """A second model's study compared with this one (``model_comparison``): per class its
    ``ModelComparison`` (``results/analysis/models/<cls>.json``, in ``class_ids`` order) and
    per layer of the second model its feature-visualization index, beside its atlas."""

    classes: list[Path]
    featvis: list[Path] = field(default_factory=list)


@dataclass(frozen=True)
class Analyses:
    """The analyses' outputs (``results/analysis``) and figures the site publishes."""

    nonsemantic: Path | None = None
    neighbours: Path | None = None
    class_pairs: Path | None = None
    motifs: Path | None = None
    separability: list[Path] = field(default_factory=list)
    models: list[Path] = field(default_factory=list)
    figures: list[Path] = field(default_factory=list)  # PNGs, each with its PDF beside it


FIGURE_TITLES = {
    "nonsemantic": "Non-semantic channels (paper Fig. 10, §8.4)",
    "neighbours": "Classes whose neighbours change across layers (Fig. 8, §8.2)",
    "class_pair": "The most similar pair of classes' graphs compared (Fig. 9, §8.3)",
    "motifs": "Motifs shared by groups of classes (§9)",
    "separability": "Few-channel classifiers from A^l (§8.5)",
    "model_comparison": "Two models' graphs compared, all classes",
    "matching": "Two models' channels matched by their responses, against shuffled images",
    "faithfulness": "Do the graphs explain their classes? Ablation tests",
    "stability": "Each graph's stability over resamples of its images",
}


def _faithfulness_score(path: Path) -> float | None:
    record = Faithfulness.load(path)
    return record.variants[record.configured]["score"]


def _stability_score(path: Path) -> float | None:
    mean = Stability.load(path).jaccard.get("vertices", {}).get("mean")
    return mean if isinstance(mean, (int, float)) and math.isfinite(mean) else None


# Panels whose records order the class list: name -> (the order's label in the page, the key
# read from a class's record, higher first). Read once here, so the page need not load every
# class's record to sort.
PANEL_SORTS: dict[str, tuple[str, Callable[[Path], float | None]]] = {
    "faithfulness": ("Faithfulness", _faithfulness_score),
    "stability": ("Stability", _stability_score),
}


def _configured_share(graph: dict[str, Any], stability: Path | None) -> float | None:
    """The share a class's graph was extracted at: its slider's ``share`` if it records it,
    else its stability record's (the stability stage's settings are the graph's)."""
    share = graph.get("slider", {}).get("share")
    if share is None and stability is not None:
        share = Stability.load(stability).settings.get("share")
    return float(share) if isinstance(share, (int, float)) else None


def _top_pairs(similarity: list[list[float]], ids: list[int], n: int) -> list[dict[str, Any]]:
    """The ``n`` most similar pairs of different classes, most similar first."""
    s = np.array(similarity, np.float64)
    i, j = np.triu_indices(len(s), k=1)
    order = np.lexsort((j, i, -s[i, j]))[:n]
    return [{"a": ids[i[k]], "b": ids[j[k]], "jaccard": float(s[i[k], j[k]])} for k in order]


# A finding's support over the resamples, kept for the Analyses panel where a record has it
# (``stability``: the settings, ``min_support`` among them, under which a finding is tentative).
_SUPPORT = ("support", "tentative", "vertex_jaccard_spread", "winners", "change_p5",
            "change_p95", "rank_support", "neighbour_support", "neighbour_tentative")


def analyses_summary(a: Analyses, exclude_nonsemantic: bool, top: int = 100) -> dict[str, Any]:
    """What the Analyses panel lists, trimmed to the top entries of each analysis, each
    finding with its support and whether it is tentative (``stability``)."""
    out: dict[str, Any] = dict.fromkeys(
        ("nonsemantic", "neighbours", "pairs", "motifs", "separability", "models"))
    if a.nonsemantic:
        r = NonsemanticReport.load(a.nonsemantic).to_json()
        out["nonsemantic"] = {"settings": r["settings"], "excluded": exclude_nonsemantic,
                              "channels": [{k: v for k, v in c.items() if k != "lift"}
                                           for c in r["channels"]],
                              "n_supported": r.get("n_supported"),
                              "stability": r.get("stability") or {}}
    if a.neighbours:
        r = NeighboursReport.load(a.neighbours).to_json()
        by_id = {c["id"]: c for c in r["classes"]}
        out["neighbours"] = {"k": r["k"], "layers": r["layers"], "classes": [
            {k: by_id[cid][k] for k in ("id", "change", "transitions", "neighbours", *_SUPPORT)
             if k in by_id[cid]} for cid in r["ranking"][:top]],
                             "top_support": r.get("top_support"),
                             "stability": r.get("stability") or {}}
    if a.class_pairs:
        r = ClassPairsReport.load(a.class_pairs).to_json()
        best = r["pairs"]["most_similar"]
        out["pairs"] = {"most_similar": {"a": best["a"]["id"], "b": best["b"]["id"],
                                         "vertex_jaccard": best["vertex_jaccard"],
                                         "edge_jaccard": best["edge_jaccard"],
                                         "layers": best["layers"],
                                         **{k: best[k] for k in _SUPPORT if k in best}},
                        "top": _top_pairs(r["vertex_jaccard"], r["class_ids"], top),
                        "stability": r["stability"]}
    if a.motifs:
        r = MotifsReport.load(a.motifs).to_json()
        out["motifs"] = {"settings": r["settings"], "n": len(r["motifs"]),
                         "motifs": r["motifs"][:top], "n_groups": len(r["groups"]),
                         "channels": r["channels"][:top], "stability": r["stability"]}
    if a.separability:
        layers = [SeparabilityLayer.load(x).to_json() for x in a.separability]
        out["separability"] = {"layers": [x["layer"] for x in layers],
                               "channels_per_class": layers[0]["channels_per_class"],
                               "classes": [
            {"id": c["id"], "model": c.get("model_balanced_accuracy"),
             "classifier": [x["classes"][i].get("classifier_balanced_accuracy") for x in layers],
             "channels": [[ch["channel"] for ch in x["classes"][i]["channels"]] for x in layers]}
            for i, c in enumerate(layers[0]["classes"])],
                               "joint": [{k: x["joint"].get(k) for k in (
                                   "classifier_accuracy", "model_accuracy")} for x in layers]}
    if a.models:
        results = [ModelComparison.load(x).to_json() for x in a.models]
        held = [r["stability"] for r in results]
        most = changes_most([r["vertex_jaccard"] for r in results],
                            [h["vertex_jaccards"] for h in held], held[0]["min_support"])
        out["models"] = {"names": results[0]["models"], "classes": [
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
    return out


def _copy_figures(a: Analyses, out: Path, names: list[str],
                  pairs: list[list[int]]) -> list[dict[str, str]]:
    """Copy the figures (PNG and PDF) under ``out/figures``; return their entries, titled
    by name (``pairs``: the class pairs drawn in ``class_pairs/<a>_<b>``)."""
    titles = {**FIGURE_TITLES, **{f"class_pairs/{x}_{y}": f"{names[x]} and {names[y]} compared"
                                  for x, y in pairs}}
    entries = []
    for png in a.figures:
        pdf = png.with_suffix(".pdf")
        sub = "" if png.parent.name == "figures" else f"{png.parent.name}/"
        (out / "figures" / sub).mkdir(parents=True, exist_ok=True)
        for path in (png, pdf):
            if path.exists():
                shutil.copyfile(path, out / "figures" / sub / path.name)
        if sub != "models/":  # per-class model figures are linked from their class's row
            entries.append({"name": f"{sub}{png.stem}",
                            "title": titles.get(f"{sub}{png.stem}", png.stem),
                            "png": f"figures/{sub}{png.name}", "pdf": f"figures/{sub}{pdf.name}"})
    return entries


def _layer_counts(files: StudyFiles, class_ids: list[int]) -> dict[str, np.ndarray]:
    """A^l per layer (named by the file's stem), rows in ``class_ids`` order, as int32."""
    out = {}
    for path in files.activations:
        a = ActivationCounts.load(path)
        out[a.layer] = np.stack([a.row(c) for c in class_ids]).astype("<i4")
    return out


def study_summary(p: dict[str, Any], files: StudyFiles, bins: int,
                  counts_layers: Collection[str] = (),
                  images: dict[str, dict[str, Any]] | None = None) -> dict[str, Any]:
    """The site's entry file, assembled from the model card, stats, graphs and embeddings."""
    model = ModelCard.load(files.model).to_json()
    structure = Structure.load(files.structure).to_json()
    classes, correct, total = [], 0, 0
    sorts = {name: [PANEL_SORTS[name][1](path) for path in paths]
             for name, paths in files.panels.items() if name in PANEL_SORTS}
    for i, (cid, stats_file, graph_file) in enumerate(zip(p["class_ids"], files.stats,
                                                          files.graphs, strict=True)):
        stats, graph = ClassStats.load(stats_file).to_json(), ClassGraph.load(graph_file).to_json()
        stability = files.panels["stability"][i] if "stability" in files.panels else None
        classes.append({"id": cid, "name": p["class_names"][cid], "n_images": stats["n_images"],
                        "accuracy": stats["accuracy"], "prob_hist": stats["prob_hist"],
                        "graph": f"data/graphs/{cid}.json",
                        "n_vertices": len(graph["nodes"]), "n_edges": len(graph["edges"]),
                        "share": _configured_share(graph, stability),
                        **({"sort_keys": {name: keys[i] for name, keys in sorts.items()}}
                           if sorts else {})})
        correct += round(stats["accuracy"] * stats["n_images"])
        total += stats["n_images"]
    e = Embedding.load(files.embedding).to_json()
    row = {cid: i for i, cid in enumerate(e["class_ids"])}
    embedding = {name: [xy[row[c["id"]]] for c in classes] for name, xy in e["layers"].items()}
    layers = [{"name": x["name"], "channels": x["channels"],
               "data": f"data/layers/{x['name']}.json",
               "counts": (f"data/layers/{x['name']}.counts.i32"
                          if x["name"] in counts_layers else None),
               "featvis": (images or {}).get(x["name"], {}).get("featvis"),
               "examples": (images or {}).get(x["name"], {}).get("examples")}
              for x in structure["layers"]]
    return {
        "title": p["title"],
        "model": {"name": model["name"], "kind": model["kind"],
                  "test_accuracy": model["test_accuracy"], "parameters": model["parameters"],
                  "warnings": model["training"].get("warnings", [])},
        "dataset": {"name": p["dataset_name"], "n_images": total, "n_classes": len(classes)},
        "accuracy": correct / total if total else 0.0,
        "bins": bins,
        "layers": layers,
        "classes": classes,
        "embedding": embedding,
        "provenance": read_json(files.provenance) if files.provenance else None,
        "analyses": "data/analyses.json" if files.analyses else None,
        "figures": [],
        **({"panels": [{"name": name, "data": f"data/panels/{name}/{{id}}.json",
                        "sort": PANEL_SORTS[name][0] if name in PANEL_SORTS else None}
                       for name in files.panels]} if files.panels else {}),
    }


def _write_stats(p: dict[str, Any], files: StudyFiles, data: Path) -> tuple[int, dict]:
    """Split each class's channel histograms per layer; return bins and the per-layer files."""
    layers: dict[str, dict[str, Any]] = {}
    bins = 0
    for cid, path in zip(p["class_ids"], files.stats, strict=True):
        for layer, h in ClassStats.load(path).channel_hist.items():
            write_json(data / "stats" / str(cid) / f"{layer}.json",
                   {"class": h["class"], "misclassified": h["misclassified"]})
            hist = np.asarray(h["class"], np.int64)
            bins = hist.shape[1]
            if layer in layers:
                layers[layer]["all_images"] += hist
            else:
                layers[layer] = {"range": h["range"], "all_images": hist}
    return bins, layers


def _copy_images(p: dict[str, Any], files: StudyFiles, data: Path) -> dict[str, dict]:
    """Copy the per-layer atlases; return each layer's ``featvis``/``examples`` entries."""
    out: dict[str, dict[str, Any]] = {}
    for kind in ("featvis", "examples"):
        if getattr(files, kind):
            (data / kind).mkdir(parents=True, exist_ok=True)
    for path in files.featvis:
        out.setdefault(FeatvisIndex.load(path).layer, {})["featvis"] = _copy_featvis(
            path, data, "featvis")
    names = p["class_names"]
    for path in files.examples:
        ex = ExamplesIndex.load(path)
        shutil.copyfile(path.parent / ex.atlas, data / "examples" / f"{ex.layer}.png")
        channels = [[{"image": e["image"], "class": e["class"],
                      "label": names[e["class"]] if 0 <= e["class"] < len(names) else None,
                      "value": e["value"]} for e in entries] for entries in ex.channels]
        write_json(data / "examples" / f"{ex.layer}.json", {"channels": channels})
        out.setdefault(ex.layer, {})["examples"] = {
            "atlas": f"data/examples/{ex.layer}.png",
            "index": f"data/examples/{ex.layer}.json",
            "thumbnail": ex.thumbnail, "n": ex.n, "per_row": ex.per_row}
    return out


def _copy_featvis(path: Path, data: Path, folder: str) -> dict[str, Any]:
    """Copy a layer's feature-visualization atlas to ``data/<folder>/<layer>.png``; return its
    entry (the atlas's path and geometry, and why each failed render failed)."""
    fv = FeatvisIndex.load(path)
    shutil.copyfile(path.parent / fv.atlas, data / folder / f"{fv.layer}.png")
    return {"atlas": f"data/{folder}/{fv.layer}.png", "size": fv.size,
            "per_channel": fv.per_channel, "channels": fv.channels,
            "failed": [fv.FAILURES[f] if f else None for f in fv.failed]}


def _write_models(class_ids: list[int], comparison: Comparison, data: Path) -> dict[str, Any]:
    """Write each class's comparison with the second model (``data/models/<id>.json``) and
    copy the second model's atlases; return study.json's ``models`` entry."""
    records = [ModelComparison.load(x) for x in comparison.classes]
    if len(records) != len(class_ids) or not records:
        raise SummitError(f"site: {len(records)} model comparisons for {len(class_ids)} "
                          "classes; the site needs one per class")
    (data / "models" / "featvis").mkdir(parents=True)
    featvis = {FeatvisIndex.load(path).layer: _copy_featvis(path, data, "models/featvis")
               for path in comparison.featvis}
    for cid, r in zip(class_ids, records, strict=True):
        if r.a["id"] != cid:
            raise SummitError(f"site: the model comparison of class {r.a['id']} is given for "
                              f"class {cid}; give them in class order")
        s = r.stability
        write_json(data / "models" / f"{cid}.json", {
            "class": r.a, "models": r.models, "accuracy": r.accuracy, "conserved": r.conserved,
            "vertex_jaccard": r.vertex_jaccard, "edge_jaccard": r.edge_jaccard,
            "stability": {"resamples": s.get("resamples"), "conserved": s.get("conserved"),
                          "vertex_jaccard": s.get("vertex_jaccard")},
            "matching": r.matching, "graph_b": r.graph_b})
    return {"names": records[0].models, "data": "data/models/{id}.json",
            "layers": [{"layer": layer, "b_layer": m["layer_b"], "channels_b": m["channels_b"],
                        "matched": m["matched"], "cutoff": m["cutoff"],
                        "featvis": featvis.get(m["layer_b"])}
                       for layer, m in records[0].matching.items()]}


def panel_name(name: str) -> str:
    """``name`` if it can name a panel's module (``js/panels/<name>.js``), else a one-line error."""
    if not re.fullmatch(r"[a-z][a-z0-9_]*", name):
        raise SummitError(f"site panel {name!r}: panel names are lower-case identifiers "
                          "(they name js/panels/<name>.js)")
    return name


def _copy_panels(class_ids: list[int], panels: dict[str, list[Path]], data: Path) -> None:
    """Copy each per-class panel's files (a stage's artifacts) to ``data/panels/<name>/``."""
    for name, paths in panels.items():
        (data / "panels" / panel_name(name)).mkdir(parents=True)
        for cid, path in zip(class_ids, paths, strict=True):
            shutil.copyfile(path, data / "panels" / name / f"{cid}.json")


def write_site(p: dict[str, Any], source: Path, files: StudyFiles, out: Path) -> None:
    """Copy the front-end and write the data files into ``out`` (replaced as a whole)."""
    tmp = out.with_name(out.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    shutil.copytree(source, tmp)
    data = tmp / "data"
    (data / "graphs").mkdir(parents=True)
    for cid, path in zip(p["class_ids"], files.graphs, strict=True):
        shutil.copyfile(path, data / "graphs" / f"{cid}.json")
    bins, layer_hists = _write_stats(p, files, data)
    for layer, h in layer_hists.items():
        write_json(data / "layers" / f"{layer}.json",
               {"range": h["range"], "all_images": h["all_images"].tolist()})
    counts = _layer_counts(files, p["class_ids"])
    for layer, a in counts.items():
        (data / "layers" / f"{layer}.counts.i32").write_bytes(a.tobytes())
    images = _copy_images(p, files, data)
    _copy_panels(p["class_ids"], files.panels, data)
    summary = study_summary(p, files, bins, list(counts), images)
    if files.comparison:
        summary["models"] = _write_models(p["class_ids"], files.comparison, data)
    if files.analyses:
        write_json(data / "analyses.json",
               analyses_summary(files.analyses, p.get("exclude_nonsemantic", False)))
        summary["figures"] = _copy_figures(files.analyses, tmp, p["class_names"],
                                           p.get("pairs", []))
    write_json(data / "study.json", summary)
    shutil.rmtree(out, ignore_errors=True)
    tmp.rename(out)
