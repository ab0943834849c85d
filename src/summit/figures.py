"""Publication figures with matplotlib: a class's attribution graph with each vertex drawn as
its channel's feature visualization (the paper's Figure 1 style), as PNG and PDF."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # figures are files; never open a window

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.patches import Circle, PathPatch  # noqa: E402
from matplotlib.path import Path as MplPath  # noqa: E402


@dataclass(frozen=True)
class FeatvisAtlas:
    """One layer's feature visualizations: the render of channel ``c`` is ``image(c)``."""

    pixels: np.ndarray  # (rows · size, per_channel · size[, 3]) in [0, 1]
    size: int
    rows: dict[int, int]

    @classmethod
    def load(cls, index_path: str | Path) -> FeatvisAtlas:
        from PIL import Image

        index = json.loads(Path(index_path).read_text())
        atlas = Image.open(Path(index_path).parent / index["atlas"])
        return cls(np.asarray(atlas, np.float32) / 255.0, index["size"],
                   {c: i for i, c in enumerate(index["channels"])})

    def image(self, channel: int) -> np.ndarray | None:
        row = self.rows.get(channel)
        if row is None:
            return None
        return self.pixels[row * self.size:(row + 1) * self.size, :self.size]


def order_rows(graph: dict[str, Any], sweeps: int = 4) -> dict[str, list[dict[str, Any]]]:
    """Vertices per layer, ordered by barycentre sweeps (up, then down) to reduce crossings."""
    rows = {layer: sorted((n for n in graph["nodes"] if n["layer"] == layer),
                          key=lambda n: n["channel"]) for layer in graph["layers"]}
    neighbours: dict[str, list[str]] = {n["id"]: [] for n in graph["nodes"]}
    for e in graph["edges"]:
        neighbours[e["source"]].append(e["target"])
        neighbours[e["target"]].append(e["source"])
    layers = list(graph["layers"])
    for sweep in range(sweeps):
        pos = {n["id"]: (i + 0.5) / len(row) for row in rows.values() for i, n in enumerate(row)}
        for layer in (layers[1:] if sweep % 2 == 0 else layers[-2::-1]):
            def centre(n: dict[str, Any], pos: dict[str, float] = pos) -> float:
                near = [pos[m] for m in neighbours[n["id"]] if m in pos]
                return float(np.mean(near)) if near else pos[n["id"]]
            rows[layer] = sorted(rows[layer], key=lambda n: (centre(n), n["channel"]))
            pos.update({n["id"]: (i + 0.5) / len(rows[layer])
                        for i, n in enumerate(rows[layer])})
    return rows


def draw_attribution_graph(graph: dict[str, Any], atlases: dict[str, FeatvisAtlas],
                           title: str) -> plt.Figure:
    """The graph with the last layer on top; vertex area ∝ count, edge width ∝ weight."""
    rows = order_rows(graph)
    layers = list(graph["layers"])
    widest = max([len(r) for r in rows.values()] + [1])
    width = max(4.0, 1.25 * widest)
    gap, label = 1.9, 1.7  # row spacing; room for layer names left of the vertices
    max_count = max([n["count"] for n in graph["nodes"]] + [1])
    max_weight = max([e["weight"] for e in graph["edges"]] + [1])
    height = gap * (len(layers) - 1) + 1.5
    fig, ax = plt.subplots(figsize=(0.75 * (width + label), 0.75 * height + 0.5))
    xy, radius = {}, {}
    for i_layer, layer in enumerate(layers):
        row, y = rows[layer], gap * i_layer
        for i, n in enumerate(row):
            xy[n["id"]] = ((i + 0.5) * width / len(row), y)
            radius[n["id"]] = 0.42 * np.sqrt(n["count"] / max_count) + 0.1
        ax.text(-0.2, y, layer, ha="right", va="center", fontsize=10, fontweight="bold",
                parse_math=False)
    for e in graph["edges"]:
        (x0, y0), (x1, y1) = xy[e["source"]], xy[e["target"]]
        y0, y1 = y0 + radius[e["source"]], y1 - radius[e["target"]]
        mid = (y0 + y1) / 2
        curve = MplPath([(x0, y0), (x0, mid), (x1, mid), (x1, y1)],
                        [MplPath.MOVETO, MplPath.CURVE4, MplPath.CURVE4, MplPath.CURVE4])
        ax.add_patch(PathPatch(curve, fill=False, color="#9aa4ae", alpha=0.75, zorder=1,
                               linewidth=0.6 + 5.4 * e["weight"] / max_weight))
    for n in graph["nodes"]:
        (x, y), r = xy[n["id"]], radius[n["id"]]
        atlas = atlases.get(n["layer"])
        image = atlas.image(n["channel"]) if atlas else None
        disc = Circle((x, y), r, transform=ax.transData, facecolor="#0072B2",
                      edgecolor="#3d4650", linewidth=0.8, zorder=3)
        ax.add_patch(disc)
        if image is not None:
            shown = ax.imshow(image, cmap="gray" if image.ndim == 2 else None, vmin=0, vmax=1,
                              extent=(x - r, x + r, y - r, y + r), zorder=4,
                              interpolation="bilinear")
            shown.set_clip_path(disc)
        ax.text(x, y - r - 0.05, str(n["channel"]), ha="center", va="top", fontsize=7,
                color="#3d4650", zorder=5)
    ax.set_xlim(-label, width + 0.1)
    ax.set_ylim(-0.8, height - 0.7)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(title, fontsize=12, loc="left", parse_math=False)  # names are text, "$" too
    fig.tight_layout()
    return fig


def write_class_figure(graph_path: str | Path, stats_path: str | Path,
                       featvis_indexes: list[str | Path], png: str | Path,
                       pdf: str | Path) -> None:
    """Draw one class's attribution graph and save it as PNG (200 dpi) and PDF."""
    graph = json.loads(Path(graph_path).read_text())
    stats = json.loads(Path(stats_path).read_text())
    title = (f"{graph['class']['name']}: attribution graph ({stats['n_images']:,} images, "
             f"top-1 {stats['accuracy']:.1%})")
    atlases = {json.loads(Path(p).read_text())["layer"]: FeatvisAtlas.load(p)
               for p in featvis_indexes}
    fig = draw_attribution_graph(graph, atlases, title)
    for path in (png, pdf):
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(png, dpi=200)
    fig.savefig(pdf)
    plt.close(fig)
