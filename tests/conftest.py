"""The tiny end-to-end study, run once per session for the workflow tests."""

import time

import pytest
import yaml

from tests.e2e import REPO_BEFORE, TINY, repo_changes, run_snakemake


@pytest.fixture(scope="session")
def study(tmp_path_factory):
    root = tmp_path_factory.mktemp("study")
    config = root / "config.yaml"
    config.write_text(yaml.safe_dump({**TINY, "results": str(root / "results")}))
    REPO_BEFORE["status"] = repo_changes()
    REPO_BEFORE["time"] = time.time()
    run = run_snakemake(config)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    return root / "results", config
