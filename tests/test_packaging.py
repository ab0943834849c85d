"""A non-editable install works: the wheel ships every module and the schema, and the installed
copy (not the source tree) validates the shipped config.

Offline: the wheel is built from a copy of the project with the venv's setuptools
(``--no-build-isolation --no-index``) and installed with ``--no-deps --target``; the installed
copy runs under ``python -S -P`` with only that target and the venv's site-packages on the path,
so the editable install's ``.pth`` (which puts ``src/`` on the path) is not processed.
"""

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import textwrap
import zipfile
from pathlib import Path

import pytest

from summit.config import config_table

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "summit"


def _pip(*args: str, cwd: Path) -> None:
    subprocess.run([sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-cache-dir",
                    *args], cwd=cwd, check=True, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """A wheel built from a copy of pyproject.toml and src/ (the tree itself is not touched)."""
    tmp = tmp_path_factory.mktemp("wheel")
    project = tmp / "project"
    project.mkdir()
    shutil.copy2(ROOT / "pyproject.toml", project)
    shutil.copytree(ROOT / "src", project / "src",
                    ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    _pip("wheel", "--no-deps", "--no-build-isolation", "--no-index", "-w", str(tmp / "dist"),
         str(project), cwd=tmp)
    (built,) = (tmp / "dist").glob("summit_study-*.whl")
    return built


def _package_files() -> set[str]:
    """Every module and data file of the package, as wheel paths (summit/...)."""
    return {f"summit/{p.relative_to(PACKAGE).as_posix()}" for p in PACKAGE.rglob("*")
            if p.is_file() and p.suffix in (".py", ".yaml", ".json", ".tsv")
            and "__pycache__" not in p.parts}


@pytest.mark.slow
def test_wheel_ships_every_module_the_schema_and_the_entry_point(wheel):
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
        dist_info = next(n.split("/")[0] for n in names if n.endswith(".dist-info/METADATA"))
        entry_points = z.read(f"{dist_info}/entry_points.txt").decode()
        metadata = z.read(f"{dist_info}/METADATA").decode()
    assert {"summit/config.schema.yaml", "summit/io/imagenet_classes.tsv"} <= names
    assert _package_files() <= names, sorted(_package_files() - names)
    assert "[console_scripts]\nsummit = summit.cli:main" in entry_points
    requires = [line.split(":", 1)[1].strip() for line in metadata.splitlines()
                if line.startswith("Requires-Dist:")]
    for dep in ("numba", "scikit-learn", "jsonschema", "pyyaml"):
        assert any(r.lower().startswith(dep) for r in requires), (dep, requires)


@pytest.mark.slow
def test_installed_copy_validates_the_shipped_config(wheel, tmp_path):
    site = tmp_path / "site"
    _pip("install", "--no-deps", "--no-index", "--target", str(site), str(wheel), cwd=tmp_path)
    deps = sysconfig.get_paths()["purelib"]  # the venv's packages, without its .pth files
    code = textwrap.dedent(f"""
        import json, sys
        from pathlib import Path
        import summit, summit.config, summit.settings
        site = Path({str(site)!r}).resolve()
        assert [Path(p).resolve() for p in summit.__path__] == [site / "summit"], summit.__path__
        assert Path(summit.config.__file__).resolve().parent == site / "summit"
        assert not any(Path(p).resolve() == Path({str(ROOT / "src")!r}) for p in sys.path)
        cfg = summit.config.load({str(ROOT / "config.yaml")!r})
        graph = summit.settings.GraphSettings.from_config(cfg["graph"])
        import summit.io.class_index
        assert len(summit.io.class_index.load("imagenet").names) == 1000
        print(json.dumps({{"schema": str(summit.config.SCHEMA), "config": cfg,
                          "share": graph.share, "table": summit.config.config_table()}}))
    """)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env["PYTHONPATH"] = os.pathsep.join([str(site), deps])
    out = subprocess.run([sys.executable, "-S", "-P", "-c", code], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert Path(result["schema"]).resolve() == (site / "summit" / "config.schema.yaml").resolve()
    assert result["config"]["dataset"]["kind"] == "fashion_mnist"
    assert result["config"]["graph"]["share"] == result["share"]
    assert result["table"] == config_table()


@pytest.mark.slow
def test_installed_copy_runs_the_command_line(wheel, tmp_path):
    """`summit --help` from the installed copy lists every step (the steps are discovered
    from the installed package, not the source tree)."""
    from summit.steps import steps

    site = tmp_path / "site"
    _pip("install", "--no-deps", "--no-index", "--target", str(site), str(wheel), cwd=tmp_path)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env["PYTHONPATH"] = os.pathsep.join([str(site), sysconfig.get_paths()["purelib"]])
    code = ("import sys, summit.cli; assert summit.cli.__file__.startswith(sys.argv[1]); "
            "sys.argv[0] = 'summit'; summit.cli.main(['--help'])")
    out = subprocess.run([sys.executable, "-S", "-P", "-c", code, str(site)], cwd=tmp_path,
                         env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("usage: summit")
    for name in steps():
        assert name in out.stdout, name
