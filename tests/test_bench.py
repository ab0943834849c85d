"""The benchmark's port of the authors' approach computes the influences it is timed against
(the whole benchmark runs in tests/test_documented_commands.py)."""

import pytest
import torch
from torch import nn

from summit.dev.bench import aggregation
from summit.method.influence import fold, influence_maps


@pytest.mark.parametrize("chunk", [1, 5 * 4 * 42, 10**9])  # a channel, some (uneven), all
def test_depthwise_influence_max_is_the_max_of_the_maps(monkeypatch, chunk):
    monkeypatch.setattr(aggregation, "_DEPTHWISE_CHUNK", chunk)
    torch.manual_seed(0)
    conv = nn.Conv2d(7, 5, 3, padding=1, dilation=1).double()
    bn = nn.BatchNorm2d(5).double().eval()
    fc = fold(conv, bn)
    x = torch.randn(2, 7, 6, 7, dtype=torch.double)  # 42 positions × 5 outputs per input
    torch.testing.assert_close(aggregation.depthwise_influence_max(x, fc),
                               influence_maps(x, fc).amax(dim=(3, 4)))
