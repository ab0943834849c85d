"""Stage ``seeds``: the demo net retrained with other seeds; which findings hold, those
defined by class directly and the channel-level ones through the channel matching."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from summit.io.artifacts import ActivationCounts, ClassGraph, ResampledGraphs
from summit.io.files import read_json, write_csv, write_json
from summit.io.reports import ChannelMatching, MotifsReport, NonsemanticReport
from summit.steps import step


@step
def seeds(p: dict[str, Any], *, metrics: list[Path], graphs: list[Path], counts: list[Path],
          resampled: list[Path], nonsemantic: list[Path], matchings: list[Path], motifs: Path,
          report: Path, table: Path, markdown: Path) -> None:
    """Per seed its findings, and in how many seeds each of the first seed's holds.

    ``metrics`` and ``nonsemantic`` have one file per seed (``p["seeds"]``, the study's own
    first), ``graphs`` and ``resampled`` the seeds' class graphs seed by seed in class
    order, ``counts`` their A^l per layer, ``matchings`` each other seed's channels matched
    with the first's, seed by seed in layer order; ``motifs`` are the first seed's."""
    from summit.analyses.seeds import channel_report, seed_report, summary_markdown, table_rows
    from summit.io.files import write_text

    classes, layers = p["class_ids"], p["layers"]

    def per_seed(items: list[Any], size: int) -> list[list[Any]]:
        """Seed by seed: consecutive runs of ``size`` items."""
        return [items[s * size:(s + 1) * size] for s in range(len(items) // size)]

    graph_json = per_seed([ClassGraph.load(x).to_json() for x in graphs], len(classes))
    result = seed_report(
        p["seeds"], [read_json(x) for x in metrics], graph_json,
        [[ActivationCounts.load(x).counts for x in group]
         for group in per_seed(counts, len(layers))],
        layers, classes, p["class_names"], p["neighbours"]["k"],
        p["neighbours"]["figure_classes"])
    result["channels"] = channel_report(
        p["seeds"], graph_json,
        per_seed([ResampledGraphs.load(x).to_json() for x in resampled], len(classes)),
        [{m.layer_a: m.to_json() for m in group}
         for group in per_seed([ChannelMatching.load(x) for x in matchings], len(layers))],
        [NonsemanticReport.load(x).flagged for x in nonsemantic],
        MotifsReport.load(motifs).motifs, layers)
    write_json(report, result)
    write_csv(table, table_rows(result))
    write_text(markdown, summary_markdown(result, p["class_names"]))
