"""Stage ``aggregate``: the per-class pass over the class's images (paper §6.1–6.2)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from summit.model.structure import Structure
from summit.model.study import study_dataset, study_model, torch_device
from summit.settings import ExamplesSettings, InfluenceSettings
from summit.steps import step

log = logging.getLogger("summit")


@step
def aggregate(p: dict[str, Any], *, cls: int, weights: Path, structure: Path,
              store: Path) -> None:
    """The per-class pass: channel maxima, influence tallies and predictions into one store."""
    from summit.io import data
    from summit.io.store import open_class_store
    from summit.method.aggregate import Aggregator, aggregate_class, class_loader

    device = torch_device(p)
    model, spec = study_model(p, weights, device)
    traced = Structure.load(structure)
    dataset = study_dataset(p, spec, "train")
    indices = data.class_image_indices(dataset.labels, cls, p["dataset"]["max_images_per_class"])
    inf = InfluenceSettings.from_config(p["influence"])
    groups = p["groups"]
    aggregator = Aggregator(model, traced, inf.method, inf.k, inf.share,
                            ExamplesSettings.from_config(p["examples"]).n, groups)
    loader = class_loader(dataset, indices, p["batch_size"], p["dataset"]["loader_workers"])
    log.info("class %d: %d images, device %s", cls, len(indices), device)
    layers = {x.name: x.channels for x in traced.layers}
    with open_class_store(store, layers, max(1, len(indices))) as writer:
        try:
            summary = aggregate_class(aggregator, loader, indices, writer, device)
        finally:  # the model may serve the next class of this job (summit.jobs)
            aggregator.close()
        if summary["n_images"] == 0:
            raise data.no_readable_image(dataset, cls, len(indices))
        tallies = {k: v.cpu().numpy() for k, v in aggregator.tallies.items()}
        examples = {layer: {"value": top.value.cpu().numpy(), "image": top.image.cpu().numpy(),
                            "position": top.position.cpu().numpy()}
                    for layer, top in aggregator.examples.items()}
        writer.finish(tallies, {"class_id": cls, "layers": list(layers), **summary}, examples,
                      groups)
    log.info("done: %s", summary)
