"""Stage ``channel_descriptions``: every channel described by what the study measured (the
classes it fires for, its dataset examples' classes, its response to a planted pattern,
the non-semantic flag), for the site's vertex card and channel panel."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from summit.io.artifacts import ActivationCounts, ExamplesIndex
from summit.io.reports import ChannelDescriptions, GroundTruth, NonsemanticReport
from summit.steps import step


@step
def channel_descriptions(p: dict[str, Any], *, counts: list[Path], stores: list[Path],
                         examples: list[Path], ground_truth: Path | None,
                         nonsemantic: Path | None, report: Path) -> None:
    """Describe every channel of every layer from A^l (the classes' image counts from their
    stores), the dataset examples, and where the study has them the main study's planted
    ground truth and non-semantic report."""
    import numpy as np

    from summit.analyses.channel_descriptions import SETTINGS, describe_layer
    from summit.io.files import ArtifactError
    from summit.io.store import ClassStore

    class_stores = [ClassStore(x) for x in stores]
    class_ids = [s.class_id for s in class_stores]
    n_images = np.array([s.attrs["n_images"] for s in class_stores])
    indexes = {ex.layer: ex.channels for ex in map(ExamplesIndex.load, examples)}
    stamps = GroundTruth.load(ground_truth).stamps if ground_truth else None
    flags = NonsemanticReport.load(nonsemantic).to_json() if nonsemantic else None
    layers = {}
    for a in map(ActivationCounts.load, counts):
        a.check_classes(class_ids, "the class stores")
        try:
            layers[a.layer] = describe_layer(
                a.layer, a.counts, n_images, class_ids, p["class_names"],
                examples=indexes.get(a.layer) if examples else None, stamps=stamps,
                nonsemantic=flags)
        except ValueError as e:
            raise ArtifactError(str(e)) from None
    ChannelDescriptions(settings=SETTINGS, class_ids=class_ids,
                        measured={"examples": bool(examples), "planted": stamps is not None,
                                  "nonsemantic": flags is not None},
                        layers=layers).save(report)
