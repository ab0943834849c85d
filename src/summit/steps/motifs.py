"""Stage ``motifs``: sub-structures shared by groups of classes' graphs (paper §9), each with
its support over the classes' resampled graphs."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from summit.io.artifacts import ClassGraph, ResampledGraphs
from summit.io.files import write_csv
from summit.io.reports import MotifsReport
from summit.settings import MotifsSettings, StabilitySettings
from summit.steps import step

log = logging.getLogger("summit")


@step
def motifs(p: dict[str, Any], *, graphs: list[Path], resampled: list[Path],
           featvis: list[Path], report: Path, channels_table: Path, edges_table: Path,
           png: Path, pdf: Path) -> None:
    """Channels and edges that recur across classes' graphs, and the classes sharing them;
    each motif's and channel's support (``resampled``: every class's resampled graphs)."""
    from summit.analyses.motifs import (
        motif_graph,
        recurring_channels,
        recurring_edges,
        resampled_support,
        with_support,
    )
    from summit.analyses.motifs import report as mine
    from summit.io.atlas import FeatvisAtlas, load_atlases
    from summit.method.resampling import by_resample
    from summit.render.figures import motif_grid, save, support_text

    m = MotifsSettings.from_config(p["motifs"])
    s = StabilitySettings.from_config(p["stability"])
    loaded = [ClassGraph.load(x).to_json() for x in graphs]
    found = mine(loaded, p["motifs"])
    records = [ResampledGraphs.load(x).to_json() for x in resampled]
    held = resampled_support(found["motifs"],
                             by_resample(records, [g["class"]["id"] for g in loaded]),
                             m.min_classes)
    result = MotifsReport(**with_support(found, held, s.min_support))
    result.save(report)
    names = p["class_names"]
    empty = 0.0 if held["resamples"] else float("nan")  # no resamples: support not measured
    write_csv(channels_table, [{**{k: v for k, v in c.items() if k != "classes"},
                                "classes": "; ".join(names[x] for x in c["classes"]),
                                "support": held["channels"].get(c["id"], empty)}
                               for c in recurring_channels(loaded)])
    write_csv(edges_table, [{**e, "support": held["edges"].get((e["source"], e["target"]), empty)}
                            for e in recurring_edges(loaded)])
    by_id = {g["class"]["id"]: g for g in loaded}
    shown = result.motifs[:m.figure_motifs]
    fig = motif_grid([motif_graph(x, by_id) for x in shown],
                     [f"#{x['id']}: " + ", ".join(names[c] for c in x["classes"]) +
                      f" ({support_text(x['support'], x['tentative'])})" for x in shown],
                     load_atlases(featvis, FeatvisAtlas),
                     f"Motifs: {len(result.motifs)} sub-structures shared by "
                     f"{m.min_classes}+ classes (showing {len(shown)}; tentative: support "
                     f"under {s.min_support:g} over {held['resamples']} resamples)",
                     [x["tentative"] for x in shown])
    save(fig, png, pdf)
    log.info("%d motifs (%d tentative), %d recurring channels", len(result.motifs),
             sum(x["tentative"] for x in result.motifs), len(result.channels))
