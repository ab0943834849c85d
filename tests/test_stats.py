"""Per-class statistics against np.histogram and brute-force loops."""

import numpy as np
import pytest

from summit.io import store as store_module
from summit.io.store import ClassStore, open_class_store
from summit.method.stats import channel_histograms, class_stats


def _np_histograms(values, lo, hi, bins):
    return np.stack([np.histogram(values[:, j], bins=bins, range=(float(lo[j]), float(hi[j])))[0]
                     for j in range(values.shape[1])])


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("bins", [2, 5, 20])
def test_channel_histograms_match_np_histogram(seed, bins):
    rng = np.random.default_rng(seed)
    values = (rng.normal(size=(200, 6)) * rng.uniform(0.1, 5, 6) + rng.normal(size=6))
    values = values.astype(np.float32)
    lo, hi = values.min(axis=0), values.max(axis=0)
    got = channel_histograms(values, lo, hi, bins)
    assert got.shape == (6, bins)
    np.testing.assert_array_equal(got, _np_histograms(values, lo, hi, bins))
    assert got.sum(axis=1).tolist() == [200] * 6


def test_channel_histograms_on_a_wider_common_range():
    """The range is the dataset's, so one class's values need not reach either end."""
    rng = np.random.default_rng(5)
    values = rng.uniform(0, 1, size=(50, 3)).astype(np.float32)
    lo = np.array([-1.0, 0.0, -0.5], np.float32)
    hi = np.array([2.0, 1.0, 4.0], np.float32)
    np.testing.assert_array_equal(channel_histograms(values, lo, hi, 7),
                                  _np_histograms(values, lo, hi, 7))


def test_channel_histograms_bin_edges_by_hand():
    # range [-1, 3] in 8 bins of width 0.5: edges are exact in binary
    values = np.array([[-1.0], [-0.5], [-0.25], [0.0], [2.5], [2.75], [3.0], [3.0]], np.float32)
    got = channel_histograms(values, np.array([-1.0], np.float32), np.array([3.0], np.float32), 8)
    # a value on an inner edge opens the next bin; values at the max fall in the last bin
    assert got.tolist() == [[1, 2, 1, 0, 0, 0, 0, 4]]
    np.testing.assert_array_equal(got, _np_histograms(values, [-1.0], [3.0], 8))


@pytest.mark.filterwarnings("error")  # no 0/0 along the way either
def test_channel_histograms_constant_channel():
    values = np.array([[2.0, 0.0], [2.0, 1.0], [2.0, 0.5]], np.float32)
    lo = np.array([2.0, 0.0], np.float32)
    hi = np.array([2.0, 1.0], np.float32)
    got = channel_histograms(values, lo, hi, 4)
    assert got[0].sum() == 3 and np.count_nonzero(got[0]) == 1  # all in one bin, no crash
    assert got[1].tolist() == [1, 0, 1, 1]


def test_channel_histograms_no_images():
    got = channel_histograms(np.zeros((0, 3), np.float32), np.zeros(3), np.ones(3), 5)
    assert got.shape == (3, 5) and not got.any()


# --- class_stats ----------------------------------------------------------------------------


def _hand_built_store(path, class_id, layers, n, rng, n_skipped=0):
    maxima = {name: rng.normal(size=(n, c)).astype(np.float32) for name, c in layers.items()}
    predicted = rng.choice([class_id, class_id, 0, 3, 4], size=n).astype(np.int32)
    prob = rng.random(n).astype(np.float32)
    if n:
        prob[0], prob[-1] = 0.0, 1.0  # the ends of the probability histogram
    with open_class_store(path, layers, max(1, n)) as writer:
        for start in range(0, n, 4):  # several batches
            sl = slice(start, start + 4)
            writer.append({name: m[sl] for name, m in maxima.items()},
                          {"index": np.arange(n)[sl], "label": np.full(n, class_id, np.int32)[sl],
                           "predicted": predicted[sl], "prob_true": prob[sl]})
        writer.finish({}, {"class_id": class_id, "n_images": n, "n_skipped": n_skipped})
    return maxima, predicted, prob


@pytest.mark.parametrize("bins", [3, 10])
def test_class_stats_matches_brute_force(tmp_path, monkeypatch, bins):
    monkeypatch.setattr(store_module, "ROWS_PER_CHUNK", 5)
    rng = np.random.default_rng(21)
    layers = {"l1": 4, "l2": 3}
    class_id, n = 2, 23
    maxima, predicted, prob = _hand_built_store(tmp_path / "c.zarr", class_id, layers, n, rng,
                                                n_skipped=2)
    # the dataset-wide ranges are wider than this class's values
    ranges = {name: {"channel_min": m.min(axis=0) - np.float32(0.25),
                     "channel_max": m.max(axis=0) + np.float32(0.5)}
              for name, m in maxima.items()}
    # l2 has its range exactly at this class's extremes
    ranges["l2"] = {"channel_min": maxima["l2"].min(axis=0),
                    "channel_max": maxima["l2"].max(axis=0)}
    store = ClassStore(tmp_path / "c.zarr")
    assert store.maxima("l1").chunks[0] == 5
    out = class_stats(store, ranges, bins)

    wrong = [i for i in range(n) if predicted[i] != class_id]
    assert out["class_id"] == class_id
    assert out["n_images"] == n
    assert out["n_skipped"] == 2
    assert out["n_misclassified"] == len(wrong) > 0
    assert out["accuracy"] == pytest.approx((n - len(wrong)) / n)
    confusions = [0] * (max(predicted[i] for i in wrong) + 1)
    for i in wrong:
        confusions[predicted[i]] += 1
    assert out["confusions"] == confusions
    assert out["prob_hist"] == np.histogram(prob, bins=bins, range=(0.0, 1.0))[0].tolist()
    assert sum(out["prob_hist"]) == n
    assert set(out["channel_hist"]) == set(layers)
    for name, c in layers.items():
        lo, hi = ranges[name]["channel_min"], ranges[name]["channel_max"]
        got = out["channel_hist"][name]
        assert got["range"] == [lo.tolist(), hi.tolist()]
        m = maxima[name]
        expected_all = [np.histogram([m[i, j] for i in range(n)], bins=bins,
                                     range=(float(lo[j]), float(hi[j])))[0].tolist()
                        for j in range(c)]
        expected_wrong = [np.histogram([m[i, j] for i in wrong], bins=bins,
                                       range=(float(lo[j]), float(hi[j])))[0].tolist()
                          for j in range(c)]
        assert got["class"] == expected_all
        assert got["misclassified"] == expected_wrong


def test_class_stats_all_correct(tmp_path):
    rng = np.random.default_rng(22)
    layers = {"l1": 2}
    path = tmp_path / "c.zarr"
    with open_class_store(path, layers, 3) as writer:
        writer.append({"l1": rng.normal(size=(3, 2)).astype(np.float32)},
                      {"index": np.arange(3), "label": np.full(3, 1, np.int32),
                       "predicted": np.full(3, 1, np.int32),
                       "prob_true": np.array([0.5, 0.9, 0.99], np.float32)})
        writer.finish({}, {"class_id": 1, "n_images": 3})
    ranges = {"l1": {"channel_min": np.full(2, -10, np.float32),
                     "channel_max": np.full(2, 10, np.float32)}}
    out = class_stats(ClassStore(path), ranges, 4)
    assert out["accuracy"] == 1.0
    assert out["n_misclassified"] == 0
    assert out["n_skipped"] == 0
    assert out["confusions"] == []
    assert out["prob_hist"] == [0, 0, 1, 2]
    assert out["channel_hist"]["l1"]["misclassified"] == [[0] * 4] * 2


def test_class_stats_empty_class(tmp_path):
    path = tmp_path / "c.zarr"
    with open_class_store(path, {"l1": 2}, 1) as writer:
        writer.finish({}, {"class_id": 0, "n_images": 0, "n_skipped": 4})
    ranges = {"l1": {"channel_min": np.zeros(2, np.float32),
                     "channel_max": np.ones(2, np.float32)}}
    out = class_stats(ClassStore(path), ranges, 3)
    assert out["n_images"] == 0 and out["n_skipped"] == 4
    assert out["accuracy"] == 0.0 and out["n_misclassified"] == 0
    assert out["prob_hist"] == [0, 0, 0]
    assert out["channel_hist"]["l1"]["class"] == [[0, 0, 0], [0, 0, 0]]
