"""Image atlases: one PNG per layer and kind, so the site fetches a layer's images at once.

The geometry is stated here once and written into each atlas's index (``summit.io.artifacts``),
where the figures (below) and the site (``site/js/sprites.js``, tested on a shared vector)
read it:

- dataset examples: ``per_row`` channels per atlas row, ``n`` patches per channel, each
  ``thumbnail`` pixels square; channel c's patch k is at
  x = ((c mod per_row)·n + k)·thumbnail, y = ⌊c / per_row⌋·thumbnail;
- feature visualizations: one row per rendered channel (``channels[i]`` fills row i), its
  render then its diversity images, each ``size`` pixels square: image j at x = j·size,
  y = i·size.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from summit.io.artifacts import ExamplesIndex, FeatvisIndex
from summit.io.files import read_json


def examples_per_row(channels: int, n: int) -> int:
    """Channels per dataset-example atlas row: a roughly square sheet browsers can decode."""
    return max(1, int(np.ceil(np.sqrt(channels / n))))


def example_origin(channel: int, k: int, n: int, per_row: int, thumbnail: int
                   ) -> tuple[int, int]:
    """Top-left pixel of channel ``channel``'s patch ``k`` in a dataset-example atlas."""
    return ((channel % per_row) * n + k) * thumbnail, (channel // per_row) * thumbnail


def pack_examples(patches: list[list[np.ndarray]], n: int, thumbnail: int, rgb: bool
                  ) -> Image.Image:
    """A dataset-example atlas from each channel's patches (uint8, any size: resized)."""
    per_row = examples_per_row(len(patches), n)
    mode = "RGB" if rgb else "L"
    atlas = Image.new(mode, (per_row * n * thumbnail, -(-len(patches) // per_row) * thumbnail),
                      color=(255, 255, 255) if rgb else 255)
    for c, channel in enumerate(patches):
        for k, patch in enumerate(channel):
            tile = Image.fromarray(patch).convert(mode).resize((thumbnail, thumbnail),
                                                               Image.BILINEAR)
            atlas.paste(tile, example_origin(c, k, n, per_row, thumbnail))
    return atlas


def pack_featvis(images: np.ndarray, rgb: bool) -> Image.Image:
    """A feature-visualization atlas from renders (channels, per_channel, size, size, colours)
    in [0, 1]: a row per channel."""
    n, per_channel, size = images.shape[0], images.shape[1], images.shape[2]
    mode = "RGB" if rgb else "L"
    if not n:
        return Image.new(mode, (per_channel * size, size))
    pixels = (images.transpose(0, 2, 1, 3, 4).reshape(n * size, per_channel * size, -1)
              * 255).round().astype(np.uint8)
    return Image.fromarray(pixels if rgb else pixels[..., 0], mode)


def _pixels(index_path: str | Path, atlas: str) -> np.ndarray:
    return np.asarray(Image.open(Path(index_path).parent / atlas), np.float32) / 255.0


@dataclass(frozen=True)
class FeatvisAtlas:
    """One layer's feature visualizations: the render of channel ``c`` is ``image(c)``;
    ``failed`` maps the channels whose render failed to why (``FeatvisIndex.FAILURES``)."""

    pixels: np.ndarray  # (rows · size, per_channel · size[, 3]) in [0, 1]
    size: int
    rows: dict[int, int]
    failed: dict[int, str]

    @classmethod
    def load(cls, index_path: str | Path) -> FeatvisAtlas:
        index = FeatvisIndex.load(index_path)
        return cls(_pixels(index_path, index.atlas), index.size,
                   {c: i for i, c in enumerate(index.channels)}, index.failures())

    def image(self, channel: int) -> np.ndarray | None:
        row = self.rows.get(channel)
        if row is None:
            return None
        return self.pixels[row * self.size:(row + 1) * self.size, :self.size]


@dataclass(frozen=True)
class ExamplesAtlas:
    """One layer's dataset examples: ``patches(c)`` are channel ``c``'s top image patches."""

    pixels: np.ndarray
    thumbnail: int
    n: int
    per_row: int
    counts: list[int]  # patches present per channel

    @classmethod
    def load(cls, index_path: str | Path) -> ExamplesAtlas:
        index = ExamplesIndex.load(index_path)
        return cls(_pixels(index_path, index.atlas), index.thumbnail, index.n, index.per_row,
                   [len(c) for c in index.channels])

    def patches(self, channel: int) -> list[np.ndarray]:
        t = self.thumbnail
        out = []
        for k in range(self.counts[channel]):
            x, y = example_origin(channel, k, self.n, self.per_row, t)
            out.append(self.pixels[y:y + t, x:x + t])
        return out


def load_atlases(indexes: list[str | Path], kind: type) -> dict[str, FeatvisAtlas]:
    """Atlases by layer name from their index files."""
    return {read_json(p)["layer"]: kind.load(p) for p in indexes}
