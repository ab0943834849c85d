"""Channel matching (summit.analyses.matching) against obvious references: numpy's corrcoef, every
assignment enumerated, sets of top images, and planted structure with known answers."""

from itertools import permutations

import numpy as np
import pytest

from summit.analyses.matching import (
    MatchingError,
    assign,
    correlation,
    match_layer,
    null_scores,
    overlap,
    sample_maxima,
    translate,
)
from tests.store_builder import build_store

SETTINGS = {"threshold": 0.3, "top": 10, "resamples": 10, "seed": 0}


def _features(rng: np.random.Generator, n: int, c: int) -> np.ndarray:
    """Channel maxima with the structure real ones have: non-negative, skewed, correlated."""
    shared = rng.gamma(2.0, size=(n, 3))
    return np.maximum(0, shared @ rng.normal(size=(3, c)) + rng.gamma(1.0, size=(n, c)))


def test_correlation_is_numpys_corrcoef_and_zero_for_a_dead_channel():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(50, 4)), rng.normal(size=(50, 3))
    expected = np.corrcoef(x.T, y.T)[:4, 4:]
    np.testing.assert_allclose(correlation(x, y), expected, rtol=1e-12, atol=1e-12)
    y[:, 1] = 0.0
    assert np.all(correlation(x, y)[:, 1] == 0)


@pytest.mark.parametrize("shape", [(4, 4), (3, 5), (5, 3)])
def test_assignment_maximises_the_summed_score_over_every_assignment(shape):
    rng = np.random.default_rng(sum(shape))
    for _ in range(20):
        score = rng.normal(size=shape)
        rows, cols = assign(score)
        small, large = min(shape), max(shape)
        best = max(
            sum(score[i, p[i]] if shape[0] <= shape[1] else score[p[i], i] for i in range(small))
            for p in permutations(range(large), small))
        assert len(rows) == small and len(set(cols.tolist())) == small
        assert score[rows, cols].sum() == pytest.approx(best, abs=1e-12)


def test_a_model_matched_with_itself_after_a_channel_permutation_recovers_it_exactly():
    rng = np.random.default_rng(1)
    x = _features(rng, 400, 24)
    perm = rng.permutation(24)
    result = match_layer(x, x[:, perm], **SETTINGS)
    got = {p["a"]: p["b"] for p in result["pairs"]}
    assert got == {int(perm[j]): j for j in range(24)}
    assert result["matched"] == 24 and not result["unmatched_a"] and not result["unmatched_b"]
    assert all(p["score"] == pytest.approx(1.0) and p["overlap"] == 1.0 for p in result["pairs"])
    # the identity share counts only pairs with the same index
    assert result["identity"] == pytest.approx(np.mean(perm == np.arange(24)))
    assert match_layer(x, x, **SETTINGS)["identity"] == 1.0


def _planted(rng, n, a, b, planted, noise):
    """Maxima of A (n × a) and B (n × b) where B's channel ``planted[i]`` is A's channel i
    plus noise and B's other channels are independent of A."""
    x = rng.gamma(2.0, size=(n, a))
    y = rng.gamma(2.0, size=(n, b))
    for i, j in enumerate(planted):
        y[:, j] = x[:, i] + noise * rng.gamma(2.0, size=n)
    return x, y


def test_planted_correlations_are_found_and_noise_channels_stay_unmatched():
    rng = np.random.default_rng(2)
    planted = [5, 0, 7, 2]  # A's channels 0-3 live on in B; A's 4-7 and B's others are noise
    x, y = _planted(rng, 2000, 8, 8, planted, noise=0.8)
    result = match_layer(x, y, **SETTINGS)
    matched = {(p["a"], p["b"]) for p in result["pairs"] if p["matched"]}
    assert matched == {(i, j) for i, j in enumerate(planted)}
    assert result["unmatched_a"] == [4, 5, 6, 7]
    assert result["unmatched_b"] == sorted(set(range(8)) - set(planted))
    expected = 1 / np.sqrt(1 + 0.8**2)  # corr(x, x + 0.8 e) with e distributed like x
    for p in result["pairs"]:
        if p["matched"]:
            assert p["score"] == pytest.approx(expected, abs=0.05)
    assert result["null"]["max"] < 0.15 < min(p["score"] for p in result["pairs"] if p["matched"])


@pytest.mark.parametrize("a,b", [(6, 10), (10, 6)])
def test_layers_of_unequal_width(a, b):
    rng = np.random.default_rng(a * b)
    small = min(a, b)
    planted = rng.permutation(max(a, b))[:small]
    if a <= b:
        x, y = _planted(rng, 1500, a, b, planted, noise=0.5)
        expected = {(i, int(j)) for i, j in enumerate(planted)}
    else:
        y, x = _planted(rng, 1500, b, a, planted, noise=0.5)
        expected = {(int(j), i) for i, j in enumerate(planted)}
    result = match_layer(x, y, **SETTINGS)
    assert result["channels_a"] == a and result["channels_b"] == b
    assert len(result["pairs"]) == small
    assert {(p["a"], p["b"]) for p in result["pairs"] if p["matched"]} == expected
    assert len(result["unmatched_a"]) == a - small and len(result["unmatched_b"]) == b - small


def test_the_null_is_the_assignment_on_shuffled_images():
    rng = np.random.default_rng(3)
    x, y = _features(rng, 300, 5), _features(rng, 300, 4)
    null = null_scores(x, y, 6, np.random.default_rng(7))
    replay = np.random.default_rng(7)
    for scores in null:  # by brute force: shuffle, correlate with corrcoef, try every assignment
        shuffled = y[replay.permutation(len(y))]
        c = np.corrcoef(x.T, shuffled.T)[:5, 5:]
        best = max(permutations(range(5), 4), key=lambda p: sum(c[p[j], j] for j in range(4)))
        np.testing.assert_allclose(np.sort(scores), np.sort([c[best[j], j] for j in range(4)]),
                                   atol=1e-12)


def test_unrelated_models_match_nothing_and_the_null_sets_the_cutoff():
    rng = np.random.default_rng(4)
    n = 500
    x, y = rng.gamma(2.0, size=(n, 12)), rng.gamma(2.0, size=(n, 12))
    result = match_layer(x, y, **{**SETTINGS, "threshold": 0.0, "resamples": 40})
    # independent channels: the null's scores are chance correlations, of order 1/sqrt(n)
    assert 0 < result["null"]["p50"] < 4 / np.sqrt(n)
    assert result["cutoff"] == pytest.approx(result["null"]["p99"])
    assert result["matched"] <= 2  # the true scores are themselves draws from the null
    planted = match_layer(x, np.concatenate([x[:, :3] + rng.gamma(2.0, size=(n, 3)), y[:, 3:]],
                                            axis=1), **{**SETTINGS, "threshold": 0.0})
    assert {(p["a"], p["b"]) for p in planted["pairs"] if p["matched"]} >= {(0, 0), (1, 1),
                                                                            (2, 2)}


def test_overlap_is_the_jaccard_of_top_image_sets():
    rng = np.random.default_rng(5)
    x, y = rng.normal(size=(40, 3)), rng.normal(size=(40, 4))
    rows, cols = np.array([0, 1, 2]), np.array([3, 0, 1])
    got = overlap(x, y, rows, cols, 7)
    for i, (r, c) in enumerate(zip(rows, cols, strict=True)):
        ta, tb = set(np.argsort(-x[:, r])[:7]), set(np.argsort(-y[:, c])[:7])
        assert got[i] == pytest.approx(len(ta & tb) / len(ta | tb))


def test_translate_writes_b_in_a_ids():
    matchings = {"m3": {"layer_b": "b3", "pairs": [
        {"a": 4, "b": 0, "score": 0.9, "matched": True},
        {"a": 1, "b": 1, "score": 0.1, "matched": False}]},
        "m4": {"layer_b": "b4", "pairs": [{"a": 2, "b": 5, "score": 0.7, "matched": True}]}}
    graph = {"class": {"id": 1}, "layers": ["b3", "b4"], "slider": {"nodes": ["b3:9"]},
             "nodes": [{"id": "b3:0", "layer": "b3", "channel": 0, "count": 5},
                       {"id": "b3:1", "layer": "b3", "channel": 1, "count": 3},
                       {"id": "b4:5", "layer": "b4", "channel": 5, "count": 2}],
             "edges": [{"source": "b3:0", "target": "b4:5", "weight": 4},
                       {"source": "b3:1", "target": "b4:5", "weight": 1}]}
    out = translate(graph, matchings)
    assert out["layers"] == ["m3", "m4"] and "slider" not in out
    assert [n["id"] for n in out["nodes"]] == ["m3:4", "m3:b1", "m4:2"]
    assert out["nodes"][0] | {} == {"id": "m3:4", "layer": "m3", "channel": 4, "count": 5,
                                    "b_layer": "b3", "b_channel": 0, "score": 0.9}
    assert out["nodes"][1]["channel"] == 1 and out["nodes"][1]["score"] is None
    assert [(e["source"], e["target"]) for e in out["edges"]] == [("m3:4", "m4:2"),
                                                                 ("m3:b1", "m4:2")]
    resampled = translate({"nodes": ["b3:0", "b4:5"], "edges": [["b3:0", "b4:5"]]}, matchings)
    assert resampled == {"nodes": ["m3:4", "m4:2"], "edges": [["m3:4", "m4:2"]]}
    with pytest.raises(MatchingError, match="'zz' is not paired"):
        translate({"nodes": ["zz:1"], "edges": []}, matchings)


def test_sample_maxima_pairs_rows_by_dataset_index_and_bounds_the_sample(tmp_path):
    rng = np.random.default_rng(6)
    stores_a, stores_b, truth = [], [], {}
    for cls in range(3):
        index = np.arange(cls * 100, cls * 100 + 30)
        x = rng.normal(size=(30, 4))
        truth.update({int(i): row for i, row in zip(index, x, strict=True)})
        order = rng.permutation(30)  # B stored the class's images in another order, and fewer
        keep = order[:25]
        stores_a.append(build_store(tmp_path / f"a{cls}.zarr", cls, {"l": x}, index=index).path)
        stores_b.append(build_store(tmp_path / f"b{cls}.zarr", cls, {"m": 2 * x[keep]},
                                    index=index[keep]).path)
    x, y = sample_maxima(stores_a, stores_b, "l", "m", max_images=1000, seed=0)
    assert x.shape == (75, 4) and y.shape == (75, 4)
    np.testing.assert_allclose(y, 2 * x, rtol=1e-6)
    small = sample_maxima(stores_a, stores_b, "l", "m", max_images=20, seed=0)
    assert small[0].shape == (20, 4)
    np.testing.assert_allclose(small[1], 2 * small[0], rtol=1e-6)
    stored = np.array(list(truth.values()))
    assert all(np.isclose(stored, r, atol=1e-6).all(axis=1).sum() == 1 for r in small[0])
    with pytest.raises(MatchingError, match="no layer 'q'"):
        sample_maxima(stores_a, stores_b, "q", "m", 10, 0)


def test_summary_states_a_matching_in_brief():
    from summit.analyses.matching import summary

    rng = np.random.default_rng(8)
    x = _features(rng, 300, 6)
    result = {"layer_b": "m", **match_layer(x, x[:, ::-1], **SETTINGS)}
    brief = summary(result)
    assert brief["matched"] == 6 and brief["identity"] == 0.0 and brief["overlap"] == 1.0
    assert brief["median_score"] == result["scores"]["p50"] and brief["layer_b"] == "m"
    none = summary({**result, "pairs": [{**p, "matched": False} for p in result["pairs"]]})
    assert none["overlap"] is None
