"""Stage ``class_figure``: a class's attribution graph drawn as in the paper's Figure 1."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from summit.io.artifacts import ClassGraph, ClassStats
from summit.steps import step


@step
def class_figure(p: dict[str, Any], *, graph: Path, stats: Path, featvis: list[Path],
                 png: Path, pdf: Path) -> None:
    """One class's attribution graph with feature visualizations as vertices (PNG and PDF)."""
    from summit.io.atlas import FeatvisAtlas, load_atlases
    from summit.render.figures import draw_attribution_graph, save

    g, s = ClassGraph.load(graph), ClassStats.load(stats)
    title = (f"{g.cls['name']}: attribution graph ({s.n_images:,} images, "
             f"top-1 {s.accuracy:.1%})")
    save(draw_attribution_graph(g.to_json(), load_atlases(featvis, FeatvisAtlas), title),
         png, pdf)
