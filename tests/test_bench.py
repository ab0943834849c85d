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


def test_the_forward_pass_compared_with_the_pass_runs_none_of_its_hooks():
    """The forward step runs a copy taken before the pass's hooks go on the model: with them
    it would time the pass against itself (a ratio near 1 whatever the pass costs)."""
    from summit.dev.bench.common import forward_step, job_step
    from summit.method.aggregate import Aggregator
    from summit.model.hops import trace_structure
    from tests.test_aggregate import TinyInception

    torch.manual_seed(0)
    model = TinyInception().eval()
    x = torch.randn(2, 1, 8, 8)
    structure = trace_structure(model, ["mixed_a", "mixed_b"], x[:1])
    forward = forward_step(model)
    agg = Aggregator(model, structure, 1, 2, 0.0, 0, 1)
    calls = []
    agg._influence = lambda *a, **k: calls.append(1) or Aggregator._influence(agg, *a, **k)
    forward(x, torch.arange(2))
    assert not calls
    job_step(agg)(x, torch.arange(2))
    assert calls
    agg.close()
