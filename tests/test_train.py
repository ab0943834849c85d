"""The demo network's shape contract and a short, reproducible training on real data."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from torch.fx import Tracer, symbolic_trace
from torch.utils.data import Dataset, Subset

from summit.cli import main
from summit.config import section_schema
from summit.io.data import DataError
from summit.io.fashion_mnist import FASHION_MNIST_FILES, FashionMNIST
from summit.io.pixels import InputSpec
from summit.model.demo_net import DemoInception, Inception
from summit.model.train import (
    MAX_AUTO_EPOCHS,
    MIN_STEPS,
    _batches,
    auto_epochs,
    evaluate,
    planned_epochs,
    short_training,
    steps_per_epoch,
    train_model,
)

ROOT = Path("/usr/share/datasets/fashion-mnist")
SPEC = InputSpec(28, 1, (0.2860,), (0.3530,))
CPU = torch.device("cpu")
# Channels of each primary layer at width 0.25 and the spatial side it works at.
TINY_LAYERS = {"mixed3a": (16, 14), "mixed3b": (30, 14), "mixed4a": (32, 7), "mixed4b": (32, 7)}

needs_data = pytest.mark.skipif(not (ROOT / FASHION_MNIST_FILES["train"][0]).exists(),
                                reason=f"Fashion-MNIST not installed in {ROOT} "
                                       "(apt-get install dataset-fashion-mnist)")


def tiny() -> DemoInception:
    torch.manual_seed(0)
    return DemoInception(width=0.25)


def test_forward_shape() -> None:
    assert tiny()(torch.randn(3, 1, 28, 28)).shape == (3, 10)


def test_primary_layers_channels_and_size() -> None:
    model = tiny().eval()
    assert tuple(TINY_LAYERS) == DemoInception.PRIMARY_LAYERS
    shapes = {}
    for name in DemoInception.PRIMARY_LAYERS:
        module = model.get_submodule(name)
        assert isinstance(module, Inception)
        module.register_forward_hook(lambda m, i, o, name=name: shapes.__setitem__(name, o.shape))
    model(torch.randn(2, 1, 28, 28))
    assert {k: (s[1], s[2]) for k, s in shapes.items()} == TINY_LAYERS
    full = DemoInception()
    assert [full.get_submodule(n).out_channels for n in full.PRIMARY_LAYERS] == [64, 120, 128, 128]


def test_fx_traceable() -> None:
    model = tiny().eval()
    x = torch.randn(2, 1, 28, 28)
    torch.testing.assert_close(symbolic_trace(model)(x), model(x))

    class MixedLeaves(Tracer):
        def is_leaf_module(self, m: torch.nn.Module, name: str) -> bool:
            return isinstance(m, Inception) or super().is_leaf_module(m, name)

    graph = MixedLeaves().trace(model)
    targets = [n.target for n in graph.nodes if n.op == "call_module"]
    assert [t for t in targets if t.startswith("mixed")] == list(DemoInception.PRIMARY_LAYERS)


@needs_data
def test_fast_batches_match_getitem() -> None:
    ds = FashionMNIST(ROOT, "test", SPEC)
    order = np.array([5, 0, 9, 3])
    x, y = next(_batches(Subset(ds, range(10, 20)), order, 8))
    torch.testing.assert_close(x, torch.stack([ds[10 + i][0] for i in order]))
    assert y.tolist() == [ds[10 + i][1] for i in order]


class _WithUnreadable(Dataset):
    """Random images of classes ``i % 10`` where every third one comes back labelled -1, as
    unreadable files do (``unreadable_class``: all of that class's images)."""

    def __init__(self, unreadable_class: int | None = None) -> None:
        self.labels = np.arange(30) % 10
        self.unreadable_class = unreadable_class

    def __len__(self) -> int:
        return 30

    def __getitem__(self, i: int) -> tuple[torch.Tensor, int]:
        g = torch.Generator().manual_seed(i)
        unreadable = i % 3 == 0 or self.labels[i] == self.unreadable_class
        return torch.randn(1, 28, 28, generator=g), -1 if unreadable else int(self.labels[i])


def test_a_class_without_one_readable_image_stops_training_after_the_first_epoch() -> None:
    epochs: list[int] = []
    with pytest.raises(DataError, match="class 4: none of its 3 images could be read"):
        train_model(tiny(), _WithUnreadable(4), _WithUnreadable(), epochs=3, batch_size=8,
                    lr=0.05, seed=0, device=CPU, log=lambda _: None,
                    on_epoch=lambda e, _: epochs.append(e))
    assert epochs == []


def test_unreadable_images_ignored() -> None:
    metrics = train_model(tiny(), _WithUnreadable(), _WithUnreadable(), epochs=1, batch_size=8,
                          lr=0.05, seed=0, device=CPU, log=lambda _: None)
    assert metrics["train_images"] == 20 and metrics["steps"] == 4
    accuracy, per_class = evaluate(tiny(), _WithUnreadable(), 8, CPU)
    assert 0 <= accuracy <= 1 and len(per_class) == 10


@needs_data
def test_short_training_learns_and_is_deterministic() -> None:
    train = FashionMNIST(ROOT, "train", SPEC)
    test = Subset(FashionMNIST(ROOT, "test", SPEC), range(1000))
    runs = []
    for _ in range(2):
        model = tiny()
        lines: list[str] = []
        metrics = train_model(model, train, test, epochs=1, batch_size=16, lr=0.1, seed=3,
                              device=CPU, max_train_images=1024, log=lines.append)
        runs.append((model.state_dict(), metrics))
    (a, metrics), (b, _) = runs
    assert metrics["train_images"] == 1024 and metrics["seed"] == 3
    assert metrics["test_accuracy"] > 0.4, metrics
    assert len(metrics["per_class_test_accuracy"]) == 10
    assert any("images/s" in line and "batch 64/64" in line for line in lines)
    assert all(torch.equal(a[k], b[k]) for k in a)


# --- how long to train ----------------------------------------------------------------------

FASHION = {"kind": "fashion_mnist", "root": str(ROOT)}


def test_the_default_study_trains_3_epochs() -> None:
    """60 000 images in batches of 256: 235 steps an epoch, 2 epochs too few, 3 enough."""
    assert steps_per_epoch(60_000, 256) == 235
    assert 2 * 235 < MIN_STEPS <= 3 * 235
    assert planned_epochs(FASHION, {}) == 3


@pytest.mark.parametrize(("n_images", "train", "epochs"), [
    (5_000, {}, 35),                                          # 20 steps an epoch
    (60_000, {"batch_size": 32, "max_images": 2048}, 11),     # 64 steps
    (60_000, {"batch_size": 64}, 1),                          # 938 steps
    (300, {}, MAX_AUTO_EPOCHS),                               # 2 steps: capped
    (5_000, {"epochs": 3}, 3),                                # given: kept
])
def test_epochs_follow_the_data_unless_given(n_images, train, epochs, monkeypatch) -> None:
    monkeypatch.setattr("summit.model.train.train_image_count", lambda cfg: n_images)
    assert planned_epochs({"kind": "image_folder", "root": "x"}, train) == epochs
    steps = steps_per_epoch(n_images, train.get("batch_size", 256), train.get("max_images"))
    if "epochs" not in train and epochs < MAX_AUTO_EPOCHS:  # the fewest epochs reaching it
        assert (epochs - 1) * steps < MIN_STEPS <= epochs * steps


def test_epochs_count_an_image_folder_without_reading_it(tmp_path) -> None:
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        for i in range(300):  # not images at all: only listed
            (tmp_path / name / f"{i}.png").write_bytes(b"")
    cfg = {"kind": "image_folder", "root": str(tmp_path)}
    assert planned_epochs(cfg, {"batch_size": 8}) == auto_epochs(75) == 10


def test_the_schema_states_the_rule() -> None:
    text = section_schema(("model", "train"))["properties"]["epochs"]["description"]
    assert f"{MIN_STEPS} optimiser steps" in text and f"at most {MAX_AUTO_EPOCHS} epochs" in text
    assert "235 steps an epoch, so 3 epochs" in text and "gets 35" in text
    assert auto_epochs(steps_per_epoch(5_000, 256)) == 35


def test_short_training_warning() -> None:
    assert short_training(3, 235, 0.9) is None
    warning = short_training(3, 20, 0.777)
    assert warning.startswith("short training: 60 optimiser steps (3 epochs of 20 batches)")
    assert "77.7%" in warning and "model.train.epochs: null" in warning and "\n" not in warning


def test_a_short_training_is_logged_and_recorded() -> None:
    lines: list[str] = []
    metrics = train_model(tiny(), _WithUnreadable(), _WithUnreadable(), epochs=2, batch_size=8,
                          lr=0.05, seed=0, device=CPU, log=lines.append)
    assert metrics["steps"] == 8
    assert metrics["warnings"] == [short_training(2, 4, metrics["test_accuracy"])]
    assert f"warning: {metrics['warnings'][0]}" in lines


def _image_folder(root: Path) -> Path:
    rng = np.random.default_rng(0)
    for c, name in enumerate(("dark", "light")):
        (root / name).mkdir(parents=True)
        for i in range(4):
            pixels = rng.integers(0, 100, (28, 28)) + 150 * c
            Image.fromarray(pixels.astype(np.uint8), "L").save(root / name / f"{i}.png")
    return root


def test_the_train_step_warns_on_the_console_and_in_metrics(tmp_path, capsys) -> None:
    """stdout, which Snakemake shows on the console; the log (stderr) keeps it too."""
    folder = _image_folder(tmp_path / "images")
    p = {"dataset": {"kind": "image_folder", "root": str(folder), "test_root": str(folder)},
         "input": {"size": 28, "channels": 1, "mean": [0.5], "std": [0.25]},
         "model": {"kind": "demo", "width": 0.25, "train": {"epochs": 2, "batch_size": 4}},
         "device": "cpu", "threads": 1}
    out = tmp_path / "results" / "model"
    assert main(["train", "--params", json.dumps(p), "--weights", str(out / "weights.pt"),
                 "--metrics", str(out / "metrics.json"),
                 "--checkpoints", str(out / "checkpoints" / "epoch2.pt")]) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["epochs"] == 2 and metrics["steps"] == 4
    assert metrics["warnings"][0].startswith("short training: 4 optimiser steps")
    assert f"summit train: warning: {metrics['warnings'][0]}\n" in capsys.readouterr().out
    assert (out / "checkpoints" / "epoch2.pt").is_file()
    assert not (out / "checkpoints" / "epoch1.pt").exists()
