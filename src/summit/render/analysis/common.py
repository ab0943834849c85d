"""What the analyses' figures share: class names cut to fit, a heatmap of classes, column
labels turned upright where level ones would clash, a thinned class axis, and a record's
numbers (null as NaN)."""

from __future__ import annotations

import itertools
from typing import Any

import matplotlib

matplotlib.use("Agg")  # figures are files; never open a window

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

HEATMAP_LABELLED_ROWS = 40  # class heatmaps name (and annotate) rows up to this many
# A class axis names every class up to this many, beyond every k-th; the faithfulness figure's
# panel (a) draws every set of up to this many classes, beyond their spread.
STRIP_ROWS = 40


def short(name: str, most: int = 18) -> str:
    """A class name cut to ``most`` characters, so tick labels keep to their axes."""
    return name if len(name) <= most else name[:most - 1].rstrip() + "…"


def heatmap_height(rows: int) -> float:
    return 0.32 * rows + 2.2


def kept_classes(values: np.ndarray, limit: int = HEATMAP_LABELLED_ROWS) -> np.ndarray:
    """The rows (classes) a class heatmap draws: all when at most ``limit``, else the
    ``limit`` with the lowest mean over their finite values, lowest first (rows without any
    last), so a thousand classes give a readable picture of where things go worst."""
    if len(values) <= limit:
        return np.arange(len(values))
    finite = np.isfinite(values)
    mean = np.where(finite.any(axis=1), np.where(finite, values, 0).sum(axis=1)
                    / np.maximum(finite.sum(axis=1), 1), np.inf)
    return np.argsort(mean, kind="stable")[:limit]


def class_heatmap(fig: plt.Figure, ax: plt.Axes, values: np.ndarray, columns: list[str],
                  rows: list[str], cmap: str, vmin: float, vmax: float, of: int = 0,
                  every: str = "") -> None:
    """Classes × columns values with a colour bar, rows named and cells annotated (at most
    ``HEATMAP_LABELLED_ROWS`` rows: callers keep those of ``kept_classes``); kept of ``of``
    classes, the y label says what was kept and where every class is (``every``)."""
    if len(rows) < of:
        ax.set_ylabel(f"the {len(rows)} of {of} classes with the lowest mean (every class: "
                      f"{every})", fontsize=8)
    shown = ax.imshow(values, aspect="auto", cmap=cmap, vmin=vmin, vmax=vmax,
                      interpolation="nearest")
    ax.set_xticks(np.arange(len(columns)), columns, fontsize=8)
    ax.set_yticks(np.arange(len(rows)), rows, fontsize=7)
    for (i, j), v in np.ndenumerate(values):
        if np.isfinite(v):
            ax.text(j, i, f"{v:.2f}", ha="center", va="center", fontsize=6.5,
                    color="black" if v > (vmin + vmax) / 2 else "white")
    fig.colorbar(shown, ax=ax, fraction=0.04, pad=0.02)


def unclash_xticklabels(fig: plt.Figure, *axes: plt.Axes) -> None:
    """Turn an axes' column labels upright where, side by side, they would run into each
    other (MobileNetV3-small's features.1 … features.11 under the separability heatmap),
    then lay the figure out again; labels that fit stay level."""
    fig.tight_layout()
    renderer = fig.canvas.get_renderer()
    turned = False
    for ax in axes:
        labels = [t for t in ax.get_xticklabels() if t.get_visible() and t.get_text()]
        boxes = sorted((t.get_window_extent(renderer) for t in labels), key=lambda b: b.x0)
        if any(a.x1 > b.x0 - 2 for a, b in itertools.pairwise(boxes)):
            plt.setp(labels, rotation=90)
            turned = True
    if turned:
        fig.tight_layout()


def thinned(names: list[str], most: int) -> tuple[np.ndarray, list[str]]:
    """Every name when few, else every k-th (at most ``STRIP_ROWS``), cut to ``most`` letters."""
    at = np.arange(0, len(names), int(np.ceil(len(names) / STRIP_ROWS)))
    return at, [n if len(n) <= most else n[:most - 1].rstrip() + "…" for n in
                (names[i] for i in at)]


def num(x: Any) -> float:
    """A record's number; null (JSON's NaN) as NaN."""
    return np.nan if x is None else float(x)


def nums(xs: list[Any]) -> np.ndarray:
    return np.array([num(x) for x in xs], float)
