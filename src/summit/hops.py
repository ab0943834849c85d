"""The convolutions ("hops") that connect consecutive primary layers, found by tracing the model.

Summit's influence of channel i on channel j is a property of one convolution. Between two
primary layers there may be one convolution (VGG), several in parallel (inception branches),
chains of them through hidden channels (inception bottlenecks, residual bottlenecks) and
identity skips (ResNet). Tracing the model with torch.fx and walking back from each primary
layer's output to the previous one finds all of them, so any such architecture needs only a
list of layer names, never new code.
"""

from __future__ import annotations

import contextlib
import difflib
import io
import operator
import re

import torch
import torch.fx as fx
from torch import nn
from torch.fx.passes.shape_prop import ShapeProp

from summit.structure import IDENTITY, Block, Hop, Layer, Structure, StructureError

# Operations that act on each channel separately, so channel i of the output is channel i of
# the input: they are walked through without changing which channels a path connects.
CHANNELWISE_MODULES = (
    nn.ReLU, nn.ReLU6, nn.LeakyReLU, nn.ELU, nn.GELU, nn.SiLU, nn.Sigmoid, nn.Tanh,
    nn.MaxPool2d, nn.AvgPool2d, nn.Dropout, nn.Dropout2d, nn.Identity,
)
CHANNELWISE_FUNCTIONS = {
    torch.relu, torch.nn.functional.relu, torch.nn.functional.relu6, torch.sigmoid,
    torch.tanh, torch.nn.functional.max_pool2d, torch.nn.functional.avg_pool2d,
    torch.nn.functional.dropout, torch.nn.functional.gelu, torch.nn.functional.silu,
}
CHANNELWISE_METHODS = {"relu", "relu_", "contiguous", "clone", "sigmoid", "tanh"}
ADD_FUNCTIONS = {operator.add, operator.iadd, torch.add}


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


def _channels(node: fx.Node) -> int:
    meta = node.meta.get("tensor_meta")
    if meta is None or len(meta.shape) != 4:
        raise StructureError(f"node {node.name} has no 4-D (N, C, H, W) output")
    return int(meta.shape[1])


class _Walker:
    """Walks back from one primary layer's output to the previous one's, collecting hops."""

    def __init__(self, gm: fx.GraphModule, source: str, source_node: fx.Node, target: str):
        self.modules = dict(gm.named_modules())
        self.source, self.source_node, self.target = source, source_node, target
        self.block = Block(source, target)
        self._resolved: dict[fx.Node, str] = {}

    def _module(self, node: fx.Node) -> nn.Module | None:
        return self.modules.get(node.target) if node.op == "call_module" else None

    def _is_channelwise(self, node: fx.Node) -> bool:
        mod = self._module(node)
        if mod is not None:
            return isinstance(mod, CHANNELWISE_MODULES)
        if node.op == "call_function":
            return node.target in CHANNELWISE_FUNCTIONS
        return node.op == "call_method" and node.target in CHANNELWISE_METHODS

    def _describe(self, node: fx.Node) -> str:
        mod = self._module(node)
        what = type(mod).__name__ if mod is not None else getattr(node.target, "__name__",
                                                                  str(node.target))
        return f"{node.name} ({what})"

    def collect(self, node: fx.Node, target: str, offset: int) -> None:
        """Add the hops whose sum forms ``node``'s channels, placed at ``offset`` of ``target``."""
        bn = None
        while True:
            if node is self.source_node:
                n = _channels(node)
                self.block.hops.append(Hop(f"{self.source}->{target}@{offset}:identity",
                                           IDENTITY, None, self.source, target, offset, n, n))
                return
            mod = self._module(node)
            if isinstance(mod, nn.BatchNorm2d) and bn is None:
                bn, node = node.target, node.args[0]
                continue
            if isinstance(mod, nn.Conv2d):
                self._add_conv(node, mod, bn, target, offset)
                return
            if bn is not None:
                raise StructureError(f"batch norm {bn} between {self.source} and {self.target} "
                                     "does not follow a convolution; Summit folds it into one")
            if self._is_channelwise(node):
                node = node.args[0]
                continue
            if node.op == "call_function" and node.target is torch.cat:
                tensors, dim = node.args[0], node.kwargs.get("dim", node.args[1]
                                                             if len(node.args) > 1 else 0)
                if dim not in (1, -3):
                    raise StructureError(f"{self._describe(node)} concatenates along dim {dim}")
                for part in tensors:
                    self.collect(part, target, offset)
                    offset += _channels(part)
                return
            if node.op == "call_function" and node.target in ADD_FUNCTIONS:
                for part in node.args[:2]:
                    if isinstance(part, fx.Node):
                        self.collect(part, target, offset)
                return
            if node.op == "placeholder":
                raise StructureError(f"{self.target} depends on the model input by a path that "
                                     f"bypasses {self.source}; list primary layers in order")
            raise StructureError(f"unsupported operation {self._describe(node)} between "
                                 f"{self.source} and {self.target}")

    def _add_conv(self, node: fx.Node, conv: nn.Conv2d, bn: str | None, target: str,
                  offset: int) -> None:
        if conv.groups != 1:
            raise StructureError(f"grouped convolution {node.target} (groups={conv.groups}) "
                                 "is not supported between primary layers")
        source = self._resolve_input(node.args[0])
        self.block.hops.append(Hop(node.target, node.target, bn, source, target, offset,
                                   conv.in_channels, conv.out_channels))

    def _resolve_input(self, node: fx.Node) -> str:
        """Name of the node a convolution reads: the source layer or a hidden node."""
        start = node
        while node is not self.source_node and self._is_channelwise(node):
            node = node.args[0]
        if node is self.source_node:
            return self.source
        if start in self._resolved:
            return self._resolved[start]
        hidden = self._hidden_name(node)
        self._resolved[start] = hidden
        self.collect(node, hidden, 0)
        self.block.hidden[hidden] = _channels(node)  # after its inputs: topological order
        return hidden

    def _hidden_name(self, node: fx.Node) -> str:
        """Readable name of a hidden node: the convolution producing it, where there is one."""
        while True:
            mod = self._module(node)
            if isinstance(mod, nn.Conv2d):
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
    try:
        gm = fx.symbolic_trace(model)
    except Exception as e:  # noqa: BLE001 - fx raises many kinds; the fix is the same
        raise StructureError(f"model: torch.fx cannot trace it ({e}); Summit needs a "
                             "traceable forward (no data-dependent Python control flow)") from e
    try:
        with contextlib.redirect_stderr(io.StringIO()):  # ShapeProp prints the traceback
            ShapeProp(gm).propagate(example)
    except Exception as e:  # noqa: BLE001
        cause, where = e, re.search(r"node=%(\w+)", str(e))
        while cause.__cause__ is not None:
            cause = cause.__cause__
        reason = str(cause).strip().splitlines()[0] if str(cause).strip() else type(cause).__name__
        raise StructureError(f"input.size: the model cannot take a {tuple(example.shape)} input "
                             f"({f'at {where.group(1)}: ' if where else ''}{reason}); set "
                             "input.size/channels to what it expects") from e
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
        walker.collect(outputs[cur], cur, 0)
        if not walker.block.hops:
            raise StructureError(f"no convolution connects {prev} to {cur}")
        blocks.append(walker.block)
    return Structure(layers, blocks)
