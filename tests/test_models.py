"""Building and loading models from config: demo, torchvision, factory; clear errors."""

from pathlib import Path

import pytest
import torch
from torch import nn

from summit.models import ModelError, build_model, load_model, select_device, sha256


def tiny_factory(channels: int = 3) -> nn.Module:
    """Used by the factory test through its import path."""
    return nn.Sequential(nn.Conv2d(1, channels, 3), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
                         nn.Flatten(), nn.Linear(channels, 2))


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


DEMO = {"kind": "demo", "width": 0.25}


def _demo_state(n_out: int = 4, n_in: int = 1) -> dict[str, torch.Tensor]:
    return build_model(DEMO, n_out, n_in).state_dict()


def _bad_files(d: Path) -> dict[str, Path]:
    """One weights file per way of getting it wrong."""
    files = {}

    def save(name: str, obj: object) -> None:
        files[name] = d / f"{name}.pt"
        torch.save(obj, files[name])

    save("tensor", torch.zeros(3))
    save("module", build_model(DEMO, 4, 1))
    save("not_tensors", {"epoch": 3, "optimizer": {"lr": 0.1}})
    save("fc_rows", _demo_state(n_out=7))
    save("first_conv", _demo_state(n_in=3))
    save("data_parallel", {f"module.{k}": v for k, v in _demo_state().items()})
    save("extra_keys", {**_demo_state(), "aux1.weight": torch.zeros(2)})
    save("missing_keys", dict(list(_demo_state().items())[:-4]))
    files["junk"] = d / "junk.pt"
    files["junk"].write_bytes(b"not a checkpoint")
    files["truncated"] = d / "truncated.pt"
    files["truncated"].write_bytes(files["fc_rows"].read_bytes()[:1000])
    files["missing"] = d / "missing.pt"
    return files


@pytest.mark.parametrize("case, words", [
    ("missing", ["does not exist"]),
    ("tensor", ["single tensor, not a state dict", "model.state_dict()"]),
    ("module", ["pickled Python objects", "DemoInception", "model.state_dict()"]),
    ("not_tensors", ["not a plain state dict", "'epoch'"]),
    ("junk", ["not a PyTorch weights file or is damaged"]),
    ("truncated", ["not a PyTorch weights file or is damaged"]),
    ("fc_rows", ["is (7,", "in the file but (4,", "model.kwargs"]),
    ("first_conv", ["first convolution", "takes 3 input channel", "input.channels is 1",
                    "set input.channels: 3"]),
    ("data_parallel", ["'module.'", "model.module.state_dict()"]),
    ("extra_keys", ["1 unexpected key(s)", "aux1.weight", "drop those keys"]),
    ("missing_keys", ["4 key(s) missing from the file", "and 1 more"]),
])
def test_a_bad_weights_file_gets_one_sentence_naming_the_file_and_fix(tmp_path, case, words):
    path = _bad_files(tmp_path)[case]
    with pytest.raises(ModelError) as e:
        load_model(DEMO, path, 4, 1, torch.device("cpu"))
    message = str(e.value)
    assert message.startswith("model.weights: ") and str(path) in message
    assert "\n" not in message and "weights_only" not in message
    for w in words:
        assert w in message, message


def test_a_checkpoint_holding_a_state_dict_loads(tmp_path):
    torch.save({"state_dict": _demo_state(), "epoch": 3}, tmp_path / "ckpt.pt")
    assert isinstance(load_model(DEMO, tmp_path / "ckpt.pt", 4, 1, torch.device("cpu")),
                      torch.nn.Module)


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
