"""The faithfulness benchmark: a finished study's job times, and an estimate of the stage on
ImageNet with InceptionV1 (see the package doc)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from summit.dev.bench import aggregation
from summit.dev.bench.common import (
    GOOGLENET_LAYERS,
    googlenet,
    googlenet_structure,
    job_seconds,
    prepare,
)
from summit.model.structure import Structure
from summit.settings import FaithfulnessSettings

if TYPE_CHECKING:
    from summit.evidence.faithfulness import Evidence
    from summit.model.interventions import Intervener


def study_benchmarks(results: Path) -> dict[str, Any]:
    """The seconds of a finished study's aggregate and faithfulness jobs."""
    aggregate, faith = (job_seconds(results, "aggregate/*.tsv"),
                        job_seconds(results, "faithfulness/*.tsv"))
    reference = sum(job_seconds(results, "faithfulness_reference.tsv"))
    if not aggregate or not faith:
        raise SystemExit(f"{results}: no aggregate or faithfulness benchmark files; run the "
                         "study first (snakemake --cores all)")
    return {"results": str(results), "classes": len(faith),
            "aggregate_seconds": sum(aggregate), "faithfulness_seconds": sum(faith),
            "reference_seconds": reference,
            "faithfulness_over_aggregate": (sum(faith) + reference) / sum(aggregate)}


def _evidence(structure: Structure, vertices: int, s: FaithfulnessSettings,
              rng: np.random.Generator) -> Evidence:
    """The stage's plan for one class whose graph has ``vertices`` random vertices spread
    over the layers, scored in decreasing order."""
    from summit.evidence.faithfulness import ClassInputs, Evidence

    channels = {x.name: x.channels for x in structure.layers}
    per_layer = np.array_split(np.arange(vertices), len(channels))
    graph = [(f"{layer}:{c}", 1.0 / (1 + i)) for (layer, n), part in zip(
        channels.items(), per_layer, strict=True)
        for i, c in enumerate(rng.choice(n, len(part), replace=False))]
    graph.sort(key=lambda v: -v[1])
    return Evidence(ClassInputs(channels, {k: rng.integers(0, 1300, n) for k, n in
                                           channels.items()}, {},
                                {"per_layer": graph, "unified": graph[:-vertices // 10]}),
                    s, class_id=0)


def _condition_rates(intervener: Intervener, starts: dict[str, list], images: torch.Tensor
                     ) -> tuple[dict[str, float], float]:
    """Images per second under 8 stacked conditions from each start layer, and of the
    prefix the conditions share."""
    shared = intervener.prefix(images)
    rates = {}
    for layer, conditions in starts.items():
        batch = conditions[:8]
        intervener.run(shared, layer, batch)  # warm-up
        t = time.perf_counter()
        intervener.run(shared, layer, batch)
        rates[layer] = len(batch) * len(images) / (time.perf_counter() - t)
    t = time.perf_counter()
    intervener.prefix(images)
    return rates, len(images) / (time.perf_counter() - t)


def run(n_images: int = 50, vertices: int = 56, device: str = "auto",
        threads: int | None = None, probe: int = 4, batch_size: int = 8,
        seed: int = 0) -> dict[str, Any]:
    """Estimate the faithfulness stage on ImageNet with InceptionV1, timing ``probe`` images
    under 8 stacked conditions from each start layer (and the aggregation pass on ``probe``
    images in batches of ``batch_size``); see the package doc."""
    from summit.model.interventions import Intervener

    dev = prepare(device, threads)
    s = FaithfulnessSettings.defaults()
    model = googlenet()
    structure = googlenet_structure(model)
    model = model.to(dev)
    evidence = _evidence(structure, vertices, s, np.random.default_rng(seed))
    baselines = {x.name: torch.zeros(x.channels, x.height, x.width, device=dev)
                 for x in structure.layers}
    intervener = Intervener(model, [x.name for x in structure.layers], baselines)
    starts: dict[str, list] = {}
    for c in evidence.plan.conditions:
        starts.setdefault(intervener.start_layer(c), []).append(c)
    rates, prefix_rate = _condition_rates(intervener, starts,
                                          torch.randn(probe, 3, 224, 224, device=dev))
    seconds = (sum(len(c) * n_images / rates[x] for x, c in starts.items())
               + n_images / prefix_rate)
    specificity = (3 * s.specificity_classes * s.specificity_images
                   / rates[GOOGLENET_LAYERS[0]]
                   + s.specificity_classes * s.specificity_images / prefix_rate)
    pass_rate = aggregation.run(probe, batch_size, None, device,
                                threads)["b_summit"]["images_per_second"]
    return {"device": str(dev), "threads": torch.get_num_threads(), "images": n_images,
            "vertices": vertices, "conditions": len(evidence.plan.conditions),
            "conditions_per_start": {x: len(c) for x, c in starts.items()},
            "condition_images_per_second": rates,
            "seconds_per_class": seconds + specificity,
            "specificity_seconds_per_class": specificity,
            "aggregation_seconds_per_class": 1300 / pass_rate,
            "hours_for_1000_classes": 1000 * (seconds + specificity) / 3600}


def table(r: dict[str, Any]) -> str:
    """The study's stage against its aggregation, if measured, and the ImageNet estimate."""
    lines = []
    if "demo" in r:
        d = r["demo"]
        lines.append(f"study {d['results']}: faithfulness {d['faithfulness_seconds']:.0f} s "
                     f"+ reference {d['reference_seconds']:.0f} s for {d['classes']} classes, "
                     f"aggregation {d['aggregate_seconds']:.0f} s; ratio "
                     f"{d['faithfulness_over_aggregate']:.2f}")
    e = r["imagenet"]
    lines.append(
        f"ImageNet estimate (InceptionV1, {e['device']}, {e['threads']} threads): "
        f"{e['conditions']} conditions × {e['images']} images per class "
        f"({e['vertices']}-vertex graphs): {e['seconds_per_class']:.0f} s per class "
        f"(of which specificity {e['specificity_seconds_per_class']:.0f} s) vs aggregation "
        f"{e['aggregation_seconds_per_class']:.0f} s (1300 images); 1000 classes: "
        f"{e['hours_for_1000_classes']:.0f} h")
    return "\n".join(lines)
