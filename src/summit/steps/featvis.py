"""Stage ``featvis``: Lucent feature visualizations of one layer's channels (paper §7.3)."""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

from summit.artifacts import ClassGraph, FeatvisIndex, NonsemanticReport
from summit.steps import step
from summit.steps.model import study_model, torch_device
from summit.structure import Structure

log = logging.getLogger("summit")


@step
def featvis(p: dict[str, Any], *, layer: str, weights: Path, structure: Path,
            graphs: list[Path], nonsemantic: Path | None, atlas: Path, index: Path) -> None:
    """Lucent renders of one layer's graph channels (or all): objective + diversity images."""
    from summit.atlas import pack_featvis
    from summit.featvis import RenderSettings, channels_in_graphs, render_layer

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
    settings = RenderSettings.from_config(fv)
    log.info("%s: rendering %d channels x %d images on %s", layer, len(channels),
             1 + settings.diversity, device)
    start = time.perf_counter()
    renders = render_layer(model, layer, channels, spec, settings)
    seconds = time.perf_counter() - start
    images = renders.images
    atlas.parent.mkdir(parents=True, exist_ok=True)
    pack_featvis(images, rgb=spec.channels != 1).save(atlas, optimize=True)
    n = images.shape[0] * images.shape[1]
    per_image = seconds / max(1, n)
    log.info("%s: %d images in %.1f s, %.3f s per image", layer, n, seconds, per_image)
    peaks = [float(f"{x:.4g}") for x in renders.peaks]  # 4 digits; a positive stays one
    result = FeatvisIndex(layer=layer, size=images.shape[2], per_channel=images.shape[1],
                          atlas=atlas.name, channels=channels, objective=renders.objective,
                          peaks=peaks, failed=renders.failed, seconds=round(seconds, 2),
                          seconds_per_image=round(per_image, 4))
    for channel, why in result.failures().items():
        log.warning("%s channel %d: render failed: %s", layer, channel, why)
    result.save(index)
