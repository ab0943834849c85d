"""Non-semantic channel detection against explicit loops, on small random and planted data."""

import numpy as np
import pytest

from summit import store as store_module
from summit.nonsemantic import (
    class_means,
    class_selectivity,
    detect_layer,
    merged_exclusions,
    report,
    table_rows,
    top_channel_lift,
)
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
    r = report({"l": d}, [0, 1, 2, 3], {"min_lift": 1.5, "min_coverage": 0.95}, candidates=2)
    assert r["flagged"] == {"l": [2]} and r["n_flagged"] == 1
    assert [c["channel"] for c in r["channels"]][0] == 2
    assert [c["flagged"] for c in r["channels"]] == [True, False, False]
    assert len(r["channels"][0]["lift"]) == 4
    rows = table_rows({"l": d})
    assert len(rows) == 6 and rows[2]["flagged"] == 1


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
