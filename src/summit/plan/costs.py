"""The plan's arithmetic: each stage's jobs, time, peak memory per job and disk, from what the
study holds (classes, images, layers, settings) and what calibration measured.

Every figure here is a product of a count the workflow plans and a unit the calibration timed
on this machine (``summit.plan.calibrate``), or, for the few small stages calibration does not
time, a unit measured once on the demo run (``DEMO``, marked ``extrapolated`` in the table).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

# Units of the stages calibration does not time, from the demo's fresh-clone run on the 2-core
# CPU (benchmarks/<stage>): seconds of a job beyond start-up, and per what it scales.
DEMO = {
    "activations": 1.2e-8,  # per image × channel of the layer (reading every class's maxima)
    "examples": 2.5e-8,  # per image × channel of the layer, plus rendering the atlas
    "embedding": 20.0,  # once: UMAP's compilation dominates at any class count
    "describe_model": 1.0,
    "provenance": 0.5,
    "nonsemantic": 2e-6,  # per class × channel (all layers)
    "neighbours": 4e-6,  # per class² × layer, besides NEIGHBOURS_ONCE
    "separability": 3e-7,  # per image × channel kept, per layer
    "class_pairs": 2e-6,  # per class² (vertex Jaccard), plus the pair figures
    "motifs": 5e-4,  # per class (grows with the graphs' overlap)
    "matching": 4e-8,  # per image × channel of the layer (both models' maxima)
    "summary": 0.01,  # per class, each summary table and figure
    "site": 0.002,  # per class: copying the study's files
}
# What the stages above pay per class besides, from the 1000-class rehearsal (Fashion-MNIST ×
# 100 transforms, 60 images per class, 2026-12-06): opening each class's store and, for
# separability, fitting each class's classifier. Invisible on the demo's ten classes; at
# 1000 they were most of these stages' time (separability 100 s a layer, planned 3 s).
PER_CLASS = {"activations": 8e-3, "examples": 2.5e-2, "matching": 2.3e-2, "separability": 0.1,
             "nonsemantic": 1e-2}
NEIGHBOURS_ONCE = 1.4  # the neighbours step's own set-up (the demo's ten classes)
MODEL_FREE_MEMORY_MB = 200  # a model-free step's interpreter and libraries


@dataclass
class Row:
    """One stage of the plan. ``seconds``: the sum over its jobs (as its benchmark files sum
    them); ``gpu``: whether those seconds are on a GPU; ``memory_mb``: the largest job's peak;
    ``basis``: how the time was found (calibrated here, or extrapolated from the demo)."""

    stage: str
    jobs: int
    seconds: float
    memory_mb: float
    disk_bytes: float = 0.0
    gpu: bool = False
    basis: str = "calibrated"


@dataclass
class Study:
    """What the plan counts. ``images``/``test_images``: per studied class, the images its pass
    reads and the held-out images faithfulness may use; ``channels`` per layer; ``jobs``: per
    stage, the jobs the workflow plans; ``covered``: per per-class stage, the classes its jobs
    cover over all studies (two studies: twice the classes)."""

    images: Sequence[int]
    test_images: Sequence[int]
    layers: Sequence[str]
    channels: Sequence[int]
    config: Mapping[str, Any]
    jobs: Mapping[str, int]
    covered: Mapping[str, int]
    train_images: int = 0
    epochs: int = 0

    @property
    def classes(self) -> int:
        return len(self.images)

    def studies(self, stage: str) -> float:
        """How many studies' classes a per-class stage covers."""
        return self.covered.get(stage, 0) / max(self.classes, 1)


def distinct_channels(channels: int, per_class: float, classes: int) -> float:
    """Expected distinct channels among ``classes`` graphs each holding ``per_class`` of a
    layer's ``channels``, drawn independently: what a featvis job renders (graph channels)."""
    if channels <= 0 or per_class <= 0:
        return 0.0
    share = min(per_class / channels, 1.0)
    return channels * (1 - (1 - share) ** classes)


def layer_unit(units: Mapping[str, float], layers: Sequence[str], layer: str) -> float:
    """A per-layer unit timed on some layers (the first and last), interpolated between."""
    if layer in units:
        return units[layer]
    known = [x for x in layers if x in units]
    if not known:
        return 0.0
    a, b = layers.index(known[0]), layers.index(known[-1])
    share = (layers.index(layer) - a) / (b - a) if b != a else 0.0
    return units[known[0]] + share * (units[known[-1]] - units[known[0]])
