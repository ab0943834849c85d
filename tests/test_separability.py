"""Few-channel separability (paper §8.5) against brute force, and on planted data."""

import numpy as np
import pytest

from summit.analyses.separability import (
    balanced_accuracy,
    joint_classifier,
    roc_auc,
    sample_layer,
    separate_classes,
    top_channels,
)
from summit.io import store as store_module
from tests.store_builder import build_store


def test_roc_auc_matches_counting_pairs():
    rng = np.random.default_rng(0)
    scores = rng.integers(0, 5, size=40).astype(float)  # many ties
    positive = rng.random(40) < 0.4
    pairs = [(p, n) for p in scores[positive] for n in scores[~positive]]
    want = sum(1.0 if p > n else 0.5 if p == n else 0.0 for p, n in pairs) / len(pairs)
    assert roc_auc(scores, positive) == pytest.approx(want)
    assert np.isnan(roc_auc(scores, np.ones(40, bool)))


def test_balanced_accuracy_is_the_mean_of_both_rates():
    decision = np.array([1, 1, 0, 0, 1, 0], bool)
    positive = np.array([1, 1, 1, 0, 0, 0], bool)
    assert balanced_accuracy(decision, positive) == pytest.approx((2 / 3 + 2 / 3) / 2)


def test_top_channels_by_count_with_ties_to_the_lower_index():
    assert top_channels(np.array([3, 7, 7, 0, 5]), 3) == [1, 2, 4]
    assert top_channels(np.array([0, 2, 0]), 3) == [1]


def _planted_stores(tmp_path, n_per_class=(60, 50, 70), channels=6, seed=1):
    """Class c's images have channel c + 1 high; channel 0 is noise for everyone."""
    rng = np.random.default_rng(seed)
    stores, data = [], []
    for cid, n in enumerate(n_per_class):
        z = rng.random((n, channels))
        z[:, cid + 1] += 2.0
        wrong = rng.random(n) < 0.1  # the model misses 10 % of each class
        predicted = np.where(wrong, (cid + 1) % len(n_per_class), cid)
        stores.append(build_store(tmp_path / f"{cid}.zarr", cid, {"l": z}, predicted))
        data.append(z.astype(np.float32))
    return stores, data


def test_sample_reads_real_rows_up_to_the_cap_with_a_stratified_split(tmp_path, monkeypatch):
    monkeypatch.setattr(store_module, "ROWS_PER_CHUNK", 7)  # several chunks per class
    stores, data = _planted_stores(tmp_path)
    sample = sample_layer(stores, "l", max_per_class=55, test_share=0.3, seed=3)
    for cid, z in enumerate(data):
        rows = sample.maxima[sample.label == cid]
        assert len(rows) == min(55, len(z))
        originals = {r.tobytes() for r in z}
        assert all(r.tobytes() in originals for r in rows)
        assert len({r.tobytes() for r in rows}) == len(rows)  # without replacement
        assert sample.test[sample.label == cid].sum() == round(0.3 * len(rows))
    again = sample_layer(stores, "l", max_per_class=55, test_share=0.3, seed=3)
    assert np.array_equal(sample.maxima, again.maxima) and np.array_equal(sample.test,
                                                                          again.test)


def test_planted_channels_separate_their_class(tmp_path):
    stores, _ = _planted_stores(tmp_path)
    sample = sample_layer(stores, "l", 1000, 0.3, seed=0)
    counts = np.array([[5, 50, 1, 0, 0, 0], [5, 0, 50, 1, 0, 0], [5, 0, 0, 50, 0, 1]])
    result = separate_classes(sample, counts, [0, 1, 2], m=1, seed=0)
    for c in result["classes"]:
        (channel,) = c["channels"]
        assert channel["channel"] == c["id"] + 1 and channel["auc"] > 0.95
        assert c["classifier_balanced_accuracy"] > 0.95
        assert 0.7 < c["model_balanced_accuracy"] <= 1.0
    noise = separate_classes(sample, np.array([[9, 0, 0, 0, 0, 0]] * 3), [0, 1, 2], 1, 0)
    assert all(abs(c["channels"][0]["auc"] - 0.5) < 0.2 for c in noise["classes"])
    joint = joint_classifier(sample, counts, [0, 1, 2], m=1, seed=0)
    assert joint["channels"] == [1, 2, 3]
    assert joint["classifier_accuracy"] > 0.95 and 0.8 < joint["model_accuracy"] < 1.0
    assert set(joint["recall"]) == {"0", "1", "2"}
    truth = sample.label[sample.test]
    model = sample.predicted[sample.test]
    assert joint["recall"]["1"]["model"] == pytest.approx((model[truth == 1] == 1).mean())
