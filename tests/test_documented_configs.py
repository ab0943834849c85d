"""Every configuration the README or ``config/examples/`` shows runs through the workflow on a
small stand-in for its data (``tests/fixtures/stand_ins.py``): a dry run always, and a real
run of every stage.

``DOCUMENTED`` is the one list: each config file and each README YAML block (a block that
sets one key several times is one alternative per entry), with what it is merged over (a
fragment's base), the stand-in files its paths are replaced by, and the test that runs it
for real. A documented config missing from it, or listed but gone, fails
``test_every_documented_config_is_listed``. Stand-ins replace paths and shrink only what
scales cost (``SMALL``: render steps, images per class, resamples), never the model, its
input, layers or dataset layout.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from summit.dev import rehearsal
from tests.e2e import E2E, FMNIST, LAYERS, REPO, TINY, job_counts, run_snakemake
from tests.fixtures import stand_ins

pytestmark = E2E

# What only scales a run's cost, the same for every stand-in run.
SMALL = {
    "featvis": {"steps": 4, "diversity": 1},
    "faithfulness": {"images_per_class": 6, "repeats": 3, "curve_orders": 2,
                     "specificity_images": 3, "reference_images": 12, "bootstrap": 100},
    "stability": {"groups": 3, "resamples": 4, "split_halves": 2},
    "separability": {"max_images_per_class": 20},
    "matching": {"null_resamples": 20},
    "batch_size": 16,
    "plan_at_start": False,
}


@dataclass(frozen=True)
class Documented:
    """A documented config: ``base`` is the config it is merged over (a fragment's;
    ``DEFAULT`` is the default study, as the tiny study; a complete config is merged over
    config.yaml by Snakemake itself); ``data`` the stand-in files, each documented path to
    the stand-in key replacing it; ``run`` the test running it for real."""

    run: str
    base: str | None = None
    data: str | None = None
    paths: dict[str, str] = field(default_factory=dict)
    small: dict[str, Any] = field(default_factory=dict)  # more of SMALL, for this config


DEFAULT = "the default study"
OWN = "title: Summit — my ResNet-18"
INCEPTION = "title: Summit — InceptionV1 on ImageNet"
PAPER = "class_pairs: {pairs: [[American black bear, brown bear]]}   # Figure 9"
ARCHITECTURE = ("model_comparison: {model: {name: MobileNetV3-small, "
                "architecture: mobilenet_v3_small,")
THIS = "tests/test_documented_configs.py"
REHEARSAL = "config/examples/rehearsal_1000.yaml"
DOCUMENTED: dict[str, Documented] = {
    OWN: Documented(f"{THIS}::test_your_own_model_runs_every_stage", data="my_images",
                    paths={"data/my_images/train": "train", "data/my_images/test": "test",
                           "data/my_resnet18.ckpt": "weights"}),
    ARCHITECTURE: Documented(f"{THIS}::test_your_own_model_runs_every_stage", base=OWN,
                             data="my_images", paths={"data/my_mobilenet.pt": "other"}),
    "model_comparison: {checkpoint: 1}    # the net trained here, after epoch 1 (the default)":
        Documented("tests/conftest.py::study", base=DEFAULT),
    "model_comparison: {seed: 1}          # the net trained here from another seed":
        Documented(f"{THIS}::test_the_seeds_example_adds_only_the_seeds_studies", base=DEFAULT),
    INCEPTION: Documented(f"{THIS}::test_the_papers_use_cases_run_on_imagenet_classes",
                          data="imagenet_bears",
                          paths={"/data/imagenet/train": "train",
                                 "/data/weights/googlenet-1378be20.pth":
                                     "googlenet-1378be20.pth"}),
    PAPER: Documented(f"{THIS}::test_the_papers_use_cases_run_on_imagenet_classes",
                      base=INCEPTION, data="imagenet_bears",
                      paths={"/data/weights/other.pt": "other.pt"}),
    "config/examples/demo_seeds.yaml":
        Documented(f"{THIS}::test_the_seeds_example_adds_only_the_seeds_studies", base=DEFAULT),
    "config/examples/first_look.yaml":
        Documented(f"{THIS}::test_the_first_look_example_runs_only_the_switched_on_stages",
                   base=DEFAULT),
    "config/examples/planted.yaml":
        Documented(f"{THIS}::test_the_planted_example_measures_what_it_planted", base=DEFAULT,
                   # the planted classes studied; one seed more, not two; what the ground
                   # truth does not read left out
                   small={"dataset": {"classes": [0, 2, 4, 6], "max_images_per_class": 300},
                          "layers": ["mixed3b", "mixed4b"],  # a cascade of three
                          # three nets trained (the model, its seed, shuffled labels): short
                          "model": {"train": {"seeds": [1], "epochs": 2, "max_images": 8000}},
                          "stages": {"featvis": False, "faithfulness": False,
                                     "explain": False, "model_comparison": False},
                          "ground_truth": {"images_per_class": 20, "repeats": 3,
                                           "resamples": 100},
                          "randomization": {"images_per_class": 10, "repeats": 3}}),
    "config/examples/efficientnet_lite0.yaml":
        Documented(f"{THIS}::test_a_1000_class_model_runs_on_a_few_classes", data="imagenet",
                   paths={"data/imagenet/train": "train",
                          "results/pretrained/efficientnet_lite0.pt": "weights"}),
    "config/examples/mobilenet_v3_small.yaml":
        Documented(f"{THIS}::test_the_mobilenet_example_trains_and_studies_its_blocks",
                   small={"dataset": {"classes": [0, 1], "max_images_per_class": 12},
                          "model": {"train": {"epochs": 1, "max_images": 512}}}),
    REHEARSAL: Documented(f"{THIS}::test_the_rehearsal_example_studies_a_folder_built_alike",
                          data="rehearsal", paths={"data/fmnist1000/train": "train",
                                                   "data/fmnist1000/test": "test"},
                          # grouped as at 1000 classes (auto: 40 a job), not one a job
                          small={"model": {"train": {"epochs": 1, "batch_size": 32}},
                                 "classes_per_job": 3}),
}


def readme_configs(readme: str) -> dict[str, str]:
    """The README's YAML blocks by first line; a block setting one key several times gives
    one entry per alternative."""
    out: dict[str, str] = {}
    for block in re.findall(r"^```yaml\n(.*?)^```", readme, re.M | re.S):
        entries = re.split(r"\n(?=\S)", block.strip())
        keys = [e.split(":", 1)[0] for e in entries]
        for text in (entries if len(set(keys)) < len(keys) else [block.strip()]):
            out[text.splitlines()[0].rstrip()] = text + "\n"
    return out


def documented_text(name: str) -> str:
    """A documented config's YAML text: a file's, or a README block's."""
    if name.startswith("config/"):
        return (REPO / name).read_text(encoding="utf-8")
    return readme_configs((REPO / "README.md").read_text(encoding="utf-8"))[name]


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """``over`` merged into ``base`` key by key, as Snakemake merges config files."""
    out = dict(base)
    for k, v in over.items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def _replace(value: Any, paths: dict[str, str]) -> Any:
    if isinstance(value, dict):
        return {k: _replace(v, paths) for k, v in value.items()}
    if isinstance(value, list):
        return [_replace(v, paths) for v in value]
    return paths.get(value, value) if isinstance(value, str) else value


def stand_in_config(name: str, files: dict[str, dict[str, Any]], results: Path
                    ) -> dict[str, Any]:
    """A documented config as the user runs it (merged over its base), its paths replaced by
    stand-ins, its results under ``results``, its cost shrunk (the tiny study is small
    already: a fragment of it runs with its settings)."""
    doc = DOCUMENTED[name]
    own = yaml.safe_load(documented_text(name))
    if doc.base == DEFAULT:
        return _merge(_merge(_merge(TINY, own), doc.small), {"results": str(results)})
    base = stand_in_config(doc.base, files, results) if doc.base else {}
    paths = {k: str(files[doc.data][v]) for k, v in doc.paths.items()}
    return _merge(_merge(_merge(base, _replace(own, paths)), SMALL),
                  {**doc.small, "results": str(results)})


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, dict[str, Any]]:
    """The stand-in data, made once per module (training the two small models included)."""
    root = tmp_path_factory.mktemp("stand_ins")
    return {"my_images": stand_ins.my_images(root / "my_images"),
            "imagenet": stand_ins.imagenet(root / "imagenet"),
            "imagenet_bears": stand_ins.imagenet_bears(root / "imagenet_bears")}


def _run(name: str, files, tmp_path: Path, activated: bool = True
         ) -> tuple[Path, dict[str, int]]:
    """Dry-run, then run, a documented config on its stand-in; the results and the plan."""
    results = tmp_path / "results"
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump(stand_in_config(name, files, results), allow_unicode=True))
    plan = run_snakemake(config, "-n")
    assert plan.returncode == 0, plan.stdout[-3000:] + plan.stderr[-3000:]
    run = run_snakemake(config, activated=activated)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    return results, job_counts(plan.stdout)


def _json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def test_every_documented_config_is_listed():
    readme = set(readme_configs((REPO / "README.md").read_text(encoding="utf-8")))
    examples = {p.relative_to(REPO).as_posix() for p in (REPO / "config/examples").glob("*")}
    shown = readme | examples
    assert shown - DOCUMENTED.keys() == set(), "documented configs no test runs: list them"
    assert DOCUMENTED.keys() - shown == set(), "DOCUMENTED lists configs the docs dropped"
    for doc in DOCUMENTED.values():
        path, test = doc.run.split("::")
        assert re.search(rf"^def {test}\(", (REPO / path).read_text(), re.M), doc.run


def test_the_scan_splits_alternatives_and_keeps_blocks_whole():
    readme = ("```yaml\na: {x: 1}   # one\na: {x: 2,\n    y: 3}\n```\n\n"
              "```yaml\nb: 1\nc: [1,\n    2]\n```\n\n```bash\nd: no\n```\n")
    assert readme_configs(readme) == {"a: {x: 1}   # one": "a: {x: 1}   # one\n",
                                      "a: {x: 2,": "a: {x: 2,\n    y: 3}\n",
                                      "b: 1": "b: 1\nc: [1,\n    2]\n"}


# The configs the real runs below run as they are (the others are part of one of them).
RUN = (ARCHITECTURE, PAPER, "config/examples/efficientnet_lite0.yaml",
       "config/examples/mobilenet_v3_small.yaml", "config/examples/demo_seeds.yaml", REHEARSAL)


@pytest.mark.parametrize("name", [n for n in DOCUMENTED if n not in RUN])
def test_a_documented_config_plans_as_it_is(name, files, tmp_path):
    """Each config a real run below takes only as part of a larger one, dry-run alone."""
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump(stand_in_config(name, files, tmp_path / "results"),
                                     allow_unicode=True))
    plan = run_snakemake(config, "-n")
    assert plan.returncode == 0, plan.stdout[-3000:] + plan.stderr[-3000:]
    assert job_counts(plan.stdout)["all"] == 1


def test_your_own_model_runs_every_stage(files, tmp_path):
    """A ResNet-18 trained here on drawn shapes, its Lightning checkpoint as the weights file,
    an image folder with a test folder, compared with a MobileNetV3-small (another
    architecture, a DataParallel file) through its own layers: every stage, run by
    ``.venv/bin/snakemake`` without activating the environment."""
    results, plan = _run(ARCHITECTURE, files, tmp_path, activated=False)
    rules = {m for f in (REPO / "workflow" / "rules").glob("*.smk")
             for m in re.findall(r"^rule (\w+):", f.read_text(), re.M)}
    # nothing trained (weights given), nothing planted, nothing randomized
    assert rules - plan.keys() == {"train", "seeds", "ground_truth", "ground_truth_summary",
                                   "randomization_weights", "randomization"}
    log = (results / "logs" / "describe_model.log").read_text()
    assert "took the state dict under 'state_dict'" in log and "stripped 'model.'" in log
    accuracy = [_json(results / "stats" / f"{c}.json")["accuracy"] for c in range(3)]
    assert min(accuracy) >= 0.8, accuracy  # the trained net, on its own training images
    for c in range(3):
        f = _json(results / "faithfulness" / f"{c}.json")
        assert f["split"] == "test" and not f["in_sample"] and f["n_images"] == 6
    names = [c["name"] for c in _json(results / "site" / "data" / "study.json")["classes"]]
    assert names == list(stand_ins.SHAPES)
    layers = ["layer1", "layer2", "layer3", "layer4"]
    layers_b = ["features.1", "features.3", "features.8", "features.11"]
    for layer, layer_b in zip(layers, layers_b, strict=True):
        m = _json(results / "comparison" / "matching" / f"{layer}.json")
        assert (m["layer_a"], m["layer_b"]) == (layer, layer_b)
        assert len(m["pairs"]) == min(m["channels_a"], m["channels_b"])
        assert len(m["unmatched_b"]) >= m["channels_b"] - m["channels_a"]
    r = _json(results / "analysis" / "models" / "0.json")
    assert r["models"] == ["ResNet-18 (mine)", "MobileNetV3-small"]
    assert {m["layer_b"] for m in r["matching"].values()} == set(layers_b)
    b_graph = _json(results / "comparison" / "graphs" / "0.json")
    assert b_graph["layers"] == layers_b
    assert {(n["b_layer"], n["b_channel"]) for n in r["graph_b"]["nodes"]} == {
        (n["layer"], n["channel"]) for n in b_graph["nodes"]}
    assert {n["layer"] for n in r["graph_b"]["nodes"]} <= set(layers)
    assert (results / "figures" / "models" / "0.png").stat().st_size > 0
    assert (results / "site" / "index.html").is_file()


def test_a_1000_class_model_runs_on_a_few_classes(files, tmp_path):
    """EfficientNet-Lite0 with its shipped ImageNet weights on three ImageNet classes (crops
    of photos), through dataset.class_index: imagenet; every stage."""
    results, _ = _run("config/examples/efficientnet_lite0.yaml", files, tmp_path)
    study = _json(results / "site" / "data" / "study.json")
    ids = {c["id"]: c for c in study["classes"]}
    assert {i: c["name"] for i, c in ids.items()} == {285: "Egyptian cat", 665: "moped",
                                                      967: "espresso"}
    # Top-1 over all 1000 outputs: the photos' crops are mostly named right.
    assert sum(c["accuracy"] * c["n_images"] for c in ids.values()) >= 0.7 * 18
    for cid in ids:
        graph = _json(results / "graphs" / f"{cid}.json")
        assert graph["class"] == {"id": cid, "name": ids[cid]["name"]} and graph["nodes"]
        f = _json(results / "faithfulness" / f"{cid}.json")
        specificity = f["variants"]["per_layer"]["specificity"]
        assert f["in_sample"] and specificity["classes"] == [cid, *sorted(set(ids) - {cid})]
    examples = _json(results / "examples" / "_blocks.15.json")
    assert {e["class"] for ch in examples["channels"] for e in ch} <= set(ids)


def test_the_papers_use_cases_run_on_imagenet_classes(files, tmp_path):
    """The README's InceptionV1 config with the paper's use cases added, on the two bears of
    Figure 9 (drawn, in folders named by WordNet id, paired by name), GoogLeNet weights in
    torchvision's layout, and a second GoogLeNet compared: every stage."""
    results, plan = _run(PAPER, files, tmp_path)
    assert plan["aggregate"] == 4 and plan["matching"] == 9  # two studies, nine layers
    pair = _json(results / "analysis" / "class_pairs.json")["pairs"]["295_294"]
    assert (pair["a"]["name"], pair["b"]["name"]) == ("American black bear", "brown bear")
    assert (results / "figures" / "class_pairs" / "295_294.png").is_file()
    assert _json(results / "analysis" / "models" / "294.json")["models"][1] == \
        "GoogLeNet (fine-tuned)"


def test_the_mobilenet_example_trains_and_studies_its_blocks(tmp_path):
    """The MobileNetV3-small example, trained briefly, studied on two Fashion-MNIST classes."""
    results, plan = _run("config/examples/mobilenet_v3_small.yaml", {}, tmp_path)
    assert plan["train"] == 1 and plan["featvis"] == 22  # 11 blocks, the model and epoch 1
    model = _json(results / "model" / "model.json")
    assert model["layers"] == [f"features.{i}" for i in range(1, 12)]
    assert (results / "site" / "index.html").is_file()


def test_the_rehearsal_example_studies_a_folder_built_alike(tmp_path):
    """The 1000-class rehearsal on a folder built by the same command, small (2 Fashion-MNIST
    classes under 3 transforms, 20 training and 6 test images each), trained briefly here with
    its second seed: every stage, a graph per class, the classes named by their folders."""
    built = rehearsal.Settings(transforms=3, classes=(0, 7), train_per_class=20,
                               test_per_class=6, root=str(FMNIST))
    rehearsal.build(tmp_path / "fmnist", built, log=lambda _: None)
    files = {"rehearsal": {"train": tmp_path / "fmnist" / "train",
                           "test": tmp_path / "fmnist" / "test"}}
    results, plan = _run(REHEARSAL, files, tmp_path)
    assert plan["train"] == 2 and plan["seeds"] == 1  # the model and seed 1
    assert plan["aggregate_0"] == plan["aggregate_1"] == 2 and "aggregate_2" not in plan
    names = [c["name"] for c in _json(results / "site" / "data" / "study.json")["classes"]]
    assert names == rehearsal.folder_names(built)
    for c in range(len(names)):
        graph = _json(results / "graphs" / f"{c}.json")
        assert graph["class"] == {"id": c, "name": names[c]} and graph["nodes"]
    assert (results / "analysis" / "seeds.md").is_file()
    assert (results / "site" / "index.html").is_file()


def test_the_seeds_example_adds_only_the_seeds_studies(study, tmp_path):
    """demo_seeds.yaml after the default run, in the same results folder: only the seeds'
    studies and what compares them run; seed 1 is matched and its findings reported."""
    base_results, _ = study
    results = tmp_path / "results"
    shutil.copytree(base_results, results, symlinks=True)
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump(stand_in_config("config/examples/demo_seeds.yaml", {},
                                                     results)))
    plan = run_snakemake(config, "-n")
    assert plan.returncode == 0, plan.stdout[-3000:] + plan.stderr[-3000:]
    jobs = job_counts(plan.stdout)
    assert jobs["train"] == 2 and "faithfulness" not in jobs  # the model's work is done
    run = run_snakemake(config)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    seed = results / "seeds" / "1"
    assert _json(seed / "model" / "model.json")["name"].endswith("seed 1")
    channels = _json(results / "analysis" / "seeds.json")["channels"]
    assert [m["seed"] for m in channels["matching"]] == [1, 2]
    assert all(set(m["layers"]) == set(LAYERS) for m in channels["matching"])
    for c in channels["classes"]:
        graph = _json(results / "graphs" / f"{c['id']}.json")
        assert set(c["vertices"]) == {n["id"] for n in graph["nodes"]}
        for x in c["seeds"]:
            assert 0 <= x["conserved"] <= 1
            assert x["conserved_spread"]["p5"] <= x["conserved_spread"]["p95"]
        assert c["in_every_seed"] == sum(v == 3 for v in c["vertices"].values())
    text = (results / "analysis" / "seeds.md").read_text()
    assert "Share of each class's graph (vertices) that seed 1's graph keeps" in text
    comparison = _json(results / "analysis" / "models" / "1.json")
    assert comparison["models"][1].endswith("seed 1")
    kept = next(c for c in channels["classes"] if c["id"] == 1)["seeds"][0]["conserved"]
    assert comparison["conserved"]["vertices"] == pytest.approx(kept)


def test_the_planted_example_measures_what_it_planted(tmp_path):
    """planted.yaml, small: the two stamps land in the planted classes' training and test
    images, and the ground truth is measured on the model and its seed (the shortcut on
    every planted test image, the pattern channels, every class graph's recovery, the
    ablations) and said in analysis/ground_truth.md."""
    results, plan = _run("config/examples/planted.yaml", {}, tmp_path)
    assert plan["ground_truth"] == 2 and plan["ground_truth_summary"] == 1
    report = _json(results / "analysis" / "ground_truth.json")
    assert [s["seed"] for s in report["studies"]] == [0, 1]
    channels = {x["name"]: x["channels"]
                for x in _json(results / "model" / "structure.json")["layers"]}
    for s in report["studies"]:
        shirt, dot = s["stamps"]
        assert shirt["stamp"]["classes"] == [6] and dot["stamp"]["classes"] == [2, 4]
        assert shirt["shortcut"]["n_planted"] == 500 and dot["shortcut"]["n_planted"] == 1000
        assert shirt["shortcut"]["n_other"] == 3 * 20
        for st in (shirt, dot):
            assert set(st["recovery"]["classes"]) == {"0", "2", "4", "6"}
            for layer, picked in st["pattern"].items():
                assert all(0 <= c < channels[layer] for c in picked)
                assert len(st["response"][layer]["effect"]) == channels[layer]
            for c in map(str, st["stamp"]["classes"]):
                assert st["ablation"][c]["n_images"] == 500
        assert "shared" in dot["recovery"] and "shared" not in shirt["recovery"]
    text = (results / "analysis" / "ground_truth.md").read_text()
    assert "checkerboard (6 px, random) in Shirt" in text and "dot (5 px, top_right)" in text
    assert [h["studies"] for h in report["across"]] == [2, 2]
    # the randomization checks: the cascade (a study per layer and one), the shuffled labels
    assert plan["randomization_weights"] == len(channels) + 1 and plan["randomization"] == 1
    assert plan["train"] == 3  # the model, its seed, the shuffled-label net
    models = _json(results / "analysis" / "randomization.json")["models"]
    depths = len(channels) + 1
    assert [m["kind"] for m in models] == ["trained", *["cascade"] * depths, "shuffled"]
    assert [m["name"] for m in models[1:-1]] == ["head", *reversed(list(channels))]
    assert models[0]["graphs"]["mean"]["jaccard"] == 1.0
    assert models[0]["neighbourhoods"]["mean"] == 1.0
    for m in models:
        assert len(m["graphs"]["classes"]) == 4 and len(m["faithfulness"]["classes"]) == 4
        assert 0 <= m["graphs"]["mean"]["chance"] < 1 and 0 <= m["accuracy"] <= 1
    full = _json(results / "randomized" / str(depths) / "model" / "randomized.json")
    assert full["depth"] == depths and {"fc", "conv1.conv"} <= set(full["modules"])
    assert "Fully randomized" in (results / "analysis" / "randomization.md").read_text()
    assert (results / "figures" / "randomization.png").is_file()


def test_the_first_look_example_runs_only_the_switched_on_stages(study, tmp_path):
    """first_look.yaml over the default run's results: the switched-off stages plan no job,
    the findings measured on resampled graphs are stated without support, the figures are
    drawn without renders and the site publishes no switched-off panel or figure."""
    base_results, _ = study
    results = tmp_path / "results"
    shutil.copytree(base_results, results, symlinks=True)
    # what the switches change is made again (a copied folder has no Snakemake records, so
    # only missing outputs re-run)
    for stale in ("site", "figures/graphs", "analysis"):
        shutil.rmtree(results / stale)
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump({**stand_in_config("config/examples/first_look.yaml", {},
                                                        results), "plan_at_start": True}))
    plan = run_snakemake(config, "-n")
    assert plan.returncode == 0, plan.stdout[-3000:] + plan.stderr[-3000:]
    jobs = job_counts(plan.stdout)
    assert {"site", "findings", "class_pairs", "motifs", "class_figure"} <= set(jobs)
    assert not set(jobs) & {"faithfulness", "faithfulness_summary", "stability",
                            "stability_summary", "featvis", "model_comparison", "matching",
                            "explain", "explain_summary", "confusions"}
    run = run_snakemake(config)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "stages off: faithfulness, stability, model_comparison, featvis, explain" in run.stderr
    # the plan of the run's jobs, printed when it starts
    assert "the plan of this run" in run.stderr and "| class_pairs | 1 |" in run.stderr
    assert "| faithfulness |" not in run.stderr
    findings = _json(results / "analysis" / "findings.json")["findings"]
    unmeasured = [f for f in findings if f["support"] is None]
    assert {f["kind"] for f in unmeasured} == {"class_pairs", "motifs"} - (
        set() if _json(results / "analysis" / "motifs.json")["motifs"] else {"motifs"})
    assert all(f["tentative"] is None for f in unmeasured)
    assert "Without support" in (results / "analysis" / "findings.md").read_text()
    data = results / "site" / "data"
    published = {p.name for p in (results / "site").rglob("*")}
    assert not {"faithfulness.png", "stability.png", "model_comparison.png"} & published
    assert not (data / "panels").exists() or not any((data / "panels").iterdir())
