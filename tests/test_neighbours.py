"""Class neighbourhoods against brute-force loops."""

import math

import numpy as np
import pytest

from summit.neighbours import (
    cosine_similarity,
    nearest_neighbours,
    neighbourhood_change,
    report,
    table_rows,
)


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
