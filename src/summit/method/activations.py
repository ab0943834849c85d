"""Activation aggregation (paper §6.1): channel maxima per image and the top-channel counts A^l.

The two selection rules here (Method 1: top k; Method 2: top share of mass) are also used
for influences, which rank input channels the same way.
"""

from __future__ import annotations

import numpy as np
import torch

from summit.io.store import group_of_rows


def channel_maxima(feature_map: torch.Tensor) -> torch.Tensor:
    """Spatial max of every channel: (B, C, H, W) → (B, C)."""
    return feature_map.amax(dim=(2, 3))


def select_top_k(values: torch.Tensor, k: int, dim: int = -1) -> torch.Tensor:
    """Method 1: mark the ``k`` largest entries along ``dim`` (ties: lower index first).

    Entries equal to -inf are never marked (they stand for "not a candidate").
    """
    k = min(k, values.shape[dim])
    if k == 0:
        return torch.zeros_like(values, dtype=torch.bool)
    # The k-th largest value: everything above it is in, and of the entries equal to it the
    # first (k - #above) by index, a stable sort's choice, in linear time. Ties at the k-th
    # value are rare, so that correction runs only on the lines that have them.
    top = values.topk(min(k + 1, values.shape[dim]), dim=dim).values
    kth = top.narrow(dim, k - 1, 1)
    mask = values >= kth
    if top.shape[dim] == k:  # the line has only k entries: all of them
        return mask & (values > float("-inf"))
    crowded = top.narrow(dim, k, 1) == kth  # the (k+1)-th ties the k-th
    if crowded.any():
        above = values > kth
        ties = (values == kth) & crowded
        room = k - above.sum(dim=dim, keepdim=True)
        mask = torch.where(crowded, above | (ties & (ties.cumsum(dim=dim) <= room)), mask)
    return mask & (values > float("-inf"))


def select_top_share(values: torch.Tensor, share: float, dim: int = -1) -> torch.Tensor:
    """Method 2: mark entries by decreasing value until they hold ``share`` of the row's mass.

    As in the authors' code the entry that crosses the threshold is included, so a row with
    positive mass always marks at least one entry. Negative values count as zero mass; a row
    with no positive mass marks nothing. Ties: lower index first.
    """
    pos = values.clamp(min=0)
    total = pos.sum(dim=dim, keepdim=True)
    sorted_vals, order = torch.sort(pos, dim=dim, descending=True, stable=True)
    before = (sorted_vals.cumsum(dim=dim) - sorted_vals) / total.clamp(min=torch.finfo(
        pos.dtype).tiny)
    take_sorted = (before < share) & (sorted_vals > 0)
    mask = torch.zeros_like(values, dtype=torch.bool)
    mask.scatter_(dim, order, take_sorted)
    return mask


def select(values: torch.Tensor, method: int, k: int, share: float, dim: int = -1) -> torch.Tensor:
    """Method 1 (top ``k``) or Method 2 (top ``share`` of mass) along ``dim``."""
    if method == 1:
        return select_top_k(values, k, dim)
    if method == 2:
        return select_top_share(values, share, dim)
    raise ValueError(f"aggregation method must be 1 or 2, not {method}")


def count_top_channels(maxima: np.ndarray, method: int, k: int, share: float,
                       groups: np.ndarray | None = None, n_groups: int = 1) -> np.ndarray:
    """One class's A^l counts per image group (n_groups × channels): per channel, how many
    of the group's images have it among their top channels; ``groups`` gives each row's
    group (all in group 0 by default)."""
    z = torch.from_numpy(np.ascontiguousarray(maxima, dtype=np.float32))
    chosen = select(z, method, k, share, dim=1).to(torch.int64)
    rows = torch.zeros(len(z), dtype=torch.int64) if groups is None else torch.from_numpy(
        np.asarray(groups, np.int64))
    out = torch.zeros((n_groups, z.shape[1]), dtype=torch.int64)
    return out.index_add_(0, rows, chosen).numpy()


def activation_matrix(stores: list, layer: str, method: int, k: int,
                      share: float) -> dict[str, np.ndarray]:
    """A^l over all classes (one row per store), streamed chunk by chunk from the stores,
    with each class's counts per image group (classes × groups × channels) behind it.

    Also returns each channel's min and max over all images, the common histogram range
    that makes per-class channel distributions comparable.
    """
    rows, lo, hi = [], None, None
    for store in stores:
        row, start = np.zeros((store.n_groups, store.maxima(layer).shape[1]), np.int64), 0
        for z in store.iter_maxima(layer):
            row += count_top_channels(z, method, k, share,
                                      group_of_rows(start, len(z), store.n_groups),
                                      store.n_groups)
            start += len(z)
            lo = z.min(axis=0) if lo is None else np.minimum(lo, z.min(axis=0))
            hi = z.max(axis=0) if hi is None else np.maximum(hi, z.max(axis=0))
        rows.append(row)
    if lo is None:  # no image in any class
        lo = hi = np.zeros(rows[0].shape[1], np.float32)
    if len({r.shape[0] for r in rows}) > 1:
        raise ValueError(f"{layer}: the class stores were made with different numbers of "
                         "image groups; re-run the aggregation")
    group_counts = np.stack(rows).astype(np.int32)
    return {"counts": group_counts.sum(axis=1, dtype=np.int64), "group_counts": group_counts,
            "class_ids": np.array([s.class_id for s in stores]),
            "channel_min": lo.astype(np.float32), "channel_max": hi.astype(np.float32)}
