"""The bad inputs the study is tested against, and what each gets: one list, run by
``tests/test_bad_inputs.py`` and printed as the README's reliability table
(``python -m tests.bad_inputs --readme README.md``; a test checks the README is current).

Each case is a config merged over the tiny study (``tests/e2e.py``) and, where it needs them,
files made by :func:`make_files` (``{tmp}`` in a value is their folder). ``when`` says where the
run must stop: ``dry run`` (``snakemake -n``, before any job), ``check``
(``python -m summit.config``), ``start`` (a real run, before any job is submitted) or
``first job`` (the first job that reads the bad file; ``target`` names its output).
``says`` are the words the one-line error on the console must contain.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from summit.config import replace_region

TABLE_START = "<!-- bad-inputs:start -->"
TABLE_END = "<!-- bad-inputs:end -->"

FOLDER = {"kind": "image_folder", "name": "Folder", "root": "{tmp}/images",
          "test_root": "{tmp}/images", "classes": [], "max_images_per_class": None}
FOLDER_MODEL = {"kind": "demo", "width": 0.25, "weights": "{tmp}/demo2.pt"}
RESNET = {"kind": "torchvision", "architecture": "resnet18", "kwargs": {"num_classes": 10},
          "weights": "{tmp}/resnet18_10.pt"}
NO_PAIRS = {"pairs": []}  # the tiny study's pair names Fashion-MNIST classes
RGB = {"size": 32, "channels": 3, "mean": [0.5, 0.5, 0.5], "std": [0.25, 0.25, 0.25]}
RESNET_1000 = {**RESNET, "kwargs": {}, "weights": "{tmp}/resnet18_1000.pt"}
IMAGENET = {**FOLDER, "root": "{tmp}/imagenet", "test_root": None, "class_index": "imagenet"}


@dataclass(frozen=True)
class Case:
    id: str
    what: str
    config: dict[str, Any]
    says: tuple[str, ...]
    when: str = "dry run"
    target: str | None = None
    raw: str | None = None  # the config file's text, for cases whose file itself is bad
    args: tuple[str, ...] = field(default=())


CASES = [
    # --- settings -----------------------------------------------------------------------------
    Case("unknown_key", "a key the schema does not know", {"colour": "red"},
         ("colour", "allowed keys are")),
    Case("wrong_type", "a value of the wrong type", {"batch_size": "many"},
         ("batch_size: 'many' is not of type 'integer'",)),
    Case("out_of_range", "a value out of range", {"graph": {"share": 7}},
         ("graph.share: 7 is greater than the maximum of 1",)),
    Case("yaml_syntax", "a YAML syntax error in the `--configfile` (Snakemake reads it before "
         "the workflow and names no line; `python -m summit.config FILE` does)", {},
         ("Config file is not valid JSON or YAML",), raw="x: [1, 2\ny: 3\n"),
    Case("yaml_syntax_check", "the same file checked with `python -m summit.config FILE`", {},
         ("line 2, column 2: YAML syntax error",), when="check", raw="x: [1, 2\ny: 3\n"),
    Case("mean_length", "`input.mean` with more values than `input.channels`",
         {"input": {"mean": [0.5, 0.5]}}, ("input.mean: 2 value(s) but input.channels is 1",)),
    Case("std_length", "`input.std` with fewer values than `input.channels`",
         {"input": {**RGB, "std": [0.2]}}, ("input.std: 1 value(s) but input.channels is 3",)),
    Case("results_under_file", "`results` under an existing file",
         {"results": "{tmp}/a_file/results"}, ("results: ", "which is a file")),
    Case("results_is_file", "`results` naming an existing file", {"results": "{tmp}/a_file"},
         ("results: ", "is a file; choose a folder")),
    Case("results_empty", "an empty `results` (would write at the file system's root)",
         {"results": ""}, ("results: '' should be non-empty",)),
    Case("gpus_on_cpu", "`gpus: 1` with `device: cpu`", {"gpus": 1, "device": "cpu"},
         ("gpus: 1 with device: cpu",)),
    Case("device_name", "an unknown device", {"device": "gpu"}, ("device: 'gpu'",)),
    # --- the dataset --------------------------------------------------------------------------
    Case("root_missing", "`dataset.root` that does not exist",
         {"dataset": {**FOLDER, "root": "{tmp}/nowhere"}, "model": FOLDER_MODEL,
          "class_pairs": NO_PAIRS}, ("dataset.root: ", "does not exist")),
    Case("one_class", "an image folder with a single class folder",
         {"dataset": {**FOLDER, "root": "{tmp}/one_class", "test_root": None},
          "model": FOLDER_MODEL, "class_pairs": NO_PAIRS},
         ("holds 1 class sub-folder(s)",)),
    Case("empty_class", "a class folder without images",
         {"dataset": {**FOLDER, "root": "{tmp}/empty_class", "test_root": None},
          "model": FOLDER_MODEL, "class_pairs": NO_PAIRS},
         ("class folder", "empty_class/b holds no images")),
    Case("test_root_classes", "`dataset.test_root` with other class folders than `root`, "
         "training the demo net",
         {"dataset": {**FOLDER, "test_root": "{tmp}/other_classes"}, "class_pairs": NO_PAIRS},
         ("dataset.test_root: its class folders differ",)),
    Case("test_root_unset", "no `dataset.test_root`, training the demo net on an image folder",
         {"dataset": {**FOLDER, "test_root": None}, "class_pairs": NO_PAIRS},
         ("dataset.test_root: not set",)),
    Case("root_is_file", "`dataset.root` naming a file",
         {"dataset": {**FOLDER, "root": "{tmp}/a_file"}, "model": FOLDER_MODEL,
          "class_pairs": NO_PAIRS}, ("dataset.root: ", "a_file is a file, not a folder",)),
    Case("unknown_class", "`dataset.classes` naming no class", {"dataset": {"classes": ["Sock"]}},
         ("dataset.classes: 'Sock' is not a class",)),
    Case("repeated_class", "`dataset.classes` listing a class twice",
         {"dataset": {"classes": [0, 0, 1]}},
         ("dataset.classes: [0, 0, 1] lists class 0 (T-shirt/top) 2 times", "list each class "
          "once")),
    Case("class_index_folders", "`dataset.class_index: imagenet` on folders not named by "
         "WordNet id", {"dataset": {**FOLDER, "class_index": "imagenet", "test_root": None},
                        "model": RESNET_1000, "input": RGB, "layers": ["layer1", "layer2"],
                        "class_pairs": NO_PAIRS},
         ("dataset.root: class folder(s) ['a', 'b'] of 2 are not in dataset.class_index "
          "(imagenet)",)),
    Case("class_index_missing", "`dataset.class_index` naming a file that does not exist",
         {"dataset": {**IMAGENET, "class_index": "{tmp}/nowhere.txt"}, "model": RESNET_1000,
          "input": RGB, "layers": ["layer1", "layer2"], "class_pairs": NO_PAIRS},
         ("dataset.class_index: ", "nowhere.txt does not exist; give imagenet or a file",)),
    Case("class_index_outputs", "`dataset.class_index` for a model with other outputs",
         {"dataset": IMAGENET, "model": RESNET, "input": RGB, "layers": ["layer1", "layer2"],
          "class_pairs": NO_PAIRS},
         ("model: it has 10 outputs but dataset.class_index (imagenet) names 1000 outputs",)),
    Case("class_index_trained", "`dataset.class_index` for a model trained here",
         {"dataset": {**IMAGENET, "test_root": "{tmp}/imagenet"}, "class_pairs": NO_PAIRS},
         ("dataset.class_index: the model is trained here",)),
    Case("class_index_builtin", "`dataset.class_index` with the built-in Fashion-MNIST",
         {"dataset": {"class_index": "imagenet"}, "model": RESNET_1000},
         ("dataset.class_index: Fashion-MNIST's classes are its model outputs 0-9",)),
    Case("class_pair", "`class_pairs` naming no class of the study",
         {"class_pairs": {"pairs": [["Nope", 0]]}}, ("class_pairs.pairs: 'Nope' is not a class",)),
    Case("class_pair_self", "a class paired with itself",
         {"class_pairs": {"pairs": [["Trouser", 1]]}}, ("pairs a class with itself",)),
    Case("exclude_layer", "`graph.exclude_channels` naming a layer that is not primary",
         {"graph": {"exclude_channels": {"conv2": [1]}}},
         ("graph.exclude_channels: 'conv2' is not one of the primary layers",)),
    Case("exclude_channel", "`graph.exclude_channels` naming a channel the layer lacks",
         {"graph": {"exclude_channels": {"mixed3a": [3, 5000]}}},
         ("graph.exclude_channels.mixed3a: channel(s) [5000] out of range",)),
    # --- the model ----------------------------------------------------------------------------
    Case("auto_few", "`layers: auto` on a model with fewer than two blocks or activations",
         {"model": {"kind": "factory", "factory": "tests.test_models:tiny_factory"},
          "layers": "auto"},
         ("layers: auto found 1 block or activation output(s)",)),
    Case("no_architecture", "`model.kind: torchvision` without `model.architecture`",
         {"model": {"kind": "torchvision", "weights": "{tmp}/resnet18_10.pt"}},
         ("model.architecture: required with model.kind: torchvision",)),
    Case("unknown_architecture", "an architecture torchvision does not have",
         {"model": {**RESNET, "architecture": "resnet7"}},
         ("model.architecture: 'resnet7' is not a torchvision",)),
    Case("bad_kwargs", "`model.kwargs` the architecture does not take",
         {"model": {**RESNET, "kwargs": {"colour": 1}}},
         ("model.kwargs: torchvision's resnet18 cannot be built",)),
    Case("factory_import", "`model.factory` that cannot be imported",
         {"model": {"kind": "factory", "factory": "no_such_module:build",
                    "weights": "{tmp}/demo.pt"}}, ("model.factory: cannot import",)),
    Case("weights_missing", "`model.weights` that does not exist",
         {"model": {**RESNET, "weights": "{tmp}/nowhere.pt"}}, ("does not exist",)),
    Case("weights_folder", "`model.weights` naming a folder",
         {"model": {**RESNET, "weights": "{tmp}"}}, ("is a folder; give a state-dict file",)),
    Case("weights_tensor", "a weights file holding one tensor",
         {"model": {**RESNET, "weights": "{tmp}/tensor.pt"}}, ("holds a single tensor",)),
    Case("weights_pickle", "a weights file holding a pickled model (never loaded)",
         {"model": {**RESNET, "weights": "{tmp}/module.pt"}}, ("holds pickled Python objects",)),
    Case("weights_junk", "a weights file that is not PyTorch's, or damaged",
         {"model": {**RESNET, "weights": "{tmp}/junk.pt"}},
         ("is not a PyTorch weights file or is damaged",)),
    Case("weights_shapes", "weights of another class count",
         {"model": {**RESNET, "kwargs": {}}, "input": RGB},
         ("fc.weight is (10, 512) in the file but (1000, 512)", "num_classes: 10")),
    Case("first_conv", "`input.channels` other than the first convolution's",
         {"model": RESNET}, ("input.channels: 1, but the model's first convolution (conv1) "
                             "takes 3",)),
    Case("outputs", "a model with more outputs than the dataset has classes",
         {"model": RESNET_1000, "input": RGB, "layers": ["layer1", "layer2"]},
         ("it has 1000 outputs but the dataset has 10 classes", "dataset.class_index")),
    Case("weights_checkpoint", "a training checkpoint keeping its weights under an unusual key",
         {"model": {**RESNET, "weights": "{tmp}/checkpoint.pt"}, "input": RGB,
          "layers": ["layer1", "layer2"]},
         ("is not a plain state dict but a checkpoint with keys 'epoch', 'weights'",
          "torch.save(torch.load(path)['weights'], 'weights.pt')")),
    Case("weights_lightning_pickled", "a Lightning checkpoint holding pickled hyper-parameters",
         {"model": {**RESNET, "weights": "{tmp}/lightning.ckpt"}, "input": RGB,
          "layers": ["layer1", "layer2"]},
         ("holds pickled Python objects (a argparse.Namespace)", "looks like a training "
          "checkpoint")),
    Case("weights_nan", "weights holding NaN or infinite values",
         {"model": {**RESNET, "weights": "{tmp}/resnet18_nan.pt"}, "input": RGB,
          "layers": ["layer1", "layer2"]},
         ("holds non-finite values in 2 tensor(s) (conv1.weight: 3 NaN, fc.bias: 1 inf)",)),
    Case("layer_unknown", "`layers` naming a module the model lacks",
         {"layers": ["mixed3a", "mixed3x"]}, ("['mixed3x'] not in the model; did you mean",)),
    Case("layer_not_map", "`layers` naming a module without a 4-D output (the classifier)",
         {"layers": ["mixed3a", "fc"]}, ("layers: fc does not output a 4-D",)),
    Case("layer_order", "`layers` listed output side first", {"layers": ["mixed3b", "mixed3a"]},
         ("layers: list them from input to output",)),
    Case("layer_one", "a single primary layer", {"layers": ["mixed3a"]},
         ("layers: ['mixed3a'] is too short",)),
    Case("layer_twice", "a primary layer listed twice", {"layers": ["mixed3a", "mixed3a"]},
         ("layers: ['mixed3a', 'mixed3a'] has non-unique elements",)),
    Case("input_size", "an input size the model cannot take",
         {"input": {"size": 3}}, ("input.size: the model cannot take a (1, 1, 3, 3) input",)),
    Case("checkpoint_past", "`model_comparison.checkpoint` past the last epoch",
         {"model_comparison": {"checkpoint": 9}}, ("model_comparison.checkpoint: 9 is past",)),
    Case("checkpoint_given", "`model_comparison.checkpoint` for a model not trained here",
         {"model": {**RESNET, "weights": "{tmp}/resnet18_10.pt"}, "input": RGB,
          "layers": ["layer1", "layer2"], "model_comparison": {"checkpoint": 1}},
         ("model_comparison.checkpoint: only a model trained here",)),
    Case("seeds_repeat", "`model.train.seeds` repeating `model.train.seed`",
         {"model": {"kind": "demo", "name": "Demo", "train": {"seed": 0, "seeds": [0, 1]}}},
         ("model.train.seeds: [0, 1] repeats model.train.seed (0)",)),
    Case("seeds_given", "`model.train.seeds` for a model not trained here",
         {"model": {**RESNET, "weights": "{tmp}/resnet18_10.pt", "train": {"seeds": [1]}},
          "input": RGB, "layers": ["layer1", "layer2"],
          "model_comparison": {"checkpoint": None}},
         ("model.train.seeds: only a model trained here",)),
    Case("compared_missing", "`model_comparison.model.weights` that does not exist",
         {"model_comparison": {"checkpoint": None, "model": {"weights": "/nope.pt"}}},
         ("model_comparison.model.weights: '/nope.pt' is not a file",)),
    Case("compared_both", "`model_comparison` with both a checkpoint and a model",
         {"model_comparison": {"checkpoint": 1, "model": {"weights": "/nope.pt"}}},
         ("model_comparison: set one of checkpoint, seed or model, not checkpoint and model",)),
    Case("compared_seed_is_own", "`model_comparison.seed` equal to `model.train.seed`",
         {"model_comparison": {"checkpoint": None, "seed": 0}},
         ("model_comparison.seed: 0 is model.train.seed",)),
    Case("compared_layers_count", "`model_comparison.layers` not one per entry of `layers`",
         {"model_comparison": {"checkpoint": None, "layers": ["mixed3a", "mixed4b"],
                               "model": {"weights": "{tmp}/demo.pt", "width": 0.25}}},
         ("model_comparison.layers: 2 layers for the 4 of `layers`",)),
    Case("compared_layers_unknown", "`model_comparison.layers` naming a layer the second model "
         "lacks", {"model_comparison": {
             "checkpoint": None, "layers": ["conv2", "mixed3a", "mixed3b", "inception9"],
             "model": {"weights": "{tmp}/demo.pt", "width": 0.25}}},
         ("model_comparison.layers: ['inception9'] not in the model",)),
    Case("compared_layers_alone", "`model_comparison.layers` without a second model",
         {"model_comparison": {"checkpoint": None,
                               "layers": ["conv2", "mixed3a", "mixed3b", "mixed4b"]}},
         ("model_comparison.layers: there is no second model",)),
    # --- a real run ---------------------------------------------------------------------------
    Case("cluster_gpus", "jobs submitted to a cluster with `device: auto` and `gpus` unset", {},
         ("gpus: this run submits jobs to other machines", "set gpus: 1"), when="start",
         target="{results}/model/model.json",
         args=("--executor", "cluster-generic", "--cluster-generic-submit-cmd",
               "workflow/profiles/local-cluster/submit.sh", "--jobs", "1")),
    Case("unreadable_class", "a class whose images are all unreadable, weights given (the "
         "class's pass)",
         {"dataset": {**FOLDER, "root": "{tmp}/unreadable_class", "test_root": None},
          "model": FOLDER_MODEL, "class_pairs": NO_PAIRS},
         ("class folder", "unreadable_class/b: none of its 3 images could be read"),
         when="first job", target="{results}/aggregate/1.zarr"),
    Case("unreadable_training", "a class whose images are all unreadable, training the demo net",
         {"dataset": {**FOLDER, "root": "{tmp}/unreadable_class"}, "class_pairs": NO_PAIRS},
         ("class folder", "unreadable_class/b: none of its 3 images could be read"),
         when="first job", target="{results}/model/weights.pt"),
    Case("unreadable_strict", "an unreadable image with `dataset.skip_unreadable: false`",
         {"dataset": {**FOLDER, "root": "{tmp}/one_unreadable", "test_root": None,
                      "skip_unreadable": False},
          "model": FOLDER_MODEL, "class_pairs": NO_PAIRS},
         ("unreadable image", "set dataset.skip_unreadable: true"), when="first job",
         target="{results}/aggregate/1.zarr"),
]


def make_files(tmp: Path) -> None:
    """The files the cases point at: weights files good and bad, image folders good and bad."""
    import numpy as np
    import torch
    import torchvision
    from PIL import Image

    from summit.model.models import build_model

    torch.manual_seed(0)
    torch.save(torchvision.models.resnet18(num_classes=10).state_dict(), tmp / "resnet18_10.pt")
    torch.save(torchvision.models.resnet18().state_dict(), tmp / "resnet18_1000.pt")
    torch.save(build_model({"kind": "demo", "width": 0.25}, 10, 1).state_dict(), tmp / "demo.pt")
    torch.save(build_model({"kind": "demo", "width": 0.25}, 2, 1).state_dict(), tmp / "demo2.pt")
    state = torchvision.models.resnet18(num_classes=10).state_dict()
    torch.save({"epoch": 3, "weights": state, "optimizer": {}}, tmp / "checkpoint.pt")
    torch.save({"epoch": 3, "state_dict": {f"model.{k}": v for k, v in state.items()},
                "hyper_parameters": argparse.Namespace(lr=0.1)}, tmp / "lightning.ckpt")
    state["conv1.weight"][0, 0, 0, :3] = float("nan")
    state["fc.bias"][2] = float("inf")
    torch.save(state, tmp / "resnet18_nan.pt")
    torch.save(torch.zeros(3), tmp / "tensor.pt")
    torch.save(torch.nn.Linear(2, 2), tmp / "module.pt")
    (tmp / "junk.pt").write_bytes(b"not a checkpoint")
    (tmp / "a_file").write_text("a file, not a folder\n")
    rng = np.random.default_rng(0)

    def folder(name: str, images: dict[str, int], junk: dict[str, int] | None = None) -> None:
        for cls, n in images.items():
            (tmp / name / cls).mkdir(parents=True, exist_ok=True)
            for i in range(n):
                pixels = rng.integers(0, 256, (28, 28), dtype=np.uint8)
                Image.fromarray(pixels).save(tmp / name / cls / f"{i}.png")
        for cls, n in (junk or {}).items():
            (tmp / name / cls).mkdir(parents=True, exist_ok=True)
            for i in range(n):
                (tmp / name / cls / f"junk{i}.png").write_bytes(b"not a png")

    folder("images", {"a": 4, "b": 4})
    folder("imagenet", {"n01440764": 3, "n01443537": 3})
    folder("one_class", {"a": 4})
    folder("other_classes", {"a": 4, "c": 4})
    folder("empty_class", {"a": 4, "b": 0})
    (tmp / "empty_class" / "b" / "notes.txt").write_text("no images here\n")
    folder("unreadable_class", {"a": 4}, {"b": 3})
    folder("one_unreadable", {"a": 4, "b": 3}, {"b": 1})


def _when(case: Case) -> str:
    return {"dry run": "`snakemake -n`, before any job",
            "check": "`python -m summit.config FILE`",
            "start": "at start, before any job is submitted",
            "first job": "in the first job that reads it, on the console"}[case.when]


def table() -> str:
    """The README's table of bad inputs (GitHub Markdown)."""
    lines = ["| bad input | stops | the one-line error says |", "|---|---|---|"]
    for c in CASES:
        says = " … ".join(s.strip().replace("|", "\\|") for s in c.says)
        lines.append(f"| {c.what} | {_when(c)} | `{says}` |")
    return "\n".join(lines) + "\n"


def readme_with_table(text: str) -> str:
    """``text`` with the bad-inputs region replaced by the table."""
    return replace_region(text, TABLE_START, TABLE_END, table())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.bad_inputs",
                                     description="Print or rewrite the README's table of bad "
                                                 "inputs.")
    parser.add_argument("--readme", type=Path, help="rewrite its bad-inputs region")
    args = parser.parse_args(argv)
    if args.readme:
        args.readme.write_text(readme_with_table(args.readme.read_text(encoding="utf-8")),
                               encoding="utf-8")
    else:
        print(table(), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
