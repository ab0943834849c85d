"""Motif mining against brute force over every group of classes."""

from itertools import combinations

import networkx as nx
import numpy as np
import pytest

from summit.motifs import class_groups, mine, motif_graph, recurring_channels, recurring_edges
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
    from summit.motifs import MotifError

    rng = np.random.default_rng(4)
    graphs = [_random_graph(rng, i, channels=3, p_node=0.8, p_edge=0.8) for i in range(6)]
    with pytest.raises(MotifError, match="motifs.min_classes"):
        mine(graphs, 2, 1, 0.9, limit=3)
