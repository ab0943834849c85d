"""Command-line entry point: one sub-command per workflow step, so Snakemake rules stay thin.

Each step gets its settings as one JSON object (``--params``), the exact subset of the
config it depends on, so Snakemake re-runs a step only when those settings change.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from summit.errors import SummitError
from summit.structure import Structure

if TYPE_CHECKING:
    import torch

log = logging.getLogger("summit")


def _finite(obj: Any) -> Any:
    """NaN/inf (e.g. accuracy of a class absent from a split) as null: valid JSON for browsers."""
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, dict):
        return {k: _finite(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_finite(v) for v in obj]
    return obj


def _write_json(path: str | Path, obj: Any) -> None:
    """Write JSON atomically (temporary file, then rename): no half-written outputs."""
    obj = _finite(obj)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(obj, separators=(",", ":"), ensure_ascii=False, allow_nan=False))
    tmp.replace(path)


def _setup_torch(p: dict[str, Any]) -> torch.device:
    import torch

    from summit import models

    torch.set_num_threads(p.get("threads", 2))
    torch.set_flush_denormal(True)
    return models.select_device(p.get("device", "auto"))


def _n_outputs(p: dict[str, Any]) -> int:
    from summit import data

    return len(data.class_names(p["dataset"]))


def cmd_train(a: argparse.Namespace, p: dict[str, Any]) -> None:
    """Train the demo model with a fixed seed; cache weights and metrics."""
    import torch

    from summit import data, models
    from summit.train import train_model

    device = _setup_torch(p)
    spec = data.InputSpec.from_config(p["input"])
    train_set = data.open_dataset(p["dataset"], spec, "train")
    test_set = data.open_dataset(p["dataset"], spec, "test")
    t = p["model"]["train"]
    torch.manual_seed(t["seed"])
    model = models.build_model(p["model"], _n_outputs(p), spec.channels).to(device)
    metrics = train_model(model, train_set, test_set, epochs=t["epochs"],
                          batch_size=t["batch_size"], lr=t["lr"], seed=t["seed"], device=device,
                          max_train_images=t["max_images"], log=log.info)
    Path(a.weights).parent.mkdir(parents=True, exist_ok=True)
    torch.save(model.cpu().state_dict(), a.weights)
    _write_json(a.metrics, metrics)


def cmd_describe_model(a: argparse.Namespace, p: dict[str, Any]) -> None:
    """Check the model loads and takes the input; record its structure and checksum."""
    import torch

    from summit import data, models
    from summit.hops import trace_structure

    device = _setup_torch(p)
    spec = data.InputSpec.from_config(p["input"])
    model = models.load_model(p["model"], a.weights, _n_outputs(p), spec.channels, device)
    structure = trace_structure(model.cpu(), p["layers"],
                                torch.zeros(1, spec.channels, spec.size, spec.size))
    metrics = json.loads(Path(a.metrics).read_text()) if a.metrics else {}
    _write_json(a.structure, structure.to_json())
    _write_json(a.out, {
        "name": p["model"]["name"], "kind": p["model"]["kind"],
        "architecture": p["model"].get("architecture") or p["model"].get("factory") or "demo",
        "parameters": sum(t.numel() for t in model.parameters()),
        "weights": str(a.weights), "weights_sha256": models.sha256(a.weights),
        "test_accuracy": metrics.get("test_accuracy"), "training": metrics,
        "layers": [x.name for x in structure.layers]})


def cmd_aggregate(a: argparse.Namespace, p: dict[str, Any]) -> None:
    """The per-class pass: channel maxima, influence tallies and predictions into one store."""
    from summit import data, models
    from summit.aggregate import Aggregator, aggregate_class, class_loader
    from summit.store import open_class_store

    device = _setup_torch(p)
    spec = data.InputSpec.from_config(p["input"])
    structure = Structure.from_json(json.loads(Path(a.structure).read_text()))
    dataset = data.open_dataset(p["dataset"], spec, "train")
    indices = data.class_image_indices(dataset.labels, a.class_id,
                                       p["dataset"]["max_images_per_class"])
    model = models.load_model(p["model"], a.weights, _n_outputs(p), spec.channels, device)
    inf = p["influence"]
    aggregator = Aggregator(model, structure, inf["method"], inf["k"], inf["share"],
                            p["examples"]["n"])
    loader = class_loader(dataset, indices, p["batch_size"], p["dataset"]["loader_workers"])
    log.info("class %d: %d images, device %s", a.class_id, len(indices), device)
    layers = {x.name: x.channels for x in structure.layers}
    with open_class_store(a.out, layers, max(1, len(indices))) as writer:
        summary = aggregate_class(aggregator, loader, indices, writer, device)
        tallies = {k: v.cpu().numpy() for k, v in aggregator.tallies.items()}
        examples = {layer: {"value": top.value.cpu().numpy(), "image": top.image.cpu().numpy(),
                            "position": top.position.cpu().numpy()}
                    for layer, top in aggregator.examples.items()}
        writer.finish(tallies, {"class_id": a.class_id, "layers": list(layers), **summary},
                      examples)
    log.info("done: %s", summary)


def cmd_examples(a: argparse.Namespace, p: dict[str, Any]) -> None:
    """Dataset-wide top-N image patches per channel of one layer, packed into one atlas."""
    import torch
    from PIL import Image

    from summit import data, models
    from summit.examples import atlas_layout, crop_patch, merge_top_n, receptive_fields
    from summit.store import ClassStore

    spec = data.InputSpec.from_config(p["input"])
    model = models.load_model(p["model"], a.weights, _n_outputs(p), spec.channels,
                              torch.device("cpu"))
    rf = receptive_fields(model, p["layers"], torch.zeros(1, spec.channels, spec.size,
                                                          spec.size))[a.layer]
    layer = Structure.from_json(json.loads(Path(a.structure).read_text())).layer(a.layer)
    candidates = [ClassStore(s).examples(a.layer) for s in a.stores]
    n = p["examples"]["n"]
    value, image, position = merge_top_n([c["value"] for c in candidates],
                                         [c["image"] for c in candidates],
                                         [c["position"] for c in candidates], n)
    dataset = data.open_dataset(p["dataset"], spec, "train")
    thumb, per_row = p["examples"]["thumbnail"], atlas_layout(layer.channels, n)
    rows = -(-layer.channels // per_row)
    mode = "L" if spec.channels == 1 else "RGB"
    atlas = Image.new(mode, (per_row * n * thumb, rows * thumb), color=255 if mode == "L"
                      else (255, 255, 255))
    channels = []
    for c in range(layer.channels):
        entries = []
        for k in range(value.shape[0]):
            if not np.isfinite(value[k, c]):
                continue
            idx = int(image[k, c])
            patch = crop_patch(data.display_image(dataset, idx), rf, int(position[k, c]),
                               layer.width)
            x, y = ((c % per_row) * n + k) * thumb, (c // per_row) * thumb
            atlas.paste(Image.fromarray(patch).convert(mode).resize((thumb, thumb),
                                                                      Image.BILINEAR), (x, y))
            entries.append({"image": idx, "class": int(dataset.labels[idx]),
                            "value": round(float(value[k, c]), 5),
                            "position": divmod(int(position[k, c]), layer.width)})
        channels.append(entries)
    Path(a.atlas).parent.mkdir(parents=True, exist_ok=True)
    atlas.save(a.atlas, optimize=True)
    _write_json(a.out, {"layer": a.layer, "thumbnail": thumb, "n": n, "per_row": per_row,
                        "receptive_field": {"jump": rf.jump, "size": rf.size},
                        "atlas": Path(a.atlas).name, "channels": channels})


def cmd_featvis(a: argparse.Namespace, p: dict[str, Any]) -> None:
    """Lucent renders of one layer's graph channels (or all): objective + diversity images."""
    from PIL import Image

    from summit import data, models
    from summit.featvis import RenderSettings, channels_in_graphs, render_layer

    device = _setup_torch(p)
    spec = data.InputSpec.from_config(p["input"])
    model = models.load_model(p["model"], a.weights, _n_outputs(p), spec.channels, device)
    for param in model.parameters():
        param.requires_grad_(False)
    layer = Structure.from_json(json.loads(Path(a.structure).read_text())).layer(a.layer)
    fv = p["featvis"]
    channels = (list(range(layer.channels)) if fv["channels"] == "all" else
                channels_in_graphs([json.loads(Path(g).read_text()) for g in a.graphs],
                                   a.layer))
    settings = RenderSettings.from_config(fv)
    log.info("%s: rendering %d channels x %d images on %s", a.layer, len(channels),
             1 + settings.diversity, device)
    start = time.perf_counter()
    images = render_layer(model, a.layer, channels, spec, settings)
    seconds = time.perf_counter() - start
    n, per_channel, size = images.shape[0], images.shape[1], images.shape[2]
    # One row per channel: its render, then its diversity images.
    pixels = (images.transpose(0, 2, 1, 3, 4).reshape(n * size, per_channel * size, -1)
              * 255).round().astype(np.uint8)
    mode = "L" if spec.channels == 1 else "RGB"
    atlas = (Image.fromarray(pixels[..., 0] if mode == "L" else pixels, mode) if n else
             Image.new(mode, (per_channel * size, size)))
    Path(a.atlas).parent.mkdir(parents=True, exist_ok=True)
    atlas.save(a.atlas, optimize=True)
    per_image = seconds / max(1, n * per_channel)
    log.info("%s: %d images in %.1f s, %.3f s per image", a.layer, n * per_channel, seconds,
             per_image)
    _write_json(a.out, {"layer": a.layer, "size": size, "per_channel": per_channel,
                        "atlas": Path(a.atlas).name, "channels": channels,
                        "seconds": round(seconds, 2), "seconds_per_image": round(per_image, 4)})


def cmd_figure(a: argparse.Namespace, p: dict[str, Any]) -> None:
    """One class's attribution graph with feature visualizations as vertices (PNG and PDF)."""
    from summit.figures import write_class_figure

    write_class_figure(a.graph, a.stats, a.featvis, a.png, a.pdf)


def cmd_provenance(a: argparse.Namespace, p: dict[str, Any]) -> None:
    """Record what the study was made from: config, versions, model and dataset checksums."""
    from summit.provenance import collect

    _write_json(a.out, collect(p, json.loads(Path(a.model).read_text())))


def cmd_activations(a: argparse.Namespace, p: dict[str, Any]) -> None:
    """A^l for one layer from every class's channel maxima (no forward pass)."""
    from summit.activations import activation_matrix
    from summit.store import ClassStore

    agg = p["aggregation"]
    result = activation_matrix([ClassStore(s) for s in a.stores], a.layer, agg["method"],
                               agg["k"], agg["share"])
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    with open(a.out, "wb") as f:  # file handle: np.savez would append .npz to the name
        np.savez(f, **result)


def cmd_embed(a: argparse.Namespace, p: dict[str, Any]) -> None:
    """UMAP of every layer's A^l, each layer initialised from the previous one's layout."""
    from summit.embedding import embed_layers

    counts = [np.load(path) for path in a.counts]
    e = p["embedding"]
    layouts = embed_layers([c["counts"] for c in counts], n_neighbors=e["n_neighbors"],
                           min_dist=e["min_dist"], seed=e["seed"])
    _write_json(a.out, {"class_ids": counts[0]["class_ids"].tolist(), "layers": {
        Path(path).stem: np.round(xy, 6).tolist() for path, xy in zip(a.counts, layouts,
                                                                       strict=True)}})


def cmd_graph(a: argparse.Namespace, p: dict[str, Any]) -> None:
    """One class's attribution graph: JSON for the site, GraphML for Gephi/Cytoscape."""
    from summit.graphs import attribution_graph, full_graph, write_graphml
    from summit.store import ClassStore

    structure = Structure.from_json(json.loads(Path(a.structure).read_text()))
    store = ClassStore(a.store)
    counts = {}
    for path in a.counts:
        npz = np.load(path)
        row = int(np.flatnonzero(npz["class_ids"] == store.class_id)[0])
        counts[Path(path).stem] = npz["counts"][row]
    g = p["graph"]
    full = full_graph(structure, counts, store.tallies(), g["merged_edges_per_channel"],
                      p["influence_k"], g["exclude_channels"])
    graph = {"class": {"id": store.class_id, "name": p["class_names"][store.class_id]},
             **attribution_graph(full, g)}
    _write_json(a.out, graph)
    write_graphml(graph, a.graphml)
    log.info("class %d: %d vertices, %d edges", store.class_id, len(graph["nodes"]),
             len(graph["edges"]))


def cmd_stats(a: argparse.Namespace, p: dict[str, Any]) -> None:
    """Per-class accuracy and histograms."""
    from summit.stats import class_stats
    from summit.store import ClassStore

    ranges = {Path(x).stem: dict(np.load(x)) for x in a.counts}
    _write_json(a.out, class_stats(ClassStore(a.store), ranges, p["stats"]["bins"]))


def cmd_site(a: argparse.Namespace, p: dict[str, Any]) -> None:
    """Render the static site: the front-end source plus the study's data files."""
    from summit.site import StudyFiles, write_site

    files = StudyFiles(Path(a.model), Path(a.structure), Path(a.embedding),
                       [Path(x) for x in a.graphs], [Path(x) for x in a.stats],
                       [Path(x) for x in a.activations], [Path(x) for x in a.examples],
                       [Path(x) for x in a.featvis],
                       Path(a.provenance) if a.provenance else None)
    write_site(p, Path(a.source), files, Path(a.out))


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="summit", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    def add(name: str, fn, *args: tuple[str, dict[str, Any]]) -> None:
        cmd = sub.add_parser(name, help=fn.__doc__.splitlines()[0])
        cmd.add_argument("--params", required=True, help="the step's settings as JSON")
        for flag, kwargs in args:
            cmd.add_argument(flag, **kwargs)
        cmd.set_defaults(fn=fn)

    req = {"required": True}
    add("train", cmd_train, ("--weights", req), ("--metrics", req))
    add("describe-model", cmd_describe_model, ("--weights", req), ("--metrics", {}),
        ("--structure", req), ("--out", req))
    add("aggregate", cmd_aggregate, ("--class-id", {"type": int, **req}), ("--weights", req),
        ("--structure", req), ("--out", req))
    add("activations", cmd_activations, ("--layer", req), ("--stores", {"nargs": "+", **req}),
        ("--out", req))
    add("examples", cmd_examples, ("--layer", req), ("--weights", req), ("--structure", req),
        ("--stores", {"nargs": "+", **req}), ("--atlas", req), ("--out", req))
    add("featvis", cmd_featvis, ("--layer", req), ("--weights", req), ("--structure", req),
        ("--graphs", {"nargs": "*", "default": []}), ("--atlas", req), ("--out", req))
    add("embed", cmd_embed, ("--counts", {"nargs": "+", **req}), ("--out", req))
    add("graph", cmd_graph, ("--structure", req), ("--store", req),
        ("--counts", {"nargs": "+", **req}), ("--out", req), ("--graphml", req))
    add("stats", cmd_stats, ("--store", req), ("--counts", {"nargs": "+", **req}),
        ("--out", req))
    add("figure", cmd_figure, ("--graph", req), ("--stats", req),
        ("--featvis", {"nargs": "*", "default": []}), ("--png", req), ("--pdf", req))
    add("provenance", cmd_provenance, ("--model", req), ("--out", req))
    add("site", cmd_site, ("--source", req), ("--model", req), ("--structure", req),
        ("--embedding", req), ("--graphs", {"nargs": "+", **req}),
        ("--stats", {"nargs": "+", **req}), ("--activations", {"nargs": "*", "default": []}),
        ("--examples", {"nargs": "*", "default": []}),
        ("--featvis", {"nargs": "*", "default": []}), ("--provenance", {}), ("--out", req))
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(name)s %(levelname)s %(message)s")
    start = time.perf_counter()
    try:
        args.fn(args, json.loads(args.params))
    except SummitError as e:
        log.error("%s", e)
        print(f"summit {args.command}: error: {e}", file=sys.stderr)
        return 2
    log.info("%s finished in %.1f s", args.command, time.perf_counter() - start)
    return 0


if __name__ == "__main__":
    sys.exit(main())
