"""Feature visualizations with Lucent: what each channel looks for, plus diversity variants.

Lucent's defaults assume an ImageNet model (224-px upsampling, ImageNet normalisation, RGB);
here every render honours the model's own input: its size, its number of colour channels and
its normalisation, applied as the last transform before the model.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from summit.data import InputSpec


@dataclass(frozen=True)
class RenderSettings:
    """Optimisation settings (config key ``featvis``)."""

    steps: int
    lr: float
    jitter: int
    scales: tuple[float, ...]
    rotations: tuple[int, ...]
    diversity: int
    diversity_weight: float
    seed: int

    @classmethod
    def from_config(cls, cfg: dict[str, Any]) -> RenderSettings:
        return cls(cfg["steps"], cfg["lr"], cfg["jitter"], tuple(cfg["scales"]),
                   tuple(cfg["rotations"]), cfg["diversity"], cfg["diversity_weight"],
                   cfg["seed"])


def lucent_layer_name(module_name: str) -> str:
    """Lucent names hooked layers by their module path joined with underscores."""
    return module_name.replace(".", "_")


def _transforms(spec: InputSpec, s: RenderSettings) -> list:
    from lucent.optvis import transform

    mean = torch.tensor(spec.mean).view(1, -1, 1, 1)
    std = torch.tensor(spec.std).view(1, -1, 1, 1)

    def normalise(x: torch.Tensor) -> torch.Tensor:
        return (x - mean.to(x.device)) / std.to(x.device)

    steps = [transform.pad(s.jitter, mode="constant", constant_value=0.5)]
    if s.jitter > 1:  # Lucent's jitter needs d > 1
        steps.append(transform.jitter(s.jitter))
    if s.scales:
        steps.append(transform.random_scale(list(s.scales)))
    if s.rotations:
        steps.append(transform.random_rotate(list(s.rotations)))
    return [*steps, normalise]


def render(model: nn.Module, layer: str, channel: int, spec: InputSpec, s: RenderSettings,
           batch: int = 1, diversity_weight: float = 0.0) -> np.ndarray:
    """Images (batch, size, size, colour channels) in [0, 1] maximising one channel."""
    from lucent.optvis import objectives, param
    from lucent.optvis import render as lucent_render

    torch.manual_seed(s.seed + channel)
    name = lucent_layer_name(layer)
    objective = objectives.channel(name, channel)
    if batch > 1 and diversity_weight:
        objective = objective - diversity_weight * objectives.diversity(name)
    images = lucent_render.render_vis(
        model, objective,
        param_f=lambda: param.image(spec.size, batch=batch, channels=spec.channels,
                                    decorrelate=spec.channels == 3),
        optimizer=lambda params: torch.optim.Adam(params, lr=s.lr),
        transforms=_transforms(spec, s), thresholds=(s.steps,), preprocess=False,
        fixed_image_size=spec.size, progress=False, show_image=False)
    return np.clip(images[-1], 0.0, 1.0)


def channel_objective(model: nn.Module, layer: str, channel: int, spec: InputSpec,
                      images: np.ndarray) -> float:
    """Mean activation of ``channel`` for images in [0, 1] (B, H, W, C): the render's score."""
    x = torch.from_numpy(np.ascontiguousarray(images)).permute(0, 3, 1, 2).float()
    x = spec.normalise(x)
    out = {}
    module = dict(model.named_modules())[layer]
    handle = module.register_forward_hook(lambda m, i, o: out.__setitem__("y", o))
    try:
        with torch.no_grad():
            model(x.to(next(model.parameters()).device))
    finally:
        handle.remove()
    return float(out["y"][:, channel].mean())


def channels_in_graphs(graphs: list[dict[str, Any]], layer: str) -> list[int]:
    """Channels of ``layer`` that appear in at least one class's attribution graph."""
    return sorted({n["channel"] for g in graphs for n in g["nodes"] if n["layer"] == layer})
