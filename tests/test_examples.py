"""Dataset examples: receptive fields on known geometry, top-N against brute force, crops."""

import numpy as np
import pytest
import torch
from torch import nn

from summit.method.aggregate import Aggregator
from summit.method.examples import ReceptiveField, crop_patch, merge_top_n, receptive_fields
from summit.model.hops import trace_structure


class Known(nn.Module):
    """conv3 p1 → pool2 → conv3 p1 (a) ; a → [conv1 | conv5 p2] concatenated (b)."""

    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(1, 2, 3, padding=1)
        self.pool = nn.AvgPool2d(2)
        self.a = nn.Conv2d(2, 3, 3, padding=1)
        self.b1 = nn.Conv2d(3, 2, 1)
        self.b5 = nn.Conv2d(3, 2, 5, padding=2)

    def forward(self, x):
        a = self.a(self.pool(self.c1(x)))
        return torch.cat([self.b1(a), self.b5(a)], 1)


class Wrapped(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = Known()
        self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(4, 2))

    def forward(self, x):
        return self.head(self.body(x))


def _gradient_support(model, layer, size, row, col):
    """Input pixels that reach one output position (positive weights, linear ops)."""
    for p in model.parameters():
        p.data.fill_(0.1)
    x = torch.zeros(1, 1, size, size, requires_grad=True)
    out = {}
    h = dict(model.named_modules())[layer].register_forward_hook(
        lambda m, i, o: out.__setitem__("y", o))
    model(x)
    h.remove()
    out["y"][0, :, row, col].sum().backward()
    rows, cols = np.nonzero(x.grad[0, 0].numpy())
    return rows.min(), cols.min(), rows.max(), cols.max()


@pytest.mark.parametrize("layer, expected_size", [("body.a", 8.0)])
def test_receptive_field_formula(layer, expected_size):
    rf = receptive_fields(Wrapped(), ["body.a", "body"], torch.zeros(1, 1, 16, 16))
    assert rf["body.a"] == ReceptiveField((2.0, 2.0), (8.0, 8.0), (0.5, 0.5))
    # the union of the 1×1 and 5×5 branches is the 5×5 one: 8 + 4·2 = 16
    assert rf["body"].size == (16.0, 16.0) and rf["body"].jump == (2.0, 2.0)


@pytest.mark.parametrize("layer", ["body.a", "body"])
@pytest.mark.parametrize("row, col", [(0, 0), (3, 5), (7, 7), (4, 1)])
def test_receptive_field_box_equals_gradient_support(layer, row, col):
    size = 16
    rf = receptive_fields(Wrapped(), ["body.a", "body"], torch.zeros(1, 1, size, size))[layer]
    assert rf.box(row, col, size, size) == _gradient_support(Wrapped(), layer, size, row, col)


def test_top_n_equals_brute_force_across_classes():
    torch.manual_seed(0)
    model = Wrapped().eval()
    s = trace_structure(model, ["body.a", "body"], torch.zeros(1, 1, 12, 12))
    images = torch.randn(30, 1, 12, 12)
    n = 4
    parts = []
    for ids in (np.arange(0, 17), np.arange(17, 30)):  # two "classes", several batches each
        agg = Aggregator(model, s, 1, 2, 0.0, n_examples=n)
        for b in range(0, len(ids), 5):
            batch = ids[b:b + 5]
            agg.step(images[batch], torch.from_numpy(batch))
        agg.close()
        parts.append(agg.examples["body"])
    value, image, position = merge_top_n([p.value.numpy() for p in parts],
                                         [p.image.numpy() for p in parts],
                                         [p.position.numpy() for p in parts], n)
    with torch.no_grad():
        maps = model.body(images)  # (30, 4, 6, 6)
    for c in range(maps.shape[1]):
        flat = maps[:, c].flatten(1)
        best = sorted(range(30), key=lambda i: (-float(flat[i].max()), i))[:n]
        assert image[:, c].tolist() == best
        np.testing.assert_allclose(value[:, c], [float(flat[i].max()) for i in best], rtol=1e-6)
        assert position[:, c].tolist() == [int(flat[i].argmax()) for i in best]


def test_crop_patch_pads_outside_the_image():
    image = np.arange(100, dtype=np.uint8).reshape(10, 10)
    rf = ReceptiveField((2.0, 2.0), (5.0, 5.0), (0.5, 0.5))  # position p centred on 0.5 + 2p
    inside = crop_patch(image, rf, position=2 * 4 + 2, map_width=4)  # row 2, col 2 → 4.5
    np.testing.assert_array_equal(inside, image[2:7, 2:7])
    corner = crop_patch(image, rf, position=0, map_width=4, fill=255)  # window -2..3
    assert corner.shape == (5, 5)
    np.testing.assert_array_equal(corner[2:, 2:], image[0:3, 0:3])
    assert (corner[:2] == 255).all() and (corner[:, :2] == 255).all()
    whole = crop_patch(image, ReceptiveField((4.0, 4.0), (58.0, 3.0), (1.5, 1.5)), position=5,
                       map_width=4)  # rows: window > image → all rows; columns: 3-wide
    np.testing.assert_array_equal(whole, image[:, 4:7])


def test_crop_examples_reads_each_image_once_and_equals_cropping_one_by_one():
    """Against the per-channel loop: the same patches in the same order; images read once."""
    from summit.method.examples import crop_examples

    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (6, 12, 12), dtype=np.uint8)
    value = rng.normal(size=(4, 5))
    value[rng.random((4, 5)) < 0.3] = np.nan  # channels with fewer than N examples
    image = rng.integers(0, 6, (4, 5))
    position = rng.integers(0, 9, (4, 5))
    rf = ReceptiveField((4.0, 4.0), (5.0, 5.0), (1.5, 1.5))
    reads = []

    def display(i):
        reads.append(i)
        return images[i]

    got = crop_examples(display, value, image, position, rf, 3)
    for c in range(5):
        want = [crop_patch(images[image[k, c]], rf, position[k, c], 3)
                for k in range(4) if np.isfinite(value[k, c])]
        assert len(got[c]) == len(want)
        for a, b in zip(got[c], want, strict=True):
            np.testing.assert_array_equal(a, b)
    assert sorted(reads) == sorted(set(image[np.isfinite(value)].tolist()))
