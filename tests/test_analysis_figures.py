"""The analysis figures: each one draws what its data says, and saves PNG and PDF."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.image import AxesImage
from matplotlib.patches import Circle

from summit.analyses.class_comparison import compare, conserved
from summit.analyses.matching import translate
from summit.analyses.neighbours import report as neighbour_report
from summit.analyses.neighbours import with_support
from summit.io.atlas import FeatvisAtlas
from summit.method.resampling import resample_weights
from summit.render.analysis.model_comparison import draw_model_summary
from summit.render.analysis.neighbours import draw_neighbourhoods
from summit.render.analysis.nonsemantic import draw_nonsemantic
from summit.render.analysis.separability import draw_separability
from summit.render.figures import (
    MEMBERSHIP_COLORS,
    draw_class_pair,
    draw_matched,
    motif_grid,
    save,
)
from summit.render.layout import union
from tests.figure_checks import assert_no_text_overlaps, assert_texts_inside
from tests.test_class_comparison import _random_graph

NAMES = ["Coat $x$", "Bag", "Shirt", "Dress"]


def _texts(fig):
    titles = " ".join(ax.get_title(loc) for ax in fig.axes for loc in ("left", "center", "right"))
    return titles + " ".join(t.get_text() for ax in fig.axes for t in ax.texts) + \
        " ".join(t.get_text() for t in fig.texts) + " ".join(
            t.get_text() for ax in fig.axes for t in ax.get_yticklabels() + ax.get_xticklabels())


def _rings(fig):
    return {c.get_edgecolor()[:3] for ax in fig.axes for c in ax.patches if isinstance(c, Circle)}


def _rgb(hex_color):
    return tuple(int(hex_color[i:i + 2], 16) / 255 for i in (1, 3, 5))


def test_nonsemantic_figure_shows_the_evidence(tmp_path):
    result = {"settings": {"min_lift": 1.5, "min_coverage": 0.95}, "class_ids": [0, 1, 2, 3],
              "n_flagged": 1, "channels": [
                  {"layer": "l", "channel": 2, "flagged": True, "coverage": 1.0,
                   "median_lift": 3.0, "selectivity": 0.05, "lift": [3, 2, 4, 2.5]},
                  {"layer": "l", "channel": 0, "flagged": False, "coverage": 0.25,
                   "median_lift": 0.5, "selectivity": 0.6, "lift": [6, 0, 0, 1]}]}
    hist = {("l", 2): np.ones((4, 5)), ("l", 0): np.eye(4, 5)}
    fig = draw_nonsemantic(result, hist, NAMES, {}, {})
    text = _texts(fig)
    assert "l:2" in text and "non-semantic" in text and "1 flagged" in text
    assert "Coat $x$" in text  # names are text, not mathtext
    bars = [p for p in fig.axes[2].patches]
    assert sorted(b.get_height() for b in bars) == [2, 2.5, 3, 4]
    save(fig, tmp_path / "n.png", tmp_path / "n.pdf")
    assert (tmp_path / "n.png").stat().st_size > 0 and (tmp_path / "n.pdf").stat().st_size > 0
    # Channel 2's render failed: no grey image passing for its feature, and the title says so.
    atlas = FeatvisAtlas(np.full((8, 4), 0.5), 4, {2: 0, 0: 1}, {2: "never activates"})
    fig = draw_nonsemantic(result, hist, NAMES, {"l": atlas}, {})
    assert [fig.axes[i].get_title() for i in (0, 4)] == ["render failed", "feature vis."]
    assert [any(isinstance(a, AxesImage) for a in fig.axes[i].get_children())
            for i in (0, 4)] == [False, True]


LONG_NAMES = [f"A remarkably long class name, number {i}, with more words" for i in range(12)]


def _nonsemantic_with_support(n_classes: int) -> dict:
    rng = np.random.default_rng(n_classes)

    def channel(layer, c, flagged, support, tentative):
        return {"layer": layer, "channel": c, "flagged": flagged, "coverage": 1.0 * flagged,
                "median_lift": 2.0, "selectivity": 0.1,
                "lift": (rng.random(n_classes) * 4).tolist(), "support": support,
                "tentative": tentative}

    return {"settings": {"min_lift": 1.5, "min_coverage": 0.95},
            "class_ids": list(range(n_classes)), "n_flagged": 2, "n_supported": 1,
            "stability": {"min_support": 0.9, "resamples": 50},
            "channels": [channel("inception4a.branch3", 2, True, 0.62, True),
                         channel("inception4a.branch3", 7, True, 1.0, False),
                         channel("mixed3a", 0, False, 0.08, False)],
            "near_misses": {"inception4a.branch3": [
                {"channel": c, "support": 0.5 + c / 100, "coverage": 0.9} for c in range(9)]}}


def test_nonsemantic_figure_marks_tentative_channels_and_fits_long_names():
    for n_classes in (4, 12, 30):
        result = _nonsemantic_with_support(n_classes)
        hist = {(c["layer"], c["channel"]): np.ones((n_classes, 5)) for c in result["channels"]}
        fig = draw_nonsemantic(result, hist, LONG_NAMES * 3, {}, {})
        labels = [t.get_text() for t in fig.axes[0].texts + fig.axes[4].texts
                  + fig.axes[8].texts]
        assert labels == ["inception4a.branch3:2\nnon-semantic\ntentative · support 0.62",
                          "inception4a.branch3:7\nnon-semantic\nsupport 1.00",
                          "mixed3a:0\nnot flagged\nsupport 0.08"]
        text = _texts(fig)
        assert "1 in ≥ 90% of 50 resamples" in text and "Near misses" in text
        assert "inception4a.branch3:8 (0.58)" in text and "and 3 more" in text
        assert_texts_inside(fig)
        assert_no_text_overlaps(fig)
        plt.close(fig)


def test_neighbourhood_figure_marks_tentative_findings_and_fits_long_names():
    rng = np.random.default_rng(1)
    ids = list(range(6))
    groups = [rng.integers(0, 9, size=(6, 4, 5)) for _ in range(3)]
    result = with_support(
        neighbour_report(["a", "b", "c"], [g.sum(axis=1) for g in groups], ids, LONG_NAMES, k=2),
        groups, np.stack([resample_weights(0, c, 20, 4) for c in ids]), 2,
        {"min_support": 0.9, "resamples": 20})
    # Classes crowded together, as a thousand classes' neighbours are: no name may overprint.
    layouts = {x: 0.5 + 0.01 * rng.random((6, 2)) for x in "abc"}
    fig = draw_neighbourhoods(result, layouts, ids, LONG_NAMES, n_classes=2)
    by_id = {c["id"]: c for c in result["classes"]}
    for row, cid in enumerate(result["ranking"][:2]):
        c = by_id[cid]
        label = fig.axes[3 * row].get_ylabel()
        assert f"in {c['rank_support']:.0%} of resamples" in label
        assert ("tentative" in label) == c["tentative"]
        for ax, layer in zip(fig.axes[3 * row:3 * row + 3], "abc", strict=True):
            dashed = [line.get_linestyle() == "--" for line in ax.lines]
            assert dashed == c["neighbour_tentative"][layer]
            named = ax.get_xlabel().split("\n")
            assert [n.startswith("(") for n in named] == dashed  # in order, nearest first
    assert any(c["tentative"] for c in result["classes"])
    assert any(t for c in result["classes"] for v in c["neighbour_tentative"].values() for t in v)
    assert f"first ranks first in {result['top_support']:.0%}" in fig._suptitle.get_text()
    assert_texts_inside(fig)
    assert_no_text_overlaps(fig)
    plt.close(fig)


def test_neighbourhood_figure_has_a_row_per_class_and_a_column_per_layer():
    counts = [np.random.default_rng(i).integers(0, 9, size=(4, 5)) for i in range(3)]
    result = neighbour_report(["a", "b", "c"], counts, [0, 1, 2, 3], NAMES, k=1)
    layouts = {x: np.random.default_rng(7).random((4, 2)) for x in "abc"}
    fig = draw_neighbourhoods(result, layouts, [0, 1, 2, 3], NAMES, n_classes=2)
    assert len(fig.axes) == 2 * 3
    top = result["classes"][result["ranking"][0]]
    assert top["name"] in fig.axes[0].get_ylabel()


def test_class_pair_figure_rings_vertices_by_membership():
    rng = np.random.default_rng(3)
    a, b = _random_graph(rng, 0), _random_graph(rng, 1)
    c = compare(a, b)
    fig = draw_class_pair(c, a, b, {})
    rings = _rings(fig)
    for key in ("a", "b", "both"):
        if any(n["membership"] == key for n in union(a, b)["nodes"]):
            assert _rgb(MEMBERSHIP_COLORS[key]) in rings
    assert "class 0" in _texts(fig) and "Jaccard" in _texts(fig)


def _matched(rng, layers=("l1", "l2", "l3"), b_layers=("m1", "m2", "m3"), **kw):
    """A's random graph and B's (its own layer names), B written in A's ids through a
    matching that pairs B's channel c with A's channel 5 - c for c < 4 (the rest unmatched)."""
    a = _random_graph(rng, 0, layers=layers, **kw)
    b = _random_graph(rng, 0, layers=b_layers, **kw)
    matchings = {x: {"layer_b": y, "pairs": [
        {"a": 5 - c, "b": c, "score": 0.9, "matched": c < 4} for c in range(6)]}
        for x, y in zip(layers, b_layers, strict=True)}
    return a, translate(b, matchings)


def test_matched_figure_draws_a_pair_as_one_vertex_with_both_renders():
    rng = np.random.default_rng(4)
    a, b = _matched(rng, p_node=0.7)
    merged = union(a, b)
    atlas_a = {x: FeatvisAtlas(np.full((24, 4), 0.2), 4, {c: c for c in range(6)}, {})
               for x in a["layers"]}
    atlas_b = {x: FeatvisAtlas(np.full((24, 4), 0.8), 4, {c: c for c in range(6)}, {})
               for x in ("m1", "m2", "m3")}
    fig = draw_matched(merged, atlas_a, atlas_b, "seed 0", "seed 1", "Bag: t")
    ax = fig.axes[0]
    images = [x for x in ax.get_children() if isinstance(x, AxesImage)]
    kinds = {k: sum(n["membership"] == k for n in merged["nodes"]) for k in ("a", "b", "both")}
    assert kinds["both"] and kinds["a"] and kinds["b"]
    # one image per vertex of one model, two (A's dark, B's light) per matched pair
    assert len(images) == kinds["a"] + kinds["b"] + 2 * kinds["both"]
    assert sorted(float(i.get_array().mean()) for i in images) == pytest.approx(
        sorted([0.2] * (kinds["a"] + kinds["both"]) + [0.8] * (kinds["b"] + kinds["both"])))
    labels = {t.get_text() for t in ax.texts}
    for n in merged["nodes"]:  # B's matched channels (0-3) are "a|b", in A's graph or not
        want = (str(n["channel"]) if n["membership"] == "a" else
                f"{n['channel']}|{n['b_channel']}" if n["b_channel"] < 4 else
                f"b{n['b_channel']}")
        assert want in labels
    assert any(n["membership"] == "b" and n["b_channel"] < 4 for n in merged["nodes"])
    assert "B: m2" in labels  # another architecture's layer names, per row
    assert _rgb(MEMBERSHIP_COLORS["both"]) in _rings(fig)
    assert "A = seed 0" in _texts(fig)
    plt.close(fig)


def test_model_summary_figure():
    rng = np.random.default_rng(4)
    a, b = _random_graph(rng, 0), _random_graph(rng, 0)
    c = compare(a, b)
    c.update({"models": ["epoch 1", "epoch 3"], "accuracy": [0.5, 0.9],
              "conserved": conserved(a, b)})
    fig = draw_model_summary([c, {**c, "a": {"id": 1, "name": "Bag"}}])
    assert "Bag" in _texts(fig)
    image = [x for x in fig.axes[0].get_children() if isinstance(x, AxesImage)][0]
    assert np.allclose(image.get_array()[0], [c["layers"][x]["jaccard"] for x in c["layers"]])


@pytest.mark.parametrize("layers", [("l1", "l2", "l3", "l4"),
                                    tuple(f"features.{i}" for i in range(1, 12))])
def test_matched_figure_keeps_a_long_title_on_the_canvas_and_off_the_graph(layers):
    # the step's title (class, share kept with its spread, both accuracies) and model names
    # ran off the right edge, and over a tall graph (MobileNetV3's 11 layers)
    rng = np.random.default_rng(7)
    a, b = _matched(rng, layers, tuple(f"b.{x}" for x in layers), channels=9, p_node=0.3)
    fig = draw_matched(union(a, b), {}, {}, "MobileNetV3-small (Fashion-MNIST)",
                       "MobileNetV3-small (Fashion-MNIST), epoch 1",
                       "Ankle boot: two models' attribution graphs, channels matched by their "
                       "responses\n48% of A's vertices kept (resamples 0.41–0.52); vertex "
                       "Jaccard 0.09; accuracy on the class's images 98.0% → 0.0%")
    assert_texts_inside(fig)
    assert_no_text_overlaps(fig)
    plt.close(fig)


def test_separability_figure_puts_the_model_last():
    layer = {"channels_per_class": 2, "classes": [
        {"id": 0, "classifier_balanced_accuracy": 0.7, "model_balanced_accuracy": 0.9},
        {"id": 1, "classifier_balanced_accuracy": 0.8, "model_balanced_accuracy": 0.95}],
        "joint": {"channels": [1, 2], "classifier_accuracy": 0.6, "model_accuracy": 0.9}}
    fig = draw_separability({"a": layer, "b": layer}, NAMES)
    image = [x for x in fig.axes[0].get_children() if isinstance(x, AxesImage)][0]
    assert np.allclose(image.get_array(), [[0.7, 0.7, 0.9], [0.8, 0.8, 0.95]])


def test_a_thousand_classes_heatmap_keeps_the_worst_forty_and_says_so():
    """At 1000 classes a heatmap row per class is an unreadable stripe: the separability and
    model-comparison heatmaps draw the 40 classes with the lowest mean, lowest first, named,
    and say what they kept; the model comparison's headline still names the class of all."""
    rng = np.random.default_rng(8)
    n = 1000
    names = [f"class {i}" for i in range(n)]
    acc = rng.uniform(0.5, 1.0, (n, 2))
    layer = lambda j: {"channels_per_class": 3, "classes": [  # noqa: E731
        {"id": i, "classifier_balanced_accuracy": acc[i, j], "model_balanced_accuracy": 0.9}
        for i in range(n)], "joint": {"channels": [1], "classifier_accuracy": 0.6,
                                      "model_accuracy": 0.9}}
    fig = draw_separability({"a": layer(0), "b": layer(1)}, names)
    ax = fig.axes[0]
    worst = np.argsort((acc.sum(axis=1) + 0.9) / 3, kind="stable")[:40]
    assert [t.get_text() for t in ax.get_yticklabels()] == [names[i] for i in worst]
    assert "the 40 of 1000 classes with the lowest mean" in ax.get_ylabel()
    assert_texts_inside(fig)
    plt.close(fig)
    a, b = _random_graph(rng, 0), _random_graph(rng, 0)
    base = {**compare(a, b), "models": ["A", "B"], "accuracy": [0.5, 0.9],
            "conserved": conserved(a, b)}
    jac = rng.random(n)
    results = [{**base, "a": {"id": i, "name": names[i]}, "vertex_jaccard": float(jac[i]),
                "layers": {"l": {"jaccard": float(jac[i])}}} for i in range(n)]
    fig = draw_model_summary(results, {"index": 7, "support": 0.95, "tentative": False})
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == [names[i] for i in np.argsort(jac)[:40]]
    assert "of 1000 classes" in ax.get_ylabel()
    assert "changes most: class 7" in fig._suptitle.get_text()
    plt.close(fig)


def test_many_layers_turn_the_column_labels_upright_few_stay_level():
    # layers: auto on MobileNetV3-small: features.1 … features.11 ran into each other under
    # the separability heatmap, its dense-layer panel and the model comparison's heatmap
    rng = np.random.default_rng(6)
    a, b = _random_graph(rng, 0), _random_graph(rng, 0)
    c = {**compare(a, b), "models": ["epoch 1", "epoch 3"], "accuracy": [0.5, 0.9],
         "conserved": conserved(a, b)}
    for n, upright in ((2, False), (11, True)):
        names = [f"features.{i}" for i in range(1, n + 1)]
        layer = {"channels_per_class": 2, "classes": [
            {"id": 0, "classifier_balanced_accuracy": 0.7, "model_balanced_accuracy": 0.9},
            {"id": 1, "classifier_balanced_accuracy": 0.8, "model_balanced_accuracy": 0.95}],
            "joint": {"channels": [1, 2], "classifier_accuracy": 0.6, "model_accuracy": 0.9}}
        summary = {**c, "layers": {x: {"jaccard": 0.5} for x in names}}
        for fig in (draw_separability(dict.fromkeys(names, layer), NAMES),
                    draw_model_summary([summary, {**summary, "a": {"id": 1, "name": "Bag"}}])):
            assert_texts_inside(fig)
            assert_no_text_overlaps(fig)
            rotations = {t.get_rotation() for ax in fig.axes for t in ax.get_xticklabels()
                         if t.get_text().startswith("features.")}
            assert rotations == ({90.0} if upright else {0.0})
            plt.close(fig)


def test_motif_grid_draws_each_motif_or_says_there_is_none():
    rng = np.random.default_rng(5)
    graphs = [_random_graph(rng, i) for i in range(2)]
    fig = motif_grid(graphs, ["#0: a", "#1: b"], {}, "h")
    assert "#1: b" in _texts(fig)
    heading = "Motifs: 0 sub-structures shared by 2+ classes (showing 0)"  # the step's
    for fig in (motif_grid([], [], {}, heading), motif_grid(graphs[:1], ["#0: a"], {}, heading)):
        assert_texts_inside(fig)  # one narrow column: the heading widens the canvas
    assert "no recurring" in _texts(fig := motif_grid([], [], {}, "h"))
    assert_texts_inside(fig)


LONG = "Ankle boot, a much longer class name $x$ than any in Fashion-MNIST"


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("names", [(LONG, "Bag"), ("Bag", LONG), (LONG, LONG + " (other)")])
def test_the_class_pair_figure_states_the_pairs_support_and_fits_long_names(seed, names):
    """Three title lines (names, Jaccards with their spread, support) over graphs of every
    shape: every text inside the canvas, at 100 dpi and at the PNG's 200, none on another."""
    import matplotlib.pyplot as plt

    from tests.figure_checks import assert_no_text_overlaps

    rng = np.random.default_rng(seed)
    a, b = _random_graph(rng, 0), _random_graph(rng, 1)
    a["class"]["name"], b["class"]["name"] = names
    c = {**compare(a, b), "support": 0.46, "tentative": True,
         "vertex_jaccard_spread": {"mean": 0.5, "p5": 0.4, "p95": 0.61}}
    fig = draw_class_pair(c, a, b, {})
    text = _texts(fig)
    assert "support 0.46, tentative" in text and "(resamples 0.40–0.61)" in text
    assert "in 46% of the resamples" in text
    for dpi in (100, 200):
        fig.set_dpi(dpi)
        assert_texts_inside(fig)
        assert_no_text_overlaps(fig)
    held = draw_class_pair({**c, "support": 0.95, "tentative": False}, a, b, {})
    assert "support 0.95)" in _texts(held) and "tentative" not in _texts(held)
    assert "support" not in _texts(draw_class_pair(compare(a, b), a, b, {}))  # no resamples
    plt.close("all")


def test_the_motif_grid_marks_tentative_motifs():
    from summit.render.figures import TENTATIVE_COLOR

    rng = np.random.default_rng(5)
    graphs = [_random_graph(rng, i) for i in range(2)]
    fig = motif_grid(graphs, ["#0: a (support 1.00)", "#1: b (support 0.40, tentative)"], {},
                     "h", [False, True])
    colors = [ax._left_title.get_color() for ax in fig.axes[:2]]  # noqa: SLF001
    assert colors[1] == TENTATIVE_COLOR and colors[0] != TENTATIVE_COLOR
    assert_texts_inside(fig)


def test_the_model_summary_shows_the_spread_and_the_headlines_support():
    from matplotlib.container import ErrorbarContainer

    from tests.figure_checks import assert_no_text_overlaps

    rng = np.random.default_rng(4)
    a, b = _random_graph(rng, 0), _random_graph(rng, 0)
    c = compare(a, b)
    c.update({"models": ["epoch 1", "epoch 3"], "accuracy": [0.5, 0.9]})
    spread = {"mean": 0.5, "p5": 0.3, "p95": 0.7}
    records = [{**c, "a": {"id": i, "name": f"{LONG} {i}"}, "vertex_jaccard": 0.5 + 0.1 * i,
                "conserved": {"vertices": 0.6, "edges": 0.4},
                "stability": {"vertex_jaccard": {**spread, "p5": 0.2 + 0.1 * i},
                              "edge_jaccard": spread, "conserved": spread}} for i in range(3)]
    fig = draw_model_summary(records, {"index": 0, "support": 0.62, "tentative": True,
                                       "shares": [0.62, 0.3, 0.08]})
    text = _texts(fig)
    assert f"changes most: {LONG} 0" in text and "support 0.62, tentative" in text
    bars = [x for x in fig.axes[1].containers if isinstance(x, ErrorbarContainer)]
    assert len(bars) == 3  # A's vertices kept, vertex and edge Jaccard, one bar per class
    segments = bars[1].lines[2][0].get_segments()
    assert [x for s in segments for x in (s[0][0], s[1][0])] == pytest.approx(
        [0.2, 0.7, 0.3, 0.7, 0.4, 0.7])
    assert_texts_inside(fig)
    assert_no_text_overlaps(fig)
    draw_model_summary(records[:1])  # no headline, still drawn


def test_matching_figure_draws_each_layers_scores_against_the_null():
    from matplotlib.lines import Line2D

    from summit.analyses.matching import match_layer
    from summit.render.analysis.matching import draw_matching

    rng = np.random.default_rng(9)
    x = rng.gamma(2.0, size=(400, 6))
    y = np.concatenate([x[:, :3] + 0.5 * rng.gamma(2.0, size=(400, 3)),
                        rng.gamma(2.0, size=(400, 5))], axis=1)
    records = [{"layer_a": "mixed3a", "layer_b": name, "models": ["seed 0", "seed 1"],
                **match_layer(x, y, threshold=0.3, top=10, resamples=5, seed=0)}
               for name in ("mixed3a", "conv2")]
    fig = draw_matching(records)
    text = _texts(fig)
    assert "mixed3a ↔ conv2" in text and "3 of 6 matched (B: 8)" in text
    assert "A = seed 0, B = seed 1" in text
    ax = fig.axes[0]
    lines = [line for line in ax.get_lines() if isinstance(line, Line2D)]
    observed = sorted((p["score"] for p in records[0]["pairs"]), reverse=True)
    assert np.allclose(lines[0].get_ydata(), observed)
    assert np.allclose(lines[1].get_ydata(), records[0]["null"]["ranked"])
    assert records[0]["null"]["ranked"][0] >= records[0]["null"]["ranked"][-1]
    assert_texts_inside(fig)
    plt.close(fig)
    one = draw_matching(records[1:])  # one layer pair: the canvas widens to the title
    assert_texts_inside(one)
    assert_no_text_overlaps(one)
    plt.close(one)
