"""The workflow's steps: one module per stage, mirroring ``workflow/rules/<stage>.smk``.

A step is a function named like its rule, ``def graph(p, *, structure, store, ..., json,
graphml)``: ``p`` holds the settings the rule passes (the config subset it depends on) and
every other parameter is one of the rule's named inputs, outputs or wildcards, typed as
``Path`` (one file), ``Path | None`` (an optional file), ``list[Path]`` (any number), ``int``
or ``str``. The command line (``summit <step> --params JSON --<name> …``) and the rules'
argument lists are generated from these signatures, so a step's files are named once.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import typing
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

KINDS = {Path: "file", Path | None: "optional", list[Path]: "files", int: "int", str: "str"}


@dataclass(frozen=True)
class Step:
    """A registered step: its function and the kind of each named argument."""

    name: str
    stage: str
    fn: Callable[..., None]
    arguments: dict[str, str]  # parameter name -> one of KINDS' values

    @property
    def summary(self) -> str:
        return next(iter((self.fn.__doc__ or "").strip().splitlines()), "")


REGISTRY: dict[str, Step] = {}


def step(fn: Callable[..., None]) -> Callable[..., None]:
    """Register ``fn`` as the step of the rule with its name."""
    hints = typing.get_type_hints(fn)
    arguments = {}
    for name, param in inspect.signature(fn).parameters.items():
        if name == "p":
            continue
        if param.kind is not inspect.Parameter.KEYWORD_ONLY or hints.get(name) not in KINDS:
            raise TypeError(f"step {fn.__name__}: argument {name} must be keyword-only and "
                            f"typed as one of {list(KINDS)}")
        arguments[name] = KINDS[hints[name]]
    REGISTRY[fn.__name__] = Step(fn.__name__, fn.__module__.rsplit(".", 1)[-1], fn, arguments)
    return fn


def steps() -> dict[str, Step]:
    """Every step (importing the stage modules, every module of this package, registers
    them; a new stage needs no entry here)."""
    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")
    return REGISTRY


def flag(argument: str) -> str:
    """The command-line flag of a step argument."""
    return "--" + argument.replace("_", "-")


def arguments(name: str, values: dict[str, Any]) -> list[str]:
    """The command-line arguments of step ``name`` from a rule's named inputs, outputs and
    wildcards (``values``); names the step does not take are the rule's own dependencies."""
    out = []
    for arg, kind in steps()[name].arguments.items():
        value = values.get(arg)
        if kind == "files" or (kind == "optional" and not isinstance(value, str)):
            files = [] if value is None else ([value] if isinstance(value, str) else
                                              list(value))
            if files:
                out += [flag(arg), *map(str, files)]
            continue
        if value is None:
            raise KeyError(f"rule {name}: no input, output or wildcard named {arg!r}")
        out += [flag(arg), str(value)]
    return out
