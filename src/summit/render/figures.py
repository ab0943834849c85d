"""Publication figures with matplotlib: a class's attribution graph with each vertex drawn as
its channel's feature visualization (the paper's Figure 1 style), as PNG and PDF."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # figures are files; never open a window

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.legend import Legend  # noqa: E402
from matplotlib.patches import Circle, Patch, PathPatch, Wedge  # noqa: E402
from matplotlib.path import Path as MplPath  # noqa: E402
from matplotlib.text import Text  # noqa: E402

from summit.io.atlas import FeatvisAtlas  # noqa: E402
from summit.render.layout import order_rows, union  # noqa: E402

ROW_GAP = 1.9  # vertical distance between layers in graph drawings (data units)
# A vertex whose render failed (``FeatvisAtlas.failed``), and its legend entry.
FAILED_STYLE = {"facecolor": "white", "edgecolor": "#b2182b", "hatch": "////",
                "linestyle": "--", "linewidth": 1.2}


def save(fig: plt.Figure, png: str | Path, pdf: str | Path) -> None:
    """Save as PNG (200 dpi) and PDF, then free the figure."""
    for path in (png, pdf):
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(png, dpi=200)
    fig.savefig(pdf)
    plt.close(fig)


def plain_text(texts: list[Any]) -> None:
    """Class and model names are text: a '$' in them must not start mathtext."""
    for text in texts:
        text.set_parse_math(False)


def show_image(ax: plt.Axes, image: np.ndarray | None, title: str = "") -> None:
    """An image panel without axes (grey for one channel); blank where there is no image."""
    ax.axis("off")
    if image is not None:
        ax.imshow(image, cmap="gray" if image.ndim == 2 else None, vmin=0, vmax=1)
    if title:
        ax.set_title(title, fontsize=7, parse_math=False)


def graph_extent(graph: dict[str, Any]) -> tuple[float, float]:
    """Width and height (data units) that ``draw_graph`` needs for ``graph``."""
    widest = max([sum(n["layer"] == x for n in graph["nodes"]) for x in graph["layers"]] + [1])
    return max(4.0, 1.25 * widest) + 1.8, ROW_GAP * (len(graph["layers"]) - 1) + 1.5


def draw_graph(ax: plt.Axes, graph: dict[str, Any], atlases: dict[str, FeatvisAtlas],
               node_colors: dict[str, str] | None = None,
               edge_colors: dict[tuple[str, str], str] | None = None,
               width: float | None = None,
               atlases_b: dict[str, FeatvisAtlas] | None = None) -> None:
    """Draw ``graph`` into ``ax``, last layer on top; vertex area ∝ count, edge width ∝ weight.

    ``node_colors`` rings (or fills, without a render) vertices and ``edge_colors`` colours
    edges, e.g. by which of two graphs they belong to. A vertex whose render failed is a
    hatched disc with a dashed outline, explained by a legend below the graph: its flat
    render would otherwise pass for a feature. With ``atlases_b`` (a second model's, by its
    layer names), ``graph`` is two models' union through the channel matching: a vertex of
    both shows A's render on the left half and B's on the right, labelled ``a|b``, and a
    vertex only of B shows B's render, labelled ``b<j>``.
    """
    rows = order_rows(graph)
    layers = list(graph["layers"])
    widest = max([len(r) for r in rows.values()] + [1])
    width = width or max(4.0, 1.25 * widest)
    gap, label = ROW_GAP, 1.7  # room for layer names left of the vertices
    max_count = max([n["count"] for n in graph["nodes"]] + [1])
    max_weight = max([e["weight"] for e in graph["edges"]] + [1])
    height = gap * (len(layers) - 1) + 1.5
    node_colors, edge_colors = node_colors or {}, edge_colors or {}
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
        ax.add_patch(PathPatch(curve, fill=False, alpha=0.75, zorder=1,
                               color=edge_colors.get((e["source"], e["target"]), "#9aa4ae"),
                               linewidth=0.6 + 5.4 * e["weight"] / max_weight))
    failures = set()
    for n in graph["nodes"]:
        (x, y), r = xy[n["id"]], radius[n["id"]]
        renders = vertex_renders(n, atlases, atlases_b)
        failures.update(why for _, why in renders if why)
        _draw_vertex(ax, x, y, r, renders, node_colors.get(n["id"]))
        ax.text(x, y - r - 0.05, vertex_label(n, atlases_b is not None), ha="center",
                va="top", fontsize=7, color="#3d4650", zorder=5)
    ax.set_xlim(-label, width + 0.1)
    ax.set_ylim(-0.8 - 0.4 * len(failures), height - 0.7)  # room for the legend below
    ax.set_aspect("equal")
    ax.axis("off")
    if failures:  # an artist of its own, so a figure's ax.legend does not replace it
        handles = [Patch(**FAILED_STYLE) for _ in failures]
        ax.add_artist(Legend(ax, handles, [f"render failed: {why}" for why in sorted(failures)],
                             loc="lower left", fontsize=7, frameon=False, borderaxespad=0))


Render = tuple[np.ndarray | None, str | None]  # a channel's image, or why its render failed


def _render(atlases: dict[str, FeatvisAtlas] | None, layer: str, channel: int) -> Render:
    atlas = (atlases or {}).get(layer)
    if atlas is None:
        return None, None
    failed = atlas.failed.get(channel)
    return (None, failed) if failed else (atlas.image(channel), None)


def vertex_renders(n: dict[str, Any], atlases: dict[str, FeatvisAtlas],
                   atlases_b: dict[str, FeatvisAtlas] | None) -> list[Render]:
    """What a vertex shows: its render, or (two models) A's and B's, or B's alone."""
    if atlases_b is None or "b_channel" not in n:
        return [_render(atlases, n["layer"], n["channel"])]
    b = _render(atlases_b, n["b_layer"], n["b_channel"])
    if n.get("membership") == "b":
        return [b]
    return [_render(atlases, n["layer"], n["channel"]), b]


def vertex_label(n: dict[str, Any], two_models: bool) -> str:
    """A's channel; with two models, "a|b" for B's vertex matched to A's channel a (in A's
    graph or not), "b<j>" for B's unmatched channel j."""
    if not two_models or "b_channel" not in n:
        return str(n["channel"])
    if n.get("score") is None:
        return f"b{n['b_channel']}"
    return f"{n['channel']}|{n['b_channel']}"


def _draw_vertex(ax: plt.Axes, x: float, y: float, r: float, renders: list[Render],
                 ring: str | None) -> None:
    """A disc with its render (two renders: one per half, a line between), ringed."""
    halves = [(0, 360)] if len(renders) == 1 else [(90, 270), (-90, 90)]
    for (image, failed), (start, end) in zip(renders, halves, strict=True):
        if failed:  # its grey render shows no feature: a hatched disc, outlined dashed
            style = {**FAILED_STYLE, **({"edgecolor": ring, "linewidth": 2.2} if ring else {})}
        else:
            style = {"facecolor": ring or "#0072B2", "edgecolor": ring or "#3d4650",
                     "linewidth": 2.2 if ring else 0.8}
        shape = (Circle((x, y), r, transform=ax.transData, zorder=3, **style)
                 if len(renders) == 1 else
                 Wedge((x, y), r, start, end, transform=ax.transData, zorder=3, **style))
        ax.add_patch(shape)
        if image is not None and not failed:
            shown = ax.imshow(image, cmap="gray" if image.ndim == 2 else None, vmin=0, vmax=1,
                              extent=(x - r, x + r, y - r, y + r), zorder=4,
                              interpolation="bilinear")
            shown.set_clip_path(shape)
    if len(renders) > 1:
        ax.plot([x, x], [y - r, y + r], color="white", linewidth=1.0, zorder=5)
    if ring:
        ax.add_patch(Circle((x, y), r, fill=False, edgecolor=ring, linewidth=2.2, zorder=5))


def draw_attribution_graph(graph: dict[str, Any], atlases: dict[str, FeatvisAtlas],
                           title: str) -> plt.Figure:
    """One graph as a figure sized to it, titled."""
    width, height = graph_extent(graph)
    fig, ax = plt.subplots(figsize=(0.75 * width, 0.75 * height + 0.5))
    draw_graph(ax, graph, atlases)
    fit_title(fig, ax.set_title(title, fontsize=12, loc="left", parse_math=False), ax)
    return fig


def fit_title(fig: plt.Figure, title: Text, ax: plt.Axes | None = None,
              rect: tuple[float, float, float, float] | None = None) -> None:
    """Lay out a figure sized to its graphs so that its left-aligned ``title`` (of ``ax``,
    or the figure's) fits: a narrow canvas is widened to the title, the graph anchored
    left under it. ``rect`` is the area the axes are laid out in (``tight_layout``'s)."""
    if ax is not None:
        ax.set_anchor("W")
    # text renders up to ~2.5 % wider at the PNG's 200 dpi than measured here at 100
    need = 1.03 * title.get_window_extent(fig.canvas.get_renderer()).width / fig.dpi + 0.4
    fig.set_size_inches(max(fig.get_figwidth(), need), fig.get_figheight())
    for _ in range(2):  # once more: a fixed-aspect graph moves its title (and legend) as the
        fig.tight_layout(rect=rect)  # first layout resizes it


MEMBERSHIP_COLORS = {"both": "#009E73", "a": "#0072B2", "b": "#E69F00"}


def _membership_handles(label_a: str, label_b: str) -> list[Any]:
    from matplotlib.lines import Line2D

    return [Line2D([], [], color=MEMBERSHIP_COLORS[k], linewidth=3, label=text)
            for k, text in (("both", "in both"), ("a", f"only {label_a}"),
                            ("b", f"only {label_b}"))]


def _membership_legend(ax: plt.Axes, label_a: str, label_b: str) -> None:
    """Below the graph, left-aligned: long class names never run over its vertices."""
    legend = ax.legend(handles=_membership_handles(label_a, label_b), loc="upper left",
                       bbox_to_anchor=(0, 0), fontsize=8, frameon=False, borderaxespad=0)
    plain_text(legend.get_texts())


def _layer_counts(ax: plt.Axes, comparison: dict[str, Any], x: float) -> None:
    """Per layer, right of the graph: vertices in both / only a / only b, and the Jaccard."""
    for i, c in enumerate(comparison["layers"].values()):
        ax.text(x, ROW_GAP * i, f"both {c['both']} · only A {c['only_a']} · only B {c['only_b']}\n"
                f"Jaccard {c['jaccard']:.2f}", fontsize=7.5, va="center", ha="left",
                color="#3d4650")


def support_text(share: float | None, tentative: bool) -> str:
    """A finding's support as every figure states it: "support 0.46, tentative"."""
    return ("support n/a" if share is None else f"support {share:.2f}") + \
        (", tentative" if tentative else "")


def spread_text(spread: dict[str, Any] | None) -> str:
    """A statistic's 5th–95th percentiles over the resamples, " (resamples 0.40–0.61)"."""
    if not spread or spread.get("p5") is None or spread.get("p95") is None:
        return ""
    return f" (resamples {spread['p5']:.2f}–{spread['p95']:.2f})"


def draw_class_pair(comparison: dict[str, Any], graph_a: dict[str, Any],
                    graph_b: dict[str, Any], atlases: dict[str, FeatvisAtlas]) -> plt.Figure:
    """Two classes' graphs (``comparison`` = ``compare(graph_a, graph_b)``) as one union
    graph coloured by membership (the paper's Figure 9). With the comparison's resampled
    spread and support (``pairs_report``), the title states them."""
    merged = union(graph_a, graph_b)
    width, height = graph_extent(merged)
    title_room = 0.8 + 0.3 * ("support" in comparison)  # two title lines, or three
    fig, ax = plt.subplots(figsize=(0.75 * (width + 3.2), 0.75 * height + title_room))
    nodes = {n["id"]: MEMBERSHIP_COLORS[n["membership"]] for n in merged["nodes"]}
    edges = {(e["source"], e["target"]): MEMBERSHIP_COLORS[e["membership"]]
             for e in merged["edges"]}
    draw_graph(ax, merged, atlases, nodes, edges, width=width - 1.8)
    _layer_counts(ax, comparison, width - 1.6)
    ax.set_xlim(-1.7, width + 3.0)
    a, b = comparison["a"]["name"], comparison["b"]["name"]
    _membership_legend(ax, a, b)
    held = ""
    if "support" in comparison:
        held = (f"\nthe most similar pair in {comparison['support'] or 0:.0%} of the resamples "
                f"({support_text(comparison['support'], comparison['tentative'])})")
    fit_title(fig, ax.set_title(
        f"A = {a}, B = {b}: attribution graphs compared\nvertex Jaccard "
        f"{comparison['vertex_jaccard']:.2f}"
        f"{spread_text(comparison.get('vertex_jaccard_spread'))} · edge Jaccard "
        f"{comparison['edge_jaccard']:.2f}{held}",
        fontsize=11, loc="left", parse_math=False), ax)
    return fig


def draw_matched(merged: dict[str, Any], atlases_a: dict[str, FeatvisAtlas],
                 atlases_b: dict[str, FeatvisAtlas], label_a: str, label_b: str,
                 title: str) -> plt.Figure:
    """One class's graphs from two models as one graph (``merged``: ``layout.union`` of A's
    graph and B's written in A's ids through the channel matching): a matched pair is one
    vertex with both renders (A left, B right), vertices and edges coloured by membership."""
    width, height = graph_extent(merged)
    fig, ax = plt.subplots(figsize=(0.75 * width + 0.5, 0.75 * height + 1.0))
    nodes = {n["id"]: MEMBERSHIP_COLORS[n["membership"]] for n in merged["nodes"]}
    edges = {(e["source"], e["target"]): MEMBERSHIP_COLORS[e["membership"]]
             for e in merged["edges"]}
    draw_graph(ax, merged, atlases_a, nodes, edges, atlases_b=atlases_b)
    pairs = {layer: b for layer, b in zip(merged["layers"], _b_layers(merged), strict=True)
             if b and b != layer}
    if pairs:  # another architecture: say which of B's layers each row matches
        for i, layer in enumerate(merged["layers"]):
            if layer in pairs:
                ax.text(-0.2, ROW_GAP * i - 0.35, f"B: {pairs[layer]}", ha="right", va="center",
                        fontsize=7.5, color="#3d4650", parse_math=False)
    legend = fig.legend(handles=_membership_handles("A", "B"), loc="lower center", ncol=3,
                        fontsize=9, frameon=False)
    height = fig.get_figheight()
    sup = fig.suptitle(f"{title}\nA = {label_a}   B = {label_b}\na vertex in both graphs shows "
                       "A's render left and B's right; labels: A's channel|B's matched "
                       "channel, b<j>: B's unmatched channel j",
                       fontsize=11, x=0.01, y=1 - 0.08 / height, ha="left", va="top")
    plain_text([*legend.get_texts(), sup])
    # the graph below the title (tight_layout does not leave room for it), the canvas
    # widened to it (class, share kept, accuracies)
    below = sup.get_window_extent(fig.canvas.get_renderer()).height / fig.dpi + 0.2
    fit_title(fig, sup, rect=(0, 0.05, 1, 1 - below / height))
    return fig


def _b_layers(merged: dict[str, Any]) -> list[str | None]:
    """Per row, the second model's layer its vertices come from (None: no B vertex)."""
    found = {n["layer"]: n["b_layer"] for n in merged["nodes"] if "b_layer" in n}
    return [found.get(layer) for layer in merged["layers"]]


TENTATIVE_COLOR = "#b2182b"  # a tentative finding's text: below the stability floor


def motif_grid(motif_graphs: list[dict[str, Any]], titles: list[str],
               atlases: dict[str, FeatvisAtlas], heading: str,
               tentative: list[bool] | None = None) -> plt.Figure:
    """Small multiples: each motif drawn as a graph with its classes as the title; a
    tentative motif's title (``tentative``) in ``TENTATIVE_COLOR``."""
    cols = min(3, max(len(motif_graphs), 1))
    rows = -(-max(len(motif_graphs), 1) // cols)
    extents = [graph_extent(g) for g in motif_graphs] or [(4.0, 3.0)]
    w = max(x for x, _ in extents)
    h = max(y for _, y in extents)
    fig, axes = plt.subplots(rows, cols, squeeze=False,
                             figsize=(0.6 * w * cols + 0.5, 0.6 * h * rows + 0.9 * rows + 0.4))
    for ax in axes.ravel():
        ax.axis("off")
    marks = tentative or [False] * len(titles)
    for ax, g, title, mark in zip(axes.ravel(), motif_graphs, titles, marks, strict=False):
        draw_graph(ax, g, atlases)
        ax.set_title(title, fontsize=8, loc="left", parse_math=False, wrap=True,
                     **({"color": TENTATIVE_COLOR} if mark else {}))
    if not motif_graphs:
        axes[0, 0].text(0.5, 0.5, "no recurring sub-structure\nmet the thresholds",
                        ha="center", va="center", fontsize=10, transform=axes[0, 0].transAxes)
    fit_title(fig, fig.suptitle(heading, fontsize=11, x=0.01, ha="left"))
    return fig
