"""Confusions explained (summit.explain.confusions) against loops over images."""

import numpy as np
import pytest

from summit.explain.confusions import confusion_counts, explain_confusion, rate_ratio


def _case(seed: int):
    rng = np.random.default_rng(seed)
    n, classes = 60, 4
    label = np.full(n, 1)
    predicted = np.where(rng.random(n) < 0.5, 1, rng.integers(0, classes, n))
    masks = {"a": rng.random((n, 6)) < 0.3, "b": rng.random((n, 5)) < 0.5}
    graphs = {c: sorted({f"{x}:{int(rng.integers(0, 5))}" for x in "ab" for _ in range(3)})
              for c in range(classes)}
    return label, predicted, masks, graphs


@pytest.mark.parametrize("seed", range(5))
def test_confusion_counts_equal_a_loop_over_images(seed):
    label, predicted, masks, graphs = _case(seed)
    groups = 3
    got = confusion_counts(1, label, predicted, masks, graphs, groups, min_images=4)
    want = {}
    for b in range(4):
        wrong = [i for i in range(len(label)) if predicted[i] == b != label[i]]
        if len(wrong) >= 4:
            want[b] = wrong
    assert [c.predicted for c in got] == sorted(want)
    for c in got:
        assert c.vertices == graphs[c.predicted]
        for g in range(groups):
            rows = [i for i in range(len(label)) if i % groups == g]
            mis = [i for i in rows if i in want[c.predicted]]
            cor = [i for i in rows if predicted[i] == label[i]]
            assert c.n_mis[g] == len(mis) and c.n_cor[g] == len(cor)
            for j, v in enumerate(c.vertices):
                layer, ch = v.split(":")
                assert c.mis[g, j] == sum(bool(masks[layer][i, int(ch)]) for i in mis)
                assert c.cor[g, j] == sum(bool(masks[layer][i, int(ch)]) for i in cor)


def test_a_pulling_channel_and_its_support_by_hand():
    """Two groups. Channel 0: 4 of 5 misclassified vs 1 of 10 correct (pulls); channel 1: as
    often in both (does not). Resamples: each group twice (holds where the group has the
    misclassified images), both groups once (the whole sample)."""
    from summit.explain.confusions import ConfusionCounts

    cc = ConfusionCounts(0, 1, ["a:0", "a:1"], mis=np.array([[4, 2], [0, 1]]),
                         cor=np.array([[1, 4], [0, 2]]), n_mis=np.array([5, 0]),
                         n_cor=np.array([5, 5]))
    weights = np.array([[2, 0], [0, 2], [1, 1]])
    r = explain_confusion(cc, weights, ratio=2.0, min_count=3, min_rate=0.5, min_support=0.9)
    assert (r["n_misclassified"], r["n_correct"]) == (5, 10)
    (ch,) = r["channels"]  # channel 1 neither pulls nor holds in half the resamples
    assert ch["id"] == "a:0" and ch["pulls"]
    assert ch["rate_ratio"] == pytest.approx(float(rate_ratio(4, 5, 1, 10)), abs=1e-6)
    assert ch["rate_misclassified"] == 0.8 and ch["rate_correct"] == 0.1
    # resample 1: 8 of 10 vs 2 of 10 (holds); 2: 0 of 0 (fails the count); 3: the sample
    assert ch["support"] == pytest.approx(2 / 3, abs=1e-6) and ch["tentative"]


def test_a_channel_few_misclassified_images_activate_does_not_pull():
    """1 of 20 misclassified images against none of 100 correct: a ratio of 15, but 5 % of
    the misclassified images explain nothing (min_rate 0.2)."""
    from summit.explain.confusions import ConfusionCounts

    cc = ConfusionCounts(0, 1, ["a:0"], mis=np.array([[3]]), cor=np.array([[0]]),
                         n_mis=np.array([20]), n_cor=np.array([100]))
    weights = np.ones((4, 1), np.int64)
    assert explain_confusion(cc, weights, 2.0, 1, 0.2, 0.9)["channels"] == []
    assert explain_confusion(cc, weights, 2.0, 1, 0.1, 0.9)["channels"][0]["pulls"]
