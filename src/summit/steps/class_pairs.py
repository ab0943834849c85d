"""Stage ``class_pairs``: how similar every pair of classes' graphs is, and the intersection
and differences of the most similar pair and of chosen pairs (paper §8.3, Figure 9)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from summit.artifacts import ClassGraph, ClassPairsReport, write_csv
from summit.steps import step


@step
def class_pairs(p: dict[str, Any], *, graphs: list[Path], featvis: list[Path], report: Path,
                table: Path, png: Path, pdf: Path, pairs: list[Path]) -> None:
    """Graph similarity of all class pairs; intersection and differences of chosen pairs.

    ``p["pairs"]`` lists the chosen pairs as [a, b] class ids; ``pairs`` holds their figures,
    ``<a>_<b>.png`` and ``.pdf``."""
    from summit.atlas import FeatvisAtlas, load_atlases
    from summit.class_comparison import pairs_report
    from summit.figures import draw_class_pair, save

    loaded = [ClassGraph.load(x).to_json() for x in graphs]
    by_id = {g["class"]["id"]: g for g in loaded}
    result = ClassPairsReport(**pairs_report(loaded, [tuple(x) for x in p["pairs"]]))
    atlases = load_atlases(featvis, FeatvisAtlas)
    figures = {f.name: f for f in pairs}
    for key, comparison in result.pairs.items():
        out = ((png, pdf) if key == "most_similar" else
               (figures[f"{key}.png"], figures[f"{key}.pdf"]))
        save(draw_class_pair(comparison, by_id[comparison["a"]["id"]],
                             by_id[comparison["b"]["id"]], atlases), *out)
    result.save(report)
    names = [g["class"]["name"] for g in loaded]
    write_csv(table, [{"class": names[r], **{names[c]: result.vertex_jaccard[r][c]
                                             for c in range(len(names))}}
                      for r in range(len(names))])
