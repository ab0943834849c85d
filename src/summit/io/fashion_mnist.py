"""The built-in Fashion-MNIST, read straight from its idx files (Debian's
dataset-fashion-mnist), downloaded under the results only where they are absent."""

from __future__ import annotations

import contextlib
import gzip
import tempfile
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import Dataset

from summit.errors import DataError
from summit.io.pixels import InputSpec
from summit.io.plant import Planting

FASHION_MNIST_CLASSES = [
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
]
FASHION_MNIST_FILES = {
    "train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
    "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
}
FASHION_MNIST_TRAIN_IMAGES = 60_000


class FashionMNIST(Dataset):
    """Fashion-MNIST read straight from the idx gz files (Debian's dataset-fashion-mnist).

    Where ``root`` lacks them they are downloaded into ``download`` (a folder under the
    results, so nothing is written elsewhere); without ``download`` that is an error.
    """

    def __init__(self, root: str | Path, split: str, spec: InputSpec,
                 download: str | Path | None = None):
        root = Path(root)
        image_file, label_file = FASHION_MNIST_FILES[split]
        if not (root / image_file).exists():
            root = download_fashion_mnist(root, download)
        with gzip.open(root / image_file) as f:
            self.images = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 28, 28)
        with gzip.open(root / label_file) as f:
            self.labels = np.frombuffer(f.read(), np.uint8, offset=8).astype(np.int64)
        self.spec = spec
        self.planting: Planting | None = None

    def plant(self, planting: Planting) -> None:
        """Stamp the planted patterns into the images (``dataset.plant``), once."""
        self.images, self.planting = planting.apply_all(self.images), planting

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, i: int) -> tuple[torch.Tensor, int]:
        return self.inputs(self.images[i:i + 1])[0], int(self.labels[i])

    def pixels(self, i: int) -> np.ndarray:
        """Image ``i``'s 28-pixel uint8 pixels (with its planted pattern, if any)."""
        return self.images[i]

    def inputs(self, pixels: np.ndarray) -> torch.Tensor:
        """28-pixel uint8 images (N×28×28) as the model's normalised (N, C, size, size)
        input, batch at a time."""
        x = torch.from_numpy(np.asarray(pixels)).float().div_(255.0).unsqueeze(1)
        if self.spec.size != 28:
            x = torch.nn.functional.interpolate(x, size=self.spec.size, mode="bilinear",
                                                align_corners=False)
        if self.spec.channels == 3:
            x = x.expand(-1, 3, -1, -1)
        return self.spec.normalise(x)


def has_fashion_mnist(folder: Path) -> bool:
    """Whether ``folder`` holds all four idx files."""
    return all((folder / name).exists() for pair in FASHION_MNIST_FILES.values() for name in pair)


FASHION_MNIST_HELP = ("install them with `apt-get install dataset-fashion-mnist` or point "
                      "dataset.root at a folder holding train-images-idx3-ubyte.gz etc.")


def download_fashion_mnist(root: Path, download: str | Path | None) -> Path:
    """Fall back to torchvision's downloader where the Debian package is absent: once into
    ``download``, through a temporary folder there, so neither a failed download nor two jobs
    downloading at once leave partial files where the next job looks."""
    if download is None:
        raise DataError(f"dataset.root: Fashion-MNIST files not found in {root}; "
                        f"{FASHION_MNIST_HELP}")
    folder = Path(download) / "fashion-mnist"
    if has_fashion_mnist(folder):
        return folder
    from torchvision.datasets import FashionMNIST as TV

    Path(download).mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=download, prefix="partial-") as tmp:
        try:
            TV(tmp, download=True)
        except Exception as e:  # noqa: BLE001 - any download failure means the same fix
            raise DataError(f"dataset.root: Fashion-MNIST files not found in {root} and "
                            f"download failed ({e}); {FASHION_MNIST_HELP}") from e
        with contextlib.suppress(OSError):  # another job's download got there first
            (Path(tmp) / "FashionMNIST" / "raw").rename(folder)
    return folder
