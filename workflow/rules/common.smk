# Shared by every rule: the validated config, the artifacts' paths, target lists and how a
# rule runs its step.
import json
import re
import shlex
import sys
from pathlib import Path
from types import SimpleNamespace

from snakemake.settings.types import DeploymentMethod

from summit.config import ConfigError, validate
from summit.errors import SummitError

config.update(validate(config, source="config"))  # first: a bad setting fails before PyTorch loads

from summit.io import data as summit_data
from summit.io.paths import templates
from summit.io.pixels import InputSpec
from summit.render import registry as summit_figures
from summit.render import site as summit_site
from summit import jobs as summit_jobs
from summit import stages as summit_stages
from summit import startup
from summit import steps as summit_steps
from summit.model import train as summit_train

R = config["results"]
STAGES = config["stages"]  # which optional stages run (summit.stages)
# A class id is the model output a class folder is (dataset.class_index, else one output per
# folder); CLASS_NAMES names every output, CLASSES are the studied ones.
CLASS_NAMES = summit_data.class_names(config["dataset"])
# `auto` becomes the model's block outputs here, so every rule and step sees layer names.
LAYERS = config["layers"] = startup.resolve_layers(config["layers"], config["model"],
                                                   config["input"], config["dataset"], R)
CLASSES = summit_data.study_classes(config["dataset"])
# planted patterns (dataset.plant): their classes and fit checked before any job
PLANTED = bool(summit_data.planted_stamps(config["dataset"],
                                          InputSpec.from_config(config["input"])))
TRAIN_HERE = not config["model"]["weights"]  # any model without a weights file
EPOCHS = 0  # the training epochs of a model trained here (its checkpoints); none otherwise
if TRAIN_HERE:  # trained here: on a usable test split, for epochs known now (checkpoint names)
    summit_data.evaluation_root(config["dataset"])
    EPOCHS = config["model"]["train"]["epochs"] = summit_train.planned_epochs(
        config["dataset"], config["model"]["train"])
# More training seeds are studies of their own, not a setting of the model's training: taken
# out of the model section, so changing them re-runs only the seeds' studies.
SEEDS = config["model"]["train"].pop("seeds")
if SEEDS and not TRAIN_HERE:
    raise ConfigError("model.train.seeds: only a model trained here has training seeds; "
                      "remove model.train.seeds")
if config["model"]["train"]["seed"] in SEEDS:
    raise ConfigError(f"model.train.seeds: {SEEDS} repeats model.train.seed "
                      f"({config['model']['train']['seed']}); list only other seeds")
SITE_SOURCES = sorted(str(p) for p in Path("site").rglob("*") if p.is_file())


def _gpus() -> int:
    """GPUs per job that runs the model, for schedulers (config `gpus`; see its description)."""
    if config["gpus"] != "auto":
        return config["gpus"]
    if config["device"] != "auto":
        return int(config["device"].startswith("cuda"))
    import torch

    return int(torch.cuda.is_available())


GPUS = _gpus()


onstart:
    # Only here is the executor known: a cluster's nodes are not this machine, so `auto`
    # cannot decide from this machine whether jobs should ask for a GPU.
    if workflow.non_local_exec and config["gpus"] == "auto" and config["device"] == "auto":
        raise ConfigError("gpus: this run submits jobs to other machines, so whether they "
                          "should ask for a GPU cannot be seen from here; set gpus: 1 (GPU "
                          "nodes) or gpus: 0, e.g. --config gpus=1")
    # The plan of the jobs about to run (summit.plan), timed on this machine: not for jobs
    # that run elsewhere (a cluster's nodes), and never a reason to stop the run.
    if config["plan_at_start"] and not workflow.non_local_exec:
        from collections import Counter

        from summit.plan.command import at_start

        try:
            at_start(config, plan_facts(), Counter(job.rule.name for job in
                                                   workflow.dag.needrun_jobs()), workflow.cores)
        except Exception as e:  # the plan is advice; the run goes on
            print(f"summit: no plan for this run ({type(e).__name__}: {e})", file=sys.stderr)


def step_params(*keys, **extra) -> str:
    """The config subset a step depends on, as JSON: Snakemake re-runs the step on change."""
    return json.dumps({**{k: config[k] for k in keys}, **extra}, sort_keys=True)


# What every step that runs a model depends on, besides the model itself.
RUN_KEYS = ("dataset", "input", "device", "threads")
MODEL_KEYS = (*RUN_KEYS, "model")
# For the steps that open the dataset: where to download the built-in if dataset.root lacks
# it, under R (nothing is written outside the results folder); empty when no download.
DOWNLOAD = summit_data.download_params(config["dataset"], R)

# Every rule runs its step the same way: `summit <rule> --<name> <files> … --params JSON`,
# where the names are the rule's named inputs, outputs and wildcards that the step takes
# (summit.steps); its other inputs are dependencies only (e.g. an index's atlas image).
# The command runs with the interpreter running Snakemake (so an unactivated .venv works),
# or in a conda environment (--sdm conda), the `summit` that envs/summit.yaml installs.
_SUMMIT = ("summit" if DeploymentMethod.CONDA in workflow.deployment_settings.deployment_method
           else f"{shlex.quote(sys.executable)} -m summit")
STEP = _SUMMIT + " {params.args} --params {params.p:q} 2> {log:q}"


# Per-class stages run `classes_per_job` classes per job (summit.jobs): with one, a rule with
# the {cls} wildcard; with more, one rule per group of classes, `<stage>_<k>`.
CLASSES_PER_JOB = summit_jobs.classes_per_job(len(CLASSES), config["classes_per_job"])


PER_CLASS_STAGES: list[str] = []  # the stages defined per class (their rule files call below)


def class_jobs(stage: str) -> list:
    """The rules of a per-class stage (summit.jobs.ClassJob), each defined by its rule file."""
    PER_CLASS_STAGES.append(stage)
    return summit_jobs.class_jobs(stage, CLASSES, CLASSES_PER_JOB)


def job_args(job):
    """A params function: a per-class job's step and arguments (its classes' with --batch)."""

    def arguments(wildcards, input, output) -> str:
        values = {**dict(wildcards.items()), **dict(input.items()), **dict(output.items())}
        return summit_jobs.batch(job, values, summit_steps.arguments)

    return arguments


def step_args(name: str):
    """A params function: step `name` and its command-line arguments for this job."""

    def arguments(wildcards, input, output) -> str:
        values = {**dict(wildcards.items()), **dict(input.items()), **dict(output.items())}
        return shlex.join([name, *summit_steps.arguments(name, values)])

    return arguments



def _overrides() -> dict:
    """The settings given on the command line (--configfile, --config), over config.yaml."""
    return dict(workflow.config_settings.overwrite_config or {})


def _compared_model() -> tuple[str, dict] | None:
    """The second study of model_comparison (its folder and full `model` section), or None."""
    mc = config["model_comparison"]
    chosen = [k for k in ("checkpoint", "seed", "model") if mc[k] is not None]
    given = [k for k in chosen if k in (_overrides().get("model_comparison") or {})]
    if len(chosen) > 1 and len(given) == 1:  # the user's choice replaces config.yaml's
        for k in set(chosen) - set(given):
            mc[k] = None
        chosen = given
    if len(chosen) > 1:
        raise ConfigError(f"model_comparison: set one of checkpoint, seed or model, not "
                          f"{' and '.join(chosen)}")
    if chosen and chosen[0] != "model" and not TRAIN_HERE:
        if chosen[0] not in (_overrides().get("model_comparison") or {}):
            return None  # the default study's comparison; this model has no checkpoints
        raise ConfigError(f"model_comparison.{chosen[0]}: only a model trained here has "
                          f"{chosen[0]}s; set model_comparison: {{{chosen[0]}: null}}, or "
                          "compare another model with model_comparison: {model: {weights: FILE}}")
    if mc["checkpoint"] is not None:
        epoch = mc["checkpoint"]
        if epoch > EPOCHS:
            raise ConfigError(f"model_comparison.checkpoint: {epoch} is past the last "
                              f"training epoch ({EPOCHS}); choose 1 to {EPOCHS}")
        return f"{R}/comparison", {**config["model"],
                                   "name": f"{config['model']['name']}, epoch {epoch}",
                                   "weights": f"{R}/model/checkpoints/epoch{epoch}.pt"}
    if mc["seed"] is not None:
        if mc["seed"] == config["model"]["train"]["seed"]:
            raise ConfigError(f"model_comparison.seed: {mc['seed']} is model.train.seed; "
                              "choose another seed")
        return f"{R}/seeds/{mc['seed']}", seed_model(mc["seed"])
    if mc["model"] is None:
        return None
    model = validate({**config, "model": {**config["model"], **mc["model"]}},
                     source="config: model_comparison")["model"]
    if not model["weights"] or not Path(model["weights"]).is_file():
        raise ConfigError(f"model_comparison.model.weights: {model['weights']!r} is not a "
                          "file; give the second model's state-dict file")
    return f"{R}/comparison", model


def seed_model(seed: int) -> dict:
    """The model section of the net trained here from another seed."""
    return {**config["model"], "name": f"{config['model']['name']}, seed {seed}",
            "train": {**config["model"]["train"], "seed": seed},
            "weights": f"{R}/seeds/{seed}/model/weights.pt"}


# With stages.seeds or stages.model_comparison off, their studies are not planned at all.
_LISTED_SEEDS = SEEDS
SEEDS = SEEDS if STAGES["seeds"] else []


# The studies: the model's under R and, with model_comparison set, the second model's (C:
# R/comparison, or R/seeds/<seed> for a seed). Rules shared by all take a {study} wildcard;
# each study has its model and its layers.
_compared = _compared_model() if STAGES["model_comparison"] else None
C, COMPARED = _compared if _compared else (f"{R}/comparison", None)
MODELS = {R: config["model"], **({C: COMPARED} if COMPARED else {})}
# With model.train.seeds, the demo net trained with each other seed, a study under R/seeds.
SEED_STUDIES = {f"{R}/seeds/{seed}": seed for seed in SEEDS}
MODELS.update({study: seed_model(seed) for study, seed in SEED_STUDIES.items()})
# With randomization (summit.randomization): the model re-initialized from the output down,
# a study per depth under R/randomized/<depth>, and a net trained on shuffled labels under
# R/shuffled, each studied like a seed.
RANDOMIZED = ({f"{R}/randomized/{d}": d for d in range(1, len(LAYERS) + 2)}
              if config["randomization"]["cascade"] else {})
SHUFFLED = [f"{R}/shuffled"] if config["randomization"]["shuffled_labels"] else []
if SHUFFLED and not TRAIN_HERE:
    raise ConfigError("randomization.shuffled_labels: only a net trained here can be trained on "
                      "shuffled labels; set it to false, or train the model here "
                      "(model.weights: null)")
MODELS.update({study: {**config["model"], "name": f"{config['model']['name']}, randomized "
                       f"to depth {d}", "weights": f"{study}/model/weights.pt"}
               for study, d in RANDOMIZED.items()})
MODELS.update({study: {**config["model"], "name": f"{config['model']['name']}, shuffled labels",
                       "train": {**config["model"]["train"], "shuffle_labels": True},
                       "weights": f"{study}/model/weights.pt"} for study in SHUFFLED})
TRAINED = ([R, *SEED_STUDIES, *SHUFFLED,
            *([C] if config["model_comparison"]["seed"] is not None else [])]
           if TRAIN_HERE else [])  # the studies whose net is trained here
# Each study's layers: the second model's paired by position with the model's.
if config["model_comparison"]["layers"] is not None:
    if not COMPARED:
        raise ConfigError("model_comparison.layers: there is no second model; remove it or "
                          "set model_comparison.model")
    if len(config["model_comparison"]["layers"]) != len(LAYERS):
        raise ConfigError(f"model_comparison.layers: {len(config['model_comparison']['layers'])}"
                          f" layers for the {len(LAYERS)} of `layers` ({', '.join(LAYERS)}); "
                          "give one per layer, in the same order")
summit_stages.check(STAGES, compared=bool(COMPARED), seeds=bool(_LISTED_SEEDS),
                    exclude_nonsemantic=config["graph"]["exclude_nonsemantic"])
if summit_stages.off(STAGES):
    print(f"summit: stages off: {', '.join(summit_stages.off(STAGES))}"
          + ("; findings measured on resampled graphs are stated without support"
             if not STAGES["stability"] and STAGES["analyses"] else ""),
          file=sys.stderr, flush=True)
STUDY_LAYERS = {study: LAYERS for study in MODELS}
if COMPARED:
    STUDY_LAYERS[C] = config["model_comparison"]["layers"] or LAYERS


def weights(wildcards) -> str:
    """The study's model weights."""
    return WEIGHTS if wildcards.study == R else MODELS[wildcards.study]["weights"]


def model_params(*keys, **extra):
    """A params function: step_params with the study's own model section (and layers)."""

    def params(wildcards) -> str:
        own = {"model": MODELS[wildcards.study],
               **({"layers": STUDY_LAYERS[wildcards.study]} if "layers" in keys else {})}
        return step_params(*(k for k in keys if k != "layers"), **extra, **own)

    return params


# Every artifact's path, once (summit.io.paths). `{study}` is R or C; per class `{cls}`, per
# layer `{layer}`.
P = SimpleNamespace(**templates(R))


def log_file(stage: str, per: str = "", study: str = R) -> str:
    """The log of a job of `stage` in `study`; one per wildcard value when `per` names one."""
    return f"{study}/logs/{stage}" + (f"/{per}" if per else "") + ".log"


def benchmark_file(stage: str, per: str = "", study: str = R) -> str:
    """The timing file of a job of `stage`, beside its log under the study's benchmarks/."""
    return f"{study}/benchmarks/{stage}" + (f"/{per}" if per else "") + ".tsv"


def at(template: str, study: str = R) -> str:
    """`template` in one study (the main one by default), other wildcards left to the rule."""
    return expand(template, study=study, allow_missing=True)[0]


def per_class(template: str, study: str = "{study}") -> list[str]:
    """`template` for every class of the study (`{study}` left for the rule to fill)."""
    return expand(template, cls=CLASSES, study=study, allow_missing=True)


def per_layer(template: str, study: str = "{study}"):
    """`template` for every primary layer of `study`; for a template with the {study}
    wildcard left to the rule, an input function giving the wildcard study's layers."""
    if study == "{study}" and "{study}" in template:
        return lambda w: expand(template, layer=STUDY_LAYERS[w.study], study=w.study,
                                allow_missing=True)
    return expand(template, layer=STUDY_LAYERS.get(study, LAYERS), study=study,
                  allow_missing=True)


WEIGHTS = at(P.weights) if TRAIN_HERE else config["model"]["weights"]
# Per-class artifacts a stage publishes in the site, by panel name: a stage's rule file calls
# site_panel("name", P.its_artifact) and adds site/js/panels/<name>.js to show it.
SITE_PANELS: dict[str, str] = {}


def site_panel(name: str, template: str) -> None:
    """Show the main study's per-class `template` (with {cls}) in the site as panel `name`,
    the stage of that name; no panel while the stage is switched off."""
    if summit_stages.enabled(name, STAGES):
        SITE_PANELS[summit_site.panel_name(name)] = at(template)


def featvis_files(study: str, atlases: bool = False) -> list[str]:
    """The study's feature-visualization indexes (or atlas images) per layer; none with
    stages.featvis off, so what draws channels draws them without renders."""
    return per_layer(P.featvis_atlas if atlases else P.featvis, study) if STAGES["featvis"] else []


def resampled_files(study: str) -> list[str]:
    """Every class's resampled graphs in `study`; none with stages.stability off, so the
    findings measured on them are stated without support."""
    return per_class(P.resampled_graphs, study) if STAGES["stability"] else []


def analysis_files(files: str | list[str]) -> list[str]:
    """`files`, an analysis's outputs, or none with stages.analyses off."""
    return ([files] if isinstance(files, str) else files) if STAGES["analyses"] else []


NONSEMANTIC_EXCLUDED = [P.nonsemantic] if config["graph"]["exclude_nonsemantic"] else []


# The wildcards' values, constrained in the Snakefile.
WILDCARDS = {"cls": r"\d+", "layer": "|".join(re.escape(x) for x in sorted(
                 {x for layers in STUDY_LAYERS.values() for x in layers})),
             "study": "|".join(re.escape(x) for x in MODELS)}


CLASS_PAIRS = [[summit_data.class_id(config["dataset"], c, "class_pairs.pairs", CLASSES)
                for c in pair] for pair in config["class_pairs"]["pairs"]]
if any(a == b for a, b in CLASS_PAIRS):
    raise ConfigError(f"class_pairs.pairs: {config['class_pairs']['pairs']} pairs a class with "
                      "itself; name two different classes in each pair")


def figures(*names: str) -> list[str]:
    """Figures by name (under R/figures), each as PNG and PDF."""
    return [P.figure.format(name=n, ext=ext) for n in names for ext in ("png", "pdf")]


# The analyses' figures, targets of `rule all` and published by the site, as the one list of
# figures (summit.render.registry) gives them; each stage's rule file draws its own.
ANALYSIS_FIGURES = figures(*summit_figures.analysis_figures(
    CLASSES, CLASS_PAIRS, keep=lambda stage: summit_stages.enabled(stage, STAGES),
    has=[need for need, has in [("comparison", COMPARED), ("plant", PLANTED),
                                ("randomization", RANDOMIZED or SHUFFLED)] if has]))


# Other targets of `rule all` that no figure or site page depends on (e.g. the seeds' report).
REPORTS: list[str] = []


# Last, after the settings' own checks: the image folders' layout, and each study's model
# built and traced once (cached), so a wrong folder, layer, input or weights file fails here
# in one line, not in a job.
startup.check_dataset(config["dataset"], CLASSES)
for _study, _model in MODELS.items():
    _made = not _model["weights"] or Path(_model["weights"]).parent in {
        Path(at(template, study)).parent for template in (P.weights, P.epoch_weights)
        for study in [*TRAINED, *RANDOMIZED]}  # made here, checked by its job
    try:
        _shapes = startup.check_model(_model, config["input"], STUDY_LAYERS[_study],
                                      config["dataset"], None if _made else _model["weights"], R)
    except SummitError as e:  # the second model's own layers: say which setting is wrong
        if STUDY_LAYERS[_study] == LAYERS or not str(e).startswith("layers:"):
            raise
        raise ConfigError(f"model_comparison.{e}") from None
    if STUDY_LAYERS[_study] == LAYERS:  # a second model's own layers exclude nothing
        startup.check_channels("graph.exclude_channels", config["graph"]["exclude_channels"],
                               _shapes)


def plan_facts() -> dict:
    """What the plan (summit.plan) needs that only the workflow resolved."""
    train = config["model"]["train"]
    return {"results": R, "classes": CLASSES, "class_names": CLASS_NAMES, "layers": LAYERS,
            "weights": None if TRAIN_HERE else WEIGHTS, "epochs": EPOCHS,
            "train_images": (min(summit_data.train_image_count(config["dataset"]),
                                 train["max_images"] or 10**12) if TRAIN_HERE else 0),
            "download": DOWNLOAD, "per_class": PER_CLASS_STAGES,
            "groups": {str(k): g for k, g in enumerate(summit_jobs.groups(CLASSES,
                                                                          CLASSES_PER_JOB))}}
