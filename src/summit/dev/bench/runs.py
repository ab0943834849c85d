"""What a finished run spent where, from its own benchmark files and logs: per stage, the jobs'
wall time against the steps' own work (the rest is process start, imports and the scheduler's
share of a job), and the plan's estimate (``<results>/plan/plan.json``) against both.

A step's own work is what ``summit <step>`` logs as "<step> finished in X s" for each class
(``summit.cli``). The first class of a process also pays the step's lazy imports and
compilations, so each job's first class is counted at the median of its job's other classes
(a one-class job: at the median of the stage's warm classes, when a grouped run measured them,
``warm``).
"""

from __future__ import annotations

import csv
import re
import statistics
from pathlib import Path
from typing import Any

FINISHED = re.compile(r"summit INFO (\w+) finished in ([0-9.]+) s")


def _job_seconds(tsv: Path) -> float:
    with open(tsv) as f:
        return float(next(csv.DictReader(f, delimiter="\t"))["s"])


def _step_seconds(log: Path) -> list[float]:
    return [float(m.group(2)) for m in FINISHED.finditer(log.read_text(errors="replace"))]


def stage_costs(results: Path, warm: dict[str, float] | None = None) -> dict[str, Any]:
    """Per stage (a folder of benchmark files, or one file): jobs, their wall seconds, the
    steps' own work (warm), and the share of the wall outside it."""
    out: dict[str, Any] = {}
    jobs = [(tsv, tsv.relative_to(bench).with_suffix(""), bench.parent / "logs")
            for bench in sorted(results.rglob("benchmarks")) if bench.is_dir()
            for tsv in sorted(bench.rglob("*.tsv"))]  # every study's (comparison, seeds)
    for tsv, rel, logs in jobs:
        stage = rel.parts[0]
        log = logs / rel.with_suffix(".log")
        steps = _step_seconds(log) if log.is_file() else []
        row = out.setdefault(stage, {"jobs": 0, "wall": 0.0, "work": 0.0, "classes": 0,
                                     "warm": []})
        row["jobs"] += 1
        row["wall"] += _job_seconds(tsv)
        if len(steps) > 1:
            first = statistics.median(steps[1:])
            row["warm"] += steps[1:]
            row["work"] += first + sum(steps[1:])
        elif steps:
            row["work"] += min(steps[0], (warm or {}).get(stage, steps[0]))
        row["classes"] += len(steps)
    for row in out.values():
        row["outside"] = 1 - row["work"] / row["wall"] if row["wall"] else 0.0
        row["warm"] = statistics.median(row["warm"]) if row["warm"] else None
    return out


def plan_check(results: Path, costs: dict[str, Any]) -> list[dict[str, Any]]:
    """The plan's seconds per stage against the run's (``costs``), for stages in both."""
    from summit.io.files import read_json

    planned = {r["stage"]: r for r in read_json(results / "plan" / "plan.json")["stages"]}
    return [{"stage": s, "planned": planned[s]["seconds"], "measured": costs[s]["wall"],
             "ratio": planned[s]["seconds"] / costs[s]["wall"] if costs[s]["wall"] else None}
            for s in planned if s in costs]


def table(costs: dict[str, Any], check: list[dict[str, Any]] | None = None) -> str:
    """Per stage: jobs, classes, wall, work, the share outside the work; with the plan's
    estimate and its ratio to the measured wall."""
    planned = {r["stage"]: r for r in check or []}
    lines = ["| stage | jobs | classes | wall s | work s | outside | planned s | planned / wall |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for stage, r in sorted(costs.items(), key=lambda kv: -kv[1]["wall"]):
        p = planned.get(stage)
        lines.append(f"| {stage} | {r['jobs']} | {r['classes']} | {r['wall']:.1f} | "
                     f"{r['work']:.1f} | {r['outside']:.0%} | "
                     + (f"{p['planned']:.1f} | {p['ratio']:.2f} |" if p else " | |"))
    wall = sum(r["wall"] for r in costs.values())
    work = sum(r["work"] for r in costs.values())
    lines.append(f"| **all** | {sum(r['jobs'] for r in costs.values())} | | {wall:.1f} | "
                 f"{work:.1f} | {1 - work / wall if wall else 0:.0%} | | |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """``python -m summit.dev.bench.runs RESULTS [WARM_FROM]``: the table; WARM_FROM, a
    grouped run of the same study, gives each stage's warm per-class work."""
    import sys

    args = sys.argv[1:] if argv is None else argv
    results = Path(args[0])
    warm = None
    if len(args) > 1:
        warm = {s: r["warm"] for s, r in stage_costs(Path(args[1])).items() if r["warm"]}
    costs = stage_costs(results, warm)
    check = plan_check(results, costs) if (results / "plan" / "plan.json").is_file() else None
    print(table(costs, check))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
