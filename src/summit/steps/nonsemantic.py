"""Stage ``nonsemantic``: channels that are top channels whatever the class (paper §8.4,
Figure 10), and the figure of their evidence."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np

from summit.artifacts import ActivationCounts, ClassStats, NonsemanticReport, write_csv
from summit.settings import NonsemanticSettings
from summit.steps import step

log = logging.getLogger("summit")


@step
def nonsemantic(p: dict[str, Any], *, counts: list[Path], stores: list[Path], report: Path,
                table: Path) -> None:
    """Detect channels that are top channels in nearly every class (paper §8.4)."""
    from summit.nonsemantic import class_means, detect_layer, table_rows
    from summit.nonsemantic import report as verdict
    from summit.store import ClassStore

    s = NonsemanticSettings.from_config(p["nonsemantic"])
    class_stores = [ClassStore(x) for x in stores]
    class_ids = [st.class_id for st in class_stores]
    n_images = np.array([st.attrs["n_images"] for st in class_stores])
    layers = {}
    for a in map(ActivationCounts.load, counts):
        a.check_classes(class_ids, "the class stores")
        layers[a.layer] = detect_layer(a.counts, n_images, class_means(class_stores, a.layer),
                                       s.min_lift, s.min_coverage)
    result = NonsemanticReport(**verdict(layers, class_ids, p["nonsemantic"], s.candidates))
    for layer, channels in result.flagged.items():
        log.info("%s: %d non-semantic channels %s", layer, len(channels), channels)
    result.save(report)
    write_csv(table, table_rows(layers))


@step
def nonsemantic_figure(p: dict[str, Any], *, report: Path, stats: list[Path],
                       featvis: list[Path], examples: list[Path], png: Path, pdf: Path) -> None:
    """The evidence for the non-semantic channels, as PNG and PDF (the paper's Figure 10)."""
    from summit.analysis_figures import draw_nonsemantic
    from summit.atlas import ExamplesAtlas, FeatvisAtlas, load_atlases
    from summit.figures import save

    result = NonsemanticReport.load(report)
    by_class = {s.class_id: s for s in map(ClassStats.load, stats)}
    histograms = {(ch["layer"], ch["channel"]): np.array(
        [by_class[c].channel_hist[ch["layer"]]["class"][ch["channel"]]
         for c in result.class_ids]) for ch in result.channels}
    fig = draw_nonsemantic(result.to_json(), histograms, p["class_names"],
                           load_atlases(featvis, FeatvisAtlas),
                           load_atlases(examples, ExamplesAtlas))
    save(fig, png, pdf)
