"""Classes that a few channels separate (paper §8.5, "Informing future algorithm design").

The paper noticed that some classes have only a few important channels in the middle layers
and proposed a new "model": max-pool those channels (the channel maxima Z^l we store) and put
a dense classifier on top. Per layer this module takes each class's top channels by A^l and
measures on a held-out split

- how well each channel alone separates the class from the rest (ROC AUC of its maximum);
- a one-vs-rest logistic regression on the class's own few channels, against the model's own
  one-vs-rest decision (predicted == class) on the same images, as balanced accuracy;
- one multinomial logistic regression on the union of all classes' channels (the paper's
  dense layer), its per-class recall against the model's.

The images are a seeded sample of at most ``max_images_per_class`` per class, read chunk by
chunk, so memory is bounded by classes × that cap × channels.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.stats import rankdata

from summit.io.store import ClassStore


@dataclass
class Sample:
    """Channel maxima of a sample of images with their class and the model's prediction."""

    maxima: np.ndarray  # images × channels
    label: np.ndarray
    predicted: np.ndarray
    test: np.ndarray  # bool: held out from fitting


def sample_layer(stores: list[ClassStore], layer: str, max_per_class: int, test_share: float,
                 seed: int) -> Sample:
    """Up to ``max_per_class`` random images per class, and a stratified held-out split."""
    rng = np.random.default_rng(seed)
    parts, labels, predicted, test = [], [], [], []
    for store in stores:
        n = store.maxima(layer).shape[0]
        pick = np.sort(rng.choice(n, size=min(n, max_per_class), replace=False))
        rows, start = [], 0
        for z in store.iter_maxima(layer):
            inside = pick[(pick >= start) & (pick < start + len(z))]
            rows.append(z[inside - start])
            start += len(z)
        parts.append(np.concatenate(rows) if rows else np.zeros((0, store.maxima(layer).shape[1])))
        labels.append(store.prediction("label")[pick])
        predicted.append(store.prediction("predicted")[pick])
        held = np.zeros(len(pick), bool)
        held[rng.permutation(len(pick))[:round(test_share * len(pick))]] = True
        test.append(held)
    return Sample(np.concatenate(parts).astype(np.float32), np.concatenate(labels),
                  np.concatenate(predicted), np.concatenate(test))


def roc_auc(scores: np.ndarray, positive: np.ndarray) -> float:
    """Probability that a random positive scores above a random negative (ties count half)."""
    n_pos, n_neg = int(positive.sum()), int((~positive).sum())
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    ranks = rankdata(scores)
    return float((ranks[positive].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def balanced_accuracy(decision: np.ndarray, positive: np.ndarray) -> float:
    """Mean of the true-positive and true-negative rates."""
    return float((decision[positive].mean() + (~decision[~positive]).mean()) / 2)


def top_channels(counts_row: np.ndarray, m: int) -> list[int]:
    """The class's ``m`` channels with the largest A^l count (ties: lower index), count > 0."""
    order = np.lexsort((np.arange(len(counts_row)), -counts_row))[:m]
    return [int(c) for c in order if counts_row[c] > 0]


def _fit_predict(x_train: np.ndarray, y_train: np.ndarray, x_test: np.ndarray,
                 seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Standardised logistic regression: predicted labels and scores (or probabilities)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    clf = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000, random_state=seed))
    clf.fit(x_train, y_train)
    return clf.predict(x_test), clf.predict_proba(x_test)


def separate_classes(sample: Sample, counts: np.ndarray, class_ids: list[int], m: int,
                     seed: int) -> dict[str, Any]:
    """Per class: its channels' AUCs and the few-channel classifier against the model."""
    rng = np.random.default_rng(seed)
    train, test = ~sample.test, sample.test
    classes = []
    for row, cid in enumerate(class_ids):
        channels = top_channels(counts[row], m)
        own = sample.label == cid
        # The class's images against as many others drawn at random: a balanced problem.
        others = np.flatnonzero(~own)
        rest = np.zeros(len(own), bool)
        rest[rng.choice(others, size=min(len(others), int(own.sum())), replace=False)] = True
        rows = own | rest
        entry: dict[str, Any] = {"id": cid, "channels": [
            {"channel": c, "count": int(counts[row, c]),
             "auc": round(roc_auc(sample.maxima[rows, c], own[rows]), 6)} for c in channels]}
        fit, held = rows & train, rows & test
        if channels and len(np.unique(own[fit])) == 2 and own[held].any() and (~own[held]).any():
            decision, proba = _fit_predict(sample.maxima[fit][:, channels], own[fit],
                                           sample.maxima[held][:, channels], seed)
            entry["classifier_balanced_accuracy"] = round(balanced_accuracy(
                decision.astype(bool), own[held]), 6)
            entry["classifier_auc"] = round(roc_auc(proba[:, 1], own[held]), 6)
            entry["model_balanced_accuracy"] = round(balanced_accuracy(
                sample.predicted[held] == cid, own[held]), 6)
        classes.append(entry)
    return {"classes": classes}


def joint_classifier(sample: Sample, counts: np.ndarray, class_ids: list[int], m: int,
                     seed: int) -> dict[str, Any]:
    """The paper's proposal: one dense (softmax) layer on the union of the classes' channels."""
    features = sorted({c for row in range(len(class_ids)) for c in top_channels(counts[row], m)})
    train, test = ~sample.test, sample.test
    if not features or len(np.unique(sample.label[train])) < 2 or not test.any():
        return {"channels": features}
    predicted, _ = _fit_predict(sample.maxima[train][:, features], sample.label[train],
                                sample.maxima[test][:, features], seed)
    truth, model = sample.label[test], sample.predicted[test]
    recall = {str(cid): {"classifier": round(float((predicted[truth == cid] == cid).mean()), 6),
                         "model": round(float((model[truth == cid] == cid).mean()), 6)}
              for cid in class_ids if (truth == cid).any()}
    return {"channels": features, "classifier_accuracy": round(float((predicted == truth).mean()),
                                                               6),
            "model_accuracy": round(float((model == truth).mean()), 6), "recall": recall}
