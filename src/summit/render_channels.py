"""``python -m summit.render_channels --config FILE --layer NAME… --channels C… --out
DIR``: chosen channels of a configured model rendered with the config's ``featvis`` settings,
without a study (no image is read), where no dataset is at hand, e.g. the pretrained ImageNet
network of ``config/examples/efficientnet_lite0.yaml``: per layer the atlas and index the
workflow's featvis stage writes, a labelled contact sheet and a record of the run."""

from __future__ import annotations

import argparse
import difflib
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from summit.errors import SummitError
from summit.io.data import InputSpec
from summit.method.featvis import Renders, layer_output, render_atlas
from summit.settings import FeatvisSettings


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


def _configured_model(cfg: dict[str, Any], config_path: str | Path, spec: InputSpec
                      ) -> tuple[nn.Module, torch.device]:
    """The config's model with its weights, frozen, on the configured device."""
    from summit.io import data
    from summit.model import models
    from summit.model.study import torch_device

    model_cfg = cfg["model"]
    weights = model_cfg["weights"]
    if not weights:
        raise SummitError(f"{config_path}: model.weights: null; give trained weights (a "
                          "study that trains the model writes <results>/model/weights.pt)")
    factory = model_cfg.get("factory", "")
    if not Path(weights).is_file() and factory.startswith("summit.model.pretrained:"):
        name = factory.partition(":")[2]
        raise SummitError(f"model.weights: {weights} does not exist; write it with "
                          f"python -m summit.model.pretrained {name} --out {weights}")
    device = torch_device(cfg)
    n_outputs = len(data.class_names(cfg["dataset"])) if model_cfg["kind"] == "demo" else 0
    model = models.load_model(model_cfg, weights, n_outputs, spec.channels, device)
    for p in model.parameters():
        p.requires_grad_(False)
    return model, device


def _record(cfg: dict[str, Any], config_path: str | Path, settings: FeatvisSettings,
            device: torch.device, layers: list[dict[str, Any]]) -> dict[str, Any]:
    """What was rendered, how, and how long it took (``featvis.json``)."""
    from summit.io.checksum import sha256

    model_cfg = cfg["model"]
    return {
        "config": str(config_path), "title": cfg["title"],
        "model": {"name": model_cfg["name"], "kind": model_cfg["kind"],
                  "factory": model_cfg.get("factory") or None,
                  "architecture": model_cfg.get("architecture"),
                  "weights": str(model_cfg["weights"]),
                  "weights_sha256": sha256(model_cfg["weights"])},
        "input": cfg["input"], "settings": asdict(settings), "device": str(device),
        "threads": torch.get_num_threads(), "torch": torch.__version__,
        "layers": layers, "seconds": round(sum(r["seconds"] for r in layers), 1),
        "contact_sheet": "contact_sheet.png",
    }


def render_from_config(config_path: str | Path, layers: list[str], channels: list[int],
                       out: str | Path, steps: int | None = None,
                       diversity: int | None = None) -> dict[str, Any]:
    """Render ``channels`` of each of ``layers`` of the configured model with the config's
    ``featvis`` settings (``steps``/``diversity`` override them): per layer the atlas and
    index the workflow's featvis stage writes (``<layer>.png``, ``<layer>.json``), a labelled
    ``contact_sheet.png`` and ``featvis.json`` (what was rendered, how, and how long it took),
    all in ``out``. No dataset is read (but the demo net's class count)."""
    from summit import config
    from summit.io.files import write_json

    cfg = config.load(config_path)
    overrides = {"steps": steps, "diversity": diversity}
    settings = FeatvisSettings.from_config(
        {**cfg["featvis"], **{k: v for k, v in overrides.items() if v is not None}})
    spec = InputSpec.from_config(cfg["input"])
    model, device = _configured_model(cfg, config_path, spec)
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
        index, renders = render_atlas(model, layer, channels, spec, settings,
                                      out / f"{layer}.png")
        index.save(out / f"{layer}.json")
        done[layer] = (channels, renders)
        print(f"{layer}: {len(channels)} channels x {index.per_channel} images, "
              f"{settings.steps} steps: {index.seconds:.1f} s"
              + "".join(f"; channel {c} failed ({f})"
                        for c, f in zip(channels, renders.failed, strict=True) if f),
              flush=True)
        record.append({"layer": layer, "channels": channels, "objective": index.objective,
                       "peaks": index.peaks, "failed": index.failed,
                       "seconds": round(index.seconds, 1), "atlas": f"{layer}.png",
                       "index": f"{layer}.json"})
    contact_sheet(done, f"{cfg['model']['name']}: {settings.steps} steps, {spec.size} px, "
                        f"jitter {settings.jitter} ({settings.pad}), lr {settings.lr}",
                  out / "contact_sheet.png")
    result = _record(cfg, config_path, settings, device, record)
    write_json(out / "featvis.json", result)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m summit.render_channels",
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
