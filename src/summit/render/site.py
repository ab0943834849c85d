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
  y = ⌊c / per_row⌋·thumbnail)}, ``descriptions``: null or the path of the layer's channel
  descriptions below}; ``classes``, each {``id``, ``name``,
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
- ``data/descriptions/<layer>.json``, fetched when a channel of the layer is first shown:
  ``channels``: per channel, in channel order, its description as the ``channel_descriptions``
  stage measured it (``summit.io.reports.ChannelDescriptions``: the classes it fires for,
  its selectivity, its dataset examples' classes, its planted response, the non-semantic
  flag), with ``text``, the sentence the page shows.
- ``data/examples/<layer>.json``, fetched when a channel's examples are first shown:
  ``channels``: per channel its patches in atlas order, each {``image`` (dataset index),
  ``class`` (label id), ``label`` (class name), ``value`` (the channel's maximum)}.
- ``data/analyses.json``, fetched when the Analyses panel first opens (see
  ``analyses_summary``): ``nonsemantic``, ``neighbours``, ``pairs``, ``motifs``,
  ``separability``, ``models`` and ``ground_truth`` (with ``dataset.plant``: per stamp its
  pattern channels, the shortcut, the graphs' finds; ``site_analyses.ground_truth``), each
  null when the study did not run it. Classes are referred to by id.
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
  (``summit.analyses.matching.translate``: a vertex matched to A's channel i of layer L is
  ``L:i``, an unmatched one ``L:b<j>``; each keeps ``b_layer``, ``b_channel`` and its match
  ``score``, null when unmatched). The page draws ``union(A's graph, graph_b)``
  (``summit.render.layout``).

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

from summit.errors import SummitError
from summit.io.artifacts import (
    ClassGraph,
    ClassStats,
    Embedding,
    Faithfulness,
    ModelCard,
    Stability,
)
from summit.io.files import read_json, write_json
from summit.model.structure import Structure
from summit.render import site_analyses as summaries
from summit.render.site_files import (
    copy_figures,
    copy_images,
    layer_counts,
    write_descriptions,
    write_models,
    write_stats,
)


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
    descriptions: Path | None = None  # results/analysis/channel_descriptions.json


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
    ground_truth: Path | None = None
    randomization: Path | None = None


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


def analyses_summary(a: Analyses, exclude_nonsemantic: bool, top: int = 100) -> dict[str, Any]:
    """What the Analyses panel lists (``summit.render.site_analyses``), trimmed to the top
    entries of each analysis, each finding with its support and whether it is tentative
    (``stability``); an analysis the study did not run is null."""
    out: dict[str, Any] = dict.fromkeys(
        ("nonsemantic", "neighbours", "pairs", "motifs", "separability", "models",
         "ground_truth", "randomization"))
    if a.nonsemantic:
        out["nonsemantic"] = summaries.nonsemantic(a.nonsemantic, exclude_nonsemantic)
    if a.neighbours:
        out["neighbours"] = summaries.neighbours(a.neighbours, top)
    if a.class_pairs:
        out["pairs"] = summaries.pairs(a.class_pairs, top)
    if a.motifs:
        out["motifs"] = summaries.motifs(a.motifs, top)
    if a.separability:
        out["separability"] = summaries.separability(a.separability)
    if a.models:
        out["models"] = summaries.models(a.models)
    if a.ground_truth:
        out["ground_truth"] = summaries.ground_truth(a.ground_truth)
    if a.randomization:
        out["randomization"] = summaries.randomization(a.randomization)
    return out


def study_summary(p: dict[str, Any], files: StudyFiles, bins: int,
                  counts_layers: Collection[str] = (),
                  images: dict[str, dict[str, Any]] | None = None,
                  described: Collection[str] = ()) -> dict[str, Any]:
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
               "examples": (images or {}).get(x["name"], {}).get("examples"),
               "descriptions": (f"data/descriptions/{x['name']}.json"
                                if x["name"] in described else None)}
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
    bins, layer_hists = write_stats(p["class_ids"], files.stats, data)
    for layer, h in layer_hists.items():
        write_json(data / "layers" / f"{layer}.json",
               {"range": h["range"], "all_images": h["all_images"].tolist()})
    counts = layer_counts(files.activations, p["class_ids"])
    for layer, a in counts.items():
        (data / "layers" / f"{layer}.counts.i32").write_bytes(a.tobytes())
    images = copy_images(p["class_names"], files.featvis, files.examples, data)
    described = write_descriptions(files.descriptions, data) if files.descriptions else []
    _copy_panels(p["class_ids"], files.panels, data)
    summary = study_summary(p, files, bins, list(counts), images, described)
    if files.comparison:
        summary["models"] = write_models(p["class_ids"], files.comparison.classes,
                                         files.comparison.featvis, data)
    if files.analyses:
        write_json(data / "analyses.json",
               analyses_summary(files.analyses, p.get("exclude_nonsemantic", False)))
        summary["figures"] = copy_figures(files.analyses.figures, tmp, p["class_names"],
                                          p.get("pairs", []))
    write_json(data / "study.json", summary)
    shutil.rmtree(out, ignore_errors=True)
    tmp.rename(out)
