"""Building and loading models from config: demo, torchvision, factory; clear errors (weights
files: tests/test_weights.py)."""


import pytest
import torch
from torch import nn

from summit.io.checksum import sha256
from summit.model.models import ModelError, build_model, load_model, select_device


def tiny_factory(channels: int = 3) -> nn.Module:
    """Used by the factory test through its import path."""
    return nn.Sequential(nn.Conv2d(1, channels, 3), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
                         nn.Flatten(), nn.Linear(channels, 2))


class _HasModel(nn.Module):
    """A network with a real submodule named ``model``, whose keys keep their 'model.'."""

    def __init__(self) -> None:
        super().__init__()
        self.model = nn.Sequential(nn.Conv2d(1, 3, 3), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
                                   nn.Flatten())
        self.head = nn.Linear(3, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.model(x))


def has_model() -> nn.Module:
    """Used by the weights-layout tests through its import path."""
    return _HasModel()


def test_select_device():
    assert select_device("cpu") == torch.device("cpu")
    assert select_device("auto").type == ("cuda" if torch.cuda.is_available() else "cpu")
    if not torch.cuda.is_available():
        with pytest.raises(ModelError, match="device: cuda:3 is not available"):
            select_device("cuda:3")


@pytest.mark.parametrize("cfg, n_in", [
    ({"kind": "demo", "width": 0.25}, 1),
    ({"kind": "torchvision", "architecture": "resnet18", "kwargs": {"num_classes": 4}}, 3),
    ({"kind": "factory", "factory": "tests.test_models:tiny_factory", "kwargs": {"channels": 5}},
     1),
])
def test_weights_round_trip(tmp_path, cfg, n_in):
    torch.manual_seed(0)
    model = build_model(cfg, 4, n_in).eval()
    path = tmp_path / "w.pt"
    torch.save(model.state_dict(), path)
    loaded = load_model(cfg, path, 4, n_in, torch.device("cpu"))
    x = torch.randn(2, n_in, 28, 28)
    with torch.no_grad():
        torch.testing.assert_close(loaded(x), model(x))
    assert not loaded.training and len(sha256(path)) == 64


def test_errors_name_the_setting(tmp_path):
    cfg = {"kind": "torchvision", "architecture": "resnet18"}
    with pytest.raises(ModelError, match="model.architecture: 'nonet'"):
        build_model({"kind": "torchvision", "architecture": "nonet"}, 10, 3)
    with pytest.raises(ModelError, match="model.factory: cannot import"):
        build_model({"kind": "factory", "factory": "no.such.module:fn"}, 10, 3)
    with pytest.raises(ModelError, match="does not exist"):
        load_model(cfg, tmp_path / "missing.pt", 10, 3, torch.device("cpu"))


def _raises(**kwargs: object) -> None:
    raise RuntimeError("boom")


def _not_a_module(**kwargs: object) -> int:
    return 3


@pytest.mark.parametrize("cfg, words", [
    ({"kind": "torchvision", "architecture": "resnet18", "kwargs": {"colour": 1}},
     ["model.kwargs: torchvision's resnet18 cannot be built", "colour"]),
    ({"kind": "factory", "factory": "tests.test_models:_raises"},
     ["model.factory: tests.test_models:_raises(**model.kwargs) failed", "boom"]),
    ({"kind": "factory", "factory": "tests.test_models:_not_a_module"},
     ["returned a int, not a torch.nn.Module"]),
])
def test_a_model_that_cannot_be_built_names_the_key(cfg, words):
    with pytest.raises(ModelError) as e:
        build_model(cfg, 10, 3)
    for w in words:
        assert w in str(e.value)
