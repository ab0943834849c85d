"""Stage ``seeds``: the demo net retrained with other seeds; which class-level findings hold."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from summit.artifacts import ActivationCounts, ClassGraph, read_json, write_csv, write_json
from summit.steps import step


@step
def seeds(p: dict[str, Any], *, metrics: list[Path], graphs: list[Path], counts: list[Path],
          report: Path, table: Path, markdown: Path) -> None:
    """Accuracy, most similar pair and neighbourhoods per seed; in how many seeds each holds.

    ``metrics`` has one file per seed (``p["seeds"]``, the study's own first), ``graphs``
    the seeds' class graphs seed by seed in class order, ``counts`` their A^l per layer."""
    from summit.artifacts import write_text
    from summit.seeds import seed_report, summary_markdown, table_rows

    n, classes, layers = len(p["seeds"]), p["class_ids"], p["layers"]
    graph_json = [ClassGraph.load(x).to_json() for x in graphs]
    layer_counts = [ActivationCounts.load(x) for x in counts]
    result = seed_report(
        p["seeds"], [read_json(x) for x in metrics],
        [graph_json[s * len(classes):(s + 1) * len(classes)] for s in range(n)],
        [[c.counts for c in layer_counts[s * len(layers):(s + 1) * len(layers)]]
         for s in range(n)],
        layers, classes, p["class_names"], p["neighbours"]["k"],
        p["neighbours"]["figure_classes"])
    write_json(report, result)
    write_csv(table, table_rows(result))
    write_text(markdown, summary_markdown(result, p["class_names"]))
