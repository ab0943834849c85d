"""The model under study: the built-in demo, a torchvision architecture, or a user factory.

Every model is built untrained here and gets its weights from a file (read by
``summit.model.weights``), so the weights' checksum identifies what was studied.
"""

from __future__ import annotations

import importlib
import logging
from pathlib import Path
from typing import Any

import torch
import torchvision
from torch import nn

from summit.errors import ModelError
from summit.model.demo_net import DemoInception
from summit.model.weights import model_weights

__all__ = ["ModelError", "build_model", "load_model", "select_device"]


def select_device(name: str) -> torch.device:
    """``auto`` takes a GPU when one is present; an absent device is an error, not a fallback."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    device = torch.device(name)
    if device.type == "cuda":
        index = device.index or 0
        if not torch.cuda.is_available() or index >= torch.cuda.device_count():
            raise ModelError(f"device: {name} is not available on this machine "
                             f"({torch.cuda.device_count()} GPU(s)); use auto or cpu")
    if device.type == "mps" and not torch.backends.mps.is_available():
        raise ModelError("device: mps is not available on this machine; use auto or cpu")
    return device


def build_model(model_cfg: dict[str, Any], n_outputs: int, in_channels: int) -> nn.Module:
    """The configured architecture with fresh weights."""
    kind = model_cfg["kind"]
    kwargs = dict(model_cfg.get("kwargs", {}))
    if kind == "demo":
        return DemoInception(in_channels, n_outputs, model_cfg.get("width", 1.0))
    if kind == "torchvision":
        arch = model_cfg.get("architecture")
        if arch not in torchvision.models.list_models(module=torchvision.models):
            raise ModelError(f"model.architecture: {arch!r} is not a torchvision classification "
                             "model; see torchvision.models.list_models()")
        if arch in ("googlenet", "inception_v3"):
            kwargs.setdefault("init_weights", False)
        try:
            return torchvision.models.get_model(arch, **{"weights": None, **kwargs})
        except Exception as e:  # noqa: BLE001 - a bad keyword or value; the fix is the same
            raise ModelError(f"model.kwargs: torchvision's {arch} cannot be built with "
                             f"{kwargs} ({type(e).__name__}: {e}); fix model.kwargs") from e
    if kind == "factory":
        target = model_cfg.get("factory", "")
        module_name, _, fn_name = target.partition(":")
        try:
            factory = getattr(importlib.import_module(module_name), fn_name)
        except (ImportError, AttributeError) as e:
            raise ModelError(f"model.factory: cannot import {target!r} ({e}); give "
                             "'package.module:function' importable from this environment") from e
        try:
            model = factory(**kwargs)
        except Exception as e:  # noqa: BLE001 - the user's code; report it in one line
            raise ModelError(f"model.factory: {target}(**model.kwargs) failed "
                             f"({type(e).__name__}: {e}); fix the factory or model.kwargs") from e
        if not isinstance(model, nn.Module):
            raise ModelError(f"model.factory: {target} returned a {type(model).__name__}, not a "
                             "torch.nn.Module; return the (untrained) network")
        return model
    raise ModelError(f"model.kind: unknown kind {kind!r}; use demo, torchvision or factory")


def load_model(model_cfg: dict[str, Any], weights: str | Path, n_outputs: int, in_channels: int,
               device: torch.device) -> nn.Module:
    """Build the model, load its weights (see :func:`model_weights`), logging what was unwrapped
    to get them, and put it in eval mode on ``device``."""
    model = build_model(model_cfg, n_outputs, in_channels)
    state, notes = model_weights(model, weights, in_channels)
    for note in notes:
        logging.getLogger("summit").info("model.weights: %s: %s", weights, note)
    model.load_state_dict(state)
    return model.eval().to(device)
