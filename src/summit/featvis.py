"""Feature visualizations with Lucent: what each channel looks for, plus diversity variants.

Lucent's defaults assume an ImageNet model (224-px upsampling, ImageNet normalisation, RGB);
here every render honours the model's own input: its size, its number of colour channels and
its normalisation, applied as the last transform before the model.

Channels are rendered together: one Lucent optimisation over a batch holding, per channel,
one image for the channel objective and ``diversity`` images for the channel objective minus
Lucent's diversity term within that group. Adam updates every image independently and the
loss couples only a channel's own diversity images, so a batch of channels gives each channel
the render it would get alone (up to the shared random transforms), at a fraction of the cost.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from summit.data import InputSpec


@dataclass(frozen=True)
class RenderSettings:
    """Optimisation settings (config key ``featvis``); ``size`` 0 means the model's input."""

    steps: int
    lr: float
    jitter: int
    scales: tuple[float, ...]
    rotations: tuple[int, ...]
    diversity: int
    diversity_weight: float
    seed: int
    size: int = 0
    fft: bool = True
    decorrelate: bool = True
    pad: str = "reflect"
    batch_channels: int = 16

    @classmethod
    def from_config(cls, cfg: dict[str, Any]) -> RenderSettings:
        return cls(cfg["steps"], cfg["lr"], cfg["jitter"], tuple(cfg["scales"]),
                   tuple(cfg["rotations"]), cfg["diversity"], cfg["diversity_weight"],
                   cfg["seed"], cfg["size"] or 0, cfg["fft"], cfg["decorrelate"], cfg["pad"],
                   cfg["batch_channels"])


def lucent_layer_name(module_name: str) -> str:
    """Lucent names hooked layers by their module path joined with underscores."""
    return module_name.replace(".", "_")


def _transforms(spec: InputSpec, s: RenderSettings) -> list:
    from lucent.optvis import transform

    steps = []
    if s.jitter:
        steps.append(transform.pad(s.jitter, mode=s.pad, constant_value=0.5))
    if s.jitter > 1:  # Lucent's jitter needs d > 1
        steps.append(transform.jitter(s.jitter))
    if s.scales:
        steps.append(transform.random_scale(list(s.scales)))
    if s.rotations:
        steps.append(transform.random_rotate(list(s.rotations)))
    return [*steps, spec.normalise]


def channel_loss(acts: torch.Tensor, channels: torch.Tensor, diversity: int,
                 diversity_weight: float) -> torch.Tensor:
    """The batch's loss. The batch holds one group of ``1 + diversity`` images per channel
    (``channels[i]`` for group i): the first image gets Lucent's ``channel`` objective, the
    others Lucent's ``channel`` objective over the diversity batch minus ``diversity_weight``
    times Lucent's ``diversity`` objective among them; summed over groups."""
    b, c, h, w = acts.shape
    group = 1 + diversity
    own = acts.view(-1, group, c, h * w)[torch.arange(len(channels)), :, channels]
    loss = -own[:, 0].mean(dim=1).sum()
    if diversity:
        loss = loss - own[:, 1:].mean(dim=(1, 2)).sum()
    if diversity > 1 and diversity_weight:
        flat = acts.view(-1, group, c, h * w)[:, 1:].reshape(-1, c, h * w)
        grams = F.normalize(flat @ flat.transpose(1, 2), p=2, dim=(1, 2))
        grams = grams.view(-1, diversity, c * c)
        sims = grams @ grams.transpose(1, 2)  # (groups, diversity, diversity)
        off_diagonal = sims.sum(dim=(1, 2)) - sims.diagonal(dim1=1, dim2=2).sum(dim=1)
        loss = loss + diversity_weight * (off_diagonal / diversity).sum()
    return loss


def render_channels(model: nn.Module, layer: str, channels: list[int], spec: InputSpec,
                    s: RenderSettings) -> np.ndarray:
    """Images (len(channels), 1 + diversity, size, size, colour channels) in [0, 1]: per
    channel its render followed by its diversity images, in one Lucent optimisation."""
    from lucent.optvis import objectives, param
    from lucent.optvis import render as lucent_render

    torch.manual_seed(s.seed)
    np.random.seed(s.seed)  # Lucent's random transforms draw from NumPy
    name = lucent_layer_name(layer)
    index = torch.tensor(channels, device=next(model.parameters()).device)
    objective = objectives.Objective(
        lambda hook: channel_loss(hook(name), index, s.diversity, s.diversity_weight),
        name=f"channels:{layer}")
    size = s.size or spec.size
    batch = len(channels) * (1 + s.diversity)
    images = lucent_render.render_vis(
        model, objective,
        param_f=lambda: param.image(size, batch=batch, fft=s.fft, decorrelate=s.decorrelate,
                                    channels=None if spec.channels == 3 else spec.channels),
        optimizer=lambda params: torch.optim.Adam(params, lr=s.lr),
        transforms=_transforms(spec, s), thresholds=(s.steps,), preprocess=False,
        fixed_image_size=spec.size, progress=False, show_image=False)
    out = np.clip(images[-1], 0.0, 1.0)
    return out.reshape(len(channels), 1 + s.diversity, *out.shape[1:])


def render_layer(model: nn.Module, layer: str, channels: list[int], spec: InputSpec,
                 s: RenderSettings) -> np.ndarray:
    """Every listed channel's render and diversity images, ``batch_channels`` at a time."""
    chunks = [render_channels(model, layer, channels[i:i + s.batch_channels], spec, s)
              for i in range(0, len(channels), s.batch_channels)]
    size = s.size or spec.size
    empty = np.zeros((0, 1 + s.diversity, size, size, spec.channels), np.float32)
    return np.concatenate(chunks) if chunks else empty


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
