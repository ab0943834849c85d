"""Per-layer class embeddings (Summit's embedding view).

Each layer's classes are laid out by UMAP on their channel-count profiles; a layer starts from the
previous layer's layout so neighbouring layers look alike and the view can animate between them.
"""

from __future__ import annotations

import warnings

import numpy as np

_N_COMPONENTS = 2


def _rescale_unit(coords: np.ndarray) -> np.ndarray:
    """Rescale each axis to [0, 1]; a degenerate axis (one value) goes to 0.5."""
    lo, hi = coords.min(axis=0), coords.max(axis=0)
    span = hi - lo
    safe = np.where(span > 0, span, 1.0)
    return np.where(span > 0, (coords - lo) / safe, 0.5)


def embed_layer(
    counts: np.ndarray,
    init: np.ndarray | None,
    *,
    n_neighbors: int = 15,
    min_dist: float = 0.1,
    seed: int = 0,
    n_epochs: int | None = None,
) -> np.ndarray:
    """2-D UMAP (cosine) of the rows of a classes × channels count matrix, each axis in [0, 1].

    ``init`` (n × 2, e.g. the previous layer's result) seeds the layout; without it UMAP's
    spectral init is used, or a seeded random one when there are too few classes for the
    eigensolver. ``n_neighbors`` is clamped to [2, n - 1] so tiny class sets work; a tiny epsilon
    keeps all-zero rows from giving NaN cosine distances. ``n_epochs`` None means UMAP's default.
    The output is deterministic for a fixed ``seed``.
    """
    import umap  # deferred: the import JIT-compiles numba code for tens of seconds

    data = np.asarray(counts, dtype=np.float64)
    if data.ndim != 2:
        raise ValueError(f"counts must be 2-D (classes × channels), got shape {data.shape}")
    n = data.shape[0]
    if n < 3:
        raise ValueError(f"UMAP needs at least 3 classes, got {n}")
    data = data + 1e-9 * max(float(np.abs(data).max()), 1.0)

    if init is not None:
        start = np.asarray(init, dtype=np.float64)
        if start.shape != (n, _N_COMPONENTS):
            raise ValueError(f"init must have shape {(n, _N_COMPONENTS)}, got {start.shape}")
    elif n > _N_COMPONENTS + 1:
        start = "spectral"
    else:
        # UMAP's spectral layout needs n_components + 1 eigenvectors of an n × n Laplacian.
        start = np.random.default_rng(seed).uniform(size=(n, _N_COMPONENTS))

    reducer = umap.UMAP(
        n_neighbors=min(max(n_neighbors, 2), n - 1),
        n_components=_N_COMPONENTS,
        min_dist=min_dist,
        metric="cosine",
        init=start,
        random_state=seed,
        n_epochs=n_epochs,
    )
    with warnings.catch_warnings():
        # Fixing random_state forces n_jobs=1 on purpose (determinism); the notice is noise.
        warnings.filterwarnings("ignore", message="n_jobs value", category=UserWarning)
        coords = reducer.fit_transform(data)
    return _rescale_unit(np.asarray(coords, dtype=np.float64))


def embed_layers(counts: list[np.ndarray], *, n_neighbors: int = 15, min_dist: float = 0.1,
                 seed: int = 0) -> list[np.ndarray]:
    """Embed every layer in order, each initialised from the previous layer's layout.

    One call for all layers because the chain is sequential anyway and UMAP's numba
    compilation, the dominant cost for small studies, is then paid once. Two classes (too few
    for UMAP) are placed at the two ends of a horizontal line.
    """
    if counts and counts[0].shape[0] < 3:
        return [np.array([[0.0, 0.5], [1.0, 0.5]][: c.shape[0]]) for c in counts]
    layouts: list[np.ndarray] = []
    for c in counts:
        layouts.append(embed_layer(c, layouts[-1] if layouts else None,
                                   n_neighbors=n_neighbors, min_dist=min_dist, seed=seed))
    return layouts
