"""One study's ground truth, stamp by stamp: the probe's passes, the pattern channels, the
shortcut, the graphs' recovery of the pattern channels and the ablations, as one record per
stamp (``summit.io.reports.GroundTruth``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from summit.explain.evidence import per_layer
from summit.ground_truth.measure import ablations, class_batches, responses, shortcut
from summit.ground_truth.probe import probe_images, run_probe
from summit.ground_truth.recovery import (
    recovery,
    resampled_support,
    shared_channels,
    vertex_ids,
)
from summit.io.artifacts import ClassGraph, ResampledGraphs
from summit.io.plant import Planting
from summit.io.reports import MotifsReport, NonsemanticReport
from summit.model.interventions import Intervener
from summit.model.structure import Layer
from summit.settings import GroundTruthSettings


@dataclass
class StudyGraphs:
    """What a study found: each class's graph, its resampled graphs' vertex ids (none without
    the stability stage), the non-semantic channels flagged (vertex ids; none without the
    analyses) and the motifs (the main study's; None where not mined)."""

    graphs: dict[int, dict[str, Any]]
    resampled: dict[int, list[list[str]]]
    nonsemantic: set[str]
    motifs: list[dict[str, Any]] | None

    @classmethod
    def load(cls, class_ids: Sequence[int], graphs: Sequence[Path], resampled: Sequence[Path],
             nonsemantic: Path | None, motifs: Path | None) -> StudyGraphs:
        flagged = NonsemanticReport.load(nonsemantic).flagged if nonsemantic else {}
        pairs = list(zip(class_ids, graphs, strict=True))
        return cls({c: ClassGraph.load(g).to_json() for c, g in pairs},
                   {c: [r["nodes"] for r in ResampledGraphs.load(x).resamples]
                    for c, x in zip(class_ids, resampled, strict=True)} if resampled else {},
                   {f"{layer}:{c}" for layer, channels in flagged.items() for c in channels},
                   MotifsReport.load(motifs).motifs if motifs else None)


def found_by_graphs(pattern: dict[str, list[int]], found: StudyGraphs,
                    classes: Sequence[int]) -> dict[str, Any]:
    """The graphs' recovery of the pattern channels, with every class's resampled support,
    the non-semantic flags among them and, for a pattern several classes carry, the
    channels their graphs share and the motifs holding them."""
    rec = recovery(pattern, found.graphs, classes)
    for c, r in rec["classes"].items():
        r["resampled"] = resampled_support(pattern, found.resampled.get(c, []))
    rec["classes"] = {str(c): r for c, r in rec["classes"].items()}
    rec["nonsemantic"] = [v for v in vertex_ids(pattern) if v in found.nonsemantic]
    if len(classes) > 1:
        rec["shared"] = shared_channels(pattern, found.graphs, classes, found.motifs)
    return rec


def measure_stamp(model: nn.Module, layers: Sequence[Layer], clean, planted: Planting,
                  k: int, found: StudyGraphs, s: GroundTruthSettings,
                  rng: np.random.Generator, side: int, batch_size: int, device: torch.device,
                  names: Sequence[str]) -> dict[str, Any]:
    """Stamp ``k`` measured (``clean``: the test split unplanted; ``planted``: its planting)."""
    stamp = planted.stamps[k]
    names_ = [x.name for x in layers]
    images = probe_images(planted, k, clean.labels, list(found.graphs), s.images_per_class,
                          rng, side)
    probe = run_probe(model, names_, clean, images, stamp, batch_size, device)
    response, pattern = responses(probe, rng, s.resamples, s.min_effect)
    rec = found_by_graphs(pattern, found, stamp.classes)
    intervener = Intervener(model, names_, probe.mean_maps)
    channels = {x.name: x.channels for x in layers}
    ablated = {}
    for c in stamp.classes:
        own = images.planted & (images.labels == c)
        clean_acc = float((probe.predicted_clean[own] == c).mean()) if own.any() else float("nan")
        sets = {"found": per_layer(rec["classes"][str(c)]["found"]), "pattern": pattern}
        ablated[str(c)] = ablations(intervener, class_batches(probe, clean, stamp, c, batch_size),
                                    channels, sets, s.repeats, rng, batch_size, device, clean_acc)
    return {"stamp": {"classes": list(stamp.classes), "names": [names[c] for c in stamp.classes],
                      "pattern": stamp.pattern, "size": stamp.size, "position": stamp.position,
                      "share": stamp.share},
            "shortcut": shortcut(probe, stamp, rng, s.resamples), "pattern": pattern,
            "response": response, "recovery": rec, "ablation": ablated}
