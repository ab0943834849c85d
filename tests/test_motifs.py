"""Motif mining against brute force over every group of classes."""

from itertools import combinations

import networkx as nx
import numpy as np
import pytest

from summit.analyses.motifs import (
    class_groups,
    mine,
    motif_graph,
    recurring_channels,
    recurring_edges,
)
from tests.test_class_comparison import _random_graph


def _brute_motifs(graphs, min_classes, min_vertices, max_share):
    """Every group S of classes; the vertices and edges in all of S's graphs; each connected
    piece whose elements are shared by exactly S (no larger group) is a motif of S."""
    vsets = [{n["id"] for n in g["nodes"]} for g in graphs]
    esets = [{(e["source"], e["target"]) for e in g["edges"]} for g in graphs]
    n = len(graphs)
    found = set()
    for size in range(min_classes, n + 1):
        if size > max_share * n:
            continue
        for group in combinations(range(n), size):
            v = set.intersection(*(vsets[i] for i in group))
            e = set.intersection(*(esets[i] for i in group))
            g = nx.Graph()
            g.add_nodes_from(v)
            g.add_edges_from(e)
            for part in nx.connected_components(g):
                edges = {x for x in e if x[0] in part}
                holders = set(range(n))
                for x in part:
                    holders &= {i for i in range(n) if x in vsets[i]}
                for x in edges:
                    holders &= {i for i in range(n) if x in esets[i]}
                if holders == set(group) and len(part) >= min_vertices:
                    found.add((group, frozenset(part), frozenset(edges)))
    return found


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("min_vertices", [1, 2])
def test_mining_matches_brute_force(seed, min_vertices):
    rng = np.random.default_rng(seed)
    graphs = [_random_graph(rng, i, channels=3, p_node=0.8, p_edge=0.8) for i in range(6)]
    got = mine(graphs, min_classes=2, min_vertices=min_vertices, max_share=0.9)
    want = _brute_motifs(graphs, 2, min_vertices, 0.9)
    assert max(len(e) for _, _, e in want) >= 2  # the data has multi-edge motifs
    assert len(got) == len(want)
    assert {(tuple(m["classes"]), frozenset(m["vertices"]),
             frozenset(tuple(e) for e in m["edges"])) for m in got} == want
    scores = [m["score"] for m in got]
    assert scores == sorted(scores, reverse=True)
    assert [m["id"] for m in got] == list(range(len(got)))


def test_a_planted_triangle_path_is_found_for_exactly_its_classes():
    def graph(cid, extra):
        nodes = ["a:1", "b:2", "c:3", *extra]
        return {"class": {"id": cid, "name": str(cid)}, "layers": ["a", "b", "c"],
                "nodes": [{"id": v, "layer": v[0], "channel": int(v[2:]), "count": 5}
                          for v in nodes],
                "edges": [{"source": "a:1", "target": "b:2", "weight": 3},
                          {"source": "b:2", "target": "c:3", "weight": 4}]}
    graphs = [graph(0, ["a:7"]), graph(1, []), graph(2, ["c:9"]),
              {"class": {"id": 3, "name": "3"}, "layers": ["a", "b", "c"], "nodes": [],
               "edges": []}]
    motifs = mine(graphs, 2, 2, 0.9)
    assert len(motifs) == 1
    assert motifs[0]["classes"] == [0, 1, 2]
    assert motifs[0]["edges"] == [["a:1", "b:2"], ["b:2", "c:3"]]
    assert class_groups(motifs) == [{"classes": [0, 1, 2], "motifs": [0], "edges": 2}]
    drawn = motif_graph(motifs[0], {g["class"]["id"]: g for g in graphs})
    assert drawn["layers"] == ["a", "b", "c"] and len(drawn["edges"]) == 2
    assert mine(graphs, 2, 2, 0.5) == []  # 3 of 4 classes is more than half


def test_recurring_channels_and_edges_count_the_graphs():
    rng = np.random.default_rng(9)
    graphs = [_random_graph(rng, i) for i in range(5)]
    channels = recurring_channels(graphs)
    for c in channels:
        assert c["classes"] == [g["class"]["id"] for g in graphs
                                if c["id"] in {n["id"] for n in g["nodes"]}]
        assert c["n_classes"] == len(c["classes"])
    edges = recurring_edges(graphs)
    for e in edges:
        assert e["n_classes"] == sum((e["source"], e["target"]) in
                                     {(x["source"], x["target"]) for x in g["edges"]}
                                     for g in graphs)
    assert [c["n_classes"] for c in channels] == sorted((c["n_classes"] for c in channels),
                                                        reverse=True)


def _path_graph(cid, edges):
    vertices = sorted({v for e in edges for v in e})
    return {"class": {"id": cid, "name": str(cid)}, "layers": ["a", "b", "c"],
            "nodes": [{"id": v, "layer": v[0], "channel": int(v[2:]), "count": 1}
                      for v in vertices],
            "edges": [{"source": s, "target": t, "weight": 1} for s, t in edges]}


def test_a_piece_whose_group_no_single_element_has_is_found():
    """a→b is in classes {0, 1, 2} and b→c in {0, 1, 3}: only together, in {0, 1}, do they
    form a path, a group that is the intersection of the two edges' class sets."""
    ab, bc = ("a:1", "b:1"), ("b:1", "c:1")
    graphs = [_path_graph(0, [ab, bc]), _path_graph(1, [ab, bc]), _path_graph(2, [ab]),
              _path_graph(3, [bc]), _path_graph(4, [])]
    motifs = {tuple(m["classes"]): m for m in mine(graphs, 2, 2, 0.9)}
    assert motifs[(0, 1)]["edges"] == [list(ab), list(bc)]
    assert motifs[(0, 1, 2)]["edges"] == [list(ab)]
    assert motifs[(0, 1, 3)]["edges"] == [list(bc)]


def test_too_many_groups_is_a_clear_error():
    from summit.analyses.motifs import MotifError

    rng = np.random.default_rng(4)
    graphs = [_random_graph(rng, i, channels=3, p_node=0.8, p_edge=0.8) for i in range(6)]
    with pytest.raises(MotifError, match="motifs.min_classes"):
        mine(graphs, 2, 1, 0.9, limit=3)


# Support over resampled graphs: every value against explicit loops over the resamples.

def _support_of(graphs, records, min_classes, min_support=0.9):
    from summit.analyses.motifs import report, resampled_support, with_support
    from summit.method.resampling import by_resample

    settings = {"min_classes": min_classes, "min_vertices": 2, "max_share": 0.9}
    found = report(graphs, settings)
    held = resampled_support(found["motifs"], by_resample(records), min_classes)
    return with_support(found, held, min_support), held


@pytest.mark.parametrize("seed", range(5))
def test_motif_and_channel_support_match_a_loop_over_resamples(seed):
    from tests.test_class_comparison import _records, _sets

    rng = np.random.default_rng(seed)
    graphs = [_random_graph(rng, i, channels=3, p_node=0.8, p_edge=0.8) for i in range(6)]
    records = _records(graphs, 30, seed, keep=0.85)
    result, held = _support_of(graphs, records, 2, min_support=0.5)
    assert result["motifs"] and result["stability"] == {"resamples": 30, "min_support": 0.5}
    by_class = {r["class"]["id"]: r for r in records}
    for m in result["motifs"]:
        holds = 0
        for b in range(30):
            holds += all(set(m["vertices"]) <= _sets(by_class[c]["resamples"][b])[0]
                         and {tuple(e) for e in m["edges"]} <= _sets(by_class[c]["resamples"][b])[1]
                         for c in m["classes"])
        assert m["support"] == pytest.approx(holds / 30, abs=1e-6)
        assert m["tentative"] == (holds / 30 < 0.5)
    channels, edges = {}, {}
    for b in range(30):
        sets = [_sets(r["resamples"][b]) for r in records]
        for v in {v for vs, _ in sets for v in vs}:
            channels[v] = channels.get(v, 0) + (sum(v in vs for vs, _ in sets) >= 2)
        for e in {e for _, es in sets for e in es}:
            edges[e] = edges.get(e, 0) + (sum(e in es for _, es in sets) >= 2)
    for c in result["channels"]:
        assert c["support"] == pytest.approx(channels.get(c["id"], 0) / 30, abs=1e-6)
        assert c["tentative"] == (channels.get(c["id"], 0) / 30 < 0.5)
    assert held["channels"] == pytest.approx({v: n / 30 for v, n in channels.items() if n},
                                             abs=1e-6)
    assert held["edges"] == pytest.approx({e: n / 30 for e, n in edges.items() if n}, abs=1e-6)


def test_a_planted_motif_has_the_share_of_resamples_holding_it_in_all_its_classes():
    """A path a:1 → b:2 → c:3 in classes 0, 1 and 2: whole in every resample of 0 and 1, but
    class 2 loses its edge b:2 → c:3 in 3 resamples of 8 and class 1 loses c:3 in one more."""
    whole = {"nodes": ["a:1", "b:2", "c:3"], "edges": [["a:1", "b:2"], ["b:2", "c:3"]]}
    broken = {"nodes": ["a:1", "b:2", "c:3"], "edges": [["a:1", "b:2"]]}
    short = {"nodes": ["a:1", "b:2"], "edges": [["a:1", "b:2"]]}
    plan = {0: [whole] * 8, 1: [whole] * 7 + [short], 2: [broken] * 3 + [whole] * 5,
            3: [{"nodes": ["a:9"], "edges": []}] * 8}
    point = {0: whole, 1: whole, 2: whole, 3: plan[3][0]}  # the graphs
    graphs = [{"class": {"id": c, "name": str(c)}, "layers": ["a", "b", "c"],
               "nodes": [{"id": v, "layer": v[0], "channel": int(v[2:]), "count": 5}
                         for v in g["nodes"]],
               "edges": [{"source": s, "target": t, "weight": 1} for s, t in g["edges"]]}
              for c, g in point.items()]
    records = [{"class": g["class"], "settings": {}, "resamples": [
        {"weights": [1], **r} for r in plan[g["class"]["id"]]]} for g in graphs]
    result, held = _support_of(graphs, records, 2)
    (motif,) = result["motifs"]
    assert motif["classes"] == [0, 1, 2]
    assert motif["support"] == pytest.approx(4 / 8) and motif["tentative"] is True
    channels = {c["id"]: c for c in result["channels"]}
    assert channels["a:1"]["support"] == 1 and channels["a:1"]["tentative"] is False
    assert channels["c:3"]["support"] == 1  # in 2+ graphs in every resample
    assert held["edges"][("b:2", "c:3")] == pytest.approx(1)  # 0 with 1 or 2 in every one
    records[1]["resamples"] = [whole] * 8
    records[2]["resamples"] = [whole] * 8
    result, _ = _support_of(graphs, records, 2)
    assert result["motifs"][0]["support"] == 1 and result["motifs"][0]["tentative"] is False
