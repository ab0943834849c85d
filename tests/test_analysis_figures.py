"""The analysis figures: each one draws what its data says, and saves PNG and PDF."""

import numpy as np
from matplotlib.image import AxesImage
from matplotlib.patches import Circle

from summit.analysis_figures import (
    draw_model_summary,
    draw_neighbourhoods,
    draw_nonsemantic,
    draw_separability,
)
from summit.atlas import FeatvisAtlas
from summit.class_comparison import compare
from summit.figures import (
    MEMBERSHIP_COLORS,
    draw_class_pair,
    draw_side_by_side,
    motif_grid,
    save,
)
from summit.layout import union
from summit.neighbours import report as neighbour_report
from tests.figure_checks import assert_texts_inside
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


def test_side_by_side_and_summary_figures():
    rng = np.random.default_rng(4)
    a, b = _random_graph(rng, 0), _random_graph(rng, 0)
    c = compare(a, b)
    fig = draw_side_by_side(a, b, {}, {}, "epoch 1", "epoch 3", "t")
    assert len(fig.axes) == 2 and f"{len(a['nodes'])} vertices" in _texts(fig)
    c.update({"models": ["epoch 1", "epoch 3"], "accuracy": [0.5, 0.9]})
    fig = draw_model_summary([c, {**c, "a": {"id": 1, "name": "Bag"}}])
    assert "Bag" in _texts(fig)
    image = [x for x in fig.axes[0].get_children() if isinstance(x, AxesImage)][0]
    assert np.allclose(image.get_array()[0], [c["layers"][x]["jaccard"] for x in c["layers"]])


def test_separability_figure_puts_the_model_last():
    layer = {"channels_per_class": 2, "classes": [
        {"id": 0, "classifier_balanced_accuracy": 0.7, "model_balanced_accuracy": 0.9},
        {"id": 1, "classifier_balanced_accuracy": 0.8, "model_balanced_accuracy": 0.95}],
        "joint": {"channels": [1, 2], "classifier_accuracy": 0.6, "model_accuracy": 0.9}}
    fig = draw_separability({"a": layer, "b": layer}, NAMES)
    image = [x for x in fig.axes[0].get_children() if isinstance(x, AxesImage)][0]
    assert np.allclose(image.get_array(), [[0.7, 0.7, 0.9], [0.8, 0.8, 0.95]])


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
