"""The per-class pass: one forward pass over a class's images yields everything Summit needs.

Hooks on the primary layers record channel maxima Z; hooks on every hop's convolution turn
its real input into exact influence maxima, which are ranked and tallied right away, so no
activation map outlives its batch and memory does not grow with the number of images.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset, Subset

from summit.io.store import group_of_rows
from summit.method.activations import channel_maxima
from summit.method.examples import RunningTopN
from summit.method.influence import (
    CompetitionGroup,
    FoldedConv,
    competition_groups,
    fold,
    identity_influence,
    influence_max,
    joint_tallies,
    plane_extremes,
    tally_group,
)
from summit.model.structure import IDENTITY, Structure
from summit.model.trace import Hooks

log = logging.getLogger(__name__)


class Aggregator:
    """Wraps a model with hooks; ``step`` runs one batch and accumulates influence tallies."""

    def __init__(self, model: nn.Module, structure: Structure, method: int, k: int,
                 share: float, n_examples: int = 0, n_groups: int = 1):
        self.model, self.structure = model, structure
        self.method, self.k, self.share = method, k, share
        self.n_groups = n_groups
        modules = dict(model.named_modules())
        self.hops = structure.hops()
        self.groups = [g for b in structure.blocks for g in competition_groups(b.hops)]
        folds: dict[tuple[str, str | None, str | None], FoldedConv] = {}
        self.folded: dict[str, FoldedConv] = {}  # hops through one module share its fold
        for h in self.hops:
            if h.conv != IDENTITY:
                key = (h.conv, h.bn, h.scale)
                if key not in folds:
                    folds[key] = fold(modules[h.conv], modules[h.bn] if h.bn else None,
                                      model.get_parameter(h.scale) if h.scale else None)
                self.folded[h.name] = folds[key]
        device = next(model.parameters()).device
        # Per image group (stability resamples groups without another pass); int32 holds
        # any realistic class, and G copies of a hop stay small next to the activations.
        self.tallies = {h.name: torch.zeros(n_groups, h.candidates, h.out_channels,
                                            dtype=torch.int32, device=device)
                        for h in self.hops}
        # A hop alone in its competition group has tallies set by its influences alone: hops
        # of one convolution and fold (a DenseNet feature read by several later layers) share
        # one tally tensor, counted once.
        first: dict[tuple[str, str | None, str | None], str] = {}
        self._copies: set[CompetitionGroup] = set()
        for group in self.groups:
            (h, *more) = group.hops
            if more or h.conv == IDENTITY:
                continue
            key = (h.conv, h.bn, h.scale)
            if key in first:
                self.tallies[h.name] = self.tallies[first[key]]
                self._copies.add(group)
            else:
                first[key] = h.name
        self._joint: dict[CompetitionGroup, torch.Tensor] = {}
        for group in self.groups:
            if len(group.hops) > 1 and group.dense:
                self._joint[group], views = joint_tallies(group, n_groups, device)
                self.tallies.update(views)
        self.maxima: dict[str, torch.Tensor] = {}
        self.influences: dict[str, torch.Tensor] = {}
        self.examples = {x.name: RunningTopN(n_examples, x.channels, device)
                         for x in structure.layers} if n_examples else {}
        self._image_ids: torch.Tensor | None = None
        self._extremes: dict[tuple, tuple[torch.Tensor, torch.Tensor, torch.Tensor]] = {}
        convs: dict[str, list[str]] = {}  # a convolution read by several nodes (DenseNet)
        for h in self.hops:
            if h.conv != IDENTITY:
                convs.setdefault(h.conv, []).append(h.name)
        self._hooks = Hooks(model, [
            *((layer.name, self._layer_hook(layer.name)) for layer in structure.layers),
            *((conv, self._conv_hook(hops, isinstance(modules[conv], nn.Linear)))
              for conv, hops in convs.items())])

    def _layer_hook(self, name: str):
        def hook(module: nn.Module, inputs: Any, output: torch.Tensor) -> None:
            if self.examples and self._image_ids is not None:
                self.maxima[name] = self.examples[name].update(output, self._image_ids)
            else:
                self.maxima[name] = channel_maxima(output)
        return hook

    def _conv_hook(self, hops: list[str], linear: bool):
        """Influences of every hop through one module (several where a DenseNet feature
        feeds several nodes), each distinct fold computed once."""
        def hook(module: nn.Module, inputs: tuple[torch.Tensor, ...], output: Any) -> None:
            x = inputs[0].permute(0, 3, 1, 2) if linear else inputs[0]  # channels-last Linear
            computed: dict[int, torch.Tensor] = {}
            for name in hops:
                fc = self.folded[name]
                if id(fc) not in computed:
                    computed[id(fc)] = self._influence(x, fc)
                self.influences[name] = computed[id(fc)]
        return hook

    def _influence(self, x: torch.Tensor, fc: FoldedConv) -> torch.Tensor:
        extremes = None
        if fc.weight.shape[2:] == (1, 1) and not any(fc.padding):
            # Inception branches share their input: its extremes once. The entry holds x, so
            # no other tensor can take its memory (and key) before the step ends and the
            # cache is cleared.
            key = (x.data_ptr(), tuple(x.shape), x.stride(), fc.stride)
            if key not in self._extremes:
                self._extremes[key] = (x, *plane_extremes(x, fc.stride))
            extremes = self._extremes[key][1:]
        # Top-k tallies need only the maps that can be among an output's top k.
        return influence_max(x, fc, extremes=extremes, top=self.k if self.method == 1 else None)

    @torch.inference_mode()
    def step(self, images: torch.Tensor, image_ids: torch.Tensor | None = None,
             image_groups: list[int] | None = None
             ) -> tuple[dict[str, torch.Tensor], torch.Tensor]:
        """Forward one batch: returns per-layer channel maxima and the logits.

        With ``image_ids`` (dataset indices of the batch) the running top-N dataset examples
        per channel are updated too; ``image_groups`` files each image's tallies under its
        group (all in group 0 by default).
        """
        self.maxima.clear()
        self.influences.clear()
        self._image_ids = image_ids
        try:
            logits = self.model(images)
        finally:
            self._image_ids = None
            self._extremes.clear()
        if not isinstance(logits, torch.Tensor):  # e.g. namedtuple outputs
            logits = getattr(logits, "logits", logits[0])
        for h in self.hops:
            if h.conv == IDENTITY:
                self.influences[h.name] = identity_influence(self.maxima[h.source], h)
        for group in self.groups:
            if group not in self._copies:
                tally_group(group, self.influences, self.method, self.k, self.share,
                            image_groups, self.n_groups, into=self.tallies,
                            joint=self._joint.get(group))
        return dict(self.maxima), logits

    def close(self) -> None:
        self._hooks.remove()


def class_loader(dataset: Dataset, indices: np.ndarray, batch_size: int,
                 workers: int) -> DataLoader:
    """Batches of one class's images, in dataset order (results do not depend on timing)."""
    return DataLoader(Subset(dataset, indices.tolist()), batch_size=batch_size, shuffle=False,
                      num_workers=workers)


def aggregate_class(aggregator: Aggregator, loader: DataLoader, indices: np.ndarray,
                    writer, device: torch.device) -> dict[str, Any]:
    """Stream ``loader`` through ``aggregator`` into ``writer``; return the run's summary."""
    seen = skipped = stored = 0
    start = last_report = time.perf_counter()
    for batch_no, (images, labels) in enumerate(loader):
        batch_idx = indices[seen:seen + len(labels)]
        seen += len(labels)
        ok = labels >= 0  # unreadable images come back labelled -1
        skipped += int((~ok).sum())
        if not ok.any():
            continue
        images, labels, batch_idx = images[ok].to(device), labels[ok].to(device), batch_idx[
            ok.numpy()]
        rows = group_of_rows(stored, len(batch_idx), aggregator.n_groups)
        stored += len(batch_idx)
        maxima, logits = aggregator.step(images, torch.from_numpy(batch_idx).to(device),
                                         rows.tolist())
        probs = torch.softmax(logits.float(), dim=1)
        writer.append(
            {name: z.float().cpu().numpy() for name, z in maxima.items()},
            {"index": batch_idx, "label": labels.cpu().numpy(),
             "predicted": probs.argmax(dim=1).cpu().numpy(),
             "prob_true": probs.gather(1, labels[:, None])[:, 0].cpu().numpy()})
        now = time.perf_counter()
        if now - last_report > 10 or batch_no == len(loader) - 1:
            log.info("%d/%d images, %.1f images/s", seen, len(indices), seen / (now - start))
            last_report = now
    seconds = time.perf_counter() - start
    return {"n_images": seen - skipped, "n_skipped": skipped, "seconds": seconds,
            "images_per_second": (seen - skipped) / max(seconds, 1e-9)}
