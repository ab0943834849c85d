"""The per-class pass by brute force, for any traced structure: every hop's real input is
captured with its own hooks, every candidate's influence map is built by an explicit
per-(input, output)-channel convolution, and candidates are ranked image by image and output
channel by output channel in Python loops.

Tallies come out dense, hop input × hop output; ``dense`` expands the pass's compact
(candidates × outputs) tallies the obvious way, for comparison.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from summit.method.influence import fold
from summit.model.structure import IDENTITY, Hop, Structure


def _inputs(hop: Hop, j: int) -> list[int]:
    """Hop inputs that output j reads: its group's."""
    per_in, per_out = hop.in_channels // hop.groups, hop.out_channels // hop.groups
    return list(range((j // per_out) * per_in, (j // per_out + 1) * per_in))


def dense(hop: Hop, compact: np.ndarray) -> np.ndarray:
    """(…, candidates, out) → (…, in, out): candidate a of output j is the a-th input of j's
    group."""
    out = np.zeros((*compact.shape[:-2], hop.in_channels, hop.out_channels), compact.dtype)
    for j in range(hop.out_channels):
        for a, i in enumerate(_inputs(hop, j)):
            out[..., i, j] = compact[..., a, j]
    return out


def influences(model: nn.Module, structure: Structure, images: torch.Tensor
               ) -> tuple[dict[str, torch.Tensor], dict[str, torch.Tensor]]:
    """Every hop's influences, dense (B, in, out) with -inf where an output does not read an
    input, and every primary layer's channel maxima."""
    modules = dict(model.named_modules())
    captured, maxima = {}, {}
    handles = [modules[c].register_forward_hook(
        lambda m, i, o, name=c: captured.__setitem__(name, i[0].clone()))
        for c in {h.conv for h in structure.hops() if h.conv != IDENTITY}]
    handles += [modules[x.name].register_forward_hook(
        lambda m, i, o, name=x.name: maxima.__setitem__(name, o.amax(dim=(2, 3))))
        for x in structure.layers]
    with torch.no_grad():
        model(images)
    for h in handles:
        h.remove()
    result = {}
    batch = images.shape[0]
    for h in structure.hops():
        out = torch.full((batch, h.in_channels, h.out_channels), float("-inf"),
                         dtype=torch.float64)
        if h.conv == IDENTITY:
            for j, p in enumerate(h.sources()):
                out[:, j, j] = maxima[h.source][:, p].double()
            result[h.name] = out
            continue
        module = modules[h.conv]
        x = captured[h.conv]
        if isinstance(module, nn.Linear):
            x = x.permute(0, 3, 1, 2)
        fc = fold(module, modules[h.bn] if h.bn else None,
                  model.get_parameter(h.scale) if h.scale else None)
        xp = F.pad(x, fc.padding)
        per_in = h.in_channels // h.groups
        for i in range(h.in_channels):  # input i's map on each output of its group
            outputs = [j for j in range(h.out_channels) if i in _inputs(h, j)]
            kernels = fc.weight[outputs, i % per_in][:, None]
            maps = F.conv2d(xp[:, i:i + 1], kernels, stride=fc.stride, dilation=fc.dilation)
            out[:, i, outputs] = maps.amax(dim=(2, 3)).double()
        result[h.name] = out
    return result, maxima


def tallies(model: nn.Module, structure: Structure, images: torch.Tensor, k: int
            ) -> tuple[dict[str, np.ndarray], dict[str, torch.Tensor]]:
    """Dense tallies (in × out per hop) of the top ``k`` candidates per image and target
    channel, ties to the earlier hop and input; and the primary layers' maxima."""
    influence, maxima = influences(model, structure, images)
    counts = {h.name: np.zeros((h.in_channels, h.out_channels), np.int64)
              for h in structure.hops()}
    writers: dict[tuple[str, int], list[tuple[Hop, int]]] = {}
    for h in structure.hops():
        for j, t in enumerate(h.targets()):
            writers.setdefault((h.target, int(t)), []).append((h, j))
    for b in range(images.shape[0]):
        for hops in writers.values():
            candidates = [(float(influence[h.name][b, i, j]), h.name, i, j)
                          for h, j in hops for i in range(h.in_channels)
                          if influence[h.name][b, i, j] > float("-inf")]
            for _, name, i, j in sorted(candidates, key=lambda c: -c[0])[:k]:
                counts[name][i, j] += 1
    return counts, maxima
