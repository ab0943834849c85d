"""The faithfulness benchmark: a finished study's job times, and an estimate of the stage on
ImageNet with InceptionV1 (see the package doc).

The estimate plans one class's conditions as the stage does (its own ``Evidence``, graphs of
``vertices`` random vertices), times the network's remainder after each primary layer on
stacked conditions, the shared prefix, the first-order pass and the aggregation pass, taking
turns batch by batch (a burst of other work lands on all alike), and prices scenarios from
the same rates: the stage before the sequential tests and estimates, then each change, and
the worst case of the current stage (every test drawn to the end, every estimate
confirmed). How many of each kind of condition the tests evaluate depends on the outcomes;
with ``--results`` the shares come from that study's records (what its tests evaluated).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from summit.dev.bench.common import (
    EXAMPLES,
    GROUPS,
    INFLUENCE,
    googlenet,
    googlenet_structure,
    interleaved,
    job_seconds,
    job_step,
    prepare,
)
from summit.io.artifacts import Faithfulness
from summit.model.structure import Structure
from summit.settings import FaithfulnessSettings

if TYPE_CHECKING:
    from summit.evidence.faithfulness_design import Evidence

STACKED = 8  # conditions per timed pass, as the stage stacks them
AGGREGATION_IMAGES = 1300  # ImageNet's images per class


def study_benchmarks(results: Path) -> dict[str, Any]:
    """The seconds of a finished study's aggregate and faithfulness jobs."""
    aggregate, faith = (job_seconds(results, "aggregate/*.tsv"),
                        job_seconds(results, "faithfulness/*.tsv"))
    reference = sum(job_seconds(results, "faithfulness_reference.tsv"))
    if not aggregate or not faith:
        raise SystemExit(f"{results}: no aggregate or faithfulness benchmark files; run the "
                         "study first (snakemake --cores all)")
    return {"results": str(results), "classes": len(faith),
            "aggregate_seconds": sum(aggregate), "faithfulness_seconds": sum(faith),
            "reference_seconds": reference,
            "faithfulness_over_aggregate": (sum(faith) + reference) / sum(aggregate)}


def _scope_class(scope: str, layers: list[str]) -> str:
    """Where a scope's conditions start: ``all`` and the first layer run almost the whole
    network, the later layers less (the shares are carried over from a study by this)."""
    return scope if scope == "all" else "first" if scope == layers[0] else "later"


def record_shares(results: Path) -> dict[str, Any]:
    """From a study's records (written by the sequential stage): per kind of condition the
    share its tests evaluated, and for the sets and keep-sets per kind of scope."""
    records = [Faithfulness.load(f) for f in sorted((results / "faithfulness").glob("*.json"))]
    records = [r for r in records if r.estimation]
    if not records:
        raise SystemExit(f"{results}: no faithfulness record with the sequential tests")
    work: dict[str, list[int]] = {}

    def add(tag: str, done: int, planned: int) -> None:
        counts = work.setdefault(tag, [0, 0])
        counts[0], counts[1] = counts[0] + done, counts[1] + planned

    for r in records:
        layers = [x for x in r.variants[r.configured]["ablation"] if x != "all"]
        for tag, (done, planned) in r.estimation["conditions"].items():
            add(tag, done, planned)
        for v in r.variants.values():
            for scope, a in v["ablation"].items():
                where = _scope_class(scope, layers)
                for kind in ("random", "matched"):
                    add(f"{kind}@{where}", len(a[kind]["logit"]) - sum(a["estimated"][kind]),
                        r.repeats)
                add(f"keep_random@{where}", len(v["sufficiency"][scope]["random"]), r.repeats)
    return {"results": str(results), "classes": len(records),
            "first_order": any(r.estimation.get("first_order") for r in records),
            "shares": {tag: done / planned for tag, (done, planned) in work.items() if planned}}


def _evidence(structure: Structure, vertices: int, s: FaithfulnessSettings,
              rng: np.random.Generator) -> Evidence:
    """The stage's plan for one class whose graph has ``vertices`` random vertices spread
    over the layers, scored in decreasing order."""
    from summit.evidence.faithfulness import ClassInputs
    from summit.evidence.faithfulness_design import Evidence

    channels = {x.name: x.channels for x in structure.layers}
    per_layer = np.array_split(np.arange(vertices), len(channels))
    graph = [(f"{layer}:{c}", 1.0 / (1 + i)) for (layer, n), part in zip(
        channels.items(), per_layer, strict=True)
        for i, c in enumerate(rng.choice(n, len(part), replace=False))]
    graph.sort(key=lambda v: -v[1])
    return Evidence(ClassInputs(channels, {k: rng.integers(0, 1300, n) for k, n in
                                           channels.items()}, {},
                                {"per_layer": graph, "unified": graph[:-vertices // 10]}),
                    s, class_id=0)


def _rates(structure: Structure, evidence: Evidence, device: torch.device, probe: int,
           batch_size: int, rounds: int) -> dict[str, float]:
    """Images per second of: the aggregation pass (``pass``), the stage's shared prefix,
    its first-order pass, and the remainder after each primary layer under ``STACKED``
    conditions (per condition), all taking turns batch by batch over ``rounds``."""
    from summit.method.aggregate import Aggregator
    from summit.model.first_order import first_order
    from summit.model.interventions import Intervener

    model = googlenet().to(device)  # the stage's (channels last); the pass has its own
    layers = [x.name for x in structure.layers]
    baselines = {x.name: torch.zeros(x.channels, x.height, x.width, device=device)
                 for x in structure.layers}
    gen = torch.Generator().manual_seed(0)
    batches = [torch.randn(min(batch_size, probe - i), 3, 224, 224, generator=gen).to(device)
               for i in range(0, probe, batch_size)]
    agg = Aggregator(googlenet().to(device), structure, 1, INFLUENCE.k, 0.0, EXAMPLES.n, GROUPS)
    steps: dict[str, Callable[[torch.Tensor, torch.Tensor], Any]] = {"pass": job_step(agg)}
    agg_step = steps["pass"]
    intervener = Intervener(model, layers, baselines)
    shared = {int(i): intervener.prefix(b) for i, b in zip(
        np.cumsum([0] + [len(b) for b in batches[:-1]]), batches, strict=True)}
    starts: dict[str, list] = {}
    for c in evidence.plan.conditions:
        starts.setdefault(intervener.start_layer(c), []).append(c)
    steps = {"pass": agg_step, "prefix": lambda x, ids: intervener.prefix(x),
             "first_order": lambda x, ids: first_order(
                 model, layers, baselines, [(x, torch.zeros(len(x), dtype=torch.long,
                                                            device=device))])}
    for layer in layers:
        stack = (starts.get(layer) or [{layer: np.eye(baselines[layer].shape[0],
                                                      dtype=bool)[0]}]) * STACKED
        steps[layer] = (lambda x, ids, layer=layer, stack=stack[:STACKED]:
                        intervener.run(shared[int(ids[0])], layer, stack))
    timed = interleaved(device, batches, steps, rounds)
    agg.close()
    return {name: t["images_per_second"] * (STACKED if name in layers else 1)
            for name, t in timed.items()}


# A scenario: its name, the share of a condition (by row) it evaluates, whether the clean run
# starts after the last layer, whole-layer replacements run on one image, the first-order
# pass runs, and specificity stops after its first round of classes, and on how many images
# the conditions only random baselines ask for run (None: every image).
Scenario = tuple[str, Callable[[int], float], bool, bool, bool, bool, int | None]
BASELINE_KINDS = ("random", "matched", "keep_random", "insertion_random", "deletion_random")


def _baseline_only(kinds: set[str]) -> bool:
    """Whether only random baselines ask for a condition (it runs on ``baseline_images``)."""
    return all(k.split("@")[0] in BASELINE_KINDS for k in kinds)


def _row_kinds(evidence: Evidence, layers: list[str]) -> list[set[str]]:
    """Each condition's kinds, the sets and keep-sets also by where their scope starts."""
    kinds = [set(t) for t in evidence.plan.tags]
    for d in evidence.design.values():
        for scope, sc in d["scopes"].items():
            where = _scope_class(scope, layers)
            for kind in ("random", "matched", "keep_random"):
                for row in sc[kind]:
                    kinds[row] = (kinds[row] - {kind}) | {f"{kind}@{where}"}
    return kinds


def _scenarios(evidence: Evidence, layers: list[str], studies: list[dict[str, Any]]
               ) -> list[Scenario]:
    """The priced scenarios, each change on top of the last (see ``_price``)."""
    kinds = _row_kinds(evidence, layers)
    singles = evidence.s.exact_singles / max(1, sum("single" in k for k in kinds))

    def worst(row: int) -> float:
        return min(1.0, singles) if kinds[row] == {"single"} else 1.0

    def observed(shares: dict[str, float], first_order: bool) -> Callable[[int], float]:
        def share(row: int) -> float:
            """The study's share of the condition's kinds; single vertices as the design
            says (``exact_singles`` of them), not as the study's smaller graphs had it."""
            if kinds[row] == {"single"}:
                return worst(row) if first_order else 1.0
            return max(shares.get(k, 1.0) for k in kinds[row])
        return share

    rows: list[Scenario] = [
        ("before: every planned condition", lambda r: 1.0, False, False, False, False, None),
        ("+ clean run after the last layer", lambda r: 1.0, True, False, False, False, None),
        ("+ a whole layer replaced: one image", lambda r: 1.0, True, True, False, False, None)]
    for study in studies:
        name = ("+ sequential tests" if not study["first_order"] else
                "+ sequential tests, first-order estimates")
        rows.append((f"{name} (as in {study['results']})",
                     observed(study["shares"], study["first_order"]), True, True,
                     study["first_order"], False, None))
    s = evidence.s
    if studies:
        last = rows[-1]
        rows.append(("+ specificity in rounds (settled by the first 10 classes)", *last[1:5],
                     True, None))
        share = rows[-1][1]
        if not evidence.insertion_testable():
            rows.append((f"+ no insertion orders ({s.curve_orders} cannot reach p ≤ {s.level:g})",
                         lambda r, share=share: 0.0 if kinds[r] == {"insertion_random"}
                         else share(r), *rows[-1][2:]))
        rows.append((f"+ baselines on {s.baseline_images} images", *rows[-1][1:6],
                     s.baseline_images))
    rows.append(("worst case of the stage: every test to the end, every estimate confirmed",
                 worst, True, True, True, False, s.baseline_images))
    return rows


def _price(evidence: Evidence, layers: list[str], rates: dict[str, float], n_images: int,
           scenario: Scenario) -> dict[str, float]:
    """Seconds per class of one scenario: its conditions on ``n_images`` from their start
    layers (a whole layer replaced: on one image), the prefix once, the first-order pass,
    and specificity on other classes."""
    _, share, clean_last, constant, first_order, rounds, baseline = scenario
    s = evidence.s
    kinds = _row_kinds(evidence, layers)
    conditions, seconds = 0.0, n_images / rates["prefix"]
    for row, c in enumerate(evidence.plan.conditions):
        layer = next((x for x in layers if x in c), layers[-1] if clean_last else layers[0])
        images = (min(baseline, n_images) if baseline and _baseline_only(kinds[row])
                  else n_images)
        if constant and _whole_layer(c, layers):
            layer, images = _whole_layer(c, layers), 1
        conditions += share(row)
        seconds += share(row) * images / rates[layer]
    if first_order:
        seconds += n_images / rates["first_order"]
    classes = min(s.specificity_classes, 10) if rounds else s.specificity_classes
    per_image = (1 / rates["prefix"] + len(evidence.design) / rates[layers[0]]
                 + 1 / rates[layers[-1] if clean_last else layers[0]])
    specificity = classes * s.specificity_images * per_image
    return {"conditions": conditions, "seconds_per_class": seconds + specificity,
            "specificity_seconds_per_class": specificity}


def _whole_layer(condition: dict[str, np.ndarray], layers: list[str]) -> str | None:
    """``Intervener.constant_after`` for GoogLeNet, whose network after each mixed layer
    reads only that layer."""
    return next((x for x in reversed(layers) if x in condition and condition[x].all()), None)


def run(n_images: int = 50, vertices: int = 56, device: str = "auto",
        threads: int | None = None, probe: int = 64, batch_size: int = 32, seed: int = 0,
        rounds: int = 3, studies: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """Estimate the faithfulness stage on ImageNet with InceptionV1 (see the module doc):
    rates timed on ``probe`` random images in batches of ``batch_size``; ``studies`` (from
    ``record_shares``) give the shares of conditions their tests evaluated."""
    dev = prepare(device, threads)
    s = FaithfulnessSettings.defaults()
    structure = googlenet_structure(googlenet())
    evidence = _evidence(structure, vertices, s, np.random.default_rng(seed))
    layers = [x.name for x in structure.layers]
    rates = _rates(structure, evidence, dev, probe, batch_size, rounds)
    aggregation = AGGREGATION_IMAGES / rates["pass"]
    scenarios = []
    for scenario in _scenarios(evidence, layers, studies or []):
        priced = _price(evidence, layers, rates, n_images, scenario)
        scenarios.append({"change": scenario[0], **priced,
                          "ratio": priced["seconds_per_class"] / aggregation})
    best = scenarios[-2] if studies else scenarios[-1]
    return {"device": str(dev), "threads": torch.get_num_threads(), "images": n_images,
            "vertices": vertices, "planned_conditions": len(evidence.plan.conditions),
            "conditions": best["conditions"], "rates": rates,
            "seconds_per_class": best["seconds_per_class"],
            "specificity_seconds_per_class": best["specificity_seconds_per_class"],
            "aggregation_seconds_per_class": aggregation,
            "hours_for_1000_classes": 1000 * best["seconds_per_class"] / 3600,
            "headline": best["change"], "scenarios": scenarios,
            "shares": {x["results"]: x["shares"] for x in studies or []}}


def table(r: dict[str, Any]) -> str:
    """The study's stage against its aggregation, if measured, and the ImageNet estimate
    per scenario."""
    lines = []
    if "demo" in r:
        d = r["demo"]
        lines.append(f"study {d['results']}: faithfulness {d['faithfulness_seconds']:.0f} s "
                     f"+ reference {d['reference_seconds']:.0f} s for {d['classes']} classes, "
                     f"aggregation {d['aggregate_seconds']:.0f} s; ratio "
                     f"{d['faithfulness_over_aggregate']:.2f}")
    e = r["imagenet"]
    lines.append(
        f"ImageNet estimate (InceptionV1, {e['device']}, {e['threads']} threads, "
        f"{e['vertices']}-vertex graphs, {e['images']} images per class, "
        f"{e['planned_conditions']} planned conditions): aggregation "
        f"{e['aggregation_seconds_per_class']:.0f} s per class ({AGGREGATION_IMAGES} images)")
    width = max(len(x["change"]) for x in e["scenarios"]) + 2
    lines.append(f"{'change':<{width}}{'conditions':>11}{'s/class':>9}{'ratio':>7}")
    lines += [f"{x['change']:<{width}}{x['conditions']:>11.0f}{x['seconds_per_class']:>9.0f}"
              f"{x['ratio']:>7.2f}" for x in e["scenarios"]]
    lines.append(f"headline ({e['headline']}): {e['seconds_per_class']:.0f} s per class "
                 f"(of which specificity {e['specificity_seconds_per_class']:.0f} s); "
                 f"1000 classes: {e['hours_for_1000_classes']:.0f} h")
    return "\n".join(lines)
