"""Influence aggregation (paper §6.2): exact per-channel-pair influences and their top-k tallies.

The influence of input channel i on output channel j of a convolution, for one image, is the
spatial max of the map X_i ∗ K_{j,i} (with batch norm folded into K), at the layer's real
stride and padding. ``influence_maps`` computes those maps by an explicit per-channel
decomposition (slow, obvious, for tests); ``influence_max`` computes their maxima without
keeping all maps in memory.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from summit.method.activations import select
from summit.model.structure import Hop


@dataclass(frozen=True)
class FoldedConv:
    """A convolution with what follows it folded in: batch norm and per-channel scales."""

    weight: torch.Tensor  # (C_out, C_in / groups, kh, kw)
    bias: torch.Tensor  # (C_out,)
    stride: tuple[int, int]
    padding: tuple[int, int, int, int]  # left, right, top, bottom
    dilation: tuple[int, int]
    groups: int = 1


def fold(conv: nn.Conv2d | nn.Linear, bn: nn.BatchNorm2d | None,
         scale: torch.Tensor | None = None) -> FoldedConv:
    """Fold ``bn`` (eval-mode statistics) and then ``scale`` (one factor per output channel)
    into ``conv`` so contributions are measured where they are summed. A ``Linear`` (applied
    to channels-last maps, as in ConvNeXt) is a 1×1 convolution."""
    if isinstance(conv, nn.Linear):
        w = conv.weight.detach()[:, :, None, None]
        stride, pad, dilation, groups = (1, 1), (0, 0, 0, 0), (1, 1), 1
    else:
        if conv.padding_mode != "zeros":
            raise ValueError(f"padding_mode {conv.padding_mode!r} is not supported (only zeros)")
        w = conv.weight.detach()
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
        stride, dilation, groups = tuple(conv.stride), (dh, dw), conv.groups
    b = conv.bias.detach() if conv.bias is not None else torch.zeros(w.shape[0], dtype=w.dtype,
                                                                     device=w.device)
    if bn is not None:
        factor = bn.weight.detach() / torch.sqrt(bn.running_var + bn.eps)
        w = w * factor.view(-1, 1, 1, 1)
        b = (b - bn.running_mean) * factor + bn.bias.detach()
    if scale is not None:
        factor = scale.detach().reshape(-1)
        w, b = w * factor.view(-1, 1, 1, 1), b * factor
    return FoldedConv(w.contiguous(), b, stride, pad, dilation, groups)


def compact(pairs: torch.Tensor, groups: int) -> torch.Tensor:
    """(B, C_in, C_out/groups) → (B, C_in/groups, C_out): from each input's values on its
    group's outputs to each output's values from its group's inputs (``Hop.pairs`` order)."""
    batch, c_in, per_out = pairs.shape
    return (pairs.view(batch, groups, c_in // groups, per_out).transpose(1, 2)
            .reshape(batch, c_in // groups, groups * per_out))


def influence_maps(x: torch.Tensor, fc: FoldedConv) -> torch.Tensor:
    """Reference: every map X_i ∗ K_{j,i} with i in j's group, as (B, C_in/groups, C_out,
    H', W') in ``Hop.pairs`` order (for groups = 1: input i, output j). Slow; for tests."""
    xp = F.pad(x, fc.padding)
    c_out, per_in = fc.weight.shape[:2]
    per_out = c_out // fc.groups
    rows = []
    for a in range(per_in):
        row = []
        for j in range(c_out):
            i = (j // per_out) * per_in + a
            row.append(F.conv2d(xp[:, i:i + 1], fc.weight[j:j + 1, a:a + 1], stride=fc.stride,
                                dilation=fc.dilation)[:, 0])
        rows.append(torch.stack(row, dim=1))
    return torch.stack(rows, dim=1)


# Outputs per group from which the compiled kernel beats a convolution with a group per input
# channel for grouped k×k kernels (measured on a 2-core CPU: 2.7× a plain convolution's time
# against 4.5× at 8 outputs, 2.0× against 14× at 32; about even at 4; 2.5× slower at 1).
FUSED_GROUP_OUTPUTS = 8


def _block_floats(device: torch.device) -> int:
    """Floats per block of maps in the matmul path: large enough to fill a GPU."""
    return 1 << 18 if device.type == "cpu" else 1 << 25


def plane_extremes(x: torch.Tensor, stride: tuple[int, int] = (1, 1)
                   ) -> tuple[torch.Tensor, torch.Tensor]:
    """Max and min of every channel plane over the positions a 1×1 kernel visits: (B, C)."""
    xs = x[:, :, ::stride[0], ::stride[1]] if stride != (1, 1) else x
    return xs.amax(dim=(2, 3)), xs.amin(dim=(2, 3))


def input_kernels(fc: FoldedConv) -> torch.Tensor:
    """Each input channel's kernels onto its group's outputs: (C_in, C_out/groups, kh, kw)."""
    c_out, per_in, kh, kw = fc.weight.shape
    if fc.groups == 1:
        return fc.weight.transpose(0, 1)
    per_out = c_out // fc.groups
    return (fc.weight.view(fc.groups, per_out, per_in, kh, kw).transpose(1, 2)
            .reshape(per_in * fc.groups, per_out, kh, kw))


def depthwise_max(xp: torch.Tensor, kernels: torch.Tensor, stride: tuple[int, int] = (1, 1),
                  dilation: tuple[int, int] = (1, 1)) -> torch.Tensor:
    """Every map of each padded input plane with its own kernels ((C·m, 1, kh, kw), plane
    i's m kernels in rows i·m …), made by one convolution with a group per plane, and the
    maps' spatial max: (B, C, m)."""
    batch, c = xp.shape[:2]
    maps = F.conv2d(xp, kernels, stride=stride, dilation=dilation, groups=c)
    return maps.amax(dim=(2, 3)).view(batch, c, -1)


def influence_max(x: torch.Tensor, fc: FoldedConv, fused: bool | None = None,
                  extremes: tuple[torch.Tensor, torch.Tensor] | None = None,
                  top: int | None = None) -> torch.Tensor:
    """Exact spatial max of every map X_i ∗ K_{j,i}, i in j's group: (B, C_in, H, W) →
    (B, C_in/groups, C_out) in ``Hop.pairs`` order (for groups = 1: input i, output j).

    1×1 kernels need no maps, only each plane's max and min (``extremes``, when the caller
    has them already: branches reading one input share them), times each weight (on a CPU,
    ``fused``, the default there, by a compiled kernel in one write). For k×k kernels, on a
    CPU a compiled kernel (``fused``) computes each (image, input channel) pair's
    maps a few positions at a time from the padded input and keeps only their running max, so
    no map is ever stored; on other devices a batched matmul writes the maps of a block of
    pairs (from unfolded patches) into a reused buffer and a max reduces them at once.
    Grouped and depthwise k×k kernels have as many maps as the convolution has outputs per
    input of a group: the compiled kernel, vectorised over those outputs, where there are
    ``FUSED_GROUP_OUTPUTS`` or more (ResNeXt's wider stages, RegNet); else one convolution
    with a group per input channel makes them all (depthwise: the convolution itself).

    ``top``: the caller only asks which inputs are among each output's ``top`` largest (of
    this hop or of a competition group holding it). The compiled kernel then computes only
    the maps that can be (``top_candidates``); the others are -inf, never selected.
    """
    xp = F.pad(x, fc.padding) if any(fc.padding) else x
    if fused is None:
        fused = x.device.type == "cpu"
    if fc.weight.shape[2:] == (1, 1):
        # max_s(w·X_i(s)) is w·max X_i for w ≥ 0 and w·min X_i otherwise.
        hi, lo = extremes if extremes is not None else plane_extremes(xp, fc.stride)
        w = input_kernels(fc)[:, :, 0, 0]  # (C_in, C_out/groups)
        if fused:
            from summit.method.kernels import extreme_products

            products = torch.from_numpy(extreme_products(hi.numpy(), lo.numpy(), w.numpy(),
                                                         torch.get_num_threads()))
        else:
            products = torch.where(w >= 0, hi[:, :, None] * w, lo[:, :, None] * w)
        return compact(products, fc.groups)
    if fc.groups > 1 and not (fused and fc.weight.shape[0] // fc.groups >= FUSED_GROUP_OUTPUTS):
        return compact(_grouped_max(xp, fc), fc.groups)
    kernels = input_kernels(fc).flatten(2).transpose(1, 2).contiguous()  # (C_in, K, per out)
    if not fused:
        return compact(_matmul_max(xp, kernels, fc), fc.groups)
    keep = (top_candidates(xp, kernels, fc, top)
            if top is not None and x.shape[1] // fc.groups > top else None)
    return compact(_fused_max(xp, kernels, fc, keep), fc.groups)


def top_candidates(xp: torch.Tensor, kernels: torch.Tensor, fc: FoldedConv, top: int
                   ) -> torch.Tensor:
    """Which maps can hold one of their output's ``top`` largest maxima: (B, C_in, per out).

    Each map's max lies between a lower bound (its max over the few positions that read its
    plane's peak) and an upper bound (every tap at its plane's max or min, by its sign); an
    output's ``top``-th largest lower bound is at most its ``top``-th largest max, so a map
    whose upper bound is below it cannot be among the top (the margin covers rounding).
    On random and trained networks this leaves 5–30 % of the maps of a k×k hop.
    """
    from summit.method.kernels import max_conv_at_peak

    batch, c_in = xp.shape[:2]
    per_out = kernels.shape[2]
    lower = torch.from_numpy(max_conv_at_peak(
        xp.reshape(batch * c_in, *xp.shape[2:]).numpy(), kernels.numpy(),
        tuple(fc.weight.shape[2:]), fc.stride, fc.dilation, torch.get_num_threads()))
    by_group = (batch, fc.groups, c_in // fc.groups, per_out)
    floor = lower.view(by_group).topk(top, dim=2).values[:, :, -1:]
    hi, lo = (v[:, :, None] for v in plane_extremes(xp))
    positive, negative = kernels.clamp(min=0).sum(1), kernels.clamp(max=0).sum(1)
    upper = hi * positive + lo * negative
    margin = 1e-4 * torch.maximum(hi.abs(), lo.abs()) * (positive - negative)
    return ((upper + margin).view(by_group) >= floor).view(batch, c_in, per_out)


def _grouped_max(xp: torch.Tensor, fc: FoldedConv) -> torch.Tensor:
    """Grouped k×k kernels, images a block at a time: (B, C_in, C_out/groups)."""
    w = input_kernels(fc)
    c_in, per_out, kh, kw = w.shape
    kernels = w.reshape(c_in * per_out, 1, kh, kw)
    floats = c_in * per_out * xp.shape[2] * xp.shape[3] // (fc.stride[0] * fc.stride[1])
    step = max(1, (_block_floats(xp.device) << 6) // floats)  # images per convolution
    return torch.cat([depthwise_max(xp[b:b + step], kernels, fc.stride, fc.dilation)
                      for b in range(0, xp.shape[0], step)])


def _fused_max(xp: torch.Tensor, kernels: torch.Tensor, fc: FoldedConv,
               keep: torch.Tensor | None = None) -> torch.Tensor:
    """k×k kernels, each input's onto its group's outputs (C_in, K, C_out/groups), by the
    compiled kernel (the maps ``keep`` leaves, -inf elsewhere): (B, C_in, C_out/groups)."""
    from summit.method.kernels import max_conv_pairs

    batch, c_in = xp.shape[:2]
    out = max_conv_pairs(xp.reshape(batch * c_in, *xp.shape[2:]).numpy(), kernels.numpy(),
                         tuple(fc.weight.shape[2:]), fc.stride, fc.dilation,
                         torch.get_num_threads(),
                         None if keep is None else keep.reshape(batch * c_in, -1).numpy())
    return torch.from_numpy(out).view(batch, c_in, kernels.shape[2])


def _matmul_max(xp: torch.Tensor, kernels: torch.Tensor, fc: FoldedConv) -> torch.Tensor:
    """Dense k×k kernels (C_in, K, C_out) by batched matmuls over blocks of (image, input
    channel) pairs into one reused buffer: (B, C_in, C_out)."""
    batch, c_in = xp.shape[:2]
    k, c_out = kernels.shape[1:]
    cols = F.unfold(xp, tuple(fc.weight.shape[2:]), dilation=fc.dilation,
                    stride=fc.stride)  # (B, C_in*K, L)
    n_pos = cols.shape[-1]
    rows = cols.view(batch * c_in, k, n_pos).transpose(1, 2)  # (B·C_in, L, K), image-major
    out = torch.empty(batch * c_in, c_out, dtype=xp.dtype, device=xp.device)
    step = max(1, _block_floats(xp.device) // (n_pos * c_out))  # pairs per block
    if step >= c_in:  # whole images per block
        images = min(batch, step // c_in)
        kernels = kernels.repeat(images, 1, 1)
        starts = [(b * c_in, min(images, batch - b) * c_in) for b in range(0, batch, images)]
    else:
        starts = [(b * c_in + i, min(step, c_in - i)) for b in range(batch)
                  for i in range(0, c_in, step)]
    buffer = torch.empty(min(step, batch * c_in), n_pos, c_out, dtype=xp.dtype,
                         device=xp.device)
    for start, n in starts:
        i = start % c_in
        maps = torch.bmm(rows[start:start + n], kernels[i:i + n], out=buffer[:n])
        torch.amax(maps, dim=1, out=out[start:start + n])
    return out.view(batch, c_in, c_out)


def identity_influence(source_maxima: torch.Tensor, hop: Hop) -> torch.Tensor:
    """A skip connection: channel p reaches only its own output, with influence max X_p.

    (B, C) → (B, 1, out): an identity is depthwise, one candidate per output channel.
    """
    return source_maxima[:, torch.from_numpy(hop.sources()).to(source_maxima.device)][:, None]


@dataclass(frozen=True, eq=False)
class CompetitionGroup:
    """Hops whose outputs add into shared channels of one node compete for the top k."""

    target: str
    hops: tuple[Hop, ...]
    columns: tuple[np.ndarray, ...]  # per hop: its outputs' positions among the group's
    width: int  # channels of the target the group writes

    @cached_property
    def dense(self) -> bool:
        """Every hop writes every one of the group's channels in order (a residual block's
        convolution and skip): each hop's candidates are whole rows of the group's."""
        return all(len(c) == self.width and _consecutive(c) for c in self.columns)


def competition_groups(hops: list[Hop]) -> list[CompetitionGroup]:
    """Group hops by target node and shared output channels (transitively: the connected
    components of hops linked by a shared channel)."""
    from scipy.sparse import csr_array
    from scipy.sparse.csgraph import connected_components

    groups: list[CompetitionGroup] = []
    for target in dict.fromkeys(h.target for h in hops):
        members = [h for h in hops if h.target == target]
        channels = [h.targets() for h in members]
        rows = np.repeat(np.arange(len(members)), [len(c) for c in channels])
        writes = csr_array((np.ones(len(rows)), (rows, np.concatenate(channels))))
        _, component = connected_components(writes @ writes.T, directed=False)
        for c in dict.fromkeys(component.tolist()):
            cluster = [h for h, k in zip(members, component, strict=True) if k == c]
            written = np.unique(np.concatenate([h.targets() for h in cluster]))
            groups.append(CompetitionGroup(
                target, tuple(cluster),
                tuple(np.searchsorted(written, h.targets()) for h in cluster), len(written)))
    return groups


def joint_tallies(group: CompetitionGroup, n_groups: int, device: torch.device
                  ) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """A dense group's running tallies as one (n_groups, Σ candidates, width) tensor and
    each hop's as its block of rows, so ``tally_group`` counts into them without a copy."""
    joint = torch.zeros((n_groups, sum(h.candidates for h in group.hops), group.width),
                        dtype=torch.int32, device=device)
    rows = np.cumsum([0] + [h.candidates for h in group.hops])
    return joint, {h.name: joint[:, a:b] for h, a, b in zip(group.hops, rows[:-1], rows[1:],
                                                            strict=True)}


def group_candidates(group: CompetitionGroup, influences: dict[str, torch.Tensor]) -> torch.Tensor:
    """All hops' influences into the group's channels: (B, Σ candidates, width), -inf = no
    path."""
    if len(group.hops) == 1:
        return influences[group.hops[0].name]
    first = influences[group.hops[0].name]
    n_in = sum(h.candidates for h in group.hops)
    shape = (first.shape[0], n_in, group.width)
    out = (torch.empty(shape, dtype=first.dtype, device=first.device) if group.dense else
           torch.full(shape, float("-inf"), dtype=first.dtype, device=first.device))
    row = 0
    for h, cols in zip(group.hops, group.columns, strict=True):
        out[:, row:row + h.candidates, _columns(cols, out.device)] = influences[h.name]
        row += h.candidates
    return out


def _consecutive(cols: np.ndarray) -> bool:
    return bool(len(cols)) and bool(np.all(np.diff(cols) == 1))


def _columns(cols: np.ndarray, device: torch.device) -> slice | torch.Tensor:
    """An index of the group's columns: a slice where they are consecutive (a residual
    block's convolution and skip write every channel in order), which indexes without a
    gather or scatter."""
    if _consecutive(cols):
        return slice(int(cols[0]), int(cols[-1]) + 1)
    return torch.from_numpy(cols).to(device)


def tally_group(group: CompetitionGroup, influences: dict[str, torch.Tensor], method: int,
                k: int, share: float, image_groups: list[int] | None = None,
                n_groups: int = 1, into: dict[str, torch.Tensor] | None = None,
                joint: torch.Tensor | None = None) -> dict[str, torch.Tensor]:
    """Per hop and image group, how many images have each (input, output) pair among an
    output's top inputs: (n_groups, candidates, C_out) in ``Hop.pairs`` order, added to
    ``into``'s tensors (the running tallies; zeros if not given); ``image_groups`` gives each
    image's group (all in group 0 by default), so the groups' tallies sum to the batch's.
    ``joint``: for a dense group (``CompetitionGroup.dense``), the tensor whose consecutive
    row blocks ``into``'s tensors are (``joint_tallies``), counted into directly."""
    if into is None:
        into = {h.name: torch.zeros((n_groups, h.candidates, h.out_channels),
                                    dtype=torch.int32, device=influences[h.name].device)
                for h in group.hops}
    values = group_candidates(group, influences)
    groups = np.asarray(image_groups if image_groups is not None else [0] * len(values))
    single = len(group.hops) == 1
    marks = into[group.hops[0].name] if single else joint
    direct, slots = marks is not None, groups
    if not direct:  # several hops: marks for the batch's own groups only (a batch's images
        # are consecutive rows, so one or two of the class's groups), then added to each hop's
        present, slots = np.unique(groups, return_inverse=True)
        marks = torch.zeros((len(present), *values.shape[1:]), dtype=torch.int32,
                            device=values.device)
    if method == 1 and values.device.type == "cpu":
        from summit.method.kernels import tally_top_k

        tally_top_k(values.numpy(), k, slots, marks.numpy(), torch.get_num_threads())
    else:
        # Summing bools image by image into int32 is ~14x faster than .sum(dim=0) on a CPU,
        # and the same loop files each image under its group at no extra cost.
        for image, g in zip(select(values, method, k, share, dim=1), slots.tolist(),
                            strict=True):
            marks[g].add_(image)
    if not direct:  # the group's marks to each hop's candidates and outputs
        row, at = 0, torch.from_numpy(present).to(values.device)
        for h, cols in zip(group.hops, group.columns, strict=True):
            into[h.name].index_add_(
                0, at, marks[:, row:row + h.candidates][:, :, _columns(cols, values.device)])
            row += h.candidates
    return {h.name: into[h.name] for h in group.hops}
