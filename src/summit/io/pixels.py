"""The pixels a model sees: its input settings (size, channels, normalisation) and any image
converted to them, as the datasets, the explanation of one image and the figures read it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from PIL import Image


@dataclass(frozen=True)
class InputSpec:
    """What the model takes: square side in pixels, colour channels, per-channel mean/std."""

    size: int
    channels: int
    mean: tuple[float, ...]
    std: tuple[float, ...]

    @classmethod
    def from_config(cls, cfg: dict[str, Any]) -> InputSpec:
        return cls(int(cfg["size"]), int(cfg["channels"]), tuple(cfg["mean"]), tuple(cfg["std"]))

    def normalise(self, x: torch.Tensor) -> torch.Tensor:
        """Normalise a batch or image in [0, 1] with the configured mean and std."""
        mean = torch.tensor(self.mean, dtype=x.dtype, device=x.device).view(-1, 1, 1)
        std = torch.tensor(self.std, dtype=x.dtype, device=x.device).view(-1, 1, 1)
        return (x - mean) / std


def as_model_pixels(img: Image.Image, spec: InputSpec) -> Image.Image:
    """Any PIL image (any mode, any size) as the model sees it: mode, resize, centre crop."""
    if img.mode == "I" or img.mode.startswith("I;16"):  # 16-bit: scale, don't clip, to 8 bits
        img = Image.fromarray((np.asarray(img, np.float64) / 257).round().clip(0, 255)
                              .astype(np.uint8))
    img = img.convert("L" if spec.channels == 1 else "RGB")
    w, h = img.size
    scale = spec.size / min(w, h)
    if (w, h) != (spec.size, spec.size):
        img = img.resize((max(spec.size, round(w * scale)), max(spec.size, round(h * scale))),
                         Image.BILINEAR)
        w, h = img.size
        left, top = (w - spec.size) // 2, (h - spec.size) // 2
        img = img.crop((left, top, left + spec.size, top + spec.size))
    return img


def to_model_input(img: Image.Image, spec: InputSpec) -> torch.Tensor:
    """Any PIL image (any mode, any size) to a normalised (C, size, size) tensor."""
    return pixels_input(np.asarray(as_model_pixels(img, spec)), spec)


def pixels_input(pixels: np.ndarray, spec: InputSpec) -> torch.Tensor:
    """The model's pixels (uint8, size×size or size×size×C) as a normalised tensor."""
    arr = np.asarray(pixels, dtype=np.float32) / 255.0
    x = torch.from_numpy(arr).reshape(spec.size, spec.size, spec.channels).permute(2, 0, 1)
    return spec.normalise(x)
