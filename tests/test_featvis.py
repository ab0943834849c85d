"""Feature visualizations: the batched loss is Lucent's objectives, renders excite their
channel, diversity images differ, and the render honours the model's own input."""

import dataclasses

import numpy as np
import pytest
import torch
from lucent.optvis import objectives

from summit.data import InputSpec
from summit.demo_net import DemoInception
from summit.featvis import (
    RenderSettings,
    channel_loss,
    channel_objective,
    channels_in_graphs,
    render_layer,
)

SPEC = InputSpec(28, 1, (0.2860,), (0.3530,))
SETTINGS = RenderSettings(steps=48, lr=0.05, jitter=2, scales=(1.0, 0.95, 1.05),
                          rotations=(-5, 0, 5), diversity=4, diversity_weight=100.0, seed=0,
                          batch_channels=2)


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


def test_renders_raise_their_channel_far_above_noise(model):
    seen = []
    handle = model.register_forward_pre_hook(lambda m, i: seen.append(tuple(i[0].shape)))
    channels = list(range(12))
    images = render_layer(model, "mixed3b", channels, SPEC,
                          dataclasses.replace(SETTINGS, steps=96, batch_channels=5))
    handle.remove()
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
    images = render_layer(model, "mixed4a", [1], SPEC, SETTINGS)[0, 1:]
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
                          dataclasses.replace(SETTINGS, steps=8, size=20))
    handle.remove()
    assert images.shape == (2, 5, 20, 20, 3)
    assert {s[1:] for s in seen} == {(3, 28, 28)}
    assert np.abs(images[..., 0] - images[..., 1]).mean() > 1e-3  # colour, not grey
