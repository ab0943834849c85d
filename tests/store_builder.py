"""Class stores built by hand from given arrays, for tests of the steps that read them."""

from pathlib import Path

import numpy as np

from summit.io.store import ClassStore, open_class_store


def build_store(path: Path, class_id: int, maxima: dict[str, np.ndarray],
                predicted: np.ndarray | None = None, batch: int = 4,
                groups: int = 1, index: np.ndarray | None = None) -> ClassStore:
    """A store holding ``maxima`` (layer → images × channels), written in small batches, its
    rows in ``groups`` image groups; ``index``: the rows' dataset indices (default 0, 1, …)."""
    n = len(next(iter(maxima.values())))
    index = np.arange(n) if index is None else np.asarray(index)
    predicted = np.full(n, class_id, np.int32) if predicted is None else predicted
    layers = {name: m.shape[1] for name, m in maxima.items()}
    with open_class_store(path, layers, max(1, n)) as writer:
        for start in range(0, n, batch):
            sl = slice(start, start + batch)
            writer.append({name: m[sl].astype(np.float32) for name, m in maxima.items()},
                          {"index": index[sl], "label": np.full(n, class_id, np.int32)[sl],
                           "predicted": predicted[sl].astype(np.int32),
                           "prob_true": np.ones(n, np.float32)[sl]})
        writer.finish({}, {"class_id": class_id, "n_images": n, "n_skipped": 0},
                      groups=groups)
    return ClassStore(path)
