"""Findings across training seeds, against a plain recount."""

import numpy as np

from summit.analyses.seeds import seed_report, summary_markdown, table_rows


def _graph(cid: int, vertices: list[str]) -> dict:
    return {"class": {"id": cid, "name": f"c{cid}"}, "layers": ["a", "b"],
            "nodes": [{"id": v, "layer": v.split(":")[0], "channel": int(v.split(":")[1])}
                      for v in vertices], "edges": []}


def _seed(rng: np.random.Generator, pair: tuple[int, int]) -> list[dict]:
    """Four classes' graphs; ``pair`` shares most vertices, the rest share little."""
    graphs = []
    for c in range(4):
        own = [f"a:{10 * c + i}" for i in range(3)] + [f"b:{10 * c + i}" for i in range(2)]
        if c in pair:
            own += ["a:90", "a:91", "b:90", "b:91", "b:92"]
        graphs.append(_graph(c, own + [f"a:{int(rng.integers(50, 60))}"]))
    return graphs


def test_seed_report_counts_the_seeds_where_each_finding_holds():
    rng = np.random.default_rng(0)
    pairs = [(0, 1), (0, 1), (2, 3)]
    graphs = [_seed(rng, p) for p in pairs]
    counts = [[rng.integers(0, 50, (4, 6)) for _ in range(2)] for _ in pairs]
    counts[1] = [c.copy() for c in counts[0]]  # seed 2 repeats seed 1's A^l exactly
    metrics = [{"test_accuracy": a, "per_class_test_accuracy": [a] * 4}
               for a in (0.9, 0.91, 0.88)]
    names = ["c0", "c1", "c2", "c3"]
    r = seed_report([0, 1, 2], metrics, graphs, counts, ["a", "b"], [0, 1, 2, 3], names, 2, 2)
    assert [(p["a"], p["b"]) for p in r["most_similar_pair"]["per_seed"]] == pairs
    assert r["most_similar_pair"]["holds_in"] == 2
    from summit.analyses.neighbours import report

    hoods = [report(["a", "b"], c, [0, 1, 2, 3], names, 2) for c in counts]
    assert r["most_changing"]["per_seed"] == [h["ranking"][:2] for h in hoods]
    assert r["most_changing"]["holds_in"] == sum(h["ranking"][0] == hoods[0]["ranking"][0]
                                                 for h in hoods)
    for c in r["classes"]:
        cid = c["id"]
        assert c["top_changing_in"] == sum(cid in h["ranking"][:2] for h in hoods)
        for layer, v in c["nearest"].items():
            mine = [next(x for x in h["classes"] if x["id"] == cid)["neighbours"][layer][0]
                    for h in hoods]
            assert v["class"] == mine[0] and v["holds_in"] == mine.count(mine[0])
            assert v["holds_in"] >= 2  # seeds 0 and 1 have the same A^l
    assert r["test_accuracy"] == [0.9, 0.91, 0.88]
    rows = table_rows(r)
    assert len(rows) == 4 and rows[0]["test_accuracy_seed2"] == 0.88
    text = summary_markdown(r, names)
    assert "c0–c1; the same pair in 2 of 3 seeds" in text


def _permuted(graph: dict, perm: dict[str, list[int]], drop: set[str]) -> dict:
    """``graph`` as another seed would have it: channel c of layer x is channel perm[x][c]
    there; the vertices in ``drop`` are missing."""
    def move(v):
        layer, c = v.split(":")
        return f"{layer}:{perm[layer][int(c)]}"

    return {**graph, "nodes": [{"id": move(n["id"]), "layer": n["layer"],
                                "channel": int(move(n["id"]).split(":")[1])}
                               for n in graph["nodes"] if n["id"] not in drop],
            "edges": [{"source": move(e["source"]), "target": move(e["target"])}
                      for e in graph["edges"] if not {e["source"], e["target"]} & drop]}


def test_channel_findings_are_compared_through_the_matching():
    from summit.analyses.seeds import channel_report

    rng = np.random.default_rng(1)
    perm = {x: [int(c) for c in rng.permutation(100)] for x in ("a", "b")}
    first = _seed(rng, (0, 1))
    for g in first:  # edges between every a and b vertex of the class
        ids = [n["id"] for n in g["nodes"]]
        g["edges"] = [{"source": s, "target": t} for s in ids for t in ids
                      if s.startswith("a") and t.startswith("b")]
    drop = {"a:90", "b:1"}
    second = [_permuted(g, perm, drop) for g in first]
    matchings = [{x: {"layer_b": x, "pairs": [
        {"a": c, "b": perm[x][c], "score": 0.9, "overlap": 0.5, "matched": True}
        for c in range(100)],
        "channels_a": 100, "channels_b": 100, "matched": 100, "cutoff": 0.5, "identity": 0.0,
        "scores": {"p50": 0.9}, "null": {"p99": 0.1}} for x in ("a", "b")}]

    def resampled(graphs):  # three identical resamples of each graph
        return [{"class": g["class"], "resamples": [
            {"weights": [1], "nodes": [n["id"] for n in g["nodes"]],
             "edges": [[e["source"], e["target"]] for e in g["edges"]]}] * 3} for g in graphs]

    motifs = [{"id": 0, "classes": [0, 1], "vertices": ["a:91", "b:91"],
               "edges": [["a:91", "b:91"]]},
              {"id": 1, "classes": [0, 1], "vertices": ["a:90", "b:90"],
               "edges": [["a:90", "b:90"]]}]
    flagged = [{"a": [91, 5]}, {"a": [perm["a"][91], perm["a"][7]]}]
    r = channel_report([0, 3], [first, second], [resampled(first), resampled(second)],
                       matchings, flagged, motifs, ["a", "b"])
    for c, g in zip(r["classes"], first, strict=True):
        ids = {n["id"] for n in g["nodes"]}
        kept = ids - drop
        x = c["seeds"][0]
        assert x["seed"] == 3 and x["conserved"] == round(len(kept) / len(ids), 6)
        assert x["conserved_spread"]["p5"] == x["conserved_spread"]["p95"] == x["conserved"]
        assert c["vertices"] == {v: 1 + (v in kept) for v in sorted(ids)}
        assert c["in_every_seed"] == len(kept)
        edges = {(e["source"], e["target"]) for e in g["edges"]}
        assert x["conserved_edges"] == round(
            len({e for e in edges if not set(e) & drop}) / len(edges), 6)
    assert [m["holds_in"] for m in r["motifs"]] == [2, 1]
    assert r["nonsemantic"]["channels"] == [{"id": "a:91", "holds_in": 2},
                                            {"id": "a:5", "holds_in": 1}]
    assert r["nonsemantic"]["seeds"] == [{"seed": 3, "flagged": ["a:7", "a:91"]}]
    # an identity matching of an unpermuted copy conserves everything
    same = channel_report([0, 1], [first, first], [resampled(first)] * 2, [{x: {
        **matchings[0][x], "pairs": [{"a": c, "b": c, "score": 1.0, "overlap": 1.0, "matched": True}
                                     for c in range(100)]} for x in ("a", "b")}],
        [{}, {}], motifs, ["a", "b"])
    assert all(c["seeds"][0]["conserved"] == 1.0 for c in same["classes"])
    result = {"seeds": [0, 3], "channels": r}
    text = "\n".join(_channel_lines_of(result))
    assert "Non-semantic channels of seed 0: a:91 (in 2 of 2 seeds), a:5 (in 1 of 2 seeds)" in text
    assert "a:91, b:91 (c0, c1) in 2 of 2 seeds; a:90, b:90 (c0, c1) in 1 of 2 seeds." in text
    assert "a:5 (in 1 of 2 seeds); 1 in every seed." in text
    assert "a 100 of 100 (median score 0.90, null p99 0.10, top-image overlap 0.50)" in text


def _channel_lines_of(result):
    from summit.analyses.seeds import _channel_lines

    return _channel_lines(result["channels"], result["seeds"])
