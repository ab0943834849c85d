"""An image's own attribution graph: the class pass run over a few images with one image
group per image, so each image's activation set, exact influences and graph are those of a
class made of that image alone: the same code and the same kind of object as a class's
graph, comparable with it by the same functions."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from summit.method.activations import count_top_channels
from summit.method.aggregate import Aggregator
from summit.method.graphs import FullGraph, GraphInputs, attribution_graph
from summit.model.structure import Structure
from summit.settings import AggregationSettings, GraphSettings, InfluenceSettings


@dataclass
class ImageInputs:
    """Several images' graph inputs, image by image (``graphs``' groups are the images),
    with their channel maxima (layer → images × channels) and logits (images × outputs)."""

    graphs: GraphInputs
    maxima: dict[str, np.ndarray]
    logits: np.ndarray

    def __len__(self) -> int:
        return len(self.logits)

    def full(self, i: int) -> FullGraph:
        """Image ``i``'s whole-network graph."""
        return self.graphs.full(np.eye(len(self), dtype=np.int64)[i])

    def graph(self, i: int, settings: GraphSettings) -> dict[str, Any]:
        """Image ``i``'s attribution graph (``method.graphs.attribution_graph``)."""
        return attribution_graph(self.full(i), settings)

    def strength(self, i: int, largest: dict[str, np.ndarray]) -> dict[str, float]:
        """Per vertex of image ``i``'s activation set, its maximum over the channel's largest
        in the study (``largest``: each layer's channel maxima over every image)."""
        out = {}
        for v in self.activation_set(i):
            layer, channel = v.rsplit(":", 1)
            top = float(largest[layer][int(channel)])
            out[v] = float(self.maxima[layer][i, int(channel)]) / top if top > 0 else 0.0
        return out

    def activation_set(self, i: int) -> list[str]:
        """Image ``i``'s top channels per layer by the aggregation rule, as vertex ids."""
        return [f"{layer}:{c}" for layer, counts in self.graphs.group_counts.items()
                for c in np.flatnonzero(counts[i])]


def image_inputs(model: nn.Module, structure: Structure, batches: Iterable[torch.Tensor],
                 class_id: int, aggregation: AggregationSettings,
                 influence: InfluenceSettings, exclude: dict[str, list[int]],
                 merged_per_channel: int | None) -> ImageInputs:
    """Run ``batches`` of images through the class pass, each image its own group."""
    images = list(batches)
    n = sum(len(b) for b in images)
    aggregator = Aggregator(model, structure, influence.method, influence.k, influence.share,
                            n_groups=max(n, 1))
    maxima: dict[str, list[np.ndarray]] = {x.name: [] for x in structure.layers}
    logits, start = [], 0
    try:
        for batch in images:
            z, out = aggregator.step(batch, None, list(range(start, start + len(batch))))
            start += len(batch)
            for name, values in z.items():
                maxima[name].append(values.float().cpu().numpy())
            logits.append(out.float().cpu().numpy())
    finally:
        aggregator.close()
    z = {k: np.concatenate(v) for k, v in maxima.items()}
    counts = {k: count_top_channels(v, aggregation.method, aggregation.k, aggregation.share,
                                    np.arange(n), n) for k, v in z.items()}
    tallies = {k: v.cpu().numpy() for k, v in aggregator.tallies.items()}
    inputs = GraphInputs(class_id, structure, counts, tallies, [1] * n, exclude,
                         merged_per_channel, influence.k)
    return ImageInputs(inputs, z, np.concatenate(logits))
