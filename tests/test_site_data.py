"""The site's data files (summit.render.site's data contract) from a synthetic study."""

import json

import numpy as np
import pytest

from summit.io.artifacts import FeatvisIndex
from summit.render.site import write_site
from tests.fixtures.study import REPO_SITE, TRAINING_WARNING, TRICKY_NAMES, make_study

LAYERS = [("l1", 6), ("l2", 9), ("l3", 5)]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("study")
    p, files = make_study(root / "study", TRICKY_NAMES[:5], LAYERS, bins=7, n_images=50)
    write_site(p, REPO_SITE, files, root / "site")
    return root / "site", p, files


def test_study_json_lists_layers_classes_and_lazy_files(built):
    site, p, _ = built
    study = json.loads((site / "data/study.json").read_text())
    assert [c["name"] for c in study["classes"]] == TRICKY_NAMES[:5]
    assert study["bins"] == 7
    assert [(x["name"], x["channels"]) for x in study["layers"]] == LAYERS
    for layer in study["layers"]:
        assert (site / layer["data"]).is_file() and (site / layer["counts"]).is_file()
        for kind in ("featvis", "examples"):
            assert (site / layer[kind]["atlas"]).is_file()
    for c in study["classes"]:
        assert (site / c["graph"]).is_file()
        for name, _ in LAYERS:
            assert (site / f"data/stats/{c['id']}/{name}.json").is_file()
    assert set(study["embedding"]) == {n for n, _ in LAYERS}
    assert study["provenance"]["model"]["weights_sha256"] == "a" * 64
    assert study["model"]["warnings"] == [TRAINING_WARNING]  # the model card's, from training
    assert (site / "index.html").is_file() and (site / "vendor/d3.min.js").is_file()


def test_counts_are_a_l_rows_in_class_order(built):
    site, p, files = built
    for (name, channels), path in zip(LAYERS, files.activations, strict=True):
        got = np.frombuffer((site / f"data/layers/{name}.counts.i32").read_bytes(), "<i4")
        with np.load(path) as z:
            np.testing.assert_array_equal(got.reshape(len(p["class_ids"]), channels), z["counts"])


def test_all_images_histogram_sums_the_classes(built):
    site, p, files = built
    stats = [json.loads(f.read_text())["channel_hist"] for f in files.stats]
    for name, channels in LAYERS:
        layer = json.loads((site / f"data/layers/{name}.json").read_text())
        want = sum(np.array(s[name]["class"]) for s in stats)
        np.testing.assert_array_equal(layer["all_images"], want)
        assert np.array(layer["all_images"]).shape == (channels, 7)
        assert layer["range"] == stats[0][name]["range"]
        one = json.loads((site / f"data/stats/2/{name}.json").read_text())
        assert one == {k: stats[2][name][k] for k in ("class", "misclassified")}


def test_atlases_are_copied_with_their_geometry_and_labelled_examples(built):
    from PIL import Image

    site, p, files = built
    study = json.loads((site / "data/study.json").read_text())
    reasons = []
    for layer, fv_file, ex_file in zip(study["layers"], files.featvis, files.examples,
                                       strict=True):
        fv, ex = json.loads(fv_file.read_text()), json.loads(ex_file.read_text())
        failed = [FeatvisIndex.FAILURES[f] if f else None for f in fv["failed"]]
        assert layer["featvis"] == {"atlas": f"data/featvis/{layer['name']}.png",
                                    "size": fv["size"], "per_channel": fv["per_channel"],
                                    "channels": fv["channels"], "failed": failed}
        reasons += [f for f in failed if f]
        width, height = Image.open(site / layer["featvis"]["atlas"]).size
        assert (width, height) == (fv["per_channel"] * fv["size"],
                                   max(1, len(fv["channels"])) * fv["size"])
        e = layer["examples"]
        assert (e["thumbnail"], e["n"], e["per_row"]) == (ex["thumbnail"], ex["n"], ex["per_row"])
        width, height = Image.open(site / e["atlas"]).size
        assert width == e["per_row"] * e["n"] * e["thumbnail"]
        assert height == -(-layer["channels"] // e["per_row"]) * e["thumbnail"]
        index = json.loads((site / e["index"]).read_text())["channels"]
        assert len(index) == layer["channels"]
        for got, want in zip(index, ex["channels"], strict=True):
            assert [g["image"] for g in got] == [w["image"] for w in want]
            assert [g["label"] for g in got] == [p["class_names"][w["class"]] for w in want]
    assert set(reasons) == set(FeatvisIndex.FAILURES.values())  # failed renders say why


def test_channel_descriptions_are_split_per_layer_as_recorded(built):
    """Each layer's ``descriptions`` file holds the record's channels of that layer, unchanged
    (the page shows their ``text``; it computes none of it)."""
    site, _, files = built
    study = json.loads((site / "data/study.json").read_text())
    record = json.loads(files.descriptions.read_text())
    for layer in study["layers"]:
        assert layer["descriptions"] == f"data/descriptions/{layer['name']}.json"
        got = json.loads((site / layer["descriptions"]).read_text())["channels"]
        assert got == record["layers"][layer["name"]] and len(got) == layer["channels"]
        assert all(d["text"] and d["examples"] is not None for d in got)
    assert any(d["nonsemantic"] for x in record["layers"].values() for d in x)  # as reported
    bare = type(files)(files.model, files.structure, files.embedding, files.graphs, files.stats)
    write_site(built[1], REPO_SITE, bare, site.parent / "bare")
    assert all(x["descriptions"] is None for x in
               json.loads((site.parent / "bare/data/study.json").read_text())["layers"])


def test_without_atlases_vertices_fall_back_to_numbers(tmp_path):
    p, files = make_study(tmp_path / "study", ["a", "b"], LAYERS[:1], bins=3, n_images=10,
                          images=False)
    write_site(p, REPO_SITE, files, tmp_path / "site")
    study = json.loads((tmp_path / "site/data/study.json").read_text())
    assert study["layers"][0]["featvis"] is None and study["layers"][0]["examples"] is None


def test_without_activation_files_similarity_is_marked_absent(tmp_path):
    p, files = make_study(tmp_path / "study", ["a", "b"], LAYERS[:1], bins=3, n_images=10,
                          images=False)
    files = type(files)(files.model, files.structure, files.embedding, files.graphs, files.stats)
    write_site(p, REPO_SITE, files, tmp_path / "site")
    study = json.loads((tmp_path / "site/data/study.json").read_text())
    assert study["layers"][0]["counts"] is None
    assert not list((tmp_path / "site/data/layers").glob("*.i32"))


def test_analyses_are_summarised_and_figures_published(built):
    site, _, files = built
    study = json.loads((site / "data/study.json").read_text())
    assert study["analyses"] == "data/analyses.json"
    a = json.loads((site / study["analyses"]).read_text())
    assert set(a) == {"nonsemantic", "neighbours", "pairs", "motifs", "separability", "models",
                      "ground_truth", "randomization"}
    assert a["ground_truth"] is None and a["randomization"] is None  # not run
    # the top pairs are the similarity matrix's largest off-diagonal entries, in order
    pairs = json.loads(files.analyses.class_pairs.read_text())
    s = np.array(pairs["vertex_jaccard"])
    want = sorted(s[np.triu_indices(len(s), 1)], reverse=True)
    assert [x["jaccard"] for x in a["pairs"]["top"]] == pytest.approx(want)
    assert (a["pairs"]["most_similar"]["a"], a["pairs"]["most_similar"]["b"]) == \
        (a["pairs"]["top"][0]["a"], a["pairs"]["top"][0]["b"])
    assert "lift" not in a["nonsemantic"]["channels"][0]  # per-class detail stays out
    assert len(a["separability"]["classes"][0]["classifier"]) == len(LAYERS)
    assert {c["id"] for c in a["models"]["classes"]} == set(range(5))
    for f in study["figures"]:
        assert (site / f["png"]).is_file() and (site / f["pdf"]).is_file()
    titles = [f["title"] for f in study["figures"]]
    assert f"{TRICKY_NAMES[0]} and {TRICKY_NAMES[4]} compared" in titles
    for c in a["models"]["classes"]:
        assert (site / c["figure"]).is_file()


def test_without_analyses_the_site_says_so(tmp_path):
    p, files = make_study(tmp_path / "study", ["a", "b", "c"], LAYERS[:1], bins=3,
                          n_images=10, images=False, with_analyses=False)
    write_site(p, REPO_SITE, files, tmp_path / "site")
    study = json.loads((tmp_path / "site/data/study.json").read_text())
    assert study["analyses"] is None and study["figures"] == []
    assert not (tmp_path / "site/data/analyses.json").exists()


def test_a_stages_per_class_panel_is_published_with_its_path(built):
    site, p, files = built
    study = json.loads((site / "data" / "study.json").read_text())
    assert study["panels"][0] == {"name": "note", "data": "data/panels/note/{id}.json",
                                  "sort": None}
    assert all(set(c["sort_keys"]) == {"stability"} for c in study["classes"])  # not the note
    for cid, path in zip(p["class_ids"], files.panels["note"], strict=True):
        shipped = site / study["panels"][0]["data"].replace("{id}", str(cid))
        assert shipped.read_bytes() == path.read_bytes()


def test_without_panels_study_json_has_no_panel_key(tmp_path):
    p, files = make_study(tmp_path / "study", TRICKY_NAMES[:3], LAYERS, panel=False,
                          stability=False)
    write_site(p, REPO_SITE, files, tmp_path / "site")
    study = json.loads((tmp_path / "site" / "data" / "study.json").read_text())
    assert "panels" not in study
    assert all("sort_keys" not in c for c in study["classes"])  # no panel sorts the list


@pytest.mark.parametrize("name", ["../x", "Note", "a-b", ""])
def test_a_panel_name_that_cannot_name_a_module_is_refused(tmp_path, name):
    from dataclasses import replace

    from summit.errors import SummitError

    p, files = make_study(tmp_path / "study", TRICKY_NAMES[:3], LAYERS)
    with pytest.raises(SummitError, match="panel names are lower-case identifiers"):
        write_site(p, REPO_SITE, replace(files, panels={name: files.panels["note"]}),
                   tmp_path / "site")


def test_a_sorting_panels_keys_are_read_into_the_class_entries(tmp_path):
    """The faithfulness panel's score per class goes into study.json, so the page sorts the
    class list without fetching every record; an unknown score (null) stays null."""
    from summit.io.artifacts import Faithfulness

    p, files = make_study(tmp_path / "study", TRICKY_NAMES[:4], LAYERS, images=False,
                          with_analyses=False, faithfulness=True, stability=False)
    paths = files.panels["faithfulness"]
    unknown = Faithfulness.load(paths[1])
    unknown.variants[unknown.configured]["score"] = None
    unknown.save(paths[1])
    write_site(p, REPO_SITE, files, tmp_path / "site")
    study = json.loads((tmp_path / "site/data/study.json").read_text())
    assert study["panels"][1] == {"name": "faithfulness",
                                  "data": "data/panels/faithfulness/{id}.json",
                                  "sort": "Faithfulness"}
    for c, path in zip(study["classes"], paths, strict=True):
        record = json.loads(path.read_text())
        assert c["sort_keys"] == {"faithfulness":
                                  record["variants"][record["configured"]]["score"]}
        assert (tmp_path / "site" / f"data/panels/faithfulness/{c['id']}.json").is_file()
    assert study["classes"][1]["sort_keys"] == {"faithfulness": None}
    assert all(isinstance(c["sort_keys"]["faithfulness"], float)
               for i, c in enumerate(study["classes"]) if i != 1)


def test_the_stability_panel_sorts_by_vertex_jaccard_and_gives_the_configured_share(tmp_path):
    """Each class's stability record is published as its panel; the class list's key is its
    resampled graphs' mean vertex Jaccard with the graph (null when unknown), and the
    record's settings give the share the graph view's slider starts at."""
    from summit.io.artifacts import Stability

    p, files = make_study(tmp_path / "study", TRICKY_NAMES[:4], LAYERS, images=False,
                          with_analyses=False, panel=False)
    paths = files.panels["stability"]
    unknown = Stability.load(paths[2])
    unknown.jaccard["vertices"]["mean"] = float("nan")  # no resample: the summary's NaN
    unknown.save(paths[2])
    write_site(p, REPO_SITE, files, tmp_path / "site")
    study = json.loads((tmp_path / "site/data/study.json").read_text())
    assert study["panels"] == [{"name": "stability", "data": "data/panels/stability/{id}.json",
                                "sort": "Stability"}]
    for c, path in zip(study["classes"], paths, strict=True):
        record = json.loads(path.read_text())
        shipped = tmp_path / "site" / f"data/panels/stability/{c['id']}.json"
        assert shipped.read_bytes() == path.read_bytes()
        want = record["jaccard"]["vertices"]["mean"]
        assert c["sort_keys"] == {"stability": want}
        assert c["share"] == record["settings"]["share"] == 0.075
        assert set(record["settings"]) >= {"groups", "resamples", "split_halves", "min_support",
                                           "seed", "extraction", "share"}
    assert study["classes"][2]["sort_keys"] == {"stability": None}
    assert all(isinstance(c["sort_keys"]["stability"], float)
               for i, c in enumerate(study["classes"]) if i != 2)


def test_graphs_ship_their_entry_shares_and_slider(built):
    """The graphs go to the site as the graph step wrote them: every vertex with its entry
    share, below the configured share in the graph and above it in the slider's."""
    site, p, files = built
    for cid, path in zip(p["class_ids"], files.graphs, strict=True):
        shipped = site / f"data/graphs/{cid}.json"
        assert shipped.read_bytes() == path.read_bytes()
        g = json.loads(shipped.read_text())
        low, high = g["slider"]["range"]
        assert all(0 <= n["entry_share"] < 0.075 for n in g["nodes"])
        assert g["slider"]["nodes"] and all(0.075 <= n["entry_share"] < high
                                            for n in g["slider"]["nodes"])
        ids = {n["id"] for n in g["nodes"]}
        extra = {n["id"] for n in g["slider"]["nodes"]}
        assert not ids & extra
        for e in g["slider"]["edges"]:  # the edges the slider's vertices add
            assert {e["source"], e["target"]} <= ids | extra
            assert {e["source"], e["target"]} & extra


def test_the_share_is_the_graphs_own_else_the_stability_records_else_unknown(tmp_path):
    from dataclasses import replace

    p, files = make_study(tmp_path / "study", ["a", "b"], LAYERS[:2], images=False,
                          with_analyses=False, panel=False)
    graph = json.loads(files.graphs[0].read_text())
    graph["slider"]["share"] = 0.05
    files.graphs[0].write_text(json.dumps(graph))
    write_site(p, REPO_SITE, files, tmp_path / "site")
    study = json.loads((tmp_path / "site/data/study.json").read_text())
    assert [c["share"] for c in study["classes"]] == [0.05, 0.075]
    write_site(p, REPO_SITE, replace(files, panels={}), tmp_path / "site2")
    study = json.loads((tmp_path / "site2/data/study.json").read_text())
    assert [c["share"] for c in study["classes"]] == [0.05, None]


def test_the_model_comparison_is_published_per_class_with_the_second_models_atlases(built):
    """With a second model, study.json's ``models`` names both, gives each layer of A its
    paired layer of B (another name for some) with B's atlas copied under data/models, and
    each class's file holds B's graph in A's ids, what it keeps of A's and the matching."""
    from PIL import Image

    from summit.io.reports import ModelComparison
    from tests.fixtures.study import MODEL_NAMES

    site, p, files = built
    study = json.loads((site / "data/study.json").read_text())
    m = study["models"]
    assert m["names"] == MODEL_NAMES and m["data"] == "data/models/{id}.json"
    record = ModelComparison.load(files.comparison.classes[0])
    assert [x["layer"] for x in m["layers"]] == [n for n, _ in LAYERS]
    assert [x["b_layer"] for x in m["layers"]] == [x["layer_b"] for x in
                                                   record.matching.values()]
    assert any(x["b_layer"] != x["layer"] for x in m["layers"])  # B's own names
    indexes = {json.loads(f.read_text())["layer"]: json.loads(f.read_text())
               for f in files.comparison.featvis}
    for x in m["layers"]:
        fv = indexes[x["b_layer"]]
        assert x["channels_b"] == record.matching[x["layer"]]["channels_b"]
        assert x["featvis"] == {"atlas": f"data/models/featvis/{x['b_layer']}.png",
                                "size": fv["size"], "per_channel": fv["per_channel"],
                                "channels": fv["channels"],
                                "failed": [FeatvisIndex.FAILURES[f] if f else None
                                           for f in fv["failed"]]}
        assert Image.open(site / x["featvis"]["atlas"]).size == (
            fv["per_channel"] * fv["size"], len(fv["channels"]) * fv["size"])
    for cid, path in zip(p["class_ids"], files.comparison.classes, strict=True):
        r = ModelComparison.load(path)
        shipped = json.loads((site / m["data"].replace("{id}", str(cid))).read_text())
        assert shipped == {
            "class": r.a, "models": MODEL_NAMES, "accuracy": r.accuracy,
            "conserved": r.conserved, "vertex_jaccard": r.vertex_jaccard,
            "edge_jaccard": r.edge_jaccard,
            "stability": {k: r.stability[k] for k in ("resamples", "conserved",
                                                      "vertex_jaccard")},
            "matching": r.matching, "graph_b": r.graph_b}
        ids = {n["id"] for n in shipped["graph_b"]["nodes"]}
        assert any(":b" in i for i in ids)  # B's own vertices, unmatched
        assert all(n["b_layer"] == r.matching[n["layer"]]["layer_b"]
                   for n in shipped["graph_b"]["nodes"])
        # every vertex of B's graph has B's render in its layer's atlas
        atlas = {x["b_layer"]: x["featvis"]["channels"] for x in m["layers"]}
        assert all(n["b_channel"] in atlas[n["b_layer"]] for n in shipped["graph_b"]["nodes"])


def test_the_analyses_table_of_the_models_gives_what_b_keeps_with_its_spread(built):
    site, _, files = built
    from summit.io.reports import ModelComparison

    a = json.loads((site / "data/analyses.json").read_text())["models"]
    for c, path in zip(a["classes"], files.comparison.classes, strict=True):
        r = ModelComparison.load(path)
        assert (c["conserved"], c["conserved_spread"]) == (r.conserved["vertices"],
                                                           r.stability["conserved"])


def test_without_a_second_model_study_json_has_no_models_key(tmp_path):
    from dataclasses import replace

    p, files = make_study(tmp_path / "study", TRICKY_NAMES[:3], LAYERS, images=False,
                          panel=False, stability=False)
    write_site(p, REPO_SITE, replace(files, comparison=None), tmp_path / "site")
    study = json.loads((tmp_path / "site/data/study.json").read_text())
    assert "models" not in study and not (tmp_path / "site/data/models").exists()


def test_a_comparison_per_class_in_class_order_is_required(tmp_path):
    from dataclasses import replace

    from summit.errors import SummitError

    p, files = make_study(tmp_path / "study", TRICKY_NAMES[:3], LAYERS, images=False,
                          panel=False, stability=False)
    c = files.comparison
    with pytest.raises(SummitError, match="2 model comparisons for 3 classes"):
        write_site(p, REPO_SITE, replace(files, comparison=replace(c, classes=c.classes[:2])),
                   tmp_path / "site")
    with pytest.raises(SummitError, match="give them in class order"):
        write_site(p, REPO_SITE, replace(files, comparison=replace(
            c, classes=c.classes[::-1])), tmp_path / "site")
