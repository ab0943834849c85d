"""The randomization checks (``summit.randomization``): the cascade re-initializes exactly
its step's weights, the overlap's chance level equals random draws, the neighbourhoods'
agreement and the faithfulness effect equal counts by hand, shuffled labels keep each
class's count, and the report's sentences and figure come from the record."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch
from torch import nn

from summit.model.demo_net import DemoInception
from summit.model.train import _batches, shuffled_labels
from summit.randomization.cascade import call_order, cascade, randomize
from summit.randomization.compare import (
    faithfulness,
    graph_similarity,
    neighbourhood_agreement,
    overlap,
)
from summit.randomization.summary import summary_markdown

LAYERS = ["mixed3a", "mixed3b", "mixed4a", "mixed4b"]


@pytest.fixture(scope="module")
def trained():
    """A demo net with every weight and statistic moved off its initial value, as training
    would."""
    torch.manual_seed(0)
    model = DemoInception(1, 10, 0.5)
    with torch.no_grad():
        for t in itertools.chain(model.parameters(), model.buffers()):
            if t.is_floating_point():
                t.add_(torch.rand_like(t) + 0.1)
    return model.eval()


def _changed(before: dict, after: dict) -> set[str]:
    return {k.rsplit(".", 1)[0] for k in before if not torch.equal(before[k], after[k])}


def test_each_step_of_the_cascade_changes_exactly_its_modules(trained):
    steps = cascade(trained, LAYERS, torch.zeros(2, 1, 28, 28))
    assert [s.name for s in steps] == ["head", *reversed(LAYERS)]
    assert [s.depth for s in steps] == [1, 2, 3, 4, 5]
    assert steps[0].modules == ("fc",)
    for lower, upper in itertools.pairwise(steps):  # each step adds to the one above
        assert set(lower.modules) < set(upper.modules)
    assert {m.split(".")[0] for m in steps[1].modules} == {"mixed4b", "fc"}
    everything = {n for n, m in trained.named_modules()
                  if any(True for _ in m.parameters(recurse=False))}
    assert set(steps[-1].modules) >= everything
    before = {k: v.clone() for k, v in trained.state_dict().items()}
    for step in steps:
        model = DemoInception(1, 10, 0.5)
        model.load_state_dict(before)
        randomize(model, step.modules, seed=7)
        changed = _changed(before, model.state_dict())
        assert changed == {m for m in step.modules if m in changed}  # nothing outside the step
        assert changed == {m for m in step.modules if any(True for _ in dict(
            model.named_modules())[m].parameters(recurse=False))}  # every module of it moved


def test_randomizing_is_deterministic_by_seed(trained):
    state = trained.state_dict()
    models = []
    for seed in (3, 3, 4):
        m = DemoInception(1, 10, 0.5)
        m.load_state_dict(state)
        models.append(randomize(m, ("fc", "mixed4b.branch1.conv"), seed).state_dict())
    assert all(torch.equal(models[0][k], models[1][k]) for k in state)
    assert not torch.equal(models[0]["fc.weight"], models[2]["fc.weight"])


def test_a_module_without_an_initializer_is_drawn_with_its_own_mean_and_spread():
    class Scale(nn.Module):
        def __init__(self):
            super().__init__()
            self.w = nn.Parameter(torch.linspace(1, 3, 1000))

        def forward(self, x):
            return x * self.w.mean()

    model = nn.Sequential(Scale())
    old = model[0].w.detach().clone()
    randomize(model, ["0"], seed=0)
    new = model[0].w.detach()
    assert not torch.equal(old, new)
    assert float(new.mean()) == pytest.approx(float(old.mean()), abs=0.1)
    assert float(new.std()) == pytest.approx(float(old.std()), rel=0.1)


def test_the_call_order_counts_the_modules_before_each_layer(trained):
    order, ready = call_order(trained, LAYERS, torch.zeros(1, 1, 28, 28))
    for layer in LAYERS:
        before = order[:ready[layer]]
        assert any(m.startswith(layer + ".") for m in before)  # its own modules ran
        assert not any(m.startswith(later + ".") for m in before
                       for later in LAYERS[LAYERS.index(layer) + 1:])
    with pytest.raises(ValueError, match="not called"):
        call_order(trained, ["mixed3a", "nope"], torch.zeros(1, 1, 28, 28))


def test_the_overlap_and_its_chance_level_against_random_draws():
    rng = np.random.default_rng(0)
    channels = {"a": 12, "b": 7}
    a = {"a": {0, 1, 2, 3}, "b": {1, 2}}
    b = {"a": {2, 3, 9}, "b": {2, 5, 6}}
    got = overlap(a, b, channels)
    assert got["shared"] == 3 and got["jaccard"] == pytest.approx(3 / (6 + 6 - 3))
    assert got["expected"] == pytest.approx(4 * 3 / 12 + 2 * 3 / 7)
    # random sets of the same sizes per layer share `expected` vertices on average
    draws = [sum(len(set(rng.choice(c, len(a[x]), replace=False))
                     & set(rng.choice(c, len(b[x]), replace=False)))
                 for x, c in channels.items()) for _ in range(20000)]
    assert np.mean(draws) == pytest.approx(got["expected"], rel=0.03)
    e = got["expected"]
    assert got["chance"] == pytest.approx(e / (12 - e))
    two = graph_similarity([{"nodes": [{"id": "a:0"}, {"id": "a:1"}, {"id": "b:2"}]}],
                           [{"nodes": [{"id": "a:0"}, {"id": "b:3"}]}], channels)
    assert two["layers"]["a"]["jaccard"] == 0.5 and two["layers"]["b"]["jaccard"] == 0.0
    assert two["layers"]["a"]["expected"] == pytest.approx(2 / 12, abs=1e-4)
    assert two["mean"]["jaccard"] == pytest.approx(1 / 4)
    same = graph_similarity([{"nodes": [{"id": "a:1"}, {"id": "b:2"}]}],
                            [{"nodes": [{"id": "a:1"}, {"id": "b:2"}]}], channels)
    assert same["mean"]["jaccard"] == 1.0


def test_neighbourhood_agreement_by_hand():
    trained = np.array([[1, 0, 0], [0.9, 0.1, 0], [0, 1, 0], [0, 0.9, 0.1]], float)
    other = np.array([[1, 0, 0], [0, 1, 0], [0.9, 0.1, 0], [0, 0.9, 0.1]], float)
    got = neighbourhood_agreement([trained], [other], ["l"], k=1)
    # nearest classes: trained 0->1, 1->0, 2->3, 3->2; other 0->2, 1->3, 2->0, 3->1
    assert got["layers"]["l"] == 0.0 and got["chance"] == pytest.approx(1 / 3, abs=1e-4)
    assert neighbourhood_agreement([trained], [trained], ["l"], k=2)["mean"] == 1.0


class TwoChannels(nn.Module):
    """Layer ``a``'s channel 0 carries the image's mean to class 1's logit, channel 1 nothing."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 4, 1)
        self.a = nn.ReLU()
        self.fc = nn.Linear(4, 2)
        with torch.no_grad():
            self.conv.weight.copy_(torch.tensor([4.0, 1.0, 1.0, 1.0])[:, None, None, None])
            self.conv.bias.zero_()
            self.fc.weight.copy_(torch.tensor([[0.0, 0, 0, 0], [1.0, 0, 0, 0]]))
            self.fc.bias.copy_(torch.tensor([1.0, 0.0]))

    def forward(self, x):
        return self.fc(self.a(self.conv(x)).mean(dim=(2, 3)))


def test_the_faithfulness_effect_is_the_graphs_drop_beyond_random_sets():
    dark, bright = torch.rand(8, 1, 4, 4) * 0.1, torch.rand(8, 1, 4, 4) * 0.5 + 0.5
    batches = [[(dark, torch.zeros(8, dtype=torch.int64))],
               [(bright, torch.ones(8, dtype=torch.int64))]]
    model = TwoChannels().eval()
    with torch.no_grad():
        correct = torch.cat([model(dark).argmax(1) == 0, model(bright).argmax(1) == 1])
    for vertex, expect_p in (("a:0", 1 / 21), ("a:1", 1.0)):
        graph = {"nodes": [{"id": vertex}]}
        got = faithfulness(model, ["a"], {"a": 4}, [graph, graph], batches, 20,
                           np.random.default_rng(0), 16, torch.device("cpu"))
        assert got["accuracy"] == pytest.approx(float(correct.float().mean()))
        row = got["classes"][1]
        assert row["effect"] == pytest.approx(row["drop"] - row["random_drop"], abs=1e-4)
        # channel 0, replaced by its mean map over both classes' images, lowers class 1's
        # probability on its bright images; channels 1-3 feed nothing
        assert row["p"] == pytest.approx(expect_p, abs=1e-4)
        assert (row["drop"] > 0.05) == (vertex == "a:0")
        if vertex == "a:0":  # the random sets are drawn from the other channels
            assert row["random_drop"] == pytest.approx(0.0, abs=1e-6)


def test_shuffled_labels_keep_each_class_count_and_batches_carry_them():
    labels = np.repeat(np.arange(4), [5, 10, 3, 7])
    shuffled = shuffled_labels(labels, seed=1)
    assert np.array_equal(np.bincount(shuffled), np.bincount(labels))
    assert np.array_equal(shuffled, shuffled_labels(labels, seed=1))
    assert not np.array_equal(shuffled, labels)

    class Folder(torch.utils.data.Dataset):
        def __len__(self):
            return len(labels)

        def __getitem__(self, i):
            return torch.full((1, 2, 2), float(i)), int(labels[i])

    order = np.array([3, 1, 4, 0, 2, 24])
    got = list(_batches(Folder(), order, 4, shuffled))
    assert torch.equal(torch.cat([y for _, y in got]), torch.from_numpy(shuffled[order]))
    assert torch.equal(torch.cat([x[:, 0, 0, 0] for x, _ in got]),
                       torch.tensor(order, dtype=torch.float32))


def _row(kind, name, depth, jaccard, chance, hood, effect, accuracy):
    return {"kind": kind, "name": name, "depth": depth, "accuracy": accuracy,
            "graphs": {"mean": {"jaccard": jaccard, "chance": chance}, "classes": [],
                       "layers": {"l1": {"jaccard": jaccard / 2, "chance": chance / 2}}},
            "neighbourhoods": {"mean": hood, "chance": 0.25, "layers": {}},
            "faithfulness": {"mean_effect": effect, "classes": []}}


def test_the_sentences_and_the_figure_come_from_the_report(tmp_path):
    from summit.render.analysis.randomization import draw_randomization
    from summit.render.figures import save

    report = {"settings": {"images_per_class": 50, "repeats": 20}, "class_ids": [0, 1, 2],
              "layers": ["l1", "l2"],
              "models": [_row("trained", "trained", None, 1.0, 0.1, 1.0, 0.3117, 0.91),
                         _row("cascade", "head", 1, 1.0, 0.1, 1.0, 0.0212, 0.1),
                         _row("cascade", "l2", 2, 0.41, 0.1, 0.5, 0.01, 0.1),
                         _row("cascade", "l1", 3, 0.087, 0.093, 0.3, 0.0004, 0.1),
                         _row("shuffled", "shuffled", None, 0.2, 0.09, 0.3, 0.05, 0.11)]}
    text = summary_markdown(report)
    assert "0.087 with the trained model's, against 0.093" in text and "(0.9× chance)" in text
    assert "on the same 3 classes" in text and "by layer, l1 0.043 (chance 0.046)" in text
    assert "leaves the graphs unchanged" in text and "from 0.910 to 0.100" in text
    assert "+0.3117 more than random sets" in text and "+0.0004 in the fully" in text
    assert "shuffled labels (accuracy 0.110)" in text and "(chance 0.090, 2.2× chance)" in text
    assert text.count("\n| ") == 6  # header and five models
    report["models"][1]["graphs"]["mean"]["jaccard"] = 0.8
    assert "unchanged" not in summary_markdown(report)
    save(draw_randomization(report), tmp_path / "r.png", tmp_path / "r.pdf")
    assert (tmp_path / "r.png").stat().st_size > 10_000 and (tmp_path / "r.pdf").exists()


def test_the_sites_section_lists_every_model_in_the_reports_words(tmp_path):
    from summit.io.reports import RandomizationReport
    from summit.render.site_analyses import randomization

    models = [_row("trained", "trained", None, 1.0, 0.1, 1.0, 0.31, 0.91),
              _row("cascade", "head", 1, 1.0, 0.1, 1.0, 0.02, 0.1),
              _row("cascade", "l1", 2, 0.08, 0.09, 0.3, 0.0, 0.1),
              _row("shuffled", "shuffled", None, 0.2, 0.09, 0.3, 0.05, 0.11)]
    RandomizationReport(settings={}, class_ids=[0], layers=["l1"], models=models).save(
        tmp_path / "r.json")
    got = randomization(tmp_path / "r.json")["models"]
    assert [m["label"] for m in got] == ["trained", "head re-initialized",
                                         "re-initialized down to l1",
                                         "trained on shuffled labels"]
    assert got[2] == {"kind": "cascade", "label": "re-initialized down to l1", "depth": 2,
                      "accuracy": 0.1, "jaccard": 0.08, "chance": 0.09, "neighbours": 0.3,
                      "neighbours_chance": 0.25, "effect": 0.0}
