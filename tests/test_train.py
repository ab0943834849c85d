"""The demo network's shape contract and a short, reproducible training on real data."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from torch.fx import Tracer, symbolic_trace
from torch.utils.data import Dataset, Subset

from summit.data import FASHION_MNIST_FILES, FashionMNIST, InputSpec
from summit.demo_net import DemoInception, Inception
from summit.train import _batches, evaluate, train_model

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
    """Random images where every third label is -1, as for unreadable files."""

    def __len__(self) -> int:
        return 30

    def __getitem__(self, i: int) -> tuple[torch.Tensor, int]:
        g = torch.Generator().manual_seed(i)
        return torch.randn(1, 28, 28, generator=g), -1 if i % 3 == 0 else i % 10


def test_unreadable_images_ignored() -> None:
    metrics = train_model(tiny(), _WithUnreadable(), _WithUnreadable(), epochs=1, batch_size=8,
                          lr=0.05, seed=0, device=CPU, log=lambda _: None)
    assert metrics["train_images"] == 20
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
