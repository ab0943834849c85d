"""Graph assembly against explicit path enumeration, and PageRank against networkx."""

import itertools
from dataclasses import replace

import networkx as nx
import numpy as np
import pytest

from summit.method.graphs import attribution_graph, block_edges, full_graph, personalization
from summit.model.hops import Block, Hop, Layer, Structure
from summit.settings import GraphSettings
from tests import brute_force

# The schema's graph defaults, with a larger share so the small test graphs keep a few vertices.
GRAPH_CFG = replace(GraphSettings.defaults(), share=0.3)


def _inception_block():
    """P (4 ch) → Q (2 direct + 3 via bottleneck b (2 ch) + 2 via bottleneck c (3 ch))."""
    return Block("P", "Q", {"b": 2, "c": 3}, [
        Hop("d", "d", None, "P", "Q", 0, 4, 2),
        Hop("b", "b", None, "P", "b", 0, 4, 2),
        Hop("b2", "b2", None, "b", "Q", 2, 2, 3),
        Hop("c", "c", None, "P", "c", 0, 4, 3),
        Hop("c2", "c2", None, "c", "Q", 5, 3, 2),
    ])


def _bottleneck_residual_block():
    """P (3 ch) → h1 (2) → h2 (2) → Q (3), plus the identity skip P → Q."""
    return Block("P", "Q", {"h1": 2, "h2": 2}, [
        Hop("h1", "h1", None, "P", "h1", 0, 3, 2),
        Hop("h2", "h2", None, "h1", "h2", 0, 2, 2),
        Hop("h3", "h3", None, "h2", "Q", 0, 2, 3),
        Hop("skip", "identity", None, "P", "Q", 0, 3, 3, groups=3),
    ])


def _shuffle_block():
    """P (4 ch) → Q (6 ch), ShuffleNet- and ResNeXt-like: half of P passes to Q's even
    channels, the other half through a depthwise hidden node h to the odd ones, and all of P
    through a grouped hidden node g (2 groups) to Q's channels 4, 5 with P's first two."""
    return Block("P", "Q", {"h": 2, "g": 4}, [
        Hop("skip", "identity", None, "P", "Q", 0, 2, 2, groups=2, target_channels=(0, 2)),
        Hop("dw", "dw", None, "P", "h", 0, 2, 2, groups=2, source_channels=(2, 3)),
        Hop("pw", "pw", None, "h", "Q", 1, 2, 2, target_channels=(1, 3)),
        Hop("grouped", "grouped", None, "P", "g", 0, 4, 4, groups=2),
        Hop("out", "out", None, "g", "Q", 4, 4, 2),
        Hop("direct", "direct", None, "P", "Q", 4, 2, 2, source_channels=(0, 1)),
    ])


def _random_tallies(block, rng):
    return {h.name: rng.integers(0, 20, (h.candidates, h.out_channels)) for h in block.hops}


def _enumerate(block, tallies, n_src, n_tgt):
    """Best direct and best multi-hop path weight per (p, j), by walking every path."""
    direct = np.zeros((n_src, n_tgt), np.int64)
    merged = np.zeros((n_src, n_tgt), np.int64)

    def walk(node, channel, width, length):
        for h in block.hops:
            if h.source != node:
                continue
            counts = brute_force.dense(h, tallies[h.name])
            for i in [i for i in range(h.in_channels) if h.sources()[i] == channel]:
                for out in range(h.out_channels):
                    w = min(width, counts[i, out])
                    t = h.targets()[out]
                    if h.target == block.target:
                        best = direct if length == 0 else merged
                        best[p, t] = max(best[p, t], w)
                    else:
                        walk(h.target, t, w, length + 1)

    for p in range(n_src):
        walk(block.source, p, np.iinfo(np.int64).max, 0)
    return direct, merged


def _keep_top(m, k):
    out = np.zeros_like(m)
    for j in range(m.shape[1]):
        order = sorted(range(m.shape[0]), key=lambda r: (-m[r, j], r))[:k]
        for r in order:
            if m[r, j] > 0:
                out[r, j] = m[r, j]
    return out


@pytest.mark.parametrize("make, n_src, n_tgt", [(_inception_block, 4, 7),
                                                (_bottleneck_residual_block, 3, 3),
                                                (_shuffle_block, 4, 6)])
@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("keep", [None, 1, 2])
def test_block_edges_equal_path_enumeration(make, n_src, n_tgt, seed, keep):
    block = make()
    tallies = _random_tallies(block, np.random.default_rng(seed))
    direct, merged = _enumerate(block, tallies, n_src, n_tgt)
    if keep is None:
        fed = (direct > 0).sum(axis=0)
        keep = round(fed.sum() / (fed > 0).sum())
    expected = np.maximum(direct, _keep_top(merged, keep))
    got = block_edges(block, tallies, n_src, n_tgt, keep, fallback=5)
    np.testing.assert_array_equal(got, expected)


def test_block_without_direct_hop_uses_fallback():
    block = Block("P", "Q", {"h": 2}, [Hop("a", "a", None, "P", "h", 0, 3, 2),
                                       Hop("b", "b", None, "h", "Q", 0, 2, 2)])
    tallies = {"a": np.array([[5, 1], [3, 3], [1, 9]]), "b": np.array([[4, 2], [7, 7]])}
    got = block_edges(block, tallies, 3, 2, None, fallback=1)
    # widest paths: p0→j0 max(min(5,4), min(1,7)) = 4, p1→j0 = 3, p2→j0 = 7 ...
    np.testing.assert_array_equal(got, [[0, 0], [0, 0], [7, 7]])


def _toy_structure():
    layers = [Layer("A", 3, 4, 4), Layer("B", 2, 2, 2), Layer("C", 2, 1, 1)]
    blocks = [Block("A", "B", {}, [Hop("ab", "ab", None, "A", "B", 0, 3, 2)]),
              Block("B", "C", {}, [Hop("bc", "bc", None, "B", "C", 0, 2, 2)])]
    return Structure(layers, blocks)


def test_full_graph_and_pagerank_match_networkx():
    s = _toy_structure()
    counts = {"A": np.array([5, 0, 2]), "B": np.array([1, 4]), "C": np.array([3, 3])}
    tallies = {"ab": np.array([[2, 0], [1, 1], [0, 6]]), "bc": np.array([[3, 0], [1, 2]])}
    g = full_graph(s, counts, tallies, None, 5, {})
    np.testing.assert_array_equal(personalization(g), [1, 0, 0.4, 0.25, 1, 1, 1])
    out = attribution_graph(g, replace(GRAPH_CFG, share=1.0))
    ref = nx.Graph()
    ids = ["A:0", "A:1", "A:2", "B:0", "B:1", "C:0", "C:1"]
    ref.add_nodes_from(ids)
    for (i, j), w in np.ndenumerate(tallies["ab"]):
        if w:
            ref.add_edge(f"A:{i}", f"B:{j}", weight=w)
    for (i, j), w in np.ndenumerate(tallies["bc"]):
        if w:
            ref.add_edge(f"B:{i}", f"C:{j}", weight=w)
    pr = nx.pagerank(ref, personalization=dict(zip(ids, personalization(g), strict=True)))
    got = {n["id"]: n["pagerank"] for n in out["nodes"]}
    assert got.keys() == pr.keys()
    for k in got:
        assert got[k] == pytest.approx(pr[k], abs=1e-9)
    edges = {(e["source"], e["target"]): e["weight"] for e in out["edges"]}
    assert edges == {(u, v) if u < v else (v, u): d["weight"] for u, v, d in ref.edges(data=True)}


def test_extraction_per_layer_and_exclusion():
    s = _toy_structure()
    counts = {"A": np.array([5, 0, 2]), "B": np.array([1, 4]), "C": np.array([3, 3])}
    tallies = {"ab": np.array([[2, 0], [1, 1], [0, 6]]), "bc": np.array([[3, 0], [1, 2]])}
    g = full_graph(s, counts, tallies, None, 5, {"B": [1]})
    assert g.counts[4] == 0 and g.adjacency[[4]].sum() == 0
    out = attribution_graph(g, GRAPH_CFG)
    ids = {n["id"] for n in out["nodes"]}
    assert "B:1" not in ids
    for layer in "ABC":  # share 0.3: every layer keeps its top vertex at least
        assert any(i.startswith(layer) for i in ids)
    for e in out["edges"]:
        assert e["source"] in ids and e["target"] in ids
        assert e["source"][0] < e["target"][0]


def test_pagerank_scores_sum_to_one_over_layers():
    s = _toy_structure()
    rng = np.random.default_rng(3)
    counts = {x.name: rng.integers(0, 9, x.channels) for x in s.layers}
    tallies = {h.name: rng.integers(0, 9, (h.in_channels, h.out_channels)) for h in s.hops()}
    out = attribution_graph(full_graph(s, counts, tallies, None, 5, {}),
                            replace(GRAPH_CFG, share=1.0))
    assert sum(n["pagerank"] for n in out["nodes"]) == pytest.approx(1.0)
    assert all(a["id"] != b["id"] for a, b in itertools.combinations(out["nodes"], 2))
