"""Does a class's attribution graph explain the class? Evidence by intervention.

The graph is built from counts; a channel that fires often is not thereby one the decision
depends on. Here the graph's channels are replaced by a baseline (``summit.model.interventions``)
on the class's held-out images and the drop of the class's logit, probability and top-1
accuracy is compared with channel sets of the same size per layer that are random, matched
to the graph's channels by how often they fire in the class (A^l count rank), or simply the
class's most frequent channels. Also: each vertex alone, keep-only-the-graph (sufficiency),
deletion and insertion curves in PageRank order against random orders, and the graph's
effect on other classes' images (specificity). Format: ``summit.io.artifacts.Faithfulness``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from scipy import stats

from summit.method.graphs import attribution_graph
from summit.model.interventions import Condition, Intervener
from summit.model.trace import Hooks
from summit.settings import FaithfulnessSettings, GraphSettings

METRICS = ("logit", "prob", "accuracy")
VARIANTS = ("per_layer", "unified")  # the graph extractions tested, whichever is configured
# A matched channel is drawn from this many unused non-graph channels nearest in count rank
# to its graph channel: near enough to match, wide enough that the sets differ.
MATCH_WINDOW = 4
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
    """Per condition and image: the true class's logit and probability, and whether the
    top-1 prediction is the true class; ``labels`` per image."""

    logit: np.ndarray
    prob: np.ndarray
    correct: np.ndarray
    labels: np.ndarray

    def drops(self) -> dict[str, np.ndarray]:
        """Each metric's drop from the clean run (condition 0), per condition and image."""
        correct = self.correct.astype(np.float64)
        return {"logit": self.logit[0] - self.logit, "prob": self.prob[0] - self.prob,
                "accuracy": correct[0] - correct}


def evaluate(intervener: Intervener, batches: Batches, conditions: Sequence[Condition],
             max_batch: int, device: torch.device) -> Outcomes:
    """Every condition on every image, images streamed in batches: each batch's shared
    prefix is computed once, then its conditions run stacked, about ``max_batch`` images
    and conditions per forward pass."""
    groups: dict[str, list[int]] = {}
    for i, c in enumerate(conditions):
        groups.setdefault(intervener.start_layer(c), []).append(i)
    parts: list[tuple[np.ndarray, ...]] = []
    for images, labels in batches:
        keep = labels >= 0  # unreadable images come back labelled -1
        if not keep.any():
            continue
        images, labels = images[keep].to(device), labels[keep].to(device)
        shared = intervener.prefix(images)
        logit = torch.empty(len(conditions), len(labels), device=device)
        prob, correct = torch.empty_like(logit), torch.empty_like(logit, dtype=torch.bool)
        chunk = max(1, max_batch // len(labels))
        for start, rows in groups.items():
            for lo in range(0, len(rows), chunk):
                idx = rows[lo:lo + chunk]
                out = intervener.run(shared, start, [conditions[i] for i in idx]).float()
                true = labels[None, :, None].expand(len(idx), -1, 1)
                logit[idx] = out.gather(2, true)[..., 0]
                prob[idx] = torch.softmax(out, dim=2).gather(2, true)[..., 0]
                correct[idx] = out.argmax(dim=2) == labels[None]
        parts.append(tuple(t.cpu().numpy() for t in (logit, prob, correct, labels)))
    if not parts:
        empty = np.zeros((len(conditions), 0))
        return Outcomes(empty, empty, empty.astype(bool), np.zeros(0, np.int64))
    logit, prob, correct, labels = (np.concatenate(x, axis=-1) for x in zip(*parts,
                                                                            strict=True))
    return Outcomes(logit, prob, correct, labels)


def bootstrap(values: np.ndarray, resamples: np.ndarray) -> dict[str, float]:
    """Mean and 95 % percentile interval over the bootstrap resamples (rows of image
    indices) of per-image ``values``; NaN without images."""
    if not len(values):
        return {"mean": float("nan"), "low": float("nan"), "high": float("nan")}
    means = values[resamples].mean(axis=1)
    low, high = np.percentile(means, [2.5, 97.5])
    return {"mean": float(values.mean()), "low": float(low), "high": float(high)}


class _Plan:
    """Conditions to evaluate, each added once however many analyses ask for it."""

    def __init__(self, channels: Mapping[str, int]):
        self.channels = dict(channels)
        self.conditions: list[dict[str, np.ndarray]] = [{}]  # row 0: the clean run
        self._rows: dict[tuple, int] = {(): 0}

    def ablate(self, sets: Mapping[str, Iterable[int]], keep: bool = False) -> int:
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
        return self._rows[key]


def _vertex(v: str) -> tuple[str, int]:
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


class Evidence:
    """Plans the conditions for one class, and turns their outcomes into the record."""

    def __init__(self, inputs: ClassInputs, settings: FaithfulnessSettings, class_id: int):
        self.inputs, self.s, self.class_id = inputs, settings, class_id
        self.layers = list(inputs.channels)
        self.plan = _Plan(inputs.channels)
        self.rng = np.random.default_rng([settings.seed, class_id])
        self.design = {v: self._design(vertices) for v, vertices in inputs.graphs.items()}
        singles = dict.fromkeys(v for vs in inputs.graphs.values() for v, _ in vs)
        self.singles = {v: self.plan.ablate({_vertex(v)[0]: [_vertex(v)[1]]}) for v in singles}

    def _layer_sets(self, vertices: list[str]) -> dict[str, list[int]]:
        per = {layer: [] for layer in self.layers}
        for v in vertices:
            layer, channel = _vertex(v)
            per[layer].append(channel)
        return per

    def _design(self, ranked: list[tuple[str, float]]) -> dict[str, Any]:
        """The rows of one variant's conditions."""
        i, s, plan = self.inputs, self.s, self.plan
        vertices = [v for v, _ in ranked]
        graph = self._layer_sets(vertices)
        random = {layer: random_sets(self.rng, i.channels[layer], graph[layer],
                                     len(graph[layer]), s.repeats, i.excluded.get(layer, []))
                  for layer in self.layers}
        matched = {layer: [sorted(m for _, m in pairs) for pairs in matched_sets(
            self.rng, i.counts[layer], graph[layer], s.repeats, i.excluded.get(layer, []))]
            for layer in self.layers}
        top = {layer: top_count(i.counts[layer], len(graph[layer]), i.excluded.get(layer, []))
               for layer in self.layers}
        scopes: dict[str, dict[str, Any]] = {}
        for scope in [*self.layers, "all"]:
            def sets(chosen: dict[str, Any], r: int | None = None,
                     at: list[str] = self.layers if scope == "all" else [scope]
                     ) -> dict[str, Any]:
                return {x: chosen[x] if r is None else chosen[x][r] for x in at}

            scopes[scope] = {
                "size": sum(len(x) for x in sets(graph).values()),
                "graph": plan.ablate(sets(graph)),
                "random": [plan.ablate(sets(random, r)) for r in range(s.repeats)],
                "matched": [plan.ablate(sets(matched, r)) for r in range(s.repeats)],
                "top_count": plan.ablate(sets(top)),
                "top_count_overlap": sum(len(set(top[x]) & set(graph[x])) for x in sets(top)),
                "keep_graph": plan.ablate(sets(graph), keep=True),
                "keep_random": [plan.ablate(sets(random, r), keep=True)
                                for r in range(s.repeats)]}
        steps = curve_steps(len(vertices), s.curve_points)
        orders = [vertices] + [[vertices[j] for j in self.rng.permutation(len(vertices))]
                               for _ in range(s.curve_orders)]
        curves = {kind: [[plan.ablate({**dict.fromkeys(self.layers, []),
                                       **self._layer_sets(order[:k])}, keep=kind == "insertion")
                          for k in steps] for order in orders]
                  for kind in ("deletion", "insertion")}
        return {"vertices": vertices, "pagerank": [p for _, p in ranked],
                "sizes": {x: len(graph[x]) for x in self.layers},
                "sets": {"random": {x: [c.tolist() for c in random[x]] for x in self.layers},
                         "matched": matched,
                         "top_count": {x: top[x].tolist() for x in self.layers},
                         "orders": orders[1:]},
                "scopes": scopes,
                "steps": steps, "curves": curves, "all": scopes["all"]["graph"]}

    def specificity_conditions(self) -> list[dict[str, np.ndarray]]:
        """Clean, then each variant's whole graph ablated: what runs on other classes."""
        rows = [0, *(d["all"] for d in self.design.values())]
        return [self.plan.conditions[r] for r in rows]

    def record(self, main: Outcomes, others: Outcomes) -> dict[str, Any]:
        """The record's ``clean``, ``channels`` and ``variants`` from the outcomes of
        ``plan.conditions`` on the class's images and of ``specificity_conditions`` on the
        other classes' images."""
        n = main.logit.shape[1]
        resamples = self.rng.integers(0, max(n, 1), (self.s.bootstrap, n))
        drops = main.drops()
        means = {m: d.mean(axis=1) if n else np.full(len(d), np.nan) for m, d in drops.items()}

        def estimates(row: int) -> dict[str, dict[str, float]]:
            return {m: bootstrap(d[row], resamples) for m, d in drops.items()}

        def accuracy(row: int) -> float:
            return float(main.correct[row].mean()) if n else float("nan")

        channels = {v: estimates(r) for v, r in self.singles.items()}
        variants = {}
        for k, (name, d) in enumerate(self.design.items()):
            ablation, sufficiency = {}, {}
            for scope, rows in d["scopes"].items():
                graph = estimates(rows["graph"])
                base = {kind: {m: means[m][rows[kind]].tolist() for m in METRICS}
                        for kind in ("random", "matched")}
                p = {f"p_{kind}": (1 + int((means["logit"][rows[kind]]
                                            >= graph["logit"]["mean"]).sum()))
                     / (1 + len(rows[kind])) for kind in ("random", "matched")}
                ablation[scope] = {"size": rows["size"], "graph": graph, **base,
                                   "top_count": estimates(rows["top_count"]),
                                   "top_count_overlap": rows["top_count_overlap"], **p}
                sufficiency[scope] = {"graph": accuracy(rows["keep_graph"]),
                                      "random": [accuracy(r) for r in rows["keep_random"]]}
            variants[name] = {
                "vertices": d["vertices"], "pagerank": d["pagerank"], "sizes": d["sizes"],
                "sets": d["sets"],
                "ablation": ablation, "sufficiency": sufficiency,
                "rank_correlation": _rank_correlation(
                    d["pagerank"], [channels[v]["logit"]["mean"] for v in d["vertices"]]),
                "specificity": _specificity(others, 1 + k, self.class_id,
                                            float(means["logit"][d["all"]]), n),
                "curves": {kind: _curve(main.prob, d["steps"], orders)
                           for kind, orders in d["curves"].items()},
                "score": float(means["logit"][d["all"]]
                               - np.mean(means["logit"][d["scopes"]["all"]["random"]]))}
        clean = {"logit": float(main.logit[0].mean()) if n else float("nan"),
                 "prob": float(main.prob[0].mean()) if n else float("nan"),
                 "accuracy": accuracy(0)}
        return {"clean": clean, "channels": channels, "variants": variants}


def _rank_correlation(pagerank: list[float], effects: list[float]) -> dict[str, Any]:
    """Spearman correlation of PageRank with single-vertex effects; null when undefined."""
    n = len(pagerank)
    if n < 3 or np.ptp(pagerank) == 0 or np.ptp(effects) == 0:
        return {"rho": None, "p": None, "n": n}
    rho, p = stats.spearmanr(pagerank, effects)
    return {"rho": float(rho), "p": float(p), "n": n}


def _specificity(others: Outcomes, row: int, class_id: int, own: float, n_own: int
                 ) -> dict[str, Any]:
    """Mean drop of each class's own logit when the graph is ablated: this class first."""
    drop = others.logit[0] - others.logit[row]
    classes = sorted(set(others.labels.tolist()) - {class_id})
    return {"classes": [class_id, *classes], "logit": [own, *(
        float(drop[others.labels == c].mean()) for c in classes)],
        "n_images": [n_own, *(int((others.labels == c).sum()) for c in classes)]}


def _curve(prob: np.ndarray, steps: np.ndarray, orders: list[list[int]]) -> dict[str, Any]:
    """Mean true-class probability along each order (the PageRank order first), and the
    area under each over the share of vertices changed."""
    x = steps / max(int(steps[-1]), 1)
    ys = [[float(prob[r].mean()) if prob.shape[1] else float("nan") for r in rows]
          for rows in orders]
    auc = [float(np.trapezoid(y, x)) if len(y) > 1 else y[0] for y in ys]
    return {"k": steps.tolist(), "graph": ys[0], "random": ys[1:], "auc": auc[0],
            "auc_random": auc[1:]}


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
