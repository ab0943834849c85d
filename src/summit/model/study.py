"""The study's model from its settings: PyTorch's threads and device, and the network with its
weights. Every step that runs the model, and the featvis command, load it this way. PyTorch is
imported only when called, so a step module that imports this stays light."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import torch
    from torch.utils.data import Dataset

    from summit.io.data import InputSpec


def torch_device(p: dict[str, Any]) -> torch.device:
    """Set PyTorch's threads and denormal handling; the configured (or best) device."""
    import torch

    from summit.model import models

    torch.set_num_threads(p.get("threads", 2))
    torch.set_flush_denormal(True)
    return models.select_device(p.get("device", "auto"))


# What this process has loaded: a job running several classes (summit.jobs) loads its model
# and opens its dataset once. One model at a time; datasets are read-only.
_LOADED: dict[str, Any] = {}


def _once(kind: str, key: list[Any], make: Callable[[], Any], alone: bool = False) -> Any:
    """``make()``, or what it made before for the same ``key``; ``alone``: drop what was
    made of the same ``kind`` for other keys first (one model in memory)."""
    name = kind + json.dumps(key, sort_keys=True, default=str)
    if name not in _LOADED:
        if alone:
            for old in [k for k in _LOADED if k.startswith(kind)]:
                del _LOADED[old]
        _LOADED[name] = make()
    return _LOADED[name]


def study_model(p: dict[str, Any], weights: Path, device: torch.device
                ) -> tuple[torch.nn.Module, InputSpec]:
    """The configured model with its weights on ``device``, and its input settings."""
    from summit.io import data
    from summit.model import models

    spec = data.InputSpec.from_config(p["input"])
    n_outputs = len(data.class_names(p["dataset"]))
    key = [p["model"], p["input"], n_outputs, str(weights), Path(weights).stat().st_mtime_ns,
           str(device)]
    return _once("model", key, lambda: models.load_model(
        p["model"], weights, n_outputs, spec.channels, device), alone=True), spec


def study_dataset(p: dict[str, Any], spec: InputSpec, split: str) -> Dataset:
    """The configured dataset's ``split`` (``summit.io.data.open_dataset``), opened once."""
    from summit.io import data

    # ``max_images_per_class`` picks images from the opened dataset, so it is no reason to
    # list a folder again (the plan's calibration times the pass on growing caps).
    opened = {k: v for k, v in p["dataset"].items() if k != "max_images_per_class"}
    return _once("data", [opened, vars(spec), split, p.get("download")],
                 lambda: data.open_dataset(p["dataset"], spec, split, p.get("download")))
