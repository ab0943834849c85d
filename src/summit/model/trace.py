"""The model's graph and its layer outputs, one way each, for every stage that needs them.

``traced`` is the one tracer: torch.fx over the model (optionally keeping some modules whole,
as one call each) and, given an example input, every node's output shape; the structure,
the receptive fields, the pre-activations of feature visualization and the interventions
all read the model through it, so a model that cannot be traced fails the same way
everywhere. ``Hooks`` is the one way to see or change layer outputs during forward passes
(torch's forward hooks, removed together); ``captured`` keeps outputs with it.
"""

from __future__ import annotations

import contextlib
import io
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

import torch
import torch.fx as fx
from torch import nn
from torch.fx.passes.shape_prop import ShapeProp

from summit.model.structure import StructureError

# torch's forward hook: (module, inputs, output) -> None, or a tensor replacing the output.
Hook = Callable[[nn.Module, Any, Any], Any]


class _Tracer(fx.Tracer):
    """torch.fx's tracer, with the modules named in ``leaves`` kept whole (one call_module
    node each) besides torch's own leaves."""

    def __init__(self, leaves: Sequence[str]):
        super().__init__()
        self.leaves = set(leaves)

    def is_leaf_module(self, m: nn.Module, qualname: str) -> bool:
        return qualname in self.leaves or super().is_leaf_module(m, qualname)


def traced(model: nn.Module, example: torch.Tensor | None = None,
           leaves: Sequence[str] = ()) -> fx.GraphModule:
    """``model`` traced by torch.fx, ``leaves`` kept whole; with ``example``, each node's
    output shape in its ``tensor_meta``. A one-line StructureError when the model cannot be
    traced or cannot take the example."""
    tracer = _Tracer(leaves)
    try:
        graph = tracer.trace(model)
    except Exception as e:  # noqa: BLE001 - fx raises many kinds; the fix is the same
        raise StructureError(f"model: torch.fx cannot trace it ({e}); Summit needs a "
                             "traceable forward (no data-dependent Python control flow)") from e
    gm = fx.GraphModule(tracer.root, graph, type(model).__name__)
    if example is not None:
        _propagate(gm, example)
    return gm


def _propagate(gm: fx.GraphModule, example: torch.Tensor) -> None:
    """Every node's output shape on ``example``; the error names the node that failed."""
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


class Hooks:
    """Forward hooks on the named modules of ``model`` (a mapping, or (name, hook) pairs where
    a module takes several, run in that order), removed together: in a ``with`` block around
    some forward passes, or held by an object until it calls ``remove``."""

    def __init__(self, model: nn.Module, hooks: Mapping[str, Hook] | Iterable[tuple[str, Hook]]):
        pairs = hooks.items() if isinstance(hooks, Mapping) else hooks
        self._handles = [model.get_submodule(name).register_forward_hook(hook)
                         for name, hook in pairs]

    def remove(self) -> None:
        for handle in self._handles:
            handle.remove()
        self._handles = []

    def __enter__(self) -> Hooks:
        return self

    def __exit__(self, *exc: object) -> None:
        self.remove()


@contextlib.contextmanager
def captured(model: nn.Module, names: Sequence[str], protect: bool = False
             ) -> Iterator[dict[str, torch.Tensor]]:
    """The named modules' outputs of the block's forward passes (each pass's replaces the
    last). With ``protect`` the model goes on with a copy, so an in-place operation after a
    layer (torchvision's ``F.relu(x, inplace=True)``) cannot change the kept output."""
    kept: dict[str, torch.Tensor] = {}

    def keep(name: str) -> Hook:
        def hook(module: nn.Module, args: Any, output: torch.Tensor) -> torch.Tensor | None:
            kept[name] = output
            return output.clone() if protect else None
        return hook

    with Hooks(model, {name: keep(name) for name in dict.fromkeys(names)}):
        yield kept
