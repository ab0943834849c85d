"""The analysis steps that state findings over several classes or two models (class pairs,
motifs, model comparison) read every class's resampled graphs and write each finding's
support: what they save equals the library's calls, and their tables gain the columns."""

import csv

import numpy as np
import pytest

from summit.analyses.class_comparison import (
    changes_most,
    pair_table,
    pairs_report,
    resampled_comparison,
    resampled_pairs,
)
from summit.analyses.motifs import report as mine
from summit.analyses.motifs import resampled_support, with_support
from summit.io.artifacts import ClassGraph, ModelCard, ResampledGraphs
from summit.io.reports import ChannelMatching, ClassPairsReport, ModelComparison, MotifsReport
from summit.method.resampling import by_resample
from summit.steps import steps
from tests.store_builder import build_store
from tests.test_class_comparison import _random_graph, _records

STABILITY = {"groups": 4, "resamples": 12, "split_halves": 2, "min_support": 0.7, "seed": 0}
MOTIFS = {"min_classes": 2, "min_vertices": 2, "max_share": 0.9, "figure_motifs": 4}
NAMES = ["T-shirt/top", "Trouser", "Pullover"]


def _rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def _study(tmp_path, seed=0, keep=0.8):
    """Three classes' graphs and resampled graphs as the graph and stability stages write
    them; returns the graphs (JSON), the resampled records and their paths."""
    rng = np.random.default_rng(seed)
    graphs = [_random_graph(rng, c, channels=4, p_node=0.7, p_edge=0.7) for c in range(3)]
    for g in graphs:
        g["class"]["name"] = NAMES[g["class"]["id"]]
    records = _records(graphs, STABILITY["resamples"], seed, keep)
    graph_files, resampled_files = [], []
    for g, r in zip(graphs, records, strict=True):
        ClassGraph(cls=g["class"], layers=g["layers"], nodes=g["nodes"], edges=g["edges"]
                   ).save(path := tmp_path / f"g{seed}" / f"{g['class']['id']}.json")
        graph_files.append(path)
        ResampledGraphs(cls=r["class"], settings=r["settings"], resamples=r["resamples"]
                        ).save(path := tmp_path / f"r{seed}" / f"{g['class']['id']}.json")
        resampled_files.append(path)
    loaded = [ClassGraph.load(x).to_json() for x in graph_files]
    return loaded, records, graph_files, resampled_files


def test_class_pairs_and_motifs_steps_write_each_findings_support(tmp_path):
    run = {name: s.fn for name, s in steps().items()}
    graphs, records, graph_files, resampled = _study(tmp_path)
    p = {"pairs": [[0, 2]], "stability": STABILITY, "motifs": MOTIFS, "class_names": NAMES}
    out = tmp_path / "out"
    run["class_pairs"](p, graphs=graph_files, resampled=resampled, featvis=[],
                       report=out / "cp.json", table=out / "sim.csv",
                       support_table=out / "support.csv", png=out / "cp.png",
                       pdf=out / "cp.pdf", pairs=[out / "0_2.png", out / "0_2.pdf"])
    draws = resampled_pairs(by_resample(records), 3)
    want = pairs_report(graphs, [(0, 2)], draws, 0.7)
    got = ClassPairsReport.load(out / "cp.json").to_json()
    assert got == {**want, "version": ClassPairsReport.VERSION}
    assert {"support", "tentative", "vertex_jaccard_spread", "winners"} <= set(
        got["pairs"]["most_similar"])
    rows = _rows(out / "support.csv")
    assert list(rows[0]) == ["class_a", "class_b", "a", "b", "vertex_jaccard",
                             "vertex_jaccard_p5", "vertex_jaccard_p95", "most_similar_support"]
    expected = pair_table(want["class_ids"], want["vertex_jaccard"], draws)
    assert [(r["class_a"], r["class_b"]) for r in rows] == [
        (NAMES[x["a"]], NAMES[x["b"]]) for x in expected]
    assert [float(r["most_similar_support"]) for r in rows] == pytest.approx(
        [x["most_similar_support"] for x in expected])

    run["motifs"](p, graphs=graph_files, resampled=resampled, featvis=[], report=out / "m.json",
                  channels_table=out / "ch.csv", edges_table=out / "e.csv", png=out / "m.png",
                  pdf=out / "m.pdf")
    found = mine(graphs, MOTIFS)
    held = resampled_support(found["motifs"], by_resample(records), 2)
    assert MotifsReport.load(out / "m.json").to_json() == {
        **with_support(found, held, 0.7), "version": MotifsReport.VERSION}
    for row in _rows(out / "ch.csv"):
        assert float(row["support"]) == pytest.approx(held["channels"].get(row["id"], 0))
    for row in _rows(out / "e.csv"):
        assert float(row["support"]) == pytest.approx(
            held["edges"].get((row["source"], row["target"]), 0))


def test_resampled_graphs_of_other_classes_are_refused(tmp_path):
    from summit.method.resampling import SupportError

    run = {name: s.fn for name, s in steps().items()}
    _, _, graph_files, resampled = _study(tmp_path)
    p = {"pairs": [], "stability": STABILITY, "motifs": MOTIFS, "class_names": NAMES}
    with pytest.raises(SupportError, match="one file per class"):
        run["motifs"](p, graphs=graph_files, resampled=resampled[::-1], featvis=[],
                      report=tmp_path / "m.json", channels_table=tmp_path / "ch.csv",
                      edges_table=tmp_path / "e.csv", png=tmp_path / "m.png",
                      pdf=tmp_path / "m.pdf")


def test_model_comparison_steps_write_the_spread_and_the_headlines_support(tmp_path):
    run = {name: s.fn for name, s in steps().items()}
    graphs_a, records_a, files_a, resampled_a = _study(tmp_path, 0)
    graphs_b, records_b, files_b, resampled_b = _study(tmp_path, 1)
    rng = np.random.default_rng(2)
    cards = []
    for name in ("epoch 1", "epoch 3"):
        ModelCard(name=name, kind="demo", architecture="demo", parameters=1, weights="w.pt",
                  weights_sha256="0" * 64, test_accuracy=0.5, training={},
                  layers=["l1", "l2", "l3"]).save(path := tmp_path / f"{name}.json")
        cards.append(path)
    p = {"stability": STABILITY}
    # the checkpoints' channels matched to themselves: the comparison is the index one
    matchings = []
    for layer in ("l1", "l2", "l3"):
        ChannelMatching(
            layer_a=layer, layer_b=layer, models=["epoch 1", "epoch 3"], channels_a=64,
            channels_b=64, n_images=100, threshold=0.5, cutoff=0.5, top_images=20, matched=64,
            identity=1.0, pairs=[{"a": c, "b": c, "score": 0.9, "overlap": 1.0, "matched": True}
                                 for c in range(64)],
            unmatched_a=[], unmatched_b=[], scores={"p50": 0.9},
            null={"p99": 0.1}).save(path := tmp_path / f"matching_{layer}.json")
        matchings.append(path)
    reports = []
    for c in range(3):
        stores = []
        for study in "ab":
            store = tmp_path / study / f"{c}.zarr"
            build_store(store, c, {"l1": rng.random((8, 4))}, np.full(8, c), groups=4)
            stores.append(store)
        reports.append(tmp_path / "models" / f"{c}.json")
        run["model_comparison"](p, graph_a=files_a[c], graph_b=files_b[c], store_a=stores[0],
                                store_b=stores[1], model_a=cards[0], model_b=cards[1],
                                resampled_a=resampled_a[c], resampled_b=resampled_b[c],
                                matchings=matchings, featvis_a=[], featvis_b=[],
                                report=reports[-1],
                                png=tmp_path / f"{c}.png", pdf=tmp_path / f"{c}.pdf")
        got = ModelComparison.load(reports[-1])
        assert got.stability == {**resampled_comparison(records_a[c], records_b[c],
                                                        graphs_a[c]["layers"]),
                                 "min_support": 0.7}
        assert got.conserved["vertices"] == pytest.approx(
            len(got.vertices["both"]) / len(graphs_a[c]["nodes"]), abs=1e-6)
    run["model_comparison_summary"](p, comparisons=reports, table=tmp_path / "mc.csv",
                                    markdown=tmp_path / "mc.md", png=tmp_path / "mc.png",
                                    pdf=tmp_path / "mc.pdf")
    assert "epoch 1 (A) and epoch 3 (B)" in (tmp_path / "mc.md").read_text()
    loaded = [ModelComparison.load(x) for x in reports]
    most = changes_most([r.vertex_jaccard for r in loaded],
                        [r.stability["vertex_jaccards"] for r in loaded], 0.7)
    rows = _rows(tmp_path / "mc.csv")
    assert [float(r["changes_most_support"]) for r in rows] == pytest.approx(most["shares"])
    assert sum(most["shares"]) == pytest.approx(1, abs=1e-5)  # each rounded to 6 digits
    for r, record in zip(rows, loaded, strict=True):
        assert float(r["vertex_jaccard_p5"]) == pytest.approx(
            record.stability["vertex_jaccard"]["p5"])
        assert float(r["l2_jaccard_p95"]) == pytest.approx(
            record.stability["layers"]["l2"]["p95"])


def test_the_analyses_panel_data_carries_every_findings_support(tmp_path):
    """``analyses_summary`` keeps each finding's support and tentative flag (pairs, motifs,
    models, and what the non-semantic and neighbours records hold) and the headline's."""
    from summit.render.site import analyses_summary
    from tests.fixtures.study import make_study

    _, files = make_study(tmp_path, [f"class {i}" for i in range(6)], [("l1", 6), ("l2", 9)],
                          bins=3, n_images=20, images=False)
    a = analyses_summary(files.analyses, False)
    best = ClassPairsReport.load(files.analyses.class_pairs).pairs["most_similar"]
    assert {k: a["pairs"]["most_similar"][k] for k in ("support", "tentative", "winners")} == \
        {k: best[k] for k in ("support", "tentative", "winners")}
    assert a["pairs"]["stability"]["min_support"] == 0.9
    motifs = MotifsReport.load(files.analyses.motifs)
    assert [(m["support"], m["tentative"]) for m in a["motifs"]["motifs"]] == [
        (m["support"], m["tentative"]) for m in motifs.motifs[:100]]
    assert all("support" in c and "tentative" in c for c in a["motifs"]["channels"])
    models = [ModelComparison.load(x) for x in files.analyses.models]
    most = changes_most([r.vertex_jaccard for r in models],
                        [r.stability["vertex_jaccards"] for r in models], 0.9)
    assert a["models"]["changes_most"] == {"id": models[most["index"]].a["id"],
                                           "support": most["support"],
                                           "tentative": most["tentative"]}
    assert [c["changes_most_support"] for c in a["models"]["classes"]] == most["shares"]
    assert all(c["vertex_jaccard_spread"]["p5"] <= c["vertex_jaccard_spread"]["p95"]
               for c in a["models"]["classes"])
    # the other analyses' records: their support fields pass through when they have them
    for c in a["nonsemantic"]["channels"]:
        assert {"support", "tentative"} <= set(c)
    for c in a["neighbours"]["classes"]:
        assert {"rank_support", "tentative", "neighbour_support"} <= set(c)
