"""Dataset examples: for every channel, the image patches of the dataset that excite it most.

Candidates are collected during the per-class pass as a running top N per channel (value,
image, arg-max position), so no second pass over the data is needed; a per-layer step merges
the classes' candidates and crops each image to the channel's receptive field around the
arg-max position.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
import torch.fx as fx
import torch.nn.functional as F
from torch import nn

from summit.model.hops import output_nodes
from summit.model.ops import ADD_FUNCTIONS, position_input
from summit.model.trace import traced


@dataclass(frozen=True)
class ReceptiveField:
    """Geometry of one layer's positions in input pixels, per axis (rows, columns).

    Position p of the layer sees the input pixels centred on ``center0 + p * jump`` over a
    window ``size`` wide (the union over all paths, e.g. all inception branches).
    """

    jump: tuple[float, float]
    size: tuple[float, float]
    center0: tuple[float, float]

    def box(self, row: int, col: int, height: int, width: int) -> tuple[int, int, int, int]:
        """Input pixel box (top, left, bottom, right; inclusive) of a position, clipped."""
        out = []
        for axis, pos, limit in ((0, row, height), (1, col, width)):
            centre = self.center0[axis] + pos * self.jump[axis]
            half = (self.size[axis] - 1) / 2
            out.append((max(0, int(np.floor(centre - half))),
                        min(limit - 1, int(np.ceil(centre + half)))))
        (top, bottom), (left, right) = out
        return top, left, bottom, right


def _window(node: fx.Node, mod: nn.Module | None) -> tuple[tuple[int, int], ...] | None:
    """Kernel, stride, padding, dilation of a sliding-window op (a convolution, a pooling
    module or function, a zero padding), each as (rows, columns)."""

    def pair(v) -> tuple[int, int]:
        return (v, v) if isinstance(v, int) else tuple(v)

    if isinstance(mod, nn.Conv2d):
        k, d = pair(mod.kernel_size), pair(mod.dilation)
        if mod.padding == "same":
            p = tuple((d[i] * (k[i] - 1)) // 2 for i in range(2))
        elif mod.padding == "valid":
            p = (0, 0)
        else:
            p = pair(mod.padding)
        return k, pair(mod.stride), p, d
    if isinstance(mod, nn.MaxPool2d | nn.AvgPool2d):
        stride = mod.stride if mod.stride is not None else mod.kernel_size
        return pair(mod.kernel_size), pair(stride), pair(mod.padding), pair(
            getattr(mod, "dilation", 1))
    if isinstance(mod, nn.ZeroPad2d | nn.ConstantPad2d):  # (left, right, top, bottom)
        return (1, 1), (1, 1), (mod.padding[2], mod.padding[0]), (1, 1)
    if node.op == "call_function" and node.target in (F.max_pool2d, F.avg_pool2d):
        names = ("input", "kernel_size", "stride", "padding")
        a = {**dict(zip(names, node.args, strict=False)), **node.kwargs}
        stride = a.get("stride") or a["kernel_size"]
        return (pair(a["kernel_size"]), pair(stride), pair(a.get("padding", 0)),
                pair(a.get("dilation", 1)))
    if node.op == "call_function" and node.target is F.pad:
        pad = node.args[1] if len(node.args) > 1 else node.kwargs["pad"]
        if len(pad) == 4:
            return (1, 1), (1, 1), (pad[2], pad[0]), (1, 1)
    return None


def receptive_fields(model: nn.Module, layer_names: list[str],
                     example: torch.Tensor) -> dict[str, ReceptiveField]:
    """The receptive field of every primary layer, by walking the traced model forward."""
    gm = traced(model, example)
    modules = dict(gm.named_modules())
    geometry: dict[fx.Node, ReceptiveField | None] = {}
    for node in gm.graph.nodes:
        inputs = [a for a in node.all_input_nodes if a in geometry]
        if node.op == "placeholder":
            geometry[node] = ReceptiveField((1.0, 1.0), (1.0, 1.0), (0.0, 0.0))
            continue
        kept = position_input(node, modules)
        if kept is not None:
            geometry[node] = geometry.get(kept)
            continue
        if not inputs or any(geometry[a] is None for a in inputs):
            geometry[node] = None
            continue
        mod = modules.get(node.target) if node.op == "call_module" else None
        window = _window(node, mod)
        if window is not None:
            rf = geometry[node.all_input_nodes[0]]
            k, s, p, d = window
            geometry[node] = ReceptiveField(
                tuple(rf.jump[i] * s[i] for i in range(2)),
                tuple(rf.size[i] + (k[i] - 1) * d[i] * rf.jump[i] for i in range(2)),
                tuple(rf.center0[i] + ((k[i] - 1) * d[i] / 2 - p[i]) * rf.jump[i]
                      for i in range(2)))
        elif node.op == "call_function" and (node.target is torch.cat
                                             or node.target in ADD_FUNCTIONS):
            geometry[node] = _union([geometry[a] for a in inputs])
        else:
            geometry[node] = None
    outputs = output_nodes(gm, layer_names)
    fields = {}
    for name in layer_names:
        rf = geometry.get(outputs[name])
        if rf is None:
            raise ValueError(f"cannot work out the receptive field of layer {name}")
        fields[name] = rf
    return fields


def _union(fields: list[ReceptiveField]) -> ReceptiveField | None:
    """Receptive field of a sum or concatenation: the union of its inputs' windows."""
    if any(f.jump != fields[0].jump for f in fields):
        return None
    size, centre = [], []
    for axis in range(2):
        lo = min(f.center0[axis] - (f.size[axis] - 1) / 2 for f in fields)
        hi = max(f.center0[axis] + (f.size[axis] - 1) / 2 for f in fields)
        size.append(hi - lo + 1)
        centre.append((lo + hi) / 2)
    return ReceptiveField(fields[0].jump, tuple(size), tuple(centre))


class RunningTopN:
    """Per channel, the N largest channel maxima seen so far with their image and position.

    Earlier candidates win ties, so the result equals a stable sort of all images in the
    order they were seen.
    """

    def __init__(self, n: int, channels: int, device: torch.device):
        self.n = n
        self.value = torch.full((0, channels), float("-inf"), device=device)
        self.image = torch.zeros((0, channels), dtype=torch.int64, device=device)
        self.position = torch.zeros((0, channels), dtype=torch.int64, device=device)

    def update(self, feature_map: torch.Tensor, image_ids: torch.Tensor) -> torch.Tensor:
        """Add one batch: ``feature_map`` (B, C, H, W), ``image_ids`` (B,). Returns the
        batch's channel maxima (B, C), which the pass then need not compute again."""
        maxima, position = feature_map.flatten(2).max(dim=2)  # (B, C)
        value = torch.cat([self.value, maxima])
        image = torch.cat([self.image, image_ids[:, None].expand_as(position)])
        position = torch.cat([self.position, position])
        order = torch.sort(value, dim=0, descending=True, stable=True).indices[:self.n]
        self.value = value.gather(0, order)
        self.image = image.gather(0, order)
        self.position = position.gather(0, order)
        return maxima


def merge_top_n(values: list[np.ndarray], images: list[np.ndarray], positions: list[np.ndarray],
                n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Merge per-class candidates (each N_c × C) into the dataset-wide top N per channel.

    Ties go to the lower image index, so the result does not depend on the class order.
    """
    value, image, position = (np.concatenate(x) for x in (values, images, positions))
    order = np.lexsort((image, -value), axis=0)[:n]
    take = np.take_along_axis
    return take(value, order, 0), take(image, order, 0), take(position, order, 0)


def crop_patch(image: np.ndarray, rf: ReceptiveField, position: int, map_width: int,
               fill: int = 128) -> np.ndarray:
    """The receptive-field window of a flat arg-max ``position`` as a patch.

    Where the window runs off the image the patch is padded with ``fill``, so every patch
    of a layer has the same scale; along an axis where the window is at least as large as the
    image (deep layers of small-image models), the patch is the whole image along that axis.
    """
    row, col = divmod(int(position), map_width)
    for axis, pos in ((0, row), (1, col)):
        limit = image.shape[axis]
        size = max(1, int(round(rf.size[axis])))
        if size >= limit:
            continue
        start = int(np.floor(rf.center0[axis] + pos * rf.jump[axis] - (rf.size[axis] - 1) / 2))
        lo, hi = max(0, start), min(limit, start + size)
        shape = list(image.shape)
        shape[axis] = size
        padded = np.full(shape, fill, dtype=image.dtype)
        index = [slice(None)] * image.ndim
        index[axis] = slice(lo - start, hi - start)
        source = [slice(None)] * image.ndim
        source[axis] = slice(lo, hi)
        padded[tuple(index)] = image[tuple(source)]
        image = padded
    return image


def crop_examples(display: Callable[[int], np.ndarray], value: np.ndarray, image: np.ndarray,
                  position: np.ndarray, rf: ReceptiveField, map_width: int
                  ) -> list[list[np.ndarray]]:
    """Every channel's top examples (N × C arrays; a NaN value: none) as receptive-field
    patches, per channel in rank order. ``display(i)`` gives image ``i``'s pixels; each image
    is read once, however many channels rank it (a layer's N × C examples come from far fewer
    images), and its patches cut before the next is read."""
    found = [tuple(kc) for kc in np.argwhere(np.isfinite(value))]  # (rank, channel) pairs
    cut: dict[tuple[int, int], np.ndarray] = {}
    current, pixels = None, None
    for k, c in sorted(found, key=lambda kc: int(image[kc])):
        if image[k, c] != current:
            current = int(image[k, c])
            pixels = display(current)
        cut[k, c] = crop_patch(pixels, rf, int(position[k, c]), map_width)
    return [[cut[k, c] for k in range(value.shape[0]) if (k, c) in cut]
            for c in range(value.shape[1])]
