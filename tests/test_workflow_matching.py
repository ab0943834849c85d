"""End to end: model comparisons through the channel matching that the tiny study does not
make, each a small run of its own: another architecture with configured layer pairs, and a
second training seed (model_comparison.seed and model.train.seeds, one study for both)."""

import json

import pytest
import torch
import yaml

from summit.demo_net import DemoInception
from tests.e2e import E2E, LAYERS, TINY, run_snakemake

pytestmark = E2E

B_LAYERS = ["conv2", "mixed3a", "mixed3b", "mixed4b"]  # paired by position with LAYERS


def test_another_architecture_is_compared_through_its_configured_layers(tmp_path):
    torch.manual_seed(0)
    weights = tmp_path / "half.pt"
    torch.save(DemoInception(1, 10, width=0.5).state_dict(), weights)
    results = tmp_path / "results"
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump({**TINY, "results": str(results), "model_comparison": {
        "checkpoint": None, "layers": B_LAYERS,
        "model": {"name": "Demo, half width", "width": 0.5, "weights": str(weights)}}}))
    run = run_snakemake(config, str(results / "analysis" / "models" / "0.json"))
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    widths_b = {}
    for layer, layer_b in zip(LAYERS, B_LAYERS, strict=True):
        m = json.loads((results / "comparison" / "matching" / f"{layer}.json").read_text())
        assert (m["layer_a"], m["layer_b"]) == (layer, layer_b)
        assert len(m["pairs"]) == min(m["channels_a"], m["channels_b"])
        widths_b[layer_b] = m["channels_b"]
        assert len(m["unmatched_b"]) >= m["channels_b"] - m["channels_a"]
    # the half-width net's layers are about half as wide as the tiny net's (width 0.25)
    tiny = json.loads((results / "comparison" / "matching" / "mixed3a.json").read_text())
    assert widths_b["mixed3a"] > tiny["channels_a"]
    r = json.loads((results / "analysis" / "models" / "0.json").read_text())
    assert r["models"][1] == "Demo, half width"
    assert {m["layer_b"] for m in r["matching"].values()} == set(B_LAYERS)
    b_graph = json.loads((results / "comparison" / "graphs" / "0.json").read_text())
    assert b_graph["layers"] == B_LAYERS
    assert {(n["b_layer"], n["b_channel"]) for n in r["graph_b"]["nodes"]} == {
        (n["layer"], n["channel"]) for n in b_graph["nodes"]}
    assert {n["layer"] for n in r["graph_b"]["nodes"]} <= set(LAYERS)
    assert (results / "figures" / "models" / "0.png").stat().st_size > 0


def test_a_second_seed_is_matched_and_its_channel_findings_reported(tmp_path):
    results = tmp_path / "results"
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump({
        **TINY, "results": str(results),
        "model": {**TINY["model"], "train": {**TINY["model"]["train"], "seeds": [1]}},
        "model_comparison": {"checkpoint": None, "seed": 1}}))
    run = run_snakemake(config, str(results / "analysis" / "seeds.json"),
                        str(results / "analysis" / "models" / "1.json"))
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    seed = results / "seeds" / "1"
    assert not (results / "comparison").exists()  # the seed's study serves both
    assert json.loads((seed / "model" / "model.json").read_text())["name"].endswith("seed 1")
    r = json.loads((results / "analysis" / "seeds.json").read_text())
    channels = r["channels"]
    assert [m["seed"] for m in channels["matching"]] == [1]
    assert set(channels["matching"][0]["layers"]) == set(LAYERS)
    for c in channels["classes"]:
        graph = json.loads((results / "graphs" / f"{c['id']}.json").read_text())
        assert set(c["vertices"]) == {n["id"] for n in graph["nodes"]}
        x = c["seeds"][0]
        assert 0 <= x["conserved"] <= 1 and x["conserved_spread"]["p5"] <= \
            x["conserved_spread"]["p95"]
        assert c["in_every_seed"] == sum(v == 2 for v in c["vertices"].values())
    text = (results / "analysis" / "seeds.md").read_text()
    assert "Share of each class's graph (vertices) that seed 1's graph keeps" in text
    comparison = json.loads((results / "analysis" / "models" / "1.json").read_text())
    assert comparison["models"][1].endswith("seed 1")
    kept = next(c for c in channels["classes"] if c["id"] == 1)["seeds"][0]["conserved"]
    assert comparison["conserved"]["vertices"] == pytest.approx(kept)
