"""The map matches the land: ARCHITECTURE.md names modules that exist and every module that
exists, imports flow one way between the sub-packages (no library module calls a step), and
no module or function outgrows what a reader can hold (400 and 60 lines)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "summit"
ARCHITECTURE = (ROOT / "ARCHITECTURE.md").read_text()

# Each part of the package and its floor: a module may import its own part and lower floors
# only, so no arrow of the house runs back up.
FLOORS = {
    "errors": 0, "config": 0.1, "settings": 0.2,      # foundation: the config and its types
    "io": 1,                                           # files, the store, the data
    "model": 2,                                        # the network and its graph of hops
    "method": 3,                                       # Summit itself
    "analyses": 4, "evidence": 4,                      # what is read from the graphs
    "explain": 4.5,                                    # one image: its graph and evidence
    "ground_truth": 4.6,                               # planted features checked
    "randomization": 4.6,                              # randomized models set against it
    "render": 5,                                       # figures and the site's data
    "provenance": 6, "startup": 6, "stages": 6, "jobs": 6,  # the workflow side
    "steps": 6.1, "plan": 6.15, "explain_image": 6.18,
    "cli": 6.2, "render_channels": 6.2, "__main__": 6.3,
    "dev": 7,                                          # benchmarks, README tooling
}
MAX_MODULE_LINES, MAX_FUNCTION_LINES = 400, 60


def _modules() -> dict[str, Path]:
    """Every module of the package by dotted name (``summit.method.graphs``)."""
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        out[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return out


MODULES = _modules()


def _part(module: str) -> str:
    """The part of the house a dotted module name is in (``summit.method.graphs``: method)."""
    return module.split(".")[1] if module.count(".") else "summit"


def _imports(path: Path) -> list[tuple[int, str]]:
    """The summit modules ``path`` imports, anywhere in it (imports inside functions too)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "summit":
                found += [(node.lineno, f"summit.{a.name}") for a in node.names]
            elif node.module.startswith("summit."):
                found.append((node.lineno, node.module))
        elif isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.startswith("summit.")]
    return found


def test_every_part_of_the_package_has_a_floor():
    parts = {_part(m) for m in MODULES} - {"summit"}
    assert parts <= set(FLOORS), f"give {sorted(parts - set(FLOORS))} a floor in FLOORS"


@pytest.mark.parametrize("module", sorted(m for m in MODULES if m != "summit"))
def test_imports_flow_down(module):
    here = _part(module)
    up = [f"line {line}: {target}" for line, target in _imports(MODULES[module])
          if _part(target) != here and FLOORS.get(_part(target), 99) >= FLOORS[here]]
    assert not up, f"{module} (floor {FLOORS[here]}) imports upward or sideways: {up}"


def test_no_library_module_imports_a_step():
    workflow = {p for p, floor in FLOORS.items() if floor >= 6}
    callers = [m for m in MODULES if _part(m) not in workflow
               and any(t.startswith("summit.steps") for _, t in _imports(MODULES[m]))]
    assert not callers


def test_no_module_or_function_outgrows_a_reader():
    long = []
    for module, path in MODULES.items():
        text = path.read_text()
        if len(text.splitlines()) > MAX_MODULE_LINES:
            long.append(f"{module}: {len(text.splitlines())} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                n = node.end_lineno - node.lineno + 1
                if n > MAX_FUNCTION_LINES:
                    long.append(f"{module}.{node.name} (line {node.lineno}): {n} lines")
    assert not long, long


def _named_in_architecture() -> set[str]:
    return set(re.findall(r"\bsummit(?:\.[a-z_]+)+", ARCHITECTURE))


def _resolves(name: str) -> bool:
    """A dotted name is a module, or an attribute defined at the top of one."""
    parts = name.split(".")
    for cut in range(len(parts), 1, -1):
        module = ".".join(parts[:cut])
        if module in MODULES:
            rest = parts[cut:]
            if not rest:
                return True
            tree = ast.parse(MODULES[module].read_text())
            names = {getattr(n, "name", None) for n in tree.body} | {
                t.id for n in tree.body if isinstance(n, ast.Assign) for t in n.targets
                if isinstance(t, ast.Name)}
            return len(rest) == 1 and rest[0] in names
    return False


def test_what_the_map_names_exists():
    missing = sorted(n for n in _named_in_architecture() if not _resolves(n))
    paths = set(re.findall(r"`((?:src|workflow|site|tests|envs|config)/[\w./-]+)`", ARCHITECTURE))
    missing += sorted(p for p in paths if "<" not in p and not (ROOT / p).exists())
    assert not missing, f"ARCHITECTURE.md names what does not exist: {missing}"


def test_the_map_shows_every_module():
    """Each module appears in ARCHITECTURE.md's package table (by its name in its part)."""
    shown = ARCHITECTURE.split("## The package", 1)[1].split("\n## ", 1)[0]
    absent = [m for m in MODULES if m.count(".") >= 1 and not m.endswith("__main__")
              and not re.search(rf"\b{re.escape(m.rsplit('.', 1)[1])}\b", shown)]
    assert not absent, f"add {absent} to ARCHITECTURE.md's package table"
