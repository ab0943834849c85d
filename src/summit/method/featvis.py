"""Feature visualizations with Lucent: what each channel looks for, plus diversity variants.

Lucent's defaults assume an ImageNet model (224-px upsampling, ImageNet normalisation, RGB);
here every render honours the model's own input: its size, its number of colour channels and
its normalisation, applied as the last transform before the model.

Channels are rendered together: one Lucent optimisation over a batch holding, per channel,
one image for the channel objective and ``diversity`` images for the channel objective minus
Lucent's diversity term within that group. Adam updates every image independently and the
loss couples only a channel's own diversity images, so a batch of channels gives each channel
the render it would get alone (up to the shared random transforms), at a fraction of the cost.

Renders must not fail silently. A channel that is exactly 0 after its ReLU on the near-grey
starting image has no gradient there, so optimising it never moves the image. Where the
layer's output is a ReLU of module outputs (possibly concatenated, as in an inception
block), an image on which the channel is off everywhere has the input to that ReLU (the
channel's pre-activation, as Lucid's ``mixed4a_pre_relu`` for InceptionV1) as its channel
term until the channel switches on; then, and for the diversity term, the layer's output.
Every render is then checked: a channel that never activates on its render, or a render that did
not visibly change from its starting noise, is retried once from stronger noise and, when
that fails too, recorded as failed (``FeatvisIndex.FAILURES`` says why) so the site and the
figures mark it instead of showing a grey disc as if it were a feature.

Rendering a few channels of a configured model without a study is
``summit.render_channels``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.fx as fx
import torch.nn.functional as F
from torch import nn

from summit.io.artifacts import FeatvisIndex
from summit.io.atlas import pack_featvis
from summit.io.data import InputSpec
from summit.model.hops import output_nodes
from summit.model.structure import StructureError
from summit.model.trace import captured, traced
from summit.settings import FeatvisSettings

# The nonlinearities whose gradient is exactly 0 where they output 0.
RELU_MODULES = (nn.ReLU, nn.ReLU6)
RELU_FUNCTIONS = {F.relu, F.relu_, F.relu6, torch.relu, torch.relu_}
RELU_METHODS = {"relu", "relu_"}
# A render whose pixels all moved less than one 8-bit grey level did not change.
VISIBLE_CHANGE = 1.0 / 255
# Lucent's image parametrisation starts from noise of this spread (its default, 0.01, is
# near-grey); a failed render is retried from this stronger noise, with the next seed.
RESTART_SD = 0.5


def lucent_layer_name(module_name: str) -> str:
    """Lucent names hooked layers by their module path joined with underscores."""
    return module_name.replace(".", "_")


def _transforms(spec: InputSpec, s: FeatvisSettings) -> list:
    from lucent.optvis import transform

    steps = []
    if s.jitter:
        steps.append(transform.pad(s.jitter, mode=s.pad, constant_value=0.5))
    if s.jitter > 1:  # Lucent's jitter needs d > 1
        steps.append(transform.jitter(s.jitter))
    if s.scales:
        steps.append(transform.random_scale(s.scales))
    if s.rotations:
        steps.append(transform.random_rotate(s.rotations))
    return [*steps, spec.normalise]


def pre_activation(model: nn.Module, layer: str) -> list[str] | None:
    """The modules whose outputs, concatenated along channels in this order, are the input
    to ``layer``'s final ReLU; None when the layer's output is not such a ReLU (or the model
    cannot be traced), and its channels are then optimised after their nonlinearity."""
    try:
        gm = traced(model)
    except StructureError:  # the fallback: optimise after the nonlinearity
        return None
    modules = dict(gm.named_modules())
    calls = [n.target for n in gm.graph.nodes if n.op == "call_module"]

    def is_relu(node: fx.Node) -> bool:
        if node.op == "call_module":
            return isinstance(modules.get(node.target), RELU_MODULES)
        return ((node.op == "call_function" and node.target in RELU_FUNCTIONS)
                or (node.op == "call_method" and node.target in RELU_METHODS))

    def inputs(node: fx.Node) -> list[str] | None:
        if is_relu(node):
            source = node.args[0] if node.args else node.kwargs.get("input")
            # A module called twice would have its captured output overwritten.
            ok = (isinstance(source, fx.Node) and source.op == "call_module"
                  and calls.count(source.target) == 1)
            return [str(source.target)] if ok else None
        if node.op == "call_function" and node.target is torch.cat:
            dim = node.kwargs.get("dim", node.args[1] if len(node.args) > 1 else 0)
            parts = [inputs(x) for x in node.args[0]] if dim in (1, -3) else [None]
            return None if None in parts else [m for part in parts for m in part]
        return None

    node = output_nodes(gm, [layer]).get(layer)
    return inputs(node) if node is not None else None


def channel_loss(acts: torch.Tensor, channels: torch.Tensor, diversity: int,
                 diversity_weight: float, pre: torch.Tensor | None = None) -> torch.Tensor:
    """The batch's loss. The batch holds one group of ``1 + diversity`` images per channel
    (``channels[i]`` for group i): the first image gets Lucent's ``channel`` objective, the
    others Lucent's ``channel`` objective over the diversity batch minus ``diversity_weight``
    times Lucent's ``diversity`` objective among them; summed over groups. With ``pre`` (the
    layer's pre-activation, shaped like ``acts``), an image on which its channel is 0
    everywhere, so without gradient, has the channel's mean pre-activation as its channel
    term instead, until the channel switches on."""
    b, c, h, w = acts.shape
    group = 1 + diversity
    pick = (torch.arange(len(channels)), slice(None), channels)
    own = acts.view(-1, group, c, h * w)[pick]
    means = own.mean(dim=2)  # (groups, images): each image's channel term
    if pre is not None:
        means = torch.where(own.amax(dim=2) > 0, means,
                            pre.view(-1, group, c, h * w)[pick].mean(dim=2))
    loss = -means[:, 0].sum()
    if diversity:
        loss = loss - means[:, 1:].mean(dim=1).sum()
    if diversity > 1 and diversity_weight:
        flat = acts.view(-1, group, c, h * w)[:, 1:].reshape(-1, c, h * w)
        grams = F.normalize(flat @ flat.transpose(1, 2), p=2, dim=(1, 2))
        grams = grams.view(-1, diversity, c * c)
        sims = grams @ grams.transpose(1, 2)  # (groups, diversity, diversity)
        off_diagonal = sims.sum(dim=(1, 2)) - sims.diagonal(dim1=1, dim2=2).sum(dim=1)
        loss = loss + diversity_weight * (off_diagonal / diversity).sum()
    return loss


def render_channels(model: nn.Module, layer: str, channels: list[int], spec: InputSpec,
                    s: FeatvisSettings, pre: list[str] | None, seed: int,
                    sd: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Images (len(channels), 1 + diversity, size, size, colour channels) in [0, 1]: per
    channel its render followed by its diversity images, in one Lucent optimisation from
    noise of spread ``sd`` (Lucent's default when None); and the images it started from.
    ``pre`` names the modules of the layer's pre-activation (``pre_activation``) or is None."""
    from lucent.optvis import objectives, param
    from lucent.optvis import render as lucent_render

    torch.manual_seed(seed)
    np.random.seed(seed)  # Lucent's random transforms draw from NumPy
    name = lucent_layer_name(layer)
    index = torch.tensor(channels, device=next(model.parameters()).device)
    size = s.size or spec.size
    batch = len(channels) * (1 + s.diversity)
    start = []

    def parametrisation() -> tuple[list[torch.Tensor], Any]:
        params, image_f = param.image(size, batch=batch, sd=sd, fft=s.fft,
                                      decorrelate=s.decorrelate,
                                      channels=None if spec.channels == 3 else spec.channels)
        start.append(image_f().detach().permute(0, 2, 3, 1).cpu().numpy())
        return params, image_f

    with captured(model, pre or [], protect=True) as kept:
        def loss(hook: Any) -> torch.Tensor:
            inner = torch.cat([kept[m] for m in pre], 1) if pre else None
            return channel_loss(hook(name), index, s.diversity, s.diversity_weight, inner)

        images = lucent_render.render_vis(
            model, objectives.Objective(loss, name=f"channels:{layer}"),
            param_f=parametrisation,
            optimizer=lambda params: torch.optim.Adam(params, lr=s.lr),
            transforms=_transforms(spec, s), thresholds=(s.steps,), preprocess=False,
            fixed_image_size=spec.size, progress=False, show_image=False)
    shape = (len(channels), 1 + s.diversity, size, size, -1)
    return np.clip(images[-1], 0.0, 1.0).reshape(shape), start[0].reshape(shape)


def layer_output(model: nn.Module, layer: str, spec: InputSpec, images: np.ndarray
                 ) -> torch.Tensor:
    """``layer``'s output for images in [0, 1] (B, H, W, C), fed to the model as Lucent
    feeds a render: resized to the model's input, then normalised."""
    x = torch.from_numpy(np.ascontiguousarray(images)).permute(0, 3, 1, 2).float()
    if x.shape[-1] != spec.size:
        x = F.interpolate(x, size=spec.size, mode="bilinear", align_corners=True)
    with captured(model, [layer]) as out, torch.no_grad():
        model(spec.normalise(x).to(next(model.parameters()).device))
    return out[layer]


def channel_peaks(model: nn.Module, layer: str, channels: list[int], spec: InputSpec,
                  images: np.ndarray) -> np.ndarray:
    """Per image i, the highest activation of ``channels[i]`` on it: at most 0 means the
    channel never activates on that image."""
    y = layer_output(model, layer, spec, images)
    return y[torch.arange(len(channels)), torch.tensor(channels)].flatten(1).amax(1).cpu().numpy()


@dataclass(frozen=True)
class Renders:
    """A layer's renders (channels, 1 + diversity, size, size, colours); per channel the
    highest activation on its render and why the render failed (None when it did not)."""

    images: np.ndarray
    peaks: list[float]
    failed: list[str | None]
    objective: str  # "activation", or "pre-activation where off" (``channel_loss``)


def _attempt(model: nn.Module, layer: str, channels: list[int], spec: InputSpec,
             s: FeatvisSettings, pre: list[str] | None, seed: int, sd: float | None
             ) -> tuple[np.ndarray, np.ndarray, list[str | None]]:
    """Render ``channels``, ``batch_channels`` at a time; their peaks and failures."""
    done, began, high = [], [], []
    for i in range(0, len(channels), s.batch_channels):
        part = channels[i:i + s.batch_channels]
        images, start = render_channels(model, layer, part, spec, s, pre, seed, sd)
        done.append(images)
        began.append(start)
        high.append(channel_peaks(model, layer, part, spec, images[:, 0]))  # a batch's memory
    images, start, peaks = (np.concatenate(x) for x in (done, began, high))
    change = np.abs(images[:, 0] - start[:, 0]).reshape(len(channels), -1).max(axis=1)
    failed = ["inactive" if p <= 0 else "unchanged" if d < VISIBLE_CHANGE else None
              for p, d in zip(peaks, change, strict=True)]
    return images, peaks, failed


def render_layer(model: nn.Module, layer: str, channels: list[int], spec: InputSpec,
                 s: FeatvisSettings) -> Renders:
    """Every listed channel's render and diversity images, ``batch_channels`` at a time; the
    failed ones once more from stronger noise (``RESTART_SD``, the next seed)."""
    pre = pre_activation(model, layer)
    objective = "activation" if pre is None else "pre-activation where off"
    if not channels:
        size = s.size or spec.size
        empty = np.zeros((0, 1 + s.diversity, size, size, spec.channels), np.float32)
        return Renders(empty, [], [], objective)
    images, peaks, failed = _attempt(model, layer, channels, spec, s, pre, s.seed, None)
    retry = [i for i, f in enumerate(failed) if f]
    if retry:
        again, more, still = _attempt(model, layer, [channels[i] for i in retry], spec, s,
                                      pre, s.seed + 1, RESTART_SD)
        for k, i in enumerate(retry):
            if still[k] is None:
                images[i], peaks[i], failed[i] = again[k], more[k], None
    return Renders(images, [float(p) for p in peaks], failed, objective)


def channel_objective(model: nn.Module, layer: str, channel: int, spec: InputSpec,
                      images: np.ndarray) -> float:
    """Mean activation of ``channel`` for images in [0, 1] (B, H, W, C): the render's score."""
    return float(layer_output(model, layer, spec, images)[:, channel].mean())


def render_atlas(model: nn.Module, layer: str, channels: list[int], spec: InputSpec,
                 settings: FeatvisSettings, atlas: Path) -> tuple[FeatvisIndex, Renders]:
    """Render ``channels`` of ``layer``, pack them into the image ``atlas``; its index (to be
    saved beside it) with the render time, and the renders."""
    start = time.perf_counter()
    renders = render_layer(model, layer, channels, spec, settings)
    seconds = time.perf_counter() - start
    images = renders.images
    atlas.parent.mkdir(parents=True, exist_ok=True)
    pack_featvis(images, rgb=spec.channels != 1).save(atlas, optimize=True)
    n = images.shape[0] * images.shape[1]
    index = FeatvisIndex(layer=layer, size=images.shape[2], per_channel=images.shape[1],
                         atlas=atlas.name, channels=channels, objective=renders.objective,
                         peaks=[float(f"{x:.4g}") for x in renders.peaks],  # a positive stays one
                         failed=renders.failed, seconds=round(seconds, 2),
                         seconds_per_image=round(seconds / max(1, n), 4))
    return index, renders


def channels_in_graphs(graphs: list[dict[str, Any]], layer: str) -> list[int]:
    """Channels of ``layer`` that appear in at least one class's attribution graph."""
    return sorted({n["channel"] for g in graphs for n in g["nodes"] if n["layer"] == layer})
