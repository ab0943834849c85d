"""Explaining images with a finished study: what the ``explain`` stage (a class's chosen
images) and ``summit explain --image`` (any image) share. The images run once through the
class pass, each its own image group; then each gets its record and its evidence."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from summit.explain.choose import Chosen
from summit.explain.evidence import evidence_sets, image_evidence
from summit.explain.image_graph import image_inputs
from summit.explain.record import image_record
from summit.io.artifacts import ActivationCounts, ClassGraph, ReferenceMaps
from summit.method.graphs import exclusions
from summit.model.interventions import Intervener
from summit.model.structure import Structure
from summit.model.study import study_model, torch_device
from summit.settings import (
    AggregationSettings,
    ExplainSettings,
    GraphSettings,
    InfluenceSettings,
)


@dataclass
class Explainer:
    """A study's model, structure, settings and class graphs, ready to explain images.
    ``class_graph(id)``: a class's graph (None for an output that is not a class of the
    study); ``largest``: each layer's channel maxima over the study's images; ``baselines``:
    what an ablated channel becomes, per layer."""

    model: nn.Module
    structure: Structure
    aggregation: AggregationSettings
    influence: InfluenceSettings
    graph: GraphSettings
    settings: ExplainSettings
    exclude: dict[str, list[int]]
    class_graph: Callable[[int], dict[str, Any] | None]
    class_names: list[str]
    largest: dict[str, np.ndarray]
    baselines: dict[str, torch.Tensor]
    batch_size: int
    device: torch.device

    @classmethod
    def load(cls, p: dict[str, Any], *, weights: Path, structure: Path, counts: list[Path],
             nonsemantic: Path | None, graphs: list[Path], reference: Path | None
             ) -> Explainer:
        """From a study's files and settings (``p``: the config's sections, ``class_ids``
        in ``graphs``' order, ``class_names``); without the faithfulness stage's mean maps
        (``reference``) ablated channels become 0."""
        g = GraphSettings.from_config(p["graph"])
        device = torch_device(p)
        model, _ = study_model(p, weights, device)
        layers = Structure.load(structure)
        maps = ReferenceMaps.load(reference).maps if reference else None
        baselines = {x.name: torch.from_numpy(maps[x.name] if maps else np.zeros(
            (x.channels, x.height, x.width), np.float32)).to(device) for x in layers.layers}
        paths = dict(zip(p["class_ids"], graphs, strict=True))

        @cache
        def class_graph(c: int) -> dict[str, Any] | None:
            return ClassGraph.load(paths[c]).to_json() if c in paths else None

        return cls(model, layers, AggregationSettings.from_config(p["aggregation"]),
                   InfluenceSettings.from_config(p["influence"]), g,
                   ExplainSettings.from_config(p["explain"]), exclusions(g, nonsemantic),
                   class_graph, p["class_names"],
                   {c.layer: c.channel_max for c in map(ActivationCounts.load, counts)},
                   baselines, p["batch_size"], device)

    def explain(self, images: torch.Tensor, labels: list[int | None], chosen: list[Chosen],
                graph_class: int) -> list[dict[str, Any]]:
        """One record per image (``images`` on the device, in ``chosen``'s order), its
        evidence against the random sets of ``settings``."""
        batches = [images[i:i + self.batch_size] for i in range(0, len(images), self.batch_size)]
        inputs = image_inputs(self.model, self.structure, batches, graph_class,
                              self.aggregation, self.influence, self.exclude,
                              self.graph.merged_edges_per_channel)
        layers = self.structure.layers
        intervener = Intervener(self.model, [x.name for x in layers], self.baselines)
        channels = {x.name: x.channels for x in layers}
        records = []
        for i, (c, label) in enumerate(zip(chosen, labels, strict=True)):
            rec = image_record(c, label, inputs.logits[i], inputs.graph(i, self.graph),
                               inputs.activation_set(i), inputs.strength(i, self.largest),
                               self.class_graph, self.class_names)
            rec["evidence_class"] = rec["predicted"] if label is None else label
            rec["evidence"] = image_evidence(
                intervener, images[i], rec["evidence_class"], channels,
                evidence_sets(rec), self.settings.repeats,
                np.random.default_rng([self.settings.seed, c.index]), self.batch_size,
                self.device)
            records.append(rec)
        return records
