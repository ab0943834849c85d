"""Stage ``nonsemantic``: channels that are top channels whatever the class (paper §8.4,
Figure 10), and the figure of their evidence."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np

from summit.io.artifacts import ActivationCounts, ClassStats
from summit.io.files import write_csv
from summit.io.reports import NonsemanticReport
from summit.settings import NonsemanticSettings, StabilitySettings
from summit.steps import step

log = logging.getLogger("summit")


@step
def nonsemantic(p: dict[str, Any], *, counts: list[Path], stores: list[Path], report: Path,
                table: Path) -> None:
    """Detect channels that are top channels in nearly every class (paper §8.4), each with
    its support over bootstrap resamples of the classes' image groups."""
    import dataclasses

    from summit.analyses.nonsemantic import class_means, detect_layer, resampled_flags, table_rows
    from summit.analyses.nonsemantic import report as verdict
    from summit.io.store import ClassStore, group_sizes
    from summit.method.resampling import study_weights

    s = NonsemanticSettings.from_config(p["nonsemantic"])
    st = StabilitySettings.from_config(p["stability"])
    class_stores = [ClassStore(x) for x in stores]
    class_ids = [c.class_id for c in class_stores]
    n_images = np.array([c.attrs["n_images"] for c in class_stores])
    loaded = [ActivationCounts.load(x) for x in counts]
    groups = loaded[0].group_counts.shape[1] if loaded else st.groups  # as the pass kept them
    # Resample b of every class: its own b-th draw of groups, as for its graphs.
    weights = study_weights(st.seed, class_ids, st.resamples, groups)
    group_images = np.stack([group_sizes(n, groups) for n in n_images])
    layers, support = {}, {}
    for a in loaded:
        a.check_classes(class_ids, "the class stores")
        means = class_means(class_stores, a.layer)
        layers[a.layer] = detect_layer(a.counts, n_images, means, s.min_lift, s.min_coverage)
        support[a.layer] = resampled_flags(a.group_counts, group_images, weights, means,
                                           s.min_lift, s.min_coverage).mean(axis=0)
    result = NonsemanticReport(**verdict(layers, class_ids, p["nonsemantic"], s.candidates,
                                         support, dataclasses.asdict(st)))
    for layer, channels in result.flagged.items():
        log.info("%s: %d non-semantic channels %s, near misses %s", layer, len(channels),
                 channels, [m["channel"] for m in result.near_misses[layer]])
    result.save(report)
    write_csv(table, table_rows(layers, support))


@step
def nonsemantic_figure(p: dict[str, Any], *, report: Path, stats: list[Path],
                       featvis: list[Path], examples: list[Path], png: Path, pdf: Path) -> None:
    """The evidence for the non-semantic channels, as PNG and PDF (the paper's Figure 10)."""
    from summit.io.atlas import ExamplesAtlas, FeatvisAtlas, load_atlases
    from summit.render.analysis.nonsemantic import draw_nonsemantic
    from summit.render.figures import save

    result = NonsemanticReport.load(report)
    by_class = {s.class_id: s for s in map(ClassStats.load, stats)}
    histograms = {(ch["layer"], ch["channel"]): np.array(
        [by_class[c].channel_hist[ch["layer"]]["class"][ch["channel"]]
         for c in result.class_ids]) for ch in result.channels}
    fig = draw_nonsemantic(result.to_json(), histograms, p["class_names"],
                           load_atlases(featvis, FeatvisAtlas),
                           load_atlases(examples, ExamplesAtlas))
    save(fig, png, pdf)
