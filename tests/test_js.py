"""The site's JavaScript tests (tests/js, node's built-in runner): the layout rules and the
data readers against the shared vectors in tests/vectors."""

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NODE = shutil.which("node")


@pytest.mark.skipif(NODE is None, reason="node is not installed: the JS tests (tests/js) "
                                         "did not run")
def test_node_tests_pass():
    run = subprocess.run([NODE, "--test", "tests/js/"], cwd=ROOT, capture_output=True,
                         text=True, timeout=300)
    assert run.returncode == 0, f"node --test tests/js/ failed:\n{run.stdout}\n{run.stderr}"
