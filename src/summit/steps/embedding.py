"""Stage ``embedding``: the class embedding of every layer (paper §7.1)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from summit.io.artifacts import ActivationCounts, Embedding
from summit.settings import EmbeddingSettings
from summit.steps import step


@step
def embedding(p: dict[str, Any], *, counts: list[Path], embedding: Path) -> None:
    """UMAP of every layer's A^l, each layer initialised from the previous one's layout."""
    from summit.method.embedding import embed_layers

    layers = [ActivationCounts.load(path) for path in counts]
    e = EmbeddingSettings.from_config(p["embedding"])
    layouts = embed_layers([c.counts for c in layers], n_neighbors=e.n_neighbors,
                           min_dist=e.min_dist, seed=e.seed)
    Embedding(class_ids=layers[0].class_ids.tolist(), layers={
        c.layer: np.round(xy, 6).tolist() for c, xy in zip(layers, layouts, strict=True)}
    ).save(embedding)
