"""One planted stamp measured on one study's model: the shortcut (accuracy on its planted
test images stamped against the same images clean, and other classes' images pulled into its
classes by the stamp), the pattern channels (``response``), the graphs' recovery of them
(``recovery``), and what ablating them does to the shortcut, against random sets of the same
size per layer (``explain.evidence.conditions`` run by ``evidence.faithfulness.evaluate``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import torch

from summit.evidence.faithfulness import bootstrap, evaluate
from summit.explain.evidence import conditions
from summit.ground_truth.probe import Probe, read_stamped
from summit.ground_truth.response import paired_response, pattern_channels
from summit.io.plant import Stamp
from summit.model.interventions import Intervener

ROUND = 6  # decimals kept in the record


def resamples(rng: np.random.Generator, n: int, count: int) -> np.ndarray:
    """``count`` bootstrap resamples (rows of indices) of ``n`` images."""
    return rng.integers(0, max(n, 1), (count, n))


def responses(probe: Probe, rng: np.random.Generator, count: int, min_effect: float
              ) -> tuple[dict[str, dict[str, list]], dict[str, list[int]]]:
    """Per layer every channel's paired response (rounded lists) and the pattern channels."""
    draws = resamples(rng, len(probe.images.indices), count)
    out, pattern = {}, {}
    for layer in probe.clean:
        r = paired_response(probe.clean[layer], probe.stamped[layer], draws)
        out[layer] = {k: np.round(v, ROUND).tolist() for k, v in r.items()}
        pattern[layer] = pattern_channels(r, min_effect)
    return out, pattern


def shortcut(probe: Probe, stamp: Stamp, rng: np.random.Generator, count: int
             ) -> dict[str, Any]:
    """Accuracy on the planted images clean and stamped (and the gain), and the share of
    the other classes' images predicted as one of the stamp's classes, clean and stamped."""
    im = probe.images
    own, other = np.flatnonzero(im.planted), np.flatnonzero(~im.planted)
    draw_own, draw_other = resamples(rng, len(own), count), resamples(rng, len(other), count)
    right = {v: (p[own] == im.labels[own]) for v, p in
             (("clean", probe.predicted_clean), ("stamped", probe.predicted_stamped))}
    pulled = {v: np.isin(p[other], stamp.classes) for v, p in
              (("clean", probe.predicted_clean), ("stamped", probe.predicted_stamped))}
    acc = {v: bootstrap(x.astype(np.float64), draw_own) for v, x in right.items()}
    gain = (right["stamped"].astype(np.float64) - right["clean"])
    return {"n_planted": len(own), "n_other": len(other), "accuracy": acc,
            "gain": bootstrap(gain, draw_own),
            "pulled": {v: bootstrap(x.astype(np.float64), draw_other) for v, x in pulled.items()}}


def class_batches(probe: Probe, dataset, stamp: Stamp, cls: int, batch_size: int
                  ) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """The planted test images of class ``cls`` stamped, as (inputs, labels) batches."""
    im = probe.images
    rows = np.flatnonzero(im.planted & (im.labels == cls))
    out = []
    for lo in range(0, len(rows), batch_size):
        part = rows[lo:lo + batch_size]
        _, marked = read_stamped(dataset, im, part, stamp)
        out.append((dataset.inputs(marked), torch.from_numpy(im.labels[part])))
    return out


def ablations(intervener: Intervener, batches: list, channels: Mapping[str, int],
              sets: Mapping[str, Mapping[str, Sequence[int]]], repeats: int,
              rng: np.random.Generator, batch_size: int, device: torch.device,
              clean_accuracy: float) -> dict[str, Any]:
    """Each named set of channels ablated on a planted class's stamped images against
    ``repeats`` random sets of the same size per layer: accuracy, the random sets' mean,
    p (a random set lowering accuracy as much, counted with the set itself), and the share
    of the shortcut's gain removed (stamped accuracy down toward ``clean_accuracy``)."""
    sets = {k: {layer: list(c) for layer, c in v.items() if c} for k, v in sets.items()}
    sets = {k: v for k, v in sets.items() if v}
    conds, rows = conditions(channels, sets, repeats, rng)
    outcome = evaluate(intervener, batches, conds, batch_size, device)
    acc = outcome.correct.mean(axis=1) if outcome.correct.shape[1] else np.full(len(conds), np.nan)
    base, gain = float(acc[0]), float(acc[0]) - clean_accuracy
    out: dict[str, Any] = {"clean": round(clean_accuracy, ROUND), "stamped": round(base, ROUND),
                           "n_images": int(outcome.correct.shape[1])}
    for name, row in rows.items():
        random = acc[row + 1:row + 1 + repeats]
        out[name] = {"size": sum(len(c) for c in sets[name].values()),
                     "accuracy": round(float(acc[row]), ROUND),
                     "random_accuracy": round(float(random.mean()), ROUND),
                     "p": round((1 + int((random <= acc[row]).sum())) / (1 + repeats), ROUND),
                     "removed": round((base - float(acc[row])) / gain, ROUND) if gain > 0 else None}
    return out
