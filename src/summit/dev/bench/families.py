"""The families benchmark: the Summit pass against a plain forward pass for one member of
every torchvision CNN family (see the package doc)."""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from summit.dev.bench.common import (
    EXAMPLES,
    GROUPS,
    INFLUENCE,
    forward_step,
    interleaved,
    job_step,
    prepare,
    ratio,
)
from summit.method.aggregate import Aggregator
from summit.model.hops import trace_structure

# One member per family (the common size), benchmarked at 224 px (inception_v3: 299 px).
FAMILY_MODELS = {
    "alexnet": "alexnet", "vgg": "vgg16", "resnet": "resnet50", "resnext": "resnext50_32x4d",
    "wide_resnet": "wide_resnet50_2", "googlenet": "googlenet", "inception_v3": "inception_v3",
    "densenet": "densenet121", "squeezenet": "squeezenet1_1", "mobilenet_v2": "mobilenet_v2",
    "mobilenet_v3": "mobilenet_v3_large", "mnasnet": "mnasnet1_0",
    "shufflenet_v2": "shufflenet_v2_x1_0", "efficientnet": "efficientnet_b0",
    "efficientnet_v2": "efficientnet_v2_s", "regnet": "regnet_y_1_6gf",
    "convnext": "convnext_tiny",
}


def _family_model(family: str, arch: str) -> nn.Module:
    """The family's member with random weights (seed 0), in eval mode."""
    import warnings

    import torchvision

    torch.manual_seed(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # inception_v3's init-weights notice
        return torchvision.models.get_model(arch, weights=None).eval()


def _time_family(family: str, arch: str, n_images: int, batch_size: int, dev: torch.device,
                 size: int, rounds: int) -> dict[str, Any]:
    """``layers: auto``, then the forward pass and the pass as a job runs it, alternating
    batch by batch over ``rounds`` rounds: the ratio of each one's fastest round."""
    from summit.model.layers import auto_layers, candidates

    model = _family_model(family, arch)
    px = round(size * 299 / 224) if family == "inception_v3" else size
    example = torch.zeros(1, 3, px, px)
    layers = auto_layers(candidates(model, example))
    structure = trace_structure(model, layers, example)
    model = model.to(dev)
    images = torch.rand(n_images, 3, px, px, generator=torch.Generator().manual_seed(0))
    batches = [images[i:i + batch_size].to(dev) for i in range(0, n_images, batch_size)]

    forward = forward_step(model)
    agg = Aggregator(model, structure, 1, INFLUENCE.k, 0.0, EXAMPLES.n, GROUPS)
    timings = interleaved(dev, batches, {"forward": forward, "summit": job_step(agg)}, rounds)
    agg.close()
    r = ratio(timings, "summit", "forward")
    spread = max(r["round_ratios"]) - min(r["round_ratios"])
    print(f"{family:<16}{arch:<20}{len(layers):>4} layers {len(structure.hops()):>5} hops "
          f"forward {timings['forward']['images_per_second']:7.1f}/s  Summit "
          f"{timings['summit']['images_per_second']:7.1f}/s  ratio {r['ratio']:.2f} "
          f"(rounds {', '.join(f'{x:.2f}' for x in r['round_ratios'])}; spread {spread:.2f})",
          flush=True)
    return {"model": arch, "size": px, "layers": layers, "hops": len(structure.hops()),
            "seconds": {k: v["round_seconds"] for k, v in timings.items()},
            "ratio": r["ratio"], "round_ratios": r["round_ratios"]}


def run(n_images: int = 64, batch_size: int = 32, device: str = "auto",
        threads: int | None = None, size: int = 224,
        only: list[str] | None = None, rounds: int = 3) -> dict[str, Any]:
    """Per family: ``layers: auto``, a plain forward pass and the Summit pass (maxima,
    influence tallies in the default image groups, dataset-example candidates, as a job
    runs it) on the same random images, random weights, interleaved over ``rounds``
    rounds; the ratio of the fastest round of each."""
    dev = prepare(device, threads)
    out = {family: _time_family(family, arch, n_images, batch_size, dev, size, rounds)
           for family, arch in FAMILY_MODELS.items() if not only or family in only}
    return {"device": str(dev), "threads": torch.get_num_threads(), "images": n_images,
            "batch_size": batch_size, "rounds": rounds, "groups": GROUPS, "families": out}
