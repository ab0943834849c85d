"""The forward passes the ground truth is measured on. For one planted stamp: the test images
of its classes that the planted test split stamps, and a sample of every other class's test
images stamped by the stamp's own rule; each image runs clean and stamped, with the study's
layers hooked, giving per image both versions' channel maxima and predictions, and the clean
images' mean maps (what an ablated channel becomes)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from summit.io.plant import Planting, Stamp, corner, stamp_all
from summit.method.activations import channel_maxima
from summit.model.trace import captured


@dataclass
class ProbeImages:
    """Which test images (dataset ``indices``, their ``labels``) and where the stamp goes
    (``where``: top, left); ``planted``: the image is of a class the stamp is planted in."""

    indices: np.ndarray
    labels: np.ndarray
    planted: np.ndarray
    where: np.ndarray


@dataclass
class Probe:
    """What the model does on a probe's images: per layer the clean and stamped channel
    maxima (images × channels), both versions' predicted classes, and each layer's mean
    clean map."""

    images: ProbeImages
    clean: dict[str, np.ndarray]
    stamped: dict[str, np.ndarray]
    predicted_clean: np.ndarray
    predicted_stamped: np.ndarray
    mean_maps: dict[str, torch.Tensor]


def probe_images(planting: Planting, k: int, labels: np.ndarray, classes: Sequence[int],
                 per_class: int, rng: np.random.Generator, side: int) -> ProbeImages:
    """Stamp ``k``'s images: every test image the planted split stamps with it, and up to
    ``per_class`` drawn test images of each other class of ``classes``, placed by its rule."""
    s: Stamp = planting.stamps[k]
    own = np.flatnonzero(planting.which == k)
    others = [np.sort(rng.choice(members, min(per_class, len(members)), replace=False))
              for c in classes if c not in s.classes
              for members in [np.flatnonzero(labels == c)] if len(members)]
    other = np.concatenate(others) if others else np.zeros(0, np.int64)
    if s.position == "random":
        placed = rng.integers(0, side - s.size + 1, (len(other), 2))
    else:
        placed = np.tile(corner(s.position, side, s.size), (len(other), 1))
    indices = np.concatenate([own, other]).astype(np.int64)
    return ProbeImages(indices, np.asarray(labels)[indices],
                       np.r_[np.ones(len(own), bool), np.zeros(len(other), bool)],
                       np.concatenate([planting.where[own], placed]).astype(np.int64))


def read_stamped(dataset, images: ProbeImages, rows: np.ndarray, stamp: Stamp
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Probe images ``rows`` read from ``dataset`` (unplanted): their pixels clean, and a copy
    with the stamp where the probe places it."""
    pixels = np.stack([dataset.pixels(int(i)) for i in images.indices[rows]])
    marked = pixels.copy()
    stamp_all(marked, np.arange(len(rows)), stamp.pattern, stamp.size, images.where[rows])
    return pixels, marked


def run_probe(model: nn.Module, layers: Sequence[str], dataset, images: ProbeImages,
              stamp: Stamp, batch_size: int, device: torch.device) -> Probe:
    """Every probe image clean and stamped (``dataset``: the test split unplanted, with
    ``pixels(i)`` and ``inputs(pixels)``), a batch of both versions per forward pass."""
    clean: dict[str, list[np.ndarray]] = {name: [] for name in layers}
    stamped: dict[str, list[np.ndarray]] = {name: [] for name in layers}
    sums: dict[str, torch.Tensor] = {}
    predicted: list[np.ndarray] = []
    model.eval()
    for lo in range(0, len(images.indices), batch_size):
        rows = np.arange(lo, min(lo + batch_size, len(images.indices)))
        pixels, marked = read_stamped(dataset, images, rows, stamp)
        x = dataset.inputs(np.concatenate([pixels, marked])).to(device)
        with torch.no_grad(), captured(model, layers, protect=True) as kept:
            logits = model(x)
        n = len(rows)
        for name in layers:
            maxima = channel_maxima(kept[name]).float().cpu().numpy()
            clean[name].append(maxima[:n])
            stamped[name].append(maxima[n:])
            total = kept[name][:n].float().sum(dim=0)
            sums[name] = sums[name] + total if name in sums else total
        predicted.append(logits.argmax(dim=1).cpu().numpy())
    predicted_clean, predicted_stamped = _split_predictions(predicted)
    return Probe(images, {k: np.concatenate(v) for k, v in clean.items()},
                 {k: np.concatenate(v) for k, v in stamped.items()}, predicted_clean,
                 predicted_stamped, {k: v / max(len(images.indices), 1) for k, v in sums.items()})


def _split_predictions(per_batch: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Each batch's predictions (its clean images, then the same stamped) as two arrays."""
    halves = [np.split(b, 2) for b in per_batch]
    return (np.concatenate([h[0] for h in halves]) if halves else np.zeros(0, np.int64),
            np.concatenate([h[1] for h in halves]) if halves else np.zeros(0, np.int64))
