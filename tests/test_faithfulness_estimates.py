"""First-order estimates (summit.model.first_order) against exact ablation, and the stage's
confirmation logic: every value a record does not mark ``estimated`` is an exact ablation,
every estimated one is the first-order estimate and lies where it cannot decide otherwise."""

from dataclasses import replace

import numpy as np
import pytest
import torch
from scipy import stats
from torch import nn

from summit.evidence.faithfulness import ClassInputs, Runner, evaluate, reference_means
from summit.evidence.faithfulness_design import Evidence
from summit.evidence.faithfulness_record import record as make_record
from summit.evidence.sequential import SAFETY, besag_clifford, trapezoid_weights
from summit.model.first_order import first_order
from summit.model.interventions import Intervener, replace_channels
from summit.settings import FaithfulnessSettings
from tests.test_interventions import LAYERS, demo  # noqa: F401 - the shared fixture

CPU = torch.device("cpu")


class Tiny(nn.Module):
    """Two convolutions (the primary layers ``a`` and ``b``) and a linear read-out; with
    ``act`` the identity the network after each layer is linear."""

    def __init__(self, act: nn.Module, scale: float = 1.0):
        super().__init__()
        torch.manual_seed(1)
        self.a, self.b = nn.Conv2d(2, 4, 3, padding=1), nn.Conv2d(4, 5, 3, padding=1)
        self.fc, self.act = nn.Linear(5 * 6 * 6, 3), act
        with torch.no_grad():
            for p in self.parameters():
                p.mul_(scale)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.act(self.b(self.act(self.a(x)))).flatten(1))


def _exact(model, baselines, x, labels, condition):
    """True-class logits with the condition's channels replaced, by plain forward hooks."""
    handles = [model.get_submodule(k).register_forward_hook(
        lambda mod, a, o, k=k, m=m: replace_channels(o, torch.from_numpy(m)[None],
                                                     baselines[k])) for k, m in condition.items()]
    try:
        with torch.no_grad():
            out = model(x)
    finally:
        for h in handles:
            h.remove()
    return out[torch.arange(len(labels)), labels].numpy()


def _setup(act, scale=1.0):
    model = Tiny(act, scale).eval()
    x, labels = torch.randn(7, 2, 6, 6), torch.tensor([0, 1, 2, 0, 1, 2, 0])
    maps, _ = reference_means(model, ["a", "b"], [(torch.randn(20, 2, 6, 6), torch.zeros(20))],
                              CPU)
    baselines = {k: torch.from_numpy(v) for k, v in maps.items()}
    return model, x, labels, baselines, first_order(model, ["a", "b"], baselines, [(x, labels)])


def _mask(n, channels):
    m = np.zeros(n, bool)
    m[list(channels)] = True
    return m


def test_first_order_is_exact_where_the_rest_of_the_network_is_linear():
    model, x, labels, base, fo = _setup(nn.Identity())
    clean = _exact(model, base, x, labels, {})
    for layer, n in (("a", 4), ("b", 5)):
        for chosen in ([0], [3], [1, 2], list(range(n))):  # one layer's channels add up
            condition = {layer: _mask(n, chosen)}
            logit_drop, _ = fo.drops(condition)
            want = clean - _exact(model, base, x, labels, condition)
            np.testing.assert_allclose(logit_drop, want, rtol=1e-4, atol=1e-5)


def test_first_order_probabilities_follow_the_log_probability():
    model, x, labels, base, fo = _setup(nn.Identity())
    with torch.no_grad():
        p = torch.softmax(model(x), 1)[torch.arange(len(labels)), labels].numpy()
    np.testing.assert_allclose(fo.prob, p, rtol=1e-5)
    condition = {"b": _mask(5, [1])}
    _, prob_drop = fo.drops(condition)
    want = p - p * np.exp(fo.logp["b"][:, 1])
    np.testing.assert_allclose(prob_drop, want, rtol=1e-6)


def test_first_order_is_close_for_a_nonlinear_network():
    model, x, labels, base, fo = _setup(nn.Tanh(), scale=0.5)
    clean = _exact(model, base, x, labels, {})
    est, exact = [], []
    for layer, n in (("a", 4), ("b", 5)):
        for c in range(n):
            condition = {layer: _mask(n, [c])}
            est.append(fo.drops(condition)[0].mean())
            exact.append((clean - _exact(model, base, x, labels, condition)).mean())
    est, exact = np.array(est), np.array(exact)
    assert stats.spearmanr(est, exact)[0] > 0.9
    assert np.max(np.abs(est - exact)) < 0.2 * np.max(np.abs(exact))
    assert not np.allclose(est, exact, atol=1e-6)  # not exact: the network is not linear


# The random baselines on the first M of the 16 images; 3 insertion orders cannot reach the
# level, so none is drawn.
M = 10
SETTINGS = replace(FaithfulnessSettings.defaults(), repeats=6, curve_orders=3, curve_points=5,
                   bootstrap=200, exact_singles=2, baseline_images=M)


@pytest.fixture(scope="module")
def estimated(demo):  # noqa: F811
    """A record of the demo net with mean ablation and first-order estimates."""
    model, x, _, _ = demo
    x = torch.cat([x, torch.randn(10, 1, 28, 28)])
    maps, _ = reference_means(model, LAYERS, [(x, torch.zeros(len(x)))], CPU)
    base = {k: torch.from_numpy(v) for k, v in maps.items()}
    iv = Intervener(model, LAYERS, base)
    channels = {k: v.shape[0] for k, v in base.items()}
    counts = {k: np.random.default_rng(3).integers(0, 50, n) for k, n in channels.items()}
    vertices = [("mixed4a:3", 0.3), ("mixed3b:1", 0.2), ("mixed3a:0", 0.1),
                ("mixed4b:2", 0.05), ("mixed3b:4", 0.01), ("mixed4a:7", 0.005)]
    e = Evidence(ClassInputs(channels, counts, {}, {"per_layer": vertices,
                                                    "unified": vertices[:3]}),
                 SETTINGS, class_id=2)
    labels = torch.full((len(x),), 2)
    runner = Runner(iv, [(x, labels)], e.plan.conditions, 64, CPU)
    fo = first_order(model, LAYERS, base, runner.images())
    e.run(runner, fo)
    other = evaluate(iv, [(x[:4], torch.tensor([0, 0, 1, 7]))], e.specificity_conditions(),
                     64, CPU)
    full = evaluate(iv, [(x, labels)], e.plan.conditions, 64, CPU)  # every condition exact
    return make_record(e, other), e, fo, full


def _exact_drop(full, row, metric="logit", n=None):
    values = full.logit if metric == "logit" else full.prob
    return float(np.mean(values[0, :n] - values[row, :n]))


def test_sets_not_marked_estimated_are_exact_and_estimated_ones_cannot_decide_otherwise(
        estimated):
    rec, e, fo, full = estimated
    n_estimated = 0
    for name, d in e.design.items():
        for scope, sc in d["scopes"].items():
            a = rec["variants"][name]["ablation"][scope]
            assert a["graph"]["logit"]["mean"] == pytest.approx(_exact_drop(full, sc["graph"]),
                                                                abs=1e-5)
            graph = a["graph_on_baseline"]["logit"]  # what the sets are compared with
            assert graph == pytest.approx(_exact_drop(full, sc["graph"], n=M), abs=1e-5)
            for kind in ("random", "matched"):
                exceeds = []
                for r, (value, est) in enumerate(zip(a[kind]["logit"], a["estimated"][kind],
                                                     strict=True)):
                    row = sc[kind][r]
                    if est:
                        n_estimated += 1
                        want = fo.drops(e.plan.conditions[row])[0][:M].mean()
                        assert value == pytest.approx(want) and a[kind]["accuracy"][r] is None
                        assert value < graph - a["margin"]  # only "below" is estimated
                    else:
                        assert value == pytest.approx(_exact_drop(full, row, n=M), abs=1e-5)
                    exceeds.append(value >= graph)
                test = besag_clifford(exceeds + [False] * (SETTINGS.repeats - len(exceeds)),
                                      SETTINGS.repeats, SETTINGS.level)
                assert a[f"p_{kind}"] == test.p and a["significant"][kind] == test.significant
    assert n_estimated  # the estimates decided some sets


def test_the_largest_single_effects_are_ablated_and_the_rest_estimated(estimated):
    """The ``exact_singles`` largest by estimate are ablated; others are estimates unless
    another test ablated the same condition (a one-vertex scope's graph)."""
    rec, e, fo, full = estimated
    est = {v: float(fo.drops(e.plan.conditions[row])[0].mean()) for v, row in e.singles.items()}
    largest = sorted(est, key=lambda v: -abs(est[v]))[:SETTINGS.exact_singles]
    exact = []
    for v, row in e.singles.items():
        c = rec["channels"][v]
        assert c["estimated"] == (v not in largest and not e.known(row))
        if c["estimated"]:
            assert c["accuracy"] is None and c["logit"]["mean"] == pytest.approx(est[v])
        else:
            exact.append(v)
            assert c["first_order"]["logit"] == pytest.approx(est[v])
            assert c["logit"]["mean"] == pytest.approx(_exact_drop(full, row), abs=1e-5)
    assert sum(rec["channels"][v]["estimated"] for v in e.singles) > 0
    agree = rec["estimation"]["singles"]
    assert agree["n"] == len(exact) >= SETTINGS.exact_singles
    assert agree["max_error"] == pytest.approx(max(
        abs(est[v] - rec["channels"][v]["logit"]["mean"]) for v in exact))
    assert agree["mean_error"] == pytest.approx(np.mean(
        [est[v] - rec["channels"][v]["logit"]["mean"] for v in exact]))
    sets = rec["estimation"]["sets"]  # the sets ablated, against their estimates
    ablated = {r for d in e.design.values() for sc in d["scopes"].values()
               for kind in ("random", "matched") for r in sc[kind] if e.known(r, M)}
    assert sets["n"] == len(ablated) > 0
    assert sets["max_error"] == pytest.approx(max(
        abs(fo.drops(e.plan.conditions[r])[0][:M].mean() - _exact_drop(full, r, n=M))
        for r in ablated), abs=1e-5)


def test_deletion_points_not_estimated_are_exact_and_the_rest_cannot_flip_the_areas(estimated):
    """The PageRank order on every image; the random orders, and the comparison of areas,
    on the baselines' first M images."""
    rec, e, fo, full = estimated
    prob = full.prob[:, :M]
    clean = float(np.mean(prob[0]))
    for name, d in e.design.items():
        c = rec["variants"][name]["curves"]["deletion"]
        orders = d["curves"]["deletion"]
        assert c["graph"] == pytest.approx([float(np.mean(full.prob[r])) for r in orders[0]])
        x = np.array(c["k"]) / c["k"][-1]
        assert c["auc_on_baseline"] == pytest.approx(
            np.trapezoid([float(np.mean(prob[r])) for r in orders[0]], x))
        flags = np.array(c["estimated"])
        for o, (ys, est) in enumerate(zip(c["random"], flags, strict=True)):
            for k, (y, flag) in enumerate(zip(ys, est, strict=True)):
                row = orders[1 + o][k]
                if flag:
                    assert y == pytest.approx(
                        clean - fo.drops(e.plan.conditions[row])[1][:M].mean())
                else:
                    assert y == pytest.approx(float(np.mean(prob[row])), abs=1e-6)
        # the bound the stage used: per point, SAFETY × the largest error seen on exact
        # points removing as many vertices; summed over the points left estimated
        error = [max(abs(clean - fo.drops(e.plan.conditions[o[k]])[1][:M].mean()
                         - float(np.mean(prob[o[k]])))
                     for j, o in enumerate(orders) if j == 0 or not flags[j - 1][k])
                 for k in range(len(x))]
        assert c["error"] == pytest.approx(max(error))
        bound = sum(w * SAFETY * err for w, err, est in zip(
            trapezoid_weights(x), error, flags.any(axis=0), strict=True) if est)
        assert bound < abs(c["auc_on_baseline"] - np.mean(c["auc_random"])) or not flags.any()


def test_an_insertion_test_that_cannot_reach_the_level_draws_no_order(estimated):
    rec, e, _, _ = estimated
    assert 1 / (1 + SETTINGS.curve_orders) > SETTINGS.level and not e.insertion_testable()
    for name, d in e.design.items():
        c = rec["variants"][name]["curves"]["insertion"]
        assert c["random"] == [] and c["auc_random"] == [] and c["p_random"] is None
        assert not any(e.known(r) for order in d["curves"]["insertion"][1:]
                       for r in order[1:-1] if "insertion_pagerank" not in e.plan.tags[r])


def test_work_counts_what_was_evaluated(estimated):
    rec, e, _, _ = estimated
    work = rec["estimation"]["conditions"]
    assert SETTINGS.exact_singles <= work["single"][0] < work["single"][1]
    assert work["clean"] == [1, 1] and all(0 <= done <= planned for done, planned in
                                            work.values())
    assert work["random"][0] < work["random"][1]  # some sets were not ablated
    assert work["graph"][0] == work["graph"][1]  # the graph's own conditions always are
