"""Graph intersection and differences against Python sets."""

import numpy as np
import pytest

from summit.class_comparison import compare, most_similar_pair, vertex_jaccard


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
    assert "union" not in r  # drawing builds it: summit.layout.union (tests/test_layout.py)


def test_a_graph_compared_with_itself_is_all_shared():
    g = _random_graph(np.random.default_rng(2), 0)
    r = compare(g, g)
    assert r["vertex_jaccard"] == 1 and not r["vertices"]["only_a"] and not r["edges"]["only_b"]
