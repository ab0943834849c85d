"""What a study was made from, recorded with its results: the validated config, package
versions, platform, the model's checksum and a checksum of the dataset.

The dataset checksum hashes file contents where that is cheap (Fashion-MNIST's four gz
files) and, for image folders, a manifest of every image's relative path and size (hashing
the contents of ImageNet would read 150 GB); the method is recorded beside the digest.
"""

from __future__ import annotations

import hashlib
import json
import platform
import subprocess
from importlib import metadata
from pathlib import Path
from typing import Any

from summit.io.checksum import sha256_files

PACKAGES = ["summit-study", "torch", "torchvision", "numpy", "scipy", "zarr", "networkx",
            "umap-learn", "numba", "torch-lucent", "matplotlib", "snakemake"]


def dataset_checksum(dataset_cfg: dict[str, Any]) -> dict[str, Any]:
    """``{method, sha256, files}`` for the configured dataset (train and test parts)."""
    if dataset_cfg["kind"] == "fashion_mnist":
        from summit.io.fashion_mnist import FASHION_MNIST_FILES

        root = Path(dataset_cfg["root"])
        files = [root / name for pair in FASHION_MNIST_FILES.values() for name in pair]
        files = [f for f in files if f.is_file()]
        return {"method": "sha256 of the file contents", "sha256": sha256_files(files),
                "files": len(files)}
    digest, n = hashlib.sha256(), 0
    for key in ("root", "test_root"):
        if not dataset_cfg.get(key):
            continue
        root = Path(dataset_cfg[key])
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            digest.update(f"{key}/{path.relative_to(root).as_posix()}\t{path.stat().st_size}\n"
                          .encode())
            n += 1
    return {"method": "sha256 of the manifest (relative path and size of every file)",
            "sha256": digest.hexdigest(), "files": n}


def _git(*args: str) -> str | None:
    """A read-only git command in the code's checkout; --no-optional-locks keeps `git status`
    from rewriting the checkout's .git/index (nothing is written outside the results)."""
    try:
        out = subprocess.run(["git", "--no-optional-locks", *args], capture_output=True, text=True,
                             cwd=Path(__file__).resolve().parent, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() if out.returncode == 0 else None


def collect(config: dict[str, Any], model_card: dict[str, Any]) -> dict[str, Any]:
    """The provenance record of a run (no timestamps: two runs of one setup compare equal)."""
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    try:
        import torch

        accelerator = torch.cuda.get_device_name(0) if torch.cuda.is_available() else None
    except ImportError:
        accelerator = None
    return {
        "config": config,
        "config_sha256": hashlib.sha256(json.dumps(config, sort_keys=True).encode()).hexdigest(),
        "code_commit": _git("rev-parse", "HEAD") or None,
        "code_modified": bool(_git("status", "--porcelain", "--untracked-files=no")),
        "packages": versions,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "machine": {"processor": platform.machine(), "accelerator": accelerator},
        "model": {"name": model_card.get("name"), "weights": model_card.get("weights"),
                  "weights_sha256": model_card.get("weights_sha256"),
                  "parameters": model_card.get("parameters")},
        "dataset": {"name": config["dataset"].get("name"), "kind": config["dataset"]["kind"],
                    **dataset_checksum(config["dataset"])},
    }
