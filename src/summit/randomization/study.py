"""Every model of the randomization checks measured against the trained model: its accuracy
on a sample of held-out images, its graphs' overlap, its class neighbourhoods and its
graphs' faithfulness (``summit.io.reports.RandomizationReport``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from summit.randomization.compare import (
    faithfulness,
    graph_similarity,
    image_batches,
    neighbourhood_agreement,
)
from summit.settings import RandomizationSettings


@dataclass
class Studied:
    """One model's study: its row's label (kind "trained", "cascade" or "shuffled", depth
    for the cascade, name), its class graphs in class order and its A^l per layer."""

    kind: str
    name: str
    depth: int | None
    graphs: list[dict[str, Any]]
    counts: list[np.ndarray]


def held_out_batches(dataset, class_ids: Sequence[int], s: RandomizationSettings,
                     batch_size: int) -> list[list[tuple[torch.Tensor, torch.Tensor]]]:
    """Per class (in order), up to ``images_per_class`` of its held-out images drawn by the
    seed (the same for every model), as batches."""
    from summit.io.data import sample_indices

    out = []
    for c in class_ids:
        rows = sample_indices(dataset.labels, [c], s.images_per_class, s.seed)
        out.append(image_batches(dataset, rows, batch_size))
    return out


def measure(model: torch.nn.Module, studied: Studied, trained: Studied,
            channels: dict[str, int], batches: list, s: RandomizationSettings, k: int,
            index: int, batch_size: int, device: torch.device) -> dict[str, Any]:
    """One model's row (``index``: its place, seeding its random channel sets)."""
    layers = list(channels)
    faith = faithfulness(model, layers, channels, studied.graphs, batches, s.repeats,
                         np.random.default_rng([s.seed, index]), batch_size, device)
    return {"kind": studied.kind, "name": studied.name, "depth": studied.depth,
            "accuracy": faith.pop("accuracy"),
            "graphs": graph_similarity(trained.graphs, studied.graphs, channels),
            "neighbourhoods": neighbourhood_agreement(trained.counts, studied.counts, layers, k),
            "faithfulness": faith}
