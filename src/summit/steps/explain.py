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


@step
def explain_summary(p: dict[str, Any], *, records: list[Path], featvis: list[Path],
                    markdown: Path, png: Path, pdf: Path) -> None:
    """The explained images in the run's words, and the most confidently misclassified one's
    graph drawn with its image."""
    from summit.explain.record import pixels
    from summit.explain.summary import example, summary_markdown
    from summit.io.atlas import FeatvisAtlas, load_atlases
    from summit.io.files import write_text
    from summit.render.analysis.explained import draw_explained
    from summit.render.figures import save

    loaded = [ExplainedImages.load(x).to_json() for x in records]
    write_text(markdown, summary_markdown(loaded, p["class_names"]))
    found = example(loaded)
    if found is None:  # nothing misclassified into a class of the study: the best-classified
        found = max(((im, r) for r in loaded for im in r["images"]),
                    key=lambda t: t[0]["prob_true"], default=None)
    im = found[0] if found else None
    names = p["class_names"]
    title = (f"Image #{im['index']}: a {names[im['label']]} predicted "
             f"{names[im['predicted']]} ({im['probabilities'][0]['prob']:.0%}), its own graph"
             if im else "No image was explained")
    graph = im["graph"] if im else {"layers": [], "nodes": [], "edges": []}
    save(draw_explained(pixels(im["image"]) if im else None, graph,
                        load_atlases(featvis, FeatvisAtlas), title), png, pdf)
