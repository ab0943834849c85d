"""The plan put together: counts from the workflow and the data, units from calibration (cached
by what they depend on), one row per stage, and the table."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from summit.plan.calibrate import Calibration
from summit.plan.costs import Row, Study

# What the units depend on: a change to any of these settings times them again.
CALIBRATED_BY = ("model", "input", "dataset", "device", "threads", "batch_size", "influence",
                 "examples", "stability", "faithfulness", "featvis", "graph", "stages")


# The calibration's own version: units timed by an earlier way are timed again.
CALIBRATION = 5


def stage_jobs(rule_counts: Mapping[str, int], per_class: Sequence[str],
               groups: Mapping[str, Sequence[int]] | None = None
               ) -> tuple[dict[str, int], dict[str, int]]:
    """Jobs per stage and, per per-class stage, the classes its jobs cover, from the
    workflow's jobs per rule: a group rule ``<stage>_<k>`` runs group ``k`` (``groups``: its
    classes) once per study; a per-class rule one class per job."""
    jobs: dict[str, int] = {}
    covered: dict[str, int] = {}
    for rule, n in rule_counts.items():
        m = re.fullmatch(r"(.+)_(\d+)", rule)
        stage = m.group(1) if m and m.group(1) in per_class else rule
        if stage == "all":
            continue
        jobs[stage] = jobs.get(stage, 0) + n
        if stage in per_class:
            size = len((groups or {}).get(m.group(2), [0])) if m and stage != rule else 1
            covered[stage] = covered.get(stage, 0) + n * size
    return jobs, covered


def class_images(config: dict[str, Any], classes: Sequence[int]) -> tuple[list[int], list[int]]:
    """Per studied class: its training images (as the pass reads them, capped by
    ``dataset.max_images_per_class``) and its held-out images (the evaluation split)."""
    import numpy as np

    from summit.io import data

    spec = data.InputSpec.from_config(config["input"])
    cap = config["dataset"]["max_images_per_class"]

    def counts(split: str) -> list[int]:
        labels = np.asarray(data.open_dataset(config["dataset"], spec, split).labels)
        per = np.bincount(labels[labels >= 0], minlength=max(classes) + 1)
        return [int(per[c]) for c in classes]

    train = [min(n, cap) if cap else n for n in counts("train")]
    return train, counts(data.evaluation_split(config["dataset"]))


def calibration(config: dict[str, Any], facts: dict[str, Any], root: Path) -> Calibration:
    """The units, timed now or read back when nothing they depend on changed."""
    from summit.io.files import read_json, write_json
    from summit.plan.sample import calibrate

    key = hashlib.sha256(json.dumps([CALIBRATION, {k: config[k] for k in CALIBRATED_BY},
                                     facts["classes"][0], facts.get("weights")],
                                    sort_keys=True, default=str).encode()).hexdigest()[:16]
    cached = root / "calibration.json"
    if cached.is_file():
        record = read_json(cached)
        if record.get("key") == key:
            return Calibration(**record["units"])
    units = calibrate(config, facts, root / "sample")
    write_json(cached, {"key": key, "units": units.to_json()})
    return units


def _order(item: tuple[str, int]) -> tuple[int, str]:
    """The pipeline's order: the stages the plan prices one by one first, in ``ROWS``'s order,
    then the summaries and figures by name."""
    from summit.plan.stages import ROWS

    order = list(ROWS)
    return (order.index(item[0]) if item[0] in order else len(order), item[0])


def rows(study: Study, cal: Calibration) -> list[Row]:
    """One row per stage with jobs, in the pipeline's order."""
    from summit.plan.stages import row

    plan = [row(stage, study, cal) for stage, n in sorted(study.jobs.items(), key=_order) if n]
    for r in plan:
        if cal.forward_rate and r.gpu:
            r.basis = "extrapolated to the GPU"
    return plan


def _hours(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


def _size(n: float) -> str:
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return "" if not n else f"{n:.0f} B"


def table(plan: list[Row], cal: Calibration, cores: int) -> str:
    """The plan as Markdown: per stage, then totals and the wall time on ``cores`` cores."""
    lines = ["| stage | jobs | CPU time | GPU time | peak memory per job | disk | basis |",
             "|---|---:|---:|---:|---:|---:|---|"]
    for r in plan:
        cpu, gpu = ("", _hours(r.seconds)) if r.gpu else (_hours(r.seconds), "")
        lines.append(f"| {r.stage} | {r.jobs} | {cpu} | {gpu} | {r.memory_mb:.0f} MB | "
                     f"{_size(r.disk_bytes)} | {r.basis} |")
    cpu = sum(r.seconds for r in plan if not r.gpu)
    gpu = sum(r.seconds for r in plan if r.gpu)
    lines.append(f"| **total** | {sum(r.jobs for r in plan)} | {_hours(cpu)} | "
                 f"{_hours(gpu) if gpu else ''} | {max(r.memory_mb for r in plan):.0f} MB | "
                 f"{_size(sum(r.disk_bytes for r in plan))} | |")
    wall = (f"about {_hours(cpu / cores + gpu)} on {cores} cores and one GPU" if gpu else
            f"about {_hours(cpu / cores)} on {cores} cores")
    lines += ["", f"Calibrated in {cal.seconds:.0f} s on {cal.measured_on or cal.device} (batch "
              f"{cal.batch}); times are job-seconds (one job per core, the GPU's one at a time: "
              f"{wall} if the jobs spread evenly). `extrapolated`: a small stage timed once on "
              "the demo, scaled by its count."]
    if cal.forward_rate:
        lines.append(f"GPU times extrapolated: this machine's per-image units scaled to a "
                     f"plain forward pass at {cal.forward_rate:g} images/s (assumes every "
                     "model-running step speeds up as the forward pass does).")
    return "\n".join(lines)


def save(root: Path, plan: list[Row], text: str) -> None:
    """``plan.json`` and ``plan.md`` under ``root`` (the results' plan folder)."""
    from summit.io.files import write_json, write_text

    write_json(root / "plan.json", {"stages": [asdict(r) for r in plan]})
    write_text(root / "plan.md", text + "\n")
