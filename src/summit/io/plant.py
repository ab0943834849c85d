"""Planted features (``dataset.plant``): a small pattern stamped into a share of chosen
classes' images, training and test alike, deterministic by seed. A model trained on them
learns a shortcut we know is there, so the study can be checked for finding it.

Each stamp is a pattern (``checkerboard``, ``dot``, ``stripes``) of ``size`` pixels, placed
by a position rule (a corner, the centre, or ``random`` per image) on ``share`` of each
listed class's images of a split. Which images and where depend only on the seed, the stamp,
the class and the split, so every job that opens the dataset sees the same stamps."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from summit.config import ConfigError

PATTERNS = ("checkerboard", "dot", "stripes")
POSITIONS = ("random", "top_left", "top_right", "bottom_left", "bottom_right", "centre")
SPLITS = {"train": 0, "test": 1}
MARGIN = 1  # pixels between a corner stamp and the image's edge


@dataclass(frozen=True)
class Stamp:
    """One planted pattern and the classes whose images carry it."""

    classes: tuple[int, ...]
    pattern: str
    size: int
    position: str
    share: float


def pattern_pixels(pattern: str, size: int) -> tuple[np.ndarray, np.ndarray]:
    """The pattern as ``size``×``size`` uint8 values (0 or 255) and the mask of the pixels it
    sets: a checkerboard of cells a third of its side, a filled disc, or horizontal stripes
    one pixel high."""
    yy, xx = np.mgrid[:size, :size]
    if pattern == "checkerboard":
        cell = max(1, size // 3)
        on, mask = (yy // cell + xx // cell) % 2 == 0, np.ones((size, size), bool)
    elif pattern == "dot":
        c = (size - 1) / 2
        on = mask = (yy - c) ** 2 + (xx - c) ** 2 <= (size / 2) ** 2
    elif pattern == "stripes":
        on, mask = yy % 2 == 0, np.ones((size, size), bool)
    else:
        raise ValueError(f"unknown pattern {pattern!r}; use one of {PATTERNS}")
    return np.where(on, 255, 0).astype(np.uint8), mask


def corner(position: str, side: int, size: int) -> tuple[int, int]:
    """The (top, left) pixel of a fixed position rule in a ``side``-pixel image."""
    far, mid = side - size - MARGIN, (side - size) // 2
    return {"top_left": (MARGIN, MARGIN), "top_right": (MARGIN, far),
            "bottom_left": (far, MARGIN), "bottom_right": (far, far),
            "centre": (mid, mid)}[position]


def stamp_all(images: np.ndarray, rows: np.ndarray, pattern: str, size: int,
              where: np.ndarray) -> None:
    """Stamp the pattern into ``images`` (uint8, N×H×W or N×H×W×C) in place: into image
    ``rows[j]`` at (top, left) ``where[j]``, all at once."""
    values, mask = pattern_pixels(pattern, size)
    dy, dx = np.nonzero(mask)
    ys = where[:, :1] + dy  # (len(rows), pixels of the mask)
    xs = where[:, 1:] + dx
    images[np.asarray(rows)[:, None], ys, xs] = values[dy, dx] if images.ndim == 3 else \
        values[dy, dx][..., None]


def stamp(pixels: np.ndarray, pattern: str, size: int, top: int, left: int) -> np.ndarray:
    """A copy of one image's ``pixels`` (uint8, H×W or H×W×C) with the pattern at (top, left)."""
    out = np.array(pixels, copy=True)[None]
    stamp_all(out, np.zeros(1, np.int64), pattern, size, np.array([[top, left]]))
    return out[0]


@dataclass(frozen=True)
class Planting:
    """Which image of a split carries which stamp, and where: ``which[i]`` is the stamp's
    number or -1, ``where[i]`` its (top, left)."""

    stamps: tuple[Stamp, ...]
    which: np.ndarray
    where: np.ndarray

    def apply(self, index: int, pixels: np.ndarray) -> np.ndarray:
        """Image ``index``'s pixels with its stamp, if it has one."""
        k = int(self.which[index])
        if k < 0:
            return pixels
        s = self.stamps[k]
        return stamp(pixels, s.pattern, s.size, *map(int, self.where[index]))

    def apply_all(self, images: np.ndarray) -> np.ndarray:
        """A copy of the whole split's ``images`` (uint8, N×H×W[×C]) with every stamp."""
        out = np.array(images, copy=True)
        for k, s in enumerate(self.stamps):
            rows = np.flatnonzero(self.which == k)
            stamp_all(out, rows, s.pattern, s.size, self.where[rows])
        return out


def stamps_of(plant: dict[str, Any], class_id: Callable[[int | str, str], int],
              side: int) -> tuple[Stamp, ...]:
    """``dataset.plant``'s stamps with their classes as ids (``class_id(value, setting)``
    resolves one or raises a one-line error); a one-line error for a class in two stamps or
    a pattern that does not fit a ``side``-pixel image."""
    stamps, seen = [], set()
    for k, s in enumerate(plant.get("stamps") or []):
        key = f"dataset.plant.stamps[{k}]"
        ids = tuple(class_id(c, f"{key}.classes") for c in s["classes"])
        if seen & set(ids) or len(set(ids)) < len(ids):
            raise ConfigError(f"{key}.classes: a class is stamped twice ({list(s['classes'])}); "
                              "give each class one stamp")
        seen |= set(ids)
        if s["size"] + 2 * MARGIN > side:
            raise ConfigError(f"{key}.size: {s['size']} pixels do not fit a {side}-pixel image "
                              f"with a {MARGIN}-pixel margin; make it at most {side - 2 * MARGIN}")
        stamps.append(Stamp(ids, s["pattern"], int(s["size"]), s["position"], float(s["share"])))
    return tuple(stamps)


def planting(plant: dict[str, Any], stamps: tuple[Stamp, ...], labels: np.ndarray,
             split: str, side: int) -> Planting:
    """The stamps of one split of ``labels``: for each stamp and class, the share of the
    class's images drawn without replacement (rounded), and their positions."""
    which = np.full(len(labels), -1, np.int64)
    where = np.zeros((len(labels), 2), np.int64)
    for k, s in enumerate(stamps):
        for c in s.classes:
            rng = np.random.default_rng([int(plant["seed"]), k, c, SPLITS[split]])
            members = np.flatnonzero(np.asarray(labels) == c)
            chosen = np.sort(rng.permutation(members)[:round(s.share * len(members))])
            which[chosen] = k
            if s.position == "random":
                where[chosen] = rng.integers(0, side - s.size + 1, (len(chosen), 2))
            else:
                where[chosen] = corner(s.position, side, s.size)
    return Planting(stamps, which, where)
