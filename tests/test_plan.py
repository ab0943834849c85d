"""The plan's arithmetic (summit.plan): counts from the workflow's jobs, units times counts,
the expected channels a featvis job renders, and the table's totals, on hand-made cases."""

import itertools
import math
import subprocess
import sys

import pytest
import yaml

from summit.plan.build import rows, stage_jobs, table
from summit.plan.calibrate import Calibration, grown, slope
from summit.plan.command import job_stats
from summit.plan.costs import Study, distinct_channels, layer_unit
from summit.plan.stages import row
from tests.e2e import REPO, TINY, e2e, job_counts, run_snakemake

DRY_RUN = """Building DAG of jobs...
Job stats:
job                 count
----------------  -------
train                   1
aggregate_0             2
aggregate_1             2
graph_0                 2
graph_1                 2
stats_0                 1
stats_1                 1
featvis                 8
site                    1
all                     1
total                  21
"""


def test_the_dry_runs_jobs_become_jobs_and_classes_per_stage():
    rules = job_stats(DRY_RUN)
    assert rules["aggregate_1"] == 2 and rules["all"] == 1 and "total" not in rules
    jobs, covered = stage_jobs(rules, ["aggregate", "graph", "stats"],
                               {"0": [0, 1, 2], "1": [3, 4]})
    assert jobs == {"train": 1, "aggregate": 4, "graph": 4, "stats": 2, "featvis": 8,
                    "site": 1}
    assert covered == {"aggregate": 10, "graph": 10, "stats": 5}  # two studies × 5 classes
    per_class = stage_jobs({"graph": 20, "stats": 10}, ["graph", "stats"], {"0": list(range(10))})
    assert per_class == ({"graph": 20, "stats": 10}, {"graph": 20, "stats": 10})


def test_expected_distinct_channels_equal_an_enumeration():
    for c, k, n in [(5, 2, 3), (6, 1, 4), (4, 3, 2)]:
        subsets = list(itertools.combinations(range(c), k))
        counts = [len(set().union(*draw)) for draw in itertools.product(subsets, repeat=n)]
        assert distinct_channels(c, k, n) == pytest.approx(sum(counts) / len(counts))
    assert distinct_channels(10, 0, 5) == 0 and distinct_channels(10, 20, 1) == 10


def test_a_slope_and_a_layer_unit():
    assert slope((10, 3.0), (30, 7.0)) == pytest.approx((0.2, 1.0))
    assert slope((10, 3.0), (30, 2.0)) == (0.0, 3.0)  # noise never makes a cost negative
    units = {"a": 1.0, "d": 4.0}
    assert [layer_unit(units, list("abcd"), x) for x in "abcd"] == [1.0, 2.0, 3.0, 4.0]


def _study(**jobs: int) -> Study:
    config = {"stability": {"resamples": 5, "split_halves": 2},
              "faithfulness": {"images_per_class": 8, "specificity_classes": 1,
                               "specificity_images": 2, "reference_images": 10},
              "featvis": {"channels": "graph", "diversity": 1, "batch_channels": 2, "steps": 10,
                          "size": None},
              "input": {"size": 4}, "separability": {"max_images_per_class": 15},
              "explain": {"misclassified": 3, "least_confident": 1, "most_confident": 1,
                          "repeats": 4},
              "ground_truth": {"images_per_class": 3, "repeats": 2},
              "randomization": {"images_per_class": 4, "repeats": 3, "shuffled_labels": True},
              "dataset": {"plant": {"stamps": [{"classes": [1], "share": 0.5}]}}}
    return Study(images=[10, 20], test_images=[5, 100], layers=["a", "b"], channels=[4, 8],
                 config=config, jobs=jobs, covered={k: 2 * v for k, v in jobs.items()},
                 train_images=100, epochs=3)


CAL = Calibration(device="cpu", batch=8, start={"model_free": 1.0, "model": 2.0},
                  pass_image=0.1, pass_class=0.5, pass_first=0.25, forward_image=0.01,
                  warm={"graph": 0.2, "stats": 0.05, "class_figure": 0.3},
                  first={"graph": 0.4}, faithfulness_image=0.3, faithfulness_class=0.7,
                  faithfulness_first=0.15,
                  reference_image=0.02, reference_once=1.2, stability_build=0.2,
                  stability_class=0.6, train_first=0.8, featvis_step={"a": 0.01, "b": 0.03},
                  featvis_once={"a": 0.1, "b": 0.7}, train_image=0.004, train_once=1.5,
                  store_image_bytes=100, store_class_bytes=1000, pass_memory_mb=900,
                  vertices=4)


def test_a_unit_is_timed_on_counts_grown_until_the_time_has_grown_by_the_budget():
    """A step of 0.5 s plus 0.01 s per unit, 0.3 s more on its first call: from 8 units
    (cold, then warm) ×4 until 2 s more than the warm start (at 512 units), capped."""
    calls: list[int] = []

    def run(n: int) -> float:
        calls.append(n)
        return 0.5 + 0.01 * n + (0.3 if len(calls) == 1 else 0.0)

    per, fixed, first = grown(run, 8, 10_000, budget=2.0)
    assert calls == [8, 8, 32, 128, 512]
    assert (per, fixed, first) == (pytest.approx(0.01), pytest.approx(0.5), pytest.approx(0.3))
    calls.clear()
    assert grown(run, 8, 100, budget=2.0)[:2] == (pytest.approx(0.01), pytest.approx(0.5))
    assert calls == [8, 8, 32, 100]  # the cap is the last count


def test_each_stage_is_its_count_times_its_unit_plus_start_up():
    s = _study(aggregate=2, graph=2, stability=2, faithfulness=1, train=1, featvis=2)
    # two studies' classes (covered = 2 × jobs): 2 × (30 images × 0.1 + 2 classes × 0.5), and
    # per job its start-up and the first call's extra (the dataset opened once): 2 × (2 + 0.25)
    assert row("aggregate", s, CAL).seconds == pytest.approx(2 * (3.0 + 1.0) + 4.5)
    assert row("aggregate", s, CAL).disk_bytes == pytest.approx(2 * (30 * 100 + 2 * 1000))
    assert row("graph", s, CAL).seconds == pytest.approx(4 * 0.2 + 2 * (1.0 + 0.4))
    # four classes covered: (1 + 5 resamples + 2 × 2 halves) builds each, and the rest
    assert row("stability", s, CAL).seconds == pytest.approx(4 * (0.2 * 10 + 0.6) + 2 * 1.0)
    # per class: min(8, test images) × 0.3 + 0.7 + 3 × (1 × 2) × 0.01; one study, one job
    faith = (8 + 5) * 0.3 + 2 * (0.7 + 0.06) + 2.0 + 0.15
    assert row("faithfulness", s, CAL).seconds == pytest.approx(faith)
    assert row("train", s, CAL).seconds == pytest.approx(2.0 + 0.8 + 3 * (100 * 0.004 + 1.5))
    # 2 vertices per layer per class, 2 classes: expected distinct channels, rendered with
    # one diversity image each for 10 steps, and each render's set-up; one layer job per study
    fv = 0.0
    for layer, channels in (("a", 4), ("b", 8)):
        n = math.ceil(distinct_channels(channels, 2, 2))
        fv += CAL.featvis_once[layer] + 10 * n * 2 * CAL.featvis_step[layer]
    assert row("featvis", s, CAL).seconds == pytest.approx(fv + 2 * 2.0)


def test_explained_images_cost_their_pass_graph_and_ablations():
    """Per class covered: 5 chosen images, each through the pass (0.1), its graph built
    (0.2) and 1 + 2 × (1 + 4) conditions of at most a forward pass (0.01); per job the
    model's start-up."""
    s = _study(explain=3)
    assert row("explain", s, CAL).seconds == pytest.approx(
        6 * 5 * (0.1 + 0.2 + 11 * 0.01) + 3 * 2.0)


def test_the_ground_truth_costs_its_probe_and_ablations_per_study():
    """Per study: the stamp's planted images (0.5 × 52.5 mean test images × 1 class) and 3
    images of the other class, each twice (clean, stamped), and the planted ones under
    1 + 2 × (1 + 2) conditions, a forward pass (0.01) each; per job the model's start-up."""
    s = _study(ground_truth=2)
    planted = 0.5 * 52.5
    images = 2 * (planted + 3) + planted * 7
    assert row("ground_truth", s, CAL).seconds == pytest.approx(2 * (images * 0.01 + 2.0))


def test_the_randomization_runs_every_model_on_its_images():
    """The trained model, 3 depths of the cascade and the shuffled-label net: each loads (2.0)
    and runs 2 classes × 4 images 3 + 3 times (mean maps, clean, graph, random sets)."""
    s = _study(randomization=1, randomization_weights=3)
    assert row("randomization", s, CAL).seconds == pytest.approx(5 * (2 * 4 * 6 * 0.01 + 2.0))


def test_the_small_stages_pay_per_class_besides_their_reads():
    """A^l, examples and matching read every class's store once per layer job: the reads and
    a unit per class (opening its store); separability fits a classifier per class."""
    from summit.plan.costs import DEMO, PER_CLASS

    s = _study(activations=4, separability=2)
    reads = 30 * 12 / 2  # images × channels, per layer
    assert row("activations", s, CAL).seconds == pytest.approx(
        4 * (reads * DEMO["activations"] + 2 * PER_CLASS["activations"] + 1.0))
    fit = DEMO["separability"] * (10 + 15) * 8 + PER_CLASS["separability"] * 2  # images capped
    assert row("separability", s, CAL).seconds == pytest.approx(2 * (fit + 1.0))


def test_the_table_totals_its_stages():
    s = _study(aggregate=2, graph=2, site=1)
    rows = [row(stage, s, CAL) for stage in ("aggregate", "graph", "site")]
    text = table(rows, CAL, cores=2)
    total = next(line for line in text.splitlines() if line.startswith("| **total**"))
    assert "| 5 |" in total and f"{sum(r.seconds for r in rows):.0f} s" in total
    assert "| site | 1 |" in text and "extrapolated" in text


def test_a_gpus_forward_rate_scales_only_the_model_running_work():
    """At F images/s the per-image units scale by (1/F) / forward_image and run on the GPU;
    start-up, per-class fixed parts and model-free stages stay as measured."""
    gpu = CAL.at_forward_rate(1000.0)  # 10× this CPU's forward (0.01 s per image)
    s = _study(aggregate=2, graph=2, train=1)
    assert row("aggregate", s, gpu).seconds == pytest.approx(2 * (30 * 0.01 + 2 * 0.5) + 4.5)
    assert row("aggregate", s, gpu).gpu and not row("graph", s, gpu).gpu
    assert row("graph", s, gpu).seconds == row("graph", s, CAL).seconds
    assert row("train", s, gpu).seconds == pytest.approx(2.8 + 3 * (100 * 0.0004 + 1.5))
    assert gpu.featvis_step == {"a": pytest.approx(0.001), "b": pytest.approx(0.003)}
    text = table(rows(s, gpu), gpu, cores=2)
    assert "extrapolated to the GPU" in text and "1000 images/s" in text
    assert "on cpu (batch 8)" in text and "one GPU" in text


@e2e
def test_summit_plan_prints_every_stage_of_the_study(study):
    """`summit plan` on the tiny study: a row per stage the dry run plans, with its jobs, the
    totals, and the table and units kept under the results' plan folder (nothing outside)."""
    results, config = study
    dry = run_snakemake(config, "-n", "-F", "--quiet", "rules")
    planned = {k: v for k, v in job_counts(dry.stdout).items() if k != "all"}
    run = subprocess.run([sys.executable, "-m", "summit", "plan", f"--configfile={config}",
                          "--cores", "2"], cwd=REPO, capture_output=True, text=True,
                         timeout=900)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    rows = {line.split("|")[1].strip(): line for line in run.stdout.splitlines()
            if line.startswith("| ") and not line.startswith("| stage")}
    assert {stage: int(rows[stage].split("|")[2]) for stage in planned} == planned
    assert f"| **total** | {sum(planned.values())} |" in run.stdout
    assert (results / "plan" / "plan.md").read_text().strip() in run.stdout
    assert {p.name for p in (results / "plan").iterdir()} >= {"plan.json", "calibration.json"}


@e2e
def test_the_runs_benchmark_sets_job_time_against_work(study):
    """`python -m summit.dev.bench.runs RESULTS`: per stage the jobs' wall time from the
    benchmark files, the steps' own work from the logs, and the share outside it."""
    from summit.dev.bench.runs import stage_costs

    results, _ = study
    costs = stage_costs(results)
    assert costs["graph"]["jobs"] == 6 and costs["graph"]["classes"] == 6  # two studies
    assert all(0 < r["work"] <= r["wall"] + 1e-6 for r in costs.values() if r["classes"])
    run = subprocess.run([sys.executable, "-m", "summit.dev.bench.runs", str(results)],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    assert "| graph | 6 | 6 |" in run.stdout and "| **all** |" in run.stdout


def test_stand_in_counts_and_folders():
    """``--stand-in N[:M]`` reads as training and held-out images per class; the stand-in's
    folders are the class index's (ImageNet's WordNet ids, in output order), else numbered
    ones, and without either the command says what to give."""
    from summit.config import ConfigError
    from summit.plan.stand_in import _folders, counts

    assert counts("1300") == (1300, 1300) and counts("1300:50") == (1300, 50)
    for bad in ("0", "12:x", "1:2:3", "-5", ""):
        with pytest.raises(ConfigError, match="--stand-in"):
            counts(bad)
    imagenet = _folders({"class_index": "imagenet"}, None)
    assert len(imagenet) == 1000 and imagenet[0] == "n01440764" and imagenet[-1] == "n15075141"
    assert _folders({}, 3) == ["class0000", "class0001", "class0002"]
    with pytest.raises(ConfigError, match="--stand-in-classes"):
        _folders({}, None)


@e2e
def test_a_study_plans_without_its_data(tmp_path):
    """`summit plan --stand-in 40:8` on a config whose folder and weights file do not exist
    (a 1000-output net on ImageNet's class folders): the plan is for 40 images per class, the
    stand-in lives under the results' plan folder, and the job counts are the dry run's."""
    results = tmp_path / "results"
    config = tmp_path / "imagenet.yaml"
    config.write_text(yaml.safe_dump({
        **TINY, "results": str(results), "class_pairs": {"pairs": [[0, 2]]},
        "dataset": {"kind": "image_folder", "name": "ImageNet", "root": str(tmp_path / "no"),
                    "class_index": "imagenet", "classes": [0, 1, 2]},
        "model": {"kind": "demo", "width": 0.25, "weights": str(tmp_path / "none.pt")},
        "input": {"size": 28, "channels": 3, "mean": [0.5] * 3, "std": [0.25] * 3},
        "stages": {"faithfulness": False, "featvis": False, "seeds": False,
                   "model_comparison": False, "matching": False}}))
    run = subprocess.run([sys.executable, "-m", "summit", "plan", f"--configfile={config}",
                          "--stand-in", "40:8", "--cores", "2"], cwd=REPO,
                         capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "Planned for 40 training and 8 held-out images per class" in run.stdout
    assert "random weights for the missing" in run.stdout
    assert "| aggregate | 1 |" in run.stdout or "| aggregate | 3 |" in run.stdout
    stand_in = results / "plan" / "stand_in"
    assert len(list((stand_in / "train").iterdir())) == 1000
    assert (stand_in / "weights.pt").is_file() and not (tmp_path / "no").exists()
    gpu = subprocess.run([sys.executable, "-m", "summit", "plan", f"--configfile={config}",
                          "--stand-in", "40:8", "--forward-rate", "2500"], cwd=REPO,
                         capture_output=True, text=True, timeout=900)  # units read back
    assert gpu.returncode == 0, gpu.stdout[-3000:] + gpu.stderr[-3000:]
    assert "| aggregate |" in gpu.stdout and "extrapolated to the GPU" in gpu.stdout
