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

``python -m summit.featvis --config FILE --layer NAME… --channels C… --out DIR`` renders
chosen channels of a configured model with the config's ``featvis`` settings and no study
(no image is read): where no dataset is at hand, e.g. the pretrained ImageNet network of
``config/examples/efficientnet_lite0.yaml``.
"""

from __future__ import annotations

import argparse
import difflib
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.fx as fx
import torch.nn.functional as F
from torch import nn

from summit.data import InputSpec
from summit.errors import SummitError
from summit.hops import output_nodes

# The nonlinearities whose gradient is exactly 0 where they output 0.
RELU_MODULES = (nn.ReLU, nn.ReLU6)
RELU_FUNCTIONS = {F.relu, F.relu_, F.relu6, torch.relu, torch.relu_}
RELU_METHODS = {"relu", "relu_"}
# A render whose pixels all moved less than one 8-bit grey level did not change.
VISIBLE_CHANGE = 1.0 / 255
# Lucent's image parametrisation starts from noise of this spread (its default, 0.01, is
# near-grey); a failed render is retried from this stronger noise, with the next seed.
RESTART_SD = 0.5


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


def pre_activation(model: nn.Module, layer: str) -> list[str] | None:
    """The modules whose outputs, concatenated along channels in this order, are the input
    to ``layer``'s final ReLU; None when the layer's output is not such a ReLU (or the model
    cannot be traced), and its channels are then optimised after their nonlinearity."""
    try:
        gm = fx.symbolic_trace(model)
    except Exception:  # noqa: BLE001 - fx raises many kinds; the fallback is the same
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


@contextmanager
def capture(model: nn.Module, names: list[str]) -> Iterator[dict[str, torch.Tensor]]:
    """Keep the named modules' outputs of each forward pass as they were computed: the hook
    hands a copy to the rest of the model, so an in-place ReLU after them (torchvision's
    ``F.relu(x, inplace=True)``) cannot overwrite the kept ones."""
    kept: dict[str, torch.Tensor] = {}
    modules = dict(model.named_modules())

    def keep(name: str) -> Any:
        def hook(module: nn.Module, args: Any, output: torch.Tensor) -> torch.Tensor:
            kept[name] = output
            return output.clone()
        return hook

    handles = [modules[n].register_forward_hook(keep(n)) for n in dict.fromkeys(names)]
    try:
        yield kept
    finally:
        for handle in handles:
            handle.remove()


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
                    s: RenderSettings, pre: list[str] | None, seed: int,
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

    with capture(model, pre or []) as kept:
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
    out = {}
    module = dict(model.named_modules())[layer]
    handle = module.register_forward_hook(lambda m, i, o: out.__setitem__("y", o))
    try:
        with torch.no_grad():
            model(spec.normalise(x).to(next(model.parameters()).device))
    finally:
        handle.remove()
    return out["y"]


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
             s: RenderSettings, pre: list[str] | None, seed: int, sd: float | None
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
                 s: RenderSettings) -> Renders:
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


def channels_in_graphs(graphs: list[dict[str, Any]], layer: str) -> list[int]:
    """Channels of ``layer`` that appear in at least one class's attribution graph."""
    return sorted({n["channel"] for g in graphs for n in g["nodes"] if n["layer"] == layer})


# --- python -m summit.featvis: a few channels of a configured model, without a study ------------


def contact_sheet(layers: dict[str, tuple[list[int], Renders]], title: str, path: Path) -> None:
    """One PNG: a row per layer, each channel's render (not its diversity images) labelled
    with its layer and channel (and why, when its render failed)."""
    import matplotlib

    matplotlib.use("Agg")  # a file; never open a window
    import matplotlib.pyplot as plt

    cols = max(len(channels) for channels, _ in layers.values())
    fig, axes = plt.subplots(len(layers), cols, figsize=(2.4 * cols, 2.6 * len(layers) + 0.5),
                             squeeze=False)
    for row, (layer, (channels, renders)) in zip(axes, layers.items(), strict=True):
        for k, ax in enumerate(row):
            ax.set_xticks([])
            ax.set_yticks([])
            if k >= len(channels):
                ax.axis("off")
                continue
            image = renders.images[k, 0]
            ax.imshow(image if image.shape[-1] == 3 else image[..., 0], cmap="gray", vmin=0,
                      vmax=1)
            why = renders.failed[k]
            ax.set_title(f"{layer} ch {channels[k]}" + (f"\nrender failed: {why}" if why else ""),
                         fontsize=9)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def _layer_channels(model: nn.Module, layer: str, spec: InputSpec) -> int:
    """The number of channels of ``layer``'s output (a feature map), from one grey image."""
    names = [n for n, _ in model.named_modules() if n]
    if layer not in names:
        near = difflib.get_close_matches(layer, names, n=3)
        raise SummitError(f"--layer {layer}: no such module in the model"
                          + (f"; did you mean {', '.join(near)}?" if near else
                             f"; its modules include {', '.join(names[:5])}"))
    grey = np.full((1, spec.size, spec.size, spec.channels), 0.5, np.float32)
    out = layer_output(model, layer, spec, grey)
    if not isinstance(out, torch.Tensor) or out.ndim != 4:
        raise SummitError(f"--layer {layer}: its output is not a feature map (N, C, H, W); "
                          "choose a convolutional layer or block")
    return int(out.shape[1])


def render_from_config(config_path: str | Path, layers: list[str], channels: list[int],
                       out: str | Path, steps: int | None = None,
                       diversity: int | None = None) -> dict[str, Any]:
    """Render ``channels`` of each of ``layers`` of the configured model with the config's
    ``featvis`` settings (``steps``/``diversity`` override them): per layer the atlas and
    index the workflow's featvis stage writes (``<layer>.png``, ``<layer>.json``), a labelled
    ``contact_sheet.png`` and ``featvis.json`` (what was rendered, how, and how long it took),
    all in ``out``. No dataset is read (but the demo net's class count)."""
    from summit import config, data, models
    from summit.artifacts import FeatvisIndex, write_json
    from summit.atlas import pack_featvis
    from summit.steps.model import torch_device

    cfg = config.load(config_path)
    overrides = {"steps": steps, "diversity": diversity}
    fv = {**cfg["featvis"], **{k: v for k, v in overrides.items() if v is not None}}
    settings = RenderSettings.from_config(fv)
    spec = InputSpec.from_config(cfg["input"])
    model_cfg = cfg["model"]
    weights = model_cfg["weights"]
    if not weights:
        raise SummitError(f"{config_path}: model.weights: null; give trained weights (a "
                          "study that trains the model writes <results>/model/weights.pt)")
    factory = model_cfg.get("factory", "")
    if not Path(weights).is_file() and factory.startswith("summit.pretrained:"):
        name = factory.partition(":")[2]
        raise SummitError(f"model.weights: {weights} does not exist; write it with "
                          f"python -m summit.pretrained {name} --out {weights}")
    device = torch_device(cfg)
    n_outputs = len(data.class_names(cfg["dataset"])) if model_cfg["kind"] == "demo" else 0
    model = models.load_model(model_cfg, weights, n_outputs, spec.channels, device)
    for p in model.parameters():
        p.requires_grad_(False)
    channels = list(dict.fromkeys(channels))
    for layer in layers:
        n = _layer_channels(model, layer, spec)
        bad = [c for c in channels if not 0 <= c < n]
        if bad:
            raise SummitError(f"--channels {bad}: {layer} has channels 0..{n - 1}")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    done: dict[str, tuple[list[int], Renders]] = {}
    record = []
    for layer in layers:
        start = time.perf_counter()
        renders = render_layer(model, layer, channels, spec, settings)
        seconds = time.perf_counter() - start
        done[layer] = (channels, renders)
        images = renders.images
        pack_featvis(images, rgb=spec.channels != 1).save(out / f"{layer}.png", optimize=True)
        n_images = images.shape[0] * images.shape[1]
        FeatvisIndex(layer=layer, size=images.shape[2], per_channel=images.shape[1],
                     atlas=f"{layer}.png", channels=channels, objective=renders.objective,
                     peaks=[float(f"{x:.4g}") for x in renders.peaks], failed=renders.failed,
                     seconds=round(seconds, 2),
                     seconds_per_image=round(seconds / max(1, n_images), 4)
                     ).save(out / f"{layer}.json")
        print(f"{layer}: {len(channels)} channels x {images.shape[1]} images, "
              f"{settings.steps} steps: {seconds:.1f} s"
              + "".join(f"; channel {c} failed ({f})"
                        for c, f in zip(channels, renders.failed, strict=True) if f),
              flush=True)
        record.append({"layer": layer, "channels": channels, "objective": renders.objective,
                       "peaks": [float(f"{x:.4g}") for x in renders.peaks],
                       "failed": renders.failed, "seconds": round(seconds, 1),
                       "atlas": f"{layer}.png", "index": f"{layer}.json"})
    title = (f"{model_cfg['name']}: {settings.steps} steps, {spec.size} px, jitter "
             f"{settings.jitter} ({settings.pad}), lr {settings.lr}")
    contact_sheet(done, title, out / "contact_sheet.png")
    result = {
        "config": str(config_path), "title": cfg["title"],
        "model": {"name": model_cfg["name"], "kind": model_cfg["kind"],
                  "factory": factory or None, "architecture": model_cfg.get("architecture"),
                  "weights": str(weights), "weights_sha256": models.sha256(weights)},
        "input": cfg["input"], "settings": asdict(settings), "device": str(device),
        "threads": torch.get_num_threads(), "torch": torch.__version__,
        "layers": record, "seconds": round(sum(r["seconds"] for r in record), 1),
        "contact_sheet": "contact_sheet.png",
    }
    write_json(out / "featvis.json", result)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m summit.featvis",
        description="Feature visualizations of a few channels of a configured model, without "
                    "running the study (no dataset is read): the config's featvis settings, "
                    "its model and weights. Writes <layer>.png/.json (as the workflow's "
                    "featvis stage), contact_sheet.png and featvis.json into --out.")
    parser.add_argument("--config", type=Path, required=True, help="a study config (YAML)")
    parser.add_argument("--layer", nargs="+", required=True, metavar="NAME",
                        help="module name(s) of the layer(s) to render, e.g. _blocks.10")
    parser.add_argument("--channels", nargs="+", type=int, required=True, metavar="C",
                        help="channels to render, the same in every layer")
    parser.add_argument("--out", type=Path, required=True, help="output folder")
    parser.add_argument("--steps", type=int, help="override featvis.steps")
    parser.add_argument("--diversity", type=int, help="override featvis.diversity")
    args = parser.parse_args(argv)
    for name, value in (("--steps", args.steps), ("--diversity", args.diversity)):
        if value is not None and value < (1 if name == "--steps" else 0):
            parser.error(f"{name} {value} is out of range")
    try:
        result = render_from_config(args.config, args.layer, args.channels, args.out,
                                    args.steps, args.diversity)
    except (SummitError, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    print(f"{result['seconds']} s in all; wrote {args.out / 'contact_sheet.png'} and "
          f"{args.out / 'featvis.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
