"""Stopping a random baseline once its verdict is settled, and confirming only the estimates
that decide a comparison: the faithfulness stage's arithmetic, on plain numbers.

A Monte Carlo test compares the graph with ``repeats`` random sets: its p-value is
(1 + #)/(1 + repeats), # the sets at least as damaging as the graph, and its verdict at
``level`` is p ≤ level. Drawn in order, the sets can stop once # reaches h, the smallest
count whose p exceeds the level: the verdict (not significant) can no longer change. The
p-value of a stopped test is then h/L after L sets (Besag & Clifford 1991, "Sequential Monte
Carlo p-values", Biometrika 78: 301–304); a test that runs to the end has the full p-value.
A graph that beats every set needs every set, so the saving is in the tests it does not win.

A set's value may be a first-order estimate (``summit.model.first_order``): it decides the
set's side of the comparison only when it lies more than a margin below the graph's exact
value; otherwise the set is ablated exactly, so every set that stops a test was ablated.
A like rule picks which points of estimated curves to compute exactly: enough that the
estimates' errors cannot flip the AUC comparison.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

# A margin is this many times the largest first-order error seen on exactly ablated sets of
# the same scope (their estimate against their exact value), and at least MARGIN_SHARE of the
# graph's own effect: an estimate decides only when it is clearly below the graph's.
SAFETY = 2.0
MARGIN_SHARE = 0.05


def stop_count(level: float, repeats: int) -> int:
    """h: the count of sets at least as damaging as the graph from which the test's verdict
    at ``level`` is "not significant" whatever the remaining sets (at least 1)."""
    return max(1, math.floor(level * (repeats + 1) + 1e-9))


@dataclass(frozen=True)
class Sequential:
    """A test's outcome: ``p`` (Besag–Clifford's when ``stopped``, else the full p-value),
    ``drawn`` sets used, ``exceed`` of them at least as damaging as the graph, and the
    verdict at the level (the full run's: it cannot change)."""

    p: float
    drawn: int
    exceed: int
    significant: bool
    stopped: bool


def besag_clifford(exceeds: Sequence[bool], repeats: int, level: float) -> Sequential:
    """The sequential test on the sets' outcomes in drawing order (True: at least as damaging
    as the graph); only the first ``drawn`` of ``exceeds`` are read."""
    h = stop_count(level, repeats)
    count = 0
    for i, e in enumerate(exceeds[:repeats], 1):
        count += bool(e)
        if count == h and i < repeats:
            return Sequential(h / i, i, h, False, True)
    if len(exceeds) < repeats:
        raise ValueError(f"{len(exceeds)} outcomes for a test of {repeats} sets")
    p = (1 + count) / (1 + repeats)
    return Sequential(p, repeats, count, p <= level, False)


def walk(indicator: Callable[[int], bool | None], repeats: int, level: float, quota: int
         ) -> tuple[list[int], Sequential | None]:
    """One round of a sequential test whose sets' outcomes are known (True/False) or not yet
    (None: to ablate exactly). The sets to ablate next, at most ``quota`` of the first
    unknown ones that can still matter (before h known exceedances), and, once none is left,
    the test's outcome."""
    h = stop_count(level, repeats)
    unknown, known, outcomes = [], 0, []
    for i in range(repeats):
        e = indicator(i)
        outcomes.append(e)
        if e is None:
            if len(unknown) < quota:
                unknown.append(i)
            continue
        known += e
        if known == h and i + 1 < repeats:
            break  # the test stops here or earlier, whatever the unknown sets before
    if unknown or None in outcomes:
        return unknown, None
    return [], besag_clifford([bool(e) for e in outcomes], repeats, level)


def side(value: float, estimated: bool, graph: float, margin: float) -> bool | None:
    """Is a set at least as damaging (or, for keep-sets, as accurate) as the graph? Exact
    values answer; an estimate answers only "no", and only more than ``margin`` below the
    graph's value: a set that may stop the test is always ablated (at most h per test)."""
    if not estimated:
        return bool(value >= graph)
    return False if value < graph - margin else None


def margin(errors: Sequence[float], graph: float) -> float:
    """How far an estimate must lie from the graph's value to decide: ``SAFETY`` times the
    largest first-order error seen in the scope, at least ``MARGIN_SHARE`` of the graph's."""
    seen = [abs(e) for e in errors if np.isfinite(e)]
    return max(SAFETY * max(seen, default=0.0), MARGIN_SHARE * abs(graph))


def decisive_points(gap: float, weights: np.ndarray, errors: np.ndarray, confirmed: np.ndarray
                    ) -> np.ndarray:
    """Points of estimated curves to compute exactly (indices into ``weights``, the largest
    weight × error first) so that errors of at most ``errors[k]`` at the other points cannot
    flip a comparison now ``gap`` from a tie: an area is a weighted sum of points, so its
    error is at most the sum of weight × error over the points left estimated."""
    bound = np.asarray(weights, float) * np.asarray(errors, float)
    open_ = [i for i in np.argsort(-bound, kind="stable") if not confirmed[i]]
    left = float(sum(bound[i] for i in open_))
    chosen = []
    for i in open_:
        if left < abs(gap):
            break
        chosen.append(int(i))
        left -= float(bound[i])
    return np.array(chosen, np.int64)


def trapezoid_weights(x: np.ndarray) -> np.ndarray:
    """Each point's weight in the trapezoidal area over ``x``."""
    if len(x) < 2:
        return np.ones(len(x))
    dx = np.diff(x)
    return np.concatenate([[dx[0] / 2], (dx[:-1] + dx[1:]) / 2, [dx[-1] / 2]])


def agreement(estimates: Sequence[float], exact: Sequence[float]) -> dict[str, float | int | None]:
    """How first-order estimates agree with exact ablation: Spearman's rho (null under 3
    values or without spread), the share with the same sign, the mean signed error
    (estimate − exact: its bias) and the largest error."""
    e, x = np.asarray(estimates, float), np.asarray(exact, float)
    n = len(e)
    if not n:
        return {"n": 0, "rho": None, "sign_agreement": None, "mean_error": None,
                "max_error": None}
    rho = (float(stats.spearmanr(e, x)[0]) if n >= 3 and np.ptp(e) > 0 and np.ptp(x) > 0
           else None)
    return {"n": n, "rho": rho, "sign_agreement": float(np.mean(np.sign(e) == np.sign(x))),
            "mean_error": float(np.mean(e - x)), "max_error": float(np.max(np.abs(e - x)))}
