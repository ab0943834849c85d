"""Findings across training seeds, against a plain recount."""

import numpy as np

from summit.seeds import seed_report, summary_markdown, table_rows


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
    from summit.neighbours import report

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
