"""Neighbourhoods across layers (the paper's Figure 8): the classes whose nearest neighbours
change most, each moving through the layers' embeddings with its neighbours."""

from __future__ import annotations

import textwrap
from typing import Any

import matplotlib

matplotlib.use("Agg")  # figures are files; never open a window

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from summit.render.analysis.common import short  # noqa: E402

# The room a faint name takes beside its point, in the panel's [0, 1] units (22 characters
# of 5.5 pt across, one line up): another name within it is left out rather than overprinted.
LABEL_ROOM = (0.75, 0.08)


def _name_point(ax: plt.Axes, p: np.ndarray, name: str, **style: Any) -> None:
    """A class's name beside its point, leftwards in the right part of the panel so it
    stays in the canvas; cut short so it stays near."""
    right = p[0] > 0.6
    ax.annotate(short(name, 22), p,
                xytext=(-3, 3) if right else (3, 3), textcoords="offset points",
                ha="right" if right else "left", annotation_clip=False, parse_math=False,
                **style)


def _panel(ax: plt.Axes, xy: np.ndarray, c: dict[str, Any], layer: str, class_ids: list[int],
           row_of: dict[int, int], class_names: list[str]) -> None:
    """Class ``c`` (a red star) in one layer's embedding ``xy`` (a row per class of
    ``class_ids``), joined to its neighbours there: dashed and hollow a tentative one. The
    neighbours are named under the panel, in order (a tentative one in parentheses): near
    one another, as neighbours are, names beside their points would overprint."""
    cid = c["id"]
    ax.scatter(xy[:, 0], xy[:, 1], s=8, color="#c5ccd3", zorder=1)
    me = xy[row_of[cid]]
    tentative = c.get("neighbour_tentative", {}).get(layer, [])
    names = []
    for n, j in enumerate(c["neighbours"][layer]):
        p = xy[row_of[j]]
        weak = n < len(tentative) and tentative[n]
        ax.plot([me[0], p[0]], [me[1], p[1]], color="#0072B2", linewidth=0.8,
                alpha=0.7, zorder=2, linestyle="--" if weak else "-")
        ax.scatter(*p, s=18, zorder=3, color="white" if weak else "#0072B2",
                   edgecolors="#0072B2")
        names.append(f"({short(class_names[j], 28)})" if weak else short(class_names[j], 30))
    ax.set_xlabel("\n".join(names), fontsize=6.5, color="#0b3c5d", parse_math=False)
    ax.scatter(*me, s=90, marker="*", color="#b2182b", zorder=4)
    if len(class_ids) <= 20:  # few classes: name the others too, faintly, where there is room
        named: list[np.ndarray] = []
        for other, p in zip(class_ids, xy, strict=True):
            if (other != cid and other not in c["neighbours"][layer]
                    and all(abs(p[0] - q[0]) > LABEL_ROOM[0] or abs(p[1] - q[1]) > LABEL_ROOM[1]
                            for q in named)):
                _name_point(ax, p, class_names[other], fontsize=5.5, color="#9aa4ae")
                named.append(p)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlim(-0.08, 1.12)
    ax.set_ylim(-0.08, 1.1)
    for spine in ax.spines.values():
        spine.set_color("#c5ccd3")
    ax.set_title(layer, fontsize=9, parse_math=False)


def _row_label(c: dict[str, Any], result: dict[str, Any]) -> str:
    """A row's class: its name, change (with its spread), transitions and support."""
    changes = " → ".join(f"{x:.0%}" for x in c["transitions"])
    lines = [short(c["name"], 36), f"change {c['change']:.0%}"
             + (f" (p5–p95 {c['change_p5']:.0%}–{c['change_p95']:.0%})"
                if "change_p5" in c else ""), *textwrap.wrap(f"({changes})", 36)]
    if "rank_support" in c:
        lines.append(f"{'tentative · ' if c['tentative'] else ''}top "
                     f"{result['figure_classes']} in {c['rank_support']:.0%} of resamples")
    return "\n".join(lines)


def _title(result: dict[str, Any], width: int) -> str:
    """The figure's title, with the ranking's support when the report has one, wrapped at
    ``width`` characters."""
    title = [f"Classes whose {result['k']} nearest neighbours (cosine over A^l) change most "
             "across layers"]
    stability = result.get("stability") or {}
    if "min_support" in stability and result.get("top_support") is not None:
        title.append(f"The first ranks first in {result['top_support']:.0%} of the "
                     f"{stability['resamples']} resamples of the images; dashed, and named in "
                     f"parentheses: a neighbour in fewer than {stability['min_support']:.0%} "
                     "of them. Neighbours are named under each panel, nearest first.")
    return "\n".join(line for t in title for line in textwrap.wrap(t, width))


def draw_neighbourhoods(result: dict[str, Any], layouts: dict[str, np.ndarray],
                        class_ids: list[int], class_names: list[str],
                        n_classes: int) -> plt.Figure:
    """The most-changing classes moving through the layer embeddings (the paper's Figure 8).

    One row per class and one column per layer: every class is a grey dot at its place in
    that layer's embedding, the class a red star joined to its neighbours, which are named.
    With the report's support: a neighbour in fewer than ``min_support`` of the resamples
    is dashed and hollow, and a row's label gives its spread and support ("tentative"
    when the class is among the most changing in too few resamples).
    """
    layers = result["layers"]
    by_id = {c["id"]: c for c in result["classes"]}
    shown = result["ranking"][:n_classes]
    row_of = {cid: i for i, cid in enumerate(class_ids)}
    fig, axes = plt.subplots(len(shown) or 1, len(layers), squeeze=False,
                             figsize=(3.2 * len(layers) + 0.8, 3.0 * max(len(shown), 1) + 0.8))
    for row, cid in zip(axes, shown, strict=False):
        c = by_id[cid]
        for ax, layer in zip(row, layers, strict=True):
            _panel(ax, np.asarray(layouts[layer]), c, layer, class_ids, row_of, class_names)
        row[0].set_ylabel(_row_label(c, result), fontsize=8, parse_math=False,
                          color="#b35806" if c.get("tentative") else "black")
    width = int(fig.get_figwidth() * 12)  # characters of 10 pt on a line of the canvas
    fig.suptitle(_title(result, width), fontsize=10, x=0.01, ha="left", parse_math=False)
    fig.tight_layout()
    return fig
