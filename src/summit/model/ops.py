"""What torch.fx operations do to channels and positions: the one vocabulary by which the hops
are walked (``summit.model.hops``), candidate layers are screened (``summit.model.layers``)
and receptive fields are followed (``summit.method.examples``), so an operation Summit learns
to walk through is learnt everywhere at once."""

from __future__ import annotations

import operator

import torch
import torch.fx as fx
import torch.nn.functional as F
from torch import nn
from torch.fx.passes.shape_prop import TensorMetadata
from torchvision.ops.stochastic_depth import stochastic_depth

# Operations that act on each channel separately, so channel i of the output is channel i of
# the input: they are walked through without changing which channels a path connects. Where
# one lies between a convolution and the primary layer its sum feeds, influences are
# measured before it (as for the ReLU after a residual sum); spatial pooling and padding too.
ELEMENTWISE_MODULES = (
    nn.ReLU, nn.ReLU6, nn.LeakyReLU, nn.PReLU, nn.ELU, nn.CELU, nn.SELU, nn.GELU, nn.SiLU,
    nn.Mish, nn.Hardswish, nn.Hardsigmoid, nn.Hardtanh, nn.Sigmoid, nn.Tanh, nn.Softplus,
    nn.LogSigmoid, nn.Dropout, nn.Dropout2d, nn.AlphaDropout, nn.FeatureAlphaDropout,
    nn.Identity, nn.MaxPool2d, nn.AvgPool2d, nn.ZeroPad2d, nn.ConstantPad2d,
)
ELEMENTWISE_FUNCTIONS = {
    torch.relu, F.relu, F.relu6, F.leaky_relu, F.elu, F.selu, F.gelu, F.silu, F.mish,
    F.hardswish, F.hardsigmoid, F.hardtanh, torch.sigmoid, F.sigmoid, torch.tanh, F.tanh,
    F.softplus, F.max_pool2d, F.avg_pool2d, F.pad, F.dropout, F.dropout2d, torch.clamp,
    stochastic_depth,  # identity in eval mode
}
ELEMENTWISE_METHODS = {"relu", "relu_", "clone", "sigmoid", "tanh", "clamp"}
# Operations that only move elements (channel shuffle, channels-last permutes, chunks): which
# input channel each output channel is, is found by running them on numbered elements.
SHAPE_METHODS = {"view", "reshape", "transpose", "permute", "flatten", "unflatten", "chunk",
                 "contiguous", "split", "squeeze", "unsqueeze", "narrow", "size", "dim"}
SHAPE_FUNCTIONS = {torch.transpose, torch.permute, torch.flatten, torch.reshape, torch.chunk,
                   torch.split, torch.narrow, torch.squeeze, torch.unsqueeze, operator.getitem}
ADD_FUNCTIONS = {operator.add, operator.iadd, torch.add}
MUL_FUNCTIONS = {operator.mul, operator.imul, torch.mul}


POOLS = (nn.MaxPool2d, nn.AvgPool2d, nn.ZeroPad2d, nn.ConstantPad2d)
POOL_FUNCTIONS = {F.max_pool2d, F.avg_pool2d, F.pad}


def node_shape(node: fx.Node) -> tuple[int, ...] | None:
    """The node's output shape, where shape propagation recorded one tensor."""
    meta = node.meta.get("tensor_meta")
    return tuple(meta.shape) if isinstance(meta, TensorMetadata) else None


def is_shape_op(node: fx.Node) -> bool:
    """Whether ``node`` only moves elements (or reads the shape)."""
    return ((node.op == "call_method" and node.target in SHAPE_METHODS)
            or (node.op == "call_function" and node.target in SHAPE_FUNCTIONS))


def is_mul(node: fx.Node) -> bool:
    """Whether ``node`` multiplies element-wise (a gate or a scale, if one side is small)."""
    return ((node.op == "call_function" and node.target in MUL_FUNCTIONS)
            or (node.op == "call_method" and node.target in ("mul", "mul_")))


def position_input(node: fx.Node, modules: dict[str, nn.Module]) -> fx.Node | None:
    """The input whose every position ``node``'s output keeps in place, or None: element-wise
    ops, norms, channel mixing at each position (channels-last Linear), element moves that
    only permute channels, and gates (the gated tensor). For receptive fields; pooling and
    padding move positions and are not among them."""
    mod = modules.get(node.target) if node.op == "call_module" else None
    if mod is not None:
        keeps = (isinstance(mod, ELEMENTWISE_MODULES + (nn.BatchNorm2d, nn.LayerNorm, nn.Linear))
                 and not isinstance(mod, POOLS))
        return node.args[0] if keeps else None
    if is_shape_op(node) or (node.op == "call_function" and (
            node.target in ELEMENTWISE_FUNCTIONS - POOL_FUNCTIONS
            or node.target is F.layer_norm)) or (
            node.op == "call_method" and node.target in ELEMENTWISE_METHODS):
        return node.args[0]
    if is_mul(node):
        full = [a for a in node.args
                if isinstance(a, fx.Node) and node_shape(a) == node_shape(node)]
        return full[0] if len(full) == 1 or (full and full[0] is full[-1]) else None
    return None
