"""End to end: `snakemake` on a tiny config; every output of every stage (tests/e2e.py)."""

import json
import re
from pathlib import Path

import networkx as nx
import numpy as np
import pytest

from summit.evidence.sequential import stop_count
from summit.io.artifacts import ActivationCounts, Faithfulness, Stability
from summit.io.store import ClassStore
from tests.e2e import (
    E2E,
    LAYERS,
    REPO,
    REPO_BEFORE,
    TINY,
    repo_changes,
)

pytestmark = E2E


def test_the_study_writes_nothing_outside_its_results_folder(study):
    """Besides results/, only Snakemake's own ignored metadata (.snakemake/) may change."""
    default_results = REPO / "results"  # ignored by git, so checked by modification time
    if default_results.exists():
        touched = [p for p in default_results.rglob("*") if p.stat().st_mtime >=
                   REPO_BEFORE["time"]]
        assert touched == []
    if REPO_BEFORE["status"] is None:
        pytest.skip("not a git checkout: cannot list the repository's files")
    assert repo_changes() == REPO_BEFORE["status"]


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
        assert index["objective"] == "pre-activation where off"  # its layers end in ReLUs
        assert len(index["failed"]) == len(index["peaks"]) == len(in_graphs)
        renders = list(zip(index["failed"], index["peaks"], strict=True))
        assert all(f == "inactive" for f, p in renders if p <= 0)  # recorded, not hidden
        assert all(p > 0 for f, p in renders if f is None)
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


def test_provenance_is_recorded_and_published(study):
    results, _ = study
    record = json.loads((results / "provenance.json").read_text())
    model = json.loads((results / "model" / "model.json").read_text())
    assert record["model"]["weights_sha256"] == model["weights_sha256"]
    assert record["dataset"]["files"] == 4 and len(record["dataset"]["sha256"]) == 64
    assert record["config"]["dataset"]["classes"] == [0, 1, 2]
    site = json.loads((results / "site" / "data" / "study.json").read_text())
    assert site["provenance"] == record


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
    assert all(0 <= c["support"] <= 1 and c["tentative"] == (c["flagged"] and c["support"] < 0.9)
               for c in ns["channels"])  # support over the stability stage's resamples
    assert ns["n_supported"] <= ns["n_flagged"] and set(ns["near_misses"]) == set(LAYERS)
    csv_lines = (a / "nonsemantic.csv").read_text().splitlines()
    assert len(csv_lines) == 1 + 16 + 30 + 32 + 32 and csv_lines[0].endswith(",support")
    nb = json.loads((a / "neighbours.json").read_text())
    assert sorted(nb["ranking"]) == [0, 1, 2] and nb["k"] == 2 and nb["layers"] == LAYERS
    assert 0 <= nb["top_support"] <= 1 and all(
        0 <= c["rank_support"] <= 1 and c["change_p5"] <= c["change_p95"]
        and set(c["neighbour_support"]) == set(LAYERS) for c in nb["classes"])
    pairs = json.loads((a / "class_pairs.json").read_text())
    s = np.array(pairs["vertex_jaccard"])
    assert np.allclose(s, s.T) and np.allclose(np.diag(s), 1)
    assert set(pairs["pairs"]) == {"most_similar", "0_2"}
    assert pairs["pairs"]["0_2"]["b"]["name"] == "Pullover"
    best = pairs["pairs"]["most_similar"]  # its support over the classes' resampled graphs
    assert 0 <= best["support"] <= 1 and best["tentative"] == (best["support"] < 0.9)
    assert sum(w["support"] for w in best["winners"]) == pytest.approx(1, abs=1e-5)
    assert pairs["stability"] == {"resamples": 8, "min_support": 0.9}
    spread = (a / "class_pairs_support.csv").read_text().splitlines()
    assert len(spread) == 1 + 3 and spread[0].endswith(",most_similar_support")
    motifs = json.loads((a / "motifs.json").read_text())
    for m in motifs["motifs"]:
        assert len(m["classes"]) >= 2 and len(m["vertices"]) >= 2
        assert 0 <= m["support"] <= 1 and m["tentative"] == (m["support"] < 0.9)
    assert all(0 <= c["support"] <= 1 for c in motifs["channels"])
    assert (a / "recurring_edges.csv").read_text().splitlines()[0].endswith(",support")
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
        # B's graph in A's ids through the channel matching: the same vertices, renamed
        assert set(r["vertices"]["both"]) | set(r["vertices"]["only_b"]) == {
            n["id"] for n in r["graph_b"]["nodes"]}
        assert sorted(n["b_channel"] for n in r["graph_b"]["nodes"]) == sorted(
            n["channel"] for n in graph_b["nodes"])
        a_graph = json.loads((results / "graphs" / f"{cls}.json").read_text())
        both = len(r["vertices"]["both"])
        assert r["conserved"]["vertices"] == pytest.approx(both / len(a_graph["nodes"]), abs=1e-6)
        held = r["stability"]  # resample b of each model's graph, on the same image groups
        assert held["resamples"] == 8 and held["paired"] and len(held["vertex_jaccards"]) == 8
        assert held["vertex_jaccard"]["p5"] <= held["vertex_jaccard"]["p95"]
        assert held["conserved"]["p5"] <= held["conserved"]["p95"]
        _figure_ok(results / "figures" / "models" / f"{cls}.png")
    for layer in LAYERS:  # one matching per layer: all channels assigned, scores in [-1, 1]
        m = json.loads((results / "comparison" / "matching" / f"{layer}.json").read_text())
        assert m["layer_a"] == m["layer_b"] == layer and m["n_images"] == 300
        assert len(m["pairs"]) == m["channels_a"] == m["channels_b"]
        assert all(-1 <= x["score"] <= 1 for x in m["pairs"])
        assert m["matched"] == sum(x["score"] >= m["cutoff"] for x in m["pairs"])
        assert m["cutoff"] >= max(m["threshold"], m["null"]["p99"])
    table = (results / "analysis" / "model_comparison.csv").read_text().splitlines()
    assert len(table) == 4 and table[0].endswith(",changes_most_support")
    assert ",conserved,conserved_p5,conserved_p95," in table[0]
    assert (results / "comparison" / "stability" / "0.resamples.json").is_file()


def test_faithfulness_tests_every_classs_graphs_on_test_images(study):
    results, _ = study
    csv = (results / "analysis" / "faithfulness.csv").read_text().splitlines()
    assert len(csv) == 1 + 3 * 2  # classes × extraction variants
    for cls in range(3):
        r = Faithfulness.load(results / "faithfulness" / f"{cls}.json")
        graph = json.loads((results / "graphs" / f"{cls}.json").read_text())
        assert r.split == "test" and not r.in_sample and r.n_images == 30
        assert r.configured == "per_layer" and set(r.variants) == {"per_layer", "unified"}
        v = r.variants["per_layer"]
        assert sorted(v["vertices"]) == sorted(n["id"] for n in graph["nodes"])
        assert set(v["ablation"]) == {*LAYERS, "all"}
        for a in v["ablation"].values():  # a sequential test: all 4 sets, or stopped at h
            drawn = len(a["random"]["logit"])
            assert 1 <= drawn <= 4 and len(a["estimated"]["random"]) == drawn
            if drawn < 4:
                h = stop_count(r.estimation["level"], 4)
                assert a["p_random"] == pytest.approx(h / drawn)
                assert not a["significant"]["random"]
        assert v["specificity"]["classes"][0] == cls and len(v["specificity"]["classes"]) == 3
        assert v["curves"]["deletion"]["graph"][0] == pytest.approx(r.clean["prob"], abs=1e-6)
        assert set(r.channels) >= set(v["vertices"])
        panel = results / "site" / "data" / "panels" / "faithfulness" / f"{cls}.json"
        assert json.loads(panel.read_text())["class"]["id"] == cls
    _figure_ok(results / "figures" / "faithfulness.png")
    log = (results / "logs" / "faithfulness" / "0.log").read_text()
    assert re.search(r"class 0: (\d+) of (\d+) planned conditions evaluated on 30 test", log)


def test_stability_rebuilds_every_classs_graph_from_its_image_groups(study):
    """The groups' tallies and counts sum to the class's; the stability record's resampled
    graphs are the graphs of their groups (rebuilt here from the store by hand)."""
    from summit.method.graphs import attribution_graph, full_graph
    from summit.model.structure import Structure
    from summit.settings import GraphSettings

    results, _ = study
    structure = Structure.load(results / "model" / "structure.json")
    counts = {x: ActivationCounts.load(results / "activations" / f"{x}.npz") for x in LAYERS}
    for cls in range(3):
        store = ClassStore(results / "aggregate" / f"{cls}.zarr")
        assert store.n_groups == 4
        groups = store.group_tallies()
        for hop, t in store.tallies().items():
            assert groups[hop].shape[0] == 4
            np.testing.assert_array_equal(groups[hop].sum(axis=0, dtype=np.int64), t)
        for c in counts.values():
            np.testing.assert_array_equal(c.group_row(cls).sum(axis=0), c.row(cls))
        record = Stability.load(results / "stability" / f"{cls}.json")
        resampled = json.loads((results / "stability" / f"{cls}.resamples.json").read_text())
        graph = json.loads((results / "graphs" / f"{cls}.json").read_text())
        assert {v["id"] for v in record.vertices if v["in_graph"]} == {
            n["id"] for n in graph["nodes"]}
        assert len(resampled["resamples"]) == 8 and len(record.halves) == 3
        first = resampled["resamples"][0]
        w = np.array(first["weights"])
        rebuilt = attribution_graph(full_graph(
            structure, {x: w @ c.group_row(cls) for x, c in counts.items()},
            {h: np.tensordot(w, t.astype(np.int64), axes=(0, 0)) for h, t in groups.items()},
            None, 5, {}), GraphSettings.defaults())
        assert sorted(n["id"] for n in rebuilt["nodes"]) == first["nodes"]
        panel = results / "site" / "data" / "panels" / "stability" / f"{cls}.json"
        assert json.loads(panel.read_text())["class"]["id"] == cls
    assert len((results / "analysis" / "stability.csv").read_text().splitlines()) == 4
    assert "bootstrap resamples" in (results / "analysis" / "stability.md").read_text()
    findings = json.loads((results / "analysis" / "findings.json").read_text())
    assert findings["resamples"] == 8 and findings["findings"]
    assert all(0 <= x["support"] <= 1 and x["tentative"] == (x["support"] < 0.9)
               for x in findings["findings"])
    text = (results / "analysis" / "findings.md").read_text()
    assert all(x["text"] in text for x in findings["findings"])
    _figure_ok(results / "figures" / "stability.png")


def test_the_site_publishes_the_analyses(study):
    results, _ = study
    site = results / "site"
    data = json.loads((site / "data" / "study.json").read_text())
    analyses = json.loads((site / data["analyses"]).read_text())
    assert all(analyses[k] for k in ("nonsemantic", "neighbours", "pairs", "motifs",
                                     "separability", "models"))
    assert len(data["figures"]) == 11
    # stages included after site.smk publish theirs too (stability's was missing)
    assert {"faithfulness", "stability", "matching", "explained"} <= {
        f["name"] for f in data["figures"]}
    assert all(f["title"] != f["name"] for f in data["figures"])  # every one titled
    # the model comparison through the matching: B's translated graphs and renders
    models = data["models"]
    assert [x["layer"] for x in models["layers"]] == LAYERS and "epoch 1" in models["names"][1]
    assert all((site / x["featvis"]["atlas"]).is_file() for x in models["layers"])
    record = json.loads((site / models["data"].format(id=0)).read_text())
    assert record["graph_b"]["nodes"] and "conserved" in record
    for f in data["figures"]:
        assert (site / f["png"]).is_file() and (site / f["pdf"]).is_file()
