"""Stage ``matching``: one layer pair's channels of the model and a second model (another
checkpoint, seed or architecture) matched by what they respond to on the same images."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from summit.io.artifacts import ModelCard
from summit.io.reports import ChannelMatching
from summit.steps import step


@step
def matching(p: dict[str, Any], *, stores_a: list[Path], stores_b: list[Path], model_a: Path,
             model_b: Path, report: Path) -> None:
    """Correlate the two models' channel maxima over a sample of the images both stored,
    assign channels one to one (Hungarian) and test the scores against shuffled images."""
    from summit.analyses.matching import match_layer, sample_maxima

    m = p["matching"]
    x, y = sample_maxima(stores_a, stores_b, p["layer_a"], p["layer_b"], m["max_images"],
                         m["seed"])
    result = match_layer(x, y, threshold=m["threshold"], top=m["top_images"],
                         resamples=m["null_resamples"], seed=m["seed"])
    ChannelMatching(layer_a=p["layer_a"], layer_b=p["layer_b"],
                    models=[ModelCard.load(model_a).name, ModelCard.load(model_b).name],
                    **result).save(report)


@step
def matching_figure(p: dict[str, Any], *, matchings: list[Path], png: Path, pdf: Path) -> None:
    """Every layer pair's match scores, best first, against the shuffled-image null."""
    from summit.render.analysis.matching import draw_matching
    from summit.render.figures import save

    save(draw_matching([ChannelMatching.load(x).to_json() for x in matchings]), png, pdf)
