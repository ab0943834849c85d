"""Stage ``class_pairs``: how similar every pair of classes' graphs is, and the intersection
and differences of the most similar pair and of chosen pairs (paper §8.3, Figure 9), each
finding with its support over the classes' resampled graphs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from summit.io.artifacts import ClassGraph, ResampledGraphs
from summit.io.files import write_csv
from summit.io.reports import ClassPairsReport
from summit.settings import StabilitySettings
from summit.steps import step


@step
def class_pairs(p: dict[str, Any], *, graphs: list[Path], resampled: list[Path],
                featvis: list[Path], report: Path, table: Path, support_table: Path, png: Path,
                pdf: Path, pairs: list[Path]) -> None:
    """Graph similarity of all class pairs; intersection and differences of chosen pairs.

    ``p["pairs"]`` lists the chosen pairs as [a, b] class ids; ``pairs`` holds their figures,
    ``<a>_<b>.png`` and ``.pdf``. ``resampled`` holds every class's resampled graphs (in
    ``graphs`` order), on which each finding is measured again."""
    from summit.analyses.class_comparison import pair_table, pairs_report, resampled_pairs
    from summit.io.atlas import FeatvisAtlas, load_atlases
    from summit.method.resampling import by_resample
    from summit.render.figures import draw_class_pair, save

    s = StabilitySettings.from_config(p["stability"])
    loaded = [ClassGraph.load(x).to_json() for x in graphs]
    by_id = {g["class"]["id"]: g for g in loaded}
    records = [ResampledGraphs.load(x).to_json() for x in resampled]
    draws = resampled_pairs(by_resample(records, list(by_id)), len(loaded))
    result = ClassPairsReport(**pairs_report(loaded, [tuple(x) for x in p["pairs"]], draws,
                                             s.min_support))
    atlases = load_atlases(featvis, FeatvisAtlas)
    figures = {f.name: f for f in pairs}
    for key, comparison in result.pairs.items():
        out = ((png, pdf) if key == "most_similar" else
               (figures[f"{key}.png"], figures[f"{key}.pdf"]))
        save(draw_class_pair(comparison, by_id[comparison["a"]["id"]],
                             by_id[comparison["b"]["id"]], atlases), *out)
    result.save(report)
    names = {g["class"]["id"]: g["class"]["name"] for g in loaded}
    ids = result.class_ids
    write_csv(table, [{"class": names[ids[r]], **{names[ids[c]]: result.vertex_jaccard[r][c]
                                                  for c in range(len(ids))}}
                      for r in range(len(ids))])
    write_csv(support_table, [{"class_a": names[x["a"]], "class_b": names[x["b"]], **x}
                              for x in pair_table(ids, result.vertex_jaccard, draws)])
