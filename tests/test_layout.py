"""summit.render.layout: the union of two graphs and the row order, on the vectors the site
shares."""

import json
from pathlib import Path

import numpy as np

from summit.render.layout import order_rows, pairwise_sum, union
from tests.test_class_comparison import _random_graph

VECTORS = Path(__file__).parent / "vectors" / "layout.json"


def _ids(rows):
    return {layer: [n["id"] for n in row] for layer, row in rows.items()}


def test_union_and_row_order_match_the_shared_vectors():
    # site/js/graph-layout.js is checked against the same file (tests/js/layout.test.mjs).
    cases = json.loads(VECTORS.read_text())["cases"]
    assert len(cases) >= 8
    for c in cases:
        assert union(c["a"], c["b"]) == c["union"], c["name"]
        for key in ("a", "b", "union"):
            assert _ids(order_rows(c[key])) == c["rows"][key], (c["name"], key)
        for sweeps, want in enumerate(c["union_rows_by_sweeps"]):
            assert _ids(order_rows(c["union"], sweeps=sweeps)) == want, (c["name"], sweeps)


def test_union_marks_membership_and_keeps_the_larger_count_and_weight():
    rng = np.random.default_rng(1)
    a, b = _random_graph(rng, 0), _random_graph(rng, 1)
    u = union(a, b)
    va, vb = {n["id"]: n for n in a["nodes"]}, {n["id"]: n for n in b["nodes"]}
    ea = {(e["source"], e["target"]): e for e in a["edges"]}
    eb = {(e["source"], e["target"]): e for e in b["edges"]}
    assert [n["id"] for n in u["nodes"]] == sorted(va.keys() | vb.keys())
    for n in u["nodes"]:
        assert n["membership"] == ("both" if n["id"] in va and n["id"] in vb else
                                   "a" if n["id"] in va else "b")
        assert n["counts"] == {"a": va[n["id"]]["count"] if n["id"] in va else None,
                               "b": vb[n["id"]]["count"] if n["id"] in vb else None}
        assert n["count"] == max(c for c in n["counts"].values() if c is not None)
    assert [(e["source"], e["target"]) for e in u["edges"]] == sorted(ea.keys() | eb.keys())
    for e in u["edges"]:
        key = (e["source"], e["target"])
        assert e["membership"] == ("both" if key in ea and key in eb else
                                   "a" if key in ea else "b")
        assert e["weight"] == max(x[key]["weight"] for x in (ea, eb) if key in x)
    assert u["layers"] == a["layers"]


def test_pairwise_sum_is_what_np_mean_sums():
    # The figures used np.mean; pairwise_sum keeps its arithmetic so they stay byte-identical.
    rng = np.random.default_rng(0)
    for n in [*range(1, 40), 127, 128, 129, 300, 1000]:
        values = (rng.integers(0, 40, n) + 0.5) / rng.integers(1, 41, n)
        assert pairwise_sum(values.tolist()) / n == np.mean(values)
