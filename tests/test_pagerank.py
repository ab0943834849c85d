"""Checks for summit.method.pagerank against networkx and slow, obvious reference loops."""

from __future__ import annotations

import logging

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp

from summit.method.pagerank import (
    extract_per_layer,
    extract_unified,
    keep_top_per_column,
    personalized_pagerank,
    widest_path_product,
)


def _random_graph(
    rng: np.random.Generator, n: int, density: float, isolated: int = 0
) -> sp.csr_array:
    """Symmetric random weighted adjacency whose last ``isolated`` vertices have no edges."""
    upper = sp.random_array((n, n), density=density, rng=rng, format="csr")
    upper = sp.triu(upper, k=1)
    a = (upper + upper.T).tolil()
    if isolated:
        a[n - isolated :, :] = 0
        a[:, n - isolated :] = 0
    return sp.csr_array(a)


def _networkx_pagerank(a: sp.csr_array, p: np.ndarray, **kwargs: float) -> np.ndarray:
    g = nx.Graph()
    g.add_nodes_from(range(a.shape[0]))
    coo = sp.coo_array(a)
    g.add_weighted_edges_from(
        (int(i), int(j), float(w)) for i, j, w in zip(coo.row, coo.col, coo.data, strict=True)
    )
    pr = nx.pagerank(g, personalization=dict(enumerate(p)), weight="weight", **kwargs)
    return np.array([pr[i] for i in range(a.shape[0])])


@pytest.mark.parametrize(
    ("n", "density", "isolated", "alpha"),
    [(30, 0.2, 0, 0.85), (60, 0.05, 5, 0.85), (120, 0.03, 10, 0.5), (200, 0.1, 1, 0.95)],
)
@pytest.mark.parametrize("symmetric", [False, True])
def test_pagerank_matches_networkx(n: int, density: float, isolated: int, alpha: float,
                                   symmetric: bool) -> None:
    rng = np.random.default_rng(n)
    a = _random_graph(rng, n, density, isolated)
    # Personalization concentrated on a few vertices (including possibly isolated ones).
    p = np.zeros(n)
    p[rng.choice(n, size=max(1, n // 10), replace=False)] = rng.random(max(1, n // 10))
    ours = personalized_pagerank(a, p, alpha=alpha, symmetric=symmetric)
    ref = _networkx_pagerank(a, p, alpha=alpha)
    np.testing.assert_allclose(ours, ref, rtol=0, atol=1e-9)
    assert ours.sum() == pytest.approx(1.0)


def test_pagerank_of_a_directed_graph_matches_networkx() -> None:
    rng = np.random.default_rng(3)
    a = sp.random_array((80, 80), density=0.05, rng=rng, format="csr")
    p = rng.random(80)
    g = nx.DiGraph()
    g.add_nodes_from(range(80))
    coo = sp.coo_array(a)
    g.add_weighted_edges_from((int(i), int(j), float(w))
                              for i, j, w in zip(coo.row, coo.col, coo.data, strict=True))
    pr = nx.pagerank(g, personalization=dict(enumerate(p)), weight="weight")
    np.testing.assert_allclose(personalized_pagerank(a, p), [pr[i] for i in range(80)],
                               rtol=0, atol=1e-9)


def test_pagerank_unequal_layers_and_self_loop() -> None:
    """A layered graph (sizes 3, 10, 25) with edges only between adjacent layers, plus a loop."""
    rng = np.random.default_rng(7)
    sizes = [3, 10, 25]
    offsets = np.cumsum([0, *sizes])
    n = offsets[-1]
    dense = np.zeros((n, n))
    for k in range(len(sizes) - 1):
        block = rng.random((sizes[k], sizes[k + 1])) * (rng.random((sizes[k], sizes[k + 1])) < 0.4)
        dense[offsets[k] : offsets[k + 1], offsets[k + 1] : offsets[k + 2]] = block
    dense = dense + dense.T
    dense[4, 4] = 0.7
    a = sp.csr_array(dense)
    p = np.zeros(n)
    p[offsets[2] :] = rng.random(sizes[2])
    ours = personalized_pagerank(a, p, alpha=0.85, tol=1e-10, max_iter=1000)
    ref = _networkx_pagerank(a, p, alpha=0.85, tol=1e-10, max_iter=1000)
    np.testing.assert_allclose(ours, ref, rtol=0, atol=1e-9)


def test_pagerank_zero_personalization_is_uniform() -> None:
    rng = np.random.default_rng(3)
    a = _random_graph(rng, 40, 0.1, isolated=3)
    ours = personalized_pagerank(a, np.zeros(40))
    ref = _networkx_pagerank(a, np.ones(40))
    np.testing.assert_allclose(ours, ref, rtol=0, atol=1e-9)
    with pytest.raises(ZeroDivisionError):
        _networkx_pagerank(a, np.zeros(40))


def test_pagerank_nonconvergence_warns_and_returns(caplog: pytest.LogCaptureFixture) -> None:
    rng = np.random.default_rng(4)
    a = _random_graph(rng, 50, 0.1)
    p = rng.random(50)
    with pytest.raises(nx.PowerIterationFailedConvergence):
        _networkx_pagerank(a, p, max_iter=2)
    with caplog.at_level(logging.WARNING, logger="summit.method.pagerank"):
        x = personalized_pagerank(a, p, max_iter=2)
    assert "did not converge" in caplog.text
    assert x.shape == (50,) and np.all(np.isfinite(x))


def test_extract_per_layer_exact() -> None:
    # layer 0: total 10 -> 0.5 of it = 5: 4 (idx 1) is below, 4 + 3 (idx 0) crosses -> {1, 0}
    # layer 1: all zero -> none
    # layer 2: tie at 2.0 (idx 6 and 7), total 5 -> 0.5*5 = 2.5: idx 6 first, then 7 crosses
    scores = np.array([3.0, 4.0, 2.0, 1.0, 0.0, 0.0, 2.0, 2.0, 1.0])
    layer_of = np.array([0, 0, 0, 0, 1, 1, 2, 2, 2])
    expected = np.array([1, 1, 0, 0, 0, 0, 1, 1, 0], dtype=bool)
    np.testing.assert_array_equal(extract_per_layer(scores, layer_of, share=0.5), expected)
    # share 0.2: layer 0 -> only the top vertex; layer 2 -> only the tie's lower index.
    expected = np.array([0, 1, 0, 0, 0, 0, 1, 0, 0], dtype=bool)
    np.testing.assert_array_equal(extract_per_layer(scores, layer_of, share=0.2), expected)
    # share exactly reached (4 + 3 = 7 = 0.7 * 10) keeps no extra vertex after the crossing one.
    keep = extract_per_layer(scores, layer_of, share=0.7)
    np.testing.assert_array_equal(keep[:4], [True, True, False, False])
    # share 1.0 keeps every vertex with positive score and never a zero one.
    np.testing.assert_array_equal(extract_per_layer(scores, layer_of, share=1.0), scores > 0)


def _chain_adjacency(n: int, edges: list[tuple[int, int]]) -> sp.csr_array:
    dense = np.zeros((n, n))
    for i, j in edges:
        dense[i, j] = dense[j, i] = 1.0
    return sp.csr_array(dense)


def test_extract_unified_rises_until_layers_link() -> None:
    # Layers: 0 = {0, 1}, 1 = {2, 3}, 2 = {4}. Edges: 0-3, 1-2, 2-4.
    # Sorted by score: 2 (0.40), 0 (0.30), 4 (0.15), 1 (0.10), 3 (0.05). Global total 1.
    scores = np.array([0.30, 0.10, 0.40, 0.05, 0.15])
    layer_of = np.array([0, 0, 1, 1, 2])
    a = _chain_adjacency(5, [(0, 3), (1, 2), (2, 4)])
    # At 0.075..0.40 only vertex 2 is kept; from 0.405 vertex 0 too (0 and 2 not linked);
    # from 0.705 vertex 4 (4-2 links layer 2 down) and from 0.855 vertex 1 (1-2 links layer 1).
    keep = extract_unified(scores, layer_of, a, start=0.075, step=0.005)
    np.testing.assert_array_equal(keep, [True, True, True, False, True])
    # A start share above the point of linking is honoured: 0.96 keeps everything.
    keep = extract_unified(scores, layer_of, a, start=0.96, step=0.005)
    np.testing.assert_array_equal(keep, [True] * 5)
    # Without the 1-2 edge layer 1 only links down via 3, the last vertex -> share 1.0, all kept.
    a = _chain_adjacency(5, [(0, 3), (2, 4)])
    keep = extract_unified(scores, layer_of, a)
    np.testing.assert_array_equal(keep, [True, True, True, True, True])


def test_extract_unified_stops_at_full_share() -> None:
    # Layer 1 has no edge down at all: the threshold tops out at 1.0 and zero scores stay out.
    scores = np.array([0.5, 0.3, 0.2, 0.0])
    layer_of = np.array([0, 0, 1, 1])
    a = _chain_adjacency(4, [(2, 3)])
    np.testing.assert_array_equal(extract_unified(scores, layer_of, a), [True, True, True, False])


def test_extract_unified_single_layer_keeps_start_share() -> None:
    # With only layer 0 there is nothing to link, so the start share applies unchanged.
    scores = np.array([0.5, 0.3, 0.2])
    a = _chain_adjacency(3, [])
    keep = extract_unified(scores, np.zeros(3, dtype=int), a)
    np.testing.assert_array_equal(keep, [True, False, False])


def _slow_share_keep(scores: list[float], members: list[int], share: float) -> set[int]:
    """Members kept by a cumulative share, written as the plain loop the paper describes.

    The total is summed in the same (sorted) order as the running sum, so share 1.0 is reached
    exactly at the last positive score rather than missed by rounding.
    """
    ranked = sorted(members, key=lambda i: (-scores[i], i))
    total = sum(scores[i] for i in ranked)
    kept: set[int] = set()
    if total <= 0:
        return kept
    running = 0.0
    for i in ranked:
        kept.add(i)
        running += scores[i]
        if running >= share * total:
            break
    return kept


def _slow_unified(scores: np.ndarray, layer_of: np.ndarray, a: np.ndarray) -> np.ndarray:
    k = 0
    while True:
        share = min(0.075 + k * 0.005, 1.0)
        kept = _slow_share_keep(list(scores), list(range(len(scores))), share)
        linked = all(
            any(
                a[i, j] != 0 and layer_of[j] == layer - 1
                for i in kept
                if layer_of[i] == layer
                for j in kept
            )
            for layer in range(1, int(layer_of.max()) + 1)
        )
        if linked or share >= 1.0:
            return np.isin(np.arange(len(scores)), list(kept))
        k += 1


@pytest.mark.parametrize("seed", range(10))
def test_extraction_matches_slow_loops_on_random_layered_graphs(seed: int) -> None:
    rng = np.random.default_rng(seed)
    sizes = rng.integers(1, 9, size=4)
    layer_of = np.repeat(np.arange(4), sizes)
    n = layer_of.size
    # Sparse down-links so the threshold often has to rise; rounded scores give ties.
    a = (rng.random((n, n)) < 0.25) & (layer_of[:, None] == layer_of[None, :] + 1)
    a = (a | a.T).astype(float)
    scores = np.round(rng.random(n), 1)
    np.testing.assert_array_equal(
        extract_unified(scores, layer_of, sp.csr_array(a)), _slow_unified(scores, layer_of, a)
    )
    for share in (0.075, 0.3, 1.0):
        expected = set().union(
            *(
                _slow_share_keep(list(scores), list(np.flatnonzero(layer_of == k)), share)
                for k in range(4)
            )
        )
        np.testing.assert_array_equal(
            extract_per_layer(scores, layer_of, share), np.isin(np.arange(n), list(expected))
        )


def _slow_widest(W: np.ndarray, T: np.ndarray) -> np.ndarray:
    out = np.zeros((W.shape[0], T.shape[1]), dtype=np.result_type(W, T))
    for p in range(W.shape[0]):
        for j in range(T.shape[1]):
            best = None
            for h in range(W.shape[1]):
                v = min(W[p, h], T[h, j])
                best = v if best is None or v > best else best
            out[p, j] = 0 if best is None else best
    return out


@pytest.mark.parametrize("dtype", [np.int64, np.float64, np.uint16])
def test_widest_path_product_matches_loop(dtype: type) -> None:
    rng = np.random.default_rng(11)
    W = rng.integers(0, 50, size=(7, 5)).astype(dtype)
    T = rng.integers(0, 50, size=(5, 9)).astype(dtype)
    np.testing.assert_array_equal(widest_path_product(W, T), _slow_widest(W, T))


@pytest.mark.parametrize("density", [0.0, 0.05, 0.3, 1.0])
def test_widest_path_product_of_sparse_tallies_matches_loop(density: float) -> None:
    """Tally-like inputs (mostly zeros, some all-zero rows and columns) take the sparse path."""
    rng = np.random.default_rng(int(density * 100))
    W = rng.integers(1, 300, size=(23, 11)) * (rng.random((23, 11)) < density)
    T = rng.integers(1, 300, size=(11, 17)) * (rng.random((11, 17)) < density)
    W[:, 3] = 0
    T[5] = 0
    np.testing.assert_array_equal(widest_path_product(W, T), _slow_widest(W, T))


def test_widest_path_product_float_negative_and_empty() -> None:
    rng = np.random.default_rng(12)
    W, T = rng.normal(size=(6, 4)), rng.normal(size=(4, 3))
    np.testing.assert_array_equal(widest_path_product(W, T), _slow_widest(W, T))
    out = widest_path_product(np.zeros((3, 0)), np.zeros((0, 4)))
    np.testing.assert_array_equal(out, np.zeros((3, 4)))


def test_widest_path_product_chunked(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tiny chunk budgets force both row and column chunking; the result must not change."""
    import summit.method.pagerank as pr

    rng = np.random.default_rng(13)
    W = rng.integers(-50, 100, size=(9, 6))  # negative entries take the dense path
    T = rng.integers(-50, 100, size=(6, 8))
    expected = _slow_widest(W, T)
    for budget in (1, 7, 20, 100):
        monkeypatch.setattr(pr, "_CHUNK_ELEMENTS", budget)
        np.testing.assert_array_equal(pr.widest_path_product(W, T), expected)


def _slow_keep_top(M: np.ndarray, m: int) -> np.ndarray:
    out = np.zeros_like(M)
    for j in range(M.shape[1]):
        # Sort by (-value, row): largest first, lower row first on ties.
        rows = sorted(range(M.shape[0]), key=lambda i, j=j: (-float(M[i, j]), i))
        for i in rows[:m]:
            if M[i, j] > 0:
                out[i, j] = M[i, j]
    return out


@pytest.mark.parametrize("m", [0, 1, 2, 3, 10])
def test_keep_top_per_column_matches_loop(m: int) -> None:
    rng = np.random.default_rng(m)
    M = rng.integers(-2, 4, size=(8, 6))  # many ties and non-positive entries
    np.testing.assert_array_equal(keep_top_per_column(M, m), _slow_keep_top(M, m))
    Mf = rng.normal(size=(8, 6))
    np.testing.assert_array_equal(keep_top_per_column(Mf, m), _slow_keep_top(Mf, m))
    Mu = rng.integers(0, 3, size=(8, 6)).astype(np.uint8)
    np.testing.assert_array_equal(keep_top_per_column(Mu, m), _slow_keep_top(Mu, m))
    Mc = rng.integers(0, 3, size=(40, 9))  # counts: the linear-time partition path
    np.testing.assert_array_equal(keep_top_per_column(Mc, m), _slow_keep_top(Mc, m))


def test_keep_top_per_column_ties_lower_row_first() -> None:
    M = np.array([[1, 5], [3, 5], [3, 5], [0, 2]])
    expected = np.array([[0, 5], [3, 5], [3, 0], [0, 0]])
    np.testing.assert_array_equal(keep_top_per_column(M, 2), expected)
