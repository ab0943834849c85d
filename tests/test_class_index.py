"""The map between class folders and model outputs: each file format against the rows it
states, the built-in ImageNet map against torchvision's own WordNet ids, and the dataset's
labels, classes and test folder through the map."""

import json

import numpy as np
import pytest
from PIL import Image

from summit.io.class_index import ClassIndex, load
from summit.io.data import (
    DataError,
    ImageFolderDataset,
    InputSpec,
    class_folders,
    class_names,
    evaluation_root,
    open_dataset,
    study_classes,
)

SPEC = InputSpec(8, 3, (0.5,) * 3, (0.25,) * 3)
ROWS = [("n01440764", "tench"), ("n01443537", "goldfish"), ("n01484850", "great white shark")]


def _images(root, folders, n=2):
    for f in folders:
        (root / f).mkdir(parents=True, exist_ok=True)
        for i in range(n):
            Image.new("RGB", (8, 8), (i, 0, 0)).save(root / f / f"{i}.png")
    return root


@pytest.mark.parametrize("name, text", [
    ("synsets.txt", "".join(f"{f} {n}\n" for f, n in ROWS)),  # LOC_synset_mapping.txt
    ("tabs.txt", "\ufeff" + "".join(f"{f}\t{n}\r\n" for f, n in ROWS)),  # BOM, CRLF
    ("plain.txt", "# folders in output order\n" + "".join(f"{f}\n" for f, _ in ROWS)),
    ("list.json", json.dumps([f for f, _ in ROWS])),
    ("list.yaml", "".join(f"- {f}\n" for f, _ in ROWS)),
    ("keras.json", json.dumps({str(i): [f, n] for i, (f, n) in enumerate(ROWS)})),
    ("by_index.json", json.dumps({str(i): f for i, (f, _) in enumerate(ROWS)})),
])
def test_every_format_states_the_same_map(tmp_path, name, text):
    (tmp_path / name).write_text(text)
    index = load(str(tmp_path / name))
    assert index.folders == {f: i for i, (f, _) in enumerate(ROWS)}
    named = any(x in name for x in ("synsets", "tabs", "keras"))
    assert index.names == tuple(n if named else f for f, n in ROWS)
    assert index.exact and index.given and index.fits(3) and not index.fits(4)


def test_folder_names_with_spaces_are_whole_lines(tmp_path):
    (tmp_path / "classes.txt").write_text("golden retriever\nsea lion\tthe sea lion\n")
    index = load(str(tmp_path / "classes.txt"))
    assert index.folders == {"golden retriever": 0, "sea lion": 1}
    assert index.names == ("golden retriever", "the sea lion")


def test_a_map_of_some_folders_names_the_rest_by_index(tmp_path):
    (tmp_path / "m.json").write_text(json.dumps({"cat": 3, "dog": 1}))
    index = load(str(tmp_path / "m.json"))
    assert index.names == ("output 0", "dog", "output 2", "cat")
    assert index.folders == {"cat": 3, "dog": 1}
    assert not index.exact and index.fits(4) and index.fits(1000) and not index.fits(3)


@pytest.mark.parametrize("name, text, says", [
    ("twice.txt", "a\nb\na\n", "folder 'a' is listed for outputs 0 and 2"),
    ("empty.txt", "\n# nothing\n", "no lines"),
    ("gap.json", json.dumps({"0": "a", "2": "b"}), "its output indices are not 0 to 1"),
    ("two.json", json.dumps({"a": 1, "b": 1}), "folders 'a' and 'b' are both output 1"),
    ("negative.json", json.dumps({"a": -1}), "negative output index"),
    ("number.json", "7", "not a format the study reads"),
    ("bad.yaml", "a: [1, 2\nb: 3\n", "cannot be read (ParserError)"),
])
def test_a_bad_file_is_one_line_naming_it(tmp_path, name, text, says):
    (tmp_path / name).write_text(text)
    with pytest.raises(DataError, match=r"^dataset\.class_index") as info:
        load(str(tmp_path / name))
    assert says in str(info.value) and name in str(info.value) and "\n" not in str(info.value)


def test_a_missing_file_or_folder(tmp_path):
    for path, says in [(tmp_path / "nope.txt", "does not exist"), (tmp_path, "is a folder")]:
        with pytest.raises(DataError, match=rf"^dataset\.class_index: .* {says}; give imagenet"):
            load(str(path))


def test_the_built_in_imagenet_map_is_torchvisions_order():
    """torchvision's output order is the sorted WordNet ids; its Imagenette subset names ten
    of them with their classes, and its weights' metadata the class names."""
    from torchvision.datasets.imagenette import Imagenette
    from torchvision.models._meta import _IMAGENET_CATEGORIES

    index = load("imagenet")
    assert len(index.names) == 1000 and index.exact
    assert list(index.folders) == sorted(index.folders)
    assert list(index.folders.values()) == list(range(1000))
    assert index.names == tuple(_IMAGENET_CATEGORIES)
    for wnid, names in Imagenette._WNID_TO_CLASS.items():
        assert index.names[index.folders[wnid]] == names[0]
    assert index.names[294:296] == ("brown bear", "American black bear")  # the paper's Fig. 9


def test_labels_are_model_outputs_through_the_map(tmp_path):
    root = _images(tmp_path / "train", ["n01484850", "n01440764"])
    cfg = {"kind": "image_folder", "root": str(root), "class_index": "imagenet"}
    ds = open_dataset(cfg, SPEC)
    assert ds.folders == {0: "n01440764", 2: "n01484850"}
    assert sorted(set(ds.labels.tolist())) == [0, 2] and np.bincount(ds.labels)[2] == 2
    assert class_folders(cfg) == ds.folders and len(class_names(cfg)) == 1000
    assert study_classes(cfg) == [0, 2]
    assert study_classes({**cfg, "classes": ["great white shark", "n01440764"]}) == [0, 2]
    assert study_classes({**cfg, "classes": [2]}) == [2]
    with pytest.raises(DataError, match=r"dataset\.classes: 1 is not a class of the dataset"):
        study_classes({**cfg, "classes": [1]})  # an output, but no folder of it here


def test_a_folder_the_map_lacks_is_one_line(tmp_path):
    root = _images(tmp_path / "train", ["n01440764", "cats"])
    cfg = {"kind": "image_folder", "root": str(root), "class_index": "imagenet"}
    for call in (class_folders, lambda c: open_dataset(c, SPEC)):
        with pytest.raises(DataError, match=r"^dataset\.root: class folder\(s\) \['cats'\] of 2 "
                                            r"are not in dataset\.class_index \(imagenet\)"):
            call(cfg)


def test_a_mapped_test_folder_may_hold_other_classes(tmp_path):
    root = _images(tmp_path / "train", ["n01440764", "n01484850"])
    test = _images(tmp_path / "val", ["n01440764", "n01443537", "n01484850"], n=1)
    cfg = {"kind": "image_folder", "root": str(root), "test_root": str(test),
           "class_index": "imagenet"}
    assert evaluation_root(cfg) == test
    assert sorted(set(open_dataset(cfg, SPEC, "test").labels.tolist())) == [0, 1, 2]
    _images(test, ["dogs"], n=1)
    with pytest.raises(DataError, match=r"^dataset\.test_root: class folder\(s\) \['dogs'\]"):
        evaluation_root(cfg)


def test_names_shared_by_two_outputs_are_refused_by_name():
    index = ClassIndex(("crane", "crane", "ox"), {"a": 0, "b": 1, "c": 2}, "test")
    assert index.class_id("b", {0: "a", 1: "b"}) == 1
    with pytest.raises(DataError, match=r"'crane' names outputs \[0, 1\]; give the class's id"):
        index.class_id("crane", {0: "a", 1: "b"})


def test_without_a_map_ids_are_sorted_folders(tmp_path):
    root = _images(tmp_path / "train", ["b", "a"])
    assert ImageFolderDataset(root, SPEC).folders == {0: "a", 1: "b"}
    with pytest.raises(DataError, match=r"^dataset\.class_index: Fashion-MNIST's classes"):
        class_names({"kind": "fashion_mnist", "root": "x", "class_index": "imagenet"})
