"""Every bad input of ``tests/bad_inputs.py`` stops where promised, with its one line on the
console, no traceback as the only explanation, and nothing written where it should not be.

The Snakemake runs are started together (two at a time) by a module fixture, so the ~40 cases
cost about half their serial time; each case is still its own test.
"""

from __future__ import annotations

import copy
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import yaml

from summit.startup import CACHE
from tests.bad_inputs import CASES, TABLE_END, TABLE_START, Case, make_files, readme_with_table
from tests.e2e import E2E, REPO, TINY, run_snakemake

pytestmark = E2E
DEFAULT_LAYERS = ["mixed3a", "mixed3b", "mixed4a", "mixed4b"]


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for k, v in over.items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def _fill(value: Any, names: dict[str, str]) -> Any:
    """``{tmp}`` and ``{results}`` filled in, in every string of a config."""
    if isinstance(value, str):
        return value.format(**names)
    if isinstance(value, dict):
        return {k: _fill(v, names) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, names) for v in value]
    return value


def _run(case: Case, tmp: Path) -> tuple[subprocess.CompletedProcess, Path]:
    results = tmp / f"results-{case.id}"
    names = {"tmp": str(tmp), "results": str(results)}
    config = tmp / f"{case.id}.yaml"
    if case.raw is not None:
        config.write_text(case.raw)
    else:
        config.write_text(yaml.safe_dump(
            # The layers listed, so a case swapping the model meets the check it is about, not
            # `layers: auto` (the tiny study's) on another architecture.
            _fill(_merge({**TINY, "layers": DEFAULT_LAYERS, "results": "{results}"},
                         case.config), names)))
    if case.when == "check":
        return subprocess.run([sys.executable, "-m", "summit.config", str(config)], cwd=REPO,
                              capture_output=True, text=True, timeout=120), results
    args = [*case.args, *([_fill(case.target, names)] if case.target else [])]
    if case.when == "dry run":
        args.append("-n")
    return run_snakemake(config, *args), results


@pytest.fixture(scope="module")
def outcomes(request, tmp_path_factory) -> dict[str, tuple[subprocess.CompletedProcess, Path]]:
    """The selected cases' runs (with ``-k``, only those)."""
    params = [getattr(getattr(item, "callspec", None), "params", {})
              for item in request.session.items]
    selected = {p["case"].id for p in params if isinstance(p.get("case"), Case)}
    tmp = tmp_path_factory.mktemp("bad_inputs")
    make_files(tmp)
    with ThreadPoolExecutor(2) as pool:
        runs = {c.id: pool.submit(_run, c, tmp) for c in CASES if c.id in selected}
        return {k: f.result() for k, f in runs.items()}


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_a_bad_input_stops_with_one_line_saying_what_to_fix(outcomes, case):
    run, results = outcomes[case.id]
    console = run.stdout + run.stderr
    assert run.returncode != 0, console[-3000:]
    lines = [x for x in console.splitlines() if all(s in x for s in case.says[:1])]
    assert lines, f"no line says {case.says[0]!r}:\n{console[-3000:]}"
    assert all(s in lines[-1] for s in case.says), lines[-1]
    assert "Traceback (most recent call last)" not in console
    if case.when != "first job":  # nothing made before the error but a passed check's marker
        made = [p for p in results.rglob("*") if p.is_file()]
        assert all(p.parent == results / CACHE for p in made), made


def test_the_readme_lists_every_tested_bad_input():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert TABLE_START in readme and TABLE_END in readme
    assert readme_with_table(readme) == readme, ("README's bad-inputs table is out of date: "
                                                 "run python -m tests.bad_inputs --readme "
                                                 "README.md")
    assert len(CASES) >= 30
