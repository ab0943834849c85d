"""Do the attribution graphs explain their classes (``faithfulness``)? Every class's ablation
tests at a glance: (a) each class's graph against same-size channel sets, (b) per scope,
(c) deletion and insertion curves, (d) specificity, (e) sufficiency, (f) PageRank against
single-channel effects."""

from __future__ import annotations

from typing import Any

import matplotlib

matplotlib.use("Agg")  # figures are files; never open a window

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.figure import FigureBase  # noqa: E402

from summit.method.resampling import percentiles  # noqa: E402
from summit.render.analysis.common import STRIP_ROWS, num, nums, thinned  # noqa: E402
from summit.render.figures import plain_text  # noqa: E402

# One colour per kind of channel set, one marker per graph variant.
SET_COLORS = {"graph": "#b2182b", "top_count": "#0072B2", "matched": "#E69F00",
              "random": "#8c96a0"}
SET_LABELS = {"graph": "the graph's channels", "top_count": "the class's most frequent channels",
              "matched": "frequency-matched sets", "random": "random sets"}
VARIANT_MARKERS = ("o", "s", "^", "D")
ABLATIONS = {"mean": "replaced by their mean map over a reference sample of all classes",
             "zero": "set to 0"}


def _finite(xs: Any) -> np.ndarray:
    a = np.asarray(xs, float).ravel()
    return a[np.isfinite(a)]


def _mean(xs: Any) -> float:
    """Mean of the finite values, NaN without any (an empty graph has no sets)."""
    a = _finite(xs)
    return float(a.mean()) if a.size else np.nan


def _quantiles(xs: Any, ps: tuple[float, ...]) -> list[float]:
    q = percentiles(_finite(xs), ps)
    return [q[f"p{p:g}"] for p in ps]


def _classes(n: int) -> str:
    return f"{n} class{'es' * (n != 1)}"


def _spread(values: list[Any]) -> str:
    """One value, or the range of the records' values."""
    distinct = sorted(set(values))
    return f"{distinct[0]}" if len(distinct) == 1 else f"{distinct[0]}–{distinct[-1]}"


def _note(records: list[dict[str, Any]]) -> str | None:
    """How the sets were drawn and how many are first-order estimates (None for records
    written before the sequential tests)."""
    if not any(r.get("estimation") for r in records):
        return None
    flags = [f for r in records for v in r["variants"].values() for a in v["ablation"].values()
             for fs in a.get("estimated", {}).values() for f in fs]
    return ("Sets are drawn until each test's verdict is settled (sequential Monte Carlo), so "
            f"a test may hold fewer; {sum(flags)} of the {len(flags)} drawn are first-order "
            "estimates, not ablated, as are some random deletion-curve points")


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


def _baseline_sets(ax: plt.Axes, sets: dict[str, list[np.ndarray]], y: np.ndarray,
                   few: bool) -> dict[str, Any]:
    """(a)'s random and matched sets per class: each set's drop (jittered, the same drawing
    every run) when few classes, else their 10–90 % range; their legend handles by kind."""
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
            lo, hi = np.array([_quantiles(v, (10, 90)) for v in sets[kind]]).T
            handles[kind] = ax.hlines(y + offset / 2, lo, hi, color=SET_COLORS[kind],
                                      linewidth=0.8, label=f"{SET_LABELS[kind]}, 10–90 %")
    return handles


def _class_axis(ax: plt.Axes, records: list[dict[str, Any]], cells: list[dict[str, Any]],
                order: np.ndarray, few: bool) -> None:
    """(a)'s axes: the classes in ``order`` (every k-th named when many) with their graphs'
    sizes on the right, the drop along the bottom."""
    ax.set_ylim(len(records) - 0.5, -0.5)
    at, labels = thinned([records[i]["class"]["name"] for i in order], 30)
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


def _per_class(ax: plt.Axes, records: list[dict[str, Any]], configured: str) -> None:
    """(a) Each class's all-layer logit drop against its own baselines."""
    cells = [r["variants"][configured]["ablation"]["all"] for r in records]
    graph = np.array([[num(c["graph"]["logit"][k]) for k in ("mean", "low", "high")]
                      for c in cells]).reshape(len(cells), 3)
    top = np.array([num(c["top_count"]["logit"]["mean"]) for c in cells])
    sets = {kind: [nums(c[kind]["logit"]) for c in cells] for kind in ("random", "matched")}
    few = len(records) <= STRIP_ROWS
    order = np.arange(len(records)) if few else np.argsort(-np.nan_to_num(graph[:, 0],
                                                                           nan=-np.inf))
    y = np.empty(len(records))
    y[order] = np.arange(len(records))
    handles = _baseline_sets(ax, sets, y, few)
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
    _class_axis(ax, records, cells, order, few)
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
            q = np.array([_quantiles(v, (25, 50, 75)) for v in series[variant][kind]])
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
            k = nums(c["k"])
            if len(k) < 2 or k[-1] <= 0:  # an empty graph: nothing to remove or restore
                continue
            x = k / k[-1]
            graph.append(np.interp(grid, x, nums(c["graph"])))
            random.append(np.mean([np.interp(grid, x, nums(o)) for o in c["random"]], axis=0)
                          if c["random"] else np.full(len(grid), np.nan))
            auc["graph"].append(num(c["auc"]))
            auc["random"].append(_mean(nums(c["auc_random"])))
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
            values[i, at[c]] = num(v)
    finite = _finite(values)
    top = float(np.max(np.abs(finite))) if finite.size and np.any(finite) else 1.0
    shown = ax.imshow(values, aspect="auto", cmap=plt.get_cmap("RdBu_r").with_extremes(
        bad="#d5d9dd"), vmin=-top, vmax=top, interpolation="nearest")
    rows, row_labels = thinned([r["class"]["name"] for r in records], 30)
    ax.set_yticks(rows, row_labels, fontsize=7 if len(records) <= STRIP_ROWS else 6)
    cols, col_labels = thinned([names.get(c, f"#{c}") for c in columns], 20)
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
        rho = nums([r["variants"][v]["rank_correlation"]["rho"] for r in records])
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


def _scope_panels(b: plt.Axes, e: plt.Axes, records: list[dict[str, Any]], scopes: list[str],
                  variants: list[str]) -> None:
    """(b) Every set's ablation and (e) sufficiency, per scope and variant."""

    def scope_values(variant: str, pick: Any) -> np.ndarray:
        return np.array([[pick(r["variants"][variant], s) for r in records] for s in scopes])

    def ablation(kind: str) -> Any:
        if kind in ("graph", "top_count"):
            return lambda v, s: num(v["ablation"][s][kind]["logit"]["mean"])
        return lambda v, s: _mean(nums(v["ablation"][s][kind]["logit"]))

    _by_scope(b, scopes,
              {v: {k: scope_values(v, ablation(k)) for k in SET_COLORS} for v in variants},
              "drop of the true-class logit", "(b) ablated at one layer, or all")
    clean = np.array([num(r["clean"]["accuracy"]) for r in records])
    kept = np.where(clean > 0, 1 / np.where(clean > 0, clean, 1), np.nan)

    def sufficiency(kind: str) -> Any:
        return lambda v, s: (num(v["sufficiency"][s]["graph"]) if kind == "graph"
                             else _mean(nums(v["sufficiency"][s]["random"])))

    _by_scope(e, scopes,
              {v: {k: scope_values(v, sufficiency(k)) * kept for k in ("graph", "random")}
               for v in variants},
              "top-1 accuracy kept / clean accuracy",
              "(e) sufficiency: only the set's channels kept")


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
    note = _note(records)
    heights = [0.75 + 0.25 * (warning is not None) + 0.2 * (note is not None),
               float(np.clip(0.2 * rows + 3, 4.4, 10)), 4.6]
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
    _scope_panels(b, e, records, scopes, variants)
    _scope_legend(bottom, variants, configured)
    _curves(c, records, configured)
    _rank_correlation(f, records, variants)
    head.text(0.01, 0.95, "Do the attribution graphs explain their classes? Ablation tests on "
              + _classes(len(records)), fontsize=12, ha="left", va="top")
    head.text(0.01, 0.95 - 0.4 / heights[0], line, fontsize=8, ha="left", va="top",
              color="#3d4650")
    below = 0.65
    if note:
        head.text(0.01, 0.95 - below / heights[0], note, fontsize=8, ha="left", va="top",
                  color="#3d4650")
        below += 0.2
    if warning:
        head.text(0.01, 0.95 - below / heights[0], warning, fontsize=9, ha="left", va="top",
                  color="#b2182b", fontweight="bold")
    return fig
