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


def _write_csv(path: str | Path, rows: list[dict[str, Any]]) -> None:
    """Write rows (dicts with the same keys) as CSV atomically."""
    import csv

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]) if rows else [])
        writer.writeheader()
        writer.writerows(rows)
    tmp.replace(path)


def _read_json(path: str | Path) -> Any:
    return json.loads(Path(path).read_text())


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
    """Train the demo model with a fixed seed; cache weights, metrics and epoch checkpoints."""
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

    def checkpoint(epoch: int, trained: torch.nn.Module) -> None:
        if a.checkpoints:
            Path(a.checkpoints).mkdir(parents=True, exist_ok=True)
            state = {k: v.detach().cpu().contiguous() for k, v in trained.state_dict().items()}
            torch.save(state, Path(a.checkpoints) / f"epoch{epoch}.pt")

    metrics = train_model(model, train_set, test_set, epochs=t["epochs"],
                          batch_size=t["batch_size"], lr=t["lr"], seed=t["seed"], device=device,
                          max_train_images=t["max_images"], log=log.info, on_epoch=checkpoint)
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
    metrics = _read_json(a.metrics) if a.metrics else {}
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
    structure = Structure.from_json(_read_json(a.structure))
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
    layer = Structure.from_json(_read_json(a.structure)).layer(a.layer)
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
    layer = Structure.from_json(_read_json(a.structure)).layer(a.layer)
    fv = p["featvis"]
    channels = (list(range(layer.channels)) if fv["channels"] == "all" else
                channels_in_graphs([_read_json(g) for g in a.graphs],
                                   a.layer))
    if a.nonsemantic:  # the evidence figure shows them even when the graphs leave them out
        listed = [c["channel"] for c in _read_json(a.nonsemantic)["channels"]
                  if c["layer"] == a.layer]  # flagged channels and the strongest candidates
        channels = sorted(set(channels) | set(listed))
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

    _write_json(a.out, collect(p, _read_json(a.model)))


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

    structure = Structure.from_json(_read_json(a.structure))
    store = ClassStore(a.store)
    counts = {}
    for path in a.counts:
        npz = np.load(path)
        row = int(np.flatnonzero(npz["class_ids"] == store.class_id)[0])
        counts[Path(path).stem] = npz["counts"][row]
    g = p["graph"]
    exclude = g["exclude_channels"]
    if a.nonsemantic:
        from summit.nonsemantic import merged_exclusions

        exclude = merged_exclusions(exclude, _read_json(a.nonsemantic)["flagged"])
        log.info("excluding channels %s", exclude)
    full = full_graph(structure, counts, store.tallies(), g["merged_edges_per_channel"],
                      p["influence_k"], exclude)
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


def cmd_nonsemantic(a: argparse.Namespace, p: dict[str, Any]) -> None:
    """Detect channels that are top channels in nearly every class (paper §8.4)."""
    from summit.nonsemantic import class_means, detect_layer, report, table_rows
    from summit.store import ClassStore

    s = p["nonsemantic"]
    stores = [ClassStore(x) for x in a.stores]
    n_images = np.array([st.attrs["n_images"] for st in stores])
    layers = {}
    for path in a.counts:
        layer, npz = Path(path).stem, np.load(path)
        if npz["class_ids"].tolist() != [st.class_id for st in stores]:
            raise SummitError(f"{path}: its classes differ from the stores'; re-run the study")
        layers[layer] = detect_layer(npz["counts"], n_images, class_means(stores, layer),
                                     s["min_lift"], s["min_coverage"])
    result = report(layers, [st.class_id for st in stores], s, s["candidates"])
    for layer, channels in result["flagged"].items():
        log.info("%s: %d non-semantic channels %s", layer, len(channels), channels)
    _write_json(a.out, result)
    _write_csv(a.table, table_rows(layers))


def cmd_nonsemantic_figure(a: argparse.Namespace, p: dict[str, Any]) -> None:
    """The evidence for the non-semantic channels, as PNG and PDF (the paper's Figure 10)."""
    from summit.figures import ExamplesAtlas, FeatvisAtlas, draw_nonsemantic, load_atlases, save

    result = _read_json(a.report)
    stats = {s["class_id"]: s for s in map(_read_json, a.stats)}
    histograms = {(ch["layer"], ch["channel"]): np.array(
        [stats[c]["channel_hist"][ch["layer"]]["class"][ch["channel"]]
         for c in result["class_ids"]]) for ch in result["channels"]}
    fig = draw_nonsemantic(result, histograms, p["class_names"],
                           load_atlases(a.featvis, FeatvisAtlas),
                           load_atlases(a.examples, ExamplesAtlas))
    save(fig, a.png, a.pdf)


def cmd_neighbours(a: argparse.Namespace, p: dict[str, Any]) -> None:
    """Every class's nearest neighbours per layer; the classes whose neighbourhood changes most."""
    from summit.figures import draw_neighbourhoods, save
    from summit.neighbours import report, table_rows

    npz = [np.load(x) for x in a.counts]
    class_ids = npz[0]["class_ids"].tolist()
    layers = [Path(x).stem for x in a.counts]
    result = report(layers, [x["counts"] for x in npz], class_ids, p["class_names"],
                    p["neighbours"]["k"])
    _write_json(a.out, result)
    _write_csv(a.table, table_rows(result, p["class_names"]))
    embedding = _read_json(a.embedding)
    if embedding["class_ids"] != class_ids:
        raise SummitError(f"{a.embedding}: its classes differ from A^l's; re-run the study")
    fig = draw_neighbourhoods(result, embedding["layers"], class_ids, p["class_names"],
                              p["neighbours"]["figure_classes"])
    save(fig, a.png, a.pdf)


def cmd_class_pairs(a: argparse.Namespace, p: dict[str, Any]) -> None:
    """Graph similarity of all class pairs; intersection and differences of chosen pairs."""
    from summit.class_comparison import pairs_report
    from summit.figures import FeatvisAtlas, draw_class_pair, load_atlases, save

    graphs = [_read_json(x) for x in a.graphs]
    pairs = [tuple(int(c) for c in pair.split(",")) for pair in a.pairs]
    result = pairs_report(graphs, pairs)
    atlases = load_atlases(a.featvis, FeatvisAtlas)
    for key, comparison in result["pairs"].items():
        png, pdf = ((a.png, a.pdf) if key == "most_similar" else
                    (Path(a.pair_dir) / f"{key}.png", Path(a.pair_dir) / f"{key}.pdf"))
        save(draw_class_pair(comparison, atlases), png, pdf)
        del comparison["union"]  # drawn; the site rebuilds it from the two graphs
    _write_json(a.out, result)
    names = [g["class"]["name"] for g in graphs]
    similarity = result["vertex_jaccard"]
    _write_csv(a.table, [{"class": names[r], **{names[c]: similarity[r][c]
                                                for c in range(len(names))}}
                         for r in range(len(names))])


def cmd_motifs(a: argparse.Namespace, p: dict[str, Any]) -> None:
    """Channels and edges that recur across classes' graphs, and the classes sharing them."""
    from summit.figures import FeatvisAtlas, load_atlases, motif_grid, save
    from summit.motifs import motif_graph, recurring_channels, recurring_edges, report

    m = p["motifs"]
    graphs = [_read_json(x) for x in a.graphs]
    result = report(graphs, m)
    motifs, channels = result["motifs"], recurring_channels(graphs)
    _write_json(a.out, result)
    names = p["class_names"]
    _write_csv(a.channels_table, [{**{k: v for k, v in c.items() if k != "classes"},
                                   "classes": "; ".join(names[x] for x in c["classes"])}
                                  for c in channels])
    _write_csv(a.edges_table, recurring_edges(graphs))
    by_id = {g["class"]["id"]: g for g in graphs}
    shown = motifs[:m["figure_motifs"]]
    fig = motif_grid([motif_graph(x, by_id) for x in shown],
                     [f"#{x['id']}: " + ", ".join(names[c] for c in x["classes"]) for x in shown],
                     load_atlases(a.featvis, FeatvisAtlas),
                     f"Motifs: {len(motifs)} sub-structures shared by {m['min_classes']}+ classes"
                     f" (showing {len(shown)})")
    save(fig, a.png, a.pdf)
    log.info("%d motifs, %d recurring channels", len(motifs), len(result["channels"]))


def cmd_separability(a: argparse.Namespace, p: dict[str, Any]) -> None:
    """One layer: how well each class's top channels separate it, against the model."""
    from summit.separability import joint_classifier, sample_layer, separate_classes
    from summit.store import ClassStore

    s = p["separability"]
    stores = [ClassStore(x) for x in a.stores]
    npz = np.load(a.counts)
    ids = npz["class_ids"].tolist()
    if ids != [st.class_id for st in stores]:
        raise SummitError(f"{a.counts}: its classes differ from the stores'; re-run the study")
    sample = sample_layer(stores, a.layer, s["max_images_per_class"], s["test_share"], s["seed"])
    m = s["channels_per_class"]
    result = separate_classes(sample, npz["counts"], ids, m, s["seed"])
    _write_json(a.out, {"layer": a.layer, "channels_per_class": m, "n_images": len(sample.label),
                        "n_test": int(sample.test.sum()), **result,
                        "joint": joint_classifier(sample, npz["counts"], ids, m, s["seed"])})


def cmd_separability_figure(a: argparse.Namespace, p: dict[str, Any]) -> None:
    """All layers' few-channel classifiers against the model: CSV and figure."""
    from summit.figures import draw_separability, save

    layers = {r["layer"]: r for r in map(_read_json, a.layers)}
    names = p["class_names"]
    rows = []
    for layer, r in layers.items():
        recall = r["joint"].get("recall", {})
        for c in r["classes"]:
            rows.append({"layer": layer, "class_id": c["id"], "class": names[c["id"]],
                         "channels": " ".join(str(x["channel"]) for x in c["channels"]),
                         "channel_auc": " ".join(f"{x['auc']:.3f}" for x in c["channels"]),
                         "classifier_balanced_accuracy": c.get("classifier_balanced_accuracy"),
                         "model_balanced_accuracy": c.get("model_balanced_accuracy"),
                         "dense_recall": recall.get(str(c["id"]), {}).get("classifier"),
                         "model_recall": recall.get(str(c["id"]), {}).get("model")})
    _write_csv(a.table, rows)
    save(draw_separability(layers, names), a.png, a.pdf)


def cmd_model_comparison(a: argparse.Namespace, p: dict[str, Any]) -> None:
    """One class's graphs from two models side by side and what changed."""
    from summit.class_comparison import compare
    from summit.figures import FeatvisAtlas, draw_side_by_side, load_atlases, save
    from summit.store import ClassStore

    graph_a, graph_b = _read_json(a.graph_a), _read_json(a.graph_b)
    labels = [_read_json(x)["name"] for x in (a.model_a, a.model_b)]
    accuracy = []
    for path in (a.store_a, a.store_b):
        store = ClassStore(path)
        accuracy.append(float((store.prediction("predicted") == store.prediction("label"))
                              .mean()) if store.attrs["n_images"] else None)
    result = compare(graph_a, graph_b)
    del result["union"]
    result.update({"models": labels, "accuracy": accuracy})
    _write_json(a.out, result)
    acc = " → ".join("n/a" if x is None else f"{x:.1%}" for x in accuracy)
    fig = draw_side_by_side(graph_a, graph_b, result, load_atlases(a.featvis_a, FeatvisAtlas),
                            load_atlases(a.featvis_b, FeatvisAtlas), labels[0], labels[1],
                            f"{graph_a['class']['name']}: two models' attribution graphs "
                            f"(vertex Jaccard {result['vertex_jaccard']:.2f}; accuracy on the "
                            f"class's images {acc})")
    save(fig, a.png, a.pdf)


def cmd_model_summary(a: argparse.Namespace, p: dict[str, Any]) -> None:
    """Every class's model comparison in one table and one heatmap."""
    from summit.figures import draw_model_summary, save

    results = [_read_json(x) for x in a.comparisons]
    rows = [{"class_id": r["a"]["id"], "class": r["a"]["name"],
             "accuracy_a": r["accuracy"][0], "accuracy_b": r["accuracy"][1],
             "vertex_jaccard": r["vertex_jaccard"], "edge_jaccard": r["edge_jaccard"],
             **{f"{layer}_jaccard": c["jaccard"] for layer, c in r["layers"].items()}}
            for r in results]
    _write_csv(a.table, rows)
    save(draw_model_summary(results), a.png, a.pdf)


def cmd_site(a: argparse.Namespace, p: dict[str, Any]) -> None:
    """Render the static site: the front-end source plus the study's data files."""
    from summit.site import Analyses, StudyFiles, write_site

    def path(x: str | None) -> Path | None:
        return Path(x) if x else None

    analyses = Analyses(path(a.nonsemantic), path(a.neighbours), path(a.class_pairs),
                        path(a.motifs), [Path(x) for x in a.separability],
                        [Path(x) for x in a.model_comparisons], [Path(x) for x in a.figures])
    files = StudyFiles(Path(a.model), Path(a.structure), Path(a.embedding),
                       [Path(x) for x in a.graphs], [Path(x) for x in a.stats],
                       [Path(x) for x in a.activations], [Path(x) for x in a.examples],
                       [Path(x) for x in a.featvis], path(a.provenance),
                       analyses if any(vars(analyses).values()) else None)
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
    add("train", cmd_train, ("--weights", req), ("--metrics", req),
        ("--checkpoints", {"help": "folder receiving the weights after each epoch"}))
    add("describe-model", cmd_describe_model, ("--weights", req), ("--metrics", {}),
        ("--structure", req), ("--out", req))
    add("aggregate", cmd_aggregate, ("--class-id", {"type": int, **req}), ("--weights", req),
        ("--structure", req), ("--out", req))
    add("activations", cmd_activations, ("--layer", req), ("--stores", {"nargs": "+", **req}),
        ("--out", req))
    add("examples", cmd_examples, ("--layer", req), ("--weights", req), ("--structure", req),
        ("--stores", {"nargs": "+", **req}), ("--atlas", req), ("--out", req))
    add("featvis", cmd_featvis, ("--layer", req), ("--weights", req), ("--structure", req),
        ("--graphs", {"nargs": "*", "default": []}), ("--nonsemantic", {}), ("--atlas", req),
        ("--out", req))
    add("embed", cmd_embed, ("--counts", {"nargs": "+", **req}), ("--out", req))
    add("graph", cmd_graph, ("--structure", req), ("--store", req),
        ("--counts", {"nargs": "+", **req}), ("--nonsemantic", {}), ("--out", req),
        ("--graphml", req))
    add("stats", cmd_stats, ("--store", req), ("--counts", {"nargs": "+", **req}),
        ("--out", req))
    add("figure", cmd_figure, ("--graph", req), ("--stats", req),
        ("--featvis", {"nargs": "*", "default": []}), ("--png", req), ("--pdf", req))
    add("nonsemantic", cmd_nonsemantic, ("--counts", {"nargs": "+", **req}),
        ("--stores", {"nargs": "+", **req}), ("--out", req), ("--table", req))
    add("nonsemantic-figure", cmd_nonsemantic_figure, ("--report", req),
        ("--stats", {"nargs": "+", **req}), ("--featvis", {"nargs": "*", "default": []}),
        ("--examples", {"nargs": "*", "default": []}), ("--png", req), ("--pdf", req))
    add("neighbours", cmd_neighbours, ("--counts", {"nargs": "+", **req}), ("--embedding", req),
        ("--out", req), ("--table", req), ("--png", req), ("--pdf", req))
    add("class-pairs", cmd_class_pairs, ("--graphs", {"nargs": "+", **req}),
        ("--featvis", {"nargs": "*", "default": []}),
        ("--pairs", {"nargs": "*", "default": [], "help": "class ids as a,b"}),
        ("--pair-dir", {}), ("--out", req), ("--table", req), ("--png", req), ("--pdf", req))
    add("motifs", cmd_motifs, ("--graphs", {"nargs": "+", **req}),
        ("--featvis", {"nargs": "*", "default": []}), ("--out", req), ("--channels-table", req),
        ("--edges-table", req), ("--png", req), ("--pdf", req))
    add("separability", cmd_separability, ("--layer", req), ("--stores", {"nargs": "+", **req}),
        ("--counts", req), ("--out", req))
    add("separability-figure", cmd_separability_figure, ("--layers", {"nargs": "+", **req}),
        ("--table", req), ("--png", req), ("--pdf", req))
    add("model-comparison", cmd_model_comparison, ("--graph-a", req), ("--graph-b", req),
        ("--store-a", req), ("--store-b", req), ("--model-a", req), ("--model-b", req),
        ("--featvis-a", {"nargs": "*", "default": []}),
        ("--featvis-b", {"nargs": "*", "default": []}), ("--out", req), ("--png", req),
        ("--pdf", req))
    add("model-summary", cmd_model_summary, ("--comparisons", {"nargs": "+", **req}),
        ("--table", req), ("--png", req), ("--pdf", req))
    add("provenance", cmd_provenance, ("--model", req), ("--out", req))
    add("site", cmd_site, ("--source", req), ("--model", req), ("--structure", req),
        ("--embedding", req), ("--graphs", {"nargs": "+", **req}),
        ("--stats", {"nargs": "+", **req}), ("--activations", {"nargs": "*", "default": []}),
        ("--examples", {"nargs": "*", "default": []}),
        ("--featvis", {"nargs": "*", "default": []}), ("--provenance", {}),
        ("--nonsemantic", {}), ("--neighbours", {}), ("--class-pairs", {}), ("--motifs", {}),
        ("--separability", {"nargs": "*", "default": []}),
        ("--model-comparisons", {"nargs": "*", "default": []}),
        ("--figures", {"nargs": "*", "default": [], "help": "PNG figures (PDF beside each)"}),
        ("--out", req))
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
