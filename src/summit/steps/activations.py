"""Stage ``activations``: A^l of one layer from every class's channel maxima (paper §6.1)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from summit.io.artifacts import ActivationCounts
from summit.settings import AggregationSettings
from summit.steps import step


@step
def activations(p: dict[str, Any], *, layer: str, stores: list[Path], counts: Path) -> None:
    """A^l for one layer from every class's channel maxima (no forward pass)."""
    from summit.io.store import ClassStore
    from summit.method.activations import activation_matrix

    agg = AggregationSettings.from_config(p["aggregation"])
    result = activation_matrix([ClassStore(s) for s in stores], layer, agg.method, agg.k,
                               agg.share)
    ActivationCounts(layer=layer, **result).save(counts)
