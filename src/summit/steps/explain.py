"""Stage ``explain``: a class's chosen images explained one by one (``summit.explain``)."""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path
from typing import Any

from summit.io.artifacts import ExplainedImages
from summit.model.study import study_dataset
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
    from summit.explain.explainer import Explainer
    from summit.explain.record import data_uri
    from summit.io import data
    from summit.io.store import ClassStore
    from summit.method.aggregate import class_loader

    explainer = Explainer.load(p, weights=weights, structure=structure, counts=counts,
                               nonsemantic=nonsemantic, graphs=graphs, reference=reference)
    s = explainer.settings
    predictions = {k: ClassStore(store).prediction(k)
                   for k in ("index", "label", "predicted", "prob_true")}
    chosen = choose_images(*predictions.values(), s.misclassified, s.least_confident,
                           s.most_confident)
    spec = data.InputSpec.from_config(p["input"])
    dataset = study_dataset(p, spec, "train")
    loader = class_loader(dataset, np.array([c.index for c in chosen], np.int64),
                          p["batch_size"], p["dataset"]["loader_workers"])
    images = [x for x, _ in loader]
    records = explainer.explain(
        torch.cat(images).to(explainer.device) if images else torch.zeros(0),
        [cls] * len(chosen), chosen, cls) if chosen else []
    for rec, c in zip(records, chosen, strict=True):
        rec["image"] = data_uri(data.display_image(dataset, c.index))
    wrong = int((predictions["predicted"] != predictions["label"]).sum())
    ExplainedImages(cls={"id": cls, "name": p["class_names"][cls]},
                    settings=dataclasses.asdict(s), n_images=len(predictions["index"]),
                    n_misclassified=wrong, images=records).save(report)
    log.info("class %d: %d images explained (%d of %d misclassified)", cls, len(records),
             wrong, len(predictions["index"]))
