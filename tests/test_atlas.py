"""Atlases: what is packed is what is unpacked, at the positions the geometry states."""

import numpy as np
import pytest
from PIL import Image

from summit.io.artifacts import ExamplesIndex, FeatvisIndex
from summit.io.atlas import (
    ExamplesAtlas,
    FeatvisAtlas,
    example_origin,
    examples_per_row,
    pack_examples,
    pack_featvis,
)


def _examples_index(tmp_path, counts, n, thumbnail, per_row):
    ExamplesIndex(layer="l", thumbnail=thumbnail, n=n, per_row=per_row,
                  receptive_field={"jump": 1, "size": 3}, atlas="l.png",
                  channels=[[{}] * k for k in counts]).save(tmp_path / "l.json")
    return tmp_path / "l.json"


def test_examples_atlas_cuts_each_channels_patches(tmp_path):
    thumb, n, per_row = 4, 3, 2
    pixels = np.arange(2 * thumb * per_row * n * thumb, dtype=np.uint8).reshape(
        2 * thumb, per_row * n * thumb)
    Image.fromarray(pixels).save(tmp_path / "l.png")
    atlas = ExamplesAtlas.load(_examples_index(tmp_path, [3, 2, 1], n, thumb, per_row))
    patches = atlas.patches(1)  # row 0, second block of n patches
    assert len(patches) == 2
    assert np.allclose(patches[1], pixels[0:4, (3 + 1) * 4:(3 + 2) * 4] / 255.0)
    assert np.allclose(atlas.patches(2)[0], pixels[4:8, 0:4] / 255.0)


def test_example_origin_is_the_stated_formula():
    n, per_row, t = 3, 4, 5
    for c in range(11):
        for k in range(n):
            x, y = example_origin(c, k, n, per_row, t)
            assert (x, y) == (((c % per_row) * n + k) * t, (c // per_row) * t)


@pytest.mark.parametrize("rgb", [False, True])
@pytest.mark.parametrize("channels, n", [(1, 1), (5, 3), (13, 2)])
def test_packed_examples_unpack_to_the_same_patches(tmp_path, rgb, channels, n):
    rng = np.random.default_rng(channels)
    thumb = 6
    shape = (thumb, thumb, 3) if rgb else (thumb, thumb)
    counts = [int(rng.integers(0, n + 1)) for _ in range(channels)]
    patches = [[rng.integers(0, 256, shape, dtype=np.uint8) for _ in range(k)] for k in counts]
    pack_examples(patches, n, thumb, rgb).save(tmp_path / "l.png")
    per_row = examples_per_row(channels, n)
    atlas = ExamplesAtlas.load(_examples_index(tmp_path, counts, n, thumb, per_row))
    for c, want in enumerate(patches):
        got = atlas.patches(c)
        assert len(got) == len(want)
        for g, w in zip(got, want, strict=True):
            np.testing.assert_array_equal(np.round(g * 255).astype(np.uint8), w)


@pytest.mark.parametrize("rgb", [False, True])
def test_packed_renders_unpack_to_each_channels_render(tmp_path, rgb):
    rng = np.random.default_rng(1)
    channels, per_channel, size = [7, 2, 9], 3, 5
    images = rng.integers(0, 256, (3, per_channel, size, size, 3 if rgb else 1)) / 255.0
    pack_featvis(images, rgb).save(tmp_path / "l.png")
    FeatvisIndex(layer="l", size=size, per_channel=per_channel, atlas="l.png",
                 channels=channels, objective="activation", peaks=[1.0, 0.0, 2.0],
                 failed=[None, "inactive", None], seconds=0.0,
                 seconds_per_image=0.0).save(tmp_path / "l.json")
    atlas = FeatvisAtlas.load(tmp_path / "l.json")
    for row, c in enumerate(channels):
        want = images[row, 0] if rgb else images[row, 0, ..., 0]
        np.testing.assert_allclose(atlas.image(c), want, atol=1e-6)
    assert atlas.image(3) is None
    assert atlas.failed == {2: FeatvisIndex.FAILURES["inactive"]}


def test_no_renders_is_an_empty_sheet():
    assert pack_featvis(np.zeros((0, 2, 4, 4, 1)), rgb=False).size == (8, 4)
