"""Stage ``neighbours``: each class's nearest classes per layer, and the classes whose
neighbourhood changes most across layers (paper §8.2, Figure 8)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from summit.io.artifacts import ActivationCounts, Embedding
from summit.io.files import write_csv
from summit.io.reports import NeighboursReport
from summit.settings import NeighboursSettings, StabilitySettings
from summit.steps import step


@step
def neighbours(p: dict[str, Any], *, counts: list[Path], embedding: Path, report: Path,
               table: Path, png: Path, pdf: Path) -> None:
    """Every class's nearest neighbours per layer; the classes whose neighbourhood changes most;
    each with its support over bootstrap resamples of the classes' image groups."""
    import dataclasses

    from summit.analyses.neighbours import report as nearest
    from summit.analyses.neighbours import table_rows, with_support
    from summit.method.resampling import study_weights
    from summit.render.analysis.neighbours import draw_neighbourhoods
    from summit.render.figures import save

    s = NeighboursSettings.from_config(p["neighbours"])
    st = StabilitySettings.from_config(p["stability"])
    layers = [ActivationCounts.load(x) for x in counts]
    class_ids = layers[0].class_ids.tolist()
    groups = layers[0].group_counts.shape[1]  # as the pass kept them
    # Resample b of every class: its own b-th draw of groups, as for its graphs. Cosine
    # similarity ignores a row's scale, so the resampled image counts are not needed.
    weights = study_weights(st.seed, class_ids, st.resamples, groups)
    result = nearest([a.layer for a in layers], [a.counts for a in layers], class_ids,
                     p["class_names"], s.k)
    result = NeighboursReport(**with_support(result, [a.group_counts for a in layers], weights,
                                             s.figure_classes, dataclasses.asdict(st)))
    result.save(report)
    write_csv(table, table_rows(result.to_json(), p["class_names"]))
    embedded = Embedding.load(embedding)
    layers[0].check_classes(embedded.class_ids, str(embedding))
    fig = draw_neighbourhoods(result.to_json(), embedded.layers, class_ids, p["class_names"],
                              s.figure_classes)
    save(fig, png, pdf)
