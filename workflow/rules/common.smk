# Shared by every rule: the validated config, target lists and settings per step.
import json
import os
import re
from pathlib import Path

from summit import data as summit_data
from summit.config import ConfigError, validate

config.update(validate(config, source="config"))

R = config["results"]
LAYERS = config["layers"]
CLASS_NAMES = summit_data.class_names(config["dataset"])
CLASSES = summit_data.study_classes(config["dataset"])
TRAIN_DEMO = config["model"]["kind"] == "demo" and not config["model"]["weights"]
WEIGHTS = f"{R}/model/weights.pt" if TRAIN_DEMO else config["model"]["weights"]
NONSEMANTIC_EXCLUDED = (
    [f"{R}/analysis/nonsemantic.json"] if config["graph"]["exclude_nonsemantic"] else []
)
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


def optional_files(flag: str, name: str):
    """A params function: `flag` and the named input's files, or nothing when it has none
    (inputs that a setting or a `use rule … with:` leaves empty)."""

    def argument(wildcards, input) -> str:
        files = getattr(input, name, [])
        files = [files] if isinstance(files, str) else list(files)
        return f"{flag} {' '.join(map(repr, files))}" if files else ""

    return argument


wildcard_constraints:
    cls=r"\d+",
    layer="|".join(re.escape(x) for x in LAYERS),


def _compared_model() -> dict | None:
    """The second model of model_comparison as a full `model` section, or None."""
    mc = config["model_comparison"]
    if mc["checkpoint"] is not None and mc["model"] is not None:
        raise ConfigError("model_comparison: set checkpoint or model, not both")
    if mc["checkpoint"] is not None:
        epoch, epochs = mc["checkpoint"], config["model"]["train"]["epochs"]
        if not TRAIN_DEMO:
            raise ConfigError("model_comparison.checkpoint: only the demo model trained here "
                              "has checkpoints; set model_comparison.model: {weights: FILE}")
        if epoch > epochs:
            raise ConfigError(f"model_comparison.checkpoint: {epoch} is past the last "
                              f"training epoch ({epochs}); choose 1 to {epochs}")
        return {**config["model"], "name": f"{config['model']['name']}, epoch {epoch}",
                "weights": f"{R}/model/checkpoints/epoch{epoch}.pt"}
    if mc["model"] is None:
        return None
    model = validate({**config, "model": {**config["model"], **mc["model"]}},
                     source="config: model_comparison")["model"]
    if not model["weights"] or not Path(model["weights"]).is_file():
        raise ConfigError(f"model_comparison.model.weights: {model['weights']!r} is not a "
                          "file; give the second model's state-dict file")
    return model


COMPARED = _compared_model()
C = f"{R}/comparison"  # the second model's study


def _class_id(value: int | str) -> int:
    """A class given by id or by name, as its id; one-line error when unknown."""
    if isinstance(value, str) and value in CLASS_NAMES:
        value = CLASS_NAMES.index(value)
    if value not in CLASSES:
        raise ConfigError(f"class_pairs.pairs: {value!r} is not a class of this study; use an "
                          "id or a name from the dataset")
    return value


CLASS_PAIRS = [tuple(_class_id(c) for c in pair) for pair in config["class_pairs"]["pairs"]]

# The analyses' figures (each as PNG and PDF), targets of `rule all` and published by the site.
ANALYSIS_FIGURES = [
    f"{R}/figures/{name}.{ext}"
    for name in ("nonsemantic", "neighbours", "class_pair", "motifs", "separability")
    + (("model_comparison",) if COMPARED else ())
    for ext in ("png", "pdf")
]
ANALYSIS_FIGURES += [f"{R}/figures/class_pairs/{a}_{b}.{ext}" for a, b in CLASS_PAIRS
                     for ext in ("png", "pdf")]
if COMPARED:
    ANALYSIS_FIGURES += expand(f"{R}/figures/models/{{cls}}.{{ext}}", cls=CLASSES,
                               ext=("png", "pdf"))
