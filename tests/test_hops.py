"""Hop discovery on torchvision's GoogLeNet, ResNet and VGG: only a layer list, no new code."""

import pytest
import torch
import torchvision

from summit.model.demo_net import DemoInception
from summit.model.hops import IDENTITY, Structure, StructureError, trace_structure


@pytest.fixture(scope="module")
def googlenet():
    return torchvision.models.googlenet(weights=None, aux_logits=False, init_weights=False).eval()


def test_googlenet_inception_branches(googlenet):
    s = trace_structure(googlenet, ["inception3a", "inception3b", "inception4a"],
                        torch.zeros(1, 3, 224, 224))
    assert [(x.name, x.channels, x.height) for x in s.layers] == [
        ("inception3a", 256, 28), ("inception3b", 480, 28), ("inception4a", 512, 14)]
    block = s.blocks[1]  # across maxpool3
    assert block.hidden == {"inception4a.branch2.0.conv": 96, "inception4a.branch3.0.conv": 16}
    direct = {h.conv: (h.target_offset, h.out_channels) for h in block.hops
              if h.source == "inception3b" and h.target == "inception4a"}
    assert direct == {"inception4a.branch1.conv": (0, 192),
                      "inception4a.branch4.1.conv": (448, 64)}
    second = {h.conv: (h.source, h.target_offset) for h in block.hops
              if h.source in block.hidden}
    assert second == {"inception4a.branch2.1.conv": ("inception4a.branch2.0.conv", 192),
                      "inception4a.branch3.1.conv": ("inception4a.branch3.0.conv", 400)}
    assert all(h.bn == h.conv[:-4] + "bn" for h in block.hops)
    # every output channel is written by exactly one last hop
    covered = sorted(c for h in block.hops if h.target == "inception4a"
                     for c in range(h.target_offset, h.target_offset + h.out_channels))
    assert covered == list(range(512))


def test_resnet_bottleneck_chain_and_skip():
    model = torchvision.models.resnet50().eval()
    s = trace_structure(model, ["layer1.2", "layer2.0", "layer2.1"], torch.zeros(1, 3, 64, 64))
    first, second = s.blocks
    assert list(first.hidden) == ["layer2.0.conv1", "layer2.0.conv2"]
    assert {h.conv for h in first.hops if h.source == "layer1.2"} == {
        "layer2.0.conv1", "layer2.0.downsample.0"}
    assert {h.conv for h in second.hops if h.source == "layer2.0"} == {"layer2.1.conv1",
                                                                         IDENTITY}


def test_vgg_stacked_convolutions():
    model = torchvision.models.vgg11().eval()
    s = trace_structure(model, ["features.2", "features.10"], torch.zeros(1, 3, 64, 64))
    (block,) = s.blocks
    assert list(block.hidden) == ["features.3", "features.6"]
    assert [(h.conv, h.source, h.target) for h in block.hops] == [
        ("features.3", "features.2", "features.3"), ("features.6", "features.3", "features.6"),
        ("features.8", "features.6", "features.10")]


def test_demo_structure_round_trips_json():
    model = DemoInception(1, 10, 0.25).eval()
    s = trace_structure(model, list(model.PRIMARY_LAYERS), torch.zeros(1, 1, 28, 28))
    assert len(s.blocks) == len(model.PRIMARY_LAYERS) - 1
    assert Structure.from_json(s.to_json()) == s


def test_errors_name_the_problem(googlenet):
    x = torch.zeros(1, 3, 224, 224)
    with pytest.raises(StructureError, match="inception9z.*not in the model"):
        trace_structure(googlenet, ["inception3a", "inception9z"], x)
    with pytest.raises(StructureError, match="from input to output"):
        trace_structure(googlenet, ["inception3b", "inception3a"], x)
    with pytest.raises(StructureError, match="input.size"):
        trace_structure(googlenet, ["inception3a", "inception3b"], torch.zeros(1, 1, 224, 224))
