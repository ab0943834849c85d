"""``python -m summit.dev.bench [STAGE]``: run the benchmarks, print each one's table and one
JSON line (see the package doc)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import summit.dev.bench as package
from summit.dev.bench import aggregation, analyses, faithfulness, families, graphs, stability
from summit.dev.bench.readme_table import families_table, readme_with_table


def _parser() -> argparse.ArgumentParser:
    """The command line the README documents; every stage reads the options it needs."""
    parser = argparse.ArgumentParser(prog="python -m summit.dev.bench", description=package.__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("stage", nargs="?",
                        choices=["aggregation", "graphs", "analyses", "faithfulness",
                                 "stability", "families", "all"],
                        default="all")
    parser.add_argument("--images", type=int, default=64, help="images per phase (default 64)")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=3,
                        help="aggregation, families: interleaved rounds of the forward pass "
                             "and the Summit pass, each timed by its fastest (default 3)")
    parser.add_argument("--weights", help="a GoogLeNet state dict (default: random weights)")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--threads", type=int, help="CPU threads (default: PyTorch's)")
    parser.add_argument("--classes", type=int, default=1000,
                        help="classes of the graph and analyses stages")
    parser.add_argument("--min-classes", type=int, default=3, help="motifs.min_classes")
    parser.add_argument("--results", type=Path,
                        help="faithfulness, stability: a finished study's results folder")
    parser.add_argument("--class-images", type=int, default=50,
                        help="faithfulness: test images per class of the estimate")
    parser.add_argument("--vertices", type=int, default=56,
                        help="faithfulness: vertices of the estimate's graphs")
    parser.add_argument("--shares-from", type=Path, nargs="*",
                        help="faithfulness: studies whose records give the share of each kind "
                             "of condition the tests evaluated, one estimate each (default: "
                             "--results, if its records have them)")
    parser.add_argument("--groups", type=int, default=10, help="stability: image groups")
    parser.add_argument("--resamples", type=int, default=50, help="stability: resamples")
    parser.add_argument("--halves", type=int, default=10, help="stability: split halves")
    parser.add_argument("--size", type=int, default=224, help="families: input size")
    parser.add_argument("--only", nargs="*", help="families: these families only")
    parser.add_argument("--readme", type=Path,
                        help="families: write the table into this README's families region")
    return parser


def _report(stage: str, table: str, r: dict[str, Any]) -> None:
    """A stage's table, then its results as one JSON line (what the tests and the README's
    numbers read)."""
    print(table)
    print(json.dumps({stage: r}, separators=(",", ":")), flush=True)


def main(argv: list[str] | None = None) -> int:
    """Run the chosen stage, or all but ``families`` (seventeen networks take a while)."""
    a = _parser().parse_args(argv)
    if a.stage in ("aggregation", "all"):
        r = aggregation.run(a.images, a.batch_size, a.weights, a.device, a.threads,
                            rounds=a.rounds)
        _report("aggregation", aggregation.table(r), r)
    if a.stage in ("graphs", "all"):
        r = graphs.run(a.classes)
        _report("graphs", graphs.table(r), r)
    if a.stage in ("analyses", "all"):
        r = analyses.run(a.classes, a.min_classes)
        _report("analyses", analyses.table(r), r)
    if a.stage in ("faithfulness", "all"):
        shares = a.shares_from if a.shares_from is not None else [
            x for x in [a.results] if x and any((x / "faithfulness").glob("*.json"))]
        r = {**({"demo": faithfulness.study_benchmarks(a.results)} if a.results else {}),
             "imagenet": faithfulness.run(
                 a.class_images, a.vertices, a.device, a.threads, a.images, a.batch_size,
                 rounds=a.rounds, studies=[faithfulness.record_shares(x) for x in shares])}
        _report("faithfulness", faithfulness.table(r), r)
    if a.stage in ("stability", "all"):
        r = stability.run(a.results, a.groups, a.resamples, a.halves)
        _report("stability", stability.table(r), r)
    if a.stage == "families":  # not in "all": seventeen networks at 224 px take a while
        r = families.run(a.images, min(a.batch_size, a.images), a.device, a.threads, a.size,
                         a.only, a.rounds)
        _report("families", families_table(r), r)
        if a.readme:
            a.readme.write_text(readme_with_table(a.readme.read_text(), r))
    return 0


if __name__ == "__main__":
    sys.exit(main())
