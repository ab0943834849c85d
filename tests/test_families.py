"""Every torchvision classification CNN family, traced with ``layers: auto`` and its per-class
pass compared with brute force (tests/brute_force.py) on small inputs and seeded random
weights: every hop's influence maxima and every tally. Where a family's full-size model
would make the brute force slow, a smaller member or configuration of the same classes is
used (the code paths are the same). Then hand-built tiny models with answers known by hand:
grouped and depthwise convolutions, and gates.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from functools import partial

import numpy as np
import pytest
import torch
import torchvision.models as tvm
from torch import nn
from torchvision.models.convnext import CNBlockConfig
from torchvision.ops.misc import SqueezeExcitation

from summit.method.aggregate import Aggregator
from summit.model.hops import IDENTITY, trace_structure
from summit.model.layers import BLOCKS, auto_layers, candidates
from tests import brute_force

# family → (a small model of it, input size, how many of its auto layers to study)
FAMILIES: dict[str, tuple[Callable[[], nn.Module], int, slice]] = {
    "alexnet": (tvm.alexnet, 64, slice(0, 3)),
    "vgg": (tvm.vgg11_bn, 32, slice(0, 3)),
    "resnet": (tvm.resnet18, 32, slice(1, 4)),
    "resnext": (tvm.resnext50_32x4d, 32, slice(2, 4)),
    "wide_resnet": (tvm.wide_resnet50_2, 32, slice(2, 4)),
    "googlenet": (partial(tvm.googlenet, aux_logits=False, init_weights=False), 32,
                  slice(0, 2)),
    "inception_v3": (partial(tvm.inception_v3, aux_logits=False, init_weights=False), 75,
                     slice(0, 2)),
    "densenet": (partial(tvm.DenseNet, growth_rate=8, block_config=(2, 3, 2),
                         num_init_features=16, bn_size=2), 32, slice(0, 3)),
    "squeezenet": (tvm.squeezenet1_1, 48, slice(0, 3)),
    "mobilenet_v2": (partial(tvm.mobilenet_v2, width_mult=0.5), 32, slice(0, 4)),
    "mobilenet_v3": (tvm.mobilenet_v3_small, 32, slice(0, 4)),
    "mnasnet": (tvm.mnasnet0_5, 32, slice(0, 4)),
    "shufflenet_v2": (tvm.shufflenet_v2_x0_5, 32, slice(0, 5)),
    "efficientnet": (tvm.efficientnet_b0, 32, slice(0, 4)),
    "efficientnet_v2": (tvm.efficientnet_v2_s, 32, slice(3, 7)),
    "regnet": (tvm.regnet_y_400mf, 32, slice(0, 3)),
    "convnext": (partial(tvm.ConvNeXt, [CNBlockConfig(16, 32, 2), CNBlockConfig(32, None, 1)],
                         stochastic_depth_prob=0.1), 32, slice(0, 3)),
}


def randomise(model: nn.Module, seed: int = 0) -> nn.Module:
    """Batch-norm statistics, norms' affine parameters and layer scales drawn at random, so
    that nothing is an identity by initialisation (ConvNeXt's layer scale starts at 1e-6)."""
    g = torch.Generator().manual_seed(seed)
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.copy_(torch.rand(m.num_features, generator=g) - 0.5)
            m.running_var.copy_(torch.rand(m.num_features, generator=g) + 0.5)
        if isinstance(m, nn.BatchNorm2d | nn.LayerNorm) and m.weight is not None:
            m.weight.data.copy_(torch.rand(m.weight.shape, generator=g) * 2 - 0.5)
            m.bias.data.copy_(torch.rand(m.bias.shape, generator=g) - 0.5)
    for name, p in model.named_parameters():
        if name.endswith("layer_scale"):
            p.data.copy_(torch.randn(p.shape, generator=g))
    return model.eval()


def check_against_brute_force(model: nn.Module, layers: list[str], images: torch.Tensor,
                              k: int = 3) -> None:
    """The class pass's influences and tallies (two batches, two image groups) equal brute
    force's."""
    structure = trace_structure(model, layers, images[:1])
    hops = {h.name: h for h in structure.hops()}
    expected, maxima = brute_force.tallies(model, structure, images, k)
    influences, _ = brute_force.influences(model, structure, images[-2:])
    agg = Aggregator(model, structure, method=1, k=k, share=0.0, n_groups=2)
    got_maxima, _ = agg.step(images[:-2], None, [0] * (len(images) - 2))
    for name in layers:
        torch.testing.assert_close(got_maxima[name], maxima[name][:-2])
    agg.step(images[-2:], None, [1, 1])
    for name, hop in hops.items():  # the last batch's influences, compact → dense
        got = brute_force.dense(hop, agg.influences[name].double().numpy())
        want = influences[name].numpy()
        # maps the top-k tally cannot select are pruned (-inf): below their column's k-th
        pruned = np.isneginf(got) & np.isfinite(want)
        column = np.sort(np.where(np.isfinite(want), want, -np.inf), axis=-2)
        kth = np.broadcast_to(column[..., -min(k, want.shape[-2]), None, :], want.shape)
        assert (want[pruned] < kth[pruned]).all(), name
        finite = np.isfinite(want) & ~pruned
        np.testing.assert_allclose(got[finite], want[finite], rtol=1e-4, atol=1e-5,
                                   err_msg=name)
    agg.close()
    assert set(agg.tallies) == set(expected)
    for name, counts in expected.items():
        got = brute_force.dense(hops[name], agg.tallies[name].numpy())
        np.testing.assert_array_equal(got.sum(axis=0), counts, err_msg=name)


def test_every_family_is_in_the_table():
    listed = {f.strip() for key in BLOCKS for f in key.split(",")} - {"the demo net"}
    assert listed | {"alexnet", "vgg"} == set(FAMILIES)


@pytest.mark.parametrize("family", list(FAMILIES))
def test_family_pass_equals_brute_force(family):
    make, size, which = FAMILIES[family]
    torch.manual_seed(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # inception_v3's init-weights notice
        model = randomise(make())
    images = torch.randn(3, 3, size, size, generator=torch.Generator().manual_seed(1))
    layers = auto_layers(candidates(model, images[:1]))[which]
    check_against_brute_force(model, layers, images)


class Stem(nn.Module):
    """A primary layer that is the input itself (after a ReLU), so answers are set by hand."""

    def __init__(self, body: nn.Module):
        super().__init__()
        self.a = nn.ReLU()
        self.body = body
        self.b = nn.ReLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.b(self.body(self.a(x))).amax(dim=(2, 3))


def _planes(values: list[float], n: int = 3) -> torch.Tensor:
    """``n`` images whose channel c is the constant ``values[c]``."""
    return torch.tensor(values).view(1, -1, 1, 1).expand(n, -1, 4, 4).contiguous()


def _tallies(model: nn.Module, images: torch.Tensor, k: int = 1) -> dict[str, np.ndarray]:
    structure = trace_structure(model, ["a", "b"], images[:1])
    agg = Aggregator(model, structure, 1, k, 0.0)
    agg.step(images)
    agg.close()
    return {h.conv: brute_force.dense(h, agg.tallies[h.name][0].numpy())
            for h in structure.hops()}


def test_grouped_convolution_reads_only_its_groups_inputs():
    conv = nn.Conv2d(4, 4, 1, groups=2, bias=False)
    conv.weight.data.fill_(1.0)
    model = Stem(conv).eval()
    # Inputs 1, 2, 4, 3: group 0's outputs (0, 1) pick input 1, group 1's (2, 3) input 2,
    # although inputs 2 and 3 are larger than input 1.
    t = _tallies(model, _planes([1.0, 2.0, 4.0, 3.0]))["body"]
    np.testing.assert_array_equal(t, [[0, 0, 0, 0], [3, 3, 0, 0], [0, 0, 3, 3], [0, 0, 0, 0]])


def test_depthwise_convolution_has_one_candidate_per_output():
    conv = nn.Conv2d(3, 6, 3, padding=1, groups=3)  # channel multiplier 2
    torch.nn.init.normal_(conv.weight)
    model = Stem(conv).eval()
    t = _tallies(model, torch.rand(5, 3, 6, 6), k=3)["body"]
    # Output j reads input j // 2 only, in every image, whatever k is.
    np.testing.assert_array_equal(t, np.repeat(np.eye(3, dtype=int), 2, axis=1) * 5)


class Gated(nn.Module):
    def __init__(self, gate: bool):
        super().__init__()
        self.dw = nn.Conv2d(4, 4, 3, padding=1, groups=4)
        self.se = SqueezeExcitation(4, 2) if gate else nn.Identity()
        self.pw = nn.Conv2d(4, 3, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.pw(self.se(self.dw(x)))


def test_a_gate_is_a_per_image_channel_scale_not_an_edge():
    torch.manual_seed(0)
    gated = Stem(Gated(gate=True)).eval()
    plain = Stem(Gated(gate=False)).eval()
    plain.load_state_dict(gated.state_dict(), strict=False)
    structure = trace_structure(gated, ["a", "b"], torch.zeros(1, 4, 6, 6))
    # The squeeze path's convolutions make no hops: the gate scales channels, it is no path.
    assert sorted(h.conv for h in structure.hops()) == ["body.dw", "body.pw"]
    images = torch.rand(6, 4, 6, 6)
    check_against_brute_force(gated, ["a", "b"], images)
    # A gate that scales every channel by one positive constant changes no ranking.
    se = gated.body.se
    se.fc1.weight.data.zero_()
    se.fc2.weight.data.zero_()
    se.fc2.bias.data.fill_(0.3)
    assert _tallies(gated, images, k=2).keys() == _tallies(plain, images, k=2).keys()
    for conv, t in _tallies(gated, images, k=2).items():
        np.testing.assert_array_equal(t, _tallies(plain, images, k=2)[conv], err_msg=conv)


def test_channel_shuffle_and_chunk_are_followed_as_permutations():
    model = randomise(tvm.shufflenet_v2_x0_5())
    s = trace_structure(model, ["stage2.0", "stage2.1"], torch.zeros(1, 3, 32, 32))
    (block,) = s.blocks
    skip = next(h for h in block.hops if h.conv == IDENTITY)
    # x1 (the first half of stage2.0) goes to the even channels after the shuffle.
    assert skip.source_channels == tuple(range(24))
    assert skip.target_channels == tuple(range(0, 48, 2))
    first = next(h for h in block.hops if h.source == "stage2.0" and h.conv != IDENTITY)
    assert first.source_channels == tuple(range(24, 48))  # x2, the second half


def test_linear_on_channels_last_and_layer_scale_are_folded():
    model = randomise(FAMILIES["convnext"][0]())
    s = trace_structure(model, ["features.1.0", "features.1.1"], torch.zeros(1, 3, 32, 32))
    (block,) = s.blocks
    kinds = {h.conv: (h.groups, h.scale) for h in block.hops}
    assert kinds == {"features.1.1.block.0": (16, None), "features.1.1.block.3": (1, None),
                     "features.1.1.block.5": (1, "features.1.1.layer_scale"),
                     IDENTITY: (16, None)}


def _dependencies(model: nn.Module, source: str, target: str, x: torch.Tensor) -> np.ndarray:
    """Which source channels each target channel's map depends on, by autograd: the model's
    own answer, independent of tracing. (source channels × target channels, bool)"""
    modules = dict(model.named_modules())
    kept: dict[str, torch.Tensor] = {}

    def leaf(m, i, o):
        kept["s"] = o.detach().requires_grad_(True)
        return kept["s"]

    handles = [modules[source].register_forward_hook(leaf),
               modules[target].register_forward_hook(lambda m, i, o: kept.__setitem__("t", o))]
    try:
        model(x)
    finally:
        for h in handles:
            h.remove()
    s, t = kept["s"], kept["t"]
    deps = np.zeros((s.shape[1], t.shape[1]), bool)
    for j in range(t.shape[1]):
        (grad,) = torch.autograd.grad(t[:, j].sum(), s, retain_graph=True, allow_unused=True)
        if grad is not None:
            deps[:, j] = (grad.abs().sum(dim=(0, 2, 3)) > 0).numpy()
    return deps


@pytest.mark.parametrize("family", [f for f in FAMILIES if f != "convnext"])
def test_every_real_channel_dependency_is_a_path_of_the_structure(family):
    """A wrong permutation, slice, group or concatenation offset would connect the wrong
    channels: every dependency autograd finds between consecutive primary layers must be a
    path of the traced hops. (Squeeze-excitation gates are set constant, as their squeeze
    path is by convention no edge; ConvNeXt's LayerNorm mixes channels at each position by
    design and is left out.)"""
    from summit.method.graphs import block_edges

    make, size, which = FAMILIES[family]
    torch.manual_seed(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = randomise(make())
    for m in model.modules():
        if isinstance(m, SqueezeExcitation):
            m.fc1.weight.data.zero_()
    x = torch.randn(1, 3, size, size, generator=torch.Generator().manual_seed(3))
    layers = auto_layers(candidates(model, x))[which][:2]  # the first block of the window
    structure = trace_structure(model, layers, x)
    for block in structure.blocks:
        ones = {h.name: np.ones((h.candidates, h.out_channels), np.int64) for h in block.hops}
        paths = block_edges(block, ones, structure.layer(block.source).channels,
                            structure.layer(block.target).channels, 10**9, 10**9) > 0
        real = _dependencies(model, block.source, block.target, x)
        assert real.any()
        missing = np.argwhere(real & ~paths)
        assert not len(missing), f"{block.source}->{block.target}: {missing[:5].tolist()}"
