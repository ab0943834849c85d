"""Influence aggregation (paper §6.2): exact per-channel-pair influences and their top-k tallies.

The influence of input channel i on output channel j of a convolution, for one image, is the
spatial max of the map X_i ∗ K_{j,i} (with batch norm folded into K), at the layer's real
stride and padding. ``influence_maps`` computes those maps by an explicit per-channel
decomposition (slow, obvious, for tests); ``influence_max`` computes their maxima without
keeping all maps in memory.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from summit.activations import select
from summit.structure import Hop

_CHUNK_ELEMENTS = 32 * 1024 * 1024  # floats per intermediate block (128 MB)


@dataclass(frozen=True)
class FoldedConv:
    """A convolution with its following batch norm folded in: per-channel affine → kernel."""

    weight: torch.Tensor  # (C_out, C_in, kh, kw)
    bias: torch.Tensor  # (C_out,)
    stride: tuple[int, int]
    padding: tuple[int, int, int, int]  # left, right, top, bottom
    dilation: tuple[int, int]


def fold(conv: nn.Conv2d, bn: nn.BatchNorm2d | None) -> FoldedConv:
    """Fold ``bn`` (eval-mode statistics) into ``conv`` so contributions are post-BN."""
    if conv.padding_mode != "zeros":
        raise ValueError(f"padding_mode {conv.padding_mode!r} is not supported (only zeros)")
    w = conv.weight.detach()
    b = conv.bias.detach() if conv.bias is not None else torch.zeros(w.shape[0], dtype=w.dtype,
                                                                     device=w.device)
    if bn is not None:
        scale = bn.weight.detach() / torch.sqrt(bn.running_var + bn.eps)
        w = w * scale.view(-1, 1, 1, 1)
        b = (b - bn.running_mean) * scale + bn.bias.detach()
    kh, kw = w.shape[2:]
    dh, dw = conv.dilation
    if conv.padding == "same":
        th, tw = dh * (kh - 1), dw * (kw - 1)
        pad = (tw // 2, tw - tw // 2, th // 2, th - th // 2)
    elif conv.padding == "valid":
        pad = (0, 0, 0, 0)
    else:
        ph, pw = conv.padding
        pad = (pw, pw, ph, ph)
    return FoldedConv(w.contiguous(), b, tuple(conv.stride), pad, (dh, dw))


def influence_maps(x: torch.Tensor, fc: FoldedConv) -> torch.Tensor:
    """Reference: every map X_i ∗ K_{j,i}, as (B, C_in, C_out, H', W'). Slow; for tests."""
    xp = F.pad(x, fc.padding)
    maps = [F.conv2d(xp[:, i:i + 1], fc.weight[:, i:i + 1], stride=fc.stride,
                     dilation=fc.dilation) for i in range(x.shape[1])]
    return torch.stack(maps, dim=1)


def influence_max(x: torch.Tensor, fc: FoldedConv) -> torch.Tensor:
    """Exact spatial max of every map X_i ∗ K_{j,i}: (B, C_in, H, W) → (B, C_in, C_out)."""
    c_out, c_in, kh, kw = fc.weight.shape
    xp = F.pad(x, fc.padding)
    if kh == kw == 1:
        # max_s(w·X_i(s)) is w·max X_i for w ≥ 0 and w·min X_i otherwise.
        xs = xp[:, :, ::fc.stride[0], ::fc.stride[1]]
        hi, lo = xs.amax(dim=(2, 3)), xs.amin(dim=(2, 3))
        w = fc.weight.view(c_out, c_in).t()  # (C_in, C_out)
        return torch.where(w >= 0, hi[:, :, None] * w, lo[:, :, None] * w)
    batch = x.shape[0]
    cols = F.unfold(xp, (kh, kw), dilation=fc.dilation, stride=fc.stride)  # (B, C_in*K, L)
    k, n_pos = kh * kw, cols.shape[-1]
    cols = cols.view(batch, c_in, k, n_pos).permute(1, 0, 3, 2)  # (C_in, B, L, K)
    kernels = fc.weight.view(c_out, c_in, k).permute(1, 2, 0)  # (C_in, K, C_out)
    step = max(1, _CHUNK_ELEMENTS // max(1, batch * n_pos * c_out))
    out = torch.empty(c_in, batch, c_out, dtype=x.dtype, device=x.device)
    for i in range(0, c_in, step):
        block = torch.bmm(cols[i:i + step].reshape(-1, batch * n_pos, k), kernels[i:i + step])
        out[i:i + step] = block.view(-1, batch, n_pos, c_out).amax(dim=2)
    return out.permute(1, 0, 2)


def identity_influence(source_maxima: torch.Tensor) -> torch.Tensor:
    """A skip connection: channel p reaches only channel p, with influence max X_p.

    (B, C) → (B, C, C) with -inf off the diagonal (not a candidate).
    """
    batch, c = source_maxima.shape
    out = torch.full((batch, c, c), float("-inf"), dtype=source_maxima.dtype,
                     device=source_maxima.device)
    out.diagonal(dim1=1, dim2=2).copy_(source_maxima)
    return out


@dataclass(frozen=True)
class CompetitionGroup:
    """Hops whose outputs add into overlapping channels of one node compete for the top k."""

    target: str
    lo: int
    hi: int
    hops: tuple[Hop, ...]


def competition_groups(hops: list[Hop]) -> list[CompetitionGroup]:
    """Group hops by target node and overlapping output channel ranges."""
    groups: list[CompetitionGroup] = []
    for target in dict.fromkeys(h.target for h in hops):
        members = sorted((h for h in hops if h.target == target), key=lambda h: h.target_offset)
        current: list[Hop] = []
        hi = -1
        for h in members:
            if current and h.target_offset >= hi:
                groups.append(CompetitionGroup(target, current[0].target_offset, hi,
                                               tuple(current)))
                current = []
            current.append(h)
            hi = max(hi, h.target_offset + h.out_channels)
        groups.append(CompetitionGroup(target, min(h.target_offset for h in current), hi,
                                       tuple(current)))
    return groups


def group_candidates(group: CompetitionGroup, influences: dict[str, torch.Tensor]) -> torch.Tensor:
    """All hops' influences into the group's channels: (B, Σ C_in, hi - lo), -inf = no path."""
    if len(group.hops) == 1:
        return influences[group.hops[0].name]
    first = influences[group.hops[0].name]
    n_in = sum(h.in_channels for h in group.hops)
    out = torch.full((first.shape[0], n_in, group.hi - group.lo), float("-inf"),
                     dtype=first.dtype, device=first.device)
    row = 0
    for h in group.hops:
        col = h.target_offset - group.lo
        out[:, row:row + h.in_channels, col:col + h.out_channels] = influences[h.name]
        row += h.in_channels
    return out


def tally_group(group: CompetitionGroup, influences: dict[str, torch.Tensor], method: int,
                k: int, share: float) -> dict[str, torch.Tensor]:
    """Per hop, how many images have each (input, output) pair among an output's top inputs."""
    marks = select(group_candidates(group, influences), method, k, share, dim=1).sum(dim=0)
    tallies, row = {}, 0
    for h in group.hops:
        col = h.target_offset - group.lo
        tallies[h.name] = marks[row:row + h.in_channels, col:col + h.out_channels]
        row += h.in_channels
    return tallies
