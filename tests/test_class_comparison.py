"""Graph intersection and differences against Python sets."""

import numpy as np
import pytest

from summit.analyses.class_comparison import (
    compare,
    most_similar_pair,
    ranked_pairs,
    vertex_jaccard,
)


def _random_graph(rng, cid, layers=("l1", "l2", "l3"), channels=6, p_node=0.4, p_edge=0.5):
    nodes = [{"id": f"{layer}:{c}", "layer": layer, "channel": c,
              "count": int(rng.integers(1, 50)), "pagerank": 0.1}
             for layer in layers for c in range(channels) if rng.random() < p_node]
    ids = {n["id"]: n for n in nodes}
    edges = []
    for lo, hi in zip(layers, layers[1:], strict=False):
        for a in [n for n in nodes if n["layer"] == lo]:
            for b in [n for n in nodes if n["layer"] == hi]:
                if rng.random() < p_edge:
                    edges.append({"source": a["id"], "target": b["id"],
                                  "weight": int(rng.integers(1, 9))})
    assert all(e["source"] in ids for e in edges)
    return {"class": {"id": cid, "name": f"class {cid}"}, "layers": list(layers),
            "nodes": nodes, "edges": edges}


def test_vertex_jaccard_matches_sets():
    rng = np.random.default_rng(0)
    graphs = [_random_graph(rng, i) for i in range(7)]
    graphs[4]["nodes"] = []  # an empty graph
    got = vertex_jaccard(graphs)
    for i, a in enumerate(graphs):
        for j, b in enumerate(graphs):
            sa, sb = {n["id"] for n in a["nodes"]}, {n["id"] for n in b["nodes"]}
            want = len(sa & sb) / len(sa | sb) if sa | sb else 1.0
            assert got[i, j] == pytest.approx(want)


def test_most_similar_pair_skips_the_diagonal_and_breaks_ties_in_order():
    s = np.array([[1, 0.2, 0.5], [0.2, 1, 0.5], [0.5, 0.5, 1]])
    assert most_similar_pair(s) == (0, 2)


def test_compare_splits_vertices_and_edges():
    rng = np.random.default_rng(1)
    a, b = _random_graph(rng, 0), _random_graph(rng, 1)
    r = compare(a, b)
    va, vb = {n["id"] for n in a["nodes"]}, {n["id"] for n in b["nodes"]}
    ea = {(e["source"], e["target"]) for e in a["edges"]}
    eb = {(e["source"], e["target"]) for e in b["edges"]}
    assert set(r["vertices"]["both"]) == va & vb
    assert set(r["vertices"]["only_a"]) == va - vb
    assert set(r["vertices"]["only_b"]) == vb - va
    assert {tuple(e) for e in r["edges"]["both"]} == ea & eb
    assert {tuple(e) for e in r["edges"]["only_b"]} == eb - ea
    assert r["vertex_jaccard"] == pytest.approx(len(va & vb) / len(va | vb), abs=1e-6)
    for layer, c in r["layers"].items():
        la = {v for v in va if v.startswith(layer + ":")}
        lb = {v for v in vb if v.startswith(layer + ":")}
        assert (c["both"], c["only_a"], c["only_b"]) == (len(la & lb), len(la - lb),
                                                          len(lb - la))
    assert "union" not in r  # drawing builds it: summit.render.layout.union (tests/test_layout.py)


def test_a_graph_compared_with_itself_is_all_shared():
    g = _random_graph(np.random.default_rng(2), 0)
    r = compare(g, g)
    assert r["vertex_jaccard"] == 1 and not r["vertices"]["only_a"] and not r["edges"]["only_b"]


# Support over resampled graphs: every value against explicit loops over the resamples.

def _resample(rng, graph, keep=0.75):
    """A ``ResampledGraphs`` resample of ``graph``: each vertex kept with probability
    ``keep``, the edges between kept vertices."""
    kept = sorted(n["id"] for n in graph["nodes"] if rng.random() < keep)
    return {"weights": [1, 1], "nodes": kept,
            "edges": [[e["source"], e["target"]] for e in graph["edges"]
                      if e["source"] in kept and e["target"] in kept]}


def _records(graphs, resamples, seed=0, keep=0.75):
    """Every class's ``ResampledGraphs`` (as JSON) with ``resamples`` resamples."""
    rng = np.random.default_rng(seed)
    return [{"class": g["class"], "settings": {"resamples": resamples, "seed": 0},
             "resamples": [_resample(rng, g, keep) for _ in range(resamples)]} for g in graphs]


def _sets(resample):
    return set(resample["nodes"]), {tuple(e) for e in resample["edges"]}


def _brute_jaccard(a, b):
    return len(a & b) / len(a | b) if a | b else 1.0


def _brute_winner(vertex_sets):
    """The most similar pair by a plain loop: highest Jaccard, ties to the first in row order."""
    best, pair = -1.0, None
    for i in range(len(vertex_sets)):
        for j in range(i + 1, len(vertex_sets)):
            s = _brute_jaccard(vertex_sets[i], vertex_sets[j])
            if s > best:
                best, pair = s, (i, j)
    return pair


def _pairs_support(graphs, records, pairs=(), min_support=0.9):
    from summit.analyses.class_comparison import pairs_report, resampled_pairs
    from summit.method.resampling import by_resample

    draws = resampled_pairs(by_resample(records), len(graphs))
    return pairs_report(graphs, list(pairs), draws, min_support), draws


@pytest.mark.parametrize("seed", range(5))
def test_pair_support_and_spreads_match_a_loop_over_resamples(seed):
    from summit.analyses.class_comparison import pair_table

    rng = np.random.default_rng(seed)
    graphs = [_random_graph(rng, cid, channels=4, p_node=0.6) for cid in (3, 5, 8, 9, 12)]
    records = _records(graphs, 40, seed)
    report, draws = _pairs_support(graphs, records, [(5, 12)], 0.5)
    best = report["pairs"]["most_similar"]
    i, j = (report["class_ids"].index(best["a"]["id"]), report["class_ids"].index(best["b"]["id"]))
    wins, values = {}, {}
    for b in range(40):
        sets = [set(r["resamples"][b]["nodes"]) for r in records]
        w = _brute_winner(sets)
        wins[w] = wins.get(w, 0) + 1
        for x in range(5):
            for y in range(x + 1, 5):
                values.setdefault((x, y), []).append(_brute_jaccard(sets[x], sets[y]))
    assert best["support"] == pytest.approx(wins.get((i, j), 0) / 40)
    assert best["tentative"] == (wins.get((i, j), 0) / 40 < 0.5)
    assert best["vertex_jaccard_spread"]["p5"] == pytest.approx(
        np.percentile(values[(i, j)], 5), abs=1e-6)
    assert best["vertex_jaccard_spread"]["p95"] == pytest.approx(
        np.percentile(values[(i, j)], 95), abs=1e-6)
    assert {(w["a"], w["b"]): w["support"] for w in best["winners"]} == pytest.approx(
        {(report["class_ids"][x], report["class_ids"][y]): n / 40 for (x, y), n in wins.items()})
    configured = report["pairs"]["5_12"]["vertex_jaccard_spread"]
    assert configured["mean"] == pytest.approx(np.mean(values[(1, 4)]), abs=1e-6)
    assert configured["p95"] == pytest.approx(np.percentile(values[(1, 4)], 95), abs=1e-6)
    assert report["stability"] == {"resamples": 40, "min_support": 0.5}
    rows = pair_table(report["class_ids"], report["vertex_jaccard"], draws)
    assert len(rows) == 10
    for row in rows:
        x, y = report["class_ids"].index(row["a"]), report["class_ids"].index(row["b"])
        assert x < y
        assert row["vertex_jaccard_p5"] == pytest.approx(np.percentile(values[(x, y)], 5),
                                                         abs=1e-6)
        assert row["vertex_jaccard_p95"] == pytest.approx(np.percentile(values[(x, y)], 95),
                                                          abs=1e-6)
        assert row["most_similar_support"] == pytest.approx(wins.get((x, y), 0) / 40)
    assert sum(r["most_similar_support"] for r in rows) == pytest.approx(1)


def _fixed(cid, resamples):
    """A graph and its resamples given as vertex lists (edges none)."""
    g = {"class": {"id": cid, "name": f"class {cid}"}, "layers": ["l"],
         "nodes": [{"id": v, "layer": "l", "channel": int(v[2:])} for v in resamples[0]],
         "edges": []}
    return g, {"class": g["class"], "settings": {"resamples": len(resamples)},
               "resamples": [{"weights": [1], "nodes": r, "edges": []} for r in resamples]}


def test_a_pair_identical_in_every_resample_has_support_1():
    shared = ["l:1", "l:2", "l:3"]
    made = [_fixed(0, [["l:7", "l:8"]] * 6), _fixed(1, [shared] * 6), _fixed(2, [shared] * 6),
            _fixed(3, [["l:1", "l:9"], ["l:9"], ["l:2", "l:9"], ["l:9"], ["l:3"], ["l:9"]])]
    report, _ = _pairs_support([g for g, _ in made], [r for _, r in made])
    best = report["pairs"]["most_similar"]
    assert (best["a"]["id"], best["b"]["id"]) == (1, 2)
    assert best["support"] == 1 and best["tentative"] is False
    assert best["vertex_jaccard_spread"] == {"mean": 1, "p5": 1, "p95": 1}
    assert best["winners"] == [{"a": 1, "b": 2, "support": 1.0}]


def test_a_pair_winning_in_some_resamples_gets_that_fraction():
    """Classes 0 and 1 are identical in 4 resamples of 10; in the other 6, 1 and 2 are."""
    a, b = ["l:1", "l:2"], ["l:5", "l:6"]
    made = [_fixed(0, [a] * 10), _fixed(1, [a] * 4 + [b] * 6), _fixed(2, [["l:6"]] * 4 + [b] * 6)]
    report, _ = _pairs_support([g for g, _ in made], [r for _, r in made])
    best = report["pairs"]["most_similar"]
    assert (best["a"]["id"], best["b"]["id"]) == (0, 1)  # the graphs: resample 0's sets
    assert best["support"] == pytest.approx(0.4) and best["tentative"] is True
    assert best["winners"] == [{"a": 1, "b": 2, "support": 0.6}, {"a": 0, "b": 1, "support": 0.4}]
    assert best["vertex_jaccard_spread"]["mean"] == pytest.approx(0.4)


def test_resampled_graphs_of_other_settings_or_classes_do_not_combine():
    from summit.method.resampling import SupportError, by_resample

    made = [_fixed(0, [["l:1"]] * 3), _fixed(1, [["l:1"]] * 4)]
    with pytest.raises(SupportError, match="other stability settings"):
        by_resample([r for _, r in made])
    with pytest.raises(SupportError, match="in the same order"):
        by_resample([made[1][1], made[0][1]], [0, 1])


@pytest.mark.parametrize("seed", range(4))
def test_model_comparison_spread_matches_a_loop_over_paired_resamples(seed):
    from summit.analyses.class_comparison import resampled_comparison

    rng = np.random.default_rng(seed)
    a, b = _random_graph(rng, 0, p_node=0.6), _random_graph(rng, 0, p_node=0.6)
    (ra,), (rb,) = _records([a], 30, seed), _records([b], 30, seed + 100)
    got = resampled_comparison(ra, rb, a["layers"])
    vj, ej, layers = [], [], {layer: [] for layer in a["layers"]}
    for x, y in zip(ra["resamples"], rb["resamples"], strict=True):
        (va, ea), (vb, eb) = _sets(x), _sets(y)
        vj.append(_brute_jaccard(va, vb))
        ej.append(_brute_jaccard(ea, eb))
        for layer, out in layers.items():
            out.append(_brute_jaccard({v for v in va if v.startswith(layer + ":")},
                                      {v for v in vb if v.startswith(layer + ":")}))
    assert got["resamples"] == 30 and got["paired"] is True  # the same weights
    assert got["vertex_jaccards"] == pytest.approx(vj, abs=1e-6)
    for key, values in (("vertex_jaccard", vj), ("edge_jaccard", ej)):
        assert [got[key][q] for q in ("mean", "p5", "p95")] == pytest.approx(
            [np.mean(values), np.percentile(values, 5), np.percentile(values, 95)], abs=1e-6)
    for layer, values in layers.items():
        assert got["layers"][layer]["p5"] == pytest.approx(np.percentile(values, 5), abs=1e-6)
        assert got["layers"][layer]["mean"] == pytest.approx(np.mean(values), abs=1e-6)


def test_the_class_that_changes_most_has_the_share_of_resamples_it_changes_most_in():
    from summit.analyses.class_comparison import changes_most

    rng = np.random.default_rng(7)
    per_class = rng.random((6, 25)).round(3).tolist()
    point = [0.5, 0.2, 0.9, 0.4, 0.3, 0.6]
    got = changes_most(point, per_class, 0.9)
    counts = [0] * 6
    for b in range(25):
        column = [per_class[c][b] for c in range(6)]
        counts[column.index(min(column))] += 1
    assert got["index"] == 1
    assert got["shares"] == pytest.approx([n / 25 for n in counts])
    assert got["support"] == pytest.approx(counts[1] / 25)
    assert got["tentative"] == (counts[1] / 25 < 0.9)
    planted = changes_most(point, [[0.5] * 4, [0.1] * 4, [0.9] * 4, [0.4] * 4, [0.3] * 4,
                                   [0.6] * 4], 0.9)
    assert planted["support"] == 1 and planted["tentative"] is False
    assert changes_most([], [], 0.9) is None


def test_conserved_is_the_share_of_a_graph_the_other_keeps():
    from summit.analyses.class_comparison import conserved

    rng = np.random.default_rng(11)
    for _ in range(20):
        a, b = _random_graph(rng, 0), _random_graph(rng, 0)
        va, vb = {n["id"] for n in a["nodes"]}, {n["id"] for n in b["nodes"]}
        ea = {(e["source"], e["target"]) for e in a["edges"]}
        eb = {(e["source"], e["target"]) for e in b["edges"]}
        got = conserved(a, b)
        assert got["vertices"] == (round(len(va & vb) / len(va), 6) if va else 1.0)
        assert got["edges"] == (round(len(ea & eb) / len(ea), 6) if ea else 1.0)
    assert conserved(a, a) == {"vertices": 1.0, "edges": 1.0}


def test_models_markdown_states_what_each_class_keeps_with_its_spread():
    from summit.analyses.class_comparison import models_markdown

    def result(cid, name, kept, p5, p95, jaccard):
        return {"a": {"id": cid, "name": name}, "models": ["seed 0", "seed 1"],
                "conserved": {"vertices": kept, "edges": kept / 2},
                "vertex_jaccard": jaccard,
                "stability": {"conserved": {"p5": p5, "p95": p95}},
                "matching": {"l1": {"layer_b": "l1", "matched": 60, "channels_a": 64,
                                    "channels_b": 64, "median_score": 0.81, "null_p99": 0.05,
                                    "overlap": 0.3, "identity": 0.02},
                             "l2": {"layer_b": "m2", "matched": 10, "channels_a": 32,
                                    "channels_b": 48, "median_score": 0.4, "null_p99": 0.06,
                                    "overlap": None, "identity": 0.0}}}

    text = models_markdown([result(0, "Bag", 0.75, 0.6, 0.8, 0.5),
                            result(1, "Coat", 0.25, 0.2, 0.4, 0.1)],
                           {"index": 1, "support": 0.94, "tentative": False})
    assert "seed 0 (A) and seed 1 (B)" in text
    assert ("l1 60 of 64, median score 0.81 (null p99 0.05), top-image overlap 0.30, the same "
            "index in 2%") in text
    assert "(null p99 0.06), top-image overlap n/a" in text
    assert "l2 10 of 32 (B's m2: 48)" in text
    assert "median 0.50 (classes 0.25 to 0.75)" in text
    assert "Bag 0.75 (0.60–0.80), Coat 0.25 (0.20–0.40)" in text
    assert "Coat, the least in 94% of the resamples." in text
    assert models_markdown([], None) == ""


@pytest.mark.parametrize("seed", range(5))
def test_ranked_pairs_are_the_most_similar_pair_taken_again_and_again(seed):
    """The ranking equals a loop: take the most similar pair, strike it out, repeat (ties in
    row order: a few similarities repeat on purpose)."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 9))
    s = np.round(rng.random((n, n)), 1)  # rounded: ties
    s = (s + s.T) / 2
    expected, left = [], s.copy()
    left[np.tril_indices(n)] = -np.inf
    for _ in range(n * (n - 1) // 2):
        i, j = np.unravel_index(int(np.argmax(left)), left.shape)
        expected.append((int(i), int(j)))
        left[i, j] = -np.inf
    assert ranked_pairs(s) == expected
    assert ranked_pairs(s, 3) == expected[:3]
    assert most_similar_pair(s) == expected[0]
