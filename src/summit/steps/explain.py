"""Stage ``explain``: a class's chosen images explained one by one (``summit.explain``)."""

from __future__ import annotations

import dataclasses
import logging
from functools import cache
from pathlib import Path
from typing import Any

from summit.io.artifacts import ActivationCounts, ClassGraph, ExplainedImages, ReferenceMaps
from summit.model.structure import Structure
from summit.model.study import study_dataset, study_model, torch_device
from summit.settings import (
    AggregationSettings,
    ExplainSettings,
    GraphSettings,
    InfluenceSettings,
)
from summit.steps import step

log = logging.getLogger("summit")


@step
def explain(p: dict[str, Any], *, cls: int, weights: Path, structure: Path, store: Path,
            counts: list[Path], nonsemantic: Path | None, graphs: list[Path],
            reference: Path | None, report: Path) -> None:
    """Choose the class's images from its pass's predictions, run only them again, each its
    own image group, and write each one's graph, relations and evidence."""
    import numpy as np
    import torch

    from summit.explain.choose import choose_images
    from summit.explain.evidence import evidence_sets, image_evidence
    from summit.explain.image_graph import image_inputs
    from summit.explain.record import data_uri, image_record
    from summit.io import data
    from summit.io.store import ClassStore
    from summit.method.aggregate import class_loader
    from summit.method.graphs import exclusions

    s, g = ExplainSettings.from_config(p["explain"]), GraphSettings.from_config(p["graph"])
    predictions = {k: ClassStore(store).prediction(k)
                   for k in ("index", "label", "predicted", "prob_true")}
    chosen = choose_images(*predictions.values(), s.misclassified, s.least_confident,
                           s.most_confident)
    layers = Structure.load(structure).layers
    device = torch_device(p)
    model, spec = study_model(p, weights, device)
    dataset = study_dataset(p, spec, "train")
    loader = class_loader(dataset, np.array([c.index for c in chosen], np.int64),
                          p["batch_size"], p["dataset"]["loader_workers"])
    batches = [images.to(device) for images, _ in loader]
    inputs = image_inputs(model, Structure.load(structure), batches, cls,
                          AggregationSettings.from_config(p["aggregation"]),
                          InfluenceSettings.from_config(p["influence"]),
                          exclusions(g, nonsemantic), g.merged_edges_per_channel)
    largest = {c.layer: c.channel_max for c in map(ActivationCounts.load, counts)}
    class_graph = _class_graphs(p["class_ids"], graphs)
    intervener = _intervener(model, layers, reference, device)
    channels = {x.name: x.channels for x in layers}
    images = torch.cat(batches) if batches else None
    records = []
    for i, c in enumerate(chosen):
        rec = image_record(c, cls, inputs.logits[i], inputs.graph(i, g),
                           inputs.activation_set(i), inputs.strength(i, largest), class_graph,
                           p["class_names"])
        rec["image"] = data_uri(data.display_image(dataset, c.index))
        rec["evidence"] = image_evidence(
            intervener, images[i], cls, channels, evidence_sets(rec), s.repeats,
            np.random.default_rng([s.seed, c.index]), p["batch_size"], device)
        records.append(rec)
    wrong = int((predictions["predicted"] != predictions["label"]).sum())
    ExplainedImages(cls={"id": cls, "name": p["class_names"][cls]},
                    settings=dataclasses.asdict(s), n_images=len(predictions["index"]),
                    n_misclassified=wrong, images=records).save(report)
    log.info("class %d: %d images explained (%d of %d misclassified)", cls, len(records),
             wrong, len(predictions["index"]))


def _intervener(model: Any, layers: list[Any], reference: Path | None, device: Any) -> Any:
    """The model under channel replacements by the faithfulness stage's mean maps (its
    ``ablation: mean``), or by 0 without them."""
    import numpy as np
    import torch

    from summit.model.interventions import Intervener

    maps = ReferenceMaps.load(reference).maps if reference else None
    return Intervener(model, [x.name for x in layers], {
        x.name: torch.from_numpy(maps[x.name] if maps else np.zeros(
            (x.channels, x.height, x.width), np.float32)).to(device) for x in layers})


def _class_graphs(class_ids: list[int], graphs: list[Path]) -> Any:
    """A class's graph by id, loaded once when first asked for; None for an output that is
    not a class of the study."""
    paths = dict(zip(class_ids, graphs, strict=True))

    @cache
    def load(c: int) -> dict[str, Any] | None:
        return ClassGraph.load(paths[c]).to_json() if c in paths else None

    return load
