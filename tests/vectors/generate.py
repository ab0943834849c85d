"""Shared test vectors: cases the Python code and the site's JavaScript are both checked against.

- ``layout.json``: graph pairs with their union and row orders as ``summit.render.layout`` computes
  them (checked by tests/test_layout.py and tests/js/layout.test.mjs against
  site/js/graph-layout.js).
- ``models.json``: two models' graphs of a class (B's through a channel matching,
  ``summit.analyses.matching.translate``) with, per vertex of their union, the renders it shows and
  its label as the workflow's figure draws them (``summit.render.figures``); checked by
  tests/test_site_vectors.py and tests/js/models.test.mjs against site/js/models.js.
- ``site/``: a small site data folder (``data/study.json``, ``data/graphs/<id>.json``,
  ``data/panels/stability/<id>.json``) as ``summit.render.site.write_site`` writes it for the
  synthetic study of tests/fixtures/study.py,
  and ``expected.json``: the geometry the page must compute from it (sprites by the atlas
  contract, row orders by ``summit.render.layout``). tests/test_site_vectors.py checks the folder is
  what the writer produces now; tests/js/site-data.test.mjs checks the page's readers on it.
- ``cosine.json``: matrices of A^l rows (with all-zero rows, negative values, very different
  magnitudes) and every pair's cosine similarity as ``summit.analyses.neighbours`` computes it;
  checked by tests/test_site_vectors.py and tests/js/cosine.test.mjs against site/js/layers.js.
- ``support.json``: the rules of "tentative" (``summit.method.resampling.tentative``) and of
  the stability stage's supported and "often" vertices (``summit.evidence.stability``) with
  the "often" threshold and the configured default ``stability.min_support``; checked by
  tests/test_site_vectors.py and tests/js/support.test.mjs against site/js/panels/stability.js.

Regenerate them after changing a rule or the writer: ``python -m tests.vectors.generate``
(``--out DIR`` writes them elsewhere instead, as a test does).
"""

from __future__ import annotations

import argparse
import json
import math
import random
import shutil
import tempfile
from pathlib import Path
from typing import Any

from summit.analyses.matching import translate
from summit.render.layout import order_rows, union

HERE = Path(__file__).resolve().parent
SITE_LAYERS = [("mixed3a", 12), ("mixed3b", 16), ("mixed4a", 10)]
SITE_SIZE = {"width": 960, "height": 640}  # the viewport the JS test lays graphs out in


def _ids(rows: dict[str, list[dict[str, Any]]]) -> dict[str, list[str]]:
    return {layer: [n["id"] for n in row] for layer, row in rows.items()}


def _graph(layers: list[str], nodes: list[tuple[str, int, int]],
           edges: list[tuple[str, str, int]]) -> dict[str, Any]:
    return {"layers": layers,
            "nodes": [{"id": f"{layer}:{c}", "layer": layer, "channel": c, "count": count,
                       "pagerank": round(1 / (2 + c), 6)} for layer, c, count in nodes],
            "edges": [{"source": s, "target": t, "weight": w} for s, t, w in edges]}


def _random_graph(rng: random.Random, layers: list[str], width: int, p_node: float,
                  p_edge: float, skip: int) -> dict[str, Any]:
    """Random vertices per layer; edges to the next ``skip`` layers, in shuffled order."""
    nodes = [(layer, c, rng.randint(1, 6)) for layer in layers for c in range(width)
             if rng.random() < p_node]
    edges = []
    for i, lo in enumerate(layers):
        for j in range(i + 1, min(len(layers), i + 1 + skip)):
            for a in [n for n in nodes if n[0] == lo]:
                for b in [n for n in nodes if n[0] == layers[j]]:
                    if rng.random() < p_edge / (j - i):
                        edges.append((f"{a[0]}:{a[1]}", f"{b[0]}:{b[1]}", rng.randint(1, 4)))
    rng.shuffle(edges)
    return _graph(layers, nodes, edges)


def _pair_from(rng: random.Random, g: dict[str, Any], keep: float) -> dict[str, Any]:
    """Another class's graph: part of ``g``'s vertices, some new ones, changed counts."""
    layers = g["layers"]
    other = _random_graph(rng, layers, 10, 0.3, 0.4, 2)
    kept = [n for n in g["nodes"] if rng.random() < keep]
    ids = {n["id"] for n in kept}
    nodes = kept + [n for n in other["nodes"] if n["id"] not in ids]
    nodes = [{**n, "count": rng.randint(1, 6)} for n in nodes]
    present = {n["id"] for n in nodes}
    edges = [e for e in g["edges"] + other["edges"]
             if e["source"] in present and e["target"] in present and rng.random() < 0.8]
    seen, unique = set(), []
    for e in edges:
        if (e["source"], e["target"]) not in seen:
            seen.add((e["source"], e["target"]))
            unique.append({**e, "weight": rng.randint(1, 4)})
    return {"layers": layers, "nodes": nodes, "edges": unique}


def _cases() -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    three = ["l0", "l1", "l2"]
    ties_a = _graph(three, [("l0", 0, 5), ("l0", 1, 3), ("l0", 2, 3), ("l0", 9, 1),
                            ("l1", 0, 4), ("l1", 1, 4), ("l1", 2, 2), ("l1", 3, 2),
                            ("l2", 0, 6), ("l2", 1, 6)],
                    [("l0:0", "l1:3", 2), ("l0:1", "l1:2", 1), ("l0:1", "l1:3", 1),
                     ("l0:2", "l1:2", 1), ("l0:2", "l1:3", 1), ("l1:0", "l2:1", 3),
                     ("l1:1", "l2:1", 3), ("l1:2", "l2:0", 1), ("l1:3", "l2:0", 2)])
    ties_b = _graph(three, [("l0", 0, 7), ("l0", 1, 3), ("l0", 4, 2), ("l1", 2, 2),
                            ("l1", 3, 5), ("l1", 5, 1), ("l2", 1, 6), ("l2", 2, 1)],
                    [("l0:0", "l1:3", 2), ("l0:4", "l1:2", 3), ("l1:2", "l2:2", 1),
                     ("l1:3", "l2:1", 4), ("l0:1", "l2:2", 1)])
    four = ["a", "b", "c", "d"]
    skip_a = _graph(four, [("a", 0, 1), ("a", 1, 2), ("a", 2, 3), ("b", 0, 1), ("b", 1, 1),
                           ("c", 0, 2), ("c", 1, 2), ("c", 2, 2), ("d", 0, 1), ("d", 7, 9)],
                    [("a:0", "c:2", 1), ("a:2", "c:0", 1), ("a:1", "b:0", 2),
                     ("b:1", "d:0", 1), ("b:0", "c:1", 1), ("c:2", "d:0", 3),
                     ("a:0", "d:0", 1)])
    skip_b = _graph(four, [("a", 1, 4), ("a", 3, 1), ("b", 1, 3), ("c", 0, 2), ("d", 0, 5),
                           ("d", 7, 9)],
                    [("a:3", "c:0", 2), ("a:1", "d:0", 1), ("b:1", "d:7", 2)])
    # One vertex with 140 neighbours (summation of more than 128 positions), and ones with 8
    # to 20 (numpy's eight partial sums).
    hub_nodes = [("in", 0, 9), ("in", 1, 2), ("in", 2, 3)] + [("mid", c, 1 + c % 4)
                                                              for c in range(140)]
    hub_nodes += [("out", c, 2) for c in range(3)]
    hub_edges = [("in:0", f"mid:{c}", 1) for c in range(140)]
    hub_edges += [("in:1", f"mid:{c}", 1) for c in range(0, 140, 7)]
    hub_edges += [("in:2", f"mid:{c}", 1) for c in range(3, 140, 13)]
    hub_edges += [(f"mid:{c}", f"out:{c % 3}", 1) for c in range(0, 140, 5)]
    hub = _graph(["in", "mid", "out"], hub_nodes, hub_edges)
    hub_b = _graph(["in", "mid", "out"], [("in", 0, 4), ("mid", 5, 8), ("out", 3, 1)],
                   [("in:0", "mid:5", 2), ("mid:5", "out:3", 1)])
    # A second model's graph written in the first's ids through a channel matching
    # (summit.analyses.matching.translate): a shared vertex keeps A's fields and gains B's own.
    matching = {"l0": {"layer_b": "m0", "pairs": [{"a": 0, "b": 3, "score": 0.9, "matched": True},
                                                  {"a": 1, "b": 0, "score": 0.2,
                                                   "matched": False}]},
                "l1": {"layer_b": "m1", "pairs": [{"a": 3, "b": 1, "score": 0.8, "matched": True}]},
                "l2": {"layer_b": "m2", "pairs": [{"a": 1, "b": 1, "score": 0.7, "matched": True}]}}
    model_b = translate(_graph(["m0", "m1", "m2"], [("m0", 3, 4), ("m0", 0, 2), ("m1", 1, 3),
                                                    ("m1", 2, 1), ("m2", 1, 5)],
                               [("m0:3", "m1:1", 2), ("m0:0", "m1:2", 1), ("m1:1", "m2:1", 2),
                                ("m1:2", "m2:1", 1)]), matching)
    cases = [("ties_and_isolated", ties_a, ties_b), ("edges_skipping_layers", skip_a, skip_b),
             ("matched_models", ties_a, model_b),
             ("hub_with_140_neighbours", hub, hub_b),
             ("empty_and_one_sided", _graph([], [], []), ties_b)]
    # Vertices with 8 or more neighbours and tied barycentres, where a plain left-to-right
    # sum of the positions would order a row differently from numpy's pairwise one.
    rng = random.Random(1281)
    layers = [f"layer{k}" for k in range(rng.randint(2, 4))]
    a = _random_graph(rng, layers, rng.randint(8, 12), 0.9, rng.uniform(0.6, 0.95), 1)
    cases.append(("summation_order", a, _pair_from(rng, a, 0.7)))
    rng = random.Random(2024)
    for i in range(6):
        layers = [f"layer{k}" for k in range(rng.randint(3, 5))]
        a = _random_graph(rng, layers, rng.randint(5, 10), rng.uniform(0.5, 0.9),
                          rng.uniform(0.3, 0.8), rng.randint(1, 2))
        cases.append((f"random_{i}", a, _pair_from(rng, a, rng.uniform(0.4, 0.9))))
    return cases


class _ProbeAtlases:
    """Stands in for a model's featvis atlases (``summit.io.atlas.FeatvisAtlas`` by layer): the
    "image" of a channel names the model, layer and channel it was taken from."""

    def __init__(self, model: str) -> None:
        self.model = model

    def get(self, layer: str) -> Any:
        model = self.model

        class Layer:
            failed: dict[int, str] = {}

            @staticmethod
            def image(channel: int) -> dict[str, Any]:
                return {"model": model, "layer": layer, "channel": channel}

        return Layer


def model_vectors() -> dict[str, Any]:
    """``models.json``: per case model A's graph ``a`` and model B's ``b`` in A's ids, and per
    vertex of ``union(a, b)`` the renders (``{model, layer, channel}``, left to right) and the
    label of the figure of two models (``summit.render.figures``' rules)."""
    from summit.render.figures import vertex_label, vertex_renders

    a = _graph(["l0", "l1", "l2"], [("l0", 0, 5), ("l0", 1, 3), ("l0", 2, 2), ("l1", 0, 4),
                                    ("l1", 3, 2), ("l2", 1, 6), ("l2", 4, 1)],
               [("l0:0", "l1:0", 2), ("l0:1", "l1:3", 1), ("l1:0", "l2:1", 3),
                ("l1:3", "l2:4", 1)])
    # B's second layer has A's name, the others their own; B's m0:3 is matched to A's l0:0 (in
    # both graphs), m0:7 to l0:6 (not in A's graph), m0:0 and l1:2 are unmatched.
    matching = {"l0": {"layer_b": "m0", "pairs": [
        {"a": 0, "b": 3, "score": 0.9, "matched": True},
        {"a": 6, "b": 7, "score": 0.8, "matched": True},
        {"a": 1, "b": 0, "score": 0.2, "matched": False}]},
        "l1": {"layer_b": "l1", "pairs": [{"a": 3, "b": 1, "score": 0.75, "matched": True},
                                          {"a": 0, "b": 2, "score": 0.1, "matched": False}]},
        "l2": {"layer_b": "m2", "pairs": [{"a": 1, "b": 1, "score": 0.7, "matched": True}]}}
    b = translate(_graph(["m0", "l1", "m2"], [("m0", 3, 4), ("m0", 7, 2), ("m0", 0, 2),
                                              ("l1", 1, 3), ("l1", 2, 1), ("m2", 1, 5)],
                         [("m0:3", "l1:1", 2), ("m0:0", "l1:2", 1), ("m0:7", "l1:1", 1),
                          ("l1:1", "m2:1", 2), ("l1:2", "m2:1", 1)]), matching)
    atlases_a, atlases_b = _ProbeAtlases("a"), _ProbeAtlases("b")
    out = []
    for name, x, y in (("matched_models", a, b), ("one_model", a, _graph(
            ["l0", "l1", "l2"], [("l0", 0, 1), ("l1", 5, 2)], [("l0:0", "l1:5", 1)]))):
        vertices = [{"id": n["id"], "membership": n["membership"],
                     "renders": [image for image, _ in vertex_renders(n, atlases_a, atlases_b)],
                     "label": vertex_label(n, True)} for n in union(x, y)["nodes"]]
        out.append({"name": name, "a": x, "b": y, "vertices": vertices})
    return {"about": "Written by tests/vectors/generate.py from summit.render.figures; "
                     "do not edit.", "cases": out}


def write_model_vectors(out: Path) -> None:
    """Write ``models.json`` into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "models.json").write_text(json.dumps(model_vectors(), indent=1) + "\n")


def layout_vectors() -> dict[str, Any]:
    """``layout.json``: per case the two graphs, ``union(a, b)``, and ``order_rows`` of
    ``a``, ``b`` and the union (4 sweeps), and of the union after 0 to 3 sweeps."""
    out = []
    for name, a, b in _cases():
        u = union(a, b)
        out.append({"name": name, "a": a, "b": b, "union": u,
                    "rows": {"a": _ids(order_rows(a)), "b": _ids(order_rows(b)),
                             "union": _ids(order_rows(u))},
                    "union_rows_by_sweeps": [_ids(order_rows(u, sweeps=s)) for s in range(4)]})
    return {"about": "Written by tests/vectors/generate.py from summit.render.layout; do not edit.",
            "cases": out}


def _sprites(study: dict[str, Any]) -> list[dict[str, Any]]:
    """Per layer and channel (and one past each end) the featvis and examples sprites the
    page must compute, from the atlas geometry (``summit.io.atlas``, ``summit.render.site``)."""
    from summit.io.atlas import example_origin

    out = []
    for layer in study["layers"]:
        fv, ex = layer["featvis"], layer["examples"]
        for c in range(-1, layer["channels"] + 1):
            featvis = examples = None
            if fv and c in fv["channels"]:
                row = fv["channels"].index(c)
                featvis = {"href": fv["atlas"], "size": fv["size"], "x": 0,
                           "y": row * fv["size"], "count": fv["per_channel"],
                           "atlasWidth": fv["per_channel"] * fv["size"],
                           "atlasHeight": len(fv["channels"]) * fv["size"],
                           "failed": fv["failed"][row]}
            if ex and 0 <= c < layer["channels"]:
                x, y = example_origin(c, 0, ex["n"], ex["per_row"], ex["thumbnail"])
                examples = {"href": ex["atlas"], "size": ex["thumbnail"], "x": x, "y": y,
                            "count": ex["n"],
                            "atlasWidth": ex["per_row"] * ex["n"] * ex["thumbnail"],
                            "atlasHeight": math.ceil(layer["channels"] / ex["per_row"])
                            * ex["thumbnail"]}
            out.append({"layer": layer["name"], "channel": c, "featvis": featvis,
                        "examples": examples})
    return out


def write_site_example(out: Path) -> None:
    """The site data folder of a small synthetic study, and the geometry expected from it."""
    from summit.render.site import write_site
    from tests.fixtures.study import TRICKY_NAMES, make_study

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        p, files = make_study(tmp / "study", TRICKY_NAMES[:4], SITE_LAYERS, vertices=(8, 14),
                              edges=(10, 24), bins=4, n_images=30, with_analyses=False)
        (tmp / "front-end").mkdir()  # the data only, not a copy of site/
        write_site(p, tmp / "front-end", files, tmp / "site")
        shutil.rmtree(out, ignore_errors=True)
        (out / "data" / "graphs").mkdir(parents=True)
        shutil.copyfile(tmp / "site" / "data" / "study.json", out / "data" / "study.json")
        for path in sorted((tmp / "site" / "data" / "graphs").iterdir()):
            shutil.copyfile(path, out / "data" / "graphs" / path.name)
        shutil.copytree(tmp / "site" / "data" / "panels" / "stability",
                        out / "data" / "panels" / "stability")
    study = json.loads((out / "data" / "study.json").read_text())
    graphs = [json.loads((out / c["graph"]).read_text()) for c in study["classes"]]
    first, second = study["classes"][0]["id"], study["classes"][1]["id"]
    expected = {
        "about": "Written by tests/vectors/generate.py; do not edit.",
        "size": SITE_SIZE,
        "sprites": _sprites(study),
        "rows": {str(c["id"]): _ids(order_rows(g)) for c, g in zip(study["classes"], graphs,
                                                                     strict=True)},
        "union": {"a": first, "b": second,
                  "rows": _ids(order_rows(union(graphs[0], graphs[1])))},
    }
    (out / "expected.json").write_text(json.dumps(expected, ensure_ascii=False, indent=1) + "\n")


def cosine_vectors() -> dict[str, Any]:
    """``cosine.json``: per case a classes × channels matrix ``rows`` (A^l rows, and edge
    cases: all-zero rows, negative values, rows of very different magnitudes, no channels) and
    ``similarity``, every pair of rows' cosine as ``summit.analyses.neighbours``
    computes it."""
    import numpy as np

    from summit.analyses.neighbours import cosine_similarity

    rng = np.random.default_rng(8)
    counts = rng.integers(0, 40, (5, 12)) * (rng.random((5, 12)) < 0.6)
    counts[3] = 0  # a class no image of which reaches the layer's top channels
    cases = [
        ("edge_cases", [[1, 2, 3], [0, 0, 0], [-1, -2, -3], [2, 4, 6], [3, 0, -1], [0, 0, 0],
                        [-0.5, 0.25, 1e-3], [1e6, 2e6, 3.000001e6]]),
        ("magnitudes", [[1e-150, 2e-150, 0], [1e150, 2e150, 0], [1e-3, 0, 7e5],
                        [5e-100, 1e-100, 3e-100], [0, 1, 1e12]]),
        ("int32_extremes", [[2147483647, 0, 1, 2147483647], [2147483647, 2147483647, 0, 0],
                            [1, 1, 1, 1], [0, 2147483647, 0, 1]]),
        ("one_channel", [[5], [-3], [0], [0.25]]),
        ("no_channels", [[], []]),
        ("counts", counts.tolist()),
        ("signed_random", rng.normal(0, 3, (6, 20)).round(4).tolist()),
    ]
    out = [{"name": name, "rows": rows,
            "similarity": cosine_similarity(np.array(rows, np.float64).reshape(len(rows), -1))
            .tolist()} for name, rows in cases]
    return {"about": "Written by tests/vectors/generate.py from "
                     "summit.analyses.neighbours.cosine_similarity; do not edit.", "cases": out}


def _stability_record(min_support: float, vertices: list[tuple[str, float, bool]],
                      edges: list[tuple[str, str, float, bool]]) -> dict[str, Any]:
    """A stability record (``summit.io.artifacts.Stability``) with the fields the site's
    panel and the stability stage's table read."""
    spread = {"mean": 0.5, "p5": 0.25, "p95": 0.75}
    return {"class": {"id": 0, "name": "probe"},
            "settings": {"resamples": 50, "min_support": min_support},
            "vertices": [{"id": v, "inclusion": x, "in_graph": g} for v, x, g in vertices],
            "edges": [{"source": s, "target": t, "inclusion": x, "in_graph": g}
                      for s, t, x, g in edges],
            "jaccard": {"vertices": spread, "edges": spread},
            "split_half": {"vertices": spread, "edges": spread}}


def _verdicts(record: dict[str, Any]) -> dict[str, Any]:
    """Per vertex whether the stability stage counts it as supported (in the graph) or as
    often in the resampled graphs (outside it), and the record's counts
    (``summit.evidence.stability.table_rows``)."""
    from summit.evidence.stability import table_rows

    def alone(v: dict[str, Any]) -> dict[str, Any]:
        return table_rows([{**record, "vertices": [v]}])[0]

    row = table_rows([record])[0]
    return {"supported_vertices": row["supported_vertices"],
            "frequent_outside": row["frequent_outside"],
            "vertices": [{"id": v["id"], "supported": alone(v)["supported_vertices"] == 1,
                          "often": alone(v)["frequent_outside"] == 1}
                         for v in record["vertices"]]}


def _often_threshold() -> float:
    """The least inclusion at which the stability stage counts a vertex outside the graph as
    often in the resampled graphs (``table_rows``' ``frequent_outside``), found by bisection
    over the floats in [0, 1]: the rule's threshold, read off the rule itself."""
    def often(x: float) -> bool:
        record = _stability_record(0.9, [("l:0", x, False)], [])
        return _verdicts(record)["frequent_outside"] == 1

    lo, hi = 0.0, 1.0
    assert often(hi) and not often(lo)
    while (mid := (lo + hi) / 2) not in (lo, hi):
        lo, hi = (lo, mid) if often(mid) else (mid, hi)
    return hi


def support_vectors() -> dict[str, Any]:
    """``support.json``: the rules of "tentative" and "often" as the Python gives them.
    ``default_min_support``: the configured default (``stability.min_support``), ``often``:
    the stability stage's threshold of a vertex often in the resampled graphs; ``tentative``:
    shares (null: none measured, NaN) against minimum supports with
    ``summit.method.resampling.tentative``; ``records``: stability records with the stage's
    verdicts and counts (``summit.evidence.stability.table_rows``)."""
    from summit.config import validate_section
    from summit.method.resampling import tentative

    shares = [0.0, 0.1, 0.48, 0.5, round(2 / 3, 6), 2 / 3, 0.75, 0.899999, 0.9, 0.900001, 1.0,
              math.nan]
    mins = [0.0, 0.5, 2 / 3, 0.75, 0.9, 1.0]
    rules = [{"share": None if math.isnan(s) else s, "min_support": m,
              "tentative": tentative(s, m)} for m in mins for s in shares]
    rules += [{"share": round(k / 50, 6), "min_support": 0.9,
               "tentative": tentative(round(k / 50, 6), 0.9)} for k in range(51)]
    graph = [("a:0", 1.0, True), ("a:1", 0.9, True), ("a:2", 0.88, True), ("b:0", 0.0, True),
             ("b:1", 0.5, False), ("b:2", 0.499999, False), ("b:3", 0.98, False),
             ("c:0", 0.02, False), ("c:1", round(2 / 3, 6), True), ("c:2", 0.75, True)]
    edges = [("a:0", "b:0", 0.9, True), ("a:1", "b:0", 0.3, True), ("a:2", "b:1", 0.6, False)]
    records = []
    for name, min_support in (("configured", 0.9), ("half", 0.5), ("two_thirds", 2 / 3),
                              ("all", 1.0), ("none", 0.0)):
        record = _stability_record(min_support, graph, edges)
        records.append({"name": name, "record": record, **_verdicts(record)})
    return {"about": "Written by tests/vectors/generate.py from summit.method.resampling, "
                     "summit.evidence.stability and the config's defaults; do not edit.",
            "default_min_support": validate_section(("stability",), None)["min_support"],
            "often": _often_threshold(), "tentative": rules, "records": records}


def _one_per_line(vectors: dict[str, Any]) -> str:
    """``vectors`` as JSON with each of its lists one item a line (as ``layout.json``)."""
    def item(key: str, value: Any) -> str:
        if not isinstance(value, list):
            return f"{json.dumps(key)}:{json.dumps(value)}"
        lines = ",\n".join(json.dumps(v, separators=(",", ":")) for v in value)
        return f"{json.dumps(key)}:[\n{lines}\n]"

    return "{" + ",\n".join(item(k, v) for k, v in vectors.items()) + "}\n"


def write_rule_vectors(out: Path) -> None:
    """Write ``cosine.json`` and ``support.json`` into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "cosine.json").write_text(_one_per_line(cosine_vectors()))
    (out / "support.json").write_text(_one_per_line(support_vectors()))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.vectors.generate",
                                     description="Regenerate the shared test vectors.")
    parser.add_argument("--out", type=Path, default=HERE,
                        help="where to write them (default: tests/vectors, checked in)")
    out = parser.parse_args(argv).out
    vectors = layout_vectors()
    cases = ",\n".join(json.dumps(c, separators=(",", ":")) for c in vectors["cases"])
    out.mkdir(parents=True, exist_ok=True)
    (out / "layout.json").write_text(f'{{"about":{json.dumps(vectors["about"])},"cases":[\n'
                                     f"{cases}\n]}}\n")
    write_model_vectors(out)
    write_rule_vectors(out)
    write_site_example(out / "site")
    print(f"wrote {out / 'layout.json'}, {out / 'models.json'}, {out / 'cosine.json'}, "
          f"{out / 'support.json'} and {out / 'site'}")


if __name__ == "__main__":
    main()
