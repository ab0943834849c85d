"""The analyses' figures with matplotlib: the evidence for non-semantic channels (Figure 10),
neighbourhoods across layers (Figure 8), few-channel classifiers (§8.5), the two-model
summary and the faithfulness summary; graph drawings are in ``summit.figures``."""

from __future__ import annotations

import itertools
import textwrap
from typing import Any

import matplotlib

matplotlib.use("Agg")  # figures are files; never open a window

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.figure import FigureBase  # noqa: E402

from summit.atlas import ExamplesAtlas, FeatvisAtlas  # noqa: E402
from summit.figures import fit_title, plain_text, show_image  # noqa: E402


def _strip(images: list[np.ndarray]) -> np.ndarray | None:
    """Images side by side with a one-pixel white gap, or None when there are none."""
    if not images:
        return None
    gap = np.ones((images[0].shape[0], 1, *images[0].shape[2:]), images[0].dtype)
    return np.concatenate([x for im in images for x in (im, gap)][:-1], axis=1)


def _short(name: str, most: int = 18) -> str:
    """A class name cut to ``most`` characters, so tick labels keep to their axes."""
    return name if len(name) <= most else name[:most - 1].rstrip() + "…"


def _support_note(record: dict[str, Any]) -> str:
    """'support 0.96', or 'tentative · support 0.62' under the study's min_support."""
    if record.get("support") is None:
        return ""
    return f"{'tentative · ' if record.get('tentative') else ''}support {record['support']:.2f}"


def _near_misses_line(report: dict[str, Any], most: int = 6) -> str:
    misses = sorted(((m["support"], layer, m["channel"])
                     for layer, ms in report.get("near_misses", {}).items() for m in ms),
                    key=lambda x: (-x[0], x[1], x[2]))
    if not misses:
        return ""
    listed = ", ".join(f"{layer}:{c} ({s:.2f})" for s, layer, c in misses[:most])
    more = f" and {len(misses) - most} more" if len(misses) > most else ""
    return textwrap.fill("Near misses (flagged in at least half of the resamples, not on all "
                         f"the images): {listed}{more}", 170)


def draw_nonsemantic(report: dict[str, Any], histograms: dict[tuple[str, int], np.ndarray],
                     class_names: list[str], featvis: dict[str, FeatvisAtlas],
                     examples: dict[str, ExamplesAtlas], max_rows: int = 6) -> plt.Figure:
    """Per channel: its render, top dataset patches, lift per class, activation per class.

    ``histograms`` maps (layer, channel) to a classes × bins array of channel-max counts over
    the channel's dataset-wide range. Flagged channels come first; without any, the strongest
    candidates are shown and the title says none passed. Each row gives the channel's
    support over the resamples and marks a flagged one under ``min_support`` tentative; the
    near misses are listed below.
    """
    shown = report["channels"][:max_rows]
    settings = report["settings"]
    misses = _near_misses_line(report)
    fig, axes = plt.subplots(len(shown) or 1, 4,
                             figsize=(15, 2.5 * max(len(shown), 1) + 0.6
                                      + 0.2 * (misses.count("\n") + 1) * bool(misses)),
                             gridspec_kw={"width_ratios": [1, 4, 4, 3]}, squeeze=False)
    names = [_short(class_names[c]) for c in report["class_ids"]]
    for row, ch in zip(axes, shown, strict=False):
        layer, c = ch["layer"], ch["channel"]
        verdict = "non-semantic" if ch["flagged"] else "not flagged"
        note = _support_note(ch)
        atlas = featvis.get(layer)
        failed = atlas is not None and c in atlas.failed  # its grey render is no feature
        show_image(row[0], atlas.image(c) if atlas and not failed else None,
                   "render failed" if failed else "feature vis.")
        row[0].text(-0.15, 0.5, f"{layer}:{c}\n{verdict}" + (f"\n{note}" if note else ""),
                    transform=row[0].transAxes, ha="right", va="center", fontsize=9,
                    fontweight="bold", parse_math=False,
                    color="#b35806" if ch.get("tentative") else
                    "#b2182b" if ch["flagged"] else "#3d4650")
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
            ax.set_xticks(np.arange(len(lift)), [names[i] for i in order], rotation=90,
                          fontsize=6)
        else:
            ax.set_xticks([])
            ax.set_xlabel("classes, by lift", fontsize=7)
        ax.tick_params(axis="y", labelsize=7)
        hist = histograms.get((layer, c))
        ax = row[3]
        if hist is not None:
            dens = hist / np.maximum(hist.sum(axis=1, keepdims=True), 1)
            ax.imshow(dens, aspect="auto", cmap="Greys", interpolation="nearest")
            named = len(names) <= 12  # more rows than fit a row's height: unnamed
            ax.set_yticks(np.arange(len(names)) if named else [], names if named else [],
                          fontsize=6)
            ax.set_ylabel("" if named else "classes", fontsize=7)
        ax.set_xticks([])
        ax.set_xlabel("channel maximum, low → high", fontsize=7)
        ax.set_title("activation distribution per class", fontsize=8)
    flagged = report["n_flagged"]
    stability = report.get("stability") or {}
    supported = (f", {report.get('n_supported', 0)} in ≥ {stability['min_support']:.0%} of "
                 f"{stability['resamples']} resamples of the images"
                 if flagged and "min_support" in stability else "")
    fig.suptitle(f"Non-semantic channels: {flagged} flagged{supported} (lift ≥ "
                 f"{settings['min_lift']:g} in ≥ {settings['min_coverage']:.0%} of classes)"
                 if flagged else
                 "Non-semantic channels: none flagged; the strongest candidates per layer",
                 fontsize=11, x=0.01, ha="left")
    footer = 0.2 * (misses.count("\n") + 1) + 0.1 if misses else 0.0  # inches
    if misses:
        fig.text(0.01, 0.05 / fig.get_figheight(), misses, fontsize=8, ha="left", va="bottom",
                 parse_math=False, color="#3d4650")
    fig.tight_layout(rect=(0, footer / fig.get_figheight(), 1, 1))
    return fig


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
            xy = np.asarray(layouts[layer])
            ax.scatter(xy[:, 0], xy[:, 1], s=8, color="#c5ccd3", zorder=1)
            me = xy[row_of[cid]]
            tentative = c.get("neighbour_tentative", {}).get(layer, [])
            for n, j in enumerate(c["neighbours"][layer]):
                p = xy[row_of[j]]
                weak = n < len(tentative) and tentative[n]
                ax.plot([me[0], p[0]], [me[1], p[1]], color="#0072B2", linewidth=0.8,
                        alpha=0.7, zorder=2, linestyle="--" if weak else "-")
                ax.scatter(*p, s=18, zorder=3, color="white" if weak else "#0072B2",
                           edgecolors="#0072B2")
                _name_point(ax, p, class_names[j], fontsize=6.5, zorder=5,
                            color="#5b7a93" if weak else "#0b3c5d",
                            style="italic" if weak else "normal")
            ax.scatter(*me, s=90, marker="*", color="#b2182b", zorder=4)
            if len(class_ids) <= 20:  # few classes: name the others too, faintly
                for other, p in zip(class_ids, xy, strict=True):
                    if other != cid and other not in c["neighbours"][layer]:
                        _name_point(ax, p, class_names[other], fontsize=5.5, color="#9aa4ae")
            ax.set_xticks([])
            ax.set_yticks([])
            ax.set_xlim(-0.08, 1.12)
            ax.set_ylim(-0.08, 1.1)
            for spine in ax.spines.values():
                spine.set_color("#c5ccd3")
            ax.set_title(layer, fontsize=9, parse_math=False)
        changes = " → ".join(f"{x:.0%}" for x in c["transitions"])
        lines = [_short(c["name"], 36), f"change {c['change']:.0%}"
                 + (f" (p5–p95 {c['change_p5']:.0%}–{c['change_p95']:.0%})"
                    if "change_p5" in c else ""), *textwrap.wrap(f"({changes})", 36)]
        if "rank_support" in c:
            lines.append(f"{'tentative · ' if c['tentative'] else ''}top "
                         f"{result['figure_classes']} in {c['rank_support']:.0%} of resamples")
        row[0].set_ylabel("\n".join(lines), fontsize=8, parse_math=False,
                          color="#b35806" if c.get("tentative") else "black")
    title = [f"Classes whose {result['k']} nearest neighbours (cosine over A^l) change most "
             "across layers"]
    stability = result.get("stability") or {}
    if "min_support" in stability and result.get("top_support") is not None:
        title.append(f"The first ranks first in {result['top_support']:.0%} of the "
                     f"{stability['resamples']} resamples of the images; dashed: a neighbour "
                     f"in fewer than {stability['min_support']:.0%} of them.")
    width = int(fig.get_figwidth() * 12)  # characters of 10 pt on a line of the canvas
    fig.suptitle("\n".join(line for t in title for line in textwrap.wrap(t, width)),
                 fontsize=10, x=0.01, ha="left", parse_math=False)
    fig.tight_layout()
    return fig


def _name_point(ax: plt.Axes, p: np.ndarray, name: str, **style: Any) -> None:
    """A class's name beside its point, leftwards in the right part of the panel so it
    stays in the canvas; cut short so it stays near."""
    right = p[0] > 0.6
    ax.annotate(_short(name, 22), p,
                xytext=(-3, 3) if right else (3, 3), textcoords="offset points",
                ha="right" if right else "left", annotation_clip=False, parse_math=False,
                **style)


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


def _unclash_xticklabels(fig: plt.Figure, *axes: plt.Axes) -> None:
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
    _unclash_xticklabels(fig, ax, ax2)
    return fig


def _spread_bars(ax: plt.Axes, y: np.ndarray, values: list[float],
                 spreads: list[dict[str, Any] | None], color: str, label: str) -> None:
    """Points with horizontal bars from the 5th to the 95th percentile over the resamples."""
    low = [_num((s or {}).get("p5")) for s in spreads]
    high = [_num((s or {}).get("p95")) for s in spreads]
    v = _nums(values)
    bars = np.nan_to_num(np.vstack([v - _nums(low), _nums(high) - v]).clip(min=0))
    ax.errorbar(v, y, xerr=bars, fmt="o", color=color, markersize=4, capsize=2,
                elinewidth=1, label=label, zorder=3)


def draw_model_summary(results: list[dict[str, Any]],
                       headline: dict[str, Any] | None = None) -> plt.Figure:
    """Per class and layer, how much of the class's graph two models share (vertex Jaccard,
    through the channel matching), each class's share of A's vertices kept and vertex and
    edge Jaccard with their spread over the resamples (error bars, 5th–95th percentile), and
    the accuracies. ``headline`` (``changes_most``) names the
    class that changes most with its support."""
    from summit.figures import spread_text, support_text

    layers = list(results[0]["layers"]) if results else []
    names = [r["a"]["name"] for r in results]
    values = np.array([[r["layers"][x]["jaccard"] for x in layers] for r in results]
                      ).reshape(len(results), len(layers))
    fig, (ax, ax3, ax2) = plt.subplots(1, 3, figsize=(14, _heatmap_height(len(results))),
                                       gridspec_kw={"width_ratios": [3, 2, 2]})
    _class_heatmap(fig, ax, values, layers, names, "magma", 0, 1)
    ax.set_title("vertices shared by the two models' graphs (Jaccard) per layer", fontsize=8.5,
                 loc="left")
    y = np.arange(len(results))
    spreads = [r.get("stability") or {} for r in results]
    _spread_bars(ax3, y - 0.22, [r["conserved"]["vertices"] for r in results],
                 [s.get("conserved") for s in spreads], "#0072B2", "A's vertices kept")
    _spread_bars(ax3, y, [r["vertex_jaccard"] for r in results],
                 [s.get("vertex_jaccard") for s in spreads], "#009E73", "vertex Jaccard")
    _spread_bars(ax3, y + 0.22, [r["edge_jaccard"] for r in results],
                 [s.get("edge_jaccard") for s in spreads], "#8c96a0", "edge Jaccard")
    ax3.set_yticks(y, [])
    ax3.set_ylim(len(results) - 0.5, -0.5)
    ax3.set_xlim(-0.02, 1.02)
    ax3.set_xlabel("share kept / Jaccard, all layers\n(bars: 5th–95th percentile over "
                   "resamples)", fontsize=8)
    legend3 = ax3.legend(fontsize=7.5, frameon=False, loc="lower left", bbox_to_anchor=(0, 1.0),
                         ncol=2)
    a = [np.nan if r["accuracy"][0] is None else r["accuracy"][0] for r in results]
    b = [np.nan if r["accuracy"][1] is None else r["accuracy"][1] for r in results]
    labels = results[0]["models"] if results else ["A", "B"]
    ax2.hlines(y, a, b, color="#9aa4ae")
    ax2.scatter(a, y, color="#0072B2", label=labels[0], zorder=3)
    ax2.scatter(b, y, color="#E69F00", label=labels[1], zorder=3)
    ax2.set_yticks(y, [])  # the rows of the heatmap, named there
    ax2.set_ylim(len(results) - 0.5, -0.5)
    ax2.set_xlabel("accuracy on the class's images", fontsize=8)
    legend = ax2.legend(fontsize=7.5, frameon=False, loc="lower left", bbox_to_anchor=(0, 1.0))
    plain_text([*legend.get_texts(), *legend3.get_texts()])
    title = ("Two models on the same data: how the attribution graphs changed "
             "(channels matched by their responses)")
    if headline is not None:
        i = headline["index"]
        title += (f"\nchanges most: {names[i]} (vertex Jaccard {results[i]['vertex_jaccard']:.2f}"
                  f"{spread_text(spreads[i].get('vertex_jaccard'))}; "
                  f"{support_text(headline['support'], headline['tentative'])})")
    plain_text([fig.suptitle(title, fontsize=11, x=0.01, ha="left")])
    _unclash_xticklabels(fig, ax)
    return fig


def draw_matching(matchings: list[dict[str, Any]]) -> plt.Figure:
    """Per layer pair, the match score of every assigned pair of channels, best first,
    against the shuffled-image null's best-first scores (95th percentile per rank over the
    shuffles), with the cutoff a matched pair reaches (``ChannelMatching`` records)."""
    n = max(len(matchings), 1)
    fig, axes = plt.subplots(1, n, figsize=(max(3.6 * n + 0.6, 9.0), 4.0), squeeze=False,
                             sharey=True)
    for ax, m in zip(axes[0], matchings, strict=False):
        scores = np.sort([p["score"] for p in m["pairs"]])[::-1]
        rank = np.arange(1, len(scores) + 1)
        ax.plot(rank, scores, color="#0072B2", linewidth=1.8, label="the two models")
        if m["null"].get("ranked"):
            ax.plot(rank, m["null"]["ranked"], color="#8c96a0", linewidth=1.2, linestyle="--",
                    label="images shuffled (p95)")
        ax.axhline(m["cutoff"], color="#b2182b", linewidth=0.9, linestyle=":",
                   label="cutoff: the threshold, or the null's 99th percentile if higher")
        pair = m["layer_a"] if m["layer_a"] == m["layer_b"] else f"{m['layer_a']} ↔ {m['layer_b']}"
        ax.set_title(f"{pair}\n{m['matched']} of {m['channels_a']} matched"
                     + (f" (B: {m['channels_b']})" if m["channels_b"] != m["channels_a"] else "")
                     + f"; cutoff {m['cutoff']:.2f}; same index {m['identity']:.0%}",
                     fontsize=8.5, loc="left")
        ax.set_xlabel("pair, best first", fontsize=8)
        ax.set_ylim(-0.2, 1.02)
        ax.tick_params(labelsize=7.5)
    axes[0, 0].set_ylabel("correlation of the pair's maxima", fontsize=8)
    handles, labels = axes[0, 0].get_legend_handles_labels()
    legend = fig.legend(handles, labels, fontsize=8, frameon=False, loc="lower center",
                        ncol=3)
    models = matchings[0]["models"] if matchings else ["A", "B"]
    title = fig.suptitle(f"Channels matched by their responses: A = {models[0]}, "
                         f"B = {models[1]}", fontsize=10.5, x=0.01, ha="left")
    plain_text([*legend.get_texts(), title, *(ax.title for ax in axes[0])])
    fit_title(fig, title, rect=(0, 0.07, 1, 1))  # widened to a long title (one layer pair)
    return fig


# The faithfulness figure: one colour per kind of channel set, one marker per graph variant.
SET_COLORS = {"graph": "#b2182b", "top_count": "#0072B2", "matched": "#E69F00",
              "random": "#8c96a0"}
SET_LABELS = {"graph": "the graph's channels", "top_count": "the class's most frequent channels",
              "matched": "frequency-matched sets", "random": "random sets"}
VARIANT_MARKERS = ("o", "s", "^", "D")
ABLATIONS = {"mean": "replaced by their mean map over a reference sample of all classes",
             "zero": "set to 0"}
STRIP_ROWS = 40  # panel (a) draws every set of up to this many classes; beyond, their spread


def _num(x: Any) -> float:
    """A record's number; null (JSON's NaN) as NaN."""
    return np.nan if x is None else float(x)


def _nums(xs: list[Any]) -> np.ndarray:
    return np.array([_num(x) for x in xs], float)


def _finite(xs: Any) -> np.ndarray:
    a = np.asarray(xs, float).ravel()
    return a[np.isfinite(a)]


def _mean(xs: Any) -> float:
    """Mean of the finite values, NaN without any (an empty graph has no sets)."""
    a = _finite(xs)
    return float(a.mean()) if a.size else np.nan


def _quantiles(xs: Any, qs: tuple[float, ...]) -> list[float]:
    a = _finite(xs)
    return np.quantile(a, qs).tolist() if a.size else [np.nan] * len(qs)


def _classes(n: int) -> str:
    return f"{n} class{'es' * (n != 1)}"


def _spread(values: list[Any]) -> str:
    """One value, or the range of the records' values."""
    distinct = sorted(set(values))
    return f"{distinct[0]}" if len(distinct) == 1 else f"{distinct[0]}–{distinct[-1]}"


def _thinned(names: list[str], most: int) -> tuple[np.ndarray, list[str]]:
    """Every name when few, else every k-th (at most ``STRIP_ROWS``), cut to ``most`` letters."""
    at = np.arange(0, len(names), int(np.ceil(len(names) / STRIP_ROWS)))
    return at, [n if len(n) <= most else n[:most - 1].rstrip() + "…" for n in
                (names[i] for i in at)]


def _header(records: list[dict[str, Any]], configured: str) -> tuple[str, str | None]:
    """What was tested, read from the records; the warning line when images built graphs."""
    kinds = sorted({r["ablation"] for r in records})
    ablation = "; ".join(f"{k} ablation: channels {ABLATIONS.get(k, k)}" for k in kinds)
    line = (f"{_spread([r['n_images'] for r in records])} images per class from the "
            f"{' / '.join(sorted({r['split'] for r in records}))} split · {ablation} · "
            f"{_spread([r['repeats'] for r in records])} random and frequency-matched sets "
            "per class and scope · 95 % bootstrap intervals over images · (a), (c), (d): the "
            f"{configured} graphs (configured)")
    inside = sum(bool(r["in_sample"]) for r in records)
    warning = None if not inside else (
        f"IN-SAMPLE: for {inside} of {_classes(len(records))} the tested images are "
        "the ones that built the graph, so these effects are optimistic")
    return line, warning


def _per_class(ax: plt.Axes, records: list[dict[str, Any]], configured: str) -> None:
    """(a) Each class's all-layer logit drop against its own baselines."""
    cells = [r["variants"][configured]["ablation"]["all"] for r in records]
    graph = np.array([[_num(c["graph"]["logit"][k]) for k in ("mean", "low", "high")]
                      for c in cells]).reshape(len(cells), 3)
    top = np.array([_num(c["top_count"]["logit"]["mean"]) for c in cells])
    sets = {kind: [_nums(c[kind]["logit"]) for c in cells] for kind in ("random", "matched")}
    few = len(records) <= STRIP_ROWS
    order = np.arange(len(records)) if few else np.argsort(-np.nan_to_num(graph[:, 0],
                                                                           nan=-np.inf))
    y = np.empty(len(records))
    y[order] = np.arange(len(records))
    rng = np.random.default_rng(0)  # jitter only; the same drawing every run
    handles = {}
    for kind, offset in (("matched", -0.26), ("random", 0.26)):
        if few:
            xs = np.concatenate(sets[kind])
            ys = np.concatenate([np.full(len(v), y[i] + offset) for i, v in
                                 enumerate(sets[kind])])
            handles[kind] = ax.scatter(xs, ys + rng.uniform(-0.06, 0.06, len(ys)), s=7,
                                       alpha=0.6, color=SET_COLORS[kind], linewidths=0,
                                       label=f"{SET_LABELS[kind]}, each")
        else:
            lo, hi = np.array([_quantiles(v, (0.1, 0.9)) for v in sets[kind]]).T
            handles[kind] = ax.hlines(y + offset / 2, lo, hi, color=SET_COLORS[kind],
                                      linewidth=0.8, label=f"{SET_LABELS[kind]}, 10–90 %")
    ax.hlines(y, graph[:, 1], graph[:, 2], color=SET_COLORS["graph"], linewidth=1.5 if few
              else 0.6)
    handles["graph"] = ax.scatter(graph[:, 0], y, s=22 if few else 5, color=SET_COLORS["graph"],
                                  zorder=3, label=f"{SET_LABELS['graph']}, 95 % interval")
    handles["top_count"] = ax.scatter(top, y, s=26 if few else 6, marker="D", facecolor="none",
                                      zorder=3, edgecolor=SET_COLORS["top_count"], linewidths=1,
                                      label=f"as many of {SET_LABELS['top_count']}")
    ax.axvline(0, color="#3d4650", linewidth=0.6)
    for i in np.flatnonzero([c["size"] == 0 for c in cells]) if few else []:
        ax.annotate("empty graph: nothing to ablate", (0, y[i]), xytext=(4, 0),
                    textcoords="offset points", va="center", fontsize=7, color="#3d4650",
                    style="italic")
    ax.set_ylim(len(records) - 0.5, -0.5)
    at, labels = _thinned([records[i]["class"]["name"] for i in order], 30)
    ax.set_yticks(at, labels, fontsize=7 if few else 6)
    plain_text(ax.get_yticklabels())
    sizes = ax.secondary_yaxis("right")
    sizes.set_yticks(at, [str(cells[i]["size"]) for i in order[at]], fontsize=6.5)
    sizes.set_ylabel("channels ablated", fontsize=7)
    if not few:
        ax.set_ylabel(f"{len(records)} classes, by the graph's drop", fontsize=8)
    ax.set_xlabel("drop of the true-class logit, every primary layer ablated", fontsize=8)
    ax.tick_params(axis="x", labelsize=7)
    ax.grid(axis="x", color="#e5e8eb", linewidth=0.6)
    ax.set_axisbelow(True)
    beats = {k: sum(bool(len(_finite(v))) and g > np.max(_finite(v))
                    for g, v in zip(graph[:, 0], sets[k], strict=True)) for k in sets}
    ax.set_title(f"(a) each class's {configured} graph against same-size channel sets\nits drop "
                 f"exceeds every random set for {beats['random']} and every matched set for "
                 f"{beats['matched']} of {_classes(len(records))}", fontsize=9,
                 loc="left", pad=30)
    legend = ax.legend(handles=[handles[k] for k in SET_COLORS], fontsize=7, frameon=False,
                       loc="lower left", bbox_to_anchor=(0, 1.0), ncol=2, borderaxespad=0.2,
                       handletextpad=0.3, columnspacing=1.5, markerscale=1.5 if few else 3)
    plain_text(legend.get_texts())


def _scopes(records: list[dict[str, Any]]) -> list[str]:
    """Scopes in record order (layers, then ``all``), over every record and variant."""
    seen = dict.fromkeys(s for r in records for v in r["variants"].values()
                         for s in v["ablation"])
    return [s for s in seen if s != "all"] + ["all"] * ("all" in seen)


def _by_scope(ax: plt.Axes, scopes: list[str], series: dict[str, dict[str, np.ndarray]],
              ylabel: str, title: str) -> None:
    """Per scope and variant, each kind's median over classes with its quartiles.

    ``series[variant][kind]`` holds scopes × classes values.
    """
    variants = list(series)
    kinds = list(next(iter(series.values())))
    width = 0.8 / len(variants)
    for iv, variant in enumerate(variants):
        for ik, kind in enumerate(kinds):
            x = np.arange(len(scopes)) - 0.4 + width * (iv + (ik + 1) / (len(kinds) + 1))
            q = np.array([_quantiles(v, (0.25, 0.5, 0.75)) for v in series[variant][kind]])
            ax.vlines(x, q[:, 0], q[:, 2], color=SET_COLORS[kind], linewidth=1.2)
            ax.scatter(x, q[:, 1], s=18, color=SET_COLORS[kind],
                       marker=VARIANT_MARKERS[iv % len(VARIANT_MARKERS)], zorder=3)
    for i in range(1, len(scopes)):
        ax.axvline(i - 0.5, color="#e5e8eb", linewidth=0.8)
    ax.set_xticks(np.arange(len(scopes)), scopes, fontsize=7,
                  rotation=90 if len(scopes) > 5 else 0)
    plain_text(ax.get_xticklabels())
    ax.set_xlim(-0.5, len(scopes) - 0.5)
    ax.tick_params(axis="y", labelsize=7)
    ax.set_ylabel(ylabel, fontsize=8)
    ax.set_title(title, fontsize=9, loc="left")


def _scope_legend(fig: FigureBase, variants: list[str], configured: str) -> None:
    """Colours name the channel sets and markers the variants, for (b) and (e) alike."""
    handles = [plt.Line2D([], [], linestyle="", marker=VARIANT_MARKERS[i % len(VARIANT_MARKERS)],
                          color="#3d4650", label=v + (" (configured)" if v == configured else ""))
               for i, v in enumerate(variants)]
    handles += [plt.Line2D([], [], color=c, marker="o", markersize=4, label=SET_LABELS[k])
                for k, c in SET_COLORS.items()]
    legend = fig.legend(handles=handles, fontsize=7, frameon=False, loc="outside upper left",
                        ncol=len(handles), handletextpad=0.4, columnspacing=1.5,
                        title="(b), (e): median over classes and quartiles, per scope and variant",
                        title_fontsize=7, alignment="left")
    plain_text(legend.get_texts())


def _curves(ax: plt.Axes, records: list[dict[str, Any]], configured: str) -> None:
    """(c) Mean deletion and insertion curves over classes, graph order vs random orders."""
    grid = np.linspace(0, 1, 21)
    counted = 0
    for name, color in (("deletion", "#0072B2"), ("insertion", "#D55E00")):
        graph, random, auc = [], [], {"graph": [], "random": []}
        for r in records:
            c = r["variants"][configured]["curves"][name]
            k = _nums(c["k"])
            if len(k) < 2 or k[-1] <= 0:  # an empty graph: nothing to remove or restore
                continue
            x = k / k[-1]
            graph.append(np.interp(grid, x, _nums(c["graph"])))
            random.append(np.mean([np.interp(grid, x, _nums(o)) for o in c["random"]], axis=0)
                          if c["random"] else np.full(len(grid), np.nan))
            auc["graph"].append(_num(c["auc"]))
            auc["random"].append(_mean(_nums(c["auc_random"])))
        if not graph:
            continue
        counted = len(graph)
        q = np.nanquantile(graph, (0.25, 0.75), axis=0)
        ax.fill_between(grid, q[0], q[1], color=color, alpha=0.15, linewidth=0)
        ax.plot(grid, np.nanmean(graph, axis=0), color=color, linewidth=1.6,
                label=f"{name}, PageRank order (AUC {_mean(auc['graph']):.2f})")
        ax.plot(grid, np.nanmean(random, axis=0), color=color, linewidth=1.2, linestyle="--",
                label=f"{name}, random orders (AUC {_mean(auc['random']):.2f})")
    ax.set_xlim(0, 1)
    ax.set_xlabel("share of the graph's vertices removed / restored", fontsize=8)
    ax.set_ylabel("true-class probability", fontsize=8)
    ax.tick_params(labelsize=7)
    ax.set_title(f"(c) deletion (lower: faithful) and insertion\n(higher: faithful), mean of "
                 f"{_classes(counted)}, quartile band", fontsize=9, loc="left")
    if counted:
        ax.legend(fontsize=6.5, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0),
                  borderaxespad=0.3)


def _specificity(fig: FigureBase, ax: plt.Axes, records: list[dict[str, Any]],
                 configured: str) -> None:
    """(d) The graph of each class ablated on every tested class's images (grey: untested)."""
    names = {r["class"]["id"]: r["class"]["name"] for r in records}
    specs = [r["variants"][configured]["specificity"] for r in records]
    tested = {c for s in specs for c in s["classes"]}
    columns = [c for c in names if c in tested] + sorted(tested - set(names))
    at = {c: j for j, c in enumerate(columns)}
    values = np.full((len(records), len(columns)), np.nan)
    for i, s in enumerate(specs):
        for c, v in zip(s["classes"], s["logit"], strict=True):
            values[i, at[c]] = _num(v)
    finite = _finite(values)
    top = float(np.max(np.abs(finite))) if finite.size and np.any(finite) else 1.0
    shown = ax.imshow(values, aspect="auto", cmap=plt.get_cmap("RdBu_r").with_extremes(
        bad="#d5d9dd"), vmin=-top, vmax=top, interpolation="nearest")
    rows, row_labels = _thinned([r["class"]["name"] for r in records], 30)
    ax.set_yticks(rows, row_labels, fontsize=7 if len(records) <= STRIP_ROWS else 6)
    cols, col_labels = _thinned([names.get(c, f"#{c}") for c in columns], 20)
    ax.set_xticks(cols, col_labels, fontsize=7 if len(columns) <= STRIP_ROWS else 6,
                  rotation=90)
    plain_text([*ax.get_yticklabels(), *ax.get_xticklabels()])
    if values.size <= 100:
        for (i, j), v in np.ndenumerate(values):
            if np.isfinite(v):
                ax.text(j, i, f"{v:.1f}", ha="center", va="center", fontsize=6.5,
                        color="white" if abs(v) > 0.6 * top else "black")
    ax.set_xlabel("images of class", fontsize=8)
    ax.set_ylabel("graph of class, ablated at every layer", fontsize=8)
    per_other = [n for s in specs for n in s["n_images"][1:]]
    images = f" ({_spread(per_other)} images per other class)" if per_other else ""
    ax.set_title(f"(d) specificity: drop of the images' own class's logit{images}\n"
                 "when a class's graph is ablated; grey: not tested", fontsize=9, loc="left")
    bar = fig.colorbar(shown, ax=ax, fraction=0.04, pad=0.02)
    bar.ax.tick_params(labelsize=7)
    bar.set_label("logit drop", fontsize=7)


def _rank_correlation(ax: plt.Axes, records: list[dict[str, Any]], variants: list[str]) -> None:
    """(f) Does PageRank order the vertices by their single-channel effect?"""
    rng = np.random.default_rng(0)
    labels = []
    for i, v in enumerate(variants):
        rho = _nums([r["variants"][v]["rank_correlation"]["rho"] for r in records])
        kept = _finite(rho)
        ax.scatter(i + rng.uniform(-0.15, 0.15, kept.size), kept, s=8, alpha=0.6,
                   color="#3d4650", marker=VARIANT_MARKERS[i % len(VARIANT_MARKERS)],
                   linewidths=0)
        if kept.size:
            ax.hlines(np.median(kept), i - 0.3, i + 0.3, color=SET_COLORS["graph"], linewidth=2)
        missing = len(rho) - kept.size
        labels.append(v + (f"\n{missing} n/a" if missing else ""))
    ax.axhline(0, color="#3d4650", linewidth=0.6)
    ax.set_xticks(np.arange(len(variants)), labels, fontsize=7)
    plain_text(ax.get_xticklabels())
    ax.set_xlim(-0.6, len(variants) - 0.4)
    ax.set_ylim(-1.05, 1.05)
    ax.tick_params(axis="y", labelsize=7)
    ax.set_ylabel("Spearman ρ per class (bar: median)", fontsize=8)
    ax.set_title("(f) PageRank vs\nsingle-channel drop", fontsize=9, loc="left")


def draw_faithfulness(records: list[dict[str, Any]], configured: str) -> plt.Figure:
    """Do the graphs explain their classes? Every class's ablation tests at a glance.

    ``records`` are ``Faithfulness`` JSON, one per class in class order. Per class (a), in
    the curves (c) and the specificity map (d) the ``configured`` variant; per scope (b, e)
    every variant side by side, so the figure says which is more faithful. Beyond
    ``STRIP_ROWS`` classes (a) shows spreads and the labels name every k-th class, so the
    figure's size stays bounded.
    """
    variants = list(dict.fromkeys(v for r in records for v in r["variants"]))
    scopes = _scopes(records)
    rows = len(records) if len(records) <= STRIP_ROWS else 2 * STRIP_ROWS
    line, warning = _header(records, configured)
    heights = [0.75 + 0.25 * (warning is not None), float(np.clip(0.2 * rows + 3, 4.4, 10)),
               4.6]
    fig = plt.figure(figsize=(17, sum(heights)), layout="constrained")
    head, top, bottom = fig.subfigures(3, 1, height_ratios=heights)
    a, d = top.subplots(1, 2, width_ratios=[1.25, 1])
    _per_class(a, records, configured)
    _specificity(top, d, records, configured)
    wide = max(0, len(scopes) - 4)
    ratios = [1 + 0.1 * wide, 0.9 + 0.09 * wide, 1.15]
    # (f) keeps its share of the row as the scope panels widen, or its two-line title runs
    # off the canvas (11 layers: MobileNetV3-small's blocks)
    b, e, c, f = bottom.subplots(1, 4, width_ratios=[*ratios, max(0.45, 0.135 * sum(ratios))])

    def scope_values(variant: str, pick: Any) -> np.ndarray:
        return np.array([[pick(r["variants"][variant], s) for r in records] for s in scopes])

    def ablation(kind: str) -> Any:
        if kind in ("graph", "top_count"):
            return lambda v, s: _num(v["ablation"][s][kind]["logit"]["mean"])
        return lambda v, s: _mean(_nums(v["ablation"][s][kind]["logit"]))

    _by_scope(b, scopes,
              {v: {k: scope_values(v, ablation(k)) for k in SET_COLORS} for v in variants},
              "drop of the true-class logit", "(b) ablated at one layer, or all")
    clean = np.array([_num(r["clean"]["accuracy"]) for r in records])
    kept = np.where(clean > 0, 1 / np.where(clean > 0, clean, 1), np.nan)

    def sufficiency(kind: str) -> Any:
        return lambda v, s: (_num(v["sufficiency"][s]["graph"]) if kind == "graph"
                             else _mean(_nums(v["sufficiency"][s]["random"])))

    _by_scope(e, scopes,
              {v: {k: scope_values(v, sufficiency(k)) * kept for k in ("graph", "random")}
               for v in variants},
              "top-1 accuracy kept / clean accuracy",
              "(e) sufficiency: only the set's channels kept")
    _scope_legend(bottom, variants, configured)
    _curves(c, records, configured)
    _rank_correlation(f, records, variants)
    head.text(0.01, 0.95, "Do the attribution graphs explain their classes? Ablation tests on "
              + _classes(len(records)), fontsize=12, ha="left", va="top")
    head.text(0.01, 0.95 - 0.4 / heights[0], line, fontsize=8, ha="left", va="top",
              color="#3d4650")
    if warning:
        head.text(0.01, 0.95 - 0.65 / heights[0], warning, fontsize=9, ha="left", va="top",
                  color="#b2182b", fontweight="bold")
    return fig


def draw_stability(rows: list[dict[str, Any]], inclusion: list[float],
                   min_support: float) -> plt.Figure:
    """How much each class's graph depends on its sample of images: per class the resampled
    graphs' vertex and edge Jaccard with the graph (mean, and 5th percentile as the bar's
    left end) and the split halves' agreement; and every graph vertex's inclusion."""
    names = [r["class"] for r in rows]
    at, labels = _thinned(names, 24)
    y = np.arange(len(rows))
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(11, float(np.clip(0.25 * len(at) + 1.8,
                                                                     3.2, 11))),
                                  gridspec_kw={"width_ratios": [3, 2]})
    for key, colour, marker, label in (("vertex", "#0072B2", "o", "vertices"),
                                       ("edge", "#E69F00", "s", "edges")):
        mean = [r[f"{key}_jaccard_mean"] for r in rows]
        p5 = [r[f"{key}_jaccard_p5"] for r in rows]
        offset = -0.15 if key == "vertex" else 0.15
        ax.hlines(y + offset, p5, mean, color=colour, alpha=0.6)
        ax.scatter(mean, y + offset, color=colour, marker=marker, s=18, zorder=3,
                   label=f"{label}: resampled vs graph (mean; line from 5th pct.)")
    ax.scatter([r["split_half_vertex_jaccard"] for r in rows], y, color="#444", marker="x",
               s=18, zorder=4, label="vertices: one half of the images vs the other")
    ax.set_yticks(at, labels, fontsize=7)
    ax.invert_yaxis()
    ax.set_xlim(0, 1.02)
    ax.set_xlabel("Jaccard index", fontsize=8)
    legend = ax.legend(fontsize=7, frameon=False, loc="lower left", bbox_to_anchor=(0, 1.0))
    plain_text(legend.get_texts())
    ax2.hist(inclusion, bins=np.linspace(0, 1, 21), color="#8c96a0")
    ax2.axvline(min_support, color="#b2182b", linestyle="--", linewidth=1)
    ax2.text(min_support, 0.98, f" {min_support:.0%}: tentative below", color="#b2182b",
             fontsize=7, transform=ax2.get_xaxis_transform(), ha="right", va="top")
    ax2.set_xlabel("inclusion: share of resampled graphs holding the vertex", fontsize=8)
    ax2.set_ylabel("graph vertices (all classes)", fontsize=8)
    fig.suptitle("Stability: each graph rebuilt from bootstrap resamples of its images",
                 fontsize=11, x=0.01, ha="left")
    fig.tight_layout()
    return fig

