"""Stage ``faithfulness``: each class's attribution graphs tested by intervention, on images
that did not build them (``summit.faithfulness``), and every class's evidence in one table
and figure."""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path
from typing import Any

from summit.artifacts import Faithfulness, ReferenceMaps, write_csv
from summit.settings import FaithfulnessSettings, GraphSettings
from summit.steps import step
from summit.steps.graph import class_graph_inputs
from summit.steps.model import study_model, torch_device
from summit.structure import Structure

log = logging.getLogger("summit")

VARIANTS = ("per_layer", "unified")


@step
def faithfulness_reference(p: dict[str, Any], *, weights: Path, structure: Path,
                           reference: Path) -> None:
    """Each primary layer's mean activation map over training images of all classes."""
    from summit import data
    from summit.aggregate import class_loader
    from summit.faithfulness import reference_means

    s = FaithfulnessSettings.from_config(p["faithfulness"])
    if data.evaluation_split(p["dataset"]) == "train":  # once per study, on the console
        print("summit faithfulness: warning: dataset.test_root is not set, so every class's "
              "graph is tested on the images that built it (in-sample); set it to a folder of "
              "held-out images laid out like dataset.root", flush=True)
    device = torch_device(p)
    model, spec = study_model(p, weights, device)
    dataset = data.open_dataset(p["dataset"], spec, "train", p.get("download"))
    classes = sorted(data.class_folders(p["dataset"]))  # the dataset's, not every output
    per_class = -(-s.reference_images // len(classes))
    indices = data.sample_indices(dataset.labels, classes, per_class, s.seed)[
        :s.reference_images]
    layers = [x.name for x in Structure.load(structure).layers]
    loader = class_loader(dataset, indices, p["batch_size"], p["dataset"]["loader_workers"])
    maps, n = reference_means(model, layers, loader, device)
    log.info("mean maps of %d layers over %d images", len(layers), n)
    ReferenceMaps(n, maps).save(reference)


@step
def faithfulness(p: dict[str, Any], *, cls: int, weights: Path, structure: Path,
                 store: Path, counts: list[Path], nonsemantic: Path | None, reference: Path,
                 report: Path) -> None:
    """One class's graphs (both extraction variants) tested by intervention."""
    import numpy as np
    import torch

    from summit import data
    from summit.aggregate import class_loader
    from summit.faithfulness import ClassInputs, Evidence, evaluate
    from summit.graphs import attribution_graph
    from summit.interventions import Intervener

    s = FaithfulnessSettings.from_config(p["faithfulness"])
    built = class_graph_inputs(p, structure, store, counts, nonsemantic)
    cid, full, excluded = built.class_id, built.full(), built.exclude
    g = GraphSettings.from_config(p["graph"])
    graphs = {}
    for variant in VARIANTS:
        nodes = attribution_graph(full, dataclasses.replace(g, extraction=variant))["nodes"]
        ranked = sorted(nodes, key=lambda v: -v["pagerank"])
        graphs[variant] = [(v["id"], v["pagerank"]) for v in ranked]
    layers = Structure.load(structure).layers
    inputs = ClassInputs(
        channels={x.name: x.channels for x in layers},
        counts={x.name: full.counts[(full.layer_of == i)] for i, x in enumerate(layers)},
        excluded=excluded, graphs=graphs)
    evidence = Evidence(inputs, s, cid)

    device = torch_device(p)
    model, spec = study_model(p, weights, device)
    maps = ReferenceMaps.load(reference).maps
    baselines = {x.name: torch.from_numpy(maps[x.name] if s.ablation == "mean" else
                                          np.zeros_like(maps[x.name])).to(device)
                 for x in layers}
    intervener = Intervener(model, [x.name for x in layers], baselines)
    split = data.evaluation_split(p["dataset"])
    dataset = data.open_dataset(p["dataset"], spec, split, p.get("download"))
    rng = np.random.default_rng([s.seed, cid])
    others = [c for c in p["class_ids"] if c != cid]
    if len(others) > s.specificity_classes:
        others = sorted(rng.choice(others, s.specificity_classes, replace=False).tolist())

    def batches(classes: list[int], per_class: int):
        indices = data.sample_indices(dataset.labels, classes, per_class, s.seed)
        return class_loader(dataset, indices, p["batch_size"], p["dataset"]["loader_workers"])

    conditions = evidence.plan.conditions
    log.info("class %d: %d conditions on up to %d %s images; specificity on %d classes",
             cid, len(conditions), s.images_per_class, split, len(others))
    main = evaluate(intervener, batches([cid], s.images_per_class), conditions,
                    p["batch_size"], device)
    if not main.logit.shape[1]:
        raise data.no_readable_image(dataset, cid, s.images_per_class)
    other = evaluate(intervener, batches(others, s.specificity_images),
                     evidence.specificity_conditions(), p["batch_size"], device)
    Faithfulness(cls={"id": cid, "name": p["class_names"][cid]}, split=split,
                 in_sample=split == "train", n_images=int(main.logit.shape[1]),
                 ablation=s.ablation, repeats=s.repeats, seed=s.seed, configured=g.extraction,
                 **evidence.record(main, other)).save(report)


def table_rows(records: list[Faithfulness]) -> list[dict[str, Any]]:
    """One CSV row per class and extraction variant: the all-layer evidence in numbers."""
    import numpy as np

    rows = []
    for r in records:
        for name, v in r.variants.items():
            a, spec = v["ablation"]["all"], v["specificity"]
            curves, suff = v["curves"], v["sufficiency"]["all"]
            rows.append({
                "class_id": r.cls["id"], "class": r.cls["name"], "variant": name,
                "configured": name == r.configured, "split": r.split,
                "in_sample": r.in_sample, "n_images": r.n_images, "ablation": r.ablation,
                "vertices": len(v["vertices"]),
                "logit_drop": a["graph"]["logit"]["mean"],
                "logit_drop_low": a["graph"]["logit"]["low"],
                "logit_drop_high": a["graph"]["logit"]["high"],
                "accuracy_drop": a["graph"]["accuracy"]["mean"],
                "random_logit_drop": np.mean(a["random"]["logit"]),
                "matched_logit_drop": np.mean(a["matched"]["logit"]),
                "top_count_logit_drop": a["top_count"]["logit"]["mean"],
                "p_random": a["p_random"], "p_matched": a["p_matched"],
                "sufficiency_accuracy": suff["graph"],
                "random_sufficiency_accuracy": np.mean(suff["random"]),
                "clean_accuracy": r.clean["accuracy"],
                "deletion_auc": curves["deletion"]["auc"],
                "random_deletion_auc": np.mean(curves["deletion"]["auc_random"]),
                "insertion_auc": curves["insertion"]["auc"],
                "random_insertion_auc": np.mean(curves["insertion"]["auc_random"]),
                "rank_rho": v["rank_correlation"]["rho"],
                "own_logit_drop": spec["logit"][0],
                "others_logit_drop": np.mean(spec["logit"][1:]) if spec["logit"][1:] else None,
                **{f"{layer}_logit_drop": e["graph"]["logit"]["mean"]
                   for layer, e in v["ablation"].items() if layer != "all"},
                **{f"{layer}_sufficiency_accuracy": e["graph"]
                   for layer, e in v["sufficiency"].items() if layer != "all"},
                **{f"{layer}_random_sufficiency_accuracy": np.mean(e["random"])
                   for layer, e in v["sufficiency"].items() if layer != "all"}})
    return rows


def _median(values: list[float]) -> str:
    import numpy as np

    return f"{np.nanmedian(values):.2f}" if values else "n/a"


def _span(values: list[float]) -> str:
    import numpy as np

    return f"{np.nanmin(values):.2f} to {np.nanmax(values):.2f}" if values else "n/a"


def summary_markdown(records: list[Faithfulness], rows: list[dict[str, Any]]) -> str:
    """What the run shows, in sentences written from its records and their ``table_rows``
    (the README quotes them): every number is the run's, with how many classes it holds for."""
    import numpy as np

    n = len(records)
    if not n:
        return "No class was tested.\n"
    first = records[0]
    conf = [r for r in rows if r["configured"]]
    other = {r["class_id"]: r for r in rows if not r["configured"]}
    best = min(r["p_random"] for r in conf)  # the smallest p the sets allow
    beats = {k: sum(r[f"p_{k}"] <= best for r in conf) for k in ("random", "matched")}
    above_top = sum(r["logit_drop"] > r["top_count_logit_drop"] for r in conf)
    early = sum(r["deletion_auc"] < r["random_deletion_auc"] for r in conf)
    specific = sum(r["own_logit_drop"] > (r["others_logit_drop"] or 0) for r in conf)
    kept = [r["sufficiency_accuracy"] / r["clean_accuracy"] for r in conf if r["clean_accuracy"]]
    kept_random = [r["random_sufficiency_accuracy"] / r["clean_accuracy"] for r in conf
                   if r["clean_accuracy"]]
    layers = [x for x in first.variants[first.configured]["ablation"] if x != "all"]

    def kept_at(layer: str, kind: str = "") -> list[float]:
        return [r[f"{layer}_{kind}sufficiency_accuracy"] / r["clean_accuracy"] for r in conf
                if r["clean_accuracy"]]

    rhos = [r["rank_rho"] for r in conf if r["rank_rho"] is not None]
    alt = next(v for v in first.variants if v != first.configured)
    alt_better = sum(other[r["class_id"]]["logit_drop"] - other[r["class_id"]][
        "random_logit_drop"] > r["logit_drop"] - r["random_logit_drop"] for r in conf)
    where = ("**in-sample**: these images built the graphs, so the effects are optimistic"
             if first.in_sample else f"images of the {first.split} split, which did not "
             "build the graphs")
    return "\n".join([
        f"On {first.n_images} {where}, per class, with {first.ablation} ablation and "
        f"{first.repeats} baseline sets per layer ({n} classes, `{first.configured}` "
        "graphs):",
        "",
        f"- Ablating a class's whole graph (median "
        f"{float(np.median([r['vertices'] for r in conf])):g} channels) lowers its logit "
        f"by a median {_median([r['logit_drop'] for r in conf])} "
        f"(classes: {_span([r['logit_drop'] for r in conf])}) and its top-1 accuracy by "
        f"{_median([r['accuracy_drop'] for r in conf])}; random channel sets of the same "
        f"size per layer: {_median([r['random_logit_drop'] for r in conf])}, sets matched "
        "by how often their channels fire in the class: "
        f"{_median([r['matched_logit_drop'] for r in conf])}. The graph beats all "
        f"{first.repeats} random sets in {beats['random']} of {n} classes and all matched "
        f"sets in {beats['matched']} (p = {best:.3f} each).",
        f"- The class's most frequent channels, as many per layer, without influence or "
        f"PageRank: median {_median([r['top_count_logit_drop'] for r in conf])}; the graph's "
        f"effect is larger in {above_top} of {n} classes.",
        "- Keeping only the graph's channels at one layer (the rest replaced) leaves, of "
        "clean accuracy (median over classes), " + ", ".join(
            f"{_median(kept_at(layer))} at {layer} (random keep-sets "
            f"{_median(kept_at(layer, 'random_'))})" for layer in layers)
        + f"; at every layer at once {_median(kept)} (random {_median(kept_random)}).",
        f"- Deleting vertices in PageRank order lowers the class's probability sooner than "
        f"random orders (smaller area) in {early} of {n} classes; PageRank and single-vertex "
        f"effects correlate with a median Spearman rho of {_median(rhos)} "
        f"({len(rhos)} classes with 3+ vertices).",
        f"- Ablating a graph lowers its own class's logit more than the other classes' "
        f"(mean) in {specific} of {n} classes.",
        f"- The `{alt}` extraction beats random sets by more than `{first.configured}` in "
        f"{alt_better} of {n} classes.",
        "",
        "Tentative: one model, one training seed and one sample of test images (the "
        "intervals are over those images); the graphs' own stability over resamples of "
        "the training images is in `analysis/stability.md`, and the demo net differs "
        "slightly between machines.",
        ""])


@step
def faithfulness_summary(p: dict[str, Any], *, records: list[Path], table: Path,
                         markdown: Path, png: Path, pdf: Path) -> None:
    """Every class's evidence: a CSV row per class and variant, the run's sentences on it
    (Markdown) and one summary figure."""
    from summit.analysis_figures import draw_faithfulness
    from summit.artifacts import write_text
    from summit.figures import save

    loaded = [Faithfulness.load(x) for x in records]
    rows = table_rows(loaded)
    write_csv(table, rows)
    write_text(markdown, summary_markdown(loaded, rows))
    save(draw_faithfulness([r.to_json() for r in loaded], loaded[0].configured), png, pdf)
