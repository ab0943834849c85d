"""Which layers of a model can be primary layers, and the default choice (``layers: auto``).

The rule: the output of every *block*, the repeated unit a CNN family is built from (residual
blocks, inception modules, dense blocks, fire modules, inverted residuals, ConvNeXt blocks),
outermost blocks only; in a family without blocks (AlexNet, VGG), the output of every
activation that follows a convolution. ``summit layers`` lists the candidates with their
channels and output sizes, so nobody has to read a model's source to configure a study.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass

import torch
from torch import nn

from summit.model.ops import ELEMENTWISE_MODULES, POOLS
from summit.model.trace import Hooks

# torchvision's block classes, per family (class names, so user models built from the same
# torchvision classes get the same rule).
BLOCKS: dict[str, tuple[str, ...]] = {
    "resnet, resnext, wide_resnet": ("BasicBlock", "Bottleneck"),
    "googlenet": ("Inception",),
    "inception_v3": ("InceptionA", "InceptionB", "InceptionC", "InceptionD", "InceptionE"),
    "densenet": ("_DenseBlock",),
    "squeezenet": ("Fire",),
    "mobilenet_v2, mobilenet_v3, shufflenet_v2": ("InvertedResidual",),
    "mnasnet": ("_InvertedResidual",),
    "efficientnet, efficientnet_v2": ("MBConv", "FusedMBConv"),
    "regnet": ("ResBottleneckBlock",),
    "convnext": ("CNBlock",),
    "the demo net": ("Inception",),
}
BLOCK_CLASSES = {name for names in BLOCKS.values() for name in names}


@dataclass(frozen=True)
class Candidate:
    """A module whose output is an (N, C, H, W) map: a possible primary layer."""

    name: str
    kind: str  # the module's class
    channels: int
    height: int
    width: int
    block: bool  # a block's output: chosen by ``auto`` when the model has blocks
    after_conv: bool  # an activation right after a convolution (and its norm), on a map


def candidates(model: nn.Module, example: torch.Tensor) -> list[Candidate]:
    """Every module with a 4-D output, in the order the forward pass runs them."""
    modules = dict(model.named_modules())
    outer = {n for n, m in modules.items() if type(m).__name__ in BLOCK_CLASSES
             and not any(n.startswith(p + ".") for p, q in modules.items()
                         if p and type(q).__name__ in BLOCK_CLASSES)}
    seen: dict[str, tuple[int, ...]] = {}
    order: list[str] = []
    leaves: list[str] = []  # leaf modules in call order, to see what precedes an activation
    follows: dict[str, bool] = {}

    def hook(name: str):
        def record(module: nn.Module, inputs, output) -> None:
            if not list(module.children()):
                if isinstance(module, ELEMENTWISE_MODULES) and not isinstance(module, POOLS):
                    before = [modules[n] for n in leaves[-2:]]
                    follows[name] = bool(before) and (
                        isinstance(before[-1], nn.Conv2d) or (
                            isinstance(before[-1], nn.BatchNorm2d) and len(before) == 2
                            and isinstance(before[0], nn.Conv2d)))
                leaves.append(name)
            if isinstance(output, torch.Tensor) and output.ndim == 4 and name not in seen:
                seen[name] = tuple(output.shape[1:])
                order.append(name)
        return record

    with Hooks(model, {n: hook(n) for n in modules if n}), torch.no_grad():
        model.eval()(example)
    # Hooks fire as a module's forward ends (a block's after its children's): the order in
    # which outputs are made, the order primary layers are listed in.
    # A squeeze-excitation gate's activations follow convolutions too, on 1×1 maps: no layer.
    return [Candidate(n, type(modules[n]).__name__, *seen[n], n in outer,
                      follows.get(n, False) and seen[n][1] * seen[n][2] > 1)
            for n in order]


def auto_layers(found: list[Candidate]) -> list[str]:
    """The default primary layers: blocks' outputs, else activations after convolutions."""
    blocks = [c.name for c in found if c.block]
    return blocks or [c.name for c in found if c.after_conv]


def table(found: list[Candidate]) -> str:
    """The candidates as a Markdown table, the automatic choice marked."""
    chosen = set(auto_layers(found))
    rows = ["| layer | module | channels | output | auto |", "|---|---|---|---|---|"]
    rows += [f"| `{c.name}` | {c.kind} | {c.channels} | {c.height}×{c.width} | "
             f"{'✓' if c.name in chosen else ''} |" for c in found]
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    """``summit layers``: list a model's candidate primary layers."""
    from summit.errors import SummitError
    from summit.model.models import build_model

    ap = argparse.ArgumentParser(prog="summit layers", description=main.__doc__)
    ap.add_argument("--model", required=True,
                    help="torchvision:<architecture> (e.g. torchvision:mobilenet_v3_small), "
                         "demo, or package.module:factory")
    ap.add_argument("--size", type=int, default=224, help="input size in pixels")
    ap.add_argument("--channels", type=int, default=3, help="input channels")
    ap.add_argument("--classes", type=int, default=1000, help="model outputs")
    ap.add_argument("--all", action="store_true",
                    help="every module with a map output, not only blocks and activations")
    args = ap.parse_args(argv)
    kind, _, target = args.model.partition(":")
    cfg = ({"kind": "demo"} if args.model == "demo" else
           {"kind": "torchvision", "architecture": target} if kind == "torchvision" else
           {"kind": "factory", "factory": args.model})
    try:
        model = build_model(cfg, args.classes, args.channels)
        found = candidates(model, torch.zeros(1, args.channels, args.size, args.size))
    except SummitError as e:
        print(f"summit layers: error: {e}", file=sys.stderr)
        return 2
    if not args.all:
        found = [c for c in found if c.block or c.after_conv]
    print(table(found))
    print(f"\nlayers: auto → {auto_layers(found)}")
    return 0
