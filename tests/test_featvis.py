"""Feature visualizations: the batched loss is Lucent's objectives, renders excite their
channel, diversity images differ, the render honours the model's own input, and a channel
that is off on grey still renders (through its pre-activation, or from stronger noise) or is
recorded as failed."""

import dataclasses

import numpy as np
import pytest
import torch
import torchvision
from lucent.optvis import objectives
from torch import nn

from summit.io.artifacts import FeatvisIndex
from summit.io.data import InputSpec
from summit.method.featvis import (
    RESTART_SD,
    channel_loss,
    channel_objective,
    channel_peaks,
    channels_in_graphs,
    pre_activation,
    render_channels,
    render_layer,
)
from summit.model.demo_net import DemoInception
from summit.model.trace import captured
from summit.settings import FeatvisSettings

SPEC = InputSpec(28, 1, (0.2860,), (0.3530,))
SETTINGS = FeatvisSettings.from_config({"steps": 48, "lr": 0.05, "jitter": 2,
                                        "scales": [1.0, 0.95, 1.05], "rotations": [-5, 0, 5],
                                        "diversity": 4, "diversity_weight": 100.0, "seed": 0,
                                        "batch_channels": 2})


@pytest.fixture(scope="module")
def model():
    torch.manual_seed(0)
    m = DemoInception(1, 10, 0.25).eval()
    for p in m.parameters():
        p.requires_grad_(False)
    return m


@pytest.mark.parametrize("diversity", [0, 1, 3])
def test_batched_loss_is_lucents_objectives_summed_per_channel(diversity):
    """Reference: Lucent's own channel/diversity objectives, one channel group at a time."""
    torch.manual_seed(1)
    channels = [2, 0, 2]
    group = 1 + diversity
    acts = torch.randn(len(channels) * group, 5, 4, 3)
    expected = 0.0
    for i, c in enumerate(channels):
        single = acts[i * group:i * group + 1]
        expected += objectives.channel("x", c)(lambda _, t=single: t)
        if diversity:
            div = acts[i * group + 1:(i + 1) * group]
            objective = objectives.channel("x", c)
            if diversity > 1:
                objective = objective - 7.0 * objectives.diversity("x")
            expected += objective(lambda _, t=div: t)
    got = channel_loss(acts, torch.tensor(channels), diversity, 7.0)
    assert torch.allclose(got, torch.as_tensor(expected), rtol=1e-5, atol=1e-5)


def test_the_pre_activation_stands_in_only_on_images_where_the_channel_is_off():
    torch.manual_seed(2)
    acts = torch.relu(torch.randn(6, 3, 4, 4))  # two groups of 1 + 2 images
    acts[0, 1] = 0  # group 0 (channel 1): its render is off everywhere
    acts[4, 2] = 0  # group 1 (channel 2): its first diversity image is off everywhere
    pre = torch.randn(6, 3, 4, 4, requires_grad=True)
    got = channel_loss(acts, torch.tensor([1, 2]), 2, 0.0, pre)
    want = (-pre[0, 1].mean() - (acts[1, 1].mean() + acts[2, 1].mean()) / 2
            - acts[3, 2].mean() - (pre[4, 2].mean() + acts[5, 2].mean()) / 2)
    torch.testing.assert_close(got, want)
    got.backward()
    assert pre.grad.abs().sum(dim=(2, 3)).nonzero().tolist() == [[0, 1], [4, 2]]


def test_renders_raise_their_channel_far_above_noise(model):
    seen = []
    handle = model.register_forward_pre_hook(lambda m, i: seen.append(tuple(i[0].shape)))
    channels = list(range(12))
    renders = render_layer(model, "mixed3b", channels, SPEC,
                           dataclasses.replace(SETTINGS, steps=96, batch_channels=5))
    handle.remove()
    images = renders.images
    assert renders.objective == "pre-activation where off" and renders.failed == [None] * 12
    assert images.shape == (12, 5, 28, 28, 1) and images.min() >= 0 and images.max() <= 1
    assert {s[1:] for s in seen} == {(1, 28, 28)}  # no 224-px upsampling, one grey channel
    noise = np.random.default_rng(0).uniform(0.4, 0.6, (1, 28, 28, 1))
    for i, c in enumerate(channels):
        start = channel_objective(model, "mixed3b", c, SPEC, noise)
        rendered = channel_objective(model, "mixed3b", c, SPEC, images[i, :1])
        assert start > 0 and rendered > 4 * start, (c, rendered, start)
        # Diversity images trade some of the objective for being unlike each other.
        diverse = channel_objective(model, "mixed3b", c, SPEC, images[i, 1:])
        assert diverse > 1.5 * start, (c, diverse, start)


def test_diversity_images_differ(model):
    images = render_layer(model, "mixed4a", [1], SPEC, SETTINGS).images[0, 1:]
    for i in range(4):
        for j in range(i + 1, 4):
            assert np.abs(images[i] - images[j]).mean() > 0.05


def test_channels_in_graphs():
    graphs = [{"nodes": [{"layer": "a", "channel": 3}, {"layer": "b", "channel": 1}]},
              {"nodes": [{"layer": "a", "channel": 0}, {"layer": "a", "channel": 3}]}]
    assert channels_in_graphs(graphs, "a") == [0, 3]
    assert channels_in_graphs(graphs, "c") == []


def test_rgb_model_and_a_render_size_other_than_the_input():
    """Colour models get Lucent's decorrelated RGB parametrisation; a 20-px render is resized
    to the model's 28-px input before the model sees it, and saved at 20 px."""
    torch.manual_seed(0)
    m = DemoInception(3, 10, 0.25).eval()
    for p in m.parameters():
        p.requires_grad_(False)
    spec = InputSpec(28, 3, (0.5, 0.5, 0.5), (0.25, 0.25, 0.25))
    seen = []
    handle = m.register_forward_pre_hook(lambda mod, i: seen.append(tuple(i[0].shape)))
    images = render_layer(m, "mixed3a", [0, 2], spec,
                          dataclasses.replace(SETTINGS, steps=8, size=20)).images
    handle.remove()
    assert images.shape == (2, 5, 20, 20, 3)
    assert {s[1:] for s in seen} == {(3, 28, 28)}
    assert np.abs(images[..., 0] - images[..., 1]).mean() > 1e-3  # colour, not grey


def test_the_pre_activation_is_the_input_of_the_layers_final_relus(model):
    """The inception block's four branches each end in batch norm, then an in-place ReLU:
    the kept batch-norm outputs, concatenated, are the layer's output before that ReLU."""
    names = pre_activation(model, "mixed3b")
    assert names == [f"mixed3b.{b}.bn" for b in ("branch1", "branch2.1", "branch3.1",
                                                   "branch4.1")]
    x = torch.randn(2, 1, 28, 28)
    out = {}
    handle = model.mixed3b.register_forward_hook(lambda m, i, o: out.__setitem__("y", o))
    with captured(model, names, protect=True) as kept, torch.no_grad():
        model(x)
    handle.remove()
    pre = torch.cat([kept[n] for n in names], 1)
    assert pre.min() < 0  # not overwritten by the in-place ReLU
    torch.testing.assert_close(torch.relu(pre), out["y"])
    googlenet = torchvision.models.googlenet(weights=None, init_weights=False,
                                             aux_logits=False)
    assert pre_activation(googlenet, "inception4a") == [
        f"inception4a.{b}.bn" for b in ("branch1", "branch2.1", "branch3.1", "branch4.1")]


class OffOnGrey(nn.Module):
    """conv → ReLU → max pool. Channel 0 is exactly 0 on grey input (a centre-surround filter
    with a negative bias) but activates on a bright dot; channel 1 can never activate (no
    weights, negative bias); channel 2 is on everywhere whatever the input (no weights,
    positive bias); channel 3 is an ordinary random filter."""

    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.conv = nn.Conv2d(1, 4, 3, padding=1)
        self.relu = nn.ReLU()
        self.pool = nn.MaxPool2d(2)
        with torch.no_grad():
            centre_surround = torch.full((3, 3), -1 / 8)
            centre_surround[1, 1] = 1.0
            self.conv.weight[0, 0] = centre_surround
            self.conv.weight[1:3] = 0.0
            self.conv.bias[:3] = torch.tensor([-1.0, -1.0, 1.0])
        for p in self.parameters():
            p.requires_grad_(False)

    def forward(self, x):
        return self.pool(self.relu(self.conv(x)))


GREY_SPEC = InputSpec(28, 1, (0.5,), (0.25,))
# No random transforms: a rotation's zero-filled corners could switch channel 0 on by itself.
TINY = dataclasses.replace(SETTINGS, diversity=2, batch_channels=3, jitter=0, scales=[],
                           rotations=[])


def test_the_pre_activation_or_stronger_noise_moves_a_render_the_activation_leaves_grey():
    """Channel 0 is 0 after its ReLU on the grey start: no gradient, so optimising its
    activation leaves the image as it began; its pre-activation has a gradient, and so has
    its activation on stronger noise, where it is on somewhere."""
    model = OffOnGrey().eval()
    for pre, sd, moved in ((None, None, False), (["conv"], None, True),
                           (None, RESTART_SD, True)):
        images, start = render_channels(model, "relu", [0], GREY_SPEC, TINY, pre, 0, sd)
        change = np.abs(images[0, 0] - start[0, 0]).max()
        assert (change > 0.1) == moved, (pre, sd, change)


@pytest.mark.parametrize(("layer", "pre", "objective"), [
    ("relu", ["conv"], "pre-activation where off"),  # off, the channel term reads the conv
    ("pool", None, "activation"),  # no ReLU ends the layer: retried from stronger noise
])
def test_a_channel_off_on_grey_renders_and_the_impossible_ones_fail(layer, pre, objective):
    model = OffOnGrey().eval()
    grey = np.full((4, 28, 28, 1), 0.5, np.float32)
    assert channel_peaks(model, layer, [0, 1, 2, 3], GREY_SPEC, grey).tolist()[:3] == [0, 0, 1]
    assert pre_activation(model, layer) == pre
    renders = render_layer(model, layer, [0, 1, 2, 3], GREY_SPEC, TINY)
    assert renders.objective == objective
    assert renders.failed == [None, "inactive", "unchanged", None]
    render = renders.images[0, 0]
    assert render.std() > 0.05 and renders.peaks[0] > 0  # not the flat grey start
    assert renders.peaks[0] == pytest.approx(
        float(channel_peaks(model, layer, [0], GREY_SPEC, render[None])[0]), abs=1e-5)
    assert renders.peaks[1] == 0 and renders.images[1, 0].std() < 0.01
    index = FeatvisIndex(layer=layer, size=28, per_channel=3, atlas="a.png",
                         channels=[0, 1, 2, 3], objective=renders.objective,
                         peaks=renders.peaks, failed=renders.failed, seconds=0.0,
                         seconds_per_image=0.0)
    assert index.failures() == {1: "channel never activates on optimised input",
                                2: FeatvisIndex.FAILURES["unchanged"]}


def test_no_channels_is_an_empty_render(model):
    renders = render_layer(model, "mixed3a", [], SPEC, SETTINGS)
    assert renders.images.shape == (0, 5, 28, 28, 1) and renders.failed == []
