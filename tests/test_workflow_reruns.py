"""End to end, re-running the tiny study: nothing to do twice, only dependents re-run, killed
and cluster jobs give the same results, bad settings stop before any job."""

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import yaml

from summit.io.reports import NonsemanticReport
from summit.io.store import ClassStore
from tests.e2e import (
    E2E,
    LAYERS,
    REPO,
    TINY,
    job_counts,
    run_snakemake,
)

pytestmark = E2E


def test_second_run_has_nothing_to_do(study):
    _, config = study
    run = run_snakemake(config, "-n")
    assert run.returncode == 0
    assert "Nothing to be done" in run.stdout + run.stderr


def test_cluster_generic_executor_reruns_per_class_jobs_with_equal_results(study):
    """Jobs submitted one by one to background shells (the cluster-generic executor) give
    the same graphs, byte for byte, as the local run."""
    results, config = study
    before = {p.name: p.read_bytes() for p in (results / "graphs").iterdir()}
    shutil.rmtree(results / "graphs")
    shutil.rmtree(results / "stats")
    logs = results.parent / "cluster-logs"
    env_logs = {"SUMMIT_CLUSTER_LOGS": str(logs)}
    targets = [str(results / kind / f"{c}.json") for kind in ("graphs", "stats") for c in range(3)]
    run = run_snakemake(config, "--profile", "workflow/profiles/local-cluster", *targets,
                     env=env_logs)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    after = {p.name: p.read_bytes() for p in (results / "graphs").iterdir()}
    assert after == before
    submitted = [p.read_text().splitlines()[0] for p in logs.glob("*.out")]
    assert sum("--job graph" in s for s in submitted) == 3  # one job per class
    assert sum("--job stats" in s for s in submitted) == 3
    assert all("--mem-mb" in s and "--runtime" in s for s in submitted)


def test_slurm_profile_dry_run_fans_out_with_resources(study):
    _, config = study
    run = run_snakemake(config, "--profile", "workflow/profiles/slurm", "-n", "--forceall")
    out = run.stdout + run.stderr
    assert run.returncode == 0, out[-3000:]
    # Both studies (the model's and the compared checkpoint's) fan out per class and layer.
    for rule, n in [("aggregate", 6), ("graph", 6), ("featvis", 8), ("examples", 4)]:
        assert any(line.split()[:2] == [rule, str(n)] for line in out.splitlines()), rule
    jobs = out.split("rule aggregate:")[1:]
    assert len(jobs) == 6 and all("mem_mb=" in j and "runtime=" in j for j in jobs)


def test_a_new_extraction_threshold_reruns_graphs_not_forward_passes(study):
    results, config = study
    changed = config.with_name("share.yaml")
    cfg = yaml.safe_load(config.read_text())
    changed.write_text(yaml.safe_dump({**cfg, "graph": {"share": 0.2}}))
    run = run_snakemake(changed, "-n")
    assert run.returncode == 0, run.stderr[-2000:]
    jobs = job_counts(run.stdout + run.stderr)
    assert jobs.get("graph") == 6  # both studies' graphs
    for untouched in ["train", "describe_model", "aggregate", "activations", "embedding",
                      "stats", "examples"]:
        assert untouched not in jobs, jobs


def test_killed_class_job_reruns_to_identical_results(study):
    """SIGKILL a per-class job while it writes its store; the re-run's store is the same
    as the first run's (tallies, maxima, predictions), and so is a recomputed embedding."""
    import signal

    results, config = study
    store = results / "aggregate" / "1.zarr"
    before = ClassStore(store)
    tallies, maxima = before.tallies(), before.maxima("mixed4b")[:]
    predicted = before.prediction("predicted")
    embedding = (results / "embedding" / "embedding.json").read_bytes()
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    job = subprocess.Popen(["snakemake", "--cores", "2", f"--configfile={config}",
                            "--forcerun=aggregate", str(store)], cwd=REPO, env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                           start_new_session=True)
    partial = store.with_name("1.zarr.partial")
    deadline = time.monotonic() + 300
    while not partial.exists() and job.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    killed = 0
    for proc in Path("/proc").iterdir():  # the job's own process, as a dying node would
        try:
            cmd = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"aggregate" in cmd and b"--cls" in cmd and b"--store" in cmd and \
                str(store).encode() in cmd:
            os.kill(int(proc.name), signal.SIGKILL)
            killed += 1
    assert killed == 1
    assert job.wait(timeout=300) != 0  # Snakemake saw its job die
    assert not store.exists()  # the half-written store is not taken as complete
    run = run_snakemake(config, "--forcerun=embedding", str(store),
                     str(results / "embedding" / "embedding.json"))
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    after = ClassStore(store)
    assert after.tallies().keys() == tallies.keys()
    for name, counts in tallies.items():
        np.testing.assert_array_equal(after.tallies()[name], counts)
    np.testing.assert_array_equal(after.maxima("mixed4b")[:], maxima)
    np.testing.assert_array_equal(after.prediction("predicted"), predicted)
    assert (results / "embedding" / "embedding.json").read_bytes() == embedding


def _dry_runs(study, name: str, change: dict) -> tuple[dict[str, int], dict[str, int]]:
    """The jobs a dry run plans with ``change`` over the study's config, and those it plans
    without (jobs another test left to do, e.g. a re-run class's pass, are in both)."""
    _, config = study
    changed = config.with_name(f"{name}.yaml")
    changed.write_text(yaml.safe_dump({**yaml.safe_load(config.read_text()), **change}))
    before = run_snakemake(config, "-n")
    run = run_snakemake(changed, "-n")
    assert run.returncode == 0 and before.returncode == 0, run.stderr[-2000:]
    out = before.stdout + before.stderr
    return job_counts(run.stdout + run.stderr), job_counts(out) if "Job stats:" in out else {}


def test_excluding_nonsemantic_channels_reruns_only_graph_rules(study):
    jobs, baseline = _dry_runs(study, "exclude", {"graph": {"exclude_nonsemantic": True}})
    assert jobs.get("graph") == 6  # both models' graphs
    # the second model's own channels, besides what another test left to do
    assert jobs.get("nonsemantic") == baseline.get("nonsemantic", 0) + 1
    for untouched in ["train", "describe_model", "aggregate", "activations", "embedding",
                      "stats", "examples", "separability", "neighbours"]:
        assert jobs.get(untouched) == baseline.get(untouched), (untouched, jobs, baseline)


def test_a_faithfulness_setting_reruns_only_the_faithfulness_stage(study):
    faithfulness = yaml.safe_load(study[1].read_text())["faithfulness"]
    jobs, baseline = _dry_runs(study, "faithfulness",
                               {"faithfulness": {**faithfulness, "repeats": 3}})
    assert jobs.get("faithfulness") == 3 and jobs.get("faithfulness_summary") == 1
    assert jobs.get("faithfulness_reference") == baseline.get("faithfulness_reference")
    for untouched in ["train", "aggregate", "activations", "graph", "featvis", "stats"]:
        assert jobs.get(untouched) == baseline.get(untouched), (untouched, jobs, baseline)


def test_a_graph_leaves_out_the_flagged_channels(study, tmp_path):
    from summit.cli import main

    results, _ = study
    config = json.loads((results / "provenance.json").read_text())["config"]
    graph = json.loads((results / "graphs" / "0.json").read_text())
    flagged = {layer: [n["channel"] for n in graph["nodes"] if n["layer"] == layer][:2]
               for layer in ("mixed3a", "mixed4a")}
    NonsemanticReport(settings={}, class_ids=[0, 1, 2], flagged=flagged, n_flagged=4,
                      channels=[]).save(tmp_path / "ns.json")
    params = {"graph": config["graph"], "influence_k": config["influence"]["k"],
              "class_names": ["T-shirt/top", "Trouser", "Pullover"]}
    assert main(["graph", "--params", json.dumps(params),
                 "--structure", str(results / "model" / "structure.json"),
                 "--store", str(results / "aggregate" / "0.zarr"),
                 "--counts", *[str(results / "activations" / f"{x}.npz") for x in LAYERS],
                 "--nonsemantic", str(tmp_path / "ns.json"), "--json", str(tmp_path / "g.json"),
                 "--graphml", str(tmp_path / "g.graphml")]) == 0
    out = json.loads((tmp_path / "g.json").read_text())
    left_out = {f"{layer}:{c}" for layer, cs in flagged.items() for c in cs}
    assert left_out and not left_out & {n["id"] for n in out["nodes"]}
    assert not any(e["source"] in left_out or e["target"] in left_out for e in out["edges"])
    assert {n["layer"] for n in out["nodes"]} == set(LAYERS)


def _image_folder_config(tmp_path: Path, **dataset) -> Path:
    """A study of the demo net on 2 classes x 500 listed (never read) images, batches of 100."""
    root = tmp_path / "images"
    for name in ("a", "b"):
        (root / name).mkdir(parents=True)
        for i in range(500):
            (root / name / f"{i}.png").write_bytes(b"")
    config = tmp_path / "folder.yaml"
    config.write_text(yaml.safe_dump({
        **TINY, "results": str(tmp_path / "results"), "class_pairs": {"pairs": []},
        "dataset": {"kind": "image_folder", "name": "Folder", "root": str(root), "classes": [],
                    "max_images_per_class": None, **dataset},
        "model": {"width": 0.25, "train": {"epochs": None, "batch_size": 100}}}))
    return config


def test_epochs_chosen_from_the_image_count_name_the_checkpoints(tmp_path):
    """1 000 images in batches of 100: 10 steps an epoch, 70 epochs for 700 steps."""
    run = run_snakemake(_image_folder_config(tmp_path, test_root=str(tmp_path / "images")),
                        "-n", "-p", str(tmp_path / "results" / "model" / "metrics.json"))
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    assert "checkpoints/epoch70.pt" in run.stdout and "epoch71.pt" not in run.stdout
    assert '"epochs": 70' in run.stdout  # the step is told, too


def test_a_failed_download_writes_nothing_outside_the_results_folder(tmp_path):
    """Fashion-MNIST absent from dataset.root and no network (an unreachable proxy): the
    train job fails in one line, having written only under the configured results."""
    (tmp_path / "empty").mkdir()
    config = tmp_path / "download.yaml"
    config.write_text(yaml.safe_dump({**TINY, "results": str(tmp_path / "results"),
                                      "dataset": {**TINY["dataset"],
                                                  "root": str(tmp_path / "empty")}}))
    before = _checkout_paths()
    proxy = "http://127.0.0.1:9"  # the discard port: connections are refused at once
    run = run_snakemake(config, str(tmp_path / "results" / "model" / "metrics.json"),
                        env={"http_proxy": proxy, "https_proxy": proxy, "HTTP_PROXY": proxy,
                             "HTTPS_PROXY": proxy, "no_proxy": "", "NO_PROXY": ""})
    assert run.returncode != 0
    line = next(x for x in run.stdout.splitlines() if x.startswith("summit train:"))
    assert "error: dataset.root: Fashion-MNIST files not found" in line
    assert "download failed" in line, line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["download.yaml", "empty", "results"]
    assert list((tmp_path / "empty").iterdir()) == []
    assert list((tmp_path / "results" / "data" / "download").iterdir()) == []  # no partial file
    assert _checkout_paths() - before == set()


def _checkout_paths() -> set[str]:
    """Every path in the checkout, ignored ones (such as results/) too, but for Git's,
    Snakemake's (.snakemake/) and Python's (__pycache__) own folders and the venv: a set
    compared before and after a run, which other edits to existing files do not disturb."""
    own = {".git", ".snakemake", "__pycache__", ".venv", "node_modules"}
    paths = set()
    for folder, subfolders, files in os.walk(REPO):
        subfolders[:] = [d for d in subfolders if d not in own]
        paths.update(os.path.relpath(os.path.join(folder, x), REPO) for x in subfolders + files)
    return paths


@pytest.mark.parametrize("gpus, requested", [(1, "gpu=1"), (0, "gpu=0")])
def test_cluster_gpu_requests_follow_the_config_not_the_submitting_host(study, gpus, requested):
    """A login node without a GPU (CUDA hidden here) still requests what `gpus` says."""
    _, config = study
    run = run_snakemake(config, "--profile", "workflow/profiles/slurm", "-n", "--forceall",
                        "--config", f"gpus={gpus}", env={"CUDA_VISIBLE_DEVICES": ""})
    out = run.stdout + run.stderr
    assert run.returncode == 0, out[-3000:]
    for rule in ("train", "aggregate", "examples", "featvis"):
        jobs = out.split(f"rule {rule}:")[1:]
        resources = [line for j in jobs for line in j.split("Shell command")[0].splitlines()
                     if line.strip().startswith("resources:")]
        assert len(resources) == len(jobs) > 0, rule
        assert all(line.endswith(f", {requested}") for line in resources), (rule, resources)


def test_more_resamples_rerun_stability_not_the_pass_and_more_groups_rerun_the_pass(study):
    stability = yaml.safe_load(study[1].read_text())["stability"]
    jobs, baseline = _dry_runs(study, "resamples", {"stability": {**stability, "resamples": 5}})
    assert jobs.get("stability") == 6 and jobs.get("stability_summary") == 1  # both studies
    for untouched in ["train", "aggregate", "activations", "graph", "featvis", "faithfulness"]:
        assert jobs.get(untouched) == baseline.get(untouched), (untouched, jobs, baseline)
    jobs, _ = _dry_runs(study, "groups", {"stability": {**stability, "groups": 3}})
    assert jobs.get("aggregate") == 6 and jobs.get("activations") == 8


def test_classes_in_groups_give_the_per_class_jobs_results(study, tmp_path):
    """classes_per_job: 2 runs each per-class stage as one job per group of classes, in one
    process per job, with results byte for byte those of one job per class."""
    base, config = study
    results = tmp_path / "results"
    shutil.copytree(base, results, symlinks=True)
    grouped = tmp_path / "config.yaml"
    grouped.write_text(yaml.safe_dump({**yaml.safe_load(config.read_text()),
                                       "results": str(results), "classes_per_job": 2}))
    kinds = ("graphs", "stats", "stability", "faithfulness")
    for kind in ("aggregate", *kinds):  # a copy has no Snakemake records: made again if absent
        for path in (results / kind).glob("[0-9]*"):
            shutil.rmtree(path) if path.is_dir() else path.unlink()
    targets = [str(results / kind / f"{c}.json") for kind in kinds for c in range(3)]
    plan = run_snakemake(grouped, "-n", *targets)
    assert plan.returncode == 0, plan.stdout[-3000:] + plan.stderr[-3000:]
    jobs = job_counts(plan.stdout)
    assert jobs["aggregate_0"] == jobs["graph_0"] == jobs["graph_1"] == 1  # classes 0-1, 2
    assert "graph" not in jobs and jobs["faithfulness_0"] == jobs["stability_1"] == 1
    run = run_snakemake(grouped, *targets)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    for kind in kinds:
        for c in range(3):
            assert (results / kind / f"{c}.json").read_bytes() == (
                base / kind / f"{c}.json").read_bytes(), (kind, c)
    for c in range(3):
        ours, theirs = (ClassStore(r / "aggregate" / f"{c}.zarr") for r in (results, base))
        assert all(np.array_equal(ours.maxima(x)[:], theirs.maxima(x)[:]) for x in LAYERS)
    log = (results / "logs" / "aggregate" / "classes_0-1.log").read_text()
    assert "batch: 2 classes" in log
    assert (results / "benchmarks" / "graph" / "classes_2-2.tsv").is_file()
