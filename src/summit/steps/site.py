"""Stage ``site``: the static site, the front-end in ``site/`` plus the study's data."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from summit.steps import step


@step
def site(p: dict[str, Any], *, model: Path, structure: Path, embedding: Path, graphs: list[Path],
         stats: list[Path], counts: list[Path], examples: list[Path],
         channel_descriptions: Path | None, featvis: list[Path], provenance: Path | None,
         nonsemantic: Path | None, neighbours: Path | None, class_pairs: Path | None,
         motifs: Path | None, separability: list[Path], models: list[Path],
         featvis_b: list[Path], figures: list[Path], ground_truth: Path | None,
         randomization: Path | None, index: Path) -> None:
    """Render the static site (``index`` and the data beside it) from the study's outputs.

    ``p["source"]`` is the front-end's folder; ``p["panels"]`` maps a per-class panel's name to
    its files, one per class in ``p["class_ids"]`` order. With a second model (``models``: a
    comparison per class, ``featvis_b``: its feature-visualization indexes, per layer), the
    graph view can draw each class's graph with the second model's."""
    from summit.render.site import Analyses, Comparison, StudyFiles, write_site

    analyses = Analyses(nonsemantic, neighbours, class_pairs, motifs, separability, models,
                        figures, ground_truth, randomization)
    panels = {name: [Path(x) for x in paths] for name, paths in p.get("panels", {}).items()}
    files = StudyFiles(model, structure, embedding, graphs, stats, counts, examples, featvis,
                       provenance, analyses if any(vars(analyses).values()) else None, panels,
                       Comparison(models, featvis_b) if models else None,
                       channel_descriptions)
    write_site(p, Path(p["source"]), files, index.parent)
