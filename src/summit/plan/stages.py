"""Each stage's row of the plan: its count (``summit.plan.costs.Study``) times its unit
(``summit.plan.calibrate.Calibration``), plus each job's start-up."""

from __future__ import annotations

import math
from collections.abc import Callable

from summit.evidence.faithfulness import SPECIFICITY_ROUND
from summit.plan.calibrate import Calibration
from summit.plan.costs import (
    DEMO,
    MODEL_FREE_MEMORY_MB,
    NEIGHBOURS_ONCE,
    PER_CLASS,
    Row,
    Study,
    distinct_channels,
    layer_unit,
)

MB = 1024 * 1024


def _start(cal: Calibration, kind: str, stage: str = "") -> float:
    return cal.start.get(kind, 0.0) + cal.first.get(stage, 0.0)


def _class_store_mb(s: Study, cal: Calibration) -> float:
    """The largest class's store, in MB (what a model-free per-class step reads)."""
    return (max(s.images, default=0) * cal.store_image_bytes + cal.store_class_bytes) / MB


def train(s: Study, cal: Calibration) -> Row:
    jobs = s.jobs.get("train", 0)
    each = cal.train_first + s.epochs * (s.train_images * cal.train_image + cal.train_once)
    return Row("train", jobs, jobs * (_start(cal, "model") + each), cal.pass_memory_mb,
               gpu=cal.device.startswith("cuda"))


def aggregate(s: Study, cal: Calibration) -> Row:
    n = s.studies("aggregate")
    seconds = n * (sum(s.images) * cal.pass_image + s.classes * cal.pass_class)
    disk = n * (sum(s.images) * cal.store_image_bytes + s.classes * cal.store_class_bytes)
    jobs = s.jobs.get("aggregate", 0)
    return Row("aggregate", jobs, seconds + jobs * (_start(cal, "model") + cal.pass_first),
               cal.pass_memory_mb,
               disk, gpu=cal.device.startswith("cuda"))


def _model_free(stage: str, each: float, memory_mb: float = MODEL_FREE_MEMORY_MB
                ) -> Callable[[Study, Calibration], Row]:
    """A model-free per-class stage whose class costs ``each`` × its warm unit."""

    def row(s: Study, cal: Calibration) -> Row:
        jobs = s.jobs.get(stage, 0)
        unit = cal.warm.get({"model_comparison": "class_figure"}.get(stage, stage), 0.0)
        return Row(stage, jobs, s.covered.get(stage, 0) * each * unit
                   + jobs * _start(cal, "model_free", stage), memory_mb)

    return row


def stability(s: Study, cal: Calibration) -> Row:
    """Per class: its graph, the resamples' and twice the split halves', and the rest."""
    st = s.config["stability"]
    builds = 1 + st["resamples"] + 2 * st["split_halves"]
    jobs = s.jobs.get("stability", 0)
    seconds = (s.covered.get("stability", 0) * (builds * cal.stability_build + cal.stability_class)
               + jobs * _start(cal, "model_free"))
    return Row("stability", jobs, seconds, MODEL_FREE_MEMORY_MB + 2 * _class_store_mb(s, cal))


def faithfulness(s: Study, cal: Calibration) -> Row:
    f = s.config["faithfulness"]
    jobs = s.jobs.get("faithfulness", 0)
    images = [min(f["images_per_class"], n) for n in s.test_images]
    # specificity tests other classes ten at a time until settled: the plan counts one round
    others = (min(f["specificity_classes"], s.classes - 1, SPECIFICITY_ROUND)
              * f["specificity_images"])
    per_class = cal.faithfulness_class + 3 * others * cal.forward_image
    seconds = (s.studies("faithfulness") * (sum(images) * cal.faithfulness_image
                                            + s.classes * per_class)
               + jobs * (_start(cal, "model") + cal.faithfulness_first))
    return Row("faithfulness", jobs, seconds, cal.pass_memory_mb,
               gpu=cal.device.startswith("cuda"))


def explain(s: Study, cal: Calibration) -> Row:
    """Per class: its chosen images (at most the configured numbers) through the pass, each
    image's graph built, and its two ablated sets with their random sets run from the
    intervened layer on (at most a forward pass each); plus each job's model start."""
    e = s.config["explain"]
    jobs = s.jobs.get("explain", 0)
    chosen = e["misclassified"] + e["least_confident"] + e["most_confident"]
    per_image = (cal.pass_image + (1 + 2 * (1 + e["repeats"])) * cal.forward_image
                 + cal.warm.get("graph", 0.0))
    return Row("explain", jobs, s.covered.get("explain", 0) * chosen * per_image
               + jobs * _start(cal, "model"), cal.pass_memory_mb,
               gpu=cal.device.startswith("cuda"))


def faithfulness_reference(s: Study, cal: Calibration) -> Row:
    jobs = s.jobs.get("faithfulness_reference", 0)
    each = s.config["faithfulness"]["reference_images"] * cal.reference_image + cal.reference_once
    return Row("faithfulness_reference", jobs, jobs * (each + _start(cal, "model")),
               cal.pass_memory_mb, gpu=cal.device.startswith("cuda"))


def featvis(s: Study, cal: Calibration) -> Row:
    """Per layer: the channels the classes' graphs hold (expected distinct, from the
    calibration graph's size per layer), each with its diversity images, for every step;
    and the render's set-up once per layer job."""
    fv = s.config["featvis"]
    jobs = s.jobs.get("featvis", 0)
    studies = jobs / max(len(s.layers), 1)
    per_layer = cal.vertices / max(len(s.layers), 1)
    seconds, disk = 0.0, 0.0
    for layer, channels in zip(s.layers, s.channels, strict=True):
        n = (channels if fv["channels"] == "all"
             else math.ceil(distinct_channels(channels, per_layer, s.classes)))
        images = n * (1 + fv["diversity"])
        seconds += (layer_unit(cal.featvis_once, s.layers, layer)
                    + fv["steps"] * images * layer_unit(cal.featvis_step, s.layers, layer))
        disk += images * (fv["size"] or s.config["input"]["size"]) ** 2
    return Row("featvis", jobs, studies * seconds + jobs * _start(cal, "model"),
               cal.pass_memory_mb, studies * disk, gpu=cal.device.startswith("cuda"))


def _per_layer(stage: str, unit: str) -> Callable[[Study, Calibration], Row]:
    """A stage reading every class's maxima of one layer per job (A^l, examples, matching)."""

    def row(s: Study, cal: Calibration) -> Row:
        jobs = s.jobs.get(stage, 0)
        reads = sum(s.images) * sum(s.channels) / max(len(s.layers), 1)
        return Row(stage, jobs, jobs * (reads * DEMO[unit] + s.classes * PER_CLASS[unit]
                                        + _start(cal, "model_free")),
                   MODEL_FREE_MEMORY_MB + 4 * max(s.images, default=0) * max(s.channels) / MB,
                   basis="extrapolated")

    return row


def _once(stage: str, work: Callable[[Study], float]) -> Callable[[Study, Calibration], Row]:
    """A stage of a few jobs whose work is a demo unit times its count (``work``)."""

    def row(s: Study, cal: Calibration) -> Row:
        jobs = s.jobs.get(stage, 0)
        return Row(stage, jobs, jobs * (work(s) + _start(cal, "model_free")),
                   MODEL_FREE_MEMORY_MB, basis="extrapolated")

    return row


def ground_truth(s: Study, cal: Calibration) -> Row:
    """Per study (the model's, each seed's), per stamp: its probe (its classes' planted test
    images and ``images_per_class`` of every other class) run clean and stamped, and its
    planted images under every ablation (two sets, each with its random sets); plus each
    job's model start."""
    g, stamps = s.config["ground_truth"], s.config["dataset"]["plant"]["stamps"]
    jobs = s.jobs.get("ground_truth", 0)
    per_class = sum(s.test_images) / max(s.classes, 1)
    images = 0.0
    for st in stamps:
        planted = st["share"] * per_class * len(st["classes"])
        probe = planted + g["images_per_class"] * max(s.classes - len(st["classes"]), 0)
        images += 2 * probe + planted * (1 + 2 * (1 + g["repeats"]))
    return Row("ground_truth", jobs, jobs * (images * cal.forward_image + _start(cal, "model")),
               cal.pass_memory_mb, gpu=cal.device.startswith("cuda"))


def randomization(s: Study, cal: Calibration) -> Row:
    """One job: every model (the trained one, each depth of the cascade, the shuffled-label
    net) on ``images_per_class`` held-out images of each class, once for its mean maps, then
    clean, with its graph ablated and with each random set; plus each model's load."""
    r = s.config["randomization"]
    jobs = s.jobs.get("randomization", 0)
    models = 1 + s.jobs.get("randomization_weights", 0) + int(r["shuffled_labels"])
    images = s.classes * r["images_per_class"] * (3 + r["repeats"])
    return Row("randomization", jobs, jobs * models * (images * cal.forward_image
                                                       + _start(cal, "model")),
               cal.pass_memory_mb, gpu=cal.device.startswith("cuda"))


ROWS: dict[str, Callable[[Study, Calibration], Row]] = {  # in the pipeline's order
    "describe_model": _once("describe_model", lambda s: DEMO["describe_model"]),
    "train": train, "aggregate": aggregate,
    "activations": _per_layer("activations", "activations"),
    "examples": _per_layer("examples", "examples"),
    "graph": _model_free("graph", 1.0), "stats": _model_free("stats", 1.0),
    "class_figure": _model_free("class_figure", 1.0),
    "stability": stability, "featvis": featvis,
    "faithfulness_reference": faithfulness_reference, "faithfulness": faithfulness,
    "explain": explain, "ground_truth": ground_truth,
    "randomization_weights": _once("randomization_weights", lambda s: DEMO["describe_model"]),
    "randomization": randomization,
    "model_comparison": _model_free("model_comparison", 2.0),
    "matching": _per_layer("matching", "matching"),
    "embedding": _once("embedding", lambda s: DEMO["embedding"]),
    "nonsemantic": _once("nonsemantic", lambda s: s.classes * (
        DEMO["nonsemantic"] * sum(s.channels) + PER_CLASS["nonsemantic"])),
    "neighbours": _once("neighbours", lambda s: NEIGHBOURS_ONCE + DEMO["neighbours"]
                        * s.classes ** 2 * len(s.layers)),
    "separability": _once("separability", lambda s: DEMO["separability"] * sum(
        min(n, s.config["separability"]["max_images_per_class"]) for n in s.images)
        * max(s.channels) + PER_CLASS["separability"] * s.classes),
    "class_pairs": _once("class_pairs", lambda s: DEMO["class_pairs"] * s.classes ** 2),
    "motifs": _once("motifs", lambda s: DEMO["motifs"] * s.classes),
    "provenance": _once("provenance", lambda s: DEMO["provenance"]),
    "site": _once("site", lambda s: DEMO["site"] * s.classes),
}


def row(stage: str, s: Study, cal: Calibration) -> Row:
    """The stage's row; a summary or figure stage not listed costs its start-up and a demo
    unit per class."""
    if stage in ROWS:
        return ROWS[stage](s, cal)
    return _once(stage, lambda x: DEMO["summary"] * x.classes)(s, cal)
