"""Class neighbourhoods against brute-force loops."""

import math

import numpy as np
import pytest

from summit.analyses.neighbours import (
    cosine_similarity,
    nearest_neighbours,
    neighbourhood_change,
    report,
    table_rows,
    with_support,
)
from summit.method.resampling import resample_weights


def _cos(a, b):
    na, nb = math.sqrt(sum(x * x for x in a)), math.sqrt(sum(x * x for x in b))
    return sum(x * y for x, y in zip(a, b, strict=True)) / (na * nb) if na and nb else 0.0


def _brute_neighbours(counts, k):
    n = len(counts)
    out = []
    for i in range(n):
        others = sorted((j for j in range(n) if j != i),
                        key=lambda j: (-_cos(counts[i], counts[j]), j))
        out.append(others[:k])
    return out


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_nearest_neighbours_match_brute_force(seed):
    rng = np.random.default_rng(seed)
    counts = rng.integers(0, 4, size=(9, 5))  # small integers: ties happen
    counts[3] = 0  # an all-zero row
    got, sim = nearest_neighbours(counts, 3)
    assert got.tolist() == _brute_neighbours(counts.tolist(), 3)
    for i in range(9):
        for j, s in zip(got[i], sim[i], strict=True):
            assert s == pytest.approx(_cos(counts[i].tolist(), counts[j].tolist()))


def test_cosine_similarity_of_rows():
    x = np.array([[1.0, 0.0], [1.0, 1.0], [0.0, 0.0]])
    got = cosine_similarity(x)
    assert got[0, 1] == pytest.approx(1 / math.sqrt(2)) and got[2].tolist() == [0, 0, 0]


def test_k_is_clamped_to_the_other_classes():
    got, _ = nearest_neighbours(np.eye(3), 10)
    assert got.shape == (3, 2)


def test_neighbourhood_change_is_one_minus_jaccard_of_consecutive_layers():
    rng = np.random.default_rng(5)
    layers = [rng.integers(0, 5, size=(8, 6)) for _ in range(4)]
    found = [nearest_neighbours(c, 3)[0] for c in layers]
    got = neighbourhood_change(found)
    for i in range(8):
        for t in range(3):
            a, b = set(found[t][i]), set(found[t + 1][i])
            assert got[i, t] == pytest.approx(1 - len(a & b) / len(a | b))


def test_report_ranks_the_class_that_moves():
    # class 0 is like class 1 in the first layer and like class 2 in the second;
    # the others keep their neighbours.
    first = np.array([[9, 1, 0, 0], [9, 1, 0, 0], [0, 0, 9, 1], [0, 0, 1, 9], [1, 0, 0, 9]])
    second = np.array([[0, 0, 9, 1], [9, 1, 0, 0], [0, 0, 9, 1], [0, 0, 1, 9], [1, 0, 0, 9]])
    names = ["a", "b", "c", "d", "e"]
    r = report(["l1", "l2"], [first, second], [0, 1, 2, 3, 4], names, k=1)
    assert r["ranking"][0] == 0
    by_id = {c["id"]: c for c in r["classes"]}
    assert by_id[0]["neighbours"] == {"l1": [1], "l2": [2]} and by_id[0]["change"] == 1.0
    assert by_id[3]["change"] == 0.0
    rows = table_rows(r, names)
    assert rows[0]["class"] == "a" and rows[0]["l2"] == "c"


IDS = [2, 5, 6, 9, 13, 17, 21]  # not row numbers: each class's resamples are its own
STABILITY = {"min_support": 0.9, "resamples": 30}


def _groups(seed, layers=3, groups=4, channels=6):
    """A^l per image group: classes × groups × channels, per layer."""
    rng = np.random.default_rng(seed)
    return [rng.integers(0, 12, size=(len(IDS), groups, channels)) for _ in range(layers)]


def _weights(seed, resamples, groups):
    return np.stack([resample_weights(seed, cid, resamples, groups) for cid in IDS])


def _brute_resamples(group_counts, seed, resamples, k, top):
    """Per resample, drawn with loops: each class's neighbours per layer, change score, and
    the classes among the ``top`` most changing and the first."""
    n, groups = len(IDS), group_counts[0].shape[1]
    draws = [resample_weights(seed, cid, resamples, groups) for cid in IDS]
    out = []
    for b in range(resamples):
        near = []
        for layer in group_counts:
            counts = [[0] * layer.shape[2] for _ in range(n)]
            for i in range(n):
                for g in range(groups):
                    for _ in range(int(draws[i][b][g])):
                        for ch in range(layer.shape[2]):
                            counts[i][ch] += int(layer[i][g][ch])
            near.append(_brute_neighbours(counts, k))
        score = []
        for i in range(n):
            changes = [1 - len(set(a[i]) & set(c[i])) / len(set(a[i]) | set(c[i]))
                       for a, c in zip(near, near[1:], strict=False)]
            score.append(sum(changes) / len(changes))
        order = sorted(range(n), key=lambda i: (-round(score[i], 6), IDS[i]))
        out.append({"near": near, "score": score, "top": set(order[:top]), "first": order[0]})
    return out


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_support_matches_resamples_drawn_with_loops(seed):
    group_counts = _groups(seed)
    layers = ["l1", "l2", "l3"]
    names = [f"c{i}" for i in range(max(IDS) + 1)]
    full = report(layers, [g.sum(axis=1) for g in group_counts], IDS, names, k=2)
    got = with_support(full, group_counts, _weights(seed, 30, 4), 3, STABILITY)
    brute = _brute_resamples(group_counts, seed, 30, 2, 3)
    shown = set(full["ranking"][:3])
    assert got["figure_classes"] == 3 and got["stability"] == STABILITY
    first = IDS.index(full["ranking"][0])
    assert got["top_support"] == pytest.approx(sum(r["first"] == first for r in brute) / 30,
                                               abs=1e-6)
    for i, c in enumerate(got["classes"]):
        scores = [r["score"][i] for r in brute]
        assert c["change_p5"] == pytest.approx(np.percentile(scores, 5), abs=1e-6)
        assert c["change_p95"] == pytest.approx(np.percentile(scores, 95), abs=1e-6)
        rank = sum(i in r["top"] for r in brute) / 30
        assert c["rank_support"] == pytest.approx(rank, abs=1e-6)
        assert c["tentative"] == (c["id"] in shown and rank < 0.9)
        for t, layer in enumerate(layers):
            want = [sum(IDS.index(j) in r["near"][t][i] for r in brute) / 30
                    for j in c["neighbours"][layer]]
            assert c["neighbour_support"][layer] == pytest.approx(want, abs=1e-6)
            assert c["neighbour_tentative"][layer] == [x < 0.9 for x in want]
    # The full report is kept as it was, with the support beside it.
    assert [{k: c[k] for k in full["classes"][0]} for c in got["classes"]] == full["classes"]
    assert got["ranking"] == full["ranking"]


def test_a_planted_pair_is_supported_and_the_noise_is_not():
    """Classes 0 and 1 share a strong channel in every group of every layer: each other's
    nearest neighbour in every resample. The others' neighbours come from noise."""
    group_counts = _groups(7)
    for layer in group_counts:
        layer[:2, :, 0] += 100
    full = report(["a", "b", "c"], [g.sum(axis=1) for g in group_counts], IDS,
                  [str(i) for i in range(30)], k=1)
    got = with_support(full, group_counts, _weights(0, 30, 4), 3, STABILITY)
    pair = got["classes"][:2]
    assert [c["neighbours"] for c in pair] == [{x: [IDS[1]] for x in "abc"},
                                              {x: [IDS[0]] for x in "abc"}]
    for c in pair:
        assert c["neighbour_support"] == {x: [1.0] for x in "abc"}
        assert c["neighbour_tentative"] == {x: [False] for x in "abc"}
        assert c["change"] == c["change_p95"] == 0 and c["rank_support"] < 1
    rest = [x for c in got["classes"][2:] for v in c["neighbour_support"].values() for x in v]
    assert any(0 < x < 1 for x in rest)
    assert any(t for c in got["classes"][2:] for v in c["neighbour_tentative"].values() for t in v)


def test_resamples_of_every_group_once_support_every_finding():
    group_counts = _groups(4)
    full = report(["a", "b", "c"], [g.sum(axis=1) for g in group_counts], IDS,
                  [str(i) for i in range(30)], k=2)
    got = with_support(full, group_counts, np.ones((len(IDS), 5, 4), np.int64), 2, STABILITY)
    assert got["top_support"] == 1.0
    for c in got["classes"]:
        assert c["change_p5"] == c["change_p95"] == c["change"]
        assert c["rank_support"] == (1.0 if c["id"] in full["ranking"][:2] else 0.0)
        assert not c["tentative"]
        assert all(x == 1.0 for v in c["neighbour_support"].values() for x in v)


def test_support_is_determined_by_the_seed():
    group_counts = _groups(5)
    full = report(["a", "b", "c"], [g.sum(axis=1) for g in group_counts], IDS,
                  [str(i) for i in range(30)], k=2)
    once = with_support(full, group_counts, _weights(3, 30, 4), 3, STABILITY)
    assert once == with_support(full, group_counts, _weights(3, 30, 4), 3, STABILITY)
    assert once != with_support(full, group_counts, _weights(4, 30, 4), 3, STABILITY)


def test_table_gives_the_spread_and_support():
    group_counts = _groups(6)
    names = [f"n{i}" for i in range(30)]
    full = report(["a", "b"], [g.sum(axis=1) for g in group_counts[:2]], IDS, names, k=2)
    got = with_support(full, group_counts[:2], _weights(0, 30, 4), 3, STABILITY)
    rows = table_rows(got, names)
    assert list(rows[0]) == ["class_id", "class", "change", "change_p5", "change_p95",
                             "rank_support", "tentative", "a", "a support", "b", "b support"]
    top = next(c for c in got["classes"] if c["id"] == got["ranking"][0])
    assert rows[0]["rank_support"] == top["rank_support"]
    assert rows[0]["a support"] == "; ".join(f"{x:g}" for x in top["neighbour_support"]["a"])
