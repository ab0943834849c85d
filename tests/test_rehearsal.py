"""The 1000-class rehearsal folder (``summit.dev.rehearsal``), built small: its class folders in
class-id order, disjoint blocks of the asked size, each transform equal to the edits applied one
by one and distinct from every other, the same bytes twice, and a folder it did not build (or
built otherwise) refused in one line."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from summit.dev import rehearsal
from summit.dev.rehearsal import Settings, Transform
from summit.io.data import class_names
from summit.io.fashion_mnist import FashionMNIST
from summit.io.pixels import InputSpec
from tests.e2e import FMNIST

pytestmark = pytest.mark.skipif(not FMNIST.exists(),
                                reason="apt package dataset-fashion-mnist absent")

SMALL = Settings(transforms=3, classes=(3, 7), train_per_class=5, test_per_class=2,
                 root=str(FMNIST))
NAMES = ["0000_Dress_rot0", "0001_Dress_rot90", "0002_Dress_rot180",
         "0003_Sneaker_rot0", "0004_Sneaker_rot90", "0005_Sneaker_rot180"]
# Marker places by number, as the module docstring states them: top-left corner of the 4×4.
PLACES = {1: (2, 2), 2: (2, 22), 3: (22, 2), 4: (22, 22), 5: (2, 12), 6: (22, 12), 7: (12, 2)}


def slow(x: np.ndarray, t: int) -> np.ndarray:
    """Transform ``t`` of one image, edit by edit, pixel by pixel."""
    y = x
    for _ in range(t % 4):
        y = np.rot90(y)
    if t // 4 % 2:
        y = 255 - y
    y = y.copy()
    if t // 8 % 2:
        for i in range(28):
            y[0, i] = y[27, i] = y[i, 0] = y[i, 27] = 128
    if t // 16:
        top, left = PLACES[t // 16]
        for r in range(4):
            for c in range(4):
                y[top + r, left + c] = 255 if (r < 2) == (c < 2) else 0
    return y


def _files(root) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("rehearsal") / "small"
    rehearsal.build(out, SMALL, log=lambda _: None)
    return out


def test_every_transform_is_its_edits_and_distinct():
    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, (28, 28), dtype=np.uint8)
    batch = np.stack([x, 255 - x])
    seen = set()
    for t in range(rehearsal.MAX_TRANSFORMS):
        out = Transform.of(t).apply(batch)
        assert out.dtype == np.uint8 and out.shape == (2, 28, 28)
        np.testing.assert_array_equal(out[0], slow(x, t), err_msg=f"transform {t}")
        np.testing.assert_array_equal(out[1], slow(255 - x, t), err_msg=f"transform {t}")
        seen.add(out[0].tobytes())
    assert len(seen) == rehearsal.MAX_TRANSFORMS
    names = [Transform.of(t).name for t in range(rehearsal.MAX_TRANSFORMS)]
    assert len(set(names)) == len(names)
    assert names[:5] == ["rot0", "rot90", "rot180", "rot270", "rot0_inv"]
    assert names[29] == "rot90_inv_frame_mark-tl" and names[127] == "rot270_inv_frame_mark-left"


def test_the_folders_are_the_classes_in_order(built):
    for split, n in (("train", 5), ("test", 2)):
        assert sorted(p.name for p in (built / split).iterdir()) == NAMES
        assert all(len(list((built / split / name).glob("*.png"))) == n for name in NAMES)
    # how the study reads it: sorted folder names are the class ids
    assert class_names({"kind": "image_folder", "root": str(built / "train")}) == NAMES
    found = rehearsal.manifest(built)
    assert found["settings"] == SMALL.as_json() and found["classes"] == 6
    assert found["train"]["images_per_class"] == 5 and 0 < found["train"]["std"] < 1


@pytest.mark.parametrize("split", ["train", "test"])
def test_the_blocks_are_disjoint_and_rendered_by_their_transform(built, split):
    data = FashionMNIST(FMNIST, split, InputSpec(28, 1, (0.0,), (1.0,)))
    n = 5 if split == "train" else 2
    for i, c in enumerate(SMALL.classes):
        used = []
        for t in range(3):
            files = sorted((built / split / NAMES[3 * i + t]).glob("*.png"))
            indices = [int(f.stem) for f in files]
            used += indices
            for index, f in zip(indices, files, strict=True):
                assert data.labels[index] == c
                with Image.open(f) as img:
                    assert img.mode == "L" and img.size == (28, 28)
                    np.testing.assert_array_equal(np.asarray(img), slow(data.images[index], t))
        # disjoint, and exactly the class's first 3 × n images in dataset order
        assert used == list(np.flatnonzero(data.labels == c)[:3 * n])


def test_all_images_divide_evenly_by_default():
    labels = np.repeat(np.arange(3), [10, 11, 12])
    rows = rehearsal.blocks(labels, 2, 4, None, "--train-per-class")
    assert rows.shape == (4, 3) and list(rows.ravel()) == list(range(21, 33))
    with pytest.raises(rehearsal.RehearsalError, match="need 15 images of Pullover"):
        rehearsal.blocks(labels, 2, 3, 5, "--train-per-class")


def test_the_build_is_deterministic_and_resumes_after_an_interruption(built, tmp_path):
    out = tmp_path / "again"
    stale = tmp_path / "again.partial" / "train" / NAMES[0]
    stale.mkdir(parents=True)
    (stale / "99999.png").write_bytes(b"half")  # what an interrupted build left
    rehearsal.build(out, SMALL, log=lambda _: None)
    assert _files(out) == _files(built)
    assert not (tmp_path / "again.partial").exists()


def test_an_existing_folder_is_kept_only_when_built_the_same(built, tmp_path, capsys):
    args = ["--transforms", "3", "--classes", "3", "7", "--train-per-class", "5",
            "--test-per-class", "2", "--root", str(FMNIST)]
    before = _files(built)
    assert rehearsal.main([str(built), *args]) == 0  # the same settings: nothing to do
    assert _files(built) == before
    capsys.readouterr()
    assert rehearsal.main([str(built), *args[:-4], "--test-per-class", "1"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "exists and is built with other settings" in err
    (tmp_path / "other").mkdir()
    assert rehearsal.main([str(tmp_path / "other"), *args]) == 2
    assert "is not a finished rehearsal build; remove it" in capsys.readouterr().err
    assert rehearsal.main([str(tmp_path / "x"), "--transforms", "129"]) == 2
    assert capsys.readouterr().err.count("\n") == 1
