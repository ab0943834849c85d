"""Calibration: the study's own steps timed on a few of the user's images, on this machine.

The plan multiplies counts by units; the units come from here. A calibration class (the first
studied) goes through the real steps, unmodified, in one process: each step on growing counts
(images, test images, resamples, training images; ``grown``) until its time has grown well
above the timing noise, giving a slope per unit and a fixed part; A^l, the graph, the
statistics and the class figure twice (the second warm); a few Lucent steps on one and four
channels. Process start-up (interpreter and imports) is timed in fresh subprocesses. A model
trained here is studied after the calibration's own short training (one epoch on a few
thousand images), whose graphs are closer in size to the trained net's than an untrained
net's. Everything is written under ``<results>/plan``.
"""

from __future__ import annotations

import copy
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

# Imports a job of each kind pays before its work (the steps import lazily).
START = {"model_free": "import summit.cli, summit.method.graphs, summit.io.store, "
                       "summit.render.figures, scipy.sparse",
         "model": "import summit.cli, torch, torchvision, summit.method.aggregate, "
                  "summit.io.store"}


@dataclass
class Calibration:
    """Units timed on this machine (seconds unless named otherwise)."""

    device: str
    batch: int  # images per batch in the calibration (the config's, capped)
    start: dict[str, float] = field(default_factory=dict)  # per job, by kind
    pass_image: float = 0.0  # the pass, per image
    pass_class: float = 0.0  # the pass, per class (model, data, store)
    pass_first: float = 0.0  # once per job: opening the dataset, first batches' set-up
    forward_image: float = 0.0  # a plain forward pass, per image
    warm: dict[str, float] = field(default_factory=dict)  # graph, stats, class_figure, once warm
    first: dict[str, float] = field(default_factory=dict)  # their first call's extra (JIT…)
    faithfulness_image: float = 0.0  # per test image
    faithfulness_class: float = 0.0
    faithfulness_first: float = 0.0  # once per job (opening the test split, …)
    reference_image: float = 0.0
    reference_once: float = 0.0
    stability_build: float = 0.0  # one resampled graph
    stability_class: float = 0.0  # a class's stability besides its builds
    featvis_step: dict[str, float] = field(default_factory=dict)  # per layer: step × image
    featvis_once: dict[str, float] = field(default_factory=dict)  # per layer: a render's set-up
    train_image: float = 0.0
    train_once: float = 0.0  # per epoch, besides its images
    train_first: float = 0.0  # once per training job (reading the dataset)
    store_image_bytes: float = 0.0
    store_class_bytes: float = 0.0
    pass_memory_mb: float = 0.0  # peak RSS of the pass at ``batch`` images
    vertices: int = 0  # the calibration class's graph's vertices
    seconds: float = 0.0  # the calibration's own time
    forward_rate: float = 0.0  # images/s the model-running units were scaled to (0: measured)
    measured_on: str = ""  # with forward_rate: the device the units were measured on

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def at_forward_rate(self, rate: float) -> Calibration:
        """These units on a GPU whose plain forward pass runs at ``rate`` images/s: every
        per-image (and per-step) unit of the model-running stages scaled by that forward
        time over the one measured here. An extrapolation: it assumes the pass, training,
        Lucent and faithfulness speed up as the forward pass does; fixed parts (start-up,
        store creation) stay as measured."""
        factor = 1.0 / (rate * self.forward_image)
        scaled = {k: getattr(self, k) * factor for k in
                  ("pass_image", "forward_image", "faithfulness_image", "reference_image",
                   "train_image")}
        return replace(self, device="cuda", forward_rate=rate, measured_on=self.device, **scaled,
                       featvis_step={k: v * factor for k, v in self.featvis_step.items()})


def startup_seconds(kind: str, rounds: int = 2) -> float:
    """A fresh interpreter importing what a job of ``kind`` imports: the least of ``rounds``."""
    best = float("inf")
    for _ in range(rounds):
        t = time.perf_counter()
        subprocess.run([sys.executable, "-c", START[kind]], check=True, capture_output=True)
        best = min(best, time.perf_counter() - t)
    return best


def timed(fn: Callable[[], Any]) -> float:
    """Seconds ``fn`` takes."""
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def slope(a: tuple[float, float], b: tuple[float, float]) -> tuple[float, float]:
    """The line through (x, seconds) points ``a`` and ``b``: per unit and fixed part (each at
    least 0: timing noise must not make a cost negative)."""
    per = max((b[1] - a[1]) / (b[0] - a[0]), 0.0) if b[0] != a[0] else 0.0
    return per, max(a[1] - per * a[0], 0.0)


def grown(run: Callable[[int], float], start: int, cap: int, budget: float, factor: int = 4
          ) -> tuple[float, float, float]:
    """Per unit, fixed part and first-call extra of ``run(n)`` (seconds for n units): ``start``
    cold and warm, then ``start`` × factor^k until the time has grown by ``budget`` seconds
    over the warm start (a slope above the timing noise) or n reaches ``cap``; the line
    through the warm start and the last point."""
    start = max(1, min(start, cap))
    cold, warm = run(start), run(start)
    n, t = start, warm
    while t - warm < budget and n < cap:
        n = min(n * factor, cap)
        t = run(n)
    per, fixed = slope((start, warm), (n, t))
    return per, fixed, max(cold - warm, 0.0)


def sized(config: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """A deep copy of ``config`` with dotted keys changed (``dataset.max_images_per_class``)."""
    out = copy.deepcopy(config)
    for dotted, value in changes.items():
        *path, key = dotted.split(".")
        node = out
        for part in path:
            node = node[part]
        node[key] = value
    return out


def directory_bytes(path: Path) -> int:
    """Bytes of the files under ``path``."""
    return sum(p.stat().st_size for p in Path(path).rglob("*") if p.is_file())
