"""The per-class pass on small inception, residual and plain models against brute force.

The brute force captures every hop's real input with its own hooks, builds every per-pair
influence map by explicit per-channel convolution, and ranks candidates image by image.
"""

from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn
from torchvision.models.resnet import BasicBlock, Bottleneck

from summit.method.aggregate import Aggregator
from summit.model.demo_net import Inception
from summit.model.hops import IDENTITY, trace_structure
from tests import brute_force


def _randomise_bn(model):
    g = torch.Generator().manual_seed(0)
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.copy_(torch.rand(m.num_features, generator=g) - 0.5)
            m.running_var.copy_(torch.rand(m.num_features, generator=g) + 0.5)
            m.weight.data.copy_(torch.rand(m.num_features, generator=g) * 2 - 0.5)
            m.bias.data.copy_(torch.rand(m.num_features, generator=g) - 0.5)
    return model.eval()


class TinyInception(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(1, 6, 3, padding=1), nn.ReLU())
        self.mixed_a = Inception(6, 3, 2, 4, 2, 3, 2)  # 12 channels
        self.pool = nn.MaxPool2d(2)
        self.mixed_b = Inception(12, 4, 3, 5, 2, 2, 3)  # 14 channels
        self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(14, 3))

    def forward(self, x):
        return self.head(self.mixed_b(self.pool(self.mixed_a(self.stem(x)))))


class TinyResNet(nn.Module):
    def __init__(self, block=BasicBlock):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU())
        width = 4 * block.expansion
        down = nn.Sequential(nn.Conv2d(4, width, 1), nn.BatchNorm2d(width))
        self.block1 = block(4, 4, downsample=down)
        down2 = nn.Sequential(nn.Conv2d(width, 6 * block.expansion, 1, stride=2),
                              nn.BatchNorm2d(6 * block.expansion))
        self.block2 = block(width, 6, stride=2, downsample=down2)
        self.block3 = block(6 * block.expansion, 6)
        self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                                  nn.Linear(6 * block.expansion, 3))

    def forward(self, x):
        return self.head(self.block3(self.block2(self.block1(self.stem(x)))))


class TinyVGG(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 5, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(5, 6, 3, padding=1), nn.ReLU(), nn.Conv2d(6, 4, 3, stride=2), nn.ReLU())
        self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(4, 3))

    def forward(self, x):
        return self.head(self.features(x))


MODELS = [
    (TinyInception, ["mixed_a", "mixed_b"]),
    (TinyResNet, ["block1", "block2", "block3"]),
    (lambda: TinyResNet(Bottleneck), ["block1", "block2", "block3"]),
    (TinyVGG, ["features.1", "features.4", "features.6"]),
]


@pytest.mark.parametrize("examples", [0, 2])  # tracking examples, maxima come from them
@pytest.mark.parametrize("make, layers", MODELS)
def test_aggregator_matches_brute_force(make, layers, examples):
    torch.manual_seed(0)
    model = _randomise_bn(make())
    images = torch.randn(5, 1, 12, 12)
    structure = trace_structure(model, layers, images[:1])
    expected, maxima = brute_force.tallies(model, structure, images, k=3)
    # Three image groups, stored row r in group r % 3, as the class pass assigns them.
    by_group = [brute_force.tallies(model, structure, images[g::3], k=3)[0] for g in range(3)]
    agg = Aggregator(model, structure, method=1, k=3, share=0.0, n_examples=examples,
                     n_groups=3)
    ids = torch.arange(5) if examples else None
    got_maxima, logits = agg.step(images[:2], ids[:2] if examples else None, [0, 1])
    got_maxima2, _ = agg.step(images[2:], ids[2:] if examples else None,
                              [2, 0, 1])  # tallies accumulate over batches
    agg.close()
    assert logits.shape == (2, 3)
    for name in layers:
        torch.testing.assert_close(torch.cat([got_maxima[name], got_maxima2[name]]),
                                   maxima[name])
    assert set(agg.tallies) == set(expected)
    hops = {h.name: h for h in structure.hops()}
    for name, counts in expected.items():
        got = brute_force.dense(hops[name], agg.tallies[name].numpy())
        np.testing.assert_array_equal(got.sum(axis=0), counts, err_msg=name)
        for g in range(3):
            np.testing.assert_array_equal(got[g], by_group[g][name], err_msg=f"{name}, group {g}")


def test_residual_structure_has_identity_and_downsample():
    model = TinyResNet()
    s = trace_structure(model, ["block1", "block2", "block3"], torch.zeros(1, 1, 12, 12))
    kinds = {b.target: sorted(h.conv for h in b.hops) for b in s.blocks}
    assert kinds["block2"] == ["block2.conv1", "block2.conv2", "block2.downsample.0"]
    assert kinds["block3"] == ["block3.conv1", "block3.conv2", IDENTITY]
    assert s.blocks[1].hidden == {"block3.conv1": 6}


_MEMORY_SCRIPT = """
import sys, numpy as np, torch
from pathlib import Path
from torch.utils.data import TensorDataset
from summit.method.aggregate import Aggregator, aggregate_class
from summit.model.demo_net import DemoInception
from summit.model.hops import trace_structure
from summit.io.store import open_class_store

torch.manual_seed(0)
n = int(sys.argv[1])
model = DemoInception(1, 10, 1.0).eval()
layers = ["mixed3a", "mixed3b", "mixed4a", "mixed4b"]
structure = trace_structure(model, layers, torch.zeros(1, 1, 28, 28))
images = torch.rand(n, 1, 28, 28)
loader = [(images[i:i + 64], torch.zeros(len(images[i:i + 64]), dtype=torch.long))
          for i in range(0, n, 64)]
agg = Aggregator(model, structure, 1, 5, 0.0, 10, 10)
Path("/proc/self/clear_refs").write_text("5")  # measure the pass only
with open_class_store(sys.argv[2], {x.name: x.channels for x in structure.layers}, n) as w:
    aggregate_class(agg, loader, np.arange(n), w, torch.device("cpu"))
    w.finish({k: v.numpy() for k, v in agg.tallies.items()}, {"class_id": 0}, groups=10)
hwm = [l for l in Path("/proc/self/status").read_text().splitlines() if l.startswith("VmHWM")]
print(int(hwm[0].split()[1]))
"""


@pytest.mark.skipif(not Path("/proc/self/clear_refs").exists(), reason="needs Linux /proc")
def test_peak_memory_of_a_class_pass_does_not_grow_with_its_images(tmp_path):
    """The per-class pass streams: 16× the images costs (almost) no more peak memory."""
    import subprocess
    import sys

    def peak_kb(n: int) -> int:
        run = subprocess.run([sys.executable, "-c", _MEMORY_SCRIPT, str(n),
                              str(tmp_path / f"{n}.zarr")], capture_output=True, text=True,
                             check=True)
        return int(run.stdout.split()[-1])

    small, large = peak_kb(256), peak_kb(2048)
    # Measured: +11 MB. Buffering the store's rows batch by batch instead of in one chunk
    # array fragmented the heap: +150 MB here, +70 KB per image.
    assert large - small < 20 * 1024, (small, large)


def test_unreadable_images_are_skipped_and_counted():
    """Images the dataset could not read come back labelled -1: the pass leaves them out of
    every result and reports how many there were."""
    from summit.method.aggregate import aggregate_class

    torch.manual_seed(3)
    model = _randomise_bn(TinyInception())
    structure = trace_structure(model, ["mixed_a", "mixed_b"], torch.zeros(1, 1, 8, 8))
    images = torch.rand(10, 1, 8, 8)
    labels = torch.tensor([0, -1, 0, 0, -1, 0, 0, 0, 0, -1])
    loader = [(images[:4], labels[:4]), (images[4:], labels[4:])]

    class Writer:
        rows: list = []

        def append(self, maxima, predictions):
            self.rows.append(predictions["index"])

    summary = aggregate_class(Aggregator(model, structure, 1, 2, 0.0), loader,
                              np.arange(100, 110), Writer(), torch.device("cpu"))
    assert summary["n_images"] == 7 and summary["n_skipped"] == 3
    assert np.concatenate(Writer.rows).tolist() == [100, 102, 103, 105, 106, 107, 108]
