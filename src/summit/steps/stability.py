"""Stage ``stability``: one class's graph rebuilt from bootstrap resamples of its image
groups (no forward pass), and how much of it holds."""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path
from typing import Any

from summit.io.artifacts import ResampledGraphs, Stability
from summit.settings import GraphSettings, StabilitySettings
from summit.steps import step

log = logging.getLogger("summit")


@step
def stability(p: dict[str, Any], *, structure: Path, store: Path, counts: list[Path],
              nonsemantic: Path | None, report: Path, resampled: Path) -> None:
    """Inclusion of every vertex and edge, Jaccard with the graph, split-half agreement."""
    import numpy as np

    from summit.evidence.stability import graph_stability
    from summit.method.graphs import GraphInputs, attribution_graph
    from summit.method.resampling import half_splits, resample_weights

    s = StabilitySettings.from_config(p["stability"])
    g = GraphSettings.from_config(p["graph"])
    inputs = GraphInputs.load(structure, store, counts, nonsemantic,
                             GraphSettings.from_config(p["graph"]), p["influence_k"])
    cid, groups = inputs.class_id, inputs.n_groups
    if min(inputs.group_images) == 0:
        log.warning("class %d: %d images for %d groups; %d groups are empty, so its resamples "
                    "draw from fewer images (lower stability.groups for small classes)", cid,
                    sum(inputs.group_images), groups, inputs.group_images.count(0))

    def build(weights: np.ndarray) -> dict[str, Any]:
        return attribution_graph(inputs.full(weights), g)

    result = graph_stability(build, build(np.ones(groups, np.int64)),
                             resample_weights(s.seed, cid, s.resamples, groups),
                             half_splits(s.seed, cid, s.split_halves, groups))
    cls = {"id": cid, "name": p["class_names"][cid]}
    settings = {**dataclasses.asdict(s), "extraction": g.extraction, "share": g.share}
    ResampledGraphs(cls=cls, settings=settings, resamples=result.pop("resamples")).save(resampled)
    Stability(cls=cls, settings=settings, group_images=inputs.group_images, **result).save(report)
    log.info("class %d: vertex Jaccard with the graph %s, split halves %s", cid,
             result["jaccard"]["vertices"], result["split_half"]["vertices"])


@step
def stability_summary(p: dict[str, Any], *, records: list[Path], table: Path, markdown: Path,
                      png: Path, pdf: Path) -> None:
    """Every class's stability: a CSV row per class, the run's sentences, one figure."""
    from summit.evidence.stability import summary_markdown, table_rows
    from summit.io.files import write_csv, write_text
    from summit.render.analysis.stability import draw_stability
    from summit.render.figures import save

    loaded = [Stability.load(x).to_json() for x in records]
    rows = table_rows(loaded)
    write_csv(table, rows)
    write_text(markdown, summary_markdown(loaded, rows))
    inclusion = [v["inclusion"] for r in loaded for v in r["vertices"] if v["in_graph"]]
    floor = loaded[0]["settings"]["min_support"] if loaded else 0.9
    save(draw_stability(rows, inclusion, floor), png, pdf)
