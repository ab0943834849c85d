"""End to end: `snakemake` on a tiny config (3 classes, 100 images each, a tiny demo model).

Checks every output of every stage, and that a second run has nothing to do.
"""

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
import yaml

from summit.artifacts import NonsemanticReport
from summit.store import ClassStore

REPO = Path(__file__).resolve().parents[1]
FMNIST = Path("/usr/share/datasets/fashion-mnist")
TINY = {
    "title": "tiny <study> \"quoted\"",
    "dataset": {"classes": [0, 1, 2], "max_images_per_class": 100},
    "model": {"width": 0.25, "train": {"epochs": 2, "max_images": 2048, "batch_size": 32,
                                       "lr": 0.05}},
    "class_pairs": {"pairs": [[0, "Pullover"]]},
    "separability": {"max_images_per_class": 60},
    "batch_size": 64,
    "featvis": {"steps": 16, "diversity": 2},
}

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(shutil.which("snakemake", path=str(Path(sys.executable).parent)) is None,
                       reason="snakemake is not installed in this environment"),
    pytest.mark.skipif(not FMNIST.exists(), reason="apt package dataset-fashion-mnist absent"),
]


def _snakemake(config: Path, *args: str, env: dict[str, str] | None = None
               ) -> subprocess.CompletedProcess:
    env = {**os.environ, **(env or {}),
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    return subprocess.run(["snakemake", "--cores", "2", f"--configfile={config}", *args],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=900)


def _repo_changes() -> str | None:
    """The repository's tracked and untracked (not ignored) changes, or None without git."""
    try:
        out = subprocess.run(["git", "status", "--porcelain", "--untracked-files=all"],
                             cwd=REPO, capture_output=True, text=True, timeout=60)
    except OSError:
        return None
    return out.stdout if out.returncode == 0 else None


REPO_BEFORE: dict[str, str | None] = {}


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    root = tmp_path_factory.mktemp("study")
    config = root / "config.yaml"
    config.write_text(yaml.safe_dump({**TINY, "results": str(root / "results")}))
    REPO_BEFORE["status"] = _repo_changes()
    REPO_BEFORE["time"] = time.time()
    run = _snakemake(config)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    return root / "results", config


def test_the_study_writes_nothing_outside_its_results_folder(study):
    """Besides results/, only Snakemake's own ignored metadata (.snakemake/) may change."""
    default_results = REPO / "results"  # ignored by git, so checked by modification time
    if default_results.exists():
        touched = [p for p in default_results.rglob("*") if p.stat().st_mtime >=
                   REPO_BEFORE["time"]]
        assert touched == []
    if REPO_BEFORE["status"] is None:
        pytest.skip("not a git checkout: cannot list the repository's files")
    assert _repo_changes() == REPO_BEFORE["status"]


def test_model_outputs(study):
    results, _ = study
    model = json.loads((results / "model" / "model.json").read_text())
    assert model["layers"] == ["mixed3a", "mixed3b", "mixed4a", "mixed4b"]
    assert 0.2 < model["test_accuracy"] <= 1.0  # 1 epoch on 2048 images beats chance (0.1)
    assert len(model["weights_sha256"]) == 64
    structure = json.loads((results / "model" / "structure.json").read_text())
    assert len(structure["blocks"]) == 3


def test_class_stores(study):
    results, _ = study
    structure = json.loads((results / "model" / "structure.json").read_text())
    for cls in range(3):
        store = ClassStore(results / "aggregate" / f"{cls}.zarr")
        assert store.class_id == cls and store.attrs["n_images"] == 100
        for layer in structure["layers"]:
            z = store.maxima(layer["name"])[:]
            assert z.shape == (100, layer["channels"]) and (z >= 0).all()
        assert (store.prediction("label") == cls).all()
        # Method 1, k = 5: every image marks exactly min(5, candidates) inputs per output
        hops = {h["name"]: h for b in structure["blocks"] for h in b["hops"]}
        for name, counts in store.tallies().items():
            h = hops[name]
            assert counts.sum() == 100 * h["out_channels"] * min(5, h["in_channels"])


def test_activations_embedding_graphs_stats(study):
    results, _ = study
    layers = ["mixed3a", "mixed3b", "mixed4a", "mixed4b"]
    for layer in layers:
        a = np.load(results / "activations" / f"{layer}.npz")
        assert a["counts"].shape[0] == 3 and (a["counts"].sum(axis=1) >= 100).all()
    emb = json.loads((results / "embedding" / "embedding.json").read_text())
    assert list(emb["layers"]) == layers
    for coords in emb["layers"].values():
        xy = np.array(coords)
        assert xy.shape == (3, 2) and (xy >= 0).all() and (xy <= 1).all()
    for cls in range(3):
        g = json.loads((results / "graphs" / f"{cls}.json").read_text())
        assert {n["layer"] for n in g["nodes"]} == set(layers)
        ids = {n["id"] for n in g["nodes"]}
        assert all(e["source"] in ids and e["target"] in ids for e in g["edges"])
        gml = nx.read_graphml(results / "graphs" / f"{cls}.graphml")
        assert set(gml.nodes) == ids and gml.number_of_edges() == len(g["edges"])
        stats = json.loads((results / "stats" / f"{cls}.json").read_text())
        assert sum(stats["prob_hist"]) == 100 and 0 <= stats["accuracy"] <= 1
        hist = np.array(stats["channel_hist"]["mixed3a"]["class"])
        assert (hist.sum(axis=1) == 100).all()


def test_dataset_examples(study):
    results, _ = study
    from PIL import Image

    for layer, channels in [("mixed3a", 16), ("mixed4b", 32)]:
        index = json.loads((results / "examples" / f"{layer}.json").read_text())
        assert len(index["channels"]) == channels and index["n"] == 10
        atlas = Image.open(results / "examples" / f"{layer}.png")
        per_row, thumb = index["per_row"], index["thumbnail"]
        assert atlas.size == (per_row * 10 * thumb, -(-channels // per_row) * thumb)
        for entries in index["channels"]:
            values = [e["value"] for e in entries]
            assert len(entries) == 10 and values == sorted(values, reverse=True)
            assert all(e["class"] in (0, 1, 2) for e in entries)


def test_feature_visualizations(study):
    results, _ = study
    from PIL import Image

    for layer in ["mixed3a", "mixed3b", "mixed4a", "mixed4b"]:
        index = json.loads((results / "featvis" / f"{layer}.json").read_text())
        listed = {c["channel"] for c in json.loads(
            (results / "analysis" / "nonsemantic.json").read_text())["channels"]
                  if c["layer"] == layer}  # the evidence figure shows these too
        in_graphs = sorted({n["channel"] for c in range(3) for n in json.loads(
            (results / "graphs" / f"{c}.json").read_text())["nodes"] if n["layer"] == layer}
                           | listed)
        assert index["channels"] == in_graphs and index["per_channel"] == 3
        atlas = Image.open(results / "featvis" / f"{layer}.png")
        assert atlas.size == (3 * 28, max(1, len(in_graphs)) * 28) and atlas.mode == "L"


def test_class_figures(study):
    results, _ = study
    from PIL import Image

    for cls in range(3):
        png = results / "figures" / "graphs" / f"{cls}.png"
        assert Image.open(png).size[0] > 300
        assert (results / "figures" / "graphs" / f"{cls}.pdf").read_bytes().startswith(b"%PDF")


def test_site(study):
    results, _ = study
    site = results / "site"
    assert (site / "index.html").exists() and (site / "vendor" / "d3.min.js").exists()
    data = json.loads((site / "data" / "study.json").read_text())
    assert data["title"] == TINY["title"]
    assert [c["name"] for c in data["classes"]] == ["T-shirt/top", "Trouser", "Pullover"]
    assert all(len(v) == 3 for v in data["embedding"].values())
    for c in data["classes"]:
        assert (site / c["graph"]).exists()
        for layer in data["layers"]:
            assert (site / "data" / "stats" / str(c["id"]) / f"{layer['name']}.json").exists()
    for layer in data["layers"]:
        counts = np.fromfile(site / layer["counts"], dtype="<i4")
        assert counts.size == 3 * layer["channels"]
        assert (site / layer["data"]).exists()
        featvis = json.loads((results / "featvis" / f"{layer['name']}.json").read_text())
        assert layer["featvis"]["channels"] == featvis["channels"]
        assert (site / layer["featvis"]["atlas"]).exists()
        assert (site / layer["examples"]["atlas"]).exists()
        examples = json.loads((site / layer["examples"]["index"]).read_text())["channels"]
        assert {e["label"] for entries in examples for e in entries} <= {
            "T-shirt/top", "Trouser", "Pullover"}


def test_second_run_has_nothing_to_do(study):
    _, config = study
    run = _snakemake(config, "-n")
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
    run = _snakemake(config, "--profile", "workflow/profiles/local-cluster", *targets,
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
    run = _snakemake(config, "--profile", "workflow/profiles/slurm", "-n", "--forceall")
    out = run.stdout + run.stderr
    assert run.returncode == 0, out[-3000:]
    # Both studies (the model's and the compared checkpoint's) fan out per class and layer.
    for rule, n in [("aggregate", 6), ("graph", 6), ("featvis", 8), ("examples", 4)]:
        assert any(line.split()[:2] == [rule, str(n)] for line in out.splitlines()), rule
    jobs = out.split("rule aggregate:")[1:]
    assert len(jobs) == 6 and all("mem_mb=" in j and "runtime=" in j for j in jobs)


def _job_counts(out: str) -> dict[str, int]:
    """The dry run's job-stats table as {rule: count}."""
    table = out.split("Job stats:")[1].split("total")[0]
    return {p[0]: int(p[1]) for line in table.splitlines()
            if len(p := line.split()) == 2 and p[1].isdigit()}


def test_a_new_extraction_threshold_reruns_graphs_not_forward_passes(study):
    results, config = study
    changed = config.with_name("share.yaml")
    cfg = yaml.safe_load(config.read_text())
    changed.write_text(yaml.safe_dump({**cfg, "graph": {"share": 0.2}}))
    run = _snakemake(changed, "-n")
    assert run.returncode == 0, run.stderr[-2000:]
    jobs = _job_counts(run.stdout + run.stderr)
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
    run = _snakemake(config, "--forcerun=embedding", str(store),
                     str(results / "embedding" / "embedding.json"))
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    after = ClassStore(store)
    assert after.tallies().keys() == tallies.keys()
    for name, counts in tallies.items():
        np.testing.assert_array_equal(after.tallies()[name], counts)
    np.testing.assert_array_equal(after.maxima("mixed4b")[:], maxima)
    np.testing.assert_array_equal(after.prediction("predicted"), predicted)
    assert (results / "embedding" / "embedding.json").read_bytes() == embedding


def test_provenance_is_recorded_and_published(study):
    results, _ = study
    record = json.loads((results / "provenance.json").read_text())
    model = json.loads((results / "model" / "model.json").read_text())
    assert record["model"]["weights_sha256"] == model["weights_sha256"]
    assert record["dataset"]["files"] == 4 and len(record["dataset"]["sha256"]) == 64
    assert record["config"]["dataset"]["classes"] == [0, 1, 2]
    site = json.loads((results / "site" / "data" / "study.json").read_text())
    assert site["provenance"] == record


LAYERS = ["mixed3a", "mixed3b", "mixed4a", "mixed4b"]


def _figure_ok(png: Path) -> None:
    from PIL import Image

    assert Image.open(png).size[0] > 400, png
    assert png.with_suffix(".pdf").read_bytes().startswith(b"%PDF"), png


def test_analyses_of_the_paper(study):
    results, _ = study
    a = results / "analysis"
    ns = json.loads((a / "nonsemantic.json").read_text())
    assert set(ns["flagged"]) == set(LAYERS) and ns["class_ids"] == [0, 1, 2]
    assert all(len(c["lift"]) == 3 for c in ns["channels"])
    assert len((a / "nonsemantic.csv").read_text().splitlines()) == 1 + 16 + 30 + 32 + 32
    nb = json.loads((a / "neighbours.json").read_text())
    assert sorted(nb["ranking"]) == [0, 1, 2] and nb["k"] == 2 and nb["layers"] == LAYERS
    pairs = json.loads((a / "class_pairs.json").read_text())
    s = np.array(pairs["vertex_jaccard"])
    assert np.allclose(s, s.T) and np.allclose(np.diag(s), 1)
    assert set(pairs["pairs"]) == {"most_similar", "0_2"}
    assert pairs["pairs"]["0_2"]["b"]["name"] == "Pullover"
    motifs = json.loads((a / "motifs.json").read_text())
    for m in motifs["motifs"]:
        assert len(m["classes"]) >= 2 and len(m["vertices"]) >= 2
    assert (a / "recurring_channels.csv").read_text().startswith("id,layer,channel,n_classes")
    for layer in LAYERS:
        sep = json.loads((a / "separability" / f"{layer}.json").read_text())
        assert [c["id"] for c in sep["classes"]] == [0, 1, 2] and sep["n_images"] == 180
        for c in sep["classes"]:
            assert 0 <= c["classifier_balanced_accuracy"] <= 1 and len(c["channels"]) <= 3
    assert len((a / "separability.csv").read_text().splitlines()) == 1 + 3 * len(LAYERS)
    for name in ("nonsemantic", "neighbours", "class_pair", "motifs", "separability",
                 "model_comparison", "class_pairs/0_2"):
        _figure_ok(results / "figures" / f"{name}.png")


def test_model_comparison_studies_the_first_epochs_checkpoint(study):
    results, _ = study
    second = json.loads((results / "comparison" / "model" / "model.json").read_text())
    assert second["weights"].endswith("model/checkpoints/epoch1.pt")
    first = json.loads((results / "model" / "model.json").read_text())
    assert second["weights_sha256"] != first["weights_sha256"]
    for cls in range(3):
        r = json.loads((results / "analysis" / "models" / f"{cls}.json").read_text())
        assert r["models"] == [first["name"], second["name"]] and "epoch 1" in second["name"]
        graph_b = json.loads((results / "comparison" / "graphs" / f"{cls}.json").read_text())
        assert set(r["vertices"]["both"]) | set(r["vertices"]["only_b"]) == {
            n["id"] for n in graph_b["nodes"]}
        _figure_ok(results / "figures" / "models" / f"{cls}.png")
    assert len((results / "analysis" / "model_comparison.csv").read_text().splitlines()) == 4


def test_the_site_publishes_the_analyses(study):
    results, _ = study
    site = results / "site"
    data = json.loads((site / "data" / "study.json").read_text())
    analyses = json.loads((site / data["analyses"]).read_text())
    assert all(analyses[k] for k in ("nonsemantic", "neighbours", "pairs", "motifs",
                                     "separability", "models"))
    assert len(data["figures"]) == 7
    for f in data["figures"]:
        assert (site / f["png"]).is_file() and (site / f["pdf"]).is_file()


def test_excluding_nonsemantic_channels_reruns_only_graph_rules(study):
    _, config = study
    changed = config.with_name("exclude.yaml")
    cfg = yaml.safe_load(config.read_text())
    changed.write_text(yaml.safe_dump({**cfg, "graph": {"exclude_nonsemantic": True}}))
    # Jobs another test left to do (it re-ran one class's pass) are in both dry runs.
    before = _snakemake(config, "-n")
    run = _snakemake(changed, "-n")
    assert run.returncode == 0 and before.returncode == 0, run.stderr[-2000:]
    baseline = _job_counts(before.stdout + before.stderr) if "Job stats:" in (
        before.stdout + before.stderr) else {}
    jobs = _job_counts(run.stdout + run.stderr)
    assert jobs.get("graph") == 6  # both models' graphs
    # the second model's own channels, besides what another test left to do
    assert jobs.get("nonsemantic") == baseline.get("nonsemantic", 0) + 1
    for untouched in ["train", "describe_model", "aggregate", "activations", "embedding",
                      "stats", "examples", "separability", "neighbours"]:
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


@pytest.mark.parametrize("override, words", [
    ({"class_pairs": {"pairs": [["Nope", 0]]}}, "class_pairs.pairs: 'Nope' is not a class"),
    ({"model_comparison": {"checkpoint": 9}}, "model_comparison.checkpoint: 9 is past the last"),
    ({"model_comparison": {"checkpoint": None, "model": {"weights": "/nope.pt"}}},
     "model_comparison.model.weights: '/nope.pt' is not a file"),
    ({"model_comparison": {"checkpoint": 1, "model": {"weights": "/nope.pt"}}},
     "set checkpoint or model, not both"),
])
def test_bad_analysis_settings_fail_before_any_job(tmp_path, override, words):
    config = tmp_path / "bad.yaml"
    config.write_text(yaml.safe_dump({**TINY, "results": str(tmp_path / "results"), **override}))
    run = _snakemake(config, "-n")
    assert run.returncode != 0 and words in run.stdout + run.stderr
    assert not (tmp_path / "results").exists()
