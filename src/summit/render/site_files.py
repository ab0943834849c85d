"""The site's data files besides ``study.json`` and ``analyses.json`` (``summit.render.site``'s
data contract): the figures, the per-layer histograms and A^l, the atlases and example
indexes, the channel descriptions, and each class's comparison with a second model."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import numpy as np

from summit.errors import SummitError
from summit.io.artifacts import ActivationCounts, ClassStats, ExamplesIndex, FeatvisIndex
from summit.io.files import write_json
from summit.io.reports import ChannelDescriptions, ModelComparison
from summit.render.registry import site_listed, site_titles


def copy_figures(figures: list[Path], out: Path, names: list[str],
                 pairs: list[list[int]]) -> list[dict[str, str]]:
    """Copy the figures (PNG and PDF) under ``out/figures``; return the entries of those the
    site lists, titled by ``summit.render.registry`` (``pairs``: the class pairs drawn in
    ``class_pairs/<a>_<b>``, titled with ``names``)."""
    titles = site_titles(names, pairs)
    entries = []
    for png in figures:
        pdf = png.with_suffix(".pdf")
        sub = "" if png.parent.name == "figures" else f"{png.parent.name}/"
        (out / "figures" / sub).mkdir(parents=True, exist_ok=True)
        for path in (png, pdf):
            if path.exists():
                shutil.copyfile(path, out / "figures" / sub / path.name)
        if site_listed(f"{sub}{png.stem}"):  # not a class's model figure (linked per class)
            entries.append({"name": f"{sub}{png.stem}",
                            "title": titles.get(f"{sub}{png.stem}", png.stem),
                            "png": f"figures/{sub}{png.name}", "pdf": f"figures/{sub}{pdf.name}"})
    return entries


def layer_counts(paths: list[Path], class_ids: list[int]) -> dict[str, np.ndarray]:
    """A^l per layer (named by the file's stem), rows in ``class_ids`` order, as int32."""
    out = {}
    for path in paths:
        a = ActivationCounts.load(path)
        out[a.layer] = np.stack([a.row(c) for c in class_ids]).astype("<i4")
    return out


def write_stats(class_ids: list[int], paths: list[Path], data: Path) -> tuple[int, dict]:
    """Split each class's channel histograms per layer; return bins and the per-layer files."""
    layers: dict[str, dict[str, Any]] = {}
    bins = 0
    for cid, path in zip(class_ids, paths, strict=True):
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


def copy_images(names: list[str], featvis: list[Path], examples: list[Path],
                data: Path) -> dict[str, dict]:
    """Copy the per-layer atlases; return each layer's ``featvis``/``examples`` entries."""
    out: dict[str, dict[str, Any]] = {}
    for kind, paths in (("featvis", featvis), ("examples", examples)):
        if paths:
            (data / kind).mkdir(parents=True, exist_ok=True)
    for path in featvis:
        out.setdefault(FeatvisIndex.load(path).layer, {})["featvis"] = copy_featvis(
            path, data, "featvis")
    for path in examples:
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


def write_descriptions(path: Path, data: Path) -> list[str]:
    """Split the channel descriptions (``ChannelDescriptions``) into one file per layer,
    ``data/descriptions/<layer>.json`` {``channels``}; return the layers written."""
    record = ChannelDescriptions.load(path)
    (data / "descriptions").mkdir(parents=True, exist_ok=True)
    for layer, channels in record.layers.items():
        write_json(data / "descriptions" / f"{layer}.json", {"channels": channels})
    return list(record.layers)


def copy_featvis(path: Path, data: Path, folder: str) -> dict[str, Any]:
    """Copy a layer's feature-visualization atlas to ``data/<folder>/<layer>.png``; return its
    entry (the atlas's path and geometry, and why each failed render failed)."""
    fv = FeatvisIndex.load(path)
    shutil.copyfile(path.parent / fv.atlas, data / folder / f"{fv.layer}.png")
    return {"atlas": f"data/{folder}/{fv.layer}.png", "size": fv.size,
            "per_channel": fv.per_channel, "channels": fv.channels,
            "failed": [fv.FAILURES[f] if f else None for f in fv.failed]}


def write_models(class_ids: list[int], classes: list[Path], featvis_b: list[Path],
                 data: Path) -> dict[str, Any]:
    """Write each class's comparison with the second model (``data/models/<id>.json``) and
    copy the second model's atlases (``featvis_b``: its feature-visualization indexes);
    return study.json's ``models`` entry."""
    records = [ModelComparison.load(x) for x in classes]
    if len(records) != len(class_ids) or not records:
        raise SummitError(f"site: {len(records)} model comparisons for {len(class_ids)} "
                          "classes; the site needs one per class")
    (data / "models" / "featvis").mkdir(parents=True)
    featvis = {FeatvisIndex.load(path).layer: copy_featvis(path, data, "models/featvis")
               for path in featvis_b}
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
