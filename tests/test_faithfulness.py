"""Faithfulness: baselines' samplers by their properties, every number of a class's record
against a brute-force run of the whole model with forward hooks, one condition at a time."""

from dataclasses import replace

import numpy as np
import pytest
import torch
from scipy import stats

from summit.evidence.faithfulness import (
    ClassInputs,
    Runner,
    bootstrap,
    count_ranks,
    curve_steps,
    evaluate,
    matched_sets,
    random_sets,
    reference_means,
    top_count,
)
from summit.evidence.faithfulness_design import Evidence
from summit.evidence.faithfulness_record import record as make_record
from summit.evidence.sequential import besag_clifford
from summit.model.interventions import replace_channels
from summit.settings import FaithfulnessSettings
from tests.test_interventions import LAYERS, demo  # noqa: F401 - the shared fixture

# Everything exact (``first_order: false``): every number the record holds is checked against
# brute force; the estimates have their own tests (test_faithfulness_estimates.py). The random
# baselines run on the first M of the 6 images; the level lets 2 insertion orders decide.
M = 4
SETTINGS = replace(FaithfulnessSettings.defaults(), repeats=4, curve_orders=2, curve_points=4,
                   bootstrap=200, first_order=False, baseline_images=M, level=0.34)
CPU = torch.device("cpu")


def run_evidence(iv, evidence, x, labels, first=None):
    """The rounds of ``evidence`` on images ``x``: its runner."""
    runner = Runner(iv, [(x, labels)], evidence.plan.conditions, 64, CPU)
    evidence.run(runner, first)
    return runner


def test_count_ranks_order_by_count_then_channel():
    counts = np.array([3, 7, 3, 0, 7])
    brute = sorted(range(5), key=lambda c: (-counts[c], c))
    assert [brute.index(c) for c in range(5)] == count_ranks(counts).tolist()


@pytest.mark.parametrize("seed", range(20))
def test_random_sets_avoid_the_graph_and_excluded_channels(seed):
    rng = np.random.default_rng(seed)
    n, graph = 30, rng.choice(30, 5, replace=False).tolist()
    excluded = [c for c in rng.choice(30, 4, replace=False).tolist() if c not in graph]
    sets = random_sets(np.random.default_rng(seed), n, graph, 5, 50, excluded)
    assert all(len(s) == 5 == len(set(s.tolist())) for s in sets)
    assert not set(np.concatenate(sets).tolist()) & (set(graph) | set(excluded))
    assert set(np.concatenate(sets).tolist()) == set(range(n)) - set(graph) - set(excluded)
    again = random_sets(np.random.default_rng(seed), n, graph, 5, 50, excluded)
    assert all(np.array_equal(a, b) for a, b in zip(sets, again, strict=True))
    assert len(random_sets(rng, 8, list(range(6)), 6, 1)[0]) == 2  # fewer remain


@pytest.mark.parametrize("seed", range(30))
def test_matched_sets_match_the_graphs_count_ranks(seed):
    """Each matched channel is among the ``window + pairs - 1`` non-graph channels nearest
    in rank to its graph channel (the ``window`` nearest of those still unused), unused by
    the set, and never a graph or excluded channel."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(10, 60))
    counts = rng.integers(0, 20, n)
    size = int(rng.integers(1, 6))
    graph = rng.choice(n, size, replace=False).tolist()
    excluded = [c for c in rng.choice(n, 3, replace=False).tolist() if c not in graph]
    window = int(rng.integers(1, 5))
    ranks = count_ranks(counts)
    pool = [c for c in range(n) if c not in graph and c not in excluded]
    sets = matched_sets(np.random.default_rng(seed), counts, graph, 10, excluded, window)
    for pairs in sets:
        paired = [g for g, _ in pairs]  # all of the graph's, unless too few remain
        assert len(paired) == min(size, len(pool)) and set(paired) <= set(graph)
        matched = [m for _, m in pairs]
        assert len(set(matched)) == len(matched) and set(matched) <= set(pool)
        for g, m in pairs:
            distances = sorted(abs(ranks[c] - ranks[g]) for c in pool)
            nearest = min(window + len(pairs) - 1, len(pool))  # unused: window of the rest
            assert abs(ranks[m] - ranks[g]) <= distances[nearest - 1]
    assert sets == matched_sets(np.random.default_rng(seed), counts, graph, 10, excluded,
                                window)


def test_matched_sets_differ_between_repeats_and_track_rank():
    counts = np.arange(100)[::-1]  # channel c has rank c
    sets = matched_sets(np.random.default_rng(0), counts, [10, 50, 90], 20)
    assert len({tuple(p) for p in sets}) > 1
    for pairs in sets:
        assert all(abs(g - m) <= 2 for g, m in pairs)


def test_top_count_takes_the_most_frequent_allowed_channels():
    counts = np.array([5, 9, 9, 1, 7])
    assert top_count(counts, 3).tolist() == [1, 2, 4]
    assert top_count(counts, 3, excluded=[2]).tolist() == [0, 1, 4]


@pytest.mark.parametrize("n,points", [(0, 10), (1, 10), (8, 10), (40, 10), (5, 2)])
def test_curve_steps_keep_both_ends_within_the_budget(n, points):
    steps = curve_steps(n, points)
    assert steps[0] == 0 and steps[-1] == n and len(steps) <= max(points, 1)
    assert np.all(np.diff(steps) > 0)


def test_bootstrap_equals_explicit_resampling():
    rng = np.random.default_rng(0)
    values, resamples = rng.normal(size=30), rng.integers(0, 30, (500, 30))
    means = [np.mean([values[i] for i in row]) for row in resamples]
    got = bootstrap(values, resamples)
    assert got["mean"] == pytest.approx(values.mean())
    assert got["low"] == pytest.approx(np.percentile(means, 2.5))
    assert got["high"] == pytest.approx(np.percentile(means, 97.5))


# The brute-force reference: the whole model with plain forward hooks, one condition at a time.

def _brute(model, base, x, condition):
    handles = [model.get_submodule(k).register_forward_hook(
        lambda mod, a, o, k=k, m=m: replace_channels(o, torch.from_numpy(m)[None], base[k]))
        for k, m in condition.items()]
    try:
        with torch.no_grad():
            return model(x)
    finally:
        for h in handles:
            h.remove()


def _levels(logits, labels):
    p = torch.softmax(logits, 1)
    return (logits[torch.arange(len(labels)), labels].numpy(),
            p[torch.arange(len(labels)), labels].numpy(),
            (logits.argmax(1) == labels).numpy())


def test_evaluate_equals_the_whole_model_under_hooks(demo):  # noqa: F811
    model, x, base, iv = demo
    n = {k: v.shape[0] for k, v in base.items()}
    rng = np.random.default_rng(0)
    conditions = [{}]
    for _ in range(7):
        chosen = rng.choice(LAYERS, int(rng.integers(1, 3)), replace=False)
        conditions.append({k: rng.random(n[k]) < 0.3 for k in chosen})
    for k in LAYERS:  # a whole layer replaced: the same outcome for every image
        conditions.append({LAYERS[-1]: rng.random(n[LAYERS[-1]]) < 0.5, k: np.ones(n[k], bool)})
        assert iv.constant_after(conditions[-1]) == k
    labels = torch.tensor([0, 1, 2, -1, 4, 5])  # one unreadable image
    batches = [(x[:4], labels[:4]), (x[4:], labels[4:])]
    got = evaluate(iv, batches, conditions, max_batch=5, device=torch.device("cpu"))
    keep = labels >= 0
    assert got.labels.tolist() == labels[keep].tolist()
    for row, c in enumerate(conditions):
        logit, prob, correct = _levels(_brute(model, base, x[keep], c), labels[keep])
        np.testing.assert_allclose(got.logit[row], logit, atol=1e-5)
        np.testing.assert_allclose(got.prob[row], prob, atol=1e-6)
        assert got.correct[row].tolist() == correct.tolist()


@pytest.mark.parametrize("first", [1, 3, 4])
def test_conditions_on_the_first_images_then_all_equal_evaluating_all_at_once(demo, first):  # noqa: F811
    """A round on the first images (across a batch boundary or not), then every image: the
    same outcomes as one evaluation, the leading images never recomputed."""
    model, x, base, iv = demo
    n = {k: v.shape[0] for k, v in base.items()}
    rng = np.random.default_rng(1)
    conditions = [{}, *({k: rng.random(n[k]) < 0.3} for k in LAYERS),
                  {LAYERS[1]: np.ones(n[LAYERS[1]], bool)}]  # a constant one too
    labels = torch.arange(6) % 3
    batches = [(x[:3], labels[:3]), (x[3:], labels[3:])]
    want = evaluate(iv, batches, conditions, max_batch=4, device=CPU)
    runner = Runner(iv, batches, conditions, 4, CPU)
    runner.evaluate(range(len(conditions)), first)
    assert all(runner.known(r, first) and not runner.known(r) for r in range(len(conditions)))
    assert np.isnan(runner.logit[:, first:]).all()
    np.testing.assert_allclose(runner.logit[:, :first], want.logit[:, :first], atol=1e-5)
    runner.logit[:, :first] = 7.0  # a marker: the next round must not recompute these
    runner.evaluate(range(len(conditions)))
    assert (runner.logit[:, :first] == 7.0).all()
    np.testing.assert_allclose(runner.logit[:, first:], want.logit[:, first:], atol=1e-5)
    np.testing.assert_allclose(runner.prob[:, first:], want.prob[:, first:], atol=1e-6)
    assert (runner.correct[:, first:] == want.correct[:, first:]).all()


def test_reference_means_are_the_mean_maps(demo):  # noqa: F811
    model, x, _, _ = demo
    labels = torch.tensor([0, -1, 1, 2, 3, 4])
    maps, n = reference_means(model, LAYERS, [(x[:3], labels[:3]), (x[3:], labels[3:])],
                              torch.device("cpu"))
    keep = labels >= 0
    outs = {}
    hooks = [model.get_submodule(k).register_forward_hook(
        lambda m, a, o, k=k: outs.__setitem__(k, o)) for k in LAYERS]
    with torch.no_grad():
        model(x[keep])
    for h in hooks:
        h.remove()
    assert n == 5
    for k in LAYERS:
        np.testing.assert_allclose(maps[k], outs[k].mean(0).numpy(), atol=1e-6)


@pytest.fixture(scope="module")
def record(demo):  # noqa: F811
    """A class's record on the demo net, and what it was computed from."""
    model, x, base, iv = demo
    rng = np.random.default_rng(3)
    channels = {k: v.shape[0] for k, v in base.items()}
    counts = {k: rng.integers(0, 50, n) for k, n in channels.items()}
    vertices = [("mixed4a:3", 0.3), ("mixed3b:1", 0.2), ("mixed3a:0", 0.1), ("mixed4b:2", 0.05),
                ("mixed3b:4", 0.01)]
    graphs = {"per_layer": vertices, "unified": vertices[:2], "empty": []}
    inputs = ClassInputs(channels, counts, {"mixed3b": [5, 6]}, graphs)
    evidence = Evidence(inputs, SETTINGS, class_id=2)
    labels = torch.full((len(x),), 2)
    run_evidence(iv, evidence, x, labels)
    others_x, others_y = torch.randn(4, 1, 28, 28), torch.tensor([0, 0, 1, 7])
    other = evaluate(iv, [(others_x, others_y)], evidence.specificity_conditions(), 64, CPU)
    return make_record(evidence, other), (model, base, x, labels, others_x, others_y)


def _mean_drop(model, base, x, labels, condition):
    clean = _levels(_brute(model, base, x, {}), labels)
    after = _levels(_brute(model, base, x, condition), labels)
    return {"logit": float(np.mean(clean[0] - after[0])),
            "prob": float(np.mean(clean[1] - after[1])),
            "accuracy": float(np.mean(clean[2].astype(float) - after[2].astype(float)))}


def _ablate(base, sets, keep=False):
    out = {}
    for layer, chosen in sets.items():
        m = np.zeros(base[layer].shape[0], bool)
        m[list(chosen)] = True
        m = ~m if keep else m
        if m.any():
            out[layer] = m
    return out


def _graph_sets(vertices):
    sets = {k: [] for k in LAYERS}
    for v in vertices:
        layer, c = v.rsplit(":", 1)
        sets[layer].append(int(c))
    return sets


def test_the_graphs_effects_and_baselines_equal_brute_force(record):
    rec, (model, base, x, labels, _, _) = record
    v = rec["variants"]["per_layer"]
    graph = _graph_sets(v["vertices"])
    for scope in [*LAYERS, "all"]:
        at = LAYERS if scope == "all" else [scope]
        a = v["ablation"][scope]
        want = _mean_drop(model, base, x, labels, _ablate(base, {k: graph[k] for k in at}))
        for m in want:
            assert a["graph"][m]["mean"] == pytest.approx(want[m], abs=1e-5)
            assert a["graph"][m]["low"] <= a["graph"][m]["mean"] + 1e-9 <= \
                a["graph"][m]["high"] + 2e-9
        on = _mean_drop(model, base, x[:M], labels[:M],
                        _ablate(base, {k: graph[k] for k in at}))  # where sets are compared
        assert a["graph_on_baseline"]["logit"] == pytest.approx(on["logit"], abs=1e-5)
        for kind in ("random", "matched"):
            drawn = len(a[kind]["logit"])
            for r in range(drawn):
                chosen = {k: v["sets"][kind][k][r] for k in at}
                assert not any(set(chosen[k]) & set(graph[k]) for k in at)
                want = _mean_drop(model, base, x[:M], labels[:M], _ablate(base, chosen))
                assert a[kind]["logit"][r] == pytest.approx(want["logit"], abs=1e-5)
            exceeds = [e >= a["graph_on_baseline"]["logit"] for e in a[kind]["logit"]]
            test = besag_clifford(exceeds + [False] * (SETTINGS.repeats - drawn),
                                  SETTINGS.repeats, SETTINGS.level)
            assert test.drawn == drawn and a[f"p_{kind}"] == test.p
            assert a["significant"][kind] == test.significant
            assert a["estimated"][kind] == [False] * drawn
        top = {k: v["sets"]["top_count"][k] for k in at}
        assert a["size"] == sum(len(graph[k]) for k in at)
        assert [len(top[k]) for k in at] == [len(graph[k]) for k in at]
        want = _mean_drop(model, base, x, labels, _ablate(base, top))
        assert a["top_count"]["logit"]["mean"] == pytest.approx(want["logit"], abs=1e-5)
        kept = _levels(_brute(model, base, x, _ablate(base, {k: graph[k] for k in at},
                                                      keep=True)), labels)[2].mean()
        suff = v["sufficiency"][scope]
        assert suff["graph"] == pytest.approx(kept)
        kept_m = _levels(_brute(model, base, x[:M], _ablate(
            base, {k: graph[k] for k in at}, keep=True)), labels[:M])[2].mean()
        assert suff["graph_on_baseline"] == pytest.approx(kept_m)
        exceeds = []
        for r, acc in enumerate(suff["random"]):
            keep = {k: v["sets"]["random"][k][r] for k in at}
            want = _levels(_brute(model, base, x[:M], _ablate(base, keep, keep=True)),
                           labels[:M])[2]
            assert acc == pytest.approx(want.mean())
            exceeds.append(acc >= kept_m)
        drawn = len(exceeds)
        test = besag_clifford(exceeds + [False] * (SETTINGS.repeats - drawn), SETTINGS.repeats,
                              SETTINGS.level)
        assert test.drawn == drawn and suff["p_random"] == test.p
    assert 5 in graph["mixed3b"] or not any(5 in s for s in v["sets"]["random"]["mixed3b"])
    assert not any({5, 6} & set(s) for s in v["sets"]["random"]["mixed3b"])  # excluded


def test_single_vertices_and_their_rank_correlation_equal_brute_force(record):
    rec, (model, base, x, labels, _, _) = record
    v = rec["variants"]["per_layer"]
    effects = []
    for vertex in v["vertices"]:
        layer, c = vertex.rsplit(":", 1)
        want = _mean_drop(model, base, x, labels, _ablate(base, {layer: [int(c)]}))
        assert rec["channels"][vertex]["logit"]["mean"] == pytest.approx(want["logit"],
                                                                          abs=1e-5)
        effects.append(want["logit"])
    rho = stats.pearsonr(stats.rankdata(v["pagerank"]), stats.rankdata(effects))[0]
    assert v["rank_correlation"]["rho"] == pytest.approx(rho, abs=1e-6)
    assert rec["variants"]["unified"]["rank_correlation"]["rho"] is None  # 2 vertices


def test_deletion_and_insertion_curves_end_at_the_clean_run_and_the_full_ablation(record):
    rec, (model, base, x, labels, _, _) = record
    v = rec["variants"]["per_layer"]
    graph = _graph_sets(v["vertices"])
    clean = _levels(_brute(model, base, x, {}), labels)[1].mean()
    ablated = _levels(_brute(model, base, x, _ablate(base, graph)), labels)[1].mean()
    nothing = _levels(_brute(model, base, x, _ablate(base, dict.fromkeys(LAYERS, []),
                                                     keep=True)), labels)[1].mean()
    only = _levels(_brute(model, base, x, _ablate(base, graph, keep=True)), labels)[1].mean()
    deletion, insertion = v["curves"]["deletion"], v["curves"]["insertion"]
    assert deletion["k"][0] == 0 and deletion["k"][-1] == len(v["vertices"])
    assert deletion["graph"][0] == pytest.approx(clean, abs=1e-6)
    assert deletion["graph"][-1] == pytest.approx(ablated, abs=1e-6)
    assert insertion["graph"][0] == pytest.approx(nothing, abs=1e-6)
    assert insertion["graph"][-1] == pytest.approx(only, abs=1e-6)
    # the random orders on the baselines' first M images, the PageRank order's area there
    assert insertion["random"] and deletion["random"]
    xm, ym = x[:M], labels[:M]
    for curve in deletion["random"]:
        assert curve[0] == pytest.approx(_levels(_brute(model, base, xm, {}), ym)[1].mean())
        assert curve[-1] == pytest.approx(_levels(_brute(model, base, xm, _ablate(
            base, graph)), ym)[1].mean(), abs=1e-6)
    x_share = np.array(insertion["k"]) / insertion["k"][-1]
    mine = [_levels(_brute(model, base, xm, _ablate(base, {**dict.fromkeys(LAYERS, []),
                                                           **_graph_sets(v["vertices"][:k])},
                                                     keep=True)), ym)[1].mean()
            for k in insertion["k"]]
    assert insertion["auc_on_baseline"] == pytest.approx(np.trapezoid(mine, x_share), abs=1e-6)
    exceeds = [a >= insertion["auc_on_baseline"] for a in insertion["auc_random"]]
    test = besag_clifford(exceeds + [False] * (SETTINGS.curve_orders - len(exceeds)),
                          SETTINGS.curve_orders, SETTINGS.level)
    assert insertion["p_random"] == test.p
    k = deletion["k"][1]  # an inner point: the first k vertices in PageRank order removed
    first = _graph_sets(v["vertices"][:k])
    want = _levels(_brute(model, base, x, _ablate(base, first)), labels)[1].mean()
    assert deletion["graph"][1] == pytest.approx(want, abs=1e-6)
    x_share = np.array(deletion["k"]) / deletion["k"][-1]
    assert deletion["auc"] == pytest.approx(np.trapezoid(deletion["graph"], x_share))
    assert all(sorted(o) == sorted(v["vertices"]) for o in v["sets"]["orders"])


def test_specificity_is_the_graphs_effect_on_each_other_class(record):
    rec, (model, base, _, _, ox, oy) = record
    for name, v in rec["variants"].items():
        spec = v["specificity"]
        assert spec["classes"][0] == 2 and spec["classes"][1:] == [0, 1, 7]
        assert spec["logit"][0] == v["ablation"]["all"]["graph"]["logit"]["mean"]
        condition = _ablate(base, _graph_sets(v["vertices"]))
        for c, drop, n in zip(spec["classes"][1:], spec["logit"][1:], spec["n_images"][1:],
                              strict=True):
            sel = oy == c
            want = _mean_drop(model, base, ox[sel], oy[sel], condition)["logit"]
            assert drop == pytest.approx(want, abs=1e-5), name
            assert n == int(sel.sum())


def test_an_empty_graph_has_no_effect_and_defined_outputs(record):
    rec, _ = record
    v = rec["variants"]["empty"]
    assert v["vertices"] == [] and v["ablation"]["all"]["size"] == 0
    assert v["ablation"]["all"]["graph"]["logit"]["mean"] == 0
    assert v["curves"]["deletion"]["k"] == [0] and v["rank_correlation"]["rho"] is None


def test_seeds_make_every_number_reproducible(demo):  # noqa: F811
    model, x, base, iv = demo
    channels = {k: v.shape[0] for k, v in base.items()}
    counts = {k: np.arange(n) for k, n in channels.items()}
    graphs = {"per_layer": [("mixed3b:1", 0.5), ("mixed4a:2", 0.4), ("mixed4a:0", 0.1)]}
    labels = torch.full((len(x),), 1)

    def run(seed):
        e = Evidence(ClassInputs(channels, counts, {}, graphs),
                     replace(SETTINGS, seed=seed), class_id=1)
        main = run_evidence(iv, e, x, labels).outcomes()
        return make_record(e, main)

    a, b, c = run(0), run(0), run(1)
    assert a == b
    assert a["variants"]["per_layer"]["sets"] != c["variants"]["per_layer"]["sets"]


def test_conditions_are_planned_once(record, demo):  # noqa: F811
    _, x, base, _ = demo
    channels = {k: v.shape[0] for k, v in base.items()}
    e = Evidence(ClassInputs(channels, {k: np.zeros(n) for k, n in channels.items()}, {},
                             {"a": [("mixed3a:0", 1.0)], "b": [("mixed3a:0", 1.0)]}),
                 SETTINGS, class_id=0)
    keys = [tuple(sorted((k, m.tobytes()) for k, m in c.items())) for c in e.plan.conditions]
    assert len(keys) == len(set(keys))
    assert e.plan.conditions[0] == {}  # row 0 is the clean run


def _synthetic_records(n=6, in_sample=False, repeats=19):
    from tests.fixtures.faithfulness import synthetic_faithfulness

    rng = np.random.default_rng(5)
    records = []
    for c in range(n):
        nodes = [{"id": f"mixed3a:{i}", "layer": "mixed3a", "channel": i, "count": 5,
                  "pagerank": float(rng.random())} for i in range(4)]
        graph = {"class": {"id": c, "name": f"class {c}"}, "layers": ["mixed3a"],
                 "nodes": nodes, "edges": []}
        records.append(replace(synthetic_faithfulness(rng, graph, list(range(n)),
                                                      repeats=repeats), in_sample=in_sample))
    return records


def _old_format(record):
    """A record as written before the sequential tests: no level, verdicts or estimates."""
    from summit.io.artifacts import Faithfulness

    d = record.to_json()
    for key in ("level", "estimation"):
        del d[key]
    for v in d["variants"].values():
        for a in v["ablation"].values():
            for key in ("significant", "estimated", "margin"):
                del a[key]
    return Faithfulness.from_json(d)


def test_the_runs_sentences_are_its_records_numbers():
    from summit.evidence.faithfulness_summary import summary_markdown, table_rows

    records = _synthetic_records()
    rows = table_rows(records)
    text = summary_markdown(records, rows)
    conf = [r for r in rows if r["configured"]]
    beats = sum(r["p_random"] <= 0.05 for r in conf)
    assert 0 < beats < 6
    assert f"beats the random sets at the 0.05 level in {beats} of 6 classes" in text
    assert "all 19 sets drawn, none as damaging" in text
    assert f"median {np.median([r['logit_drop'] for r in conf]):.2f}" in text
    assert "On 100 images of the test split" in text and "in-sample" not in text
    assert "First-order single-vertex effects against exact ablation" in text
    assert "Spearman rho 0.95" in text and "a median 14 % of the planned" in text
    assert "On the 72 random and matched sets ablated" in text and "averaged -0.05" in text
    in_sample = _synthetic_records(in_sample=True)
    assert "**in-sample**" in summary_markdown(in_sample, table_rows(in_sample))
    old = [_old_format(r) for r in records]  # older records: every set drawn, p ≤ 0.05
    old_text = summary_markdown(old, table_rows(old))
    assert f"at the 0.05 level in {beats} of 6 classes" in old_text
    assert "First-order" not in old_text and "Cost:" not in old_text


def test_the_table_has_a_row_per_class_and_variant():
    from summit.evidence.faithfulness_summary import table_rows

    records = _synthetic_records(3)
    rows = table_rows(records)
    assert [(r["class_id"], r["variant"]) for r in rows] == [
        (c, v) for c in range(3) for v in ("per_layer", "unified")]
    r = records[1].variants["unified"]
    row = rows[3]
    assert row["logit_drop"] == r["ablation"]["all"]["graph"]["logit"]["mean"]
    assert row["random_logit_drop"] == pytest.approx(np.mean(r["ablation"]["all"]["random"]
                                                             ["logit"]))
    assert row["mixed3a_logit_drop"] == r["ablation"]["mixed3a"]["graph"]["logit"]["mean"]


@pytest.mark.parametrize("own", [[50.0, -50.0], [0.0, 0.0]])
def test_specificity_tests_classes_in_rounds_until_the_comparison_is_settled(
        demo, own, monkeypatch):  # noqa: F811
    from summit.evidence import faithfulness

    monkeypatch.setattr(faithfulness, "SPECIFICITY_ROUND", 3)  # the demo net has 10 classes
    _, _, base, iv = demo
    torch.manual_seed(4)
    images = {c: torch.randn(2, 1, 28, 28) for c in range(10)}
    conditions = [{}, {"mixed3a": np.arange(base["mixed3a"].shape[0]) < 3},
                  {"mixed4b": np.arange(base["mixed4b"].shape[0]) < 2}]

    def batches_of(classes):
        return [(torch.cat([images[c] for c in classes]),
                 torch.tensor([c for c in classes for _ in range(2)]))]

    got = faithfulness.specificity(iv, batches_of, list(range(10)), conditions, own, 64, CPU)
    tested = sorted(set(got.labels.tolist()))
    want = evaluate(iv, batches_of(tested), conditions, 64, CPU)
    np.testing.assert_allclose(got.logit, want.logit, atol=1e-5)
    drops = np.array([[(got.logit[0] - got.logit[r])[got.labels == c].mean() for c in tested]
                      for r in (1, 2)])
    half = (stats.t.ppf(0.975, len(tested) - 1) * drops.std(axis=1, ddof=1)
            / np.sqrt(len(tested)))
    settled = np.all(np.abs(np.array(own) - drops.mean(axis=1)) > half)
    if len(tested) < 10:  # stopped early: only once settled, after whole rounds
        assert settled and len(tested) % 3 == 0
    else:
        assert not own[0]  # a drop of 0 is inside the others' interval: every class tested
    if own[0] == 50.0:  # far outside any interval: one round is enough
        assert len(tested) == 3
