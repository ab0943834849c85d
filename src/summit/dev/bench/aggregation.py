"""The aggregation benchmark: (a) a forward pass, (b) Summit's pass and (c) the authors'
depthwise approach on GoogLeNet, on the same images (see the package doc)."""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from summit.dev.bench.common import (
    EXAMPLES,
    GROUPS,
    INFLUENCE,
    forward_step,
    googlenet,
    googlenet_structure,
    interleaved,
    job_step,
    prepare,
    ratio,
    timed,
)
from summit.method.aggregate import Aggregator
from summit.method.influence import FoldedConv, depthwise_max, input_kernels
from summit.model.structure import IDENTITY

_DEPTHWISE_CHUNK = 32 * 1024 * 1024  # floats per depthwise output block (128 MB)


def depthwise_influence_max(x: torch.Tensor, fc: FoldedConv) -> torch.Tensor:
    """The authors' way: one depthwise convolution with channel multiplier C_out yields every
    map X_i ∗ K_{j,i} at stride 1; their spatial max is the influence. (B, C_in, C_out)."""
    c_out, c_in, kh, kw = fc.weight.shape
    xp = F.pad(x, fc.padding)
    batch, _, h, w = xp.shape
    n_pos = (h - fc.dilation[0] * (kh - 1)) * (w - fc.dilation[1] * (kw - 1))
    step = max(1, _DEPTHWISE_CHUNK // max(1, batch * n_pos * c_out))
    kernels = input_kernels(fc).reshape(c_in * c_out, 1, kh, kw)  # row i·C_out + j
    return torch.cat([depthwise_max(xp[:, i:i + step], kernels[i * c_out:(i + step) * c_out],
                                    dilation=fc.dilation)
                      for i in range(0, c_in, step)], dim=1)


class DepthwiseAggregator(Aggregator):
    """The aggregation pass with every hop's influences computed the authors' way."""

    def _conv_hook(self, hops: list[str], linear: bool):
        def hook(module: nn.Module, inputs: tuple[torch.Tensor, ...], output: Any) -> None:
            for hop in hops:
                self.influences[hop] = depthwise_influence_max(inputs[0], self.folded[hop])
        return hook


def _normalised_batches(n_images: int, batch_size: int, seed: int,
                        device: torch.device) -> list[torch.Tensor]:
    """Random 224×224 images, normalised with ImageNet's mean and std, in batches."""
    gen = torch.Generator().manual_seed(seed)
    images = torch.rand(n_images, 3, 224, 224, generator=gen)
    mean = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
    std = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)
    return [((images[i:i + batch_size] - mean) / std).to(device)
            for i in range(0, n_images, batch_size)]


def run(n_images: int = 64, batch_size: int = 32, weights: str | None = None,
        device: str = "auto", threads: int | None = None, k: int = INFLUENCE.k,
        n_examples: int = EXAMPLES.n, seed: int = 0, rounds: int = 3) -> dict[str, Any]:
    """Measure (a) and (b) in ``rounds`` interleaved rounds, then (c) once, on the same
    random 224×224 images; see the package doc."""
    dev = prepare(device, threads)
    model = googlenet(weights)
    structure = googlenet_structure(model)
    model = model.to(dev)
    batches = _normalised_batches(n_images, batch_size, seed, dev)

    result: dict[str, Any] = {
        "model": "torchvision googlenet" + (" (weights)" if weights else " (architecture)"),
        "device": str(dev), "threads": torch.get_num_threads(), "images": n_images,
        "batch_size": batch_size, "rounds": rounds, "groups": GROUPS,
        "examples": n_examples, "hops": len(structure.hops()),
        "conv_hops": sum(1 for h in structure.hops() if h.conv != IDENTITY)}
    forward = forward_step(model)
    ours = Aggregator(model, structure, 1, k, 0.0, n_examples, GROUPS)
    timings = interleaved(dev, batches, {"a": forward, "b": job_step(ours)}, rounds)
    result["a_forward"], result["b_summit"] = timings["a"], timings["b"]
    b_over_a = ratio(timings, "b", "a")
    result["b_over_a"], result["b_over_a_rounds"] = b_over_a["ratio"], b_over_a["round_ratios"]
    ours_influences = {h: v.clone() for h, v in ours.influences.items()}
    ours.close()
    theirs = DepthwiseAggregator(model, structure, 1, k, 0.0, n_examples, GROUPS)
    result["c_depthwise"] = timed(dev, batches, job_step(theirs))
    # (b) leaves out the maps no top-k can hold (-inf): compared where it computed them
    kept = {h: torch.isfinite(v) for h, v in ours_influences.items()}
    gaps = [(theirs.influences[h] - v)[kept[h]].abs() for h, v in ours_influences.items()]
    result["max_influence_difference"] = max(float(g.max()) if g.numel() else 0.0
                                             for g in gaps)
    result["pruned_share"] = (sum(int((~m).sum()) for m in kept.values())
                              / sum(m.numel() for m in kept.values()))
    theirs.close()
    result["c_over_b"] = result["c_depthwise"]["seconds"] / result["b_summit"]["seconds"]
    return result


def table(r: dict[str, Any]) -> str:
    """The three phases' speed, time and peak memory, and the ratios with their spread."""
    rows = [("(a) forward pass", r["a_forward"]), ("(b) Summit aggregation", r["b_summit"]),
            ("(c) authors' depthwise", r["c_depthwise"])]
    lines = [f"{r['model']} on {r['device']} ({r['threads']} threads), {r['images']} images "
             f"at 224x224, batch {r['batch_size']}; (b): {r['groups']} image groups, "
             f"{r['examples']} examples per channel; (a) and (b) alternate batch by batch "
             f"over {r['rounds']} rounds, each timed by its fastest round, (c) once",
             f"{'phase':<26}{'images/s':>10}{'seconds':>10}{'peak MB':>10}"]
    lines += [f"{name:<26}{x['images_per_second']:>10.2f}{x['seconds']:>10.2f}"
              f"{x['peak_memory_mb']:>10.0f}" for name, x in rows]
    spread = r["b_over_a_rounds"]
    lines.append(f"b/a = {r['b_over_a']:.2f} (rounds: "
                 f"{', '.join(f'{x:.2f}' for x in spread)}; spread {max(spread) - min(spread):.2f})"
                 f"   c/b = {r['c_over_b']:.2f}   "
                 f"max |influence(b) - influence(c)| = {r['max_influence_difference']:.2e} "
                 f"(where (b) computed them; {r['pruned_share']:.0%} pruned)")
    return "\n".join(lines)
