"""Non-semantic channel detection against explicit loops, on small random and planted data."""

import numpy as np
import pytest

from summit.analyses.nonsemantic import (
    class_means,
    class_selectivity,
    detect_layer,
    report,
    resampled_flags,
    table_rows,
    top_channel_lift,
)
from summit.io import store as store_module
from summit.method.graphs import merged_exclusions
from summit.method.resampling import resample_weights
from tests.store_builder import build_store


def test_lift_matches_loops():
    rng = np.random.default_rng(0)
    counts = rng.integers(0, 30, size=(5, 7))
    n_images = rng.integers(40, 90, size=5)
    got = top_channel_lift(counts, n_images)
    for c in range(5):
        per_image = counts[c].sum() / n_images[c]  # selections per image
        for k in range(7):
            want = (counts[c, k] / n_images[c]) / (per_image / 7)
            assert got[c, k] == pytest.approx(want)


def test_lift_of_a_class_without_selections_is_zero():
    got = top_channel_lift(np.array([[0, 0], [3, 1]]), np.array([10, 0]))
    assert np.array_equal(got, np.zeros((2, 2)))


def test_selectivity_matches_loops():
    rng = np.random.default_rng(1)
    means = rng.random((6, 4)) + 0.1
    got = class_selectivity(means)
    for k in range(4):
        col = list(means[:, k])
        top = max(col)
        col.remove(top)
        rest = sum(col) / len(col)
        assert got[k] == pytest.approx((top - rest) / (top + rest))
    assert class_selectivity(np.ones((3, 2))) == pytest.approx([0.0, 0.0])


def test_a_channel_selected_in_every_class_is_flagged_and_a_selective_one_is_not():
    rng = np.random.default_rng(2)
    n_classes, channels, n = 12, 20, 100
    counts = rng.integers(0, 8, size=(n_classes, channels))
    counts[:, 3] = 60  # top channel for 60 % of every class's images
    counts[0, 9] = 90  # very strong, but only in one class
    counts[:11, 14] = 60  # all but one class: 92 % coverage
    means = rng.random((n_classes, channels))
    d = detect_layer(counts, np.full(n_classes, n), means, min_lift=1.5, min_coverage=0.95)
    assert np.flatnonzero(d["flagged"]).tolist() == [3]
    assert d["coverage"][3] == 1.0 and d["coverage"][14] == pytest.approx(11 / 12)
    d = detect_layer(counts, np.full(n_classes, n), means, min_lift=1.5, min_coverage=0.9)
    assert np.flatnonzero(d["flagged"]).tolist() == [3, 14]


def test_report_lists_flagged_channels_first_then_the_candidates():
    rng = np.random.default_rng(3)
    counts = rng.integers(0, 5, size=(4, 6))
    counts[:, 2] = 50
    d = detect_layer(counts, np.full(4, 60), rng.random((4, 6)), 1.5, 0.95)
    support = {"l": np.array([0.0, 0.6, 0.8, 0.5, 0.1, 0.49])}
    r = report({"l": d}, [0, 1, 2, 3], {"min_lift": 1.5, "min_coverage": 0.95}, candidates=2,
               support=support, stability={"min_support": 0.9, "resamples": 10})
    assert r["flagged"] == {"l": [2]} and r["n_flagged"] == 1
    assert [c["channel"] for c in r["channels"]][0] == 2
    assert [c["flagged"] for c in r["channels"]] == [True, False, False]
    assert len(r["channels"][0]["lift"]) == 4
    # Flagged in 80 % of the resamples: tentative, so none is supported; channels 1 and 3,
    # flagged in at least half of them but not on all the images, are the near misses.
    assert r["channels"][0]["support"] == 0.8 and r["channels"][0]["tentative"]
    assert not any(c["tentative"] for c in r["channels"][1:])
    assert r["n_supported"] == 0 and r["stability"]["min_support"] == 0.9
    assert r["near_misses"] == {"l": [{"channel": 1, "support": 0.6, "coverage": 0.0},
                                      {"channel": 3, "support": 0.5, "coverage": 0.0}]}
    rows = table_rows({"l": d}, support)
    assert len(rows) == 6 and rows[2]["flagged"] == 1 and rows[1]["support"] == 0.6


def test_class_means_stream_the_stores(tmp_path, monkeypatch):
    monkeypatch.setattr(store_module, "ROWS_PER_CHUNK", 3)  # several chunks per class
    rng = np.random.default_rng(4)
    data = [rng.random((n, 5)) for n in (7, 1, 10)]
    stores = [build_store(tmp_path / f"{i}.zarr", i, {"l": z}) for i, z in enumerate(data)]
    got = class_means(stores, "l")
    for i, z in enumerate(data):
        assert got[i] == pytest.approx(z.astype(np.float32).mean(axis=0), rel=1e-6)


def test_exclusions_merge_configured_and_detected():
    assert merged_exclusions({"a": [5, 1]}, {"a": [1, 2], "b": []}) == {"a": [1, 2, 5], "b": []}


CLASS_IDS = [3, 7, 8, 11, 12, 20]  # not row numbers: each class's resamples are its own


def _planted_groups(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A^l per image group (6 classes × 5 groups × 8 channels) and the images per group.

    Each image selects two channels: channel 0 always (non-semantic in every group of every
    class), and one of 2…7 at random, except that channel 1 takes that place in every image
    of classes 0–3 and in the images of groups 0 and 1 only of classes 4 and 5 (borderline:
    flagged in a resample when either of these draws enough of those groups)."""
    rng = np.random.default_rng(seed)
    images = np.stack([np.bincount(store_module.group_of_rows(0, n, 5), minlength=5)
                       for n in (23, 31, 27, 40, 36, 29)])
    counts = np.zeros((6, 5, 8), np.int64)
    for c in range(6):
        for g in range(5):
            n = images[c, g]
            counts[c, g, 0] = n
            planted = n if c < 4 or g < 2 else 0
            counts[c, g, 1] = planted
            counts[c, g, 2:] = rng.multinomial(n - planted, np.full(6, 1 / 6))
    return counts, images


def _brute_support(group_counts, images, seed, resamples, min_lift, min_coverage):
    """Each channel's share of resamples flagging it, drawing every resample with loops."""
    classes, groups, channels = group_counts.shape
    draws = [resample_weights(seed, cid, resamples, groups) for cid in CLASS_IDS]
    times = [0] * channels
    for b in range(resamples):
        counts = [[0] * channels for _ in range(classes)]
        n = [0] * classes
        for c in range(classes):
            for g in range(groups):
                for _ in range(int(draws[c][b][g])):  # group g, drawn this many times
                    n[c] += int(images[c][g])
                    for k in range(channels):
                        counts[c][k] += int(group_counts[c][g][k])
        for k in range(channels):
            passing = 0
            for c in range(classes):
                per_image = sum(counts[c]) / n[c]
                lift = (counts[c][k] / n[c]) / (per_image / channels)
                passing += lift >= min_lift
            times[k] += passing / classes >= min_coverage
    return [t / resamples for t in times]


def _support(group_counts, images, seed, resamples, min_lift, min_coverage):
    weights = np.stack([resample_weights(seed, cid, resamples, group_counts.shape[1])
                        for cid in CLASS_IDS])
    means = np.ones(group_counts.shape[::2])
    return resampled_flags(group_counts, images, weights, means, min_lift,
                           min_coverage).mean(axis=0)


@pytest.mark.parametrize("seed", [0, 1])
def test_support_matches_resamples_drawn_with_loops(seed):
    group_counts, images = _planted_groups(seed)
    got = _support(group_counts, images, seed, 40, 1.7001, 0.8)
    assert got.tolist() == pytest.approx(_brute_support(group_counts, images, seed, 40,
                                                        1.7001, 0.8))
    assert 0 < got[1] < 1  # the borderline channel: both outcomes compared
    rng = np.random.default_rng(seed + 10)  # and on unplanted counts, where lifts cross often
    noise = rng.integers(0, 6, size=(6, 4, 7))
    few = np.full((6, 4), 5)
    assert _support(noise, few, seed, 30, 1.2, 0.5).tolist() == pytest.approx(
        _brute_support(noise, few, seed, 30, 1.2, 0.5))


def test_planted_channel_is_supported_and_borderline_one_is_not():
    group_counts, images = _planted_groups()
    # Channel 1's lift is 4 × the share of the images in groups 0 and 1: 1.67 and 1.66 in
    # classes 4 and 5, under the bar of 1.7 on all the images but over it in resamples that
    # draw those groups more often.
    d = detect_layer(group_counts.sum(axis=1), images.sum(axis=1), np.ones((6, 8)), 1.7001, 0.8)
    support = _support(group_counts, images, 0, 50, 1.7001, 0.8)
    assert d["flagged"][0] and support[0] == 1.0  # high lift in every group of every class
    assert not d["flagged"][1] and 0.5 <= support[1] < 1  # flagged in most resamples only
    assert support[2:].tolist() == [0.0] * 6
    r = report({"l": d}, CLASS_IDS, {}, candidates=1, support={"l": support},
               stability={"min_support": 0.9, "resamples": 50})
    assert r["n_supported"] == 1 and r["channels"][0]["support"] == 1.0
    assert not r["channels"][0]["tentative"]
    assert r["channels"][1]["channel"] == 1 and not r["channels"][1]["tentative"]
    assert r["channels"][1]["support"] == round(float(support[1]), 6)
    assert r["near_misses"] == {"l": [{"channel": 1, "support": round(float(support[1]), 6),
                                       "coverage": round(4 / 6, 6)}]}


def test_a_flagged_channel_in_too_few_resamples_is_tentative():
    group_counts, images = _planted_groups()
    # Lower the bar so the borderline channel is flagged on all the images: 5 of 6 classes.
    d = detect_layer(group_counts.sum(axis=1), images.sum(axis=1), np.ones((6, 8)), 1.25, 0.8)
    support = _support(group_counts, images, 0, 50, 1.25, 0.8)
    assert d["flagged"][:2].tolist() == [True, True] and 0 < support[1] < 0.9
    r = report({"l": d}, CLASS_IDS, {}, candidates=0, support={"l": support},
               stability={"min_support": 0.9})
    assert [(c["channel"], c["tentative"]) for c in r["channels"]] == [(0, False), (1, True)]
    assert r["n_flagged"] == 2 and r["n_supported"] == 1


def test_support_is_determined_by_the_seed():
    group_counts, images = _planted_groups()
    once = _support(group_counts, images, 3, 50, 1.7001, 0.8)
    assert np.array_equal(once, _support(group_counts, images, 3, 50, 1.7001, 0.8))
    assert not np.array_equal(once, _support(group_counts, images, 4, 50, 1.7001, 0.8))
