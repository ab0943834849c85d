"""The compiled kernels against slow, obvious references (the influence kernel is checked
against explicit maps in tests/test_influence.py)."""

import itertools

import numpy as np
import pytest

from summit.method.kernels import tally_top_k


def _ref_tally(values: np.ndarray, k: int, groups: list[int], n_groups: int) -> np.ndarray:
    """Per image and column the k largest finite candidates (ties: lower index first), one
    mark each under the image's group."""
    b, n, w = values.shape
    out = np.zeros((n_groups, n, w), np.int32)
    for i, j in itertools.product(range(b), range(w)):
        order = sorted(range(n), key=lambda r: (-values[i, r, j], r))
        for r in order[:k]:
            if values[i, r, j] > -np.inf:
                out[groups[i], r, j] += 1
    return out


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("k", [1, 3, 7, 9, 12])  # 9 = all candidates, 12 more than there are
def test_tally_top_k_equals_sorting_each_column(dtype, k):
    """Ties (values drawn from a few levels), -inf (no path; some columns have fewer finite
    candidates than k), widths across the kernel's column blocks, groups added to."""
    rng = np.random.default_rng(k)
    values = rng.integers(-3, 4, size=(6, 9, 37)).astype(dtype)
    values[rng.random(values.shape) < 0.3] = -np.inf
    values[:, :, 5] = -np.inf  # a column with no candidate at all
    groups = [2, 0, 2, 1, 1, 2]
    start = rng.integers(0, 5, size=(3, 9, 37)).astype(np.int32)
    out = tally_top_k(values, k, np.array(groups), start.copy(), threads=2)
    np.testing.assert_array_equal(out, start + _ref_tally(values, k, groups, 3))


def test_tally_top_k_of_nothing_is_nothing():
    values = np.ones((2, 4, 3), np.float32)
    out = tally_top_k(values, 0, np.zeros(2, np.int64), np.zeros((1, 4, 3), np.int32), 1)
    assert not out.any()
