"""Start-up checks: what only running the model would otherwise reveal, found before any job.

The workflow calls :func:`check_model` while Snakemake builds the job graph (so also in a dry
run): it builds the configured architecture with random weights, checks the weights file
against it, and traces it on one dummy input, so a wrong layer name, a layer that is not a
feature map, an input size or channel count the model does not take, a wrong number of
outputs or an unfit weights file fail in one line before the demo model trains for minutes.
A passed check is remembered by a hash of everything it depends on (the model, input and
dataset settings, the weights file's size and time, this package's code), so jobs that
re-read the workflow on a cluster node do not repeat it.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from importlib import resources
from pathlib import Path
from typing import Any

from summit.config import ConfigError
from summit.io.class_index import ClassIndex
from summit.io.data import IMG_EXTENSIONS, DataError, class_folders, class_index, evaluation_root
from summit.io.files import read_json, write_json

CACHE = ".cache/startup"


def _has_image(folder: Path) -> bool:
    """Whether ``folder`` (recursively) holds a file with an image extension; stops at the first."""
    for _, _, files in os.walk(folder):
        if any(f.lower().endswith(IMG_EXTENSIONS) for f in files):
            return True
    return False


def check_dataset(dataset_cfg: dict[str, Any], classes: list[int]) -> None:
    """An image folder's layout: at least two classes, an image in every studied class, and
    where ``dataset.test_root`` is set, the same of its class folders. Cheap: no image is
    read."""
    if dataset_cfg["kind"] != "image_folder":
        return
    root, folders = Path(dataset_cfg["root"]), class_folders(dataset_cfg)
    if len(folders) < 2:
        raise DataError(f"dataset.root: {root} holds {len(folders)} class sub-folder(s); a "
                        "study needs at least 2 (one sub-folder of images per class)")
    for c in classes:
        if not _has_image(root / folders[c]):
            raise DataError(f"dataset.root: class folder {root / folders[c]} holds no images "
                            f"({', '.join(IMG_EXTENSIONS)}); add images, or leave the class "
                            "out with dataset.classes")
    if dataset_cfg.get("test_root") is None:
        return
    test = evaluation_root(dataset_cfg)
    for c in classes:
        if not _has_image(test / folders[c]):
            raise DataError(f"dataset.test_root: {test / folders[c]} holds no images; give "
                            "every studied class held-out images, or leave the class out with "
                            "dataset.classes")


def _key(model_cfg: dict[str, Any], input_cfg: dict[str, Any], layers: list[str],
         index: ClassIndex, weights: str | None) -> str:
    """A hash of everything the check depends on."""
    digest = hashlib.sha256()
    stat = os.stat(weights) if weights and os.path.isfile(weights) else None
    digest.update(json.dumps([model_cfg, input_cfg, layers, index.names, index.folders,
                              index.exact, weights,
                              stat and [stat.st_size, stat.st_mtime_ns]],
                             sort_keys=True, default=str).encode())
    package = Path(str(resources.files("summit")))
    for source in sorted(package.rglob("*.py")):  # every module, sub-packages included
        digest.update(source.relative_to(package).as_posix().encode())
        digest.update(source.read_bytes())
    return digest.hexdigest()[:32]


def check_model(model_cfg: dict[str, Any], input_cfg: dict[str, Any], layers: list[str],
                dataset_cfg: dict[str, Any], weights: str | None, results: str
                ) -> dict[str, list[int]]:
    """Raise a one-line SummitError if the configured model cannot be studied as configured;
    else the primary layers' (channels, height, width).

    ``weights`` is the state-dict file to check, or None where the workflow makes it.
    """
    index = class_index(dataset_cfg)
    key = _key(model_cfg, input_cfg, layers, index, weights)
    marker = Path(results) / CACHE / f"{key}.json"
    if marker.is_file():
        return read_json(marker)["layers"]
    layer_shapes = _trace(model_cfg, input_cfg, layers, index, weights)
    write_json(marker, {"model": model_cfg, "layers": layer_shapes})
    return layer_shapes


def resolve_layers(layers: list[str] | str, model_cfg: dict[str, Any],
                   input_cfg: dict[str, Any], dataset_cfg: dict[str, Any], results: str
                   ) -> list[str]:
    """The primary layers: as configured, or for ``auto`` the model's block outputs
    (``summit.model.layers``), found on the untrained architecture once and cached."""
    if layers != "auto":
        return list(layers)
    index = class_index(dataset_cfg)
    key = _key(model_cfg, input_cfg, ["auto"], index, None)
    marker = Path(results) / CACHE / f"auto-{key}.json"
    if marker.is_file():
        return read_json(marker)["layers"]
    import torch

    from summit.io.data import InputSpec
    from summit.model.layers import auto_layers, candidates
    from summit.model.models import ModelError, build_model

    spec = InputSpec.from_config(input_cfg)
    torch.manual_seed(0)
    model = build_model(model_cfg, len(index.names), spec.channels).eval()
    _check_input_channels(model, spec.channels)
    example = torch.zeros(1, spec.channels, spec.size, spec.size)
    try:
        found = auto_layers(candidates(model, example))
    except Exception as e:  # noqa: BLE001 - the forward fails in many ways; the fix is the same
        reason = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise ModelError(f"input.size: the model cannot take a {tuple(example.shape)} input "
                         f"({reason}); set input.size/channels to what it expects") from e
    if len(found) < 2:
        raise ConfigError(f"layers: auto found {len(found)} block or activation output(s) in "
                          "the model; list two or more module names (see `summit layers "
                          "--model …`)")
    write_json(marker, {"model": model_cfg, "layers": found})
    return found


def check_channels(key: str, channels: dict[str, list[int]],
                   layer_shapes: dict[str, list[int]]) -> None:
    """Channels named per layer by setting ``key`` exist in the traced model."""
    for layer, chosen in channels.items():
        if layer not in layer_shapes:
            raise ConfigError(f"{key}: {layer!r} is not one of the primary layers "
                              f"{list(layer_shapes)}; name channels of those")
        n = layer_shapes[layer][0]
        wrong = [c for c in chosen if not 0 <= c < n]
        if wrong:
            raise ConfigError(f"{key}.{layer}: channel(s) {wrong} out of range; {layer} has "
                              f"{n} channels, 0 to {n - 1}")


def _check_input_channels(model: Any, channels: int) -> None:
    """The model's first convolution takes ``input.channels``."""
    from torch import nn

    from summit.model.models import ModelError

    first = next(((n, m) for n, m in model.named_modules() if isinstance(m, nn.Conv2d)), None)
    if first and first[1].in_channels != channels:
        c = first[1].in_channels
        raise ModelError(f"input.channels: {channels}, but the model's first convolution "
                         f"({first[0]}) takes {c} channel(s); set input.channels: {c}, with {c} "
                         "input.mean and input.std values")


def _trace(model_cfg: dict[str, Any], input_cfg: dict[str, Any], layers: list[str],
           index: ClassIndex, weights: str | None) -> dict[str, list[int]]:
    """Build, check the weights, trace; the primary layers' (C, H, W)."""
    import torch

    from summit.io.data import InputSpec
    from summit.model.hops import trace_structure
    from summit.model.models import ModelError, build_model
    from summit.model.weights import model_weights

    spec = InputSpec.from_config(input_cfg)
    torch.manual_seed(0)
    model = build_model(model_cfg, len(index.names), spec.channels).eval()
    if weights is not None:  # once per weights file (the check is cached): what was unwrapped
        for note in model_weights(model, weights, spec.channels)[1]:
            print(f"summit: model.weights: {weights}: {note}", file=sys.stderr, flush=True)
    _check_input_channels(model, spec.channels)
    example = torch.zeros(1, spec.channels, spec.size, spec.size)
    structure = trace_structure(model, layers, example)
    with torch.no_grad():
        out = model(example)
    if not isinstance(out, torch.Tensor) or out.ndim != 2:
        what = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
        raise ModelError(f"model: its forward returns {what}, not class scores of shape "
                         "(images, classes); wrap it so it returns the logits alone")
    if not index.fits(out.shape[1]):
        raise ModelError(_outputs_message(out.shape[1], index))
    return {x.name: [x.channels, x.height, x.width] for x in structure.layers}


def _outputs_message(n_outputs: int, index: ClassIndex) -> str:
    """Why a model with ``n_outputs`` outputs does not fit the dataset's classes, and the fix."""
    n = len(index.names)
    if not index.given:
        return (f"model: it has {n_outputs} outputs but the dataset has {n} classes "
                f"(dataset.root); give a model with one output per class (e.g. model.kwargs: "
                f"{{num_classes: {n}}}), or say which output each class folder is with "
                "dataset.class_index (imagenet for folders named by WordNet id, or a file)")
    names = f"names {n} outputs" if index.exact else f"maps a class folder to output {n - 1}"
    return (f"model: it has {n_outputs} outputs but {index.source} {names}; give the class "
            "index of this model's own outputs")


def write_plan_facts(config: dict[str, Any], facts: dict[str, Any], results: str) -> None:
    """For ``summit plan``: the resolved config and facts, under the results' plan folder,
    and where they are (on stderr, which the command reads)."""
    from summit.io.files import write_json

    path = Path(results) / "plan" / "facts.json"
    write_json(path, {"config": config, "facts": facts})
    print(f"summit: plan facts in {path}", file=sys.stderr, flush=True)
