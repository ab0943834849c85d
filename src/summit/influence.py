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


def _block_floats(device: torch.device) -> int:
    """Floats per block of maps in the matmul path: large enough to fill a GPU."""
    return 1 << 18 if device.type == "cpu" else 1 << 25


def plane_extremes(x: torch.Tensor, stride: tuple[int, int] = (1, 1)
                   ) -> tuple[torch.Tensor, torch.Tensor]:
    """Max and min of every channel plane over the positions a 1×1 kernel visits: (B, C)."""
    xs = x[:, :, ::stride[0], ::stride[1]] if stride != (1, 1) else x
    return xs.amax(dim=(2, 3)), xs.amin(dim=(2, 3))


def influence_max(x: torch.Tensor, fc: FoldedConv, fused: bool | None = None,
                  extremes: tuple[torch.Tensor, torch.Tensor] | None = None) -> torch.Tensor:
    """Exact spatial max of every map X_i ∗ K_{j,i}: (B, C_in, H, W) → (B, C_in, C_out).

    1×1 kernels need no maps, only each plane's max and min (``extremes``, when the caller
    has them already: branches reading one input share them). For k×k kernels, on a CPU a
    compiled kernel (``fused``, the default there) computes each (image, input channel) pair's
    maps a few positions at a time from the padded input and keeps only their running max, so
    no map is ever stored; on other devices a batched matmul writes the maps of a block of
    pairs (from unfolded patches) into a reused buffer and a max reduces them at once.
    """
    c_out, c_in, kh, kw = fc.weight.shape
    xp = F.pad(x, fc.padding) if any(fc.padding) else x
    if kh == kw == 1:
        # max_s(w·X_i(s)) is w·max X_i for w ≥ 0 and w·min X_i otherwise.
        hi, lo = extremes if extremes is not None else plane_extremes(xp, fc.stride)
        w = fc.weight.view(c_out, c_in).t()  # (C_in, C_out)
        return torch.where(w >= 0, hi[:, :, None] * w, lo[:, :, None] * w)
    batch = x.shape[0]
    kernels = fc.weight.view(c_out, c_in, kh * kw).permute(1, 2, 0).contiguous()  # (C_in,K,C_out)
    if fused is None:
        fused = x.device.type == "cpu"
    if fused:
        from summit.kernels import max_conv_pairs

        out = max_conv_pairs(xp.reshape(batch * c_in, *xp.shape[2:]).numpy(), kernels.numpy(),
                             (kh, kw), fc.stride, fc.dilation, torch.get_num_threads())
        return torch.from_numpy(out).view(batch, c_in, c_out)
    cols = F.unfold(xp, (kh, kw), dilation=fc.dilation, stride=fc.stride)  # (B, C_in*K, L)
    k, n_pos = kh * kw, cols.shape[-1]
    rows = cols.view(batch * c_in, k, n_pos).transpose(1, 2)  # (B·C_in, L, K), image-major
    out = torch.empty(batch * c_in, c_out, dtype=x.dtype, device=x.device)
    step = max(1, _block_floats(x.device) // (n_pos * c_out))  # pairs per block
    if step >= c_in:  # whole images per block
        images = min(batch, step // c_in)
        kernels = kernels.repeat(images, 1, 1)
        starts = [(b * c_in, min(images, batch - b) * c_in) for b in range(0, batch, images)]
    else:
        starts = [(b * c_in + i, min(step, c_in - i)) for b in range(batch)
                  for i in range(0, c_in, step)]
    buffer = torch.empty(min(step, batch * c_in), n_pos, c_out, dtype=x.dtype,
                         device=x.device)
    for start, n in starts:
        i = start % c_in
        maps = torch.bmm(rows[start:start + n], kernels[i:i + n], out=buffer[:n])
        torch.amax(maps, dim=1, out=out[start:start + n])
    return out.view(batch, c_in, c_out)


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
                k: int, share: float, image_groups: list[int] | None = None,
                n_groups: int = 1) -> dict[str, torch.Tensor]:
    """Per hop and image group, how many images have each (input, output) pair among an
    output's top inputs: (n_groups, C_in, C_out); ``image_groups`` gives each image's group
    (all in group 0 by default), so the groups' tallies sum to the whole batch's."""
    selected = select(group_candidates(group, influences), method, k, share, dim=1)
    # Summing bools image by image into int32 is ~14x faster than .sum(dim=0) on a CPU, and
    # the same loop files each image under its group at no extra cost.
    marks = torch.zeros((n_groups, *selected.shape[1:]), dtype=torch.int32,
                        device=selected.device)
    for image, g in zip(selected, image_groups or [0] * len(selected), strict=True):
        marks[g].add_(image)
    tallies, row = {}, 0
    for h in group.hops:
        col = h.target_offset - group.lo
        tallies[h.name] = marks[:, row:row + h.in_channels, col:col + h.out_channels]
        row += h.in_channels
    return tallies
