"""Stage ``motifs``: sub-structures shared by groups of classes' graphs (paper §9)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from summit.artifacts import ClassGraph, MotifsReport, write_csv
from summit.settings import MotifsSettings
from summit.steps import step

log = logging.getLogger("summit")


@step
def motifs(p: dict[str, Any], *, graphs: list[Path], featvis: list[Path], report: Path,
           channels_table: Path, edges_table: Path, png: Path, pdf: Path) -> None:
    """Channels and edges that recur across classes' graphs, and the classes sharing them."""
    from summit.atlas import FeatvisAtlas, load_atlases
    from summit.figures import motif_grid, save
    from summit.motifs import motif_graph, recurring_channels, recurring_edges
    from summit.motifs import report as mine

    m = MotifsSettings.from_config(p["motifs"])
    loaded = [ClassGraph.load(x).to_json() for x in graphs]
    result = MotifsReport(**mine(loaded, p["motifs"]))
    result.save(report)
    names = p["class_names"]
    write_csv(channels_table, [{**{k: v for k, v in c.items() if k != "classes"},
                                "classes": "; ".join(names[x] for x in c["classes"])}
                               for c in recurring_channels(loaded)])
    write_csv(edges_table, recurring_edges(loaded))
    by_id = {g["class"]["id"]: g for g in loaded}
    shown = result.motifs[:m.figure_motifs]
    fig = motif_grid([motif_graph(x, by_id) for x in shown],
                     [f"#{x['id']}: " + ", ".join(names[c] for c in x["classes"]) for x in shown],
                     load_atlases(featvis, FeatvisAtlas),
                     f"Motifs: {len(result.motifs)} sub-structures shared by "
                     f"{m.min_classes}+ classes (showing {len(shown)})")
    save(fig, png, pdf)
    log.info("%d motifs, %d recurring channels", len(result.motifs), len(result.channels))
