"""A plan before the data is there: ``summit plan --stand-in N`` plans the config as if each
class had N images, on a small stand-in folder of the same classes (and random weights where
the configured file is missing), written under the results' plan folder. Nothing the config
names is read; what the calibration times is the model at the configured input size."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

# Images of the calibration class (the pass is timed on up to two of its batches) and of
# every other class (a folder must not be empty).
CALIBRATION_IMAGES = 128
OTHER_IMAGES = 1


def counts(text: str) -> tuple[int, int]:
    """``N`` or ``N:M`` (training, held-out images per class) as numbers."""
    from summit.config import ConfigError

    parts = text.split(":")
    if len(parts) > 2 or not all(x.isdigit() and int(x) > 0 for x in parts):
        raise ConfigError(f"summit plan --stand-in {text}: give N or N:M, the training (and "
                          "held-out) images per class, e.g. --stand-in 1300 or 1300:50")
    return int(parts[0]), int(parts[-1])


def merged_config(configfiles: list[str]) -> dict[str, Any]:
    """config.yaml with the config files merged over it, as Snakemake merges them."""
    from snakemake.utils import update_config

    from summit.config import read_yaml

    config = read_yaml("config.yaml")
    for path in configfiles:
        update_config(config, read_yaml(path))
    return config


def _folders(dataset: dict[str, Any], classes: int | None) -> list[str]:
    """The class folders: ``dataset.class_index``'s (every output's folder), else ``classes``
    numbered ones."""
    from summit.config import ConfigError
    from summit.io.data import class_index

    if dataset.get("class_index"):
        folders = class_index({**dataset, "kind": "image_folder"}).folders
        return sorted(folders, key=folders.get)
    if not classes:
        raise ConfigError("summit plan --stand-in: without dataset.class_index the class "
                          "folders are unknown; give their number with --stand-in-classes N")
    return [f"class{i:04d}" for i in range(classes)]


def _image(path: Path, size: int, channels: int, rng: np.random.Generator | None) -> None:
    """A PNG of the input size: noise (what the calibration times), or flat grey (small)."""
    from PIL import Image

    shape = (size, size, channels) if channels > 1 else (size, size)
    pixels = (rng.integers(0, 256, shape, dtype=np.uint8) if rng is not None
              else np.full(shape, 128, np.uint8))
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(pixels).save(path)


def _folder(root: Path, folders: list[str], first: str, size: int, channels: int) -> None:
    rng = np.random.default_rng(0)
    for name in folders:
        noisy = name == first
        for i in range(CALIBRATION_IMAGES if noisy else OTHER_IMAGES):
            _image(root / name / f"{i:04d}.png", size, channels, rng if noisy else None)


def _first_folder(config: dict[str, Any], folders: list[str]) -> str:
    """The folder of the first studied class (the calibration class)."""
    chosen = config["dataset"].get("classes") or []
    if not chosen:
        return folders[0]
    c = chosen[0]
    return folders[c] if isinstance(c, int) and c < len(folders) else str(c) if str(c) in \
        folders else folders[0]


def _weights(config: dict[str, Any], n_outputs: int, root: Path) -> str | None:
    """The configured weights if the file is there; else an untrained net's (timing does not
    depend on the values); null stays null (the net is trained here)."""
    weights = config["model"].get("weights")
    if not weights or Path(weights).is_file():
        return weights
    import torch

    from summit.model.models import build_model

    path = root / "weights.pt"
    if not path.is_file():
        model = build_model(config["model"], n_outputs, config["input"]["channels"])
        torch.save(model.state_dict(), path)
    return str(path)


def write(configfiles: list[str], classes: int | None) -> tuple[Path, str]:
    """The stand-in folder, weights and an overlay config file under the results' plan
    folder; the overlay's path and a sentence saying what stands in for what."""
    import yaml

    config = merged_config(configfiles)
    root = Path(config["results"]) / "plan" / "stand_in"
    folders = _folders(config["dataset"], classes)
    first = _first_folder(config, folders)
    size, channels = config["input"]["size"], config["input"]["channels"]
    if not (root / "train" / first).is_dir():
        _folder(root / "train", folders, first, size, channels)
    overlay = {"dataset": {"kind": "image_folder", "root": str(root / "train")},
               "model": {"weights": _weights(config, len(folders), root)}}
    if config["dataset"].get("test_root"):
        overlay["dataset"]["test_root"] = str(root / "train")
    path = root / "overlay.yaml"
    path.write_text(yaml.safe_dump(overlay))
    given = config["model"].get("weights")
    note = (f"stand-in data: {len(folders)} class folders under {root} (the config's "
            f"{config['dataset'].get('root')} is not read)"
            + (f"; random weights for the missing {given}" if given and
               overlay["model"]["weights"] != given else ""))
    return path, note
