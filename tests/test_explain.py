"""Images explained one by one (summit.explain) against slow references: image choice by a
loop, each image's activation set, influences and graph by brute force and by the class
route on a class of that image alone, relations counted by hand, and the evidence against
plain forward passes with hooks."""

import itertools
from dataclasses import replace

import numpy as np
import pytest
import torch

from summit.explain.choose import choose_images
from summit.explain.evidence import conditions, image_evidence, per_layer
from summit.explain.image_graph import image_inputs
from summit.explain.relate import pulls, relation
from summit.method.graphs import GraphInputs, attribution_graph
from summit.model.demo_net import DemoInception
from summit.model.hops import trace_structure
from summit.model.interventions import Intervener
from summit.settings import AggregationSettings, GraphSettings, InfluenceSettings
from tests import brute_force

LAYERS = ["mixed3a", "mixed3b", "mixed4a", "mixed4b"]


def test_choose_images_against_a_loop():
    rng = np.random.default_rng(0)
    for trial in range(30):
        n = int(rng.integers(0, 40))
        index = rng.permutation(1000)[:n]
        label = np.zeros(n, np.int64)
        predicted = rng.integers(0, 3, n) * (rng.random(n) < 0.5)
        prob = np.round(rng.random(n), 1)  # ties
        caps = rng.integers(0, 4, 3)
        got = choose_images(index, label, predicted, prob, *caps)
        wrong = sorted((prob[r], index[r], r) for r in range(n) if predicted[r] != label[r])
        right = sorted((prob[r], index[r], r) for r in range(n) if predicted[r] == label[r])
        low = right[:caps[1]]
        high = sorted(right[len(low):], key=lambda t: (-t[0], t[1]))[:caps[2]]
        want = ([(r, "misclassified") for *_, r in wrong[:caps[0]]]
                + [(r, "least_confident") for *_, r in low]
                + [(r, "most_confident") for *_, r in high])
        assert [(c.row, c.reason) for c in got] == want, trial
        assert [c.index for c in got] == [int(index[r]) for r, _ in want]


def _slow_activation_set(z: np.ndarray, method: int, k: int, share: float) -> list[int]:
    """The aggregation rule on one image's maxima by sorting (ties: lower channel first)."""
    order = sorted(range(len(z)), key=lambda c: (-z[c], c))
    if method == 1:
        return sorted(order[:k])
    total, taken, out = sum(max(v, 0) for v in z), 0.0, []
    for c in order:
        if z[c] <= 0 or taken >= share * total:
            break
        out.append(c)
        taken += z[c]
    return sorted(out)


@pytest.fixture(scope="module")
def net():
    torch.manual_seed(0)
    model = DemoInception(1, 4, 0.25).eval()
    images = torch.rand(3, 1, 28, 28)
    structure = trace_structure(model, LAYERS, images[:1])
    return model, structure, images


@pytest.mark.parametrize("method", [1, 2])
def test_each_images_graph_is_its_class_graph_of_one_image_by_brute_force(net, method):
    """Per image: the activation set is the aggregation rule's by sorting, the tallies the
    brute-force pass's on that image alone, and the graph the class route's graph built
    from those brute-force counts and tallies."""
    model, structure, images = net
    agg = replace(AggregationSettings.defaults(), method=method, k=3, share=0.1)
    inf = replace(InfluenceSettings.defaults(), method=1, k=2)
    settings = replace(GraphSettings.defaults(), share=0.3)
    got = image_inputs(model, structure, [images[:2], images[2:]], 0, agg, inf, {}, None)
    hops = {h.name: h for h in structure.hops()}
    for i in range(len(images)):
        tallies, maxima = brute_force.tallies(model, structure, images[i:i + 1], inf.k)
        counts = {}
        for layer in LAYERS:
            chosen = _slow_activation_set(maxima[layer][0].double().numpy(), method, 3, 0.1)
            counts[layer] = np.zeros((1, maxima[layer].shape[1]), np.int64)
            counts[layer][0, chosen] = 1
        assert got.activation_set(i) == [f"{x}:{c}" for x in LAYERS
                                         for c in np.flatnonzero(counts[x][0])]
        for name, hop in hops.items():
            dense = brute_force.dense(hop, got.graphs.group_tallies[name][i])
            np.testing.assert_array_equal(dense, tallies[name], err_msg=name)
        compact = {name: t[None][(slice(None), *hops[name].pairs())]
                   for name, t in tallies.items()}
        alone = GraphInputs(0, structure, counts, compact, [1], {}, None, inf.k)
        assert got.graph(i, settings) == attribution_graph(alone.full(), settings)


def test_relation_and_pulls_by_hand():
    layers = ["a", "b"]
    true = {"class": {"id": 0, "name": "T"}, "layers": layers,
            "nodes": [{"id": v} for v in ["a:1", "a:2", "b:0", "b:5"]]}
    predicted = {"class": {"id": 1, "name": "P"}, "layers": layers,
                 "nodes": [{"id": v} for v in ["a:2", "a:3", "b:7", "b:10"]]}
    activated = {"a:2", "a:3", "b:5", "b:10", "b:11"}
    image_graph = {"a:2", "b:10", "b:11"}
    r = relation(activated, image_graph, true)
    assert r["uses"] == ["a:2", "b:5"] and r["lacks"] == ["a:1", "b:0"]
    assert r["shared"] == ["a:2"] and r["image_only"] == ["b:10", "b:11"]
    assert r["class_only"] == ["a:1", "b:0", "b:5"]
    assert r["jaccard"] == pytest.approx(1 / 6, abs=1e-6)
    strength = {"a:2": 0.5, "a:3": 0.4, "b:5": 0.1, "b:10": 0.9, "b:11": 0.2}
    assert pulls(activated, strength, true, predicted) == [
        {"id": "b:10", "strength": 0.9}, {"id": "a:3", "strength": 0.4}]
    strength["a:3"] = 0.9  # a tie: network order
    assert [p["id"] for p in pulls(activated, strength, true, predicted)] == ["a:3", "b:10"]


def _slow_outcome(model, names, baselines, image, condition):
    """The model's logits with ``condition``'s channels replaced, by forward hooks."""
    modules = dict(model.named_modules())
    handles = []
    for name in names:
        mask = condition.get(name)
        if mask is not None and mask.any():
            m = torch.from_numpy(mask)[None, :, None, None]
            handles.append(modules[name].register_forward_hook(
                lambda mod, args, out, m=m, b=baselines[name]: torch.where(m, b, out)))
    try:
        with torch.no_grad():
            return model(image[None])[0]
    finally:
        for h in handles:
            h.remove()


def test_image_evidence_against_forward_passes_with_hooks(net):
    model, structure, images = net
    channels = {x.name: x.channels for x in structure.layers}
    g = torch.Generator().manual_seed(1)
    baselines = {x.name: torch.rand(x.channels, x.height, x.width, generator=g)
                 for x in structure.layers}
    sets = {"own": per_layer(["mixed3a:0", "mixed3a:3", "mixed4b:1"]),
            "used": per_layer(["mixed3b:2"]), "empty": {}}
    label, repeats = 1, 6
    got = image_evidence(Intervener(model, LAYERS, baselines), images[0], label, channels,
                         sets, repeats, np.random.default_rng(5), 4, torch.device("cpu"))
    assert set(got) == {"own", "used"}  # an empty set is not tested
    table, rows = conditions(channels, {k: sets[k] for k in ("own", "used")}, repeats,
                             np.random.default_rng(5))
    logits = [_slow_outcome(model, LAYERS, baselines, images[0], c) for c in table]
    clean = int(logits[0].argmax())
    for name, row in rows.items():
        drop = float(logits[0][label] - logits[row][label])
        randoms = [float(logits[0][label] - logits[r][label])
                   for r in range(row + 1, row + 1 + repeats)]
        assert got[name]["logit_drop"] == pytest.approx(drop, abs=1e-5)
        assert got[name]["flipped"] == (int(logits[row].argmax()) != clean)
        assert got[name]["random_logit_drop"] == pytest.approx(np.mean(randoms), abs=1e-5)
        assert got[name]["p"] == pytest.approx((1 + sum(r >= drop for r in randoms))
                                               / (1 + repeats), abs=1e-6)
        for r in range(row + 1, row + 1 + repeats):  # random sets: same sizes, outside
            for layer, picked in sets[name].items():
                chosen = np.flatnonzero(table[r][layer])
                assert len(chosen) == len(picked) and not set(chosen) & set(picked)
    assert list(itertools.chain(*sets["own"].values())) == [0, 3, 1]


def _record(cid, images):
    return {"class": {"id": cid, "name": f"c{cid}"}, "settings": {"repeats": 20},
            "images": images}


def _image(index, label, predicted, prob_true, jt, jp, p):
    rel = {"uses": ["a:1"], "lacks": ["a:2", "a:3"], "jaccard": jt}
    return {"index": index, "reason": "misclassified" if label != predicted else "most_confident",
            "label": label, "predicted": predicted, "prob_true": prob_true,
            "probabilities": [{"class": predicted, "prob": 0.7}],
            "graph": {"nodes": [{"id": "a:1"}], "edges": []}, "true_class": rel,
            "predicted_class": {**rel, "jaccard": jp} if label != predicted else None,
            "pulls": [{"id": "b:4", "strength": 0.5}],
            "evidence": {"own_graph": {"size": 1, "flipped": True, "logit_drop": 1.0,
                                       "random_logit_drop": 0.1, "random_flip_rate": 0.0,
                                       "p": p}}}


def test_the_summary_counts_by_hand_and_explains_the_most_confidently_wrong():
    from summit.explain.summary import example, summary_markdown

    records = [_record(0, [_image(5, 0, 1, 0.2, 0.1, 0.3, 0.04), _image(6, 0, 0, 0.9, 0, 0, 0.5)]),
               _record(1, [_image(9, 1, 0, 0.05, 0.4, 0.2, 0.2)])]
    im, r = example(records)
    assert (im["index"], r["class"]["id"]) == (9, 1)
    text = summary_markdown(records, ["zero", "one"])
    assert text.startswith("3 images explained in 2 classes, 2 of them misclassified. Of the 2 "
                           "misclassified into another class of the study, 1 have")
    assert "of 20 random sets of the same size for 1 of the 3 images" in text
    assert "image #9, a one predicted zero" in text and "b:4 (0.50)" in text
    assert "It has none of the one graph's channels that it activates" in text
