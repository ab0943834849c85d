"""The study's model from its settings: PyTorch's threads and device, and the network with its
weights. Every step that runs the model, and the featvis command, load it this way. PyTorch is
imported only when called, so a step module that imports this stays light."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import torch

    from summit.io.data import InputSpec


def torch_device(p: dict[str, Any]) -> torch.device:
    """Set PyTorch's threads and denormal handling; the configured (or best) device."""
    import torch

    from summit.model import models

    torch.set_num_threads(p.get("threads", 2))
    torch.set_flush_denormal(True)
    return models.select_device(p.get("device", "auto"))


def study_model(p: dict[str, Any], weights: Path, device: torch.device
                ) -> tuple[torch.nn.Module, InputSpec]:
    """The configured model with its weights on ``device``, and its input settings."""
    from summit.io import data
    from summit.model import models

    spec = data.InputSpec.from_config(p["input"])
    n_outputs = len(data.class_names(p["dataset"]))
    return models.load_model(p["model"], weights, n_outputs, spec.channels, device), spec
