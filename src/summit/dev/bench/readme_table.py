"""The README's table of families, from a families benchmark: ``python -m summit.dev.bench
families --readme README.md`` writes it between the README's families markers, as
``python -m summit.config --readme`` writes the configuration table (``summit.dev.readme``
instead quotes a finished study's passages)."""

from __future__ import annotations

from typing import Any

from summit.config import replace_region

START, END = "<!-- families:start -->", "<!-- families:end -->"
# Where a family's blocks hold an operation the paper's method does not define, the
# convention (README, "What it computes"); tested in tests/test_families.py.
FAMILY_CONVENTIONS = {
    "alexnet": "—", "vgg": "—",
    "resnet": "skip: one more candidate (the source channel's max)",
    "resnext": "skip; grouped 3×3: block-diagonal tallies",
    "wide_resnet": "skip",
    "googlenet": "branch max-pool on the input side",
    "inception_v3": "branch max- and average-pools on the input side",
    "densenet": "a feature read by several later layers: one hop per reader; pre-activation "
                "batch norm on the input side; transition average-pool: measured before it",
    "squeezenet": "—",
    "mobilenet_v2": "depthwise: one candidate per output; skip",
    "mobilenet_v3": "depthwise; squeeze-excitation gate: a per-image channel scale, no edge; "
                    "Hardswish element-wise",
    "mnasnet": "depthwise; skip",
    "shufflenet_v2": "chunk and channel shuffle followed as channel permutations",
    "efficientnet": "depthwise; gate; stochastic depth = identity (eval)",
    "efficientnet_v2": "depthwise; gate; stochastic depth; fused blocks are plain convolutions",
    "regnet": "grouped 3×3; gate; skip",
    "convnext": "Linear on channels-last = 1×1 conv; layer scale folded; LayerNorm over "
                "channels: a per-position scale, no edge",
}


def families_table(r: dict[str, Any]) -> str:
    """The README's table of families: default layers, exactness, convention, cost."""
    rows = ["| family | benchmarked | `layers: auto` | exact | convention | pass / forward |",
            "|---|---|---|---|---|---|"]
    for family, x in r["families"].items():
        layers, rounds = x["layers"], x["round_ratios"]
        rows.append(f"| {family} | `{x['model']}` ({x['size']} px) | {len(layers)}: "
                    f"`{layers[0]}` … `{layers[-1]}` | yes | {FAMILY_CONVENTIONS[family]} | "
                    f"{x['ratio']:.2f} ({min(rounds):.2f}–{max(rounds):.2f}) |")
    return "\n".join(rows) + (
        f"\n\nPass / forward: the Summit pass as a class's job runs it (channel maxima, "
        f"influence tallies in {r['groups']} image groups, dataset-example candidates, "
        f"predictions) over a plain forward pass on the same {r['images']} random images "
        f"(batch {r['batch_size']}, random weights, {r['device']}, {r['threads']} threads), "
        f"the two alternating batch by batch over {r['rounds']} rounds: the ratio of each "
        f"one's fastest round, in brackets the range of the rounds' own ratios; written by "
        f"`python -m summit.dev.bench families --readme README.md`.\n")


def readme_with_table(text: str, r: dict[str, Any]) -> str:
    """``text`` with the region between the families markers replaced by the table."""
    return replace_region(text, START, END, families_table(r))
