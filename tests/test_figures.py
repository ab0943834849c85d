"""The per-class figure: vertices drawn as their channel's render (a failed render marked as
such), rows ordered sensibly."""

from itertools import permutations

import numpy as np
import pytest
from matplotlib.image import AxesImage
from matplotlib.legend import Legend
from matplotlib.patches import Circle
from PIL import Image

from summit.analyses.class_comparison import compare
from summit.io.artifacts import ClassGraph, ClassStats, FeatvisIndex
from summit.io.atlas import FeatvisAtlas
from summit.render.figures import draw_attribution_graph, draw_class_pair, graph_extent
from summit.render.layout import order_rows
from summit.steps.class_figure import class_figure


def _crossings(graph, rows):
    pos = {n["id"]: i for row in rows.values() for i, n in enumerate(row)}
    edges = [(pos[e["source"]], pos[e["target"]]) for e in graph["edges"]]
    return sum((a0 - b0) * (a1 - b1) < 0 for i, (a0, a1) in enumerate(edges)
               for b0, b1 in edges[i + 1:])


def _graph(layers, nodes, edges):
    return {"class": {"id": 0, "name": "Coat & <b>hat</b>"}, "layers": layers,
            "nodes": [{"id": f"{layer}:{c}", "layer": layer, "channel": c, "count": count}
                      for layer, c, count in nodes],
            "edges": [{"source": s, "target": t, "weight": w} for s, t, w in edges],
            "slider": {"range": [0.025, 0.2], "share": 0.075, "nodes": [], "edges": []}}


def test_order_rows_keeps_each_layers_vertices_and_removes_avoidable_crossings():
    # Channel order crosses every edge; an order with no crossing exists.
    graph = _graph(["a", "b"], [("a", 0, 5), ("a", 1, 5), ("a", 2, 5), ("b", 7, 5),
                                ("b", 8, 5), ("b", 9, 5)],
                   [("a:0", "b:9", 1), ("a:1", "b:8", 1), ("a:2", "b:7", 1)])
    rows = order_rows(graph)
    assert sorted(n["id"] for n in rows["a"]) == ["a:0", "a:1", "a:2"]
    assert sorted(n["id"] for n in rows["b"]) == ["b:7", "b:8", "b:9"]
    best = min(_crossings(graph, {"a": rows["a"], "b": list(p)})
               for p in permutations(rows["b"]))
    assert _crossings(graph, rows) == best == 0


def _atlas(tmp_path, layer, channels, size=6, failed=None):
    rng = np.random.default_rng(len(channels))
    pixels = rng.integers(0, 256, (len(channels) * size, 3 * size), dtype=np.uint8)
    Image.fromarray(pixels).save(tmp_path / f"{layer}.png")
    path = tmp_path / f"{layer}.json"
    FeatvisIndex(layer=layer, size=size, per_channel=3, atlas=f"{layer}.png", channels=channels,
                 objective="activation", peaks=[1.0] * len(channels),
                 failed=failed or [None] * len(channels), seconds=0.0,
                 seconds_per_image=0.0).save(path)
    return path, pixels / 255.0


def _class_files(tmp_path, graph, n_images, accuracy):
    ClassGraph.from_json({**graph, "version": ClassGraph.VERSION}).save(tmp_path / "g.json")
    ClassStats(class_id=0, n_images=n_images, n_skipped=0, accuracy=accuracy,
               n_misclassified=0, confusions=[], prob_hist=[],
               channel_hist={}).save(tmp_path / "s.json")


def test_vertices_are_their_channels_renders(tmp_path):
    graph = _graph(["a", "b"], [("a", 3, 10), ("a", 5, 40), ("b", 2, 20)],
                   [("a:3", "b:2", 4), ("a:5", "b:2", 9)])
    index, pixels = _atlas(tmp_path, "a", [5, 3])  # b has no renders: plain discs
    fig = draw_attribution_graph(graph, {"a": FeatvisAtlas.load(index)}, "t")
    shown = [a.get_array() for a in fig.axes[0].get_children() if isinstance(a, AxesImage)]
    assert len(shown) == 2
    want = [pixels[6:12, :6], pixels[0:6, :6]]  # channel 3 is row 1, channel 5 row 0
    assert any(np.allclose(shown[0], w, atol=1e-6) for w in want)
    assert any(np.allclose(shown[1], w, atol=1e-6) for w in want)
    assert not np.allclose(shown[0], shown[1])


def _failure_marks(ax):
    """The hatched discs and the legend texts that mark failed renders in ``ax``."""
    hatched = [p for p in ax.patches if isinstance(p, Circle) and p.get_hatch()]
    texts = [t.get_text() for a in ax.get_children() if isinstance(a, Legend)
             for t in a.get_texts() if t.get_text().startswith("render failed")]
    return hatched, texts


def test_a_failed_render_is_a_hatched_dashed_vertex_explained_in_a_legend(tmp_path):
    graph = _graph(["a"], [("a", 3, 10), ("a", 5, 40)], [])
    index, _ = _atlas(tmp_path, "a", [5, 3], failed=[None, "inactive"])
    fig = draw_attribution_graph(graph, {"a": FeatvisAtlas.load(index)}, "t")
    ax = fig.axes[0]
    assert len([a for a in ax.get_children() if isinstance(a, AxesImage)]) == 1  # channel 5
    hatched, texts = _failure_marks(ax)
    assert len(hatched) == 1 and hatched[0].get_linestyle() == "--"
    label = next(t for t in ax.texts if t.get_text() == "3")  # the vertex of channel 3
    assert hatched[0].center[0] == label.get_position()[0]
    assert texts == ["render failed: channel never activates on optimised input"]
    index, _ = _atlas(tmp_path, "a", [5, 3])  # without failures, no mark
    assert _failure_marks(draw_attribution_graph(graph, {"a": FeatvisAtlas.load(index)},
                                                 "t").axes[0]) == ([], [])


def test_the_failure_legend_survives_a_figures_own_legend(tmp_path):
    a = _graph(["a"], [("a", 3, 10), ("a", 5, 40)], [])
    b = _graph(["a"], [("a", 3, 10)], [])
    index, _ = _atlas(tmp_path, "a", [5, 3], failed=["unchanged", None])
    fig = draw_class_pair(compare(a, b), a, b, {"a": FeatvisAtlas.load(index)})
    ax = fig.axes[0]
    assert ax.get_legend() is not None  # membership
    assert _failure_marks(ax)[1] == [f"render failed: {FeatvisIndex.FAILURES['unchanged']}"]


def test_class_figure_step_saves_png_and_pdf(tmp_path):
    graph = _graph(["a"], [("a", 3, 10)], [])
    _class_files(tmp_path, graph, 1200, 0.9)
    index, _ = _atlas(tmp_path, "a", [3])
    class_figure({}, graph=tmp_path / "g.json", stats=tmp_path / "s.json", featvis=[index],
                 png=tmp_path / "out" / "g.png", pdf=tmp_path / "out" / "g.pdf")
    assert Image.open(tmp_path / "out" / "g.png").size[0] > 300
    assert (tmp_path / "out" / "g.pdf").read_bytes().startswith(b"%PDF")


@pytest.mark.parametrize("name", ["Ankle boot", "Ankle boot, a much longer class name $x$"])
def test_a_narrow_graphs_figure_fits_its_title(tmp_path, name):
    """Class and class-pair figures are sized to their graph; the title (names, images,
    accuracy) must not be cut off at the right edge when the graph is narrower."""
    from tests.figure_checks import assert_texts_inside

    graph = _graph(["a", "b"], [("a", 3, 10), ("b", 1, 5)], [("a:3", "b:1", 2)])
    index, _ = _atlas(tmp_path, "a", [3])
    title = f"{name}: attribution graph (6,000 images, top-1 97.5%)"
    fig = draw_attribution_graph(graph, {"a": FeatvisAtlas.load(index)}, title)
    assert_texts_inside(fig)
    pair = _graph(["a", "b"], [("a", 3, 10), ("b", 2, 5)], [])
    pair["class"] = {"id": 1, "name": f"{name} (the other class)"}
    assert_texts_inside(draw_class_pair(compare(graph, pair), graph, pair,
                                        {"a": FeatvisAtlas.load(index)}))
    wide = _graph(["a"], [("a", c, 10) for c in range(12)], [])
    fig = draw_attribution_graph(wide, {"a": FeatvisAtlas.load(index)}, "t")
    assert fig.get_figwidth() == 0.75 * graph_extent(wide)[0]  # a wide graph sets the size


def test_class_names_with_markup_and_dollars_survive_png_pdf_and_graphml(tmp_path):
    import networkx as nx

    from summit.method.graphs import write_graphml

    name = 'Price $5^_$ & <b>"50% off"</b> ü'  # "$..$" would be mathtext, and fail
    graph = _graph(["a"], [("a", 3, 10)], [])
    graph["class"]["name"] = name
    _class_files(tmp_path, graph, 5, 1.0)
    class_figure({}, graph=tmp_path / "g.json", stats=tmp_path / "s.json", featvis=[],
                 png=tmp_path / "g.png", pdf=tmp_path / "g.pdf")
    assert (tmp_path / "g.pdf").stat().st_size > 0
    write_graphml(graph, tmp_path / "g.graphml")
    assert nx.read_graphml(tmp_path / "g.graphml").graph["name"] == name
