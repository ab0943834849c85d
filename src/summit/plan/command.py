"""``summit plan``: the plan of a whole study before running it, and the same table when a run
starts (``at_start``)."""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from summit.errors import SummitError
from summit.plan.costs import Study

FACTS = "plan/facts.json"  # under the results folder, written by the workflow's dry run


def job_stats(output: str) -> dict[str, int]:
    """Snakemake's "Job stats" table (a dry run's) as {rule: jobs}."""
    if "Job stats:" not in output:
        return {}
    table = output.split("Job stats:", 1)[1].split("total", 1)[0]
    return {m.group(1): int(m.group(2))
            for m in re.finditer(r"^(\w+)\s+(\d+)\s*$", table, re.M)}


def study(config: dict[str, Any], facts: dict[str, Any], rule_counts: dict[str, int],
          images: tuple[list[int], list[int]], structure: Path) -> Study:
    """The counts of the plan: jobs per stage, classes, images, layers' channels."""
    from summit.model.structure import Structure
    from summit.plan.build import stage_jobs

    jobs, covered = stage_jobs(rule_counts, facts["per_class"], facts["groups"])
    layers = Structure.load(structure).layers
    return Study(*images, [x.name for x in layers], [x.channels for x in layers], config,
                 jobs, covered, facts["train_images"], facts["epochs"])


def make_plan(config: dict[str, Any], facts: dict[str, Any], rule_counts: dict[str, int],
              cores: int, stand_in: tuple[int, int] | None = None, note: str = "",
              forward_rate: float | None = None) -> str:
    """Count the images, calibrate (or read back the units), and the table; saved under the
    plan folder of the results. ``stand_in``: training and held-out images per class to plan
    for instead of the folder's (which then only serves the calibration)."""
    from summit.plan.build import calibration, class_images, rows, save, table

    root = Path(facts["results"]) / "plan"
    images = class_images(config, facts["classes"])
    cal = calibration(config, {**facts, "images": images[0]}, root)
    if forward_rate:
        cal = cal.at_forward_rate(forward_rate)
    if stand_in:
        cap = config["dataset"]["max_images_per_class"] or stand_in[0]
        n = len(facts["classes"])
        images = ([min(stand_in[0], cap)] * n, [stand_in[1]] * n)
        note = (f"Planned for {stand_in[0]} training and {stand_in[1]} held-out images per "
                f"class; {note}.")
    plan = rows(study(config, facts, rule_counts, images, root / "sample" / "structure.json"),
                cal)
    text = table(plan, cal, cores) + (f"\n\n{note}" if note else "")
    save(root, plan, text)
    return text


def at_start(config: dict[str, Any], facts: dict[str, Any], rule_counts: dict[str, int],
             cores: int) -> None:
    """The plan of the jobs a run is about to start, on the console and in the results."""
    text = make_plan(config, facts, rule_counts, cores)
    print(f"summit: the plan of this run ({Path(facts['results']) / 'plan' / 'plan.md'}):\n"
          f"{text}\n", file=sys.stderr, flush=True)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="summit plan", description="The plan of a whole study before running it: per "
        "stage its jobs, time, peak memory per job and disk, calibrated on this machine.")
    p.add_argument("--configfile", action="extend", nargs="+", default=[],
                   help="config file(s) merged over config.yaml, as for snakemake")
    p.add_argument("--config", nargs="*", default=[], help="KEY=VALUE overrides, as for "
                   "snakemake")
    p.add_argument("--stand-in", metavar="N[:M]",
                   help="plan for N training (and M held-out, default N) images per class "
                   "without the data: a small stand-in folder of the config's classes (and "
                   "random weights if the weights file is missing) is timed instead")
    p.add_argument("--stand-in-classes", type=int, metavar="K",
                   help="with --stand-in and no dataset.class_index: the number of classes")
    p.add_argument("--forward-rate", type=float, metavar="F",
                   help="plan the model-running stages for a GPU whose plain forward pass of "
                   "this model runs at F images/s (measured there, or a published figure): "
                   "their per-image units timed here are scaled to it (extrapolated)")
    p.add_argument("--cores", type=int, default=os.cpu_count() or 1,
                   help="cores the run will use (for the wall time; default: this machine's)")
    return p


def main(argv: list[str]) -> int:
    """Dry-run the workflow (its jobs, and the facts it resolved), then plan."""
    from summit.io.files import read_json

    args = _parser().parse_args(argv)
    if args.forward_rate is not None and args.forward_rate <= 0:
        print("summit plan: error: --forward-rate must be a positive number of images/s",
              file=sys.stderr)
        return 2
    counts, note, files = None, "", list(args.configfile)
    if args.stand_in:
        from summit.plan import stand_in

        try:
            counts = stand_in.counts(args.stand_in)
            overlay, note = stand_in.write(files, args.stand_in_classes)
        except SummitError as e:
            print(f"summit plan: error: {e}", file=sys.stderr)
            return 2
        files.append(str(overlay))
    command = [sys.executable, "-m", "snakemake", "-n", "-F", "--quiet", "rules",
               "--cores", str(args.cores), *(["--configfile", *files] if files else []),
               *(["--config", *args.config] if args.config else [])]
    t = time.perf_counter()
    run = subprocess.run(command, capture_output=True, text=True,
                         env={**os.environ, "SUMMIT_PLAN": "1"})
    found = re.search(r"summit: plan facts in (\S+)", run.stderr)
    if run.returncode or not found:
        lines = (run.stdout + run.stderr).splitlines()  # "XError in file …" then the message
        at = next((i for i, x in enumerate(lines) if re.search(r"Error\b.* in ", x)), None)
        why = " ".join(lines[at:at + 2]) if at is not None else run.stderr[-500:]
        print(f"summit plan: the workflow did not plan: {why}", file=sys.stderr)
        return 2
    saved = read_json(found.group(1))
    try:
        text = make_plan(saved["config"], saved["facts"], job_stats(run.stdout), args.cores,
                         counts, note, args.forward_rate)
    except SummitError as e:
        print(f"summit plan: error: {e}", file=sys.stderr)
        return 2
    print(text)
    print(f"\n(planned in {time.perf_counter() - t:.0f} s)")
    return 0
