"""Stage ``faithfulness``: each class's attribution graphs tested by intervention, on images
that did not build them (``summit.evidence.faithfulness``), and every class's evidence in one table
and figure."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from summit.io.artifacts import Faithfulness, ReferenceMaps
from summit.io.files import write_csv
from summit.model.structure import Structure
from summit.model.study import study_dataset, study_model, torch_device
from summit.settings import FaithfulnessSettings, GraphSettings
from summit.steps import step

log = logging.getLogger("summit")

@step
def faithfulness_reference(p: dict[str, Any], *, weights: Path, structure: Path,
                           reference: Path) -> None:
    """Each primary layer's mean activation map over training images of all classes."""
    from summit.evidence.faithfulness import reference_means
    from summit.io import data
    from summit.method.aggregate import class_loader

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

    from summit.evidence.faithfulness import ClassInputs, Runner, specificity
    from summit.evidence.faithfulness_design import Evidence
    from summit.evidence.faithfulness_record import record
    from summit.io import data
    from summit.method.aggregate import class_loader
    from summit.method.graphs import GraphInputs
    from summit.model.first_order import first_order
    from summit.model.interventions import Intervener

    s = FaithfulnessSettings.from_config(p["faithfulness"])
    g = GraphSettings.from_config(p["graph"])
    built = GraphInputs.load(structure, store, counts, nonsemantic, g, p["influence_k"])
    cid = built.class_id
    layers = Structure.load(structure).layers
    evidence = Evidence(ClassInputs.from_graph(built.full(), built.exclude, layers, g), s, cid)

    device = torch_device(p)
    model, spec = study_model(p, weights, device)
    maps = ReferenceMaps.load(reference).maps
    baselines = {x.name: torch.from_numpy(maps[x.name] if s.ablation == "mean" else
                                          np.zeros_like(maps[x.name])).to(device)
                 for x in layers}
    names = [x.name for x in layers]
    intervener = Intervener(model, names, baselines)
    split = data.evaluation_split(p["dataset"])
    dataset = study_dataset(p, spec, split)  # once per job of several classes
    rng = np.random.default_rng([s.seed, cid])
    others = [c for c in p["class_ids"] if c != cid]
    if len(others) > s.specificity_classes:
        others = sorted(rng.choice(others, s.specificity_classes, replace=False).tolist())

    def batches(classes: list[int], per_class: int):
        indices = data.sample_indices(dataset.labels, classes, per_class, s.seed)
        return class_loader(dataset, indices, p["batch_size"], p["dataset"]["loader_workers"])

    runner = Runner(intervener, batches([cid], s.images_per_class), evidence.plan.conditions,
                    p["batch_size"], device)
    if not len(runner.labels):
        raise data.no_readable_image(dataset, cid, s.images_per_class)
    first = first_order(model, names, baselines, runner.images()) if s.first_order else None
    evidence.run(runner, first)
    log.info("class %d: %d of %d planned conditions evaluated on %d %s images", cid,
             int(runner.done.sum()), len(runner.done), len(runner.labels), split)
    own = [evidence.exact(d["all"]) for d in evidence.design.values()]
    other = specificity(intervener, lambda c: batches(c, s.specificity_images), others,
                        evidence.specificity_conditions(), own, p["batch_size"], device)
    rec = record(evidence, other)
    rec["estimation"]["specificity_classes"] = [len(set(other.labels.tolist())), len(others)]
    Faithfulness(cls={"id": cid, "name": p["class_names"][cid]}, split=split,
                 in_sample=split == "train", n_images=len(runner.labels),
                 ablation=s.ablation, repeats=s.repeats, seed=s.seed, configured=g.extraction,
                 level=s.level, **rec).save(report)


@step
def faithfulness_summary(p: dict[str, Any], *, records: list[Path], table: Path,
                         markdown: Path, png: Path, pdf: Path) -> None:
    """Every class's evidence: a CSV row per class and variant, the run's sentences on it
    (Markdown) and one summary figure."""
    from summit.evidence.faithfulness_summary import summary_markdown, table_rows
    from summit.io.files import write_text
    from summit.render.analysis.faithfulness import draw_faithfulness
    from summit.render.figures import save

    loaded = [Faithfulness.load(x) for x in records]
    rows = table_rows(loaded)
    write_csv(table, rows)
    write_text(markdown, summary_markdown(loaded, rows))
    save(draw_faithfulness([r.to_json() for r in loaded], loaded[0].configured), png, pdf)
