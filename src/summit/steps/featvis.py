"""Stage ``featvis``: Lucent feature visualizations of one layer's channels (paper §7.3)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from summit.io.artifacts import ClassGraph
from summit.io.reports import NonsemanticReport
from summit.model.structure import Structure
from summit.model.study import study_model, torch_device
from summit.settings import FeatvisSettings
from summit.steps import step

log = logging.getLogger("summit")


@step
def featvis(p: dict[str, Any], *, layer: str, weights: Path, structure: Path,
            graphs: list[Path], nonsemantic: Path | None, atlas: Path, index: Path) -> None:
    """Lucent renders of one layer's graph channels (or all): objective + diversity images."""
    from summit.method.featvis import channels_in_graphs, render_atlas

    device = torch_device(p)
    model, spec = study_model(p, weights, device)
    for param in model.parameters():
        param.requires_grad_(False)
    shape = Structure.load(structure).layer(layer)
    fv = p["featvis"]
    channels = (list(range(shape.channels)) if fv["channels"] == "all" else
                channels_in_graphs([ClassGraph.load(g).to_json() for g in graphs], layer))
    if nonsemantic:  # the evidence figure shows them even when the graphs leave them out
        listed = [c["channel"] for c in NonsemanticReport.load(nonsemantic).channels
                  if c["layer"] == layer]  # flagged channels and the strongest candidates
        channels = sorted(set(channels) | set(listed))
    settings = FeatvisSettings.from_config(fv)
    log.info("%s: rendering %d channels x %d images on %s", layer, len(channels),
             1 + settings.diversity, device)
    result, _ = render_atlas(model, layer, channels, spec, settings, atlas)
    log.info("%s: %d images in %.1f s, %.3f s per image", layer,
             len(channels) * result.per_channel, result.seconds, result.seconds_per_image)
    for channel, why in result.failures().items():
        log.warning("%s channel %d: render failed: %s", layer, channel, why)
    result.save(index)
