"""A 1000-class image folder made from Fashion-MNIST, to rehearse the paper's scale (ImageNet's
1000 classes) on this machine: ``python -m summit.dev.rehearsal OUT`` writes
``OUT/train/<class>/*.png`` and ``OUT/test/<class>/*.png`` (8-bit grey, 28×28) and
``OUT/manifest.json``; ``config/examples/rehearsal_1000.yaml`` studies it.

Each rehearsal class is one Fashion-MNIST class under one of ``--transforms`` transforms
(default 100, at most 128). A Fashion-MNIST class's images of a split are cut, in dataset
order, into ``transforms`` consecutive disjoint blocks of equal size, block t rendered under
transform t, so the folder holds about as many images as Fashion-MNIST (60 000 + 10 000).

Transform t is four independent, deterministic edits, each one a CNN sees anywhere in the
image, applied in this order (``t = rot + 4 * (inv + 2 * (frame + 2 * mark))``):

- ``rot``: turned by rot·90° counter-clockwise (``np.rot90``);
- ``inv``: intensities inverted (255 − x): a white background;
- ``frame``: the outermost pixel ring set to grey 128;
- ``mark``: none (0) or a 4×4 checkerboard (2×2 cells, white top-left and bottom-right,
  black elsewhere: visible on any background and garment) in one of 7 places 2 px from the
  edges: top-left, top-right, bottom-left, bottom-right, top, bottom, left.

A horizontal flip, the obvious fifth edit, is left out: most garments (T-shirts, trousers,
pullovers, dresses, coats, bags) are mirror-symmetric, so a flipped class would be a copy of
its unflipped twin that no network could tell apart. Two transforms differ in at least one
edit, so they give different images of an image unless it is symmetric under the edits
that differ (the test checks all 128 pairwise on a random image).

Class folders are named ``<id>_<garment>_<transform>``, e.g. ``0000_T-shirt-top_rot0`` and
``0105_Trouser_rot90_inv_frame``: the zero-padded id (class index in ``--classes`` ×
transforms + t) makes sorted names the class ids. Images are named by their Fashion-MNIST
index in the split. The build goes to ``OUT.partial`` (removed first if an interrupted build
left it), which becomes ``OUT`` only when complete, manifest last; an existing ``OUT`` is kept
when its manifest records the same settings and refused otherwise.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from summit.errors import SummitError
from summit.io.fashion_mnist import FASHION_MNIST_CLASSES, FashionMNIST
from summit.io.files import write_json
from summit.io.pixels import InputSpec

VERSION = 1
FMNIST = "/usr/share/datasets/fashion-mnist"
MAX_TRANSFORMS = 128
SIDE, MARK, GREY = 28, 4, 128
# Marker places (name, top row, left column), 2 px from the edges: inside the frame.
MARKS = (("tl", 2, 2), ("tr", 2, 22), ("bl", 22, 2), ("br", 22, 22),
         ("top", 2, 12), ("bottom", 22, 12), ("left", 12, 2))
CHECKER = np.kron(np.array([[255, 0], [0, 255]], np.uint8), np.ones((2, 2), np.uint8))


class RehearsalError(SummitError):
    """The rehearsal folder cannot be built as asked; the message says why and what to do."""


@dataclass(frozen=True)
class Transform:
    """One rehearsal transform: quarter turns, inversion, grey frame, marker place (0: none)."""

    rot: int
    inv: bool
    frame: bool
    mark: int

    @classmethod
    def of(cls, t: int) -> Transform:
        """Transform number ``t`` (0 ≤ t < 128) of the scheme in the module docstring."""
        if not 0 <= t < MAX_TRANSFORMS:
            raise RehearsalError(f"transform {t} out of range 0..{MAX_TRANSFORMS - 1}")
        return cls(t % 4, bool(t // 4 % 2), bool(t // 8 % 2), t // 16)

    @property
    def name(self) -> str:
        """Readable description, part of the class folder's name: ``rot90_inv_mark-tl``."""
        parts = [f"rot{90 * self.rot}"] + ["inv"] * self.inv + ["frame"] * self.frame
        return "_".join(parts + ([f"mark-{MARKS[self.mark - 1][0]}"] if self.mark else []))

    def apply(self, images: np.ndarray) -> np.ndarray:
        """The transform of a (N, 28, 28) uint8 stack, vectorized over the images."""
        x = np.rot90(images, self.rot, axes=(1, 2))
        x = 255 - x if self.inv else x.copy()
        if self.frame:
            x[:, [0, -1], :] = GREY
            x[:, :, [0, -1]] = GREY
        if self.mark:
            _, top, left = MARKS[self.mark - 1]
            x[:, top:top + MARK, left:left + MARK] = CHECKER
        return np.ascontiguousarray(x)


@dataclass(frozen=True)
class Settings:
    """What a build is made from; its manifest records them, so a re-run can tell its own."""

    transforms: int = 100
    classes: tuple[int, ...] = tuple(range(10))
    train_per_class: int | None = None
    test_per_class: int | None = None
    root: str = FMNIST

    def check(self) -> None:
        """Refuse settings the folder cannot be built from, in one line."""
        if not 1 <= self.transforms <= MAX_TRANSFORMS:
            raise RehearsalError(f"--transforms {self.transforms}: give 1 to {MAX_TRANSFORMS}")
        bad = [c for c in self.classes if not 0 <= c < len(FASHION_MNIST_CLASSES)]
        if bad or not self.classes or len(set(self.classes)) < len(self.classes):
            raise RehearsalError(f"--classes {list(self.classes)}: give distinct Fashion-MNIST "
                                 "class ids 0 to 9")
        for flag, n in (("--train-per-class", self.train_per_class),
                        ("--test-per-class", self.test_per_class)):
            if n is not None and n < 1:
                raise RehearsalError(f"{flag} {n}: give at least 1 (or leave it out)")

    def as_json(self) -> dict[str, Any]:
        return {**asdict(self), "classes": list(self.classes)}


def slug(name: str) -> str:
    """A Fashion-MNIST class name as a folder-name part: ``T-shirt/top`` → ``T-shirt-top``."""
    return re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-")


def folder_names(settings: Settings) -> list[str]:
    """The class folders in class-id order (which is their sorted order)."""
    return [f"{i * settings.transforms + t:04d}_{slug(FASHION_MNIST_CLASSES[c])}_"
            f"{Transform.of(t).name}"
            for i, c in enumerate(settings.classes) for t in range(settings.transforms)]


def blocks(labels: np.ndarray, c: int, transforms: int, per_class: int | None,
           flag: str) -> np.ndarray:
    """Class ``c``'s image indices as (transforms, per_class): row t is block t, in dataset
    order; ``per_class`` None divides all its images evenly (the remainder is left out)."""
    idx = np.flatnonzero(labels == c)
    n = len(idx) // transforms if per_class is None else per_class
    if n < 1 or n * transforms > len(idx):
        raise RehearsalError(f"{flag}: {transforms} transforms × {max(n, 1)} images need "
                             f"{transforms * max(n, 1)} images of {FASHION_MNIST_CLASSES[c]}, "
                             f"which has {len(idx)}; ask for fewer")
    return idx[:n * transforms].reshape(transforms, n)


def _write_split(folder: Path, split: str, settings: Settings,
                 log: Callable[[str], None]) -> dict[str, Any]:
    """One split's class folders; its image count per class and pixel moments (in [0, 1])."""
    data = FashionMNIST(settings.root, split, InputSpec(SIDE, 1, (0.0,), (1.0,)))
    per_class = settings.train_per_class if split == "train" else settings.test_per_class
    names = iter(folder_names(settings))
    total, moments = 0, np.zeros(2)
    for c in settings.classes:
        rows = blocks(data.labels, c, settings.transforms, per_class, f"--{split}-per-class")
        for t, row in enumerate(rows):
            images = Transform.of(t).apply(data.images[row])
            (target := folder / next(names)).mkdir(parents=True)
            for i, image in zip(row, images, strict=True):
                Image.fromarray(image).save(target / f"{i:05d}.png", compress_level=1)
            pixels = images.astype(np.float64) / 255
            moments += (pixels.sum(), np.square(pixels).sum())
            total += images.size
        log(f"{split}: {FASHION_MNIST_CLASSES[c]}: {settings.transforms} folders of "
            f"{rows.shape[1]} images")
    mean = moments[0] / total
    return {"images_per_class": int(rows.shape[1]), "mean": round(float(mean), 4),
            "std": round(float(np.sqrt(moments[1] / total - mean ** 2)), 4)}


def manifest(out: Path) -> dict[str, Any] | None:
    """A finished build's manifest, or None where ``out`` holds none (or a broken one)."""
    try:
        found = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return found if isinstance(found, dict) and found.get("version") == VERSION else None


def build(out: str | Path, settings: Settings, log: Callable[[str], None] = print
          ) -> dict[str, Any]:
    """Build the rehearsal folder at ``out`` (see the module docstring); its manifest.

    An ``out`` already built with the same settings is left as it is; any other existing
    ``out`` is refused rather than overwritten or mixed with.
    """
    settings.check()
    out = Path(out)
    if out.exists():
        found = manifest(out)
        if found is not None and found["settings"] == settings.as_json():
            log(f"{out}: already built with these settings")
            return found
        why = ("built with other settings" if found is not None
               else "not a finished rehearsal build")
        raise RehearsalError(f"{out}: exists and is {why}; remove it or choose another OUT")
    partial = out.with_name(out.name + ".partial")
    if partial.exists():  # an interrupted build: start it again
        shutil.rmtree(partial)
    partial.mkdir(parents=True)
    splits = {split: _write_split(partial / split, split, settings, log)
              for split in ("train", "test")}
    found = {"version": VERSION, "settings": settings.as_json(),
             "classes": settings.transforms * len(settings.classes), **splits}
    write_json(partial / "manifest.json", found)
    partial.rename(out)
    return found


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m summit.dev.rehearsal",
                                     description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path, metavar="OUT", help="the folder to build")
    parser.add_argument("--transforms", type=int, default=100,
                        help=f"transforms per Fashion-MNIST class, 1 to {MAX_TRANSFORMS} "
                             "(default 100)")
    parser.add_argument("--classes", type=int, nargs="+", default=list(range(10)),
                        help="Fashion-MNIST class ids (default all 10)")
    parser.add_argument("--train-per-class", type=int, default=None, metavar="N",
                        help="training images per rehearsal class (default: all, evenly)")
    parser.add_argument("--test-per-class", type=int, default=None, metavar="M",
                        help="test images per rehearsal class (default: all, evenly)")
    parser.add_argument("--root", default=FMNIST,
                        help=f"folder of the Fashion-MNIST idx files (default {FMNIST})")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Build OUT; a refusal or a bad setting is one line on stderr and exit status 2."""
    args = _parser().parse_args(argv)
    settings = Settings(args.transforms, tuple(args.classes), args.train_per_class,
                        args.test_per_class, str(Path(args.root).resolve()))
    start = time.perf_counter()
    try:
        found = build(args.out, settings)
    except SummitError as e:
        print(f"summit.dev.rehearsal: error: {e}", file=sys.stderr)
        return 2
    print(f"{args.out}: {found['classes']} classes, {found['train']['images_per_class']} train "
          f"and {found['test']['images_per_class']} test images each, train pixel mean "
          f"{found['train']['mean']} std {found['train']['std']} "
          f"({time.perf_counter() - start:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
