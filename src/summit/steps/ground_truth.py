"""Stage ``ground_truth``: planted features measured on a study's model and checked against
its graphs (``summit.ground_truth``), and the report over the model and its seeds."""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path
from typing import Any

from summit.io.reports import GroundTruth
from summit.model.structure import Structure
from summit.model.study import study_dataset, study_model, torch_device
from summit.settings import GroundTruthSettings
from summit.steps import step

log = logging.getLogger("summit")


@step
def ground_truth_summary(p: dict[str, Any], *, records: list[Path], report: Path,
                         markdown: Path, png: Path, pdf: Path) -> None:
    """The studies' ground truth side by side, what holds across them, the run's sentences
    on it and its figure."""
    from summit.ground_truth.summary import across, summary_markdown
    from summit.io.files import write_text
    from summit.io.reports import GroundTruthReport
    from summit.render.analysis.ground_truth import draw_ground_truth
    from summit.render.figures import save

    studies = [GroundTruth.load(x).to_json() for x in records]
    out = GroundTruthReport(studies=studies, across=across(studies))
    out.save(report)
    write_text(markdown, summary_markdown(studies, out.across, p["class_names"]))
    save(draw_ground_truth(out.to_json()), png, pdf)


@step
def ground_truth(p: dict[str, Any], *, study: str, weights: Path, structure: Path,
                 graphs: list[Path], resampled: list[Path], nonsemantic: Path | None,
                 motifs: Path | None, report: Path) -> None:
    """Each stamp's shortcut, pattern channels, their recovery by the graphs, and ablation,
    on one study's model (``study``: its results folder)."""
    import numpy as np

    from summit.ground_truth.study import StudyGraphs, measure_stamp
    from summit.io import data

    s = GroundTruthSettings.from_config(p["ground_truth"])
    device = torch_device(p)
    model, spec = study_model(p, weights, device)
    split = data.evaluation_split(p["dataset"])
    planted = study_dataset(p, spec, split).planting
    clean = study_dataset({**p, "dataset": {**p["dataset"], "plant": {}}}, spec, split)
    found = StudyGraphs.load(p["class_ids"], graphs, resampled, nonsemantic, motifs)
    layers = Structure.load(structure).layers
    rng = np.random.default_rng(s.seed)
    side = data.plant_side(p["dataset"], spec)
    stamps = [measure_stamp(model, layers, clean, planted, k, found, s, rng, side,
                            p["batch_size"], device, p["class_names"])
              for k in range(len(planted.stamps))]
    for st in stamps:
        log.info("stamp %s: %d pattern channels; accuracy %.3f clean, %.3f stamped",
                 st["stamp"]["pattern"], sum(len(v) for v in st["pattern"].values()),
                 st["shortcut"]["accuracy"]["clean"]["mean"],
                 st["shortcut"]["accuracy"]["stamped"]["mean"])
    trained = p["model"]["kind"] == "demo" or not p["model"].get("weights")
    GroundTruth(study=study, seed=p["model"]["train"]["seed"] if trained else None, split=split,
                settings=dataclasses.asdict(s), stamps=stamps).save(report)
