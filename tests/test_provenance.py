"""Provenance: checksums that change with the data, versions, and a JSON-safe record."""

import json
import os
import subprocess

from PIL import Image

from summit import provenance
from summit.provenance import collect, dataset_checksum


def _folder(root, sizes):
    for cls, n in sizes.items():
        (root / cls).mkdir(parents=True, exist_ok=True)
        for i in range(n):
            Image.new("L", (4, 4), i * 20).save(root / cls / f"{i}.png")


def test_image_folder_manifest_changes_with_files(tmp_path):
    _folder(tmp_path / "a", {"cat": 2, "dog": 3})
    cfg = {"kind": "image_folder", "root": str(tmp_path / "a")}
    first = dataset_checksum(cfg)
    assert first["files"] == 5 and "manifest" in first["method"]
    assert dataset_checksum(cfg) == first  # deterministic
    Image.new("L", (5, 5)).save(tmp_path / "a" / "dog" / "new.png")
    assert dataset_checksum(cfg)["sha256"] != first["sha256"]


def test_fashion_mnist_checksum_hashes_contents(tmp_path):
    from summit.io.fashion_mnist import FASHION_MNIST_FILES

    for pair in FASHION_MNIST_FILES.values():
        for name in pair:
            (tmp_path / name).write_bytes(name.encode())
    cfg = {"kind": "fashion_mnist", "root": str(tmp_path)}
    first = dataset_checksum(cfg)
    assert first["files"] == 4
    (tmp_path / "t10k-labels-idx1-ubyte.gz").write_bytes(b"changed")
    assert dataset_checksum(cfg)["sha256"] != first["sha256"]


def test_collect_records_config_versions_and_checksums(tmp_path):
    _folder(tmp_path / "d", {"x": 1, "y": 1})
    config = {"dataset": {"kind": "image_folder", "name": "D", "root": str(tmp_path / "d")},
              "title": 'quote " and <b>'}
    card = {"name": "m", "weights": "w.pt", "weights_sha256": "ab" * 32, "parameters": 3}
    record = collect(config, card)
    assert record["config"] == config
    assert record["packages"]["torch"] and record["packages"]["numpy"]
    assert record["model"]["weights_sha256"] == "ab" * 32
    assert record["dataset"]["files"] == 2
    assert collect(config, card) == record  # no timestamps: equal runs, equal records
    json.dumps(record, allow_nan=False)


def test_the_code_state_is_read_without_writing_to_the_checkout(tmp_path, monkeypatch):
    """`git status` refreshes a stale index by rewriting .git/index unless told not to."""
    def git(*args):
        subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args],
                       cwd=tmp_path, check=True, capture_output=True)

    git("init", "-q")
    (tmp_path / "code.py").write_text("x = 1\n")
    git("add", "code.py")
    git("commit", "-qm", "code")
    index = tmp_path / ".git" / "index"
    os.utime(tmp_path / "code.py", (1, 1))  # same content, other time: the index is stale
    os.utime(index, (2, 2))
    before = index.read_bytes()
    monkeypatch.setattr(provenance, "__file__", str(tmp_path / "code.py"))
    assert provenance._git("status", "--porcelain", "--untracked-files=no") == ""
    assert index.read_bytes() == before and index.stat().st_mtime == 2
