"""Stage ``findings``: every analysis's findings with their support, as the run's sentences."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from summit.io.files import read_json, write_json
from summit.settings import StabilitySettings
from summit.steps import step


@step
def findings(p: dict[str, Any], *, nonsemantic: Path, neighbours: Path, class_pairs: Path,
             motifs: Path, comparisons: list[Path], confusions: Path | None, report: Path,
             markdown: Path) -> None:
    """The findings of the non-semantic, neighbourhood, class-pair, motif, (with a second
    model) model-comparison and (with ``stages.explain``) confusion analyses, each with its
    support, as JSON and Markdown."""
    from summit.analyses import findings as f
    from summit.io.files import write_text

    s = StabilitySettings.from_config(p["stability"])
    names, floor = p["class_names"], s.min_support
    found = [*f.nonsemantic(read_json(nonsemantic), floor),
             *f.neighbours(read_json(neighbours), names, floor),
             *f.class_pairs(read_json(class_pairs), names, floor),
             *f.motifs(read_json(motifs), names, floor),
             *f.model_comparison([read_json(x) for x in comparisons], floor),
             *f.confusions(read_json(confusions) if confusions else None, names, floor)]
    write_json(report, {"resamples": s.resamples, "min_support": floor, "findings": found})
    write_text(markdown, f.markdown(found, s.resamples, floor))
