"""Stage ``confusions``: the study's frequent confusions explained by the predicted class's
graph channels (``summit.explain.confusions``)."""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path
from typing import Any

from summit.io.artifacts import ClassGraph
from summit.io.reports import ConfusionsReport
from summit.settings import AggregationSettings, ConfusionsSettings, StabilitySettings
from summit.steps import step

log = logging.getLogger("summit")


@step
def confusions(p: dict[str, Any], *, stores: list[Path], graphs: list[Path], report: Path,
               markdown: Path) -> None:
    """Every class's confusions counted from its store, the most frequent explained, with
    support over the classes' own resamples of their image groups."""
    from summit.analyses import findings
    from summit.explain.confusions import activation_masks, confusion_counts, explain_confusion
    from summit.io.files import write_text
    from summit.io.store import ClassStore
    from summit.method.resampling import resample_weights

    s, st = ConfusionsSettings.from_config(p["confusions"]), StabilitySettings.from_config(
        p["stability"])
    agg = AggregationSettings.from_config(p["aggregation"])
    vertices = {g.cls["id"]: [n["id"] for n in g.nodes] for g in map(ClassGraph.load, graphs)}
    counted = []
    for path in stores:
        store = ClassStore(path)
        masks = activation_masks(store, store.layers, agg)
        counted += confusion_counts(store.class_id, store.prediction("label"),
                                    store.prediction("predicted"), masks, vertices,
                                    store.n_groups, s.min_images)
    counted.sort(key=lambda c: (-int(c.n_mis.sum()), c.true, c.predicted))
    explained = [explain_confusion(c, resample_weights(st.seed, c.true, st.resamples,
                                                       len(c.n_mis)),
                                   s.ratio, s.min_count, s.min_rate, st.min_support)
                 for c in counted[:s.max_pairs]]
    settings = {**dataclasses.asdict(s), "resamples": st.resamples, "seed": st.seed,
                "min_support": st.min_support}
    ConfusionsReport(settings, len(counted), explained).save(report)
    found = findings.confusions({"confusions": explained}, p["class_names"], st.min_support,
                                len(explained))
    write_text(markdown, findings.markdown(found, st.resamples, st.min_support))
    log.info("%d confusions of at least %d images; %d explained", len(counted), s.min_images,
             len(explained))
