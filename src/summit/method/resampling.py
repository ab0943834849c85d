"""Resampling a class's images without another pass: the foundation of every finding's support.

The aggregation pass keeps its influence tallies (and A^l keeps its counts) per disjoint
group of the class's images, so any multiset of groups gives a graph without another
forward pass: the weighted sum of the groups' tallies and counts. Bootstrap resamples draw
G groups with replacement (seeded by the stability seed and the class); split halves draw
half of the groups against the other half. A vertex's (or edge's) *inclusion* is the share
of resampled graphs holding it; a finding's *support* is the share of resamples in which it
holds, and below ``min_support`` it is *tentative*.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Iterator, Sequence
from typing import Any

import numpy as np

from summit.errors import SummitError


def resample_weights(seed: int, class_id: int, resamples: int, groups: int) -> np.ndarray:
    """resamples × groups: how often each group is drawn in each bootstrap resample.

    The one definition every stage uses, so a class's b-th resample is the same multiset
    of groups for its graph and for the findings built on its counts.
    """
    rng = np.random.default_rng([seed, class_id])
    draws = rng.integers(0, groups, (resamples, groups))
    return np.stack([np.bincount(row, minlength=groups) for row in draws]) if resamples else \
        np.zeros((0, groups), np.int64)


def study_weights(seed: int, class_ids: list[int], resamples: int, groups: int) -> np.ndarray:
    """classes × resamples × groups: every class's ``resample_weights``, so that resample b
    of the study draws each class's own b-th multiset, the one its graph is rebuilt from."""
    return np.stack([resample_weights(seed, c, resamples, groups) for c in class_ids])


def weighted_rows(group_counts: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """classes × channels: each class's counts of its multiset of groups (``weights``:
    classes × groups), ``weighted`` for every class at once."""
    return np.einsum("cg,cgk->ck", np.asarray(weights, np.int64),
                     np.asarray(group_counts, np.int64))


def half_splits(seed: int, class_id: int, splits: int, groups: int) -> np.ndarray:
    """splits × groups booleans: True for the groups of the first half (⌊G/2⌋ of them)."""
    rng = np.random.default_rng([seed, class_id, 1])
    out = np.zeros((splits, groups), bool)
    for row in out:
        row[rng.permutation(groups)[:groups // 2]] = True
    return out


def weighted(by_group: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Σ_g weights[g] · by_group[g]: the tallies or counts of a multiset of groups."""
    return np.tensordot(np.asarray(weights, np.int64), by_group, axes=(0, 0))


def jaccard(a: set, b: set) -> float:
    """|a ∩ b| / |a ∪ b|; two empty sets agree (1)."""
    return len(a & b) / len(a | b) if a | b else 1.0


def inclusion(sets: list[set]) -> dict[Hashable, float]:
    """Each element's share of ``sets`` holding it."""
    counts: dict[Hashable, int] = {}
    for s in sets:
        for x in s:
            counts[x] = counts.get(x, 0) + 1
    return {x: n / len(sets) for x, n in counts.items()}


def support(holds: Iterable[bool]) -> float:
    """The share of resamples in which a finding holds."""
    h = np.asarray(list(holds), bool)
    return round(float(h.mean()), 6) if h.size else float("nan")


def vertex_set(graph: dict[str, Any]) -> set[str]:
    return {n["id"] for n in graph["nodes"]}


def edge_set(graph: dict[str, Any]) -> set[tuple[str, str]]:
    return {(e["source"], e["target"]) for e in graph["edges"]}


def tentative(share: float, min_support: float) -> bool:
    """A finding holding in fewer than ``min_support`` of the resamples (or in none measured)
    is tentative: another sample of images would likely not reproduce it."""
    return not share >= min_support


def percentiles(values: Iterable[float], ps: Sequence[float], *, extremes: bool = False,
                empty: float | None = float("nan")) -> dict[str, float | None]:
    """A distribution in brief: its mean and percentiles ``ps`` (keys ``p5``, ``p95``, …),
    with ``extremes`` its max, rounded to 6 digits; ``empty`` for each when there are no
    values. The one summary of a resampled statistic or a score distribution."""
    v = np.asarray(list(values), np.float64)
    keys = ["mean", *(f"p{p:g}" for p in ps), *(["max"] if extremes else [])]
    if not v.size:
        return dict.fromkeys(keys, empty)
    stats = [v.mean(), *np.percentile(v, list(ps)), *([v.max()] if extremes else [])]
    return {k: round(float(x), 6) for k, x in zip(keys, stats, strict=True)}


def spread(values: Iterable[float]) -> dict[str, float]:
    """Mean, 5th and 95th percentiles of a resampled statistic: the interval the tables and
    figures show around a finding's value."""
    return percentiles(values, (5, 95))  # type: ignore[return-value]


class SupportError(SummitError):
    """Resampled graphs that cannot be combined (made with other stability settings)."""


def resampled_graph(cls: dict[str, Any], resample: dict[str, Any]) -> dict[str, Any]:
    """One resampled graph (``ResampledGraphs.resamples[b]``) in the graphs' own shape
    (``class``, ``nodes`` [{id, layer, channel}], ``edges`` [{source, target}]), so the
    analyses measure it exactly as they measure the graph. (A second model's vertex without a
    matched channel, ``layer:b<j>`` (``summit.analyses.matching.translate``), has channel null.)"""
    nodes = [(v, *v.rsplit(":", 1)) for v in resample["nodes"]]
    return {"class": cls,
            "nodes": [{"id": v, "layer": layer, "channel": int(c) if c.isdigit() else None}
                      for v, layer, c in nodes],
            "edges": [{"source": s, "target": t} for s, t in resample["edges"]]}


def by_resample(records: list[dict[str, Any]],
                class_ids: list[int] | None = None) -> Iterator[list[dict[str, Any]]]:
    """Every class's b-th resampled graph together, for each b in turn (classes in
    ``records`` order; a record is a ``ResampledGraphs`` as JSON).

    A class's resamples are drawn independently of the other classes' (its own seed), so
    the b-th of each, taken together, is one independent draw of the whole study: a finding
    over several classes holds or not in each such draw. Records made with other settings
    (another seed, number of resamples or extraction) do not combine. One draw at a time,
    so a thousand classes' resampled graphs are never all held as graphs at once. With
    ``class_ids``, the records must be those classes' in that order. Without records (the
    stability stage off), there are no draws: every support is then NaN, not measured.
    """
    if not records:  # none built (stages.stability off): no draws, so no support
        return iter(())
    found = [r["class"]["id"] for r in records]
    if class_ids is not None and found != list(class_ids):
        raise SupportError(f"resampled graphs of classes {found}, the analysis has classes "
                           f"{list(class_ids)}; give one file per class, in the same order")
    for r in records[1:]:
        if r["settings"] != records[0]["settings"]:
            raise SupportError(
                f"the resampled graphs of classes {records[0]['class']['name']!r} and "
                f"{r['class']['name']!r} were made with other stability settings "
                f"({records[0]['settings']} vs {r['settings']}); re-run the stability stage")
    n = len(records[0]["resamples"]) if records else 0
    return ([resampled_graph(r["class"], r["resamples"][b]) for r in records] for b in range(n))
