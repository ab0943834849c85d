"""What the end-to-end tests share: the tiny config, running snakemake, reading a dry run.

The tiny study: 3 classes, 100 images each, a tiny demo model (2 epochs, so the compared
checkpoint differs), run once per session (the ``study`` fixture in ``tests/conftest.py``).
"""

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
FMNIST = Path("/usr/share/datasets/fashion-mnist")
TINY = {
    "title": "tiny <study> \"quoted\"",
    "dataset": {"classes": [0, 1, 2], "max_images_per_class": 100},
    "model": {"width": 0.25, "train": {"epochs": 2, "max_images": 2048, "batch_size": 32,
                                       "lr": 0.05}},
    "class_pairs": {"pairs": [[0, "Pullover"]]},
    "separability": {"max_images_per_class": 60},
    "batch_size": 64,
    "featvis": {"steps": 16, "diversity": 2},
    "faithfulness": {"images_per_class": 30, "repeats": 4, "curve_orders": 2,
                     "specificity_images": 10, "reference_images": 60, "bootstrap": 200},
    "stability": {"groups": 4, "resamples": 8, "split_halves": 3},
    "layers": "auto",  # the demo net's four inception blocks, as the default study lists them
    "plan_at_start": False,  # timed once, in the first-look example's test
}

E2E = [
    pytest.mark.e2e,
    pytest.mark.skipif(shutil.which("snakemake", path=str(Path(sys.executable).parent)) is None,
                       reason="snakemake is not installed in this environment"),
    pytest.mark.skipif(not FMNIST.exists(), reason="apt package dataset-fashion-mnist absent"),
]


def e2e(test: Callable) -> Callable:
    """The end-to-end tests' marks on one test of a module that has other tests."""
    for mark in E2E:
        test = mark(test)
    return test


def run_snakemake(config: Path, *args: str, env: dict[str, str] | None = None,
                  activated: bool = True) -> subprocess.CompletedProcess:
    """``snakemake --cores 2`` on ``config`` from the repository, with the environment's
    ``bin`` first on PATH as after activating it, or (``activated=False``) by its full path
    with that folder nowhere on PATH, as ``.venv/bin/snakemake`` run without activating."""
    bin_dir = str(Path(sys.executable).parent)
    path = [p for p in os.environ["PATH"].split(os.pathsep) if p != bin_dir]
    env = {**os.environ, **(env or {}),
           "PATH": os.pathsep.join([bin_dir, *path] if activated else path)}
    exe = "snakemake" if activated else str(Path(bin_dir) / "snakemake")
    return subprocess.run([exe, "--cores", "2", f"--configfile={config}", *args],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=900)


def repo_changes() -> str | None:
    """The repository's tracked and untracked (not ignored) changes, or None without git."""
    try:
        out = subprocess.run(["git", "status", "--porcelain", "--untracked-files=all"],
                             cwd=REPO, capture_output=True, text=True, timeout=60)
    except OSError:
        return None
    return out.stdout if out.returncode == 0 else None


REPO_BEFORE: dict[str, str | None] = {}

LAYERS = ["mixed3a", "mixed3b", "mixed4a", "mixed4b"]


def job_counts(out: str) -> dict[str, int]:
    """The dry run's job-stats table as {rule: count}."""
    table = out.split("Job stats:")[1].split("total")[0]
    return {p[0]: int(p[1]) for line in table.splitlines()
            if len(p := line.split()) == 2 and p[1].isdigit()}
