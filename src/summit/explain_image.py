"""``summit explain --config FILE --image PATH``: any image explained with a finished study:
its activation set, its own attribution graph (the study's method applied to it alone), how
it relates to its predicted class's graph (and, with ``--label``, to its true class's, with
the channels pulling it away), and ablation evidence; written as JSON and as a figure with
feature visualizations as vertices (PNG and PDF), under the study's results folder."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import numpy as np
import torch
from PIL import Image, UnidentifiedImageError

from summit.errors import SummitError
from summit.io.paths import artifact
from summit.io.pixels import InputSpec, as_model_pixels, to_model_input


def read_image(path: Path, spec: InputSpec, fit: bool) -> tuple[torch.Tensor, np.ndarray]:
    """The model's input and the pixels it sees; without ``fit`` the image must have the
    model's size and channels, with it it is converted as the study reads its folders."""
    try:
        with Image.open(path) as opened:
            img = opened.copy()
    except (OSError, UnidentifiedImageError, ValueError) as e:
        raise SummitError(f"--image {path}: not a readable image ({e}); give a PNG or JPEG "
                          "file") from None
    w, h = img.size
    bands = len(img.getbands())
    fix = "pass --fit to convert it as the study reads its image folders"
    if not fit and (w, h) != (spec.size, spec.size):
        raise SummitError(f"--image {path}: {w}×{h} pixels, but the study's model reads "
                          f"{spec.size}×{spec.size} (input.size); resize it, or {fix}")
    if not fit and bands != spec.channels:
        raise SummitError(f"--image {path}: {bands} channel{'s' * (bands != 1)} ({img.mode}), "
                          f"but the study's model reads {spec.channels} (input.channels); "
                          f"convert it, or {fix}")
    return to_model_input(img, spec), np.asarray(as_model_pixels(img, spec))


def study_files(cfg: dict[str, Any], classes: list[int]) -> dict[str, Any]:
    """The finished study's files the explanation reads; a one-line error naming the first
    one missing."""
    from summit.model.structure import Structure

    r = Path(cfg["results"])
    structure = artifact(r, "structure")
    layers = Structure.load(structure).layers if structure.exists() else []
    files = {"weights": Path(cfg["model"]["weights"] or artifact(r, "weights")),
             "structure": structure,
             "counts": [artifact(r, "counts", layer=x.name) for x in layers],
             "graphs": [artifact(r, "graph", cls=c) for c in classes],
             "nonsemantic": (artifact(r, "nonsemantic")
                             if cfg["graph"]["exclude_nonsemantic"] else None),
             "reference": artifact(r, "faithfulness_reference")}
    need = [files["weights"], structure, *files["counts"], *files["graphs"],
            *[f for f in [files["nonsemantic"]] if f]]
    missing = next((f for f in need if not f.exists()), None)
    if missing is not None:
        raise SummitError(f"{r}: the study has not run ({missing} is missing); run "
                          "`snakemake --cores all --configfile FILE` with this config first")
    if cfg["faithfulness"]["ablation"] != "mean" or not files["reference"].exists():
        files["reference"] = None  # ablated channels become 0
    featvis = [artifact(r, "featvis", layer=x.name) for x in layers]
    files["featvis"] = [f for f in featvis if f.exists()]
    return files


def explain_image(config: Path, image: Path, label: str | None, out: Path | None,
                  fit: bool) -> tuple[dict[str, Any], list[Path]]:
    """The image's record and the files written."""
    from summit.config import validate
    from summit.explain.choose import Chosen
    from summit.explain.explainer import Explainer
    from summit.explain.record import data_uri
    from summit.io import data
    from summit.io.atlas import FeatvisAtlas, load_atlases
    from summit.io.files import write_json
    from summit.plan.stand_in import merged_config
    from summit.render.figures import draw_attribution_graph, save

    if not Path(config).exists():
        raise SummitError(f"--config {config}: no such file")
    cfg = validate(merged_config([str(config)]), source=str(config))
    classes, names = data.study_classes(cfg["dataset"]), data.class_names(cfg["dataset"])
    files = study_files(cfg, classes)
    cid = None if label is None else data.class_id(cfg["dataset"], label, "--label", classes)
    x, pixels = read_image(Path(image), data.InputSpec.from_config(cfg["input"]), fit)
    explainer = Explainer.load({**cfg, "class_ids": classes, "class_names": names},
                               **{k: v for k, v in files.items() if k != "featvis"})
    (rec,) = explainer.explain(x[None].to(explainer.device), [cid], [Chosen(0, 0, "given")],
                               cid if cid is not None else classes[0])
    rec.update(index=None, path=str(image), image=data_uri(pixels))
    out = Path(out or artifact(Path(cfg["results"]), "explain_images"))
    paths = [out / f"{Path(image).stem}.{ext}" for ext in ("json", "png", "pdf")]
    write_json(paths[0], rec)
    p = rec["probabilities"][0]
    title = f"{Path(image).name}: predicted {p['name']} ({p['prob']:.0%}), its own graph"
    save(draw_attribution_graph(rec["graph"], load_atlases(files["featvis"], FeatvisAtlas),
                                title), *paths[1:])
    return rec, paths


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="summit explain", description=__doc__)
    parser.add_argument("--config", type=Path, required=True,
                        help="the study's config file (merged over config.yaml, as by snakemake)")
    parser.add_argument("--image", type=Path, required=True, help="the image (PNG, JPEG, …)")
    parser.add_argument("--label", help="its true class (id or name), if known")
    parser.add_argument("--fit", action="store_true", help="resize, centre-crop and convert "
                        "the image as the study reads its image folders")
    parser.add_argument("--out", type=Path, help="folder of the outputs (default: "
                        "<results>/explain/images)")
    args = parser.parse_args(argv)
    try:
        rec, paths = explain_image(args.config, args.image, args.label, args.out, args.fit)
    except SummitError as e:
        print(f"summit explain: error: {e}", file=sys.stderr, flush=True)
        return 2
    top = rec["probabilities"][0]
    print(f"{args.image}: predicted {top['name']} ({top['prob']:.1%}); its graph: "
          f"{len(rec['graph']['nodes'])} vertices, {len(rec['graph']['edges'])} edges")
    for name, e in rec["evidence"].items():
        print(f"  ablating {name} ({e['size']} channels): logit drop {e['logit_drop']:.3f} "
              f"(random sets {e['random_logit_drop']:.3f}, p = {e['p']:.2g})"
              f"{', prediction flips' if e['flipped'] else ''}")
    print("written: " + ", ".join(map(str, paths)))
    return 0
