"""Feature visualizations: they excite their channel, diversity images differ, and the
render honours the model's own input (size, grey channel, normalisation)."""

import numpy as np
import pytest
import torch

from summit.data import InputSpec
from summit.demo_net import DemoInception
from summit.featvis import RenderSettings, channel_objective, channels_in_graphs, render

SPEC = InputSpec(28, 1, (0.2860,), (0.3530,))
SETTINGS = RenderSettings(steps=48, lr=0.05, jitter=2, scales=(1.0, 0.95, 1.05),
                          rotations=(-5, 0, 5), diversity=4, diversity_weight=100.0, seed=0)


@pytest.fixture(scope="module")
def model():
    torch.manual_seed(0)
    m = DemoInception(1, 10, 0.25).eval()
    for p in m.parameters():
        p.requires_grad_(False)
    return m


def test_render_raises_the_channel_far_above_noise(model):
    seen = []
    handle = model.register_forward_pre_hook(lambda m, i: seen.append(tuple(i[0].shape)))
    image = render(model, "mixed3b", 3, SPEC, SETTINGS)
    handle.remove()
    assert image.shape == (1, 28, 28, 1) and image.min() >= 0 and image.max() <= 1
    assert set(seen) == {(1, 1, 28, 28)}  # no 224-px upsampling, one grey channel
    noise = np.random.default_rng(0).uniform(0.4, 0.6, image.shape)
    rendered = channel_objective(model, "mixed3b", 3, SPEC, image)
    start = channel_objective(model, "mixed3b", 3, SPEC, noise)
    assert start > 0 and rendered > 4 * start


def test_diversity_images_differ(model):
    images = render(model, "mixed4a", 1, SPEC, SETTINGS, batch=4, diversity_weight=100.0)
    assert images.shape == (4, 28, 28, 1)
    for i in range(4):
        for j in range(i + 1, 4):
            assert np.abs(images[i] - images[j]).mean() > 0.05


def test_channels_in_graphs():
    graphs = [{"nodes": [{"layer": "a", "channel": 3}, {"layer": "b", "channel": 1}]},
              {"nodes": [{"layer": "a", "channel": 0}, {"layer": "a", "channel": 3}]}]
    assert channels_in_graphs(graphs, "a") == [0, 3]
    assert channels_in_graphs(graphs, "c") == []
