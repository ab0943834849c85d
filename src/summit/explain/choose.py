"""Which images of a class are explained: chosen from the predictions the class pass stored,
so only the chosen images run through the model again."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

REASONS = ("misclassified", "least_confident", "most_confident")


@dataclass(frozen=True)
class Chosen:
    """One chosen image: its row in the class store, dataset index and why it was chosen."""

    row: int
    index: int
    reason: str


def choose_images(index: np.ndarray, label: np.ndarray, predicted: np.ndarray,
                  prob_true: np.ndarray, misclassified: int, least_confident: int,
                  most_confident: int) -> list[Chosen]:
    """Misclassified images, the most confidently wrong first (lowest probability of the
    true class), up to ``misclassified``; then of the correct ones the ``least_confident``
    and the ``most_confident`` (disjoint; ties by dataset index)."""
    wrong = np.flatnonzero(predicted != label)
    right = np.flatnonzero(predicted == label)
    wrong = wrong[np.lexsort((index[wrong], prob_true[wrong]))][:misclassified]
    right = right[np.lexsort((index[right], prob_true[right]))]
    low = right[:least_confident]
    rest = right[len(low):]
    high = rest[np.lexsort((index[rest], -prob_true[rest]))][:most_confident]
    return [Chosen(int(r), int(index[r]), reason)
            for rows, reason in zip((wrong, low, high), REASONS, strict=True) for r in rows]
