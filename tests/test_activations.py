"""Top-channel selection (Methods 1 and 2), A^l and the class stores against brute force."""

import numpy as np
import pytest
import torch

from summit.io import store as store_module
from summit.io.store import ClassStore, open_class_store
from summit.method.activations import (
    activation_matrix,
    channel_maxima,
    count_top_channels,
    select,
    select_top_k,
    select_top_share,
)

NEG_INF = float("-inf")


# --- slow, obvious references -------------------------------------------------------------


def _ref_top_k(row, k):
    """Indices of the k largest entries (ties: lower index first), -inf never marked."""
    order = sorted(range(len(row)), key=lambda j: (-row[j], j))
    return {j for j in order[:k] if row[j] != NEG_INF}


def _ref_top_share(row, share):
    """Channels by decreasing positive value until the cumulative share reaches ``share``.

    Returns the marked set and the smallest distance |share before a channel − share| seen,
    so callers can leave out rows that sit on the threshold up to float32 rounding.
    """
    pos = [max(float(v), 0.0) for v in row]
    total = sum(pos)
    if total <= 0:
        return set(), float("inf")
    order = sorted(range(len(row)), key=lambda j: (-pos[j], j))
    marked, cum, closest = set(), 0.0, float("inf")
    for j in order:
        if pos[j] <= 0:
            break
        closest = min(closest, abs(cum / total - share))
        if cum / total >= share:
            break
        marked.add(j)
        cum += pos[j]
    return marked, closest


def _mask_to_sets(mask):
    return [set(np.flatnonzero(r).tolist()) for r in mask.numpy()]


def _random_rows(rng, n, c, integer):
    """Rows with ties (integer values) or without, always with some negatives and zeros."""
    if integer:
        z = rng.integers(-5, 8, size=(n, c)).astype(np.float32)
    else:
        z = rng.normal(0.5, 1.0, size=(n, c)).astype(np.float32)
        z[rng.random((n, c)) < 0.1] = 0.0
    return z


# --- Method 1 -------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("k", [1, 3, 7, 50])
def test_select_top_k_matches_loop(seed, k):
    rng = np.random.default_rng(seed)
    z = _random_rows(rng, 25, 12, integer=seed % 2 == 0)
    z[rng.random(z.shape) < 0.15] = NEG_INF
    z[3] = NEG_INF  # a row with no candidate at all
    got = _mask_to_sets(select_top_k(torch.from_numpy(z), k))
    assert got == [_ref_top_k(row.tolist(), k) for row in z]


def test_select_top_k_hand_made():
    z = torch.tensor([[1.0, 3.0, 3.0, 2.0, 3.0],
                      [NEG_INF, 0.0, NEG_INF, -1.0, NEG_INF]])
    assert select_top_k(z, 2).tolist() == [[False, True, True, False, False],
                                            [False, True, False, True, False]]
    # k larger than the row: every finite entry, never a -inf one
    assert select_top_k(z, 99).tolist() == [[True] * 5, [False, True, False, True, False]]
    assert not select_top_k(z, 0).any()


def test_select_top_k_along_dim0_is_the_transpose():
    rng = np.random.default_rng(7)
    z = torch.from_numpy(_random_rows(rng, 6, 9, integer=True))
    assert torch.equal(select_top_k(z, 2, dim=0), select_top_k(z.T, 2, dim=-1).T)


# --- Method 2 -------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("share", [0.03, 0.2, 0.5, 0.77, 1.0])
def test_select_top_share_matches_loop(seed, share):
    rng = np.random.default_rng(100 + seed)
    z = _random_rows(rng, 40, 15, integer=seed % 2 == 0)
    z[5] = -np.abs(z[5])  # no positive mass
    z[6] = 0.0
    got = _mask_to_sets(select_top_share(torch.from_numpy(z), share))
    checked = 0
    for row, marked in zip(z, got, strict=True):
        expected, closest = _ref_top_share(row.tolist(), share)
        if closest < 1e-5:  # on the threshold up to rounding: either answer is right
            continue
        assert marked == expected, row
        checked += 1
    assert checked >= 30


@pytest.mark.parametrize(
    ("row", "share", "expected"),
    [
        ([5.0, 3.0, 2.0], 0.5, [0]),  # exact hit: the first channel alone reaches the share
        ([5.0, 3.0, 2.0], 0.51, [0, 1]),  # crossing channel included
        ([5.0, 3.0, 2.0], 0.8, [0, 1]),
        ([5.0, 3.0, 2.0], 0.81, [0, 1, 2]),
        ([5.0, 3.0, 2.0], 1.0, [0, 1, 2]),
        ([2.0, 3.0, 5.0], 0.5, [2]),  # order by value, not by position
        ([0.01, 5.0, 3.0, 2.0], 0.01, [1]),  # at least one channel if there is mass
        ([-9.0, 5.0, -1.0, 3.0, 2.0], 0.5, [1]),  # negatives are zero mass, never marked
        ([-9.0, 5.0, -1.0, 3.0, 2.0], 0.99, [1, 3, 4]),
        ([0.0, 4.0, 0.0, 4.0, 2.0], 0.4, [1]),  # tie: lower index first
        ([0.0, 4.0, 0.0, 4.0, 2.0], 0.41, [1, 3]),
        ([0.0, 0.0, 0.0], 0.5, []),  # zero-mass rows mark nothing
        ([-1.0, -2.0, 0.0], 1.0, []),
    ],
)
def test_select_top_share_hand_made(row, share, expected):
    mask = select_top_share(torch.tensor([row]), share)[0]
    assert np.flatnonzero(mask.numpy()).tolist() == expected


def test_select_top_share_along_dim0_is_the_transpose():
    rng = np.random.default_rng(8)
    z = torch.from_numpy(_random_rows(rng, 7, 5, integer=False))
    assert torch.equal(select_top_share(z, 0.3, dim=0), select_top_share(z.T, 0.3).T)


def test_select_dispatches_and_rejects_unknown_methods():
    z = torch.tensor([[1.0, 5.0, 2.0, 4.0]])
    assert torch.equal(select(z, 1, 2, 0.9), select_top_k(z, 2))
    assert torch.equal(select(z, 2, 2, 0.9), select_top_share(z, 0.9))
    with pytest.raises(ValueError, match="1 or 2"):
        select(z, 3, 2, 0.5)


# --- counts ---------------------------------------------------------------------------------


def _ref_counts(z, method, k, share):
    counts = [0] * z.shape[1]
    for row in z.tolist():
        marked = _ref_top_k(row, k) if method == 1 else _ref_top_share(row, share)[0]
        for j in marked:
            counts[j] += 1
    return counts


@pytest.mark.parametrize(("method", "k", "share"), [(1, 1, 0.0), (1, 4, 0.0), (2, 0, 0.03),
                                                    (2, 0, 0.3)])
def test_count_top_channels_matches_loop(method, k, share):
    rng = np.random.default_rng(3)
    z = rng.gamma(2.0, 1.0, size=(60, 11)) - 0.5  # float64 on purpose: converted to float32
    got = count_top_channels(z, method, k, share)
    assert got.dtype == np.int64
    assert got.tolist() == [_ref_counts(z.astype(np.float32), method, k, share)]
    groups = rng.integers(0, 3, len(z))
    by_group = count_top_channels(z, method, k, share, groups, 4)
    assert by_group.tolist() == [_ref_counts(z[groups == g].astype(np.float32), method, k, share)
                                 for g in range(4)]


def test_channel_maxima_is_spatial_max():
    x = torch.randn(2, 3, 4, 5)
    expected = [[max(x[b, c].flatten().tolist()) for c in range(3)] for b in range(2)]
    assert channel_maxima(x).tolist() == expected


# --- stores and A^l -------------------------------------------------------------------------


def _write_store(path, class_id, layers, batches, rng, capacity=None, groups=1):
    """A finished store from random batches; returns the data written, concatenated."""
    data = {name: [] for name in layers}
    preds = {"index": [], "label": [], "predicted": [], "prob_true": []}
    n_total = sum(batches)
    with open_class_store(path, layers, capacity or max(1, n_total)) as writer:
        start = 0
        for n in batches:
            maxima = {name: rng.normal(size=(n, c)).astype(np.float32)
                      for name, c in layers.items()}
            p = {"index": np.arange(start, start + n, dtype=np.int64) * 3 + class_id,
                 "label": np.full(n, class_id, np.int32),
                 "predicted": rng.integers(0, 3, n).astype(np.int32),
                 "prob_true": rng.random(n).astype(np.float32)}
            writer.append(maxima, p)
            for name in layers:
                data[name].append(maxima[name])
            for name in preds:
                preds[name].append(p[name])
            start += n
        writer.finish({}, {"class_id": class_id, "n_images": n_total, "n_skipped": 0,
                           "layers": list(layers)}, groups=groups)
    cat = {name: (np.concatenate(v) if v else np.zeros((0, layers[name]), np.float32))
           for name, v in data.items()}
    return cat, {name: np.concatenate(v) if v else np.zeros(0) for name, v in preds.items()}


@pytest.mark.parametrize(("method", "k", "share"), [(1, 3, 0.0), (2, 0, 0.2)])
def test_activation_matrix_matches_brute_force(tmp_path, monkeypatch, method, k, share):
    monkeypatch.setattr(store_module, "ROWS_PER_CHUNK", 4)
    rng = np.random.default_rng(11)
    layers = {"a": 6, "b": 3}
    plan = {0: [3, 5, 2], 2: [7], 1: [1, 1, 9, 4]}  # batch sizes, not aligned with chunks
    written = {c: _write_store(tmp_path / f"c{c}.zarr", c, layers, b, rng, groups=3)[0]
               for c, b in plan.items()}
    stores = [ClassStore(tmp_path / f"c{c}.zarr") for c in plan]
    assert stores[0].maxima("a").chunks[0] == 4  # reading really goes chunk by chunk
    assert len(list(stores[2].iter_maxima("a"))) == 4
    for layer in layers:
        out = activation_matrix(stores, layer, method, k, share)
        assert out["class_ids"].tolist() == list(plan)
        expected = [_ref_counts(written[c][layer], method, k, share) for c in plan]
        assert out["counts"].tolist() == expected
        # Stored row r is in group r % 3: each group's counts from its own rows.
        assert out["group_counts"].tolist() == [
            [_ref_counts(written[c][layer][g::3], method, k, share) for g in range(3)]
            for c in plan]
        everything = np.concatenate([written[c][layer] for c in plan])
        for j in range(layers[layer]):
            column = everything[:, j].tolist()
            assert out["channel_min"][j] == min(column)
            assert out["channel_max"][j] == max(column)
        assert out["channel_min"].dtype == np.float32


def test_activation_matrix_with_an_empty_class(tmp_path, monkeypatch):
    monkeypatch.setattr(store_module, "ROWS_PER_CHUNK", 2)
    rng = np.random.default_rng(12)
    layers = {"a": 4}
    full = _write_store(tmp_path / "c0.zarr", 0, layers, [5], rng)[0]["a"]
    _write_store(tmp_path / "c1.zarr", 1, layers, [], rng)
    stores = [ClassStore(tmp_path / "c0.zarr"), ClassStore(tmp_path / "c1.zarr")]
    out = activation_matrix(stores, "a", 1, 2, 0.0)
    assert out["counts"].tolist() == [_ref_counts(full, 1, 2, 0.0), [0, 0, 0, 0]]
    assert out["channel_max"].tolist() == full.max(axis=0).tolist()


def test_store_round_trips_exactly(tmp_path, monkeypatch):
    monkeypatch.setattr(store_module, "ROWS_PER_CHUNK", 3)
    rng = np.random.default_rng(13)
    layers = {"mixed3a": 5, "mixed3b": 2}
    path = tmp_path / "cls.zarr"
    # capacity smaller than what is written: the arrays must grow
    with open_class_store(path, layers, 4) as writer:
        maxima, preds = [], []
        for n in [2, 4, 1, 3]:
            m = {name: rng.normal(size=(n, c)).astype(np.float32) for name, c in layers.items()}
            p = {"index": rng.integers(0, 10**9, n), "label": np.full(n, 7, np.int32),
                 "predicted": rng.integers(0, 10, n).astype(np.int32),
                 "prob_true": rng.random(n).astype(np.float32)}
            writer.append(m, p)
            maxima.append(m)
            preds.append(p)
        tallies = {"mixed3a->mixed3b": rng.integers(0, 100, (3, 5, 2)),
                   "mixed3b->mixed3b": rng.integers(0, 70_000, (3, 2, 2))}
        writer.finish(tallies, {"class_id": 7, "n_images": 10, "n_skipped": 1,
                                "layers": list(layers)}, groups=3)
    assert not (tmp_path / "cls.zarr.partial").exists()
    s = ClassStore(path)
    assert s.class_id == 7
    assert s.attrs["n_images"] == 10 and s.attrs["n_skipped"] == 1
    assert s.attrs["hops"] == list(tallies)
    for name in layers:
        expected = np.concatenate([m[name] for m in maxima])
        assert s.maxima(name).shape == expected.shape
        assert s.maxima(name).dtype == np.float32
        np.testing.assert_array_equal(s.maxima(name)[:], expected)
        np.testing.assert_array_equal(np.concatenate(list(s.iter_maxima(name))), expected)
    for name in ["index", "label", "predicted", "prob_true"]:
        np.testing.assert_array_equal(s.prediction(name), np.concatenate([p[name] for p in preds]))
    got, groups = s.tallies(), s.group_tallies()
    assert list(got) == list(tallies) == list(groups)
    assert s.n_groups == 3
    for hop, counts in tallies.items():
        assert got[hop].dtype == np.int64
        np.testing.assert_array_equal(got[hop], counts.sum(axis=0))
        np.testing.assert_array_equal(groups[hop], counts)
    # The smallest unsigned type that holds the counts: 8 bits, then 32 past 65 535.
    assert [a.dtype for a in groups.values()] == [np.uint8, np.uint32]


def test_interrupted_writer_leaves_no_final_store(tmp_path):
    path = tmp_path / "cls.zarr"
    with pytest.raises(RuntimeError, match="killed"), \
            open_class_store(path, {"a": 3}, 10) as writer:
        writer.append({"a": np.ones((4, 3), np.float32)},
                      {"label": np.zeros(4, np.int32)})
        raise RuntimeError("killed")
    assert not path.exists()


def test_interrupted_after_finish_still_leaves_no_final_store(tmp_path):
    """Even with every array written, a block that does not complete is not a store."""
    path = tmp_path / "cls.zarr"
    with pytest.raises(KeyboardInterrupt), open_class_store(path, {"a": 3}, 2) as writer:
        writer.append({"a": np.ones((2, 3), np.float32)}, {})
        writer.finish({}, {"class_id": 0})
        raise KeyboardInterrupt
    assert not path.exists()


def test_rewrite_replaces_a_previous_store(tmp_path):
    path = tmp_path / "cls.zarr"
    rng = np.random.default_rng(14)
    _write_store(path, 0, {"a": 3}, [5], rng)
    second = _write_store(path, 1, {"a": 3}, [2], rng)[0]["a"]
    s = ClassStore(path)
    assert s.class_id == 1
    np.testing.assert_array_equal(s.maxima("a")[:], second)


def test_ties_break_by_lower_index_in_long_rows():
    """Long rows are where an unstable sort would reorder ties."""
    z = torch.ones(2, 5000)
    z[1, 4000:] = 2.0
    assert [np.flatnonzero(r).tolist() for r in select_top_k(z, 3).numpy()] == [
        [0, 1, 2], [4000, 4001, 4002]]
    # row 0: 5000 equal shares of 1/5000; 0.001 is reached after 5 of them
    assert np.flatnonzero(select_top_share(z[:1], 0.00099)[0].numpy()).tolist() == [0, 1, 2, 3, 4]
