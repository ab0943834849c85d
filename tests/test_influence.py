"""Influence maxima and tallies against explicit per-channel convolutions and brute force."""

import itertools

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from summit.method.influence import (
    compact,
    competition_groups,
    depthwise_max,
    fold,
    identity_influence,
    influence_maps,
    influence_max,
    input_kernels,
    joint_tallies,
    tally_group,
)
from summit.model.hops import Hop


def _conv_bn(c_in, c_out, k, stride, padding, dilation=1, bias=True, bn=True, seed=0):
    torch.manual_seed(seed)
    conv = nn.Conv2d(c_in, c_out, k, stride=stride, padding=padding, dilation=dilation,
                     bias=bias).double()
    norm = None
    if bn:
        norm = nn.BatchNorm2d(c_out).double().eval()
        norm.running_mean.uniform_(-1, 1)
        norm.running_var.uniform_(0.5, 2)
        norm.weight.data.uniform_(-2, 2)
        norm.bias.data.uniform_(-1, 1)
    return conv, norm


CASES = [  # c_in, c_out, kernel, stride, padding, dilation, bias, bn
    (3, 4, 3, 1, 1, 1, True, True),
    (5, 2, 5, 2, 2, 1, False, True),
    (4, 3, 3, 2, 0, 1, True, False),
    (3, 5, 1, 1, 0, 1, True, True),
    (3, 5, 1, 2, 1, 1, False, True),
    (2, 3, 3, 1, "same", 2, True, True),
    (2, 3, (3, 1), 1, (1, 0), 1, True, False),
]


@pytest.mark.parametrize("case", CASES)
def test_maps_sum_to_layer_output(case):
    """Σ_i X_i ∗ K_{j,i} + b_j equals the batch-normed layer output: the split is exact."""
    c_in, c_out, k, stride, padding, dilation, bias, bn = case
    conv, norm = _conv_bn(c_in, c_out, k, stride, padding, dilation, bias, bn)
    x = torch.randn(2, c_in, 9, 8, dtype=torch.double)
    fc = fold(conv, norm)
    maps = influence_maps(x, fc)
    expected = conv(x) if norm is None else norm(conv(x))
    torch.testing.assert_close(maps.sum(dim=1) + fc.bias.view(1, -1, 1, 1), expected)


@pytest.mark.parametrize("fused", [True, False])  # the CPU kernel; the GPU's matmul path
@pytest.mark.parametrize("case", CASES)
def test_influence_max_equals_max_of_maps(case, fused):
    c_in, c_out, k, stride, padding, dilation, bias, bn = case
    conv, norm = _conv_bn(c_in, c_out, k, stride, padding, dilation, bias, bn, seed=1)
    x = torch.randn(3, c_in, 9, 8, dtype=torch.double)
    if k == 1:
        x = x.relu()  # mix of zeros and positives exercises the max/min shortcut
    fc = fold(conv, norm)
    ref = influence_maps(x, fc).amax(dim=(3, 4))
    torch.testing.assert_close(influence_max(x, fc, fused=fused), ref)


@pytest.mark.parametrize("block", [1, 4 * 25 * 2, 4 * 25 * 7, 4 * 25 * 13, 10**6])
def test_influence_max_in_blocks_of_image_channel_pairs(monkeypatch, block):
    """Blocks of one pair, part of an image's channels (uneven), whole images (uneven), all."""
    import summit.method.influence as inf

    monkeypatch.setattr(inf, "_block_floats", lambda device: block)
    conv, norm = _conv_bn(6, 4, 3, 1, 1)
    x = torch.randn(3, 6, 5, 5, dtype=torch.double)  # 25 positions × 4 outputs per pair
    fc = fold(conv, norm)
    torch.testing.assert_close(inf.influence_max(x, fc, fused=False),
                               influence_maps(x, fc).amax(dim=(3, 4)))


@pytest.mark.parametrize("groups, stride, c_out", [(1, 1, 8), (2, 1, 8), (4, 2, 8), (2, 1, 16),
                                                  (4, 2, 32), (4, 1, 4)])
def test_grouped_kernels_by_one_depthwise_convolution(groups, stride, c_out):
    """Each input's kernels onto its group's outputs, convolved with a group per input
    channel, give the maps' maxima: influence_max's grouped paths (the convolution below
    FUSED_GROUP_OUTPUTS outputs per group, the compiled kernel from there), and the authors'
    way the benchmark times (groups = 1)."""
    torch.manual_seed(0)
    conv = nn.Conv2d(4, c_out, 3, stride=stride, padding=1, groups=groups).double()
    fc = fold(conv, None)
    x = torch.randn(3, 4, 7, 6, dtype=torch.double)
    ref = influence_maps(x, fc).amax(dim=(3, 4))
    kernels = input_kernels(fc).reshape(-1, 1, 3, 3)
    maxima = depthwise_max(F.pad(x, fc.padding), kernels, fc.stride, fc.dilation)
    torch.testing.assert_close(compact(maxima, groups), ref)
    torch.testing.assert_close(influence_max(x, fc), ref)
    torch.testing.assert_close(influence_max(x, fc, fused=False), ref)


@pytest.mark.parametrize("fused", [True, False])
@pytest.mark.parametrize("case", CASES)
def test_influence_max_of_sparse_planes(case, fused):
    """ReLU maps: whole planes of zeros, zero stretches within planes (which the compiled
    kernel skips; where a stretch sees only zeros its maps are 0, which may be the max)."""
    c_in, c_out, k, stride, padding, dilation, bias, bn = case
    conv, norm = _conv_bn(c_in, c_out, k, stride, padding, dilation, bias, bn, seed=2)
    g = torch.Generator().manual_seed(3)
    x = torch.randn(3, c_in, 9, 16, dtype=torch.double, generator=g).relu()
    x[:, :, :, 3:14] = 0.0  # a stretch of zeros across every row: whole groups of positions
    x[0, 1] = 0.0  # whole planes
    x[2, 0] = 0.0
    x[1, 0] = -x[1, 0].abs() - 1  # a plane whose maps are non-zero everywhere
    fc = fold(conv, norm)
    torch.testing.assert_close(influence_max(x, fc, fused=fused),
                               influence_maps(x, fc).amax(dim=(3, 4)))


def _brute_top_k(values, k):
    """Per image and output column, the k largest finite candidates (ties: lower index)."""
    b, n_in, n_out = values.shape
    counts = torch.zeros(n_in, n_out, dtype=torch.int64)
    for i, j in itertools.product(range(b), range(n_out)):
        col = [(float(values[i, r, j]), r) for r in range(n_in)
               if values[i, r, j] > float("-inf")]
        for _, r in sorted(col, key=lambda t: (-t[0], t[1]))[:k]:
            counts[r, j] += 1
    return counts


def test_tally_inception_like_disjoint_branches():
    hops = [Hop("a", "a", None, "P", "Q", 0, 4, 3), Hop("b", "b", None, "H", "Q", 3, 6, 2)]
    groups = competition_groups(hops)
    assert [len(g.hops) for g in groups] == [1, 1]
    torch.manual_seed(0)
    infl = {"a": torch.randn(5, 4, 3), "b": torch.randn(5, 6, 2)}
    for g in groups:
        for name, counts in tally_group(g, infl, 1, 2, 0.0).items():
            assert torch.equal(counts[0], _brute_top_k(infl[name], 2))


def test_tally_per_image_group_against_each_groups_own_tally():
    """Each image's pairs are filed under its group; the groups' tallies sum to the batch's."""
    hops = [Hop("conv2", "conv2", None, "H", "Q", 0, 3, 4),
            Hop("skip", "identity", None, "P", "Q", 0, 4, 4, groups=4)]
    (group,) = competition_groups(hops)
    torch.manual_seed(2)
    infl = {"conv2": torch.randn(9, 3, 4),
            "skip": identity_influence(torch.randn(9, 4) + 1, hops[1])}
    image_groups = [2, 0, 2, 1, 1, 2, 0, 2, 3]
    tallies = tally_group(group, infl, 1, 2, 0.0, image_groups, 4)
    whole = tally_group(group, infl, 1, 2, 0.0)
    for name in infl:
        assert tallies[name].shape == (4, *whole[name].shape[1:])
        assert torch.equal(tallies[name].sum(dim=0), whole[name][0])
        for g in range(4):
            mine = [i for i, x in enumerate(image_groups) if x == g]
            alone = tally_group(group, {k: v[mine] for k, v in infl.items()}, 1, 2, 0.0)
            assert torch.equal(tallies[name][g], alone[name][0])


def test_a_dense_groups_tallies_counted_into_one_tensor_equal_the_copied_ones():
    """A residual block's conv and skip write every channel in order: counted straight into
    one tensor whose row blocks are the hops' tallies, they equal the tallies counted apart
    and added hop by hop (and a group whose columns are not in order is not dense)."""
    hops = [Hop("conv2", "conv2", None, "H", "Q", 0, 3, 4),
            Hop("skip", "identity", None, "P", "Q", 0, 4, 4, groups=4)]
    (group,) = competition_groups(hops)
    assert group.dense
    torch.manual_seed(3)
    image_groups = [1, 1, 0, 2, 2, 2, 0]
    infl = {"conv2": torch.randn(7, 3, 4),
            "skip": identity_influence(torch.randn(7, 4), hops[1])}
    joint, views = joint_tallies(group, 3, torch.device("cpu"))
    for half in (slice(0, 4), slice(4, 7)):  # two batches, counted on top of each other
        part = {k: v[half] for k, v in infl.items()}
        tally_group(group, part, 1, 2, 0.0, image_groups[half], 3, into=views, joint=joint)
    apart = tally_group(group, infl, 1, 2, 0.0, image_groups, 3)
    for name in infl:
        assert torch.equal(views[name], apart[name])
    sparse = [Hop("a", "a", None, "P", "Q", 0, 3, 2, target_channels=(0, 2)),
              Hop("b", "b", None, "P", "Q", 0, 3, 2)]
    assert not competition_groups(sparse)[0].dense


def test_tally_residual_skip_competes_with_conv():
    """A skip adds into the same channels as the conv: one top-k over both candidate sets."""
    hops = [Hop("conv2", "conv2", None, "H", "Q", 0, 3, 4),
            Hop("skip", "identity", None, "P", "Q", 0, 4, 4, groups=4)]
    (group,) = competition_groups(hops)
    torch.manual_seed(1)
    infl = {"conv2": torch.randn(6, 3, 4),
            "skip": identity_influence(torch.randn(6, 4) + 1, hops[1])}
    tallies = {k: v[0] for k, v in tally_group(group, infl, 1, 2, 0.0).items()}
    joint = _brute_top_k(torch.cat([infl["conv2"], infl["skip"]], dim=1), 2)
    assert torch.equal(tallies["conv2"], joint[:3])
    assert torch.equal(tallies["skip"], joint[3:])  # one candidate per output: its own channel
    assert int(tallies["skip"].sum() + tallies["conv2"].sum()) == 6 * 4 * 2


def test_tally_method_2_by_mass():
    hops = [Hop("a", "a", None, "P", "Q", 0, 4, 1)]
    (group,) = competition_groups(hops)
    infl = {"a": torch.tensor([[[5.0], [3.0], [-1.0], [2.0]]])}  # shares .5 .3 0 .2
    counts = tally_group(group, infl, 2, 0, 0.6)["a"][0]
    assert counts[:, 0].tolist() == [1, 1, 0, 0]  # .5 < .6, crossing .8 included, then stop


PRUNE_CASES = [  # groups, c_in, c_out, kernel, stride, dilation, relu, k
    (1, 12, 10, (3, 3), (1, 1), (1, 1), True, 1),
    (1, 24, 9, (5, 5), (2, 1), (1, 1), True, 3),
    (2, 32, 16, (3, 1), (1, 2), (2, 1), True, 2),
    (4, 64, 32, (1, 7), (2, 2), (1, 1), True, 2),
    (4, 64, 32, (3, 3), (1, 1), (2, 2), False, 2),
]


@pytest.mark.parametrize("case", PRUNE_CASES)
def test_top_k_pruning_keeps_every_tally(case):
    """Maps pruned for a top-k tally (``top``) are exactly the ones that cannot be among an
    output's k largest: the kept values equal the unpruned ones, the tallies (including ties
    from duplicated planes) equal the brute force, and the bounds the pruning rests on hold."""
    from summit.method.influence import plane_extremes, top_candidates
    from summit.method.kernels import max_conv_at_peak

    groups, c_in, c_out, k_size, stride, dilation, relu, k = case
    torch.manual_seed(c_in + c_out)
    padding = tuple(d * (s // 2) for d, s in zip(dilation, k_size, strict=True))
    conv = nn.Conv2d(c_in, c_out, k_size, stride=stride, dilation=dilation, groups=groups,
                     padding=padding).double()
    x = torch.randn(4, c_in, 11, 13, dtype=torch.double)
    x = x.relu() if relu else x
    x[:, 4:8] *= 10  # a few strong planes, as in trained networks, make most maps prunable
    x[0, :3] = 0.0  # whole planes of zeros
    x[1, 1] = x[1, 0]  # duplicated planes: equal maps where their kernels are equal
    conv.weight.data[:, 1] = conv.weight.data[:, 0]
    fc = fold(conv, None)
    full = influence_max(x, fc)
    pruned = influence_max(x, fc, top=k)
    kept = torch.isfinite(pruned)
    assert not kept.all()  # the case does prune: the test can see a wrong pruning
    torch.testing.assert_close(pruned[kept], full[kept], rtol=0, atol=0)
    assert torch.equal(_brute_top_k(pruned, k), _brute_top_k(full, k))
    xp = F.pad(x, fc.padding)
    kernels = input_kernels(fc).flatten(2).transpose(1, 2).contiguous()
    lower = max_conv_at_peak(xp.flatten(0, 1).numpy(), kernels.numpy(), k_size, fc.stride,
                             fc.dilation, 1).reshape(len(x), c_in, -1)
    exact = influence_maps(x, fc).amax(dim=(3, 4))
    assert (compact(torch.from_numpy(lower), groups) <= exact + 1e-9).all()
    hi, lo = (v[:, :, None] for v in plane_extremes(xp))
    upper = hi * kernels.clamp(min=0).sum(1) + lo * kernels.clamp(max=0).sum(1)
    assert (exact <= compact(upper, groups) + 1e-9).all()
    zero = (hi == 0) & (lo == 0)  # a plane of zeros costs nothing: its maps are 0, kept
    assert torch.equal(compact(top_candidates(xp, kernels, fc, k) | zero, groups), kept)
