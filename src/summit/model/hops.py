"""The convolutions ("hops") that connect consecutive primary layers, found by tracing the model.

Summit's influence of channel i on channel j is a property of one convolution. Between two
primary layers there may be one convolution (VGG), several in parallel (inception branches),
chains of them through hidden channels (inception bottlenecks, residual bottlenecks) and
identity skips (ResNet). Tracing the model with torch.fx and walking back from each primary
layer's output to the previous one finds all of them, so any such architecture needs only a
list of layer names, never new code.
"""

from __future__ import annotations

import difflib
import math
import operator
from typing import Any

import numpy as np
import torch
import torch.fx as fx
import torch.nn.functional as F
from torch import nn

from summit.model.ops import (
    ADD_FUNCTIONS,
    ELEMENTWISE_FUNCTIONS,
    ELEMENTWISE_METHODS,
    ELEMENTWISE_MODULES,
    is_mul,
    is_shape_op,
    node_shape,
)
from summit.model.structure import IDENTITY, Block, Hop, Layer, Structure, StructureError
from summit.model.trace import traced


def output_nodes(gm: fx.GraphModule, names: list[str]) -> dict[str, fx.Node]:
    """The fx node producing each named module's output: its last node in graph order."""
    last: dict[str, fx.Node] = {}
    for node in gm.graph.nodes:
        if node.op == "call_module" and node.target in names:
            last[node.target] = node
        for scope in node.meta.get("nn_module_stack", {}):
            if scope in names:
                last[scope] = node
    return last


def _channels(node: fx.Node, last: bool = False) -> int:
    shape = node_shape(node)
    if shape is None or len(shape) != 4:
        raise StructureError(f"node {node.name} has no 4-D (N, C, H, W) output")
    return int(shape[3] if last else shape[1])


def _placed(place: np.ndarray) -> dict[str, Any]:
    """A hop's target fields: an offset where its outputs land in order, else the channels."""
    if np.array_equal(place, np.arange(place[0], place[0] + len(place))):
        return {"target_offset": int(place[0]), "target_channels": None}
    return {"target_offset": int(place.min()), "target_channels": tuple(place.tolist())}


class _Walker:
    """Walks back from one primary layer's output to the previous one's, collecting hops.

    ``last`` says a node's channels are its last dimension (ConvNeXt's channels-last blocks).
    """

    def __init__(self, gm: fx.GraphModule, source: str, source_node: fx.Node, target: str):
        self.gm = gm
        self.modules = dict(gm.named_modules())
        self.order = {node: i for i, node in enumerate(gm.graph.nodes)}
        self.source, self.source_node, self.target = source, source_node, target
        self.block = Block(source, target)
        self._resolved: dict[fx.Node, str] = {}

    def _module(self, node: fx.Node) -> nn.Module | None:
        return self.modules.get(node.target) if node.op == "call_module" else None

    def _describe(self, node: fx.Node) -> str:
        mod = self._module(node)
        what = type(mod).__name__ if mod is not None else getattr(node.target, "__name__",
                                                                  str(node.target))
        return f"{node.name} ({what})"

    def _scale(self, node: fx.Node, last: bool) -> tuple[fx.Node, fx.Node] | None:
        """(the tensor scaled, the scale) when ``node`` multiplies each channel by one number:
        a parameter (layer scale) or a per-image gate of spatial size 1 (squeeze-excitation)."""
        if not is_mul(node) or len(node.args) != 2:
            return None
        shape = node_shape(node)
        for main, other in (node.args, node.args[::-1]):
            if not (isinstance(main, fx.Node) and isinstance(other, fx.Node)
                    and node_shape(main) == shape and node_shape(other) is not None):
                continue
            s = node_shape(other)
            n = _channels(node, last)
            per_channel = (s[-1] == n and math.prod(s) == n) if last else (
                len(s) >= 3 and s[-3] == n and s[-2:] == (1, 1)
                and (len(s) == 3 or s[0] in (1, shape[0])))
            if per_channel:
                return main, other
        return None

    def _through(self, node: fx.Node, last: bool) -> fx.Node | None:
        """The input to walk on where ``node`` keeps channels apart, on a convolution's input
        side: element-wise ops, a batch norm not following a convolution (DenseNet's
        pre-activation), gates, and (by convention) LayerNorm over the channels at each
        position."""
        mod = self._module(node)
        if mod is not None:
            if isinstance(mod, ELEMENTWISE_MODULES) or (
                    isinstance(mod, nn.BatchNorm2d) and not last  # one after a conv folds in
                    and not isinstance(self._module(node.args[0]), nn.Conv2d)) or (
                    isinstance(mod, nn.LayerNorm) and last
                    and tuple(mod.normalized_shape) == (_channels(node, last),)):
                return node.args[0]
            return None
        if node.op == "call_function" and (node.target in ELEMENTWISE_FUNCTIONS or (
                node.target is F.layer_norm and last
                and tuple(node.args[1]) == (_channels(node, last),))):
            return node.args[0]
        if node.op == "call_method" and node.target in ELEMENTWISE_METHODS:
            return node.args[0]
        scaled = self._scale(node, last)
        return scaled[0] if scaled else None

    def _probe(self, node: fx.Node, last: bool) -> tuple[fx.Node, bool, np.ndarray]:
        """Where a chain of element-moving ops leads: (the tensor it starts from, whether that
        tensor is channels-last, which of its channels each of ``node``'s channels is)."""
        members, anchors, stack = set(), set(), [node]
        while stack:
            n = stack.pop()
            if n in members or n in anchors:
                continue
            if n is not node and (n is self.source_node or (
                    node_shape(n) is not None and not is_shape_op(n))):
                anchors.add(n)
                continue
            if n.op in ("placeholder", "call_module"):
                raise StructureError(f"{self._describe(node)} between {self.source} and "
                                     f"{self.target} moves elements of a tensor Summit cannot "
                                     "follow")
            members.add(n)
            stack.extend(n.all_input_nodes)
        if len(anchors) != 1:
            raise StructureError(f"{self._describe(node)} between {self.source} and "
                                 f"{self.target} mixes {len(anchors)} tensors")
        anchor = anchors.pop()
        shape = node_shape(anchor)
        env: dict[fx.Node, Any] = {anchor: torch.arange(math.prod(shape),
                                                        dtype=torch.float64).view(shape)}
        for n in sorted(members, key=self.order.__getitem__):
            args, kwargs = fx.node.map_arg((n.args, n.kwargs), env.__getitem__)
            if n.op == "call_function":
                env[n] = n.target(*args, **kwargs)
            elif n.op == "call_method":
                env[n] = getattr(args[0], n.target)(*args[1:], **kwargs)
            else:  # get_attr
                env[n] = operator.attrgetter(n.target)(self.gm)
        out = env[node]
        if len(shape) == 4 and isinstance(out, torch.Tensor) and out.ndim == 4:
            b, c, h, w = np.unravel_index(out.long().numpy(), shape)
            grid = np.indices(out.shape)
            ob, oc, oh, ow = (grid[0], grid[3], grid[1], grid[2]) if last else grid
            for anchor_last in (False, True):
                ac, ah, aw = (w, c, h) if anchor_last else (c, h, w)
                if (b == ob).all() and (ah == oh).all() and (aw == ow).all():
                    per = np.moveaxis(ac, 3 if last else 1, 0).reshape(oc.shape[3 if last else 1],
                                                                      -1)
                    if (per == per[:, :1]).all():
                        return anchor, anchor_last, per[:, 0]
        raise StructureError(f"{self._describe(node)} between {self.source} and {self.target} "
                             "mixes positions or images, not only channels")

    def _concat_dim(self, node: fx.Node) -> int:
        return node.kwargs.get("dim", node.args[1] if len(node.args) > 1 else 0)

    def collect(self, node: fx.Node, target: str, place: np.ndarray, last: bool = False
                ) -> None:
        """Add the hops whose sum forms ``node``'s channels; its channel c is channel
        ``place[c]`` of ``target`` (-1: not read). Walks back along one chain (a batch norm
        and a scale to fold, channel-wise ops, element moves) to where it ends: the source
        layer, a convolution, or a concatenation or sum whose parts are collected in turn."""
        bn = scale = None
        while True:
            if node is self.source_node and not last:
                self._add_identity(target, place)
                return
            mod = self._module(node)
            if isinstance(mod, nn.BatchNorm2d) and bn is None and scale is None and not last:
                bn, node = node.target, node.args[0]
                continue
            if isinstance(mod, nn.Conv2d | nn.Linear):
                self._add_conv(node, mod, bn, scale, target, place, last)
                return
            if bn is not None:
                raise StructureError(f"batch norm {bn} between {self.source} and {self.target} "
                                     "does not follow a convolution; Summit folds it into one")
            scaled = self._layer_scale(node, target, last, scale is not None)
            if scaled is not None:
                node, scale = scaled
                continue
            through = self._through(node, last)
            if through is not None and not isinstance(mod, nn.LayerNorm | nn.BatchNorm2d) and not (
                    node.op == "call_function" and node.target is F.layer_norm):
                node = through
                continue
            if is_shape_op(node):
                node, place, last = self._unmove(node, place, last, scale is not None)
                continue
            if scale is None and self._collect_parts(node, target, place, last):
                return
            raise self._unsupported(node)

    def _layer_scale(self, node: fx.Node, target: str, last: bool, scaled: bool
                     ) -> tuple[fx.Node, str] | None:
        """(the tensor scaled, the parameter) where ``node`` scales each channel by a
        parameter, to fold into the convolution; a per-image gate there, or a second scale
        (``scaled``), would change which input wins."""
        found = self._scale(node, last)
        if found is None:
            return None
        main, factor = found
        if factor.op != "get_attr" or scaled:
            raise StructureError(
                f"{self._describe(node)}: a per-image gate lies between a "
                f"convolution and {target}, where it would change which input wins; "
                "Summit supports gates on a convolution's input side (squeeze-"
                "excitation); choose primary layers around it")
        return main, factor.target

    def _unmove(self, node: fx.Node, place: np.ndarray, last: bool, scaled: bool
                ) -> tuple[fx.Node, np.ndarray, bool]:
        """Follow element moves back to the tensor they start from: (that tensor, where its
        channels land in the target, whether it is channels-last). Under a scale
        (``scaled``) the moves must keep channels in order, as the scale is per channel."""
        anchor, anchor_last, perm = self._probe(node, last)
        n = _channels(anchor, anchor_last)
        moved = np.full(n, -1)
        if len(np.unique(perm)) != len(perm):
            raise StructureError(f"{self._describe(node)} copies channels")
        moved[perm] = place
        if scaled and not np.array_equal(perm, np.arange(n)):
            raise StructureError(f"{self._describe(node)} permutes channels between "
                                 f"a scale and its convolution")
        return anchor, moved, anchor_last

    def _collect_parts(self, node: fx.Node, target: str, place: np.ndarray, last: bool
                       ) -> bool:
        """Collect each part of a concatenation (its share of the channels) or of a sum (all
        of them); False where ``node`` is neither."""
        if node.op != "call_function":
            return False
        if node.target is torch.cat:
            dim = self._concat_dim(node)
            if dim not in ((-1, 3) if last else (1, -3)):
                raise StructureError(f"{self._describe(node)} concatenates along dim {dim}")
            offset = 0
            for part in node.args[0]:
                n = _channels(part, last)
                self.collect(part, target, place[offset:offset + n], last)
                offset += n
            return True
        if node.target in ADD_FUNCTIONS:
            for part in node.args[:2]:
                if isinstance(part, fx.Node):
                    self.collect(part, target, place, last)
            return True
        return False

    def _unsupported(self, node: fx.Node) -> StructureError:
        """The error for a chain that ends where no hop can be found."""
        if node.op == "placeholder":
            return StructureError(f"{self.target} depends on the model input by a path that "
                                  f"bypasses {self.source}; list primary layers in order")
        return StructureError(f"unsupported operation {self._describe(node)} between "
                              f"{self.source} and {self.target}")

    def _unique(self, name: str) -> str:
        """A hop's name: a convolution feeding several nodes (DenseNet) gets one per node."""
        taken = {h.name for h in self.block.hops}
        n, unique = 1, name
        while unique in taken:
            n += 1
            unique = f"{name}#{n}"
        return unique

    def _add_identity(self, target: str, place: np.ndarray) -> None:
        read = np.flatnonzero(place >= 0)
        if not len(read):
            return
        n = _channels(self.source_node)
        fields = _placed(place[read])
        self.block.hops.append(Hop(
            self._unique(f"{self.source}->{target}@{fields['target_offset']}:identity"),
            IDENTITY, None, self.source, target, in_channels=len(read),
            out_channels=len(read), groups=len(read),
            source_channels=None if len(read) == n else tuple(read.tolist()), **fields))

    def _add_conv(self, node: fx.Node, mod: nn.Conv2d | nn.Linear, bn: str | None,
                  scale: str | None, target: str, place: np.ndarray, last: bool) -> None:
        if isinstance(mod, nn.Linear) != last:
            raise StructureError(f"{self._describe(node)} between {self.source} and "
                                 f"{self.target} is applied to a map's "
                                 f"{'channels' if last else 'width'}; Summit follows "
                                 "convolutions on (N, C, H, W) maps and Linear layers on "
                                 "channels-last (N, H, W, C) maps")
        if (place < 0).any():
            raise StructureError(f"only some outputs of {node.target} reach {target}")
        source, channels = self._resolve_input(node.args[0], last)
        in_channels = mod.in_channels if isinstance(mod, nn.Conv2d) else mod.in_features
        self.block.hops.append(Hop(
            self._unique(str(node.target)), str(node.target), bn, source, target,
            in_channels=in_channels, out_channels=len(place),
            groups=mod.groups if isinstance(mod, nn.Conv2d) else 1,
            source_channels=channels, scale=scale, **_placed(place)))

    def _resolve_input(self, node: fx.Node, last: bool) -> tuple[str, tuple[int, ...] | None]:
        """The node a convolution reads (the source layer or a hidden node), and which of its
        channels each input channel is (None: all, in order)."""
        read: np.ndarray | None = None
        while not (node is self.source_node and not last):
            through = self._through(node, last)
            if through is not None:
                node = through
            elif is_shape_op(node):
                node, last, perm = self._probe(node, last)
                read = perm if read is None else perm[read]
            else:
                break
        n = _channels(node, last)
        channels = None if read is None or np.array_equal(read, np.arange(n)) else tuple(
            read.tolist())
        if node is self.source_node:
            return self.source, channels
        if node not in self._resolved:
            hidden = self._hidden_name(node)
            self._resolved[node] = hidden
            self.collect(node, hidden, np.arange(n), last)
            self.block.hidden[hidden] = n  # after its inputs: topological order
        return self._resolved[node], channels

    def _hidden_name(self, node: fx.Node) -> str:
        """Readable name of a hidden node: the convolution producing it, where there is one."""
        while True:
            mod = self._module(node)
            if isinstance(mod, nn.Conv2d | nn.Linear):
                return str(node.target)
            if isinstance(mod, nn.BatchNorm2d):
                node = node.args[0]
                continue
            return node.name


def trace_structure(model: nn.Module, layer_names: list[str], example: torch.Tensor) -> Structure:
    """Trace ``model`` and find the primary layers' shapes and the hops between them."""
    modules = dict(model.named_modules())
    unknown = [n for n in layer_names if n not in modules]
    if unknown:
        close = difflib.get_close_matches(unknown[0], [n for n in modules if n], n=5)
        top = [n for n, _ in model.named_children()]
        raise StructureError(f"layers: {unknown} not in the model; "
                             + (f"did you mean {close}? " if close else "")
                             + f"its top-level modules are {top[:30]}"
                             + (f" and {len(top) - 30} more" if len(top) > 30 else ""))
    gm = traced(model, example)
    outputs = output_nodes(gm, layer_names)
    order = {node: i for i, node in enumerate(gm.graph.nodes)}
    ordered = sorted(layer_names, key=lambda n: order[outputs[n]])
    if ordered != list(layer_names):
        raise StructureError(f"layers: list them from input to output, e.g. {ordered}")
    layers = []
    for name in layer_names:
        meta = outputs[name].meta.get("tensor_meta")
        if meta is None or len(meta.shape) != 4:
            raise StructureError(f"layers: {name} does not output a 4-D (N, C, H, W) map")
        layers.append(Layer(name, int(meta.shape[1]), int(meta.shape[2]), int(meta.shape[3])))
    blocks = []
    for prev, cur in zip(layer_names, layer_names[1:], strict=False):
        walker = _Walker(gm, prev, outputs[prev], cur)
        walker.collect(outputs[cur], cur, np.arange(_channels(outputs[cur])))
        if not walker.block.hops:
            raise StructureError(f"no convolution connects {prev} to {cur}")
        blocks.append(walker.block)
    return Structure(layers, blocks)
