"""Refresh the README's demo section from a finished run: ``python -m summit.dev.readme
results`` copies the run's figures and written passages (``analysis/*.md``) into
``workflow/report/demo/`` and pastes each passage between ``<!-- NAME:start -->`` and
``<!-- NAME:end -->`` in README.md, so the README quotes the run, never numbers typed by
hand, and a test holds the README to the checked-in copies (``readme_regions``)."""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from summit.config import replace_region
from summit.render.registry import readme_figures

DEMO = Path("workflow/report/demo")
# The README's demo figures (summit.render.registry): copy name → the run's figure (under
# results/figures).
FIGURES = readme_figures()
# The run's passages the README quotes (under results/analysis), when the run wrote them.
PASSAGES = ("findings", "stability", "faithfulness", "model_comparison", "seeds", "explained",
            "ground_truth", "randomization")
MAX_WIDTH = 1400  # pixels of a README copy


def readme_regions(text: str) -> dict[str, str]:
    """The README's pasted passages by name (generated tables excluded: no ``.md`` copy)."""
    return {m[1]: m[2] for m in re.finditer(
        r"<!-- (\w[\w-]*):start -->\n(.*?)<!-- \1:end -->", text, flags=re.S)}


def _copy_figure(source: Path, target: Path) -> None:
    """A copy at most ``MAX_WIDTH`` wide, in 256 colours (the README shows them scaled anyway,
    and the repository keeps every refresh)."""
    from PIL import Image

    with Image.open(source) as image:
        image = image.convert("RGB")
        if image.width > MAX_WIDTH:
            image = image.resize((MAX_WIDTH, round(image.height * MAX_WIDTH / image.width)),
                                 Image.LANCZOS)
        image.quantize(256).save(target, optimize=True)


def refresh(results: Path, readme: Path, demo: Path,
            only: list[str] | None = None) -> list[str]:
    """Copy the run's figures and passages to ``demo`` and paste the passages (``only``:
    just these names, e.g. a later run's ``seeds``); returns what was refreshed."""
    done = []
    demo.mkdir(parents=True, exist_ok=True)
    for name, figure in FIGURES.items():
        if only is not None and name not in only:
            continue
        if (results / "figures" / figure).is_file():
            _copy_figure(results / "figures" / figure, demo / f"{name}.png")
            done.append(f"{name}.png")
    text = readme.read_text(encoding="utf-8")
    for name in PASSAGES:
        if only is not None and name not in only:
            continue
        passage = results / "analysis" / f"{name}.md"
        if not passage.is_file():
            continue
        body = passage.read_text(encoding="utf-8").rstrip("\n") + "\n"
        (demo / f"{name}.md").write_text(body, encoding="utf-8")
        text = replace_region(text, f"<!-- {name}:start -->", f"<!-- {name}:end -->", body)
        done.append(f"{name}.md")
    readme.write_text(text, encoding="utf-8")
    return done


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m summit.dev.readme", description=__doc__)
    parser.add_argument("results", type=Path, help="a finished run's results folder")
    parser.add_argument("--readme", type=Path, default=Path("README.md"))
    parser.add_argument("--demo", type=Path, default=DEMO, help="where the copies go")
    parser.add_argument("--only", nargs="+", choices=[*FIGURES, *PASSAGES], metavar="NAME",
                        help="refresh only these figures and passages (default: all the run "
                             f"wrote): {', '.join([*FIGURES, *PASSAGES])}")
    a = parser.parse_args(argv)
    if not (a.results / "analysis").is_dir():
        print(f"{a.results}: no analysis/ folder; give a finished run's results folder",
              file=sys.stderr)
        return 2
    print(f"{a.readme}: refreshed " + ", ".join(refresh(a.results, a.readme, a.demo, a.only)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
