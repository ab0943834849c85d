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
from summit.steps.graph import class_full_graph
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
    device = torch_device(p)
    model, spec = study_model(p, weights, device)
    dataset = data.open_dataset(p["dataset"], spec, "train", p.get("download"))
    classes = range(len(data.class_names(p["dataset"])))
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
    cid, full, excluded = class_full_graph(p, structure, store, counts, nonsemantic)
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
                   for layer, e in v["ablation"].items() if layer != "all"}})
    return rows


@step
def faithfulness_summary(p: dict[str, Any], *, records: list[Path], table: Path, png: Path,
                         pdf: Path) -> None:
    """Every class's evidence: one CSV row per class and variant, one summary figure."""
    from summit.analysis_figures import draw_faithfulness
    from summit.figures import save

    loaded = [Faithfulness.load(x) for x in records]
    write_csv(table, table_rows(loaded))
    save(draw_faithfulness([r.to_json() for r in loaded], loaded[0].configured), png, pdf)
