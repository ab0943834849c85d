"""The tiny end-to-end study, run once per test session for the workflow tests, whichever
of the session's workers (pytest-xdist) asks first; the others wait for it and read it."""

import json
import os
import time

import pytest
import yaml
from filelock import FileLock

from tests.e2e import REPO_BEFORE, TINY, repo_changes, run_snakemake


@pytest.fixture(scope="session")
def study(tmp_path_factory):
    base = tmp_path_factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    root = shared / "study"
    config, done = root / "config.yaml", root / "done.json"
    with FileLock(str(shared / "study.lock")):
        if not done.exists():
            root.mkdir(exist_ok=True)
            config.write_text(yaml.safe_dump({**TINY, "results": str(root / "results")}))
            before = {"status": repo_changes(), "time": time.time()}
            run = run_snakemake(config)
            assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
            done.write_text(json.dumps(before))
    REPO_BEFORE.update(json.loads(done.read_text()))
    return root / "results", config
