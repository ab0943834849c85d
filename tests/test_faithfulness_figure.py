"""The faithfulness summary figure: it draws the records' numbers, states how they were
measured, and stays legible from one class to 200 (every text on the canvas, none on another)."""

import warnings

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.image import AxesImage

from summit.render.analysis.faithfulness import STRIP_ROWS, draw_faithfulness
from summit.render.figures import save
from tests.figure_checks import assert_no_text_overlaps, assert_texts_inside, drawn_texts
from tests.fixtures.faithfulness import synthetic_faithfulness

LONG = "Ankle boot (a very long name, with unicode Ünïcødé 猫)"
LAYERS = ("conv1", "conv2", "conv3")


@pytest.fixture(autouse=True)
def _close_figures():
    """These figures are large: free them, so later tests stay under pyplot's open limit."""
    yield
    plt.close("all")


def _graph(rng, cid, name, layers=LAYERS):
    nodes = [{"id": f"{x}:{c}", "layer": x, "channel": c, "count": int(rng.integers(1, 50)),
              "pagerank": float(rng.uniform(0.001, 0.05))}
             for x in layers for c in range(8) if rng.random() < 0.5]
    return {"class": {"id": cid, "name": name}, "layers": list(layers), "nodes": nodes,
            "edges": []}


def _records(n, names=None, sampled=50, layers=LAYERS, seed=0):
    """One synthetic record per class; specificity on at most ``sampled`` other classes."""
    rng = np.random.default_rng(seed)
    names = names or [f"class {i}" for i in range(n)]
    out = []
    for cid in range(n):
        others = [c for c in range(n) if c != cid]
        tested = sorted(rng.choice(others, min(sampled, len(others)), replace=False).tolist())
        out.append(synthetic_faithfulness(rng, _graph(rng, cid, names[cid], layers),
                                          [cid, *tested]).to_json())
    return out


def _empty(variant, cid):
    """The variant of a graph without vertices, as the stage writes it."""
    nothing = {"mean": None, "low": None, "high": None}
    return {
        "vertices": [], "pagerank": [], "sizes": dict.fromkeys(variant["sizes"], 0),
        "ablation": {s: {"size": 0, "graph": dict.fromkeys(("logit", "prob", "accuracy"),
                                                            nothing),
                         "random": {"logit": [], "prob": [], "accuracy": []},
                         "matched": {"logit": [], "prob": [], "accuracy": []},
                         "top_count": dict.fromkeys(("logit", "prob", "accuracy"), nothing),
                         "top_count_overlap": 0, "p_random": 1.0, "p_matched": 1.0}
                     for s in variant["ablation"]},
        "sufficiency": {s: {"graph": None, "random": []} for s in variant["ablation"]},
        "rank_correlation": {"rho": None, "p": None, "n": 0},
        "specificity": {"classes": [cid], "logit": [None], "n_images": [100]},
        "curves": {k: {"k": [0], "graph": [0.8], "random": [[0.8]], "auc": 0.8,
                       "auc_random": [0.8]} for k in ("deletion", "insertion")},
        "score": None}


def _panel(fig, label):
    return next(ax for ax in fig.axes if ax.get_title(loc="left").startswith(label))


def _text(fig):
    return " ".join(t.get_text() for t, _ in drawn_texts(fig))


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore:Glyph .* missing from font")  # no CJK font for 猫
@pytest.mark.parametrize("n", [1, 10, 200])
def test_every_text_is_on_the_canvas_and_none_overlaps(n, tmp_path):
    names = [LONG if i == n - 1 else f"class {i} ($5 'coat')" for i in range(n)]
    records = _records(n, names, layers=LAYERS if n < 200 else
                       tuple(f"mixed{x}" for x in ("3a", "3b", "4a", "4b", "4c", "4d", "4e",
                                                   "5a", "5b")))
    records[0]["in_sample"] = True
    fig = draw_faithfulness(records, "per_layer")
    assert_texts_inside(fig)
    assert_no_text_overlaps(fig)
    width, height = fig.get_size_inches()
    assert width <= 17 and height <= 16  # bounded however many classes
    labels = [t.get_text() for t in _panel(fig, "(a)").get_yticklabels() if t.get_text()]
    assert len(labels) == min(n, STRIP_ROWS)  # thinned beyond STRIP_ROWS
    assert any(x.startswith("Ankle boot") for x in labels) or n > STRIP_ROWS
    assert n == 1 or any(x.endswith("($5 'coat')") for x in labels)  # '$' is no mathtext
    save(fig, tmp_path / "f.png", tmp_path / "f.pdf")
    assert (tmp_path / "f.png").stat().st_size > 0 and (tmp_path / "f.pdf").stat().st_size > 0


@pytest.mark.parametrize("n_layers", [11, 24])
def test_many_layers_keep_the_rank_panel_and_its_title_on_the_canvas(n_layers):
    # MobileNetV3-small's layers: auto gives 11 primary layers (12 scopes with "all"); the
    # widening scope panels squeezed (f) until its title ran off the right edge
    layers = tuple(f"features.{i}" for i in range(1, n_layers + 1))
    fig = draw_faithfulness(_records(10, layers=layers), "per_layer")
    assert_texts_inside(fig)
    assert_no_text_overlaps(fig)
    assert fig.get_size_inches()[0] <= 17


def test_the_texts_check_fails_on_a_cut_off_or_overlapping_text():
    fig = draw_faithfulness(_records(2), "per_layer")
    fig.text(0.99, 0.5, "runs off the right edge")
    with pytest.raises(AssertionError, match="runs off the right edge"):
        assert_texts_inside(fig)
    fig.text(0.01, 0.01, "one")
    fig.text(0.01, 0.01, "two")
    with pytest.raises(AssertionError, match="'one' and 'two'"):
        assert_no_text_overlaps(fig)


def test_the_header_states_how_it_was_measured_from_the_records():
    records = _records(3)
    for r in records:
        r.update(n_images=37, split="validation", ablation="zero", repeats=7)
    text = _text(draw_faithfulness(records, "unified"))
    assert "37 images per class from the validation split" in text
    assert "channels set to 0" in text and "7 random and frequency-matched sets" in text
    assert "unified graphs (configured)" in text and "IN-SAMPLE" not in text
    records[1]["in_sample"] = True
    records[2]["n_images"] = 50
    text = _text(draw_faithfulness(records, "unified"))
    assert "IN-SAMPLE: for 1 of 3 classes" in text and "37–50 images per class" in text


def test_each_class_row_draws_its_graph_its_sets_and_its_top_count_channels():
    records = _records(4)
    weak = records[0]["variants"]["unified"]["ablation"]["all"]
    weak["graph"]["logit"]["mean"] = float(np.median(weak["random"]["logit"]))
    fig = draw_faithfulness(records, "unified")
    ax = _panel(fig, "(a)")
    by_label = {c.get_label(): c.get_offsets() for c in ax.collections if c.get_label()[0] != "_"}
    cells = [r["variants"]["unified"]["ablation"]["all"] for r in records]
    graph = next(v for k, v in by_label.items() if k.startswith("the graph's"))
    assert np.allclose(graph[:, 0], [c["graph"]["logit"]["mean"] for c in cells])
    assert np.allclose(graph[:, 1], range(4))  # class order, first on top
    top = next(v for k, v in by_label.items() if k.startswith("as many"))
    assert np.allclose(top[:, 0], [c["top_count"]["logit"]["mean"] for c in cells])
    random = next(v for k, v in by_label.items() if k.startswith("random"))
    assert sorted(random[:, 0]) == sorted(x for c in cells for x in c["random"]["logit"])
    beats = sum(c["graph"]["logit"]["mean"] > max(c["random"]["logit"]) for c in cells)
    assert beats == 3 and "every random set for 3 " in ax.get_title(loc="left")


def test_many_classes_are_sorted_by_the_graphs_drop():
    records = _records(STRIP_ROWS + 5, sampled=3)
    ax = _panel(draw_faithfulness(records, "per_layer"), "(a)")
    graph = next(c.get_offsets() for c in ax.collections
                 if c.get_label().startswith("the graph's"))
    means = [r["variants"]["per_layer"]["ablation"]["all"]["graph"]["logit"]["mean"]
             for r in records]
    assert np.allclose(graph[:, 0], means)
    assert list(np.argsort(graph[:, 1])) == list(np.argsort(-np.asarray(means)))


def test_the_specificity_map_puts_each_drop_in_its_cell_and_leaves_untested_cells_blank():
    records = _records(6, sampled=2)
    fig = draw_faithfulness(records, "per_layer")
    image = next(x for x in _panel(fig, "(d)").get_children() if isinstance(x, AxesImage))
    values = np.ma.filled(image.get_array(), np.nan)
    want = np.full((6, 6), np.nan)
    for i, r in enumerate(records):
        s = r["variants"]["per_layer"]["specificity"]
        want[i, s["classes"]] = s["logit"]
    assert np.array_equal(np.isnan(values), np.isnan(want)) and np.isnan(values).sum() == 18
    assert np.allclose(values[~np.isnan(values)], want[~np.isnan(want)])


def test_the_scope_panels_compare_the_variants_on_the_medians_over_classes():
    records = _records(5)
    ax = _panel(draw_faithfulness(records, "per_layer"), "(b)")
    graph_red = [c.get_offsets() for c in ax.collections if c.get_offsets().shape[0] == 4
                 and np.allclose(c.get_facecolor()[0][:3], (0xb2 / 255, 0x18 / 255, 0x2b / 255))]
    assert len(graph_red) == 2  # one per variant, at the scopes conv1..conv3 and all
    for variant, offsets in zip(("per_layer", "unified"), graph_red, strict=True):
        want = [np.median([r["variants"][variant]["ablation"][s]["graph"]["logit"]["mean"]
                           for r in records]) for s in (*LAYERS, "all")]
        assert np.allclose(offsets[:, 1], want)
    assert offsets[0, 0] > graph_red[0][0, 0]  # the second variant beside the first


def test_empty_graphs_null_correlations_and_missing_numbers_are_drawn_not_fatal():
    records = _records(4)
    records[1]["variants"]["unified"] = _empty(records[1]["variants"]["unified"], 1)
    for r in records:
        r["variants"]["per_layer"]["rank_correlation"]["rho"] = None
    records[2]["variants"]["per_layer"]["ablation"]["all"]["graph"]["logit"]["low"] = None
    records[3]["clean"]["accuracy"] = 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no empty-slice or division warnings either
        fig = draw_faithfulness(records, "unified")
        assert_texts_inside(fig)
        assert_no_text_overlaps(fig)
    labels = [t.get_text() for t in _panel(fig, "(f)").get_xticklabels()]
    assert labels == ["per_layer\n4 n/a", "unified\n1 n/a"]
    assert "mean of 3 classes" in _panel(fig, "(c)").get_title(loc="left")
    a = _panel(fig, "(a)")
    assert a.child_axes[0].get_yticklabels()[1].get_text() == "0"
    assert [t.get_text() for t in a.texts] == ["empty graph: nothing to ablate"]
