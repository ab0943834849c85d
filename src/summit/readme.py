"""Paste a run's written passage into the README: ``python -m summit.readme README.md NAME
FILE`` replaces the lines between ``<!-- NAME:start -->`` and ``<!-- NAME:end -->`` with the
file (e.g. ``results/analysis/faithfulness.md``), so the README quotes the run, never
numbers typed by hand."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from summit.config import replace_region


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m summit.readme", description=__doc__)
    parser.add_argument("readme", type=Path)
    parser.add_argument("name", help="the region's name in its markers")
    parser.add_argument("passage", type=Path, help="the file to paste")
    a = parser.parse_args(argv)
    body = a.passage.read_text(encoding="utf-8").rstrip("\n") + "\n"
    text = a.readme.read_text(encoding="utf-8")
    a.readme.write_text(replace_region(text, f"<!-- {a.name}:start -->",
                                       f"<!-- {a.name}:end -->", body), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
