# Shared by every rule: the validated config, target lists and settings per step.
import json
import os
import re
from pathlib import Path

from summit import data as summit_data
from summit.config import validate

config.update(validate(config, source="config"))

R = config["results"]
LAYERS = config["layers"]
CLASS_NAMES = summit_data.class_names(config["dataset"])
CLASSES = summit_data.study_classes(config["dataset"])
TRAIN_DEMO = config["model"]["kind"] == "demo" and not config["model"]["weights"]
WEIGHTS = f"{R}/model/weights.pt" if TRAIN_DEMO else config["model"]["weights"]
SITE_SOURCES = sorted(str(p) for p in Path("site").rglob("*") if p.is_file())


def _uses_gpu() -> int:
    """1 when the steps that run the model will take a GPU, for cluster schedulers."""
    device = config["device"]
    if device == "auto":
        import torch

        return int(torch.cuda.is_available())
    return int(device.startswith("cuda"))


GPU = _uses_gpu()


def step_params(*keys, **extra) -> str:
    """The config subset a step depends on, as JSON: Snakemake re-runs the step on change."""
    return json.dumps({**{k: config[k] for k in keys}, **extra}, sort_keys=True)


MODEL_KEYS = ("dataset", "model", "input", "device", "threads")


wildcard_constraints:
    cls=r"\d+",
    layer="|".join(re.escape(x) for x in LAYERS),
