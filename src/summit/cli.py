"""Command-line entry point: ``summit <step>``, one sub-command per workflow rule.

The sub-commands and their flags are generated from the steps' signatures
(``summit.steps``); each gets its settings as one JSON object (``--params``), the exact
subset of the config it depends on, so Snakemake re-runs a step only when those change.
One more, ``summit layers``, is for people configuring a study: a model's candidate
primary layers (``summit.model.layers``); ``summit explain --config FILE --image PATH``
explains any image with a finished study (``summit.explain_image``). ``summit <step> --batch
JSON --params JSON`` runs a
step for several classes in one process (``summit.jobs``); ``summit plan`` prints a study's
cost before running it (``summit.plan``).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from pathlib import Path
from typing import Any

from summit.errors import SummitError
from summit.steps import flag, steps

log = logging.getLogger("summit")

_ARGUMENT = {
    "file": {"type": Path, "required": True},
    "optional": {"type": Path},
    "files": {"type": Path, "nargs": "*", "default": []},
    "int": {"type": int, "required": True},
    "str": {"required": True},
}


def parser() -> argparse.ArgumentParser:
    """The command line, one sub-command per registered step."""
    top = argparse.ArgumentParser(prog="summit", description=__doc__)
    sub = top.add_subparsers(dest="command", required=True)
    sub.add_parser("layers", add_help=False,
                   help="list a model's candidate primary layers (summit layers --help)")
    sub.add_parser("plan", add_help=False,
                   help="a study's cost per stage before running it (summit plan --help)")
    for name, s in steps().items():
        cmd = sub.add_parser(name, help=s.summary, description=s.fn.__doc__)
        cmd.add_argument("--params", required=True, help="the step's settings as JSON")
        for arg, kind in s.arguments.items():
            cmd.add_argument(flag(arg), dest=arg, **_ARGUMENT[kind])
        cmd.set_defaults(step=s)
    return top


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["layers"]:
        from summit.model.layers import main as layers

        return layers(argv[1:])
    if argv[:1] == ["plan"]:
        from summit.plan.command import main as plan

        return plan(argv[1:])
    if argv[:1] == ["explain"] and "--params" not in argv and "--batch" not in argv:
        from summit.explain_image import main as explain_image

        return explain_image(argv[1:])  # a user's image; the stage's step takes --params
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(name)s %(levelname)s %(message)s")
    if "--batch" in argv:
        return _batch(argv)
    args = vars(parser().parse_args(argv))
    return _run(args.pop("command"), args.pop("step"), json.loads(args.pop("params")), args)


def _run(command: str, s: Any, params: dict[str, Any], args: dict[str, Any]) -> int:
    """Run one step invocation: 0, or 2 after a one-line error."""
    start = time.perf_counter()
    # Rules send stderr to the job's log; the one-line error also goes to stdout, which
    # Snakemake shows on the console, so nobody has to open a log to learn what went wrong.
    try:
        s.fn(params, **args)
    except SummitError as e:
        log.error("%s", e)
        print(f"summit {command}: error: {e}", flush=True)
        return 2
    except Exception as e:
        print(f"summit {command}: unexpected error: {type(e).__name__}: {e} (the traceback "
              "is in the job's log)", flush=True)
        raise
    log.info("%s finished in %.3f s", command, time.perf_counter() - start)
    return 0


def _batch(argv: list[str]) -> int:
    """``summit <step> --batch JSON --params JSON``: the step once per entry of the JSON list
    (each the arguments of one class's job, ``summit.jobs``), in this one process; stops at
    the first failure. Logs each class's time and the work's share of the whole."""
    batch = argparse.ArgumentParser(prog=f"summit {argv[0]}")
    batch.add_argument("--batch", required=True, help="JSON list of argument lists")
    batch.add_argument("--params", required=True, help="the step's settings as JSON")
    known = batch.parse_args(argv[1:])
    start, seconds, commands = time.perf_counter(), [], parser()
    for entry in json.loads(known.batch):
        args = vars(commands.parse_args([argv[0], *entry, "--params", known.params]))
        t = time.perf_counter()
        code = _run(args.pop("command"), args.pop("step"), json.loads(args.pop("params")), args)
        if code:
            return code
        seconds.append(time.perf_counter() - t)
    log.info("batch: %d classes in %.3f s, steps %.3f s", len(seconds),
             time.perf_counter() - start, sum(seconds))
    return 0


if __name__ == "__main__":
    sys.exit(main())
