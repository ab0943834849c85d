"""Channel interventions at primary layers: the model run with chosen channels replaced.

An intervention replaces some channels of some primary layers' outputs by a baseline map (a
channel's mean map, or 0). Activations up to the first intervened layer are the same for
every intervention there, so the model is split at each primary layer with torch.fx (the
primary layers traced as leaf modules): the prefix runs once per batch of images, and the
rest of the network runs once for many conditions stacked along the batch axis. Later layers
of a condition are intervened on by forward hooks on their modules, which the remainder
calls: it shares the model's modules (no copy, no surgery).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import torch
import torch.fx as fx
from torch import nn

from summit.model.structure import StructureError
from summit.model.trace import Hooks, traced

# A condition: per primary layer, a boolean mask of the channels to replace (absent: none).
Condition = Mapping[str, np.ndarray]


def replace_channels(x: torch.Tensor, masks: torch.Tensor, baseline: torch.Tensor
                     ) -> torch.Tensor:
    """``x`` (conditions·images, C, H, W) with each condition's masked channels set to
    ``baseline`` (C, H, W); ``masks`` (conditions, C) bool, images per condition implied."""
    rows = masks.repeat_interleave(x.shape[0] // masks.shape[0], dim=0)
    # x first keeps x's layout (channels last); torch.where(mask, …) would not, and a
    # max-pool on the channels-first result ran 10× slower on the CPU
    return x.where(~rows[:, :, None, None], baseline.to(x.dtype))


def _descendants(node: fx.Node) -> set[fx.Node]:
    seen, todo = set(), list(node.users)
    while todo:
        n = todo.pop()
        if n not in seen:
            seen.add(n)
            todo.extend(n.users)
    return seen


class Intervener:
    """Runs ``model`` on images under many channel-replacement conditions at once.

    ``baselines`` maps each primary layer to its replacement map (C, H, W). ``prefix`` runs
    the shared part of a batch once; ``run`` evaluates conditions from a start layer on it.
    The model is put in eval mode and channels-last layout (its convolutions ran 1.2–1.6×
    faster so on the demo net on a CPU), in place: its own forward then computes the same.
    """

    def __init__(self, model: nn.Module, layers: Sequence[str],
                 baselines: Mapping[str, torch.Tensor]):
        model.eval().to(memory_format=torch.channels_last)
        self.model, self.layers = model, list(layers)
        self.baselines = dict(baselines)
        gm = traced(model, leaves=self.layers)
        graph = gm.graph
        calls = {name: [n for n in graph.nodes if n.op == "call_module" and n.target == name]
                 for name in self.layers}
        for name, nodes in calls.items():
            if len(nodes) != 1:
                raise StructureError(f"layers: {name} is called {len(nodes)} times in the "
                                     "model's forward; interventions need a module called once")
        self._tails: dict[str, tuple[fx.GraphModule, list[fx.Node]]] = {}
        frontier: dict[fx.Node, None] = {}
        for name in self.layers:
            tail, inputs = self._tail(gm, calls[name][0])
            self._tails[name] = (tail, inputs)
            frontier.update(dict.fromkeys(inputs))
        self._frontier = list(frontier)
        self._head = self._head_module(gm, self._frontier)

    @staticmethod
    def _tail(gm: fx.GraphModule, start: fx.Node) -> tuple[fx.GraphModule, list[fx.Node]]:
        """The network after ``start``: a module taking ``start``'s output and any earlier
        values the rest reads (a skip around the layer), returning the model's output."""
        rest = _descendants(start)
        order = [n for n in gm.graph.nodes if n in rest]
        if not order or order[-1].op != "output":
            raise StructureError(f"layers: the model's output does not depend on {start.target}")
        inputs = [start] + [a for n in order for a in n.all_input_nodes
                            if a not in rest and a is not start and a.op != "get_attr"]
        inputs = list(dict.fromkeys(inputs))
        graph, env = fx.Graph(), {}
        for i, node in enumerate(inputs):
            env[node] = graph.placeholder(f"in{i}")
        for node in gm.graph.nodes:
            if node.op == "get_attr" and any(u in rest for u in node.users):
                env[node] = graph.node_copy(node, env.__getitem__)
        for node in order:
            env[node] = graph.node_copy(node, env.__getitem__)
        return fx.GraphModule(gm, graph), inputs

    @staticmethod
    def _head_module(gm: fx.GraphModule, outputs: list[fx.Node]) -> fx.GraphModule:
        """The network up to the values the tails read, returning a copy of each (a later
        in-place operation in the head must not change what a tail is given)."""
        needed, todo = set(), list(outputs)
        while todo:
            n = todo.pop()
            if n not in needed:
                needed.add(n)
                todo.extend(n.all_input_nodes)
        graph, env = fx.Graph(), {}
        for node in gm.graph.nodes:
            if node in needed:
                env[node] = graph.node_copy(node, env.__getitem__)
                if node in outputs:
                    env[node] = graph.call_method("clone", (env[node],))
        graph.output(tuple(env[n] for n in outputs))
        return fx.GraphModule(gm, graph)

    @torch.no_grad()
    def prefix(self, images: torch.Tensor) -> dict[fx.Node, torch.Tensor]:
        """What every condition of this batch shares: the values the tails start from."""
        images = images.contiguous(memory_format=torch.channels_last)
        return dict(zip(self._frontier, self._head(images), strict=True))

    def start_layer(self, condition: Condition) -> str:
        """The first primary layer a condition changes; the last when none (the clean run
        then costs only the network after it)."""
        return next((x for x in self.layers if condition.get(x) is not None
                     and condition[x].any()), self.layers[-1])

    def constant_after(self, condition: Condition) -> str | None:
        """The last primary layer whose every channel a condition replaces, if the network
        after it reads nothing from before it: from there on the outcome is the same for
        every image (an insertion curve's points that restore nothing at some layer)."""
        for x in reversed(self.layers):
            mask = condition.get(x)
            if mask is not None and np.all(mask) and len(self._tails[x][1]) == 1:
                return x
        return None

    def _hooks(self, masks: dict[str, torch.Tensor]) -> Hooks:
        def hook(name: str):
            return lambda module, args, out: replace_channels(out, masks[name],
                                                              self.baselines[name])

        return Hooks(self.model, {name: hook(name) for name in masks})

    @torch.no_grad()
    def run(self, shared: dict[fx.Node, torch.Tensor], start: str,
            conditions: Sequence[Condition]) -> torch.Tensor:
        """The model's output (conditions, images, outputs) under each condition, which
        must change nothing before ``start``."""
        tail, inputs = self._tails[start]
        k = len(conditions)
        later = self.layers[self.layers.index(start):]
        masks = {}
        for name in later:
            rows = [c.get(name) for c in conditions]
            if any(r is not None and r.any() for r in rows):
                channels = self.baselines[name].shape[0]
                masks[name] = torch.from_numpy(np.stack(
                    [np.zeros(channels, bool) if r is None else np.asarray(r, bool)
                     for r in rows])).to(self.baselines[name].device)
        values = []
        for node in inputs:
            v = shared[node]
            if not isinstance(v, torch.Tensor):
                raise StructureError(f"layers: the network after {start} reads a non-tensor "
                                     f"value ({node.name}) from before it; choose another layer")
            values.append(v)
        # One copy per condition, edited as it is made; cat keeps the layout (repeat did not)
        first = masks.pop(start, None)
        base = self.baselines[start].to(values[0].dtype)
        values = [torch.cat([values[0] if first is None or not first[i].any() else
                             values[0].where(~first[i][None, :, None, None], base)
                             for i in range(k)]),
                  *(torch.cat([v] * k) for v in values[1:])]
        with self._hooks(masks):
            out = tail(*values)
        return out.reshape(k, -1, *out.shape[1:])
