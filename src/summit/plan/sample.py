"""The calibration class through the study's own steps (``summit.plan.calibrate``)."""

from __future__ import annotations

import contextlib
import io
import resource
import shutil
import time
from pathlib import Path
from typing import Any

from summit.plan.calibrate import (
    Calibration,
    directory_bytes,
    grown,
    sized,
    slope,
    startup_seconds,
    timed,
)


def _weights(config: dict[str, Any], weights: str | None, n_outputs: int, root: Path) -> Path:
    """The study's weights file, or (a model trained here, not yet trained) the untrained
    net's, saved under ``root``: the steps load weights from a file."""
    if weights and Path(weights).is_file():
        return Path(weights)
    import torch

    from summit.model import models

    model = models.build_model(config["model"], n_outputs, config["input"]["channels"])
    path = root / "untrained.pt"
    torch.save(model.state_dict(), path)
    return path


# The pass is timed on at most this many images of the calibration class.
PASS_IMAGES = 4096
# Lucent steps of the two timed renders of a full batch of channels.
FEATVIS_STEPS = (2, 6)


class Sample:
    """One class's sample, its files under ``root``; ``p`` gives every step its settings."""

    def __init__(self, config: dict[str, Any], facts: dict[str, Any], root: Path):
        from summit.steps import steps

        self.steps = steps()
        self.config, self.facts, self.root = config, facts, root
        root.mkdir(parents=True, exist_ok=True)
        self.cls = facts["classes"][0]
        self.weights = _weights(config, facts.get("weights"), len(facts["class_names"]), root)
        self.batch = max(1, min(config["batch_size"], 32))  # until the pass is timed

    def p(self, config: dict[str, Any] | None = None) -> dict[str, Any]:
        c = config or self.config
        return {**c, "groups": c["stability"]["groups"], "influence_k": c["influence"]["k"],
                "class_names": self.facts["class_names"], "class_ids": self.facts["classes"],
                **self.facts.get("download", {})}

    def run(self, name: str, config: dict[str, Any] | None = None, **files: Any) -> float:
        """Seconds step ``name`` takes on the sample's files; what it prints is not the
        user's (a short calibration run's training warns that it is short)."""
        fn = self.steps[name].fn
        with contextlib.redirect_stdout(io.StringIO()):
            return timed(lambda: fn(self.p(config), **files))

    def file(self, name: str) -> Path:
        return self.root / name


def _aggregate(s: Sample, n: int) -> float:
    """Seconds of the pass on ``n`` images of the class, in the config's batches (at most n)."""
    config = sized(s.config, **{"dataset.max_images_per_class": n,
                                "batch_size": min(s.config["batch_size"], n)})
    return s.run("aggregate", config, cls=s.cls, weights=s.weights,
                 structure=s.file("structure.json"), store=s.file(f"store{n}.zarr"))


def _pass(s: Sample, cal: Calibration, images: int, budget: float = 2.0) -> None:
    """The model's description, then the pass on growing image counts until its time has
    grown by ``budget`` seconds: the slope per image, the cost per class, and what the
    first call pays besides (opening the dataset, the first batches' set-up), which a job
    grouping classes pays once."""
    s.run("describe_model", weights=s.weights, metrics=None, model=s.file("model.json"),
          structure=s.file("structure.json"))
    sizes: dict[int, int] = {}

    def run(n: int) -> float:
        t = _aggregate(s, n)
        sizes[n] = directory_bytes(s.file(f"store{n}.zarr"))
        return t

    cal.pass_image, cal.pass_class, cal.pass_first = grown(run, 8, min(images, PASS_IMAGES),
                                                           budget)
    small, large = min(sizes), max(sizes)
    s.batch = cal.batch = min(s.config["batch_size"], large)
    cal.store_image_bytes = max((sizes[large] - sizes[small]) / max(large - small, 1), 0.0)
    cal.store_class_bytes = max(sizes[small] - small * cal.store_image_bytes, 0.0)
    cal.pass_memory_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    s.store = s.file(f"store{large}.zarr")
    for n in set(sizes) - {large}:  # the store the later steps read is kept
        shutil.rmtree(s.file(f"store{n}.zarr"), ignore_errors=True)


def _model_free(s: Sample, cal: Calibration, layers: list[str]) -> None:
    """A^l, the graph, statistics and the class figure, each run twice (the second warm)."""
    from summit.io.artifacts import ClassGraph

    counts = [s.file(f"counts/{x}.npz") for x in layers]
    for layer, path in zip(layers, counts, strict=True):
        s.run("activations", layer=layer, stores=[s.store], counts=path)
    files = {
        "graph": {"structure": s.file("structure.json"), "store": s.store, "counts": counts,
                  "nonsemantic": None, "json": s.file("graph.json"),
                  "graphml": s.file("graph.graphml")},
        "stats": {"store": s.store, "counts": counts, "json": s.file("stats.json")},
        "class_figure": {"graph": s.file("graph.json"), "stats": s.file("stats.json"),
                         "featvis": [], "png": s.file("graph.png"), "pdf": s.file("graph.pdf")}}
    for name, args in files.items():
        first = s.run(name, **args)
        cal.warm[name] = s.run(name, **args)
        cal.first[name] = max(first - cal.warm[name], 0.0)
    cal.vertices = len(ClassGraph.load(s.file("graph.json")).nodes)
    s.counts = counts


def _faithfulness(s: Sample, cal: Calibration) -> None:
    """The mean maps on growing image counts, then faithfulness on growing test-image counts
    (up to the configured ones): per image and per class."""
    f = s.config["faithfulness"]
    config = sized(s.config, **{"faithfulness.specificity_classes": 0})

    def reference(n: int) -> float:
        return s.run("faithfulness_reference",
                     sized(config, **{"faithfulness.reference_images": n}), weights=s.weights,
                     structure=s.file("structure.json"), reference=s.file("reference.npz"))

    cal.reference_image, cal.reference_once, _ = grown(reference, 4, f["reference_images"], 1.0)

    def faithfulness(n: int) -> float:
        return s.run("faithfulness", sized(config, **{"faithfulness.images_per_class": n}),
                     cls=s.cls, weights=s.weights, structure=s.file("structure.json"),
                     store=s.store, counts=s.counts, nonsemantic=None,
                     reference=s.file("reference.npz"), report=s.file(f"faithfulness{n}.json"))

    cal.faithfulness_image, cal.faithfulness_class, cal.faithfulness_first = grown(
        faithfulness, 2, f["images_per_class"], 2.0, factor=3)


def _stability(s: Sample, cal: Calibration) -> None:
    """The stability step on growing numbers of resamples (one split half): per graph built
    and per class."""
    def run(resamples: int) -> float:
        config = sized(s.config, **{"stability.resamples": resamples,
                                    "stability.split_halves": 1})
        return s.run("stability", config, structure=s.file("structure.json"), store=s.store,
                     counts=s.counts, nonsemantic=None, report=s.file("stability.json"),
                     resampled=s.file("resampled.json"))

    build, fixed, _ = grown(run, 2, s.config["stability"]["resamples"], 1.0)
    cal.stability_build, cal.stability_class = build, max(fixed - 3 * build, 0.0)  # graph, half


def _featvis(s: Sample, cal: Calibration, layers: list[str]) -> None:
    """Lucent renders of a full batch (``featvis.batch_channels``) of the first and last
    layer's channels, for a few steps and for three times as many after a warm-up: their
    difference is a step's cost, free of each render's own set-up (which a few steps would
    spread over each step), per image of the configured batch, and that set-up, once per
    layer job; layers between are interpolated by the plan."""
    import dataclasses

    from summit.method.featvis import render_atlas
    from summit.model.structure import Structure
    from summit.model.study import study_model, torch_device
    from summit.settings import FeatvisSettings

    device = torch_device(s.p())
    model, spec = study_model(s.p(), s.weights, device)
    for param in model.parameters():
        param.requires_grad_(False)
    settings = FeatvisSettings.from_config(s.config["featvis"])
    channels_of = {x.name: x.channels for x in Structure.load(s.file("structure.json")).layers}
    render_atlas(model, layers[0], [0], spec, dataclasses.replace(settings, steps=1),
                 s.file("featvis_warm.png"))
    for layer in dict.fromkeys([layers[0], layers[-1]]):
        channels = list(range(min(settings.batch_channels, channels_of[layer])))
        seconds = [timed(lambda n=n, layer=layer, channels=channels: render_atlas(
            model, layer, channels, spec, dataclasses.replace(settings, steps=n),
            s.file(f"featvis_{n}.png"))) for n in FEATVIS_STEPS]
        per_step, once = slope((FEATVIS_STEPS[0], seconds[0]), (FEATVIS_STEPS[1], seconds[1]))
        cal.featvis_step[layer] = per_step / (len(channels) * (1 + settings.diversity))
        cal.featvis_once[layer] = once


def _forward(s: Sample, cal: Calibration) -> None:
    """A plain forward pass per image (what evaluation and specificity cost), warm."""
    import torch

    from summit.model.study import study_model, torch_device

    device = torch_device(s.p())
    model, spec = study_model(s.p(), s.weights, device)
    x = torch.randn(s.batch, spec.channels, spec.size, spec.size, device=device)
    with torch.no_grad():
        model(x)
        cal.forward_image = min(timed(lambda: model(x)) for _ in range(3)) / s.batch


def _train(s: Sample, cal: Calibration, images: int) -> None:
    """One epoch on growing training-image counts: the slope per image (forward, backward,
    update) and what an epoch pays besides (evaluation on the test split, set-up; the first
    call's extra, such as reading the dataset, is paid once per training job)."""
    batch = s.config["model"]["train"]["batch_size"]

    def run(n: int) -> float:
        config = sized(s.config, **{"model.train.epochs": 1, "model.train.max_images": n})
        return s.run("train", config, weights=s.file("trained.pt"),
                     metrics=s.file("metrics.json"), checkpoints=[])

    cal.train_image, cal.train_once, cal.train_first = grown(run, batch, images, 2.0)


def calibrate(config: dict[str, Any], facts: dict[str, Any], root: Path) -> Calibration:
    """Every unit the plan needs for this config on this machine, timed under ``root``."""
    t = time.perf_counter()
    s = Sample(config, facts, root)
    from summit.model.models import select_device

    cal = Calibration(device=str(select_device(config["device"])), batch=s.batch)
    cal.start = {kind: startup_seconds(kind) for kind in ("model_free", "model")}
    if facts.get("train_images"):  # first: the later steps study the briefly trained net
        _train(s, cal, facts["train_images"])
        s.weights = s.file("trained.pt")
    _pass(s, cal, facts["images"][0])
    _forward(s, cal)
    _model_free(s, cal, facts["layers"])
    if config["stages"]["faithfulness"]:
        _faithfulness(s, cal)
    if config["stages"]["featvis"]:
        _featvis(s, cal, facts["layers"])
    if config["stages"]["stability"]:
        _stability(s, cal)
    cal.seconds = time.perf_counter() - t
    return cal
