"""Datasets: image folders of any size and mode, class selection, and Fashion-MNIST."""

import gzip
import logging
import math
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from summit.io.data import (
    DataError,
    ImageFolderDataset,
    class_id,
    class_image_indices,
    class_names,
    download_params,
    evaluation_root,
    open_dataset,
    study_classes,
    subset_indices,
    train_image_count,
)
from summit.io.fashion_mnist import FASHION_MNIST_CLASSES, FASHION_MNIST_FILES, FashionMNIST
from summit.io.pixels import InputSpec

RGB_SPEC = InputSpec(size=8, channels=3, mean=(0.5, 0.4, 0.3), std=(0.2, 0.25, 0.5))
GREY_SPEC = InputSpec(size=8, channels=1, mean=(0.25,), std=(0.5,))
FASHION_ROOT = Path("/usr/share/datasets/fashion-mnist")


def _norm(value, spec, c):
    """One 8-bit value normalised by hand, for channel ``c``."""
    return (value / 255.0 - spec.mean[c]) / spec.std[c]


def _save(img, path, **kwargs):
    path.parent.mkdir(parents=True, exist_ok=True)
    img.save(path, **kwargs)
    return path


@pytest.fixture
def folder(tmp_path):
    """3 classes of images in several sizes, modes and formats, plus a few non-images."""
    root = tmp_path / "images"
    # ants: a patterned RGB image at the model size, a uniform RGB image of another shape,
    # a uniform grey JPEG
    pattern = np.zeros((8, 8, 3), np.uint8)
    pattern[2, 3] = (10, 20, 30)  # row 2, column 3
    pattern[7, 0] = (255, 128, 0)
    _save(Image.fromarray(pattern, "RGB"), root / "ants" / "a0_pattern.png")
    _save(Image.new("RGB", (10, 14), (200, 100, 50)), root / "ants" / "a1_uniform.png")
    _save(Image.new("L", (20, 20), 77), root / "ants" / "a2_grey.JPG", quality=100)
    (root / "ants" / "notes.txt").write_text("not an image")
    # bees: RGBA and palette images, one in a nested folder
    _save(Image.new("RGBA", (12, 9), (40, 80, 120, 0)), root / "bees" / "b0_rgba.png")
    pal = Image.new("P", (9, 9), 3)
    pal.putpalette([0, 0, 0, 255, 0, 0, 0, 255, 0, 12, 34, 56] + [0] * (252 * 3))
    _save(pal, root / "bees" / "sub" / "b1_palette.png")
    # cats: 16-bit grey, a column pattern taller than wide, a corrupt and a truncated file
    _save(Image.fromarray(np.full((10, 10), 128 * 257, np.uint16)), root / "cats" / "c0_16.png")
    rows = np.repeat((np.arange(16, dtype=np.uint8) * 10)[:, None], 8, axis=1)
    _save(Image.fromarray(rows, "L"), root / "cats" / "c1_rows.png")
    (root / "cats" / "c2_corrupt.png").write_bytes(b"this is not a png at all" * 10)
    good = _save(Image.fromarray(np.random.default_rng(0).integers(0, 255, (64, 64, 3),
                                                                   dtype=np.uint8)),
                 tmp_path / "full.png")
    data = good.read_bytes()
    (root / "cats" / "c3_truncated.png").write_bytes(data[: len(data) // 2])
    return root


def _index(ds, name):
    return [p.name for p, _ in ds.samples].index(name)


def test_folder_classes_samples_and_labels(folder):
    ds = ImageFolderDataset(folder, RGB_SPEC)
    assert ds.folders == {0: "ants", 1: "bees", 2: "cats"}
    assert [(p.name, c) for p, c in ds.samples] == [
        ("a0_pattern.png", 0), ("a1_uniform.png", 0), ("a2_grey.JPG", 0),
        ("b0_rgba.png", 1), ("b1_palette.png", 1),
        ("c0_16.png", 2), ("c1_rows.png", 2), ("c2_corrupt.png", 2), ("c3_truncated.png", 2)]
    assert ds.labels.tolist() == [0, 0, 0, 1, 1, 2, 2, 2, 2]
    assert ds.labels.dtype == np.int64
    assert len(ds) == 9


@pytest.mark.parametrize("spec", [RGB_SPEC, GREY_SPEC])
def test_every_readable_image_has_the_model_shape(folder, spec):
    ds = ImageFolderDataset(folder, spec)
    for i in range(len(ds)):
        if ds.samples[i][0].name in {"c2_corrupt.png", "c3_truncated.png"}:
            continue
        x, label = ds[i]
        assert x.shape == (spec.channels, 8, 8), ds.samples[i][0]
        assert x.dtype == torch.float32
        assert torch.isfinite(x).all()
        assert label == ds.labels[i]


def test_pixel_values_by_hand(folder):
    ds = ImageFolderDataset(folder, RGB_SPEC)
    x, label = ds[_index(ds, "a0_pattern.png")]
    assert label == 0
    for c, v in enumerate((10, 20, 30)):
        assert x[c, 2, 3].item() == pytest.approx(_norm(v, RGB_SPEC, c), abs=1e-5)
    for c, v in enumerate((255, 128, 0)):
        assert x[c, 7, 0].item() == pytest.approx(_norm(v, RGB_SPEC, c), abs=1e-5)
    assert x[1, 0, 0].item() == pytest.approx(_norm(0, RGB_SPEC, 1), abs=1e-5)


@pytest.mark.parametrize(
    ("name", "rgb"),
    [("a1_uniform.png", (200, 100, 50)),  # resized from 10×14 and centre-cropped
     ("a2_grey.JPG", (77, 77, 77)),  # L → RGB
     ("b0_rgba.png", (40, 80, 120)),  # alpha dropped
     ("b1_palette.png", (12, 34, 56))],  # palette looked up
)
def test_uniform_images_of_any_size_and_mode(folder, name, rgb):
    ds = ImageFolderDataset(folder, RGB_SPEC)
    x, _ = ds[_index(ds, name)]
    for c, v in enumerate(rgb):
        expected = torch.full((8, 8), _norm(v, RGB_SPEC, c))
        torch.testing.assert_close(x[c], expected, atol=1.01 / 255 / RGB_SPEC.std[c], rtol=0)


def test_grey_model_input_uses_luma(folder):
    ds = ImageFolderDataset(folder, GREY_SPEC)
    x, _ = ds[_index(ds, "a1_uniform.png")]
    luma = 200 * 0.299 + 100 * 0.587 + 50 * 0.114  # ITU-R 601-2, as PIL's "L"
    torch.testing.assert_close(x[0], torch.full((8, 8), _norm(luma, GREY_SPEC, 0)),
                               atol=1.01 / 255 / 0.5, rtol=0)


def test_taller_image_is_centre_cropped(folder):
    ds = ImageFolderDataset(folder, GREY_SPEC)
    x, _ = ds[_index(ds, "c1_rows.png")]  # 8 wide, 16 tall, row r has value 10 r
    expected = torch.tensor([[_norm(10 * r, GREY_SPEC, 0)] * 8 for r in range(4, 12)])
    torch.testing.assert_close(x[0], expected, atol=1e-5, rtol=0)


def test_16_bit_image_loads(folder):
    ds = ImageFolderDataset(folder, GREY_SPEC)
    x, label = ds[_index(ds, "c0_16.png")]
    assert Image.open(ds.samples[_index(ds, "c0_16.png")][0]).mode.startswith("I")
    assert x.shape == (1, 8, 8) and label == 2


def test_16_bit_image_is_scaled_not_clipped(folder):
    ds = ImageFolderDataset(folder, GREY_SPEC)
    x, _ = ds[_index(ds, "c0_16.png")]  # every pixel 128·257 of 65535, i.e. 128/255
    torch.testing.assert_close(x[0], torch.full((8, 8), _norm(128, GREY_SPEC, 0)),
                               atol=1.01 / 255 / 0.5, rtol=0)


@pytest.mark.parametrize("name", ["c2_corrupt.png", "c3_truncated.png"])
def test_unreadable_image_is_skipped(folder, name, caplog):
    ds = ImageFolderDataset(folder, RGB_SPEC)
    with caplog.at_level(logging.WARNING, logger="summit.io.data"):
        x, label = ds[_index(ds, name)]
    assert label == -1
    assert x.shape == (3, 8, 8) and torch.isnan(x).all()
    assert name in caplog.text


@pytest.mark.parametrize("name", ["c2_corrupt.png", "c3_truncated.png"])
def test_unreadable_image_raises_when_strict(folder, name):
    ds = ImageFolderDataset(folder, RGB_SPEC, strict=True)
    with pytest.raises(DataError, match="unreadable image") as info:
        ds[_index(ds, name)]
    assert name in str(info.value)
    assert ds[_index(ds, "a0_pattern.png")][1] == 0  # readable ones still load


def test_missing_root(tmp_path):
    with pytest.raises(DataError, match=r"^dataset\.root: .*nope does not exist"):
        ImageFolderDataset(tmp_path / "nope", RGB_SPEC)


def test_root_is_a_file(tmp_path):
    (tmp_path / "f.png").write_bytes(b"x")
    with pytest.raises(DataError, match=r"^dataset\.root: .*f\.png is a file, not a folder"):
        ImageFolderDataset(tmp_path / "f.png", RGB_SPEC)
    with pytest.raises(DataError, match=r"^dataset\.root: .*f\.png is a file, not a folder"):
        class_names({"kind": "image_folder", "root": str(tmp_path / "f.png")})


def test_root_without_class_folders(tmp_path):
    _save(Image.new("RGB", (4, 4)), tmp_path / "loose.png")
    with pytest.raises(DataError, match=r"^dataset\.root: .*holds 0 class"):
        ImageFolderDataset(tmp_path, RGB_SPEC)


def test_single_class(tmp_path):
    _save(Image.new("RGB", (4, 4)), tmp_path / "only" / "x.png")
    with pytest.raises(DataError, match=r"^dataset\.root: .*holds 1 class.*at least 2"):
        ImageFolderDataset(tmp_path, RGB_SPEC)


def test_empty_class(tmp_path):
    _save(Image.new("RGB", (4, 4)), tmp_path / "a" / "x.png")
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "readme.txt").write_text("no images here")
    with pytest.raises(DataError, match=r"^dataset\.root: class folder .*b holds no images"):
        ImageFolderDataset(tmp_path, RGB_SPEC)


def test_open_dataset_image_folder(folder, tmp_path):
    cfg = {"kind": "image_folder", "root": str(folder), "skip_unreadable": True}
    ds = open_dataset(cfg, RGB_SPEC)
    assert isinstance(ds, ImageFolderDataset) and not ds.strict
    assert open_dataset({**cfg, "skip_unreadable": False}, RGB_SPEC).strict
    with pytest.raises(DataError, match=r"^dataset\.test_root: "):
        open_dataset({**cfg, "test_root": None}, RGB_SPEC, split="test")
    assert len(open_dataset({**cfg, "test_root": str(folder)}, RGB_SPEC, split="test")) == 9
    with pytest.raises(DataError, match=r"^dataset\.kind: "):
        open_dataset({**cfg, "kind": "csv"}, RGB_SPEC)


def test_evaluation_root_must_be_set_and_hold_the_same_classes(folder, tmp_path):
    cfg = {"kind": "image_folder", "root": str(folder), "test_root": str(folder)}
    assert evaluation_root(cfg) == folder
    assert evaluation_root({"kind": "fashion_mnist", "root": "x"}) is None  # ships its own
    other = tmp_path / "test"
    for name in ("ants", "bees"):
        (other / name).mkdir(parents=True)
    cases = [(None, "not set"), (str(tmp_path / "missing"), "does not exist"),
             (str(other), "its class folders differ from dataset.root's (['cats'])")]
    for test_root, words in cases:
        with pytest.raises(DataError, match=r"^dataset\.test_root: ") as info:
            evaluation_root({**cfg, "test_root": test_root})
        assert words in str(info.value) and "\n" not in str(info.value)
    with pytest.raises(DataError, match=r"^dataset\.test_root: "):  # not "dataset.root"
        open_dataset({**cfg, "test_root": str(other / "ants")}, RGB_SPEC, split="test")


def test_train_image_count_lists_what_the_dataset_reads(folder):
    assert train_image_count({"kind": "image_folder", "root": str(folder)}) == len(
        ImageFolderDataset(folder, RGB_SPEC)) == 9
    assert train_image_count({"kind": "fashion_mnist", "root": "anywhere"}) == 60000


# --- where the built-in is downloaded -------------------------------------------------------


class _NoNetwork:
    """torchvision's Fashion-MNIST downloader with no network: it fails after a partial file."""

    def __init__(self, root, download):
        raw = Path(root) / "FashionMNIST" / "raw"
        raw.mkdir(parents=True)
        (raw / "train-images-idx3-ubyte.gz").write_bytes(b"partial")
        raise OSError("network is unreachable")


class _Downloads:
    """torchvision's downloader writing a two-image Fashion-MNIST; counts its calls."""

    calls = 0

    def __init__(self, root, download):
        type(self).calls += 1
        raw = Path(root) / "FashionMNIST" / "raw"
        raw.mkdir(parents=True)
        for images, labels in FASHION_MNIST_FILES.values():
            with gzip.open(raw / images, "wb") as f:
                f.write(bytes(16) + bytes(range(256)) * 6 + bytes(2 * 784 - 1536))
            with gzip.open(raw / labels, "wb") as f:
                f.write(bytes(8) + bytes([3, 7]))


def _files(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*"))


def test_a_failed_download_writes_only_under_the_results_folder(tmp_path, monkeypatch):
    """Nothing in the working folder (which was the checkout) nor elsewhere: only the
    download folder under the results, empty."""
    monkeypatch.setattr("torchvision.datasets.FashionMNIST", _NoNetwork)
    work, empty = tmp_path / "work", tmp_path / "empty"
    work.mkdir()
    empty.mkdir()
    monkeypatch.chdir(work)
    download = tmp_path / "results" / "data" / "download"
    with pytest.raises(DataError, match=r"^dataset\.root: .* download failed \(network"):
        open_dataset({"kind": "fashion_mnist", "root": str(empty)}, FASHION_SPEC, "train",
                      download)
    assert _files(tmp_path) == ["empty", "results", "results/data", "results/data/download",
                                "work"]


def test_without_a_download_folder_nothing_is_downloaded(tmp_path, monkeypatch):
    monkeypatch.setattr("torchvision.datasets.FashionMNIST", _NoNetwork)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(DataError, match=r"^dataset\.root: Fashion-MNIST files not found in"):
        FashionMNIST(tmp_path, "test", FASHION_SPEC)
    assert _files(tmp_path) == []


def test_the_download_lands_in_the_download_folder_once(tmp_path, monkeypatch):
    monkeypatch.setattr("torchvision.datasets.FashionMNIST", _Downloads)
    monkeypatch.setattr(_Downloads, "calls", 0)
    monkeypatch.chdir(tmp_path)
    download = tmp_path / "results" / "data" / "download"
    for split in ("train", "test"):
        ds = FashionMNIST(tmp_path / "empty", split, FASHION_SPEC, download)
        assert ds.labels.tolist() == [3, 7] and ds.images[0, 0, 5] == 5
    assert _Downloads.calls == 1
    assert _files(tmp_path) == ["results", "results/data", "results/data/download",
                                "results/data/download/fashion-mnist", *sorted(
        f"results/data/download/fashion-mnist/{name}"
        for pair in FASHION_MNIST_FILES.values() for name in pair)]


def test_download_params_only_where_the_files_are_absent(tmp_path):
    assert download_params({"kind": "fashion_mnist", "root": str(tmp_path)}, "out") == {
        "download": "out/data/download"}
    assert download_params({"kind": "image_folder", "root": str(tmp_path)}, "out") == {}
    for names in FASHION_MNIST_FILES.values():
        for name in names:
            (tmp_path / name).write_bytes(b"")
    assert download_params({"kind": "fashion_mnist", "root": str(tmp_path)}, "out") == {}


# --- class names and selection --------------------------------------------------------------


def test_class_names(folder):
    assert class_names({"kind": "image_folder", "root": str(folder)}) == ["ants", "bees", "cats"]
    assert class_names({"kind": "fashion_mnist", "root": "/nowhere"}) == FASHION_MNIST_CLASSES
    with pytest.raises(DataError, match=r"^dataset\.root: "):
        class_names({"kind": "image_folder", "root": str(folder / "missing")})


@pytest.mark.parametrize(
    ("chosen", "expected"),
    [(None, [0, 1, 2]), ([], [0, 1, 2]), ([2], [2]), (["cats", "ants"], [0, 2]),
     ([1, "cats", 0], [0, 1, 2]), (["bees", 2], [1, 2])],
)
def test_study_classes_subset(folder, chosen, expected):
    cfg = {"kind": "image_folder", "root": str(folder), "classes": chosen}
    assert study_classes(cfg) == expected


@pytest.mark.parametrize("chosen, said", [([0, 0, 1], "lists class 0 (ants) 2 times (as 0, 0)"),
                                          ([1, "bees"], "lists class 1 (bees) 2 times")])
def test_study_classes_repeated(folder, chosen, said):
    cfg = {"kind": "image_folder", "root": str(folder), "classes": chosen}
    with pytest.raises(DataError, match=r"^dataset\.classes: .*list each class once") as info:
        study_classes(cfg)
    assert said in str(info.value)


@pytest.mark.parametrize("bad", [3, -1, "dogs", "Ants"])
def test_study_classes_invalid_entry(folder, bad):
    cfg = {"kind": "image_folder", "root": str(folder), "classes": [0, bad]}
    with pytest.raises(DataError, match=r"^dataset\.classes: ") as info:
        study_classes(cfg)
    assert repr(bad) in str(info.value)


def test_study_classes_fashion_mnist_by_name():
    cfg = {"kind": "fashion_mnist", "root": "/nowhere", "classes": ["Ankle boot", 0, "Bag"]}
    assert study_classes(cfg) == [0, 8, 9]


def test_a_class_setting_takes_ids_digits_folders_and_names_of_the_study():
    cfg = {"kind": "fashion_mnist", "root": "/nowhere"}
    got = [class_id(cfg, v, "x") for v in (8, "8", "Bag", "Ankle boot")]
    assert got == [8, 8, 8, 9]
    assert class_id(cfg, "Bag", "x", among=[0, 8]) == 8
    with pytest.raises(DataError, match=r"^--label: 'Bag' is not a class of this study"):
        class_id(cfg, "Bag", "--label", among=[0, 1])
    for bad in ("Sock", 10, "10"):  # not in the dataset: the setting is named
        with pytest.raises(DataError, match=r"^class_pairs\.pairs: .* not a class of the dataset"):
            class_id(cfg, bad, "class_pairs.pairs")


def _ref_class_indices(labels, c, max_images):
    out = []
    for i, label in enumerate(labels):
        if label == c and (max_images is None or len(out) < max_images):
            out.append(i)
    return out


@pytest.mark.parametrize("max_images", [None, 1, 3, 1000])
def test_class_image_indices(max_images):
    labels = np.random.default_rng(4).integers(-1, 4, size=80)
    for c in range(-1, 5):
        assert class_image_indices(labels, c, max_images).tolist() == \
            _ref_class_indices(labels, c, max_images)
    classes = [3, 0]
    expected = sorted(i for c in classes for i in _ref_class_indices(labels, c, max_images))
    assert subset_indices(labels, classes, max_images).tolist() == expected
    assert subset_indices(labels, [], max_images).tolist() == []


# --- Fashion-MNIST --------------------------------------------------------------------------

needs_fashion = pytest.mark.skipif(
    not (FASHION_ROOT / "train-images-idx3-ubyte.gz").exists(),
    reason=f"Fashion-MNIST not installed in {FASHION_ROOT} (apt-get install "
           "dataset-fashion-mnist)")

FASHION_SPEC = InputSpec(size=28, channels=1, mean=(0.2860,), std=(0.3530,))


@pytest.fixture(scope="module")
def fashion_train():
    return FashionMNIST(FASHION_ROOT, "train", FASHION_SPEC)


@pytest.fixture(scope="module")
def raw_first_image():
    with gzip.open(FASHION_ROOT / "train-images-idx3-ubyte.gz") as f:
        header = f.read(16)
        first = f.read(28 * 28)
    with gzip.open(FASHION_ROOT / "train-labels-idx1-ubyte.gz") as f:
        label = f.read(9)[8]
    assert int.from_bytes(header[4:8], "big") == 60000
    return [[first[r * 28 + c] for c in range(28)] for r in range(28)], label


@needs_fashion
def test_fashion_mnist_train_split(fashion_train):
    assert len(fashion_train) == 60000
    assert np.bincount(fashion_train.labels).tolist() == [6000] * 10
    x, label = fashion_train[59999]
    assert x.shape == (1, 28, 28) and 0 <= label < 10


@needs_fashion
def test_fashion_mnist_first_image_is_the_raw_bytes(fashion_train, raw_first_image):
    raw, raw_label = raw_first_image
    x, label = fashion_train[0]
    assert label == raw_label
    expected = torch.tensor([[(v / 255 - 0.2860) / 0.3530 for v in row] for row in raw])
    torch.testing.assert_close(x[0], expected, atol=1e-5, rtol=0)


@needs_fashion
def test_fashion_mnist_test_split():
    ds = FashionMNIST(FASHION_ROOT, "test", FASHION_SPEC)
    assert len(ds) == 10000
    assert np.bincount(ds.labels).tolist() == [1000] * 10


def _ref_bilinear(img, size):
    """Bilinear resampling with half-pixel centres (align_corners=False), by loops."""
    n = len(img)
    scale = n / size

    def source(d):
        s = max((d + 0.5) * scale - 0.5, 0.0)
        i0 = min(math.floor(s), n - 1)
        return i0, min(i0 + 1, n - 1), s - i0

    out = []
    for r in range(size):
        r0, r1, fr = source(r)
        row = []
        for c in range(size):
            c0, c1, fc = source(c)
            top = img[r0][c0] * (1 - fc) + img[r0][c1] * fc
            bottom = img[r1][c0] * (1 - fc) + img[r1][c1] * fc
            row.append(top * (1 - fr) + bottom * fr)
        out.append(row)
    return out


@needs_fashion
def test_fashion_mnist_upsampled_to_32(raw_first_image):
    spec = InputSpec(size=32, channels=1, mean=(0.2860,), std=(0.3530,))
    x, _ = FashionMNIST(FASHION_ROOT, "train", spec)[0]
    assert x.shape == (1, 32, 32)
    raw = [[v / 255 for v in row] for row in raw_first_image[0]]
    expected = torch.tensor([[(v - 0.2860) / 0.3530 for v in row]
                             for row in _ref_bilinear(raw, 32)])
    torch.testing.assert_close(x[0], expected, atol=1e-5, rtol=0)


@needs_fashion
def test_fashion_mnist_three_channels(raw_first_image):
    spec = InputSpec(size=28, channels=3, mean=(0.1, 0.2, 0.3), std=(0.5, 1.0, 2.0))
    x, _ = FashionMNIST(FASHION_ROOT, "train", spec)[0]
    assert x.shape == (3, 28, 28)
    raw = torch.tensor(raw_first_image[0], dtype=torch.float32) / 255
    for c in range(3):  # the same grey image in each channel, each normalised on its own
        torch.testing.assert_close(x[c] * spec.std[c] + spec.mean[c], raw, atol=1e-6, rtol=0)
