"""The static site's data: what the front-end in ``site/`` reads, written in one place.

Data contract (paths relative to the site root; class ``<id>`` is an integer, ``<layer>`` a
primary layer's name; every list of classes is in ``study.json``'s ``classes`` order):

- ``data/study.json``, loaded first and alone:
  ``title``; ``model`` {name, kind, test_accuracy, parameters}; ``dataset`` {name, n_images,
  n_classes}; ``accuracy`` (top-1 over the summarised images); ``bins`` (channel histogram
  bins); ``layers`` (input side first), each {``name``, ``channels``, ``data``: path of the
  layer file below, ``counts``: path of the A^l file below or null when the build had none,
  ``featvis``: null or the layer's feature-visualization atlas {``atlas`` (PNG path),
  ``size`` (pixels per image), ``per_channel`` (images per channel: the render, then the
  diversity images), ``channels`` (the rendered channels: channel ``channels[i]`` fills
  row i, its image j at x = j·size)}, ``examples``: null or the layer's dataset-example
  atlas {``atlas`` (PNG path), ``index`` (path of the example index below), ``thumbnail``
  (pixels per patch), ``n`` (patches per channel), ``per_row`` (channels per atlas row:
  channel c's patch k is at x = ((c mod per_row)·n + k)·thumbnail,
  y = ⌊c / per_row⌋·thumbnail)}}; ``classes``, each {``id``, ``name``,
  ``n_images``, ``accuracy``, ``prob_hist`` (histogram of p(true class) over [0, 1]),
  ``graph`` (path), ``n_vertices``, ``n_edges``}; ``embedding`` {layer: one [x, y] in [0, 1]
  per class}; ``provenance``: null or what the study was made from (``summit.provenance``:
  config, package versions, platform, model and dataset checksums).
- ``data/layers/<layer>.json``, fetched when a channel of the layer is first shown:
  ``range`` [min per channel, max per channel] (the common histogram range) and
  ``all_images`` (channels × bins): the channel-max histogram over every image (the sum of
  the class histograms).
- ``data/layers/<layer>.counts.i32``, fetched when the layer first needs similarities: A^l
  as little-endian int32, classes × channels, row-major: how many of a class's images have
  the channel among their top activations at that layer.
- ``data/graphs/<id>.json``, fetched when the class is shown: the attribution graph
  {class, layers, nodes [{id, layer, channel, count, pagerank}], edges [{source (lower
  layer), target, weight}]}.
- ``data/examples/<layer>.json``, fetched when a channel's examples are first shown:
  ``channels``: per channel its patches in atlas order, each {``image`` (dataset index),
  ``class`` (label id), ``label`` (class name), ``value`` (the channel's maximum)}.
- ``data/stats/<id>/<layer>.json``, fetched when a channel of that layer is shown for the
  class: ``class`` and ``misclassified`` (channels × bins) channel-max histograms over the
  class's images and its misclassified images, on the layer file's range.

Names and paths in these files are data: the page sets them as text, never as HTML.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np


def _read(path: Path) -> Any:
    return json.loads(path.read_text())


def _write(path: Path, value: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value, ensure_ascii=False, separators=(",", ":")))


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


def _layer_counts(files: StudyFiles, class_ids: list[int]) -> dict[str, np.ndarray]:
    """A^l per layer (named by the file's stem), rows in ``class_ids`` order, as int32."""
    out = {}
    for path in files.activations:
        with np.load(path) as z:
            row = {int(c): i for i, c in enumerate(z["class_ids"])}
            out[Path(path).stem] = z["counts"][[row[c] for c in class_ids]].astype("<i4")
    return out


def study_summary(p: dict[str, Any], files: StudyFiles, bins: int,
                  counts_layers: Collection[str] = (),
                  images: dict[str, dict[str, Any]] | None = None) -> dict[str, Any]:
    """The site's entry file, assembled from the model card, stats, graphs and embeddings."""
    model = _read(files.model)
    structure = _read(files.structure)
    classes, correct, total = [], 0, 0
    for cid, stats_file, graph_file in zip(p["class_ids"], files.stats, files.graphs,
                                           strict=True):
        stats, graph = _read(stats_file), _read(graph_file)
        classes.append({"id": cid, "name": p["class_names"][cid], "n_images": stats["n_images"],
                        "accuracy": stats["accuracy"], "prob_hist": stats["prob_hist"],
                        "graph": f"data/graphs/{cid}.json",
                        "n_vertices": len(graph["nodes"]), "n_edges": len(graph["edges"])})
        correct += round(stats["accuracy"] * stats["n_images"])
        total += stats["n_images"]
    e = _read(files.embedding)
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
                  "test_accuracy": model["test_accuracy"], "parameters": model["parameters"]},
        "dataset": {"name": p["dataset_name"], "n_images": total, "n_classes": len(classes)},
        "accuracy": correct / total if total else 0.0,
        "bins": bins,
        "layers": layers,
        "classes": classes,
        "embedding": embedding,
        "provenance": _read(files.provenance) if files.provenance else None,
    }


def _write_stats(p: dict[str, Any], files: StudyFiles, data: Path) -> tuple[int, dict]:
    """Split each class's channel histograms per layer; return bins and the per-layer files."""
    layers: dict[str, dict[str, Any]] = {}
    bins = 0
    for cid, path in zip(p["class_ids"], files.stats, strict=True):
        for layer, h in _read(path)["channel_hist"].items():
            _write(data / "stats" / str(cid) / f"{layer}.json",
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
        index = _read(path)
        layer = index["layer"]
        shutil.copyfile(path.parent / index["atlas"], data / "featvis" / f"{layer}.png")
        out.setdefault(layer, {})["featvis"] = {
            "atlas": f"data/featvis/{layer}.png", "size": index["size"],
            "per_channel": index["per_channel"], "channels": index["channels"]}
    names = p["class_names"]
    for path in files.examples:
        index = _read(path)
        layer = index["layer"]
        shutil.copyfile(path.parent / index["atlas"], data / "examples" / f"{layer}.png")
        channels = [[{"image": e["image"], "class": e["class"],
                      "label": names[e["class"]] if 0 <= e["class"] < len(names) else None,
                      "value": e["value"]} for e in entries] for entries in index["channels"]]
        _write(data / "examples" / f"{layer}.json", {"channels": channels})
        out.setdefault(layer, {})["examples"] = {
            "atlas": f"data/examples/{layer}.png", "index": f"data/examples/{layer}.json",
            "thumbnail": index["thumbnail"], "n": index["n"], "per_row": index["per_row"]}
    return out


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
        _write(data / "layers" / f"{layer}.json",
               {"range": h["range"], "all_images": h["all_images"].tolist()})
    counts = _layer_counts(files, p["class_ids"])
    for layer, a in counts.items():
        (data / "layers" / f"{layer}.counts.i32").write_bytes(a.tobytes())
    images = _copy_images(p, files, data)
    _write(data / "study.json", study_summary(p, files, bins, list(counts), images))
    shutil.rmtree(out, ignore_errors=True)
    tmp.rename(out)
