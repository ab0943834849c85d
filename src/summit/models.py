"""The model under study: the built-in demo, a torchvision architecture, or a user factory.

Every model is built untrained here and gets its weights from a state-dict file, so the
weights' checksum identifies what was studied.
"""

from __future__ import annotations

import hashlib
import importlib
import pickle
import re
from pathlib import Path
from typing import Any

import torch
import torchvision
from torch import nn

from summit.demo_net import DemoInception
from summit.errors import SummitError


class ModelError(SummitError):
    """The model setting or weights file is unusable; the message says how to fix it."""


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


def read_state_dict(weights: str | Path) -> dict[str, torch.Tensor]:
    """The tensors of a state-dict file (or of a checkpoint's ``state_dict``), loaded safely:
    files holding pickled objects are refused, never loaded with ``weights_only=False``."""
    weights = Path(weights)
    if not weights.is_file():
        what = "is a folder" if weights.is_dir() else "does not exist"
        raise ModelError(f"model.weights: {weights} {what}; give a state-dict file")
    try:
        state = torch.load(weights, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as e:
        if "Unsupported global" not in str(e):
            raise ModelError(f"model.weights: {weights} is not a PyTorch weights file or is "
                             "damaged; save the weights with torch.save(model.state_dict(), "
                             "path)") from e
        found = re.search(r"GLOBAL ([\w.]+)", str(e))
        what = f" (a {found.group(1)})" if found else ""
        raise ModelError(f"model.weights: {weights} holds pickled Python objects{what}, which "
                         "are not loaded because unpickling can run code; save the weights "
                         "alone with torch.save(model.state_dict(), path)") from e
    except Exception as e:  # noqa: BLE001 - not a torch file, or damaged: the fix is the same
        raise ModelError(f"model.weights: {weights} is not a PyTorch weights file or is damaged "
                         f"({type(e).__name__}: {str(e).split('.')[0]}); save the weights with "
                         "torch.save(model.state_dict(), path)") from e
    if isinstance(state, dict) and isinstance(state.get("state_dict"), dict):
        state = state["state_dict"]
    if isinstance(state, torch.Tensor):
        raise ModelError(f"model.weights: {weights} holds a single tensor, not a state dict "
                         "(parameter names mapped to tensors); save it with "
                         "torch.save(model.state_dict(), path)")
    if not isinstance(state, dict) or not state:
        raise ModelError(f"model.weights: {weights} holds a {type(state).__name__}, not a state "
                         "dict; save it with torch.save(model.state_dict(), path)")
    other = [k for k, v in state.items() if not isinstance(v, torch.Tensor)]
    if other:
        raise ModelError(f"model.weights: {weights} is not a plain state dict: {other[:3]} "
                         "are not tensors (a training checkpoint?); save "
                         "model.state_dict() alone")
    return state


def _examples(keys: list[str], n: int = 3) -> str:
    return ", ".join(keys[:n]) + (f" and {len(keys) - n} more" if len(keys) > n else "")


def state_dict_mismatch(model: nn.Module, state: dict[str, torch.Tensor], in_channels: int
                        ) -> str | None:
    """Why ``state`` does not fit ``model`` (every differing key and shape, summarised, with
    the likely fix), or None when it fits."""
    expected = model.state_dict()
    missing = [k for k in expected if k not in state]
    unexpected = [k for k in state if k not in expected]
    shapes = [k for k in expected if k in state and state[k].shape != expected[k].shape]
    if not (missing or unexpected or shapes):
        return None
    first_conv = next((f"{n}.weight" for n, m in model.named_modules()
                       if isinstance(m, nn.Conv2d)), None)
    if (first_conv in shapes and state[first_conv].ndim == 4
            and state[first_conv].shape[1] != expected[first_conv].shape[1]):
        c = state[first_conv].shape[1]
        return (f"its first convolution ({first_conv}) takes {c} input channel(s) but "
                f"input.channels is {in_channels}; set input.channels: {c}, with {c} "
                "input.mean and input.std values")
    parts = [f"{k} is {tuple(state[k].shape)} in the file but {tuple(expected[k].shape)} in "
             "the model" for k in shapes[:3]]
    if len(shapes) > 3:
        parts.append(f"{len(shapes) - 3} more tensors differ in shape")
    if missing:
        parts.append(f"{len(missing)} key(s) missing from the file ({_examples(missing)})")
    if unexpected:
        parts.append(f"{len(unexpected)} unexpected key(s) in the file "
                     f"({_examples(unexpected)})")
    hint = "check model.architecture and model.kwargs"
    last = next((f"{n}.weight" for n, m in reversed(list(model.named_modules()))
                 if isinstance(m, nn.Linear | nn.Conv2d)), None)
    if last in shapes and state[last].shape[1:] == expected[last].shape[1:]:
        hint = (f"the file's classifier ({last}) has {state[last].shape[0]} outputs: set "
                f"model.kwargs: {{num_classes: {state[last].shape[0]}}} if the architecture "
                "takes it, and study a dataset with as many classes")
    if unexpected and all(k.startswith("module.") for k in unexpected):
        hint = ("its keys start with 'module.' (saved from DataParallel): save "
                "model.module.state_dict()")
    elif unexpected and not missing and not shapes:
        hint = ("drop those keys from the file, or set model.kwargs so the model has them "
                "(e.g. aux_logits: true)")
    return "; ".join(parts) + f"; {hint}"


def load_model(model_cfg: dict[str, Any], weights: str | Path, n_outputs: int, in_channels: int,
               device: torch.device) -> nn.Module:
    """Build the model, load its state dict, and put it in eval mode on ``device``."""
    model = build_model(model_cfg, n_outputs, in_channels)
    state = read_state_dict(weights)
    problem = state_dict_mismatch(model, state, in_channels)
    if problem:
        raise ModelError(f"model.weights: {weights} does not fit the configured model: {problem}")
    model.load_state_dict(state)
    return model.eval().to(device)


def sha256(path: str | Path) -> str:
    """Checksum of a file, streamed."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
