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

ROW_GAP = 1.9  # vertical distance between layers in graph drawings (data units)


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
        from PIL import Image

        index = json.loads(Path(index_path).read_text())
        atlas = Image.open(Path(index_path).parent / index["atlas"])
        return cls(np.asarray(atlas, np.float32) / 255.0, index["thumbnail"], index["n"],
                   index["per_row"], [len(c) for c in index["channels"]])

    def patches(self, channel: int) -> list[np.ndarray]:
        t, y = self.thumbnail, (channel // self.per_row) * self.thumbnail
        x0 = (channel % self.per_row) * self.n * t
        return [self.pixels[y:y + t, x0 + k * t:x0 + (k + 1) * t]
                for k in range(self.counts[channel])]


def load_atlases(indexes: list[str | Path], kind: type) -> dict[str, Any]:
    """Atlases by layer name from their index files."""
    return {json.loads(Path(p).read_text())["layer"]: kind.load(p) for p in indexes}


def save(fig: plt.Figure, png: str | Path, pdf: str | Path) -> None:
    """Save as PNG (200 dpi) and PDF, then free the figure."""
    for path in (png, pdf):
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(png, dpi=200)
    fig.savefig(pdf)
    plt.close(fig)


def _plain_text(texts: list[Any]) -> None:
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
               width: float | None = None) -> None:
    """Draw ``graph`` into ``ax``, last layer on top; vertex area ∝ count, edge width ∝ weight.

    ``node_colors`` rings (or fills, without a render) vertices and ``edge_colors`` colours
    edges, e.g. by which of two graphs they belong to.
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
    for n in graph["nodes"]:
        (x, y), r = xy[n["id"]], radius[n["id"]]
        atlas = atlases.get(n["layer"])
        image = atlas.image(n["channel"]) if atlas else None
        ring = node_colors.get(n["id"])
        disc = Circle((x, y), r, transform=ax.transData, facecolor=ring or "#0072B2",
                      edgecolor=ring or "#3d4650", linewidth=2.2 if ring else 0.8, zorder=3)
        ax.add_patch(disc)
        if image is not None:
            shown = ax.imshow(image, cmap="gray" if image.ndim == 2 else None, vmin=0, vmax=1,
                              extent=(x - r, x + r, y - r, y + r), zorder=4,
                              interpolation="bilinear")
            shown.set_clip_path(disc)
            if ring:
                ax.add_patch(Circle((x, y), r, fill=False, edgecolor=ring, linewidth=2.2,
                                    zorder=5))
        ax.text(x, y - r - 0.05, str(n["channel"]), ha="center", va="top", fontsize=7,
                color="#3d4650", zorder=5)
    ax.set_xlim(-label, width + 0.1)
    ax.set_ylim(-0.8, height - 0.7)
    ax.set_aspect("equal")
    ax.axis("off")


def draw_attribution_graph(graph: dict[str, Any], atlases: dict[str, FeatvisAtlas],
                           title: str) -> plt.Figure:
    """One graph as a figure sized to it, titled."""
    width, height = graph_extent(graph)
    fig, ax = plt.subplots(figsize=(0.75 * width, 0.75 * height + 0.5))
    draw_graph(ax, graph, atlases)
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
    fig = draw_attribution_graph(graph, load_atlases(featvis_indexes, FeatvisAtlas), title)
    save(fig, png, pdf)


def _strip(images: list[np.ndarray]) -> np.ndarray | None:
    """Images side by side with a one-pixel white gap, or None when there are none."""
    if not images:
        return None
    gap = np.ones((images[0].shape[0], 1, *images[0].shape[2:]), images[0].dtype)
    return np.concatenate([x for im in images for x in (im, gap)][:-1], axis=1)


def draw_nonsemantic(report: dict[str, Any], histograms: dict[tuple[str, int], np.ndarray],
                     class_names: list[str], featvis: dict[str, FeatvisAtlas],
                     examples: dict[str, ExamplesAtlas], max_rows: int = 6) -> plt.Figure:
    """Per channel: its render, top dataset patches, lift per class, activation per class.

    ``histograms`` maps (layer, channel) to a classes × bins array of channel-max counts over
    the channel's dataset-wide range. Flagged channels come first; without any, the strongest
    candidates are shown and the title says none passed.
    """
    shown = report["channels"][:max_rows]
    settings = report["settings"]
    fig, axes = plt.subplots(len(shown) or 1, 4, figsize=(15, 2.3 * max(len(shown), 1) + 0.6),
                             gridspec_kw={"width_ratios": [1, 4, 4, 3]}, squeeze=False)
    names = [class_names[c] for c in report["class_ids"]]
    for row, ch in zip(axes, shown, strict=False):
        layer, c = ch["layer"], ch["channel"]
        verdict = "non-semantic" if ch["flagged"] else "not flagged"
        atlas = featvis.get(layer)
        show_image(row[0], atlas.image(c) if atlas else None, "feature vis.")
        row[0].text(-0.15, 0.5, f"{layer}:{c}\n{verdict}", transform=row[0].transAxes,
                    ha="right", va="center", fontsize=9, fontweight="bold", parse_math=False,
                    color="#b2182b" if ch["flagged"] else "#3d4650")
        ex = examples.get(layer)
        show_image(row[1], _strip(ex.patches(c)) if ex else None,
                   "top dataset examples (whole dataset)")
        lift = np.asarray(ch["lift"])
        order = np.argsort(-lift)
        ax = row[2]
        ax.bar(np.arange(len(lift)), lift[order], color=np.where(
            lift[order] >= settings["min_lift"], "#b2182b", "#9aa4ae"), width=0.85)
        ax.axhline(settings["min_lift"], color="#3d4650", linestyle="--", linewidth=0.8)
        ax.set_ylabel("× chance", fontsize=7)
        ax.set_title(f"lift per class (coverage {ch['coverage']:.0%}, selectivity "
                     f"{ch['selectivity']:.2f})", fontsize=8)
        if len(lift) <= 30:
            ax.set_xticks(np.arange(len(lift)), [names[i] for i in order], rotation=60,
                          ha="right", fontsize=6)
        else:
            ax.set_xticks([])
            ax.set_xlabel("classes, by lift", fontsize=7)
        ax.tick_params(axis="y", labelsize=7)
        hist = histograms.get((layer, c))
        ax = row[3]
        if hist is not None:
            dens = hist / np.maximum(hist.sum(axis=1, keepdims=True), 1)
            ax.imshow(dens, aspect="auto", cmap="Greys", interpolation="nearest")
            ax.set_yticks(np.arange(len(names)) if len(names) <= 30 else [],
                          names if len(names) <= 30 else [], fontsize=6)
        ax.set_xticks([])
        ax.set_xlabel("channel maximum, low → high", fontsize=7)
        ax.set_title("activation distribution per class", fontsize=8)
    flagged = report["n_flagged"]
    fig.suptitle(f"Non-semantic channels: {flagged} flagged (lift ≥ {settings['min_lift']:g} "
                 f"in ≥ {settings['min_coverage']:.0%} of classes)" if flagged else
                 "Non-semantic channels: none flagged; the strongest candidates per layer",
                 fontsize=11, x=0.01, ha="left")
    fig.tight_layout()
    return fig


def draw_neighbourhoods(result: dict[str, Any], layouts: dict[str, np.ndarray],
                        class_ids: list[int], class_names: list[str],
                        n_classes: int) -> plt.Figure:
    """The most-changing classes moving through the layer embeddings (the paper's Figure 8).

    One row per class and one column per layer: every class is a grey dot at its place in
    that layer's embedding, the class a red star joined to its neighbours, which are named.
    """
    layers = result["layers"]
    by_id = {c["id"]: c for c in result["classes"]}
    shown = result["ranking"][:n_classes]
    row_of = {cid: i for i, cid in enumerate(class_ids)}
    fig, axes = plt.subplots(len(shown) or 1, len(layers), squeeze=False,
                             figsize=(3.2 * len(layers) + 0.8, 3.0 * max(len(shown), 1) + 0.5))
    for row, cid in zip(axes, shown, strict=False):
        c = by_id[cid]
        for ax, layer in zip(row, layers, strict=True):
            xy = np.asarray(layouts[layer])
            ax.scatter(xy[:, 0], xy[:, 1], s=8, color="#c5ccd3", zorder=1)
            me = xy[row_of[cid]]
            for j in c["neighbours"][layer]:
                p = xy[row_of[j]]
                ax.plot([me[0], p[0]], [me[1], p[1]], color="#0072B2", linewidth=0.8,
                        alpha=0.7, zorder=2)
                ax.scatter(*p, s=18, color="#0072B2", zorder=3)
                ax.annotate(class_names[j], p, xytext=(3, 3), textcoords="offset points",
                            fontsize=6.5, color="#0b3c5d", zorder=5, annotation_clip=False)
            ax.scatter(*me, s=90, marker="*", color="#b2182b", zorder=4)
            if len(class_ids) <= 20:  # few classes: name the others too, faintly
                for other, p in zip(class_ids, xy, strict=True):
                    if other != cid and other not in c["neighbours"][layer]:
                        ax.annotate(class_names[other], p, xytext=(3, 3), fontsize=5.5,
                                    textcoords="offset points", color="#9aa4ae")
            ax.set_xticks([])
            ax.set_yticks([])
            ax.set_xlim(-0.08, 1.12)
            ax.set_ylim(-0.08, 1.1)
            for spine in ax.spines.values():
                spine.set_color("#c5ccd3")
            ax.set_title(layer, fontsize=9, parse_math=False)
        changes = " → ".join(f"{x:.0%}" for x in c["transitions"])
        row[0].set_ylabel(f"{c['name']}\nchange {c['change']:.0%}\n({changes})", fontsize=8,
                          parse_math=False)
    fig.suptitle(f"Classes whose {result['k']} nearest neighbours (cosine over A^l) change most "
                 "across layers", fontsize=11, x=0.01, ha="left")
    fig.tight_layout()
    return fig


MEMBERSHIP_COLORS = {"both": "#009E73", "a": "#0072B2", "b": "#E69F00"}


def _membership_handles(label_a: str, label_b: str) -> list[Any]:
    from matplotlib.lines import Line2D

    return [Line2D([], [], color=MEMBERSHIP_COLORS[k], linewidth=3, label=text)
            for k, text in (("both", "in both"), ("a", f"only {label_a}"),
                            ("b", f"only {label_b}"))]


def _membership_legend(ax: plt.Axes, label_a: str, label_b: str) -> None:
    legend = ax.legend(handles=_membership_handles(label_a, label_b), loc="lower right",
                       fontsize=8, frameon=False)
    _plain_text(legend.get_texts())


def _layer_counts(ax: plt.Axes, comparison: dict[str, Any], x: float) -> None:
    """Per layer, right of the graph: vertices in both / only a / only b, and the Jaccard."""
    for i, c in enumerate(comparison["layers"].values()):
        ax.text(x, ROW_GAP * i, f"both {c['both']} · only A {c['only_a']} · only B {c['only_b']}\n"
                f"Jaccard {c['jaccard']:.2f}", fontsize=7.5, va="center", ha="left",
                color="#3d4650")


def draw_class_pair(comparison: dict[str, Any], atlases: dict[str, FeatvisAtlas]) -> plt.Figure:
    """Two classes' graphs as one union graph coloured by membership (the paper's Figure 9)."""
    union = comparison["union"]
    width, height = graph_extent(union)
    fig, ax = plt.subplots(figsize=(0.75 * (width + 3.2), 0.75 * height + 0.8))
    nodes = {n["id"]: MEMBERSHIP_COLORS[n["in"]] for n in union["nodes"]}
    edges = {(e["source"], e["target"]): MEMBERSHIP_COLORS[e["in"]] for e in union["edges"]}
    draw_graph(ax, union, atlases, nodes, edges, width=width - 1.8)
    _layer_counts(ax, comparison, width - 1.6)
    ax.set_xlim(-1.7, width + 3.0)
    a, b = comparison["a"]["name"], comparison["b"]["name"]
    _membership_legend(ax, a, b)
    ax.set_title(f"A = {a}, B = {b}: attribution graphs compared\nvertex Jaccard "
                 f"{comparison['vertex_jaccard']:.2f} · edge Jaccard "
                 f"{comparison['edge_jaccard']:.2f}", fontsize=11, loc="left",
                 parse_math=False)
    fig.tight_layout()
    return fig


def draw_side_by_side(graph_a: dict[str, Any], graph_b: dict[str, Any],
                      comparison: dict[str, Any], atlases_a: dict[str, FeatvisAtlas],
                      atlases_b: dict[str, FeatvisAtlas], label_a: str, label_b: str,
                      title: str) -> plt.Figure:
    """One class's graphs from two models side by side, vertices ringed by what changed."""
    extents = [graph_extent(g) for g in (graph_a, graph_b)]
    height = max(h for _, h in extents)
    fig, axes = plt.subplots(1, 2, figsize=(0.75 * sum(w for w, _ in extents) + 0.5,
                                            0.75 * height + 1.0),
                             gridspec_kw={"width_ratios": [w for w, _ in extents]})
    shared = set(comparison["vertices"]["both"])
    shared_edges = {tuple(e) for e in comparison["edges"]["both"]}
    for ax, g, atlases, own, label in ((axes[0], graph_a, atlases_a, "a", "A"),
                                       (axes[1], graph_b, atlases_b, "b", "B")):
        nodes = {n["id"]: MEMBERSHIP_COLORS["both" if n["id"] in shared else own]
                 for n in g["nodes"]}
        edges = {(e["source"], e["target"]): MEMBERSHIP_COLORS[
            "both" if (e["source"], e["target"]) in shared_edges else own] for e in g["edges"]}
        draw_graph(ax, g, atlases, nodes, edges)
        ax.set_title(f"{label}: {len(g['nodes'])} vertices, {len(g['edges'])} edges",
                     fontsize=10, loc="left", parse_math=False)
    legend = fig.legend(handles=_membership_handles("A", "B"), loc="lower center", ncol=3,
                        fontsize=9, frameon=False)
    sup = fig.suptitle(f"{title}\nA = {label_a}   B = {label_b}", fontsize=11, x=0.01,
                       ha="left")
    _plain_text([*legend.get_texts(), sup])
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    return fig


HEATMAP_LABELLED_ROWS = 40  # class heatmaps name (and annotate) rows up to this many


def _heatmap_height(rows: int) -> float:
    return 0.32 * rows + 2.2 if rows <= HEATMAP_LABELLED_ROWS else 8


def _class_heatmap(fig: plt.Figure, ax: plt.Axes, values: np.ndarray, columns: list[str],
                   rows: list[str], cmap: str, vmin: float, vmax: float) -> None:
    """Classes × columns values with a colour bar; rows named and cells annotated when few."""
    shown = ax.imshow(values, aspect="auto", cmap=cmap, vmin=vmin, vmax=vmax,
                      interpolation="nearest")
    ax.set_xticks(np.arange(len(columns)), columns, fontsize=8)
    if len(rows) <= HEATMAP_LABELLED_ROWS:
        ax.set_yticks(np.arange(len(rows)), rows, fontsize=7)
        for (i, j), v in np.ndenumerate(values):
            if np.isfinite(v):
                ax.text(j, i, f"{v:.2f}", ha="center", va="center", fontsize=6.5,
                        color="black" if v > (vmin + vmax) / 2 else "white")
    else:
        ax.set_yticks([])
        ax.set_ylabel("classes", fontsize=8)
    fig.colorbar(shown, ax=ax, fraction=0.04, pad=0.02)


def draw_separability(layers: dict[str, dict[str, Any]], class_names: list[str]) -> plt.Figure:
    """Per class and layer, a classifier on the class's few top channels against the model.

    Left: balanced accuracy (class vs rest) of the few-channel classifier per layer, with the
    model's own in the last column. Right: the dense classifier on all classes' top channels,
    accuracy per layer against the model's.
    """
    names = list(layers)
    first = layers[names[0]]
    ids = [c["id"] for c in first["classes"]]
    grid = np.array([[c.get("classifier_balanced_accuracy", np.nan) for c in layers[x]["classes"]]
                     for x in names]).T
    model = np.array([c.get("model_balanced_accuracy", np.nan) for c in first["classes"]])
    values = np.column_stack([grid, model])
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(12, _heatmap_height(len(ids))),
                                  gridspec_kw={"width_ratios": [3, 2]})
    _class_heatmap(fig, ax, values, [*names, "model"], [class_names[c] for c in ids],
                   "viridis", 0.5, 1.0)
    ax.axvline(len(names) - 0.5, color="white", linewidth=2)
    m = first["channels_per_class"]
    ax.set_title(f"class vs rest, balanced accuracy: logistic regression on the class's {m} "
                 "top channels (A^l) per layer", fontsize=8.5, loc="left")
    joint = [layers[x]["joint"] for x in names]
    x = np.arange(len(names))
    ax2.plot(x, [j.get("classifier_accuracy", np.nan) for j in joint], "o-", color="#0072B2",
             label="dense layer on the classes' top channels")
    ax2.plot(x, [j.get("model_accuracy", np.nan) for j in joint], "s--", color="#3d4650",
             label="the model")
    for xi, j in zip(x, joint, strict=True):
        ax2.annotate(f"{len(j['channels'])} ch.", (xi, j.get("classifier_accuracy", np.nan)),
                     xytext=(0, -12), textcoords="offset points", ha="center", fontsize=7)
    ax2.set_xticks(x, names, fontsize=8)
    ax2.set_ylim(0, 1.02)
    ax2.set_ylabel("accuracy on held-out images", fontsize=8)
    ax2.legend(fontsize=7.5, loc="lower right", frameon=False)
    ax2.set_title("all classes at once", fontsize=8.5, loc="left")
    fig.suptitle("Few-channel classifiers from A^l (paper §8.5)", fontsize=11, x=0.01, ha="left")
    fig.tight_layout()
    return fig


def motif_grid(motif_graphs: list[dict[str, Any]], titles: list[str],
               atlases: dict[str, FeatvisAtlas], heading: str) -> plt.Figure:
    """Small multiples: each motif drawn as a graph with its classes as the title."""
    cols = min(3, max(len(motif_graphs), 1))
    rows = -(-max(len(motif_graphs), 1) // cols)
    extents = [graph_extent(g) for g in motif_graphs] or [(4.0, 3.0)]
    w = max(x for x, _ in extents)
    h = max(y for _, y in extents)
    fig, axes = plt.subplots(rows, cols, squeeze=False,
                             figsize=(0.6 * w * cols + 0.5, 0.6 * h * rows + 0.9 * rows + 0.4))
    for ax in axes.ravel():
        ax.axis("off")
    for ax, g, title in zip(axes.ravel(), motif_graphs, titles, strict=False):
        draw_graph(ax, g, atlases)
        ax.set_title(title, fontsize=8, loc="left", parse_math=False, wrap=True)
    if not motif_graphs:
        axes[0, 0].text(0.5, 0.5, "no recurring sub-structure met the thresholds",
                        ha="center", va="center", fontsize=10, transform=axes[0, 0].transAxes)
    fig.suptitle(heading, fontsize=11, x=0.01, ha="left")
    fig.tight_layout()
    return fig


def draw_model_summary(results: list[dict[str, Any]]) -> plt.Figure:
    """Per class and layer, how much of the class's graph two models share (vertex Jaccard)."""
    layers = list(results[0]["layers"]) if results else []
    names = [r["a"]["name"] for r in results]
    values = np.array([[r["layers"][x]["jaccard"] for x in layers] for r in results]
                      ).reshape(len(results), len(layers))
    tall = len(results) <= HEATMAP_LABELLED_ROWS
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(11, _heatmap_height(len(results))),
                                  gridspec_kw={"width_ratios": [3, 2]})
    _class_heatmap(fig, ax, values, layers, names, "magma", 0, 1)
    ax.set_title("vertices shared by the two models' graphs (Jaccard) per layer", fontsize=8.5,
                 loc="left")
    a = [np.nan if r["accuracy"][0] is None else r["accuracy"][0] for r in results]
    b = [np.nan if r["accuracy"][1] is None else r["accuracy"][1] for r in results]
    y = np.arange(len(results))
    labels = results[0]["models"] if results else ["A", "B"]
    ax2.hlines(y, a, b, color="#9aa4ae")
    ax2.scatter(a, y, color="#0072B2", label=labels[0], zorder=3)
    ax2.scatter(b, y, color="#E69F00", label=labels[1], zorder=3)
    ax2.set_yticks(y, names if tall else [], fontsize=7)
    ax2.invert_yaxis()
    ax2.set_xlabel("accuracy on the class's images", fontsize=8)
    legend = ax2.legend(fontsize=7.5, frameon=False, loc="lower left", bbox_to_anchor=(0, 1.0))
    _plain_text(legend.get_texts())
    fig.suptitle("Two models on the same data: how the attribution graphs changed", fontsize=11,
                 x=0.01, ha="left")
    fig.tight_layout()
    return fig
