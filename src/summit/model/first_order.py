"""First-order effects of replacing channels: one backward pass instead of a forward per set.

Replacing channel c of a primary layer by its baseline map b changes the true class's logit
z by about the gradient of z with respect to the channel's activation a, times (b − a),
summed over the channel's map (a Taylor step from the clean run); changes of several channels
add. One backward pass per image gives this for every channel of every primary layer, so the
faithfulness stage can estimate single-vertex effects, any channel set's effect and deletion
curves, and confirm by exact ablation only the ones that decide a comparison. The estimate is
exact for a single channel (or channels of one layer) when the network after the layer is
linear; otherwise its error grows with the change, which is why the decisive values are
always ablated exactly.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from summit.model.trace import captured


@dataclass
class FirstOrder:
    """Per primary layer, per image (rows) and channel (columns): the first-order change of
    the true class's logit (``logit``) and log-probability (``logp``) when the channel is
    replaced by its baseline; ``prob``: each image's clean true-class probability."""

    logit: dict[str, np.ndarray]
    logp: dict[str, np.ndarray]
    prob: np.ndarray

    def drops(self, condition: Mapping[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        """Per image, the estimated drop of the true class's logit and probability when the
        channels masked in ``condition`` (per layer) are replaced: the channels' changes
        summed, the probability's through its log."""
        dz = np.zeros(len(self.prob))
        dlogp = np.zeros(len(self.prob))
        for layer, mask in condition.items():
            dz += self.logit[layer][:, mask].sum(axis=1)
            dlogp += self.logp[layer][:, mask].sum(axis=1)
        after = self.prob * np.exp(np.minimum(dlogp, -np.log(np.maximum(self.prob, 1e-300))))
        return -dz, self.prob - after


def first_order(model: nn.Module, layers: Sequence[str], baselines: Mapping[str, torch.Tensor],
                batches: Iterable[tuple[torch.Tensor, torch.Tensor]]) -> FirstOrder:
    """The first-order effects of replacing each channel of ``layers`` by its baseline map
    (C, H, W), on the images of ``batches`` (labels their true classes): one forward and two
    backward passes (logit, log-probability) per batch."""
    parts: dict[str, dict[str, list[np.ndarray]]] = {"logit": {x: [] for x in layers},
                                                     "logp": {x: [] for x in layers}}
    probs = []
    model.eval()
    for images, labels in batches:
        # a copy goes on through the network, so an in-place operation after a layer cannot
        # change the activation kept (nor its gradient)
        with torch.enable_grad(), captured(model, layers, protect=True) as acts:
            out = model(images.detach().requires_grad_(True)).float()
            values = [acts[x] for x in layers]
            logp = torch.log_softmax(out, dim=1)
            for name, target in (("logit", out), ("logp", logp)):
                picked = target.gather(1, labels[:, None]).sum()
                grads = torch.autograd.grad(picked, values, retain_graph=name == "logit")
                for x, a, g in zip(layers, values, grads, strict=True):
                    delta = (baselines[x].to(a.dtype)[None] - a.detach()) * g
                    parts[name][x].append(delta.sum(dim=(2, 3)).double().cpu().numpy())
            probs.append(logp.detach().gather(1, labels[:, None])[:, 0].exp().double().cpu()
                         .numpy())
    return FirstOrder(*({x: np.concatenate(v) if v else np.zeros((0, 0)) for x, v in
                         parts[name].items()} for name in ("logit", "logp")),
                      prob=np.concatenate(probs) if probs else np.zeros(0))
