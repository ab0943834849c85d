"""Datasets the study summarises: the built-in Fashion-MNIST and any image folder.

Both give a torch ``Dataset`` of ``(image tensor, class id)`` pairs that honours the model's
input settings (size, channels, normalisation), plus the list of class names and, per class,
the indices of its images, so per-class jobs stream only their own class.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from PIL import Image, UnidentifiedImageError
from torch.utils.data import Dataset
from torchvision.datasets.folder import IMG_EXTENSIONS

from summit.errors import DataError
from summit.io.class_index import ClassIndex
from summit.io.class_index import load as load_class_index
from summit.io.fashion_mnist import (
    FASHION_MNIST_CLASSES,
    FASHION_MNIST_TRAIN_IMAGES,
    FashionMNIST,
    has_fashion_mnist,
)
from summit.io.pixels import InputSpec, as_model_pixels, pixels_input
from summit.io.plant import Planting, Stamp, planting, stamps_of

log = logging.getLogger(__name__)


class ImageFolderDataset(Dataset):
    """One sub-folder per class, images of any size and mode; unreadable files are skipped.
    Labels are model outputs (``index``); ``folders`` maps each label to its folder."""

    def __init__(self, root: str | Path, spec: InputSpec, index: ClassIndex | None = None,
                 strict: bool = False, key: str = "dataset.root"):
        self.root, self.key = Path(root), key
        index = index or ClassIndex.identity(_subfolders(self.root, key), key)
        self.folders, self.samples = _folder_samples(self.root, key, index)
        self.labels = np.array([c for _, c in self.samples], dtype=np.int64)
        self.spec = spec
        self.strict = strict
        self.skipped: list[str] = []
        self.planting: Planting | None = None

    def plant(self, planting: Planting) -> None:
        """Stamp the planted patterns (``dataset.plant``) into each image as it is read."""
        self.planting = planting

    def pixels(self, i: int) -> np.ndarray:
        """Image ``i`` as the model sees it (uint8), with its planted pattern if any."""
        with Image.open(self.samples[i][0]) as img:
            pixels = np.asarray(as_model_pixels(img, self.spec))
        return self.planting.apply(i, pixels) if self.planting else pixels

    def inputs(self, pixels: np.ndarray) -> torch.Tensor:
        """Images as the model sees them (N×size×size[×C] uint8) as its normalised input."""
        return torch.stack([pixels_input(x, self.spec) for x in pixels])

    def __len__(self) -> int:
        return len(self.samples)

    def __getitem__(self, i: int) -> tuple[torch.Tensor, int]:
        path, label = self.samples[i]
        try:
            return pixels_input(self.pixels(i), self.spec), label
        except (OSError, UnidentifiedImageError, ValueError) as e:
            if self.strict:
                raise DataError(f"{path}: unreadable image ({e}); fix or remove it, or set "
                                "dataset.skip_unreadable: true") from e
            log.warning("skipping unreadable image %s: %s", path, e)
            return torch.full((self.spec.channels, self.spec.size, self.spec.size),
                              float("nan")), -1


def _folder(root: Path, key: str) -> Path:
    """``root`` checked to be a folder; the error says what it is instead."""
    if not root.is_dir():
        what = "is a file, not a folder" if root.exists() else "does not exist"
        raise DataError(f"{key}: {root} {what}; point it at a folder with one sub-folder of "
                        "images per class")
    return root


def _subfolders(root: Path, key: str) -> list[str]:
    """The class folders of an image folder, sorted by name."""
    return sorted(p.name for p in _folder(root, key).iterdir() if p.is_dir())


def _folder_ids(folders: list[str], index: ClassIndex, key: str) -> dict[int, str]:
    """Each class folder's model output, by ``index``; a folder it lacks is an error."""
    unknown = [f for f in folders if f not in index.folders]
    if unknown:
        raise DataError(f"{key}: class folder(s) {unknown[:3]} of {len(folders)} are not in "
                        f"{index.source}; rename them to its folder names (e.g. "
                        f"{next(iter(index.folders))}) or remove them")
    return {index.folders[f]: f for f in folders}


def _folder_samples(root: Path, key: str, index: ClassIndex
                    ) -> tuple[dict[int, str], list[tuple[Path, int]]]:
    """An image folder's class folders by class id and its (image file, class id) pairs,
    listed without reading an image; ``key`` is the setting named in errors."""
    folders = _folder_ids(_subfolders(root, key), index, key)
    if len(folders) < 2:
        raise DataError(f"{key}: {root} holds {len(folders)} class sub-folder(s); a study "
                        "needs at least 2 (one sub-folder of images per class)")
    samples: list[tuple[Path, int]] = []
    for c, name in sorted(folders.items()):
        files = sorted(p for p in (root / name).rglob("*")
                       if p.is_file() and p.suffix.lower() in IMG_EXTENSIONS)
        if not files:
            raise DataError(f"{key}: class folder {root / name} holds no images "
                            f"({', '.join(IMG_EXTENSIONS)}); add images or remove it")
        samples += [(p, c) for p in files]
    return folders, samples


def no_readable_image(dataset: Dataset, class_id: int, n_images: int) -> DataError:
    """The error for a class none of whose ``n_images`` images could be read: a study of it
    would look normal (an empty graph, plain stats) and be wrong, so it stops instead."""
    where = (f"class folder {dataset.root / dataset.folders[class_id]}"
             if isinstance(dataset, ImageFolderDataset) else f"class {class_id}")
    key = dataset.key if isinstance(dataset, ImageFolderDataset) else "dataset.root"
    return DataError(f"{key}: {where}: none of its {n_images} images could be read (the log "
                     "names each file's error); fix or replace them, or leave the class out "
                     "with dataset.classes")


def display_image(dataset: Dataset, index: int) -> np.ndarray:
    """Image ``index`` as uint8 pixels at the model's input size, before normalisation."""
    if isinstance(dataset, FashionMNIST):
        x = dataset[index][0]  # normalised (C, size, size)
        mean = torch.tensor(dataset.spec.mean).view(-1, 1, 1)
        std = torch.tensor(dataset.spec.std).view(-1, 1, 1)
        pixels = ((x * std + mean).clamp(0, 1) * 255).round().to(torch.uint8)
        return pixels.permute(1, 2, 0).squeeze(-1).numpy()
    return dataset.pixels(index)


def open_dataset(dataset_cfg: dict[str, Any], spec: InputSpec, split: str = "train",
                 download: str | Path | None = None) -> Dataset:
    """The configured dataset's ``split`` ("train" is summarised, "test" measures accuracy);
    ``download`` is where the built-in may be downloaded when ``dataset.root`` lacks it."""
    kind = dataset_cfg["kind"]
    if kind == "fashion_mnist":
        dataset = FashionMNIST(dataset_cfg["root"], split, spec, download)
    elif kind == "image_folder":
        strict = not dataset_cfg.get("skip_unreadable", True)
        index = class_index(dataset_cfg)
        dataset = (ImageFolderDataset(dataset_cfg["root"], spec, index, strict)
                   if split == "train" else
                   ImageFolderDataset(evaluation_root(dataset_cfg), spec, index, strict,
                                      key="dataset.test_root"))
    else:
        raise DataError(f"dataset.kind: unknown kind {kind!r}; use fashion_mnist or "
                        "image_folder")
    stamps = planted_stamps(dataset_cfg, spec)
    if stamps:
        dataset.plant(planting(dataset_cfg["plant"], stamps, dataset.labels, split,
                               plant_side(dataset_cfg, spec)))
    return dataset


def plant_side(dataset_cfg: dict[str, Any], spec: InputSpec) -> int:
    """The side in pixels of the images stamps go into: Fashion-MNIST's own 28, else the
    model's input size."""
    return 28 if dataset_cfg["kind"] == "fashion_mnist" else spec.size


def planted_stamps(dataset_cfg: dict[str, Any], spec: InputSpec) -> tuple[Stamp, ...]:
    """``dataset.plant``'s stamps, checked (their classes, of the study, and their fit),
    cheaply."""
    plant = dataset_cfg.get("plant") or {}
    if not plant.get("stamps"):
        return ()
    studied = study_classes(dataset_cfg)
    return stamps_of(plant, lambda value, key: class_id(dataset_cfg, value, key, studied),
                     plant_side(dataset_cfg, spec))


def evaluation_root(dataset_cfg: dict[str, Any]) -> Path | None:
    """The folder of held-out test images: None for the built-in (its test split ships with
    it); for an image folder ``dataset.test_root``, checked to be set and to hold the classes
    of ``dataset.root`` (without a class index, other classes would shift every class id;
    with one, each test folder must be in it)."""
    if dataset_cfg["kind"] != "image_folder":
        return None
    root = dataset_cfg.get("test_root")
    if root is None:
        raise DataError("dataset.test_root: not set, and training the model on an image "
                        "folder needs test images to measure accuracy on; set it to a folder "
                        "laid out like dataset.root (or give model.weights)")
    classes = _subfolders(Path(root), "dataset.test_root")
    if dataset_cfg.get("class_index"):
        _folder_ids(classes, class_index(dataset_cfg), "dataset.test_root")
        return Path(root)
    train_classes = class_names(dataset_cfg)
    if classes != train_classes:
        diff = sorted(set(classes) ^ set(train_classes))
        raise DataError(f"dataset.test_root: its class folders differ from dataset.root's "
                        f"({diff[:5]}); class ids are sorted folder names, so both need the "
                        "same class folders (or map folders to outputs with "
                        "dataset.class_index)")
    return Path(root)


def train_image_count(dataset_cfg: dict[str, Any]) -> int:
    """How many training images the dataset has, without reading one."""
    if dataset_cfg["kind"] == "fashion_mnist":
        return FASHION_MNIST_TRAIN_IMAGES
    return len(_folder_samples(Path(dataset_cfg["root"]), "dataset.root",
                               class_index(dataset_cfg))[1])


def download_params(dataset_cfg: dict[str, Any], results: str) -> dict[str, str]:
    """``{"download": folder under results}`` for the steps that open the dataset when the
    built-in's files are absent from ``dataset.root``, else nothing (their params, and so
    Snakemake's reruns, unchanged where no download happens)."""
    if dataset_cfg["kind"] != "fashion_mnist" or has_fashion_mnist(Path(dataset_cfg["root"])):
        return {}
    return {"download": f"{results}/data/download"}


def class_index(dataset_cfg: dict[str, Any]) -> ClassIndex:
    """The map between the dataset's classes and the model's outputs (``dataset.class_index``,
    else one output per class, in sorted folder order)."""
    setting = dataset_cfg.get("class_index")
    if dataset_cfg["kind"] == "fashion_mnist":
        if setting:
            raise DataError("dataset.class_index: Fashion-MNIST's classes are its model "
                            "outputs 0-9; remove dataset.class_index")
        return ClassIndex.identity(FASHION_MNIST_CLASSES, "Fashion-MNIST")
    if setting:
        return load_class_index(setting)
    return ClassIndex.identity(_subfolders(Path(dataset_cfg["root"]), "dataset.root"))


def class_names(dataset_cfg: dict[str, Any]) -> list[str]:
    """Display names of the model's outputs, in class-id order, cheaply (no image is read)."""
    return list(class_index(dataset_cfg).names)


def class_folders(dataset_cfg: dict[str, Any]) -> dict[int, str]:
    """The dataset's classes: class id (model output) to folder name (for the built-in, its
    class name), checked against the class index, cheaply."""
    index = class_index(dataset_cfg)
    if dataset_cfg["kind"] == "fashion_mnist":
        return dict(enumerate(index.names))
    return _folder_ids(_subfolders(Path(dataset_cfg["root"]), "dataset.root"), index,
                       "dataset.root")


def class_id(dataset_cfg: dict[str, Any], value: int | str, key: str,
             among: Sequence[int] | None = None) -> int:
    """A class given in setting ``key`` by id (digits too), folder name or display name, as
    its id; a one-line error unless it is one of the dataset's classes (and of ``among``,
    the study's, when given)."""
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    cid = class_index(dataset_cfg).class_id(value, class_folders(dataset_cfg), key)
    if among is not None and cid not in among:
        raise DataError(f"{key}: {value!r} is not a class of this study (dataset.classes); "
                        "name one of the classes it studies")
    return cid


def study_classes(dataset_cfg: dict[str, Any]) -> list[int]:
    """Ids of the classes the study covers: all the dataset's, or the configured subset
    (by id, folder name or display name; each once)."""
    present = class_folders(dataset_cfg)
    chosen = dataset_cfg.get("classes")
    if not chosen:
        return sorted(present)
    index = class_index(dataset_cfg)
    ids = [index.class_id(c, present) for c in chosen]
    twice = sorted({c for c in ids if ids.count(c) > 1})
    if twice:
        said = [v for v, c in zip(chosen, ids, strict=True) if c == twice[0]]
        raise DataError(f"dataset.classes: {chosen} lists class {twice[0]} "
                        f"({index.names[twice[0]]}) {len(said)} times (as "
                        f"{', '.join(map(repr, said))}); list each class once")
    return sorted(ids)


def class_image_indices(labels: np.ndarray, class_id: int,
                        max_images: int | None = None) -> np.ndarray:
    """Indices of a class's images, in dataset order, capped at ``max_images``."""
    idx = np.flatnonzero(labels == class_id)
    return idx[:max_images] if max_images else idx


def subset_indices(labels: np.ndarray, class_ids: Sequence[int],
                   max_per_class: int | None) -> np.ndarray:
    """Indices of the given classes' images, each class capped at ``max_per_class``."""
    parts = [class_image_indices(labels, c, max_per_class) for c in class_ids]
    return np.sort(np.concatenate(parts)) if parts else np.zeros(0, np.int64)


def sample_indices(labels: np.ndarray, class_ids: Sequence[int], per_class: int,
                   seed: int) -> np.ndarray:
    """Up to ``per_class`` indices of each class's images drawn at random (seeded by
    ``seed`` and the class, so a class's sample does not depend on the others), sorted."""
    parts = []
    for c in class_ids:
        idx = np.flatnonzero(labels == c)
        rng = np.random.default_rng([seed, c])
        parts.append(rng.choice(idx, min(per_class, len(idx)), replace=False))
    return np.sort(np.concatenate(parts)) if parts else np.zeros(0, np.int64)


def evaluation_split(dataset_cfg: dict[str, Any]) -> str:
    """The split of held-out images: ``test`` where the dataset has one (the built-in, or
    an image folder with ``dataset.test_root``), else ``train`` (the graphs' own images)."""
    if dataset_cfg["kind"] == "image_folder" and dataset_cfg.get("test_root") is None:
        return "train"
    return "test"
