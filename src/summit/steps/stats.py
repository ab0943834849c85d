"""Stage ``stats``: one class's accuracy and histograms, for the site's panels."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from summit.io.artifacts import ActivationCounts, ClassStats
from summit.settings import StatsSettings
from summit.steps import step


@step
def stats(p: dict[str, Any], *, store: Path, counts: list[Path], json: Path) -> None:
    """Per-class accuracy and histograms."""
    from summit.io.store import ClassStore
    from summit.method.stats import class_stats

    ranges = {c.layer: {"channel_min": c.channel_min, "channel_max": c.channel_max}
              for c in map(ActivationCounts.load, counts)}
    bins = StatsSettings.from_config(p["stats"]).bins
    ClassStats(**class_stats(ClassStore(store), ranges, bins)).save(json)
