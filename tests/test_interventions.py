"""Channel interventions: the split model against the network's remainder run by hand."""

import numpy as np
import pytest
import torch
from torch import nn

from summit.model.demo_net import DemoInception
from summit.model.interventions import Intervener, replace_channels
from summit.model.structure import StructureError

LAYERS = ["mixed3a", "mixed3b", "mixed4a", "mixed4b"]


@pytest.fixture(scope="module")
def demo():
    torch.manual_seed(0)
    model = DemoInception(width=0.25).eval()
    for m in model.modules():  # non-trivial batch-norm statistics
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.uniform_(-0.5, 0.5)
            m.running_var.uniform_(0.5, 2)
    x = torch.randn(6, 1, 28, 28)
    shapes = {}
    hooks = [model.get_submodule(n).register_forward_hook(
        lambda m, a, o, n=n: shapes.__setitem__(n, o.shape[1:])) for n in LAYERS]
    with torch.no_grad():
        model(x)
    for h in hooks:
        h.remove()
    baselines = {n: torch.randn(*shapes[n]) for n in LAYERS}
    return model, x, baselines, Intervener(model, LAYERS, baselines)


def _by_hand(model, x, edits):
    """The demo net's forward written out, with ``edits`` {layer: (mask, baseline)} applied
    to the layers' outputs in place."""
    def edit(name, h):
        if name in edits:
            mask, base = edits[name]
            h[:, torch.from_numpy(mask)] = base[torch.from_numpy(mask)]
        return h

    with torch.no_grad():
        h = model.conv2(model.maxpool1(model.conv1(x)))
        h = edit("mixed3a", model.mixed3a(h))
        h = edit("mixed3b", model.mixed3b(h))
        h = edit("mixed4a", model.mixed4a(model.maxpool4(h)))
        h = edit("mixed4b", model.mixed4b(h))
        return model.fc(torch.flatten(model.avgpool(h), 1))


def _mask(n, channels):
    m = np.zeros(n, bool)
    m[list(channels)] = True
    return m


def test_no_intervention_reproduces_the_models_logits_bit_for_bit(demo):
    model, x, _, iv = demo
    with torch.no_grad():
        own = model(x)
    shared = iv.prefix(x)
    for start in LAYERS:
        out = iv.run(shared, start, [{}, {}, {}])
        assert all(torch.equal(o, own) for o in out), start


def test_stacked_conditions_equal_the_remainder_run_by_hand(demo):
    model, x, base, iv = demo
    n = {k: v.shape[0] for k, v in base.items()}
    conditions = [
        {"mixed3b": _mask(n["mixed3b"], [0, 3, 7])},
        {"mixed3b": _mask(n["mixed3b"], [1]), "mixed4b": _mask(n["mixed4b"], [2, 5])},
        {},
        {"mixed4a": _mask(n["mixed4a"], range(n["mixed4a"]))},
    ]
    out = iv.run(iv.prefix(x), "mixed3b", conditions)
    for got, c in zip(out, conditions, strict=True):
        want = _by_hand(model, x.clone(), {k: (m, base[k]) for k, m in c.items()})
        torch.testing.assert_close(got, want, rtol=0, atol=1e-5)


def test_the_split_model_agrees_with_forward_hooks_on_the_whole_model(demo):
    model, x, base, iv = demo
    c = {"mixed3a": _mask(base["mixed3a"].shape[0], [0, 2]),
         "mixed4a": _mask(base["mixed4a"].shape[0], [1])}
    handles = [model.get_submodule(k).register_forward_hook(
        lambda mod, a, o, k=k: replace_channels(o, torch.from_numpy(c[k])[None], base[k]))
        for k in c]
    with torch.no_grad():
        want = model(x)
    for h in handles:
        h.remove()
    got = iv.run(iv.prefix(x), iv.start_layer(c), [c])[0]
    torch.testing.assert_close(got, want, rtol=0, atol=1e-5)
    assert iv.start_layer(c) == "mixed3a" and iv.start_layer({}) == "mixed4b"  # clean: last


def test_mean_ablating_a_whole_layer_makes_the_logits_independent_of_the_input(demo):
    _, x, base, iv = demo
    everything = {"mixed3b": np.ones(base["mixed3b"].shape[0], bool)}
    out = iv.run(iv.prefix(x), "mixed3b", [everything, {}])
    assert torch.equal(out[0], out[0][:1].expand_as(out[0]))  # every image, the same logits
    assert not torch.equal(out[1], out[1][:1].expand_as(out[1]))


class _Skip(nn.Module):
    """A skip from before layer ``a`` to after layer ``b``: the remainder after ``a`` reads
    a value from before it."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(1, 4, 3, padding=1)
        self.a = nn.Conv2d(4, 5, 3, padding=1)
        self.b = nn.Conv2d(5, 4, 1)
        self.fc = nn.Linear(4, 3)

    def forward(self, x):
        s = torch.relu(self.stem(x))
        h = torch.relu(self.b(torch.relu(self.a(s)))) + s
        return self.fc(h.mean(dim=(2, 3)))


def test_a_skip_around_the_layer_is_given_to_the_remainder():
    torch.manual_seed(1)
    model, x = _Skip().eval(), torch.randn(3, 1, 8, 8)
    base = {"a": torch.randn(5, 8, 8), "b": torch.randn(4, 8, 8)}
    iv = Intervener(model, ["a", "b"], base)
    mask = _mask(5, [1, 4])
    got = iv.run(iv.prefix(x), "a", [{"a": mask}, {}])
    with torch.no_grad():
        s = torch.relu(model.stem(x))
        a = model.a(s)
        a[:, torch.from_numpy(mask)] = base["a"][torch.from_numpy(mask)]
        want = model.fc((torch.relu(model.b(torch.relu(a))) + s).mean(dim=(2, 3)))
        own = model(x)
    torch.testing.assert_close(got[0], want, rtol=0, atol=1e-6)
    assert torch.equal(got[1], own)


class _Twice(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(2, 2, 1)

    def forward(self, x):
        return self.conv(self.conv(x)).mean(dim=(2, 3))


def test_a_layer_called_twice_is_refused_in_one_line():
    with pytest.raises(StructureError, match="conv is called 2 times"):
        Intervener(_Twice(), ["conv"], {"conv": torch.zeros(2, 1, 1)})
