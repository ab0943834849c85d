"""Graph stability against explicit resampling loops, on small planted data."""

from dataclasses import replace

import numpy as np
import pytest
import scipy.sparse as sp

from summit.evidence.stability import graph_stability
from summit.method.graphs import attribution_graph, full_graph
from summit.method.pagerank import entry_shares
from summit.method.resampling import half_splits, resample_weights, weighted
from summit.model.hops import Block, Hop, Layer, Structure
from summit.settings import GraphSettings
from tests.test_pagerank import _slow_share_keep

GRAPH_CFG = replace(GraphSettings.defaults(), share=0.3)


def _structure() -> Structure:
    layers = [Layer("A", 4, 4, 4), Layer("B", 3, 2, 2), Layer("C", 3, 1, 1)]
    blocks = [Block("A", "B", {}, [Hop("ab", "ab", None, "A", "B", 0, 4, 3)]),
              Block("B", "C", {}, [Hop("bc", "bc", None, "B", "C", 0, 3, 3)])]
    return Structure(layers, blocks)


def _planted(rng: np.random.Generator, groups: int):
    """Per-group counts and tallies: A:1 → B:2 → C:0 strong in every group, the rest noise."""
    s = _structure()
    counts = {x.name: rng.integers(0, 4, (groups, x.channels)) for x in s.layers}
    tallies = {h.name: rng.integers(0, 3, (groups, h.in_channels, h.out_channels))
               for h in s.hops()}
    counts["A"][:, 1] += 9
    counts["B"][:, 2] += 9
    counts["C"][:, 0] += 9
    tallies["ab"][:, 1, 2] += 9
    tallies["bc"][:, 2, 0] += 9
    return s, counts, tallies


def _graph_of_groups(s, counts, tallies, multiset: list[int]) -> dict:
    """The graph of a multiset of groups, summed by an explicit loop."""
    c = {k: sum((v[g] for g in multiset), np.zeros_like(v[0])) for k, v in counts.items()}
    t = {k: sum((v[g] for g in multiset), np.zeros_like(v[0])) for k, v in tallies.items()}
    return attribution_graph(full_graph(s, c, t, None, 5, {}), GRAPH_CFG)


def test_resample_weights_draw_g_groups_per_resample_seeded_by_class():
    w = resample_weights(3, 7, 40, 10)
    assert w.shape == (40, 10) and (w.sum(axis=1) == 10).all() and w.min() >= 0
    np.testing.assert_array_equal(w, resample_weights(3, 7, 40, 10))
    assert not np.array_equal(w, resample_weights(3, 8, 40, 10))
    assert not np.array_equal(w, resample_weights(4, 7, 40, 10))
    assert (w == 0).any()  # with replacement: some group left out of some resample


def test_half_splits_take_half_the_groups():
    h = half_splits(0, 2, 6, 7)
    assert h.shape == (6, 7) and (h.sum(axis=1) == 3).all()
    np.testing.assert_array_equal(h, half_splits(0, 2, 6, 7))


def test_weighted_equals_a_loop_over_the_drawn_groups():
    rng = np.random.default_rng(0)
    x = rng.integers(0, 255, (5, 3, 4)).astype(np.uint8)
    w = np.array([0, 2, 1, 0, 2])
    loop = np.zeros((3, 4), np.int64)
    for g, times in enumerate(w):
        for _ in range(times):
            loop += x[g]
    np.testing.assert_array_equal(weighted(x, w), loop)


@pytest.mark.parametrize("seed", range(3))
def test_graph_stability_against_explicit_resampling_loops(seed):
    groups, resamples = 6, 12
    rng = np.random.default_rng(seed)
    s, counts, tallies = _planted(rng, groups)

    def build(w):
        return attribution_graph(full_graph(
            s, {k: weighted(v, w) for k, v in counts.items()},
            {k: weighted(v, w) for k, v in tallies.items()}, None, 5, {}), GRAPH_CFG)

    weights = resample_weights(seed, 0, resamples, groups)
    halves = half_splits(seed, 0, 4, groups)
    full = _graph_of_groups(s, counts, tallies, list(range(groups)))
    got = graph_stability(build, full, weights, halves)

    # The same, by hand: each resample's multiset of groups, its graph, counted by loops.
    vertex_hits, edge_hits, v_jacc = {}, {}, []
    full_v = {n["id"] for n in full["nodes"]}
    for b, w in enumerate(weights):
        multiset = [g for g in range(groups) for _ in range(w[g])]
        graph = _graph_of_groups(s, counts, tallies, multiset)
        vs = {n["id"] for n in graph["nodes"]}
        es = {(e["source"], e["target"]) for e in graph["edges"]}
        for v in vs:
            vertex_hits[v] = vertex_hits.get(v, 0) + 1
        for e in es:
            edge_hits[e] = edge_hits.get(e, 0) + 1
        v_jacc.append(len(vs & full_v) / len(vs | full_v))
        assert got["resamples"][b]["nodes"] == sorted(vs)
        assert {tuple(e) for e in got["resamples"][b]["edges"]} == es
    incl = {v["id"]: v["inclusion"] for v in got["vertices"]}
    assert incl == {v: pytest.approx(vertex_hits.get(v, 0) / resamples)
                    for v in full_v | set(vertex_hits)}
    assert {(e["source"], e["target"]): e["inclusion"] for e in got["edges"]} == {
        e: pytest.approx(n / resamples) for e, n in edge_hits.items()} | {
        (e["source"], e["target"]): 0.0 for e in full["edges"]
        if (e["source"], e["target"]) not in edge_hits}
    assert got["jaccard"]["vertices"]["mean"] == pytest.approx(np.mean(v_jacc), abs=1e-6)
    assert got["jaccard"]["vertices"]["p5"] == pytest.approx(np.percentile(v_jacc, 5), abs=1e-6)
    # The planted path is in every resample; the split halves each rebuild it too.
    for v in ("A:1", "B:2", "C:0"):
        assert incl[v] == 1.0
    for h, first in zip(got["halves"], halves, strict=True):
        a = _graph_of_groups(s, counts, tallies, list(np.flatnonzero(first)))
        b = _graph_of_groups(s, counts, tallies, list(np.flatnonzero(~first)))
        va, vb = {n["id"] for n in a["nodes"]}, {n["id"] for n in b["nodes"]}
        assert h["vertex_jaccard"] == pytest.approx(len(va & vb) / len(va | vb), abs=1e-6)
    assert [v["in_graph"] for v in got["vertices"]] == [v["id"] in full_v
                                                        for v in got["vertices"]]


def test_a_noise_only_graph_is_less_stable_than_a_planted_one():
    groups = 8
    rng = np.random.default_rng(5)
    s, counts, tallies = _planted(rng, groups)
    noise = {k: np.random.default_rng(6).integers(0, 4, v.shape) for k, v in counts.items()}
    noise_t = {k: np.random.default_rng(7).integers(0, 3, v.shape) for k, v in tallies.items()}

    def stability_of(c, t):
        def build(w):
            return attribution_graph(full_graph(s, {k: weighted(v, w) for k, v in c.items()},
                                                {k: weighted(v, w) for k, v in t.items()},
                                                None, 5, {}), GRAPH_CFG)
        return graph_stability(build, build(np.ones(groups, np.int64)),
                               resample_weights(0, 0, 30, groups), half_splits(0, 0, 5, groups))

    planted, random = stability_of(counts, tallies), stability_of(noise, noise_t)
    assert planted["jaccard"]["vertices"]["mean"] > random["jaccard"]["vertices"]["mean"]


# --- threshold persistence -------------------------------------------------------------------


def _slow_unified_limit(scores, layer_of, a, start):
    """The unified rule as its step goes to 0: the smallest share from ``start`` on (only
    the shares where the kept set changes matter) at which every layer links down."""
    n = len(scores)
    shares = sorted({start} | {x for x in np.cumsum(sorted(scores, reverse=True)) /
                               max(sum(scores), 1e-300) if x > start} | {1.0})
    for share in shares:
        kept = _slow_share_keep(list(scores), list(range(n)), share)
        linked = all(any(a[i, j] and layer_of[j] == layer - 1 for i in kept
                         if layer_of[i] == layer for j in kept)
                     for layer in range(1, int(layer_of.max()) + 1))
        if linked:
            return kept
    return _slow_share_keep(list(scores), list(range(n)), 1.0)


@pytest.mark.parametrize("seed", range(8))
def test_entry_shares_reproduce_the_extraction_at_every_share(seed):
    """A vertex is in the graph at share s exactly when its entry share is below s: what
    the site's slider shows at s is what extraction at s keeps."""
    rng = np.random.default_rng(seed)
    layer_of = np.repeat(np.arange(3), rng.integers(2, 7, 3))
    n = layer_of.size
    a = (rng.random((n, n)) < 0.3) & (layer_of[:, None] == layer_of[None, :] + 1)
    a = (a | a.T).astype(float)
    scores = rng.random(n) * (rng.random(n) > 0.15)
    per_layer = entry_shares(scores, layer_of, sp.csr_array(a), "per_layer")
    unified = entry_shares(scores, layer_of, sp.csr_array(a), "unified")
    for share in np.linspace(0.013, 0.987, 41):
        want = set().union(*(_slow_share_keep(list(scores), list(np.flatnonzero(layer_of == k)),
                                              share) for k in range(3)))
        assert set(np.flatnonzero(per_layer < share)) == want, share
        assert set(np.flatnonzero(unified < share)) == \
            _slow_unified_limit(scores, layer_of, a, share), share


def test_the_graph_ships_every_vertex_the_slider_can_show():
    rng = np.random.default_rng(1)
    s, counts, tallies = _planted(rng, 1)
    g = full_graph(s, {k: v[0] for k, v in counts.items()},
                   {k: v[0] for k, v in tallies.items()}, None, 5, {})
    cfg = replace(GRAPH_CFG, share=0.1, slider=[0.05, 0.6])
    out = attribution_graph(g, cfg)
    assert out["slider"]["range"] == [0.05, 0.6]
    every = out["nodes"] + out["slider"]["nodes"]
    for share in (0.05, 0.1, 0.3, 0.6):
        at = attribution_graph(g, replace(cfg, share=share))
        assert {n["id"] for n in at["nodes"]} == {n["id"] for n in every
                                                  if n["entry_share"] < share}
        shown = {n["id"] for n in at["nodes"]}
        edges = [e for e in out["edges"] + out["slider"]["edges"]
                 if e["source"] in shown and e["target"] in shown]
        assert sorted(map(str, edges)) == sorted(map(str, at["edges"]))
    assert {n["id"] for n in out["nodes"]} == {n["id"] for n in every if n["entry_share"] < 0.1}
    assert all(n["entry_share"] >= 0.1 for n in out["slider"]["nodes"])


def test_the_summary_counts_supported_vertices_and_names_classes_with_empty_groups():
    from summit.evidence.stability import summary_markdown, table_rows

    def record(cid, name, images, inclusions, jaccard):
        return {"class": {"id": cid, "name": name}, "group_images": images,
                "settings": {"resamples": 4, "groups": 4, "extraction": "per_layer",
                             "share": 0.075, "min_support": 0.9},
                "vertices": [{"id": f"a:{i}", "inclusion": x, "in_graph": x > 0.3}
                             for i, x in enumerate(inclusions)],
                "edges": [{"source": "a:0", "target": "b:0", "inclusion": 1.0,
                           "in_graph": True}],
                "jaccard": {k: {"mean": jaccard, "p5": jaccard - 0.1, "p95": 1.0}
                            for k in ("vertices", "edges")},
                "split_half": {k: {"mean": jaccard, "p5": 0, "p95": 1}
                               for k in ("vertices", "edges")}}

    records = [record(0, "Big", [3, 3, 2, 2], [1.0, 0.95, 0.5, 0.6, 0.2], 0.9),
               record(1, "Small", [1, 1, 0, 0], [1.0, 0.4], 0.5)]
    rows = table_rows(records)
    assert [(r["vertices"], r["supported_vertices"], r["frequent_outside"]) for r in rows] == [
        (4, 2, 0), (2, 1, 0)]
    text = summary_markdown(records, rows)
    assert "3 of the 6 graph vertices (50%)" in text
    assert "least stable graph is Small's (vertex Jaccard 0.50)" in text
    assert "Fewer images than groups" in text and "Small (2 images)" in text
    assert "Big (" not in text
