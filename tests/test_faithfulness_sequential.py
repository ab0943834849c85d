"""Sequential Monte Carlo tests and decisive points (summit.evidence.sequential) against the
full computation: the same sets, every repeat drawn."""

import numpy as np
import pytest

from summit.evidence.sequential import (
    besag_clifford,
    decisive_points,
    margin,
    side,
    stop_count,
    trapezoid_weights,
    walk,
)


def _full(exceeds, repeats, level):
    """The test with every set drawn: its p-value and verdict."""
    p = (1 + sum(exceeds[:repeats])) / (1 + repeats)
    return p, p <= level


def _cases():
    rng = np.random.default_rng(0)
    for repeats in (1, 2, 5, 19, 20, 38, 39, 99):
        for level in (0.01, 0.05, 0.1, 0.2, 0.5):
            for share in (0.0, 0.02, 0.1, 0.5, 1.0):
                for _ in range(2):
                    yield rng.random(repeats) < share, repeats, level


@pytest.mark.parametrize("exceeds,repeats,level", list(_cases()))
def test_the_sequential_verdict_is_the_full_one_and_its_p_value_besag_cliffords(
        exceeds, repeats, level):
    got = besag_clifford(list(exceeds), repeats, level)
    p_full, verdict = _full(exceeds, repeats, level)
    assert got.significant == verdict
    h = stop_count(level, repeats)
    if got.stopped:
        assert got.drawn < repeats and got.p == h / got.drawn and not verdict
        assert sum(exceeds[:got.drawn]) == h and exceeds[got.drawn - 1]
        assert p_full > level  # the remaining sets could not have changed it
    else:
        assert got.drawn == repeats and got.p == p_full
        assert sum(exceeds[:-1]) < h  # never h exceedances before the last set


@pytest.mark.parametrize("exceeds,repeats,level", list(_cases()))
def test_with_the_default_level_the_p_value_says_the_verdict(exceeds, repeats, level):
    """Where h/(repeats − 1) > level (the defaults: 20 sets at 0.05), a stopped test's
    p-value is above the level, so p ≤ level and the verdict agree."""
    got = besag_clifford(list(exceeds), repeats, level)
    if repeats > 1 and stop_count(level, repeats) / (repeats - 1) > level:
        assert (got.p <= level) == got.significant


@pytest.mark.parametrize("repeats,level,h", [(20, 0.05, 1), (19, 0.05, 1), (39, 0.05, 2),
                                             (99, 0.05, 5), (20, 0.01, 1), (9, 0.5, 5)])
def test_stop_count_is_the_first_count_without_significance(repeats, level, h):
    assert stop_count(level, repeats) == h
    if h > 1 or (1 / (1 + repeats) <= level):
        assert (h / (1 + repeats)) <= level + 1e-12  # h − 1 exceedances: significant
    assert (1 + h) / (1 + repeats) > level  # h exceedances: not


def test_boundaries():
    # the graph beats every set: all drawn, the smallest p
    assert besag_clifford([False] * 20, 20, 0.05).p == pytest.approx(1 / 21)
    # the only exceedance is the last set: no early stop, the full p
    last = besag_clifford([False] * 19 + [True], 20, 0.05)
    assert not last.stopped and last.p == pytest.approx(2 / 21) and not last.significant
    # the first set exceeds: stopped at once, p = 1
    first = besag_clifford([True] + [False] * 19, 20, 0.05)
    assert first.stopped and first.drawn == 1 and first.p == 1.0
    # a level no run can reach: stops at the first exceedance, never significant
    assert not besag_clifford([False] * 5, 5, 0.1).significant
    with pytest.raises(ValueError):
        besag_clifford([False] * 3, 20, 0.05)


@pytest.mark.parametrize("seed", range(40))
def test_walking_with_estimates_gives_the_exact_outcome_when_they_decide_rightly(seed):
    """Sets whose estimate lies beyond the margin are decided by it; the rest are ablated
    round by round. With estimate errors under the margin, the outcome is the exact one."""
    rng = np.random.default_rng(seed)
    repeats, level = int(rng.choice([5, 20, 40])), float(rng.choice([0.05, 0.1]))
    graph = 1.0
    exact = rng.normal(rng.uniform(0.2, 1.2), 0.4, repeats)
    error = 0.1
    estimate = exact + rng.uniform(-error, error, repeats)
    m = margin([error / 2], graph)  # SAFETY × the error seen: above every real error
    known: set[int] = set()
    ablated_in_rounds = []
    quota = 1
    while True:
        def indicator(i, known=frozenset(known)):
            return side(exact[i] if i in known else estimate[i], i not in known, graph, m)

        unknown, result = walk(indicator, repeats, level, quota)
        if result is not None:
            break
        assert unknown and not set(unknown) & known and len(unknown) <= quota
        known |= set(unknown)
        ablated_in_rounds.append(unknown)
        quota *= 2
    want = besag_clifford(list(exact >= graph), repeats, level)
    assert result == want
    for i in known:  # only sets the estimate could not place below the graph were ablated
        assert estimate[i] >= graph - m


def test_walk_asks_only_for_sets_before_the_stop():
    values = {0: False, 1: None, 2: True, 3: None, 4: False}
    unknown, result = walk(values.get, 5, 0.05, quota=10)
    assert unknown == [1] and result is None  # set 3 comes after a known exceedance
    values[1] = False
    assert walk(values.get, 5, 0.05, quota=10) == ([], besag_clifford([False, False, True],
                                                                       5, 0.05))


def test_side_decides_by_an_estimate_only_beyond_the_margin():
    assert side(0.5, False, 0.5, 10) is True  # exact: ties count as exceeding
    assert side(0.49, False, 0.5, 0) is False
    assert side(0.3, True, 0.5, 0.1) is False  # clearly below: the estimate decides
    assert side(0.45, True, 0.5, 0.1) is None and side(0.55, True, 0.5, 0.1) is None
    assert side(9.0, True, 0.5, 0.1) is None  # may stop the test: always ablated
    assert margin([0.01, -0.3, float("nan")], 1.0) == pytest.approx(0.6)
    assert margin([], 2.0) == pytest.approx(0.1)  # at least a share of the graph's effect


@pytest.mark.parametrize("seed", range(30))
def test_decisive_points_leave_a_bound_below_the_gap(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(3, 12))
    x = np.sort(np.concatenate([[0, 1], rng.random(n - 2)]))
    w = trapezoid_weights(x)
    errors = rng.uniform(0, 0.1, n)
    confirmed = rng.random(n) < 0.3
    gap = float(rng.uniform(-0.1, 0.1))
    chosen = decisive_points(gap, w, errors, confirmed)
    assert not confirmed[chosen].any() and len(set(chosen.tolist())) == len(chosen)
    left = [k for k in range(n) if not confirmed[k] and k not in chosen]
    assert sum(w[k] * errors[k] for k in left) < abs(gap) or not left
    if len(chosen):  # the heaviest bound first: no left point outweighs a chosen one
        assert min(w[chosen] * errors[chosen]) >= max((w[k] * errors[k] for k in left),
                                                      default=0)
    assert np.sum(w) == pytest.approx(x[-1] - x[0])
    y = rng.random(n)
    assert np.dot(w, y) == pytest.approx(np.trapezoid(y, x))
