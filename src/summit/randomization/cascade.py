"""Cascading randomization (Adebayo et al. 2018): which weights each randomized model
re-initializes, found from the order the model's forward calls its modules, and the
re-initialization itself."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import nn


@dataclass(frozen=True)
class Step:
    """One randomized model: ``name`` ("head", or the lowest studied layer re-initialized),
    ``depth`` (1: the head only; last: every weight) and the modules it re-initializes."""

    name: str
    depth: int
    modules: tuple[str, ...]


def _own_parameters(module: nn.Module) -> bool:
    return any(True for _ in module.parameters(recurse=False)) or any(
        True for _ in module.buffers(recurse=False))


def call_order(model: nn.Module, layers: Sequence[str], example: torch.Tensor
               ) -> tuple[list[str], dict[str, int]]:
    """The modules holding weights in the order the forward first calls them, and for each
    studied layer how many of them had been called when its output was ready."""
    order: list[str] = []
    ready: dict[str, int] = {}
    holders = {name for name, m in model.named_modules() if _own_parameters(m)}
    handles = []

    def called(name: str):
        def hook(module, args):
            if name in holders and name not in order:
                order.append(name)
        return hook

    def done(name: str):
        def hook(module, args, out):
            ready.setdefault(name, len(order))
        return hook

    for name, m in model.named_modules():
        handles.append(m.register_forward_pre_hook(called(name)))
        if name in layers:
            handles.append(m.register_forward_hook(done(name)))
    try:
        with torch.no_grad():
            model.eval()(example)
    finally:
        for h in handles:
            h.remove()
    missing = [x for x in layers if x not in ready]
    if missing:
        raise ValueError(f"layers {missing} are not called in the model's forward")
    return order, ready


def cascade(model: nn.Module, layers: Sequence[str], example: torch.Tensor) -> list[Step]:
    """The cascade from the output down: the head (what the forward calls after the last
    studied layer's output), then down to each studied layer (what follows the output of the
    layer below it), the last step re-initializing every module holding weights, called in the
    forward or not."""
    order, ready = call_order(model, layers, example)
    everything = tuple(name for name, m in model.named_modules() if _own_parameters(m))
    steps = [Step("head", 1, tuple(order[ready[layers[-1]]:]))]
    for depth, layer in enumerate(reversed(layers), 2):
        below = layers.index(layer) - 1
        start = ready[layers[below]] if below >= 0 else None
        steps.append(Step(layer, depth, tuple(order[start:]) if start is not None else everything))
    return steps


def randomize(model: nn.Module, modules: Sequence[str], seed: int) -> nn.Module:
    """Re-initialize ``modules`` in place, each with its own initializer (``reset_parameters``,
    which resets a batch norm's running statistics too); a module without one gets its
    weights drawn from a normal distribution with their own mean and standard deviation.
    The generator is seeded once, so the same seed gives the same weights."""
    torch.manual_seed(seed)
    named = dict(model.named_modules())
    with torch.no_grad():
        for name in modules:
            m = named[name]
            if hasattr(m, "reset_parameters"):
                m.reset_parameters()
                continue
            for p in m.parameters(recurse=False):
                std = float(p.std()) if p.numel() > 1 else 0.0
                p.copy_(torch.randn_like(p) * std + float(p.mean()))
    return model
