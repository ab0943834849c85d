"""Does a class's attribution graph explain the class? Evidence by intervention.

The graph is built from counts; a channel that fires often is not thereby one the decision
depends on. Here the graph's channels are replaced by a baseline (``summit.model.interventions``)
on the class's held-out images and the drop of the class's logit, probability and top-1
accuracy is compared with channel sets of the same size per layer that are random, matched
to the graph's channels by how often they fire in the class (A^l count rank), or simply the
class's most frequent channels. Also: each vertex alone, keep-only-the-graph (sufficiency),
deletion and insertion curves in PageRank order against random orders, and the graph's
effect on other classes' images (specificity). Format: ``summit.io.artifacts.Faithfulness``.

This module holds the samplers of those sets, the ``Runner`` that evaluates conditions in
rounds on a class's images (their shared prefix computed once) and specificity in rounds of
classes; ``faithfulness_design`` plans a class's conditions and decides which to evaluate
(sequential tests, first-order estimates), ``faithfulness_record`` writes the record.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from scipy import stats

from summit.method.graphs import attribution_graph
from summit.model.interventions import Condition, Intervener
from summit.model.trace import Hooks
from summit.settings import GraphSettings

METRICS = ("logit", "prob", "accuracy")
VARIANTS = ("per_layer", "unified")  # the graph extractions tested, whichever is configured
# A matched channel is drawn from this many unused non-graph channels nearest in count rank
# to its graph channel: near enough to match, wide enough that the sets differ.
MATCH_WINDOW = 4
# Other classes for specificity are tested this many at a time, until the comparison is settled.
SPECIFICITY_ROUND = 10
Batches = Iterable[tuple[torch.Tensor, torch.Tensor]]


def count_ranks(counts: np.ndarray) -> np.ndarray:
    """Each channel's rank by count, 0 the most frequent; ties by channel index."""
    order = np.argsort(-np.asarray(counts, np.float64), kind="stable")
    ranks = np.empty(len(order), np.int64)
    ranks[order] = np.arange(len(order))
    return ranks


def _pool(n: int, *excluded: Iterable[int]) -> np.ndarray:
    out = np.ones(n, bool)
    for channels in excluded:
        out[np.asarray(list(channels), np.int64)] = False
    return np.flatnonzero(out)


def random_sets(rng: np.random.Generator, n_channels: int, graph: Sequence[int], size: int,
                repeats: int, excluded: Iterable[int] = ()) -> list[np.ndarray]:
    """``repeats`` sets of ``size`` channels drawn uniformly from those neither in the graph
    nor excluded (fewer when fewer remain), each sorted."""
    pool = _pool(n_channels, graph, excluded)
    size = min(size, len(pool))
    return [np.sort(rng.choice(pool, size, replace=False)) for _ in range(repeats)]


def matched_sets(rng: np.random.Generator, counts: np.ndarray, graph: Sequence[int],
                 repeats: int, excluded: Iterable[int] = (),
                 window: int = MATCH_WINDOW) -> list[list[tuple[int, int]]]:
    """``repeats`` sets matched to the graph's channels by count rank: per graph channel (in
    a random order), one of the ``window`` unused non-graph channels nearest to it in rank.
    Each set is its (graph channel, matched channel) pairs."""
    ranks = count_ranks(counts)
    pool = _pool(len(counts), graph, excluded)
    sets = []
    for _ in range(repeats):
        free = np.ones(len(pool), bool)
        pairs = []
        for g in rng.permutation(np.asarray(graph, np.int64)):
            candidates = np.flatnonzero(free)
            if not len(candidates):
                break
            distance = np.abs(ranks[pool[candidates]] - ranks[g])
            nearest = candidates[np.argsort(distance, kind="stable")[:window]]
            pick = rng.choice(nearest)
            free[pick] = False
            pairs.append((int(g), int(pool[pick])))
        sets.append(sorted(pairs))
    return sets


def top_count(counts: np.ndarray, size: int, excluded: Iterable[int] = ()) -> np.ndarray:
    """The ``size`` channels the class fires most often (A^l), excluded ones left out."""
    pool = _pool(len(counts), excluded)
    order = pool[np.argsort(-np.asarray(counts, np.float64)[pool], kind="stable")]
    return np.sort(order[:size])


def curve_steps(n: int, points: int) -> np.ndarray:
    """Vertex counts 0..n at which a deletion/insertion curve is measured, at most
    ``points`` of them, spread evenly and always with both ends."""
    return np.unique(np.linspace(0, n, min(n + 1, points)).round().astype(np.int64))


@dataclass
class Outcomes:
    """Per condition and image: the true class's logit and probability, whether the top-1
    prediction is the true class and which class it is (NaN, False and -1 for a condition
    not evaluated); ``labels`` per image."""

    logit: np.ndarray
    prob: np.ndarray
    correct: np.ndarray
    predicted: np.ndarray
    labels: np.ndarray

    def drops(self) -> dict[str, np.ndarray]:
        """Each metric's drop from the clean run (condition 0), per condition and image."""
        correct = self.correct.astype(np.float64)
        return {"logit": self.logit[0] - self.logit, "prob": self.prob[0] - self.prob,
                "accuracy": correct[0] - correct}


class Runner:
    """A class's images held with what every condition shares (each batch's prefix, computed
    once), and each condition's outcomes once asked for: the stage asks in rounds, each
    round's conditions stacked about ``max_batch`` images and conditions per forward pass."""

    def __init__(self, intervener: Intervener, batches: Batches,
                 conditions: Sequence[Condition], max_batch: int, device: torch.device):
        self.intervener, self.conditions, self.max_batch = intervener, conditions, max_batch
        self.batches = []
        for images, labels in batches:
            keep = labels >= 0  # unreadable images come back labelled -1
            if keep.any():
                images, labels = images[keep].to(device), labels[keep].to(device)
                self.batches.append((images, labels, intervener.prefix(images)))
        self.labels = (torch.cat([b[1] for b in self.batches]).cpu().numpy() if self.batches
                       else np.zeros(0, np.int64))
        shape = (len(conditions), len(self.labels))
        self.logit, self.prob = np.full(shape, np.nan), np.full(shape, np.nan)
        self.correct = np.zeros(shape, bool)
        self.predicted = np.full(shape, -1, np.int64)
        self.done = np.zeros(len(conditions), bool)  # evaluated, on ``upto`` leading images
        self.upto = np.zeros(len(conditions), np.int64)

    def images(self) -> list[tuple[torch.Tensor, torch.Tensor]]:
        """The held images and labels, batch by batch."""
        return [(images, labels) for images, labels, _ in self.batches]

    def known(self, row: int, n: int | None = None) -> bool:
        """Whether a condition has been evaluated on the first ``n`` images (every one)."""
        return bool(self.done[row]) and self.upto[row] >= self._count(n)

    def _count(self, n: int | None) -> int:
        return len(self.labels) if n is None else min(n, len(self.labels))

    def evaluate(self, rows: Iterable[int], n: int | None = None) -> None:
        """Evaluate the conditions of ``rows`` on the first ``n`` images (every image by
        default) where not evaluated yet; one that replaces a whole layer
        (``Intervener.constant_after``) on one image, as its outcome is every image's."""
        n = self._count(n)
        todo = sorted({int(r) for r in rows if not self.known(r, n)})
        groups: dict[tuple[str, int], list[int]] = {}
        constant: dict[str, list[int]] = {}
        for r in todo:
            after = self.intervener.constant_after(self.conditions[r])
            if after:
                constant.setdefault(after, []).append(r)
            else:  # from the first image it lacks
                start = self.intervener.start_layer(self.conditions[r])
                groups.setdefault((start, int(self.upto[r])), []).append(r)
        fixed = self._constant(constant)
        offset = 0
        for _, labels, shared in self.batches:
            end = offset + len(labels)
            for (start, first), rows_ in groups.items():
                lo, hi = max(offset, first), min(end, n)
                if lo < hi:
                    self._run(rows_, start, shared, slice(lo - offset, hi - offset),
                              slice(lo, hi), labels)
            for first in sorted({int(self.upto[i]) for i in fixed}):
                lo, hi = max(offset, first), min(end, n)
                idx = [i for i in fixed if self.upto[i] == first]
                if lo < hi:
                    out = torch.stack([fixed[i] for i in idx])[:, None].expand(-1, hi - lo, -1)
                    self._store(idx, slice(lo, hi), labels[lo - offset:hi - offset], out)
            offset = end
        self.done[todo] = True
        self.upto[todo] = n

    def _run(self, rows: list[int], start: str, shared: dict[str, torch.Tensor],
             part: slice, cols: slice, labels: torch.Tensor) -> None:
        """Conditions ``rows`` from layer ``start`` on one batch's images ``part`` (the
        images ``cols`` of the class), stacked about ``max_batch`` per forward pass."""
        whole = part.start == 0 and part.stop == len(labels)
        prefix = shared if whole else {node: v[part] for node, v in shared.items()}
        labels = labels[part]
        chunk = max(1, self.max_batch // len(labels))
        for lo in range(0, len(rows), chunk):
            idx = rows[lo:lo + chunk]
            out = self.intervener.run(prefix, start, [self.conditions[i] for i in idx]).float()
            self._store(idx, cols, labels, out)

    def _constant(self, groups: dict[str, list[int]]) -> dict[int, torch.Tensor]:
        """The outputs of conditions that do not depend on the image, from one image."""
        if not groups or not self.batches:
            return {}
        one = {node: v[:1] for node, v in self.batches[0][2].items()}
        out = {}
        for start, rows in groups.items():
            for lo in range(0, len(rows), self.max_batch):
                idx = rows[lo:lo + self.max_batch]
                values = self.intervener.run(one, start, [self.conditions[i] for i in idx])
                out.update({i: v[0].float() for i, v in zip(idx, values, strict=True)})
        return out

    def _store(self, idx: list[int], cols: slice, labels: torch.Tensor, out: torch.Tensor
               ) -> None:
        """Keep conditions' outputs (conditions, images, outputs) for the images ``cols``."""
        true = labels[None, :, None].expand(len(idx), -1, 1)
        self.logit[idx, cols] = out.gather(2, true)[..., 0].cpu().numpy()
        self.prob[idx, cols] = torch.softmax(out, dim=2).gather(2, true)[..., 0].cpu().numpy()
        self.predicted[idx, cols] = out.argmax(dim=2).cpu().numpy()
        self.correct[idx, cols] = self.predicted[idx, cols] == labels[None].cpu().numpy()

    def outcomes(self) -> Outcomes:
        """Every condition's outcomes so far."""
        return Outcomes(self.logit, self.prob, self.correct, self.predicted, self.labels)


def evaluate(intervener: Intervener, batches: Batches, conditions: Sequence[Condition],
             max_batch: int, device: torch.device) -> Outcomes:
    """Every condition on every image, in one round (see ``Runner``)."""
    runner = Runner(intervener, batches, conditions, max_batch, device)
    runner.evaluate(range(len(conditions)))
    return runner.outcomes()


def specificity(intervener: Intervener, batches_of: Callable[[list[int]], Batches],
                classes: Sequence[int], conditions: Sequence[Condition], own: Sequence[float],
                max_batch: int, device: torch.device) -> Outcomes:
    """Other classes' outcomes under ``conditions`` (clean, then one per variant whose own
    drops are ``own``): ``SPECIFICITY_ROUND`` classes at a time, until every variant's own
    drop lies outside the 95 % t-interval of the tested classes' mean drop (the comparison
    "more than the other classes" is settled) or no class is left."""
    parts: list[Outcomes] = []
    for lo in range(0, len(classes), SPECIFICITY_ROUND):
        parts.append(evaluate(intervener, batches_of(list(classes[lo:lo + SPECIFICITY_ROUND])),
                              conditions, max_batch, device))
        drops = np.concatenate([p.logit[0] - p.logit[1:] for p in parts], axis=1)
        labels = np.concatenate([p.labels for p in parts])
        tested = sorted(set(labels.tolist()))
        if len(tested) < 2:
            continue
        per = np.array([[d[labels == c].mean() for c in tested] for d in drops])
        half = (stats.t.ppf(0.975, len(tested) - 1) * per.std(axis=1, ddof=1)
                / np.sqrt(len(tested)))
        if np.all(np.abs(np.asarray(own) - per.mean(axis=1)) > half):
            break
    if not parts:
        return evaluate(intervener, [], conditions, max_batch, device)
    return Outcomes(*(np.concatenate([getattr(p, f) for p in parts], axis=-1)
                      for f in ("logit", "prob", "correct", "predicted", "labels")))


def bootstrap(values: np.ndarray, resamples: np.ndarray) -> dict[str, float]:
    """Mean and 95 % percentile interval over the bootstrap resamples (rows of image
    indices) of per-image ``values``; NaN without images."""
    if not len(values):
        return {"mean": float("nan"), "low": float("nan"), "high": float("nan")}
    means = values[resamples].mean(axis=1)
    low, high = np.percentile(means, [2.5, 97.5])
    return {"mean": float(values.mean()), "low": float(low), "high": float(high)}


class Plan:
    """Every condition a class's tests may ask for, each once however many ask, with the
    kinds of baseline that ask (``tags``), so what was evaluated can be counted by kind."""

    def __init__(self, channels: Mapping[str, int]):
        self.channels = dict(channels)
        self.conditions: list[dict[str, np.ndarray]] = [{}]  # row 0: the clean run
        self.tags: list[set[str]] = [{"clean"}]
        self._rows: dict[tuple, int] = {(): 0}

    def ablate(self, sets: Mapping[str, Iterable[int]], tag: str, keep: bool = False) -> int:
        """The row of the condition replacing channels ``sets`` per layer (or, with
        ``keep``, all of those layers' channels but these)."""
        condition = {}
        for layer, chosen in sets.items():
            mask = np.zeros(self.channels[layer], bool)
            mask[np.asarray(list(chosen), np.int64)] = True
            if keep:
                mask = ~mask
            if mask.any():
                condition[layer] = mask
        key = tuple(sorted((k, v.tobytes()) for k, v in condition.items()))
        if key not in self._rows:
            self._rows[key] = len(self.conditions)
            self.conditions.append(condition)
            self.tags.append(set())
        row = self._rows[key]
        self.tags[row].add(tag)
        return row

    def work(self, done: np.ndarray) -> dict[str, list[int]]:
        """Per tag, conditions evaluated and planned: what the estimates and early stops
        saved (a condition two tags share counts for both)."""
        out: dict[str, list[int]] = {}
        for tags, evaluated in zip(self.tags, done, strict=True):
            for tag in tags:
                counts = out.setdefault(tag, [0, 0])
                counts[0] += int(evaluated)
                counts[1] += 1
        return dict(sorted(out.items()))


def vertex(v: str) -> tuple[str, int]:
    """A vertex id's layer and channel."""
    layer, channel = v.rsplit(":", 1)
    return layer, int(channel)


@dataclass
class ClassInputs:
    """What one class's evidence is computed from: per layer its channel count, the class's
    A^l row and the channels no graph may hold; per variant its graph's vertices in
    decreasing PageRank with their scores."""

    channels: dict[str, int]
    counts: dict[str, np.ndarray]
    excluded: dict[str, list[int]]
    graphs: dict[str, list[tuple[str, float]]]

    @classmethod
    def from_graph(cls, full: Any, excluded: dict[str, list[int]], layers: Sequence[Any],
                   settings: GraphSettings) -> ClassInputs:
        """From the class's full graph inputs (``summit.method.graphs.GraphInputs.full``):
        its graph by each extraction variant, both tested whichever the study configured."""
        graphs = {}
        for variant in VARIANTS:
            nodes = attribution_graph(full, dataclasses.replace(settings, extraction=variant))
            ranked = sorted(nodes["nodes"], key=lambda v: -v["pagerank"])
            graphs[variant] = [(v["id"], v["pagerank"]) for v in ranked]
        return cls(channels={x.name: x.channels for x in layers},
                   counts={x.name: full.counts[(full.layer_of == i)]
                           for i, x in enumerate(layers)},
                   excluded=excluded, graphs=graphs)


@torch.no_grad()
def reference_means(model: torch.nn.Module, layers: Sequence[str], batches: Batches,
                    device: torch.device) -> tuple[dict[str, np.ndarray], int]:
    """Each primary layer's mean activation map (C, H, W) over the images, streamed, and
    the number of images read: the baseline that mean ablation puts in a channel's place."""
    sums: dict[str, torch.Tensor] = {}

    def hook(name: str):
        def add(module, args, out):
            total = out.double().sum(dim=0)
            sums[name] = sums[name] + total if name in sums else total
        return add

    n = 0
    with Hooks(model, {x: hook(x) for x in layers}):
        for images, labels in batches:
            keep = labels >= 0
            if keep.any():
                model(images[keep].to(device))
                n += int(keep.sum())
    if not n:
        raise ValueError("no readable reference image")
    return {x: (sums[x] / n).float().cpu().numpy() for x in layers}, n
