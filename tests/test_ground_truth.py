"""Ground truth (summit.ground_truth): the paired pattern response against a loop over
channels and images, the pattern channels by hand, ranks, recall, precision, resampled
support and shared channels counted by hand, the summary's counts, and a hand-built model
whose channel is wired to a pattern: the probe finds exactly that channel, and the class
graph of the images carrying the pattern ranks it first."""

from __future__ import annotations

import re
from dataclasses import replace

import numpy as np
import pytest
import torch
from torch import nn

from summit.evidence.faithfulness import bootstrap
from summit.explain.image_graph import image_inputs
from summit.ground_truth.measure import shortcut
from summit.ground_truth.probe import probe_images, run_probe
from summit.ground_truth.recovery import (
    class_recovery,
    layer_ranks,
    recovery,
    resampled_support,
    shared_channels,
)
from summit.ground_truth.response import paired_response, pattern_channels
from summit.ground_truth.summary import across
from summit.io.pixels import InputSpec, pixels_input
from summit.io.plant import Stamp, planting
from summit.method.graphs import attribution_graph
from summit.model.hops import trace_structure
from summit.settings import AggregationSettings, GraphSettings, InfluenceSettings
from tests.figure_checks import assert_texts_inside


def test_the_paired_response_equals_a_loop_over_channels():
    rng = np.random.default_rng(0)
    clean = rng.normal(1, 0.5, (40, 6))
    stamped = clean + rng.normal([0, 0.05, 2, 0, -1, 0.6], 0.3, (40, 6))
    stamped[:, 3] = clean[:, 3]  # no response at all
    draws = rng.integers(0, 40, (300, 40))
    got = paired_response(clean, stamped, draws)
    floor = float(np.median(clean.std(axis=0, ddof=1)))  # every channel varies here
    for c in range(6):
        d = stamped[:, c] - clean[:, c]
        want = bootstrap(d, draws)
        assert got["mean"][c] == pytest.approx(want["mean"], abs=1e-12)
        assert got["low"][c] == pytest.approx(want["low"], abs=1e-9)
        assert got["high"][c] == pytest.approx(want["high"], abs=1e-9)
        sd = max(np.sqrt(sum((x - clean[:, c].mean()) ** 2 for x in clean[:, c]) / 39), floor)
        assert got["effect"][c] == pytest.approx(d.mean() / sd)
    # strongest first; the channel that does not respond or falls is never one
    assert pattern_channels(got, 1.0) == [2, 5]
    assert pattern_channels(got, 100.0) == []
    # a channel silent on clean images is judged by the layer's median spread
    silent = clean.copy()
    silent[:, 0] = 0
    got = paired_response(silent, silent + np.eye(6)[0], draws)
    assert got["effect"][0] == pytest.approx(1 / np.median(silent.std(axis=0, ddof=1)[1:]))


def _graph(layer_nodes):
    nodes = [{"id": f"{layer}:{c}", "layer": layer, "channel": c, "pagerank": pr}
             for layer, pairs in layer_nodes.items() for c, pr in pairs]
    return {"nodes": nodes, "edges": []}


def test_ranks_recall_precision_and_support_by_hand():
    pattern = {"a": [1, 4], "b": [7]}
    planted = _graph({"a": [(4, 0.1), (2, 0.3), (1, 0.05)], "b": [(0, 0.2), (7, 0.2)]})
    assert layer_ranks(planted) == {"a:2": 1, "a:4": 2, "a:1": 3, "b:0": 1, "b:7": 2}
    r = class_recovery(pattern, planted)
    assert r["found"] == ["a:1", "a:4", "b:7"] and r["recall"] == 1.0
    assert r["best_rank"] == {"a": 2, "b": 2} and r["top"]
    lacking = class_recovery(pattern, _graph({"a": [(4, 0.1)], "b": [(1, 0.9)]}))
    assert lacking["best_rank"] == {"a": 1, "b": None} and not lacking["top"]
    assert lacking["recall"] == pytest.approx(1 / 3)
    graphs = {0: planted, 1: _graph({"a": [(4, 0.5)]}), 2: _graph({"b": [(3, 1.0)]})}
    rec = recovery(pattern, graphs, [0])
    assert rec["precision"] == pytest.approx(3 / 4)  # 3 holdings in 0, 1 in class 1
    assert rec["unplanted_holding"] == [1]
    assert recovery(pattern, {2: graphs[2]}, [0])["precision"] is None
    support = resampled_support(pattern, [["a:1", "x:0"], ["x:1"], ["a:4", "b:7", "a:1"]])
    assert support == {"any": pytest.approx(2 / 3), "recall": pytest.approx((1 / 3 + 1) / 3)}
    assert resampled_support(pattern, []) == {"any": None, "recall": None}
    motifs = [{"classes": [0, 1, 5], "vertices": ["a:4", "q:1"]},
              {"classes": [0, 2], "vertices": ["a:4"]}, {"classes": [0, 1], "vertices": ["z:9"]}]
    shared = shared_channels(pattern, graphs, [0, 1], motifs)
    assert shared["shared"] == ["a:4"] and shared["motifs"] == [motifs[0]]
    assert shared_channels(pattern, graphs, [0, 1], None)["motifs"] is None  # not mined


class Arrays:
    """A split of uint8 images with the datasets' ``pixels`` and ``inputs``."""

    def __init__(self, images, labels, spec):
        self.images, self.labels, self.spec = images, labels, spec

    def pixels(self, i):
        return self.images[i]

    def inputs(self, pixels):
        return torch.stack([pixels_input(x, self.spec) for x in pixels])


class Wired(nn.Module):
    """Channel 2 of layer ``a`` is a horizontal-stripes detector (rows of +1, -1, +1 with a
    bias noise does not pass), its other channels constants; ``b`` copies ``a``, and its
    channel 2 drives class 1."""

    def __init__(self):
        super().__init__()
        self.conv1, self.a = nn.Conv2d(1, 3, 3, padding=1), nn.ReLU()
        self.conv2, self.b = nn.Conv2d(3, 3, 1), nn.ReLU()
        self.fc = nn.Linear(3, 2)
        with torch.no_grad():
            stripes = torch.tensor([[1.0, 1, 1], [-1, -1, -1], [1, 1, 1]])
            self.conv1.weight.copy_(torch.stack([torch.zeros(3, 3), torch.zeros(3, 3),
                                                 stripes])[:, None])
            self.conv1.bias.copy_(torch.tensor([0.5, 0.2, -4.0]))
            self.conv2.weight.copy_(torch.eye(3)[:, :, None, None])
            self.conv2.bias.zero_()
            self.fc.weight.copy_(torch.tensor([[1.0, 0, 0], [0.0, 0, 3]]))
            self.fc.bias.zero_()

    def forward(self, x):
        x = self.b(self.conv2(self.a(self.conv1(x))))
        return self.fc(x.amax(dim=(2, 3)))


@pytest.fixture(scope="module")
def wired():
    rng = np.random.default_rng(3)
    spec = InputSpec(16, 1, (0.5,), (0.5,))
    labels = np.repeat([0, 1], 30)
    images = rng.integers(90, 166, (60, 16, 16)).astype(np.uint8)  # dull noise
    stamps = (Stamp((1,), "stripes", 4, "random", 1.0),)
    return Wired().eval(), Arrays(images, labels, spec), planting({"seed": 0}, stamps, labels,
                                                                 "test", 16)


def test_a_channel_wired_to_the_pattern_is_the_ground_truth_and_its_class_graph_finds_it(wired):
    model, data, planted = wired
    images = probe_images(planted, 0, data.labels, [0, 1], 30, np.random.default_rng(1), 16)
    assert images.planted.sum() == 30 and (~images.planted).sum() == 30
    probe = run_probe(model, ["a", "b"], data, images, planted.stamps[0], 16, torch.device("cpu"))
    draws = np.random.default_rng(2).integers(0, 60, (200, 60))
    pattern = {layer: pattern_channels(paired_response(probe.clean[layer],
                                                      probe.stamped[layer], draws), 1.0)
               for layer in ("a", "b")}
    assert pattern == {"a": [2], "b": [2]}
    cut = shortcut(probe, planted.stamps[0], np.random.default_rng(0), 200)
    assert cut["accuracy"]["stamped"]["mean"] > cut["accuracy"]["clean"]["mean"]
    # the class pass over class 1's stamped images: its graph ranks the wired channels first
    stamped = [data.inputs(np.stack([planted.apply(i, data.images[i]) for i in range(30, 60)]))]
    structure = trace_structure(model, ["a", "b"], stamped[0][:1])
    agg = replace(AggregationSettings.defaults(), method=1, k=1)
    inf = replace(InfluenceSettings.defaults(), method=1, k=1)
    got = image_inputs(model, structure, stamped, 1, agg, inf, {}, None)
    graph = attribution_graph(got.graphs.full(), replace(GraphSettings.defaults(), share=0.5))
    r = class_recovery(pattern, graph)
    assert r["found"] == ["a:2", "b:2"] and r["best_rank"] == {"a": 1, "b": 1}


def test_across_studies_counts_by_hand():
    def study(found, top, unplanted, removed):
        return {"stamps": [{"stamp": {"classes": [3]},
                            "shortcut": {"gain": {"mean": 0.2}},
                            "recovery": {"classes": {"3": {"found": found, "top": top}},
                                         "unplanted_holding": unplanted, "precision": 0.5},
                            "ablation": {"3": {"found": {"removed": removed}} if found else {}}}]}
    held = across([study(["a:1"], True, [], 0.6), study([], False, [2], None),
                   study(["a:1", "b:2"], False, [], 0.9)])[0]
    assert held["held"] == {"3": 2} and held["top"] == {"3": 1}
    assert held["unplanted_clean"] == 2 and held["removed"]["3"] == {"min": 0.6, "max": 0.9}


def _synthetic_study(seed, rng):
    """A study's record as the stage writes it, two stamps (one shared by two classes)."""
    layers = {"mixed3a": 8, "mixed4b": 12}

    def stamp(classes, names, pattern):
        effect = {x: rng.normal(0, 0.5, n) for x, n in layers.items()}
        chosen = {x: sorted(rng.choice(n, 2, replace=False).tolist()) for x, n in layers.items()}
        for x, picked in chosen.items():
            effect[x][picked] = 3.0
        found = [f"{x}:{picked[0]}" for x, picked in chosen.items()]
        per = {str(c): {"found": found if c in classes else [], "recall": 0.5,
                        "ranks": {v: 1 for v in found} if c in classes else {},
                        "best_rank": {x: 1 if c in classes else None for x in layers},
                        "top": c in classes, "resampled": {"any": 0.9, "recall": 0.4}}
               for c in (0, 2, 4, 6)}
        acc = {v: {"mean": m, "low": m - 0.02, "high": m + 0.02}
               for v, m in (("clean", 0.7), ("stamped", 0.95))}
        return {"stamp": {"classes": classes, "names": names, "pattern": pattern, "size": 5,
                          "position": "random", "share": 0.5},
                "shortcut": {"n_planted": 500, "n_other": 60, "accuracy": acc,
                             "gain": {"mean": 0.25, "low": 0.2, "high": 0.3},
                             "pulled": {"clean": acc["clean"], "stamped": acc["stamped"]}},
                "pattern": chosen,
                "response": {x: {"effect": e.round(3).tolist()} for x, e in effect.items()},
                "recovery": {"classes": per, "precision": 1.0, "unplanted_holding": [],
                             "nonsemantic": []},
                "ablation": {str(c): {"stamped": 0.95, "n_images": 500,
                                      "found": {"size": 2, "accuracy": 0.75,
                                                "random_accuracy": 0.94, "p": 0.05,
                                                "removed": 0.8},
                                      "pattern": {"size": 4, "accuracy": 0.7,
                                                  "random_accuracy": 0.93, "p": 0.05,
                                                  "removed": 1.0}} for c in classes}}
    return {"study": f"r/seeds/{seed}", "seed": seed, "split": "test",
            "settings": {"min_effect": 1.0},
            "stamps": [stamp([6], ["Shirt"], "checkerboard"),
                       stamp([2, 4], ["Pullover", "Coat"], "dot")]}


def test_the_figure_and_the_sentences_show_every_stamp_and_study(tmp_path):
    from summit.ground_truth.summary import summary_markdown
    from summit.render.analysis.ground_truth import draw_ground_truth
    from summit.render.figures import save

    rng = np.random.default_rng(0)
    studies = [_synthetic_study(s, rng) for s in (0, 1, 2)]
    held = across(studies)
    # seed 1's Shirt: no pattern channel in mixed3a; mixed4b has some, none in the graph
    studies[1]["stamps"][0]["recovery"]["classes"]["6"]["best_rank"] = {"mixed4b": None}
    fig = draw_ground_truth({"studies": studies, "across": held})
    ranks = fig.axes[2]
    assert [t.get_text() for t in ranks.get_yticklabels()] == [
        "Shirt, seed 0", "Shirt, seed 1", "Shirt, seed 2"]
    cells = {(round(t.get_position()[1]), round(t.get_position()[0])): t.get_text()
             for t in ranks.texts}
    assert [cells[1, 0], cells[1, 1], cells[0, 0], cells[0, 1]] == ["n/a", "–", "1", "1"]
    assert_texts_inside(fig)
    assert len(fig.axes) == 6
    save(fig, tmp_path / "g.png", tmp_path / "g.pdf")
    assert (tmp_path / "g.png").stat().st_size > 0
    text = summary_markdown(studies, held, ["T-shirt", "a", "Pullover", "b", "Coat", "c",
                                            "Shirt"])
    assert not re.search(r"^#", text, re.M)  # no headings: pasted inside the README's section
    assert len(re.findall(r"^\*\*", text, re.M)) == 2
    assert "dot (5 px, random) in Pullover and Coat" in text
    assert "Pullover 3 of 3 (with one in the first 3 of every layer: 3)" in text
    assert "in every one of its classes' graphs" not in text  # no shared record synthesised


def test_the_sites_section_lists_each_stamps_pattern_channels_strongest_first(tmp_path):
    from summit.io.reports import GroundTruthReport
    from summit.render.site_analyses import ground_truth

    rng = np.random.default_rng(1)
    studies = [_synthetic_study(s, rng) for s in (0, 1)]
    GroundTruthReport(studies=studies, across=across(studies)).save(tmp_path / "g.json")
    got = ground_truth(tmp_path / "g.json")
    assert got["seed"] == 0 and len(got["stamps"]) == 2
    shirt = got["stamps"][0]
    st = studies[0]["stamps"][0]
    assert {c["id"] for c in shirt["channels"]} == {
        f"{x}:{c}" for x, picked in st["pattern"].items() for c in picked}
    effects = [c["effect"] for c in shirt["channels"]]
    assert effects == sorted(effects, reverse=True)
    found = set(st["recovery"]["classes"]["6"]["found"])
    assert {c["id"] for c in shirt["channels"] if c["rank"] is not None} <= found
    assert shirt["held"] == {"6": 2} and shirt["studies"] == 2
