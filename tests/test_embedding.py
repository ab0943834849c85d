"""Checks for summit.method.embedding.embed_layer (UMAP; the first call JIT-compiles numba code)."""

from __future__ import annotations

import numpy as np
import pytest

from summit.method.embedding import embed_layer


def _counts(rng: np.random.Generator, n: int, channels: int = 40) -> np.ndarray:
    """Class × channel counts with two clear groups of classes."""
    base = rng.poisson(1.0, size=(n, channels)).astype(np.int64)
    base[: n // 2, : channels // 2] += rng.poisson(20, size=(n // 2, channels // 2))
    base[n // 2 :, channels // 2 :] += rng.poisson(20, size=(n - n // 2, channels - channels // 2))
    return base


def _check_layout(coords: np.ndarray, n: int) -> None:
    assert coords.shape == (n, 2)
    assert coords.dtype == np.float64
    assert np.all(np.isfinite(coords))
    assert coords.min() >= 0.0 and coords.max() <= 1.0
    np.testing.assert_allclose(coords.min(axis=0), 0.0)
    np.testing.assert_allclose(coords.max(axis=0), 1.0)


def test_three_classes_spectral_impossible() -> None:
    counts = _counts(np.random.default_rng(0), 3)
    _check_layout(embed_layer(counts, None), 3)


def test_three_classes_with_zero_row_and_init() -> None:
    counts = _counts(np.random.default_rng(1), 3)
    counts[1] = 0
    init = np.array([[0.0, 0.0], [0.5, 1.0], [1.0, 0.2]])
    _check_layout(embed_layer(counts, init), 3)


def test_twelve_classes_with_zero_rows_deterministic() -> None:
    counts = _counts(np.random.default_rng(2), 12)
    counts[[0, 5, 9]] = 0
    first = embed_layer(counts, None, seed=3)
    _check_layout(first, 12)
    np.testing.assert_array_equal(embed_layer(counts, None, seed=3), first)
    # Chained as in the pipeline: this layer's layout seeds the next one.
    _check_layout(embed_layer(counts, first, seed=3), 12)


def test_seed_changes_layout() -> None:
    counts = _counts(np.random.default_rng(4), 12)
    a = embed_layer(counts, None, seed=0)
    b = embed_layer(counts, None, seed=1)
    assert not np.array_equal(a, b)


def test_init_is_honoured() -> None:
    """With few epochs the layout stays close to its init, and a different init moves it."""
    rng = np.random.default_rng(5)
    n = 30
    counts = rng.poisson(5.0, size=(n, 40))  # no structure: the layout comes from init
    init = rng.uniform(size=(n, 2))
    out = embed_layer(counts, init, n_epochs=2)
    _check_layout(out, n)
    for axis in range(2):
        assert np.corrcoef(out[:, axis], init[:, axis])[0, 1] > 0.8
    other = embed_layer(counts, init[::-1].copy(), n_epochs=2)
    assert np.corrcoef(out[:, 0], other[:, 0])[0, 1] < 0.5


def test_rejects_bad_shapes() -> None:
    with pytest.raises(ValueError):
        embed_layer(np.ones((2, 5)), None)
    with pytest.raises(ValueError):
        embed_layer(np.ones((4, 5)), np.zeros((3, 2)))
