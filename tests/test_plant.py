"""Planted features (summit.io.plant, ``dataset.plant``): the patterns against a loop that
draws them pixel by pixel, stamps landing exactly where configured and nowhere else, the
batch stamping equal to one image at a time, the choice of images deterministic by seed with
the configured share of each listed class only, the one-line errors, and the datasets (the
built-in and image folders) serving stamped images to training, the pass and the figures."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from summit.config import ConfigError
from summit.errors import DataError
from summit.io.data import ImageFolderDataset, display_image, open_dataset, planted_stamps
from summit.io.fashion_mnist import FashionMNIST
from summit.io.pixels import InputSpec
from summit.io.plant import (
    PATTERNS,
    POSITIONS,
    Stamp,
    corner,
    pattern_pixels,
    planting,
    stamp,
    stamp_all,
)
from tests.test_data import FASHION_ROOT

GREY = InputSpec(size=16, channels=1, mean=(0.5,), std=(0.5,))


def _pattern_by_hand(pattern, size):
    """Each pixel decided on its own: (value, set?)."""
    out = np.zeros((size, size), np.uint8)
    mask = np.zeros((size, size), bool)
    cell, c = max(1, size // 3), (size - 1) / 2
    for y in range(size):
        for x in range(size):
            if pattern == "checkerboard":
                mask[y, x], on = True, ((y // cell) + (x // cell)) % 2 == 0
            elif pattern == "dot":
                mask[y, x] = on = (y - c) ** 2 + (x - c) ** 2 <= (size / 2) ** 2
            else:
                mask[y, x], on = True, y % 2 == 0
            out[y, x] = 255 if on else 0
    return out, mask


@pytest.mark.parametrize("pattern", PATTERNS)
@pytest.mark.parametrize("size", [2, 5, 6, 9])
def test_patterns_equal_a_pixel_by_pixel_drawing(pattern, size):
    values, mask = pattern_pixels(pattern, size)
    want_values, want_mask = _pattern_by_hand(pattern, size)
    np.testing.assert_array_equal(mask, want_mask)
    np.testing.assert_array_equal(values[mask], want_values[want_mask])
    assert mask.any() and {0, 255} >= set(np.unique(values[mask]))


@pytest.mark.parametrize("channels", [None, 3])
@pytest.mark.parametrize("pattern", PATTERNS)
def test_a_stamp_lands_where_configured_and_nowhere_else(pattern, channels):
    rng = np.random.default_rng(0)
    shape = (20, 20) if channels is None else (20, 20, channels)
    image = rng.integers(1, 255, shape, dtype=np.uint8)  # never 0 or 255: a stamp shows
    out = stamp(image, pattern, 6, 3, 11)
    values, mask = _pattern_by_hand(pattern, 6)
    for y in range(20):
        for x in range(20):
            inside = 3 <= y < 9 and 11 <= x < 17 and mask[y - 3, x - 11]
            want = values[y - 3, x - 11] if inside else image[y, x]
            assert np.all(out[y, x] == want), (y, x)
    assert not np.shares_memory(out, image)


def test_stamping_a_batch_equals_stamping_each_image():
    rng = np.random.default_rng(1)
    images = rng.integers(0, 256, (12, 14, 14), dtype=np.uint8)
    rows = np.array([0, 3, 4, 9])
    where = rng.integers(0, 14 - 5 + 1, (4, 2))
    batch = images.copy()
    stamp_all(batch, rows, "dot", 5, where)
    one_by_one = images.copy()
    for r, (top, left) in zip(rows, where, strict=True):
        one_by_one[r] = stamp(images[r], "dot", 5, top, left)
    np.testing.assert_array_equal(batch, one_by_one)


def test_corners_and_centre_keep_the_margin():
    assert corner("top_left", 28, 6) == (1, 1)
    assert corner("bottom_right", 28, 6) == (21, 21)
    assert corner("top_right", 28, 6) == (1, 21)
    assert corner("centre", 28, 6) == (11, 11)


def _labels():
    return np.repeat(np.arange(4), [10, 7, 30, 3])


def test_the_choice_is_the_share_of_each_listed_class_and_deterministic_by_seed():
    stamps = (Stamp((1, 2), "checkerboard", 4, "random", 0.5),
              Stamp((3,), "dot", 3, "top_left", 1.0))
    labels = _labels()
    p = planting({"seed": 5}, stamps, labels, "train", 16)
    for c, k, n in [(1, 0, round(0.5 * 7)), (2, 0, 15), (3, 1, 3)]:
        assert np.sum(p.which[labels == c] == k) == n
    assert np.all(p.which[labels == 0] == -1)  # not listed: never stamped
    assert np.all((p.where[p.which == 0] >= 0) & (p.where[p.which == 0] <= 16 - 4))
    assert np.all(p.where[p.which == 1] == [1, 1])
    again = planting({"seed": 5}, stamps, labels, "train", 16)
    np.testing.assert_array_equal(p.which, again.which)
    np.testing.assert_array_equal(p.where, again.where)
    other = planting({"seed": 6}, stamps, labels, "train", 16)
    test = planting({"seed": 5}, stamps, labels, "test", 16)
    assert not np.array_equal(p.which, other.which) and not np.array_equal(p.which, test.which)


def _folder(root, classes=("ants", "bees", "cats"), per=6, side=16):
    rng = np.random.default_rng(2)
    for name in classes:
        (root / name).mkdir(parents=True)
        for i in range(per):
            Image.fromarray(rng.integers(1, 255, (side, side), dtype=np.uint8)).save(
                root / name / f"{i}.png")
    return root


def _plant(**stamp_cfg):
    base = {"pattern": "stripes", "size": 4, "position": "bottom_left", "share": 0.5}
    return {"seed": 0, "stamps": [{**base, **stamp_cfg}]}


def test_an_image_folder_serves_its_stamped_images_everywhere(tmp_path):
    root = _folder(tmp_path / "train")
    cfg = {"kind": "image_folder", "root": str(root), "plant": _plant(classes=["bees"])}
    planted = open_dataset(cfg, GREY)
    clean = ImageFolderDataset(root, GREY)
    stamped = np.flatnonzero(planted.planting.which == 0)
    assert len(stamped) == 3 and set(planted.labels[stamped]) == {1}
    for i in range(len(clean)):
        want = clean.pixels(i)
        if i in stamped:
            want = stamp(want, "stripes", 4, *corner("bottom_left", 16, 4))
        np.testing.assert_array_equal(planted.pixels(i), want)
        np.testing.assert_array_equal(display_image(planted, i), want)
        x, label = planted[i]
        np.testing.assert_allclose(((x[0] * 0.5 + 0.5) * 255).numpy(), want, atol=1e-3)


@pytest.mark.skipif(not (FASHION_ROOT / "t10k-images-idx3-ubyte.gz").exists(),
                    reason="Fashion-MNIST files not installed (dataset-fashion-mnist)")
def test_fashion_mnist_stamps_its_28_pixel_images_in_both_splits():
    spec = InputSpec(size=28, channels=1, mean=(0.0,), std=(1.0,))
    cfg = {"kind": "fashion_mnist", "root": str(FASHION_ROOT),
           "plant": _plant(classes=["Trouser"], position="random", pattern="checkerboard")}
    clean = FashionMNIST(FASHION_ROOT, "test", spec)
    planted = open_dataset(cfg, spec, "test")
    rows = np.flatnonzero(planted.planting.which == 0)
    assert len(rows) == 500 and set(clean.labels[rows]) == {1}
    changed = np.flatnonzero((planted.images != clean.images).any(axis=(1, 2)))
    assert set(changed) <= set(rows)
    i = rows[0]
    np.testing.assert_array_equal(
        planted.images[i], stamp(clean.images[i], "checkerboard", 4, *planted.planting.where[i]))
    assert float(planted[i][0].max()) <= 1.0
    train = open_dataset(cfg, spec, "train")
    assert np.sum(train.planting.which == 0) == 3000


@pytest.mark.parametrize("plant, message", [
    (_plant(classes=["bees", "dogs"]), r"^dataset\.plant\.stamps\[0\]\.classes: 'dogs' is not"),
    ({"seed": 0, "stamps": [*_plant(classes=[1])["stamps"], *_plant(classes=["bees"])["stamps"]]},
     r"^dataset\.plant\.stamps\[1\]\.classes: a class is stamped twice"),
    (_plant(classes=[0], size=15), r"^dataset\.plant\.stamps\[0\]\.size: 15 pixels do not fit"),
    (_plant(classes=["cats"]), r"^dataset\.plant\.stamps\[0\]\.classes: 'cats' is not a class of "
                               r"this study"),
])
def test_a_bad_plant_is_one_line_naming_the_setting(tmp_path, plant, message):
    root = _folder(tmp_path / "train")
    cfg = {"kind": "image_folder", "root": str(root), "plant": plant, "classes": [0, 1]}
    with pytest.raises((ConfigError, DataError), match=message):
        planted_stamps(cfg, GREY)


def test_every_position_rule_is_known():
    for position in POSITIONS[1:]:
        top, left = corner(position, 20, 5)
        assert 1 <= top <= 14 and 1 <= left <= 14
