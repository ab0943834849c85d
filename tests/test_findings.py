"""The findings' sentences: each with its support, split at min_support."""

from summit.analyses import findings as f

NAMES = ["T-shirt", "Trouser", "Pullover"]


def _nonsemantic():
    return {"settings": {"min_lift": 1.5, "min_coverage": 0.95}, "n_flagged": 1, "channels": [
        {"layer": "m3a", "channel": 23, "flagged": True, "coverage": 1.0, "support": 0.62},
        {"layer": "m3a", "channel": 7, "flagged": False, "coverage": 0.9, "support": 0.3},
        {"layer": "m3b", "channel": 1, "flagged": False, "coverage": 0.4, "support": 0.0}]}


def test_nonsemantic_findings_state_each_channels_verdict_with_its_support():
    found = f.nonsemantic(_nonsemantic(), 0.9)
    assert [(x["text"].split(" (")[0], x["support"], x["tentative"]) for x in found] == [
        ("m3a 23 is non-semantic", 0.62, True), ("m3a 7 is not non-semantic", 0.7, True)]
    none = {**_nonsemantic(), "n_flagged": 0, "channels": []}
    assert f.nonsemantic(none, 0.9)[0]["text"].startswith("No channel is non-semantic")


def test_pair_neighbour_motif_and_model_findings_carry_the_records_support():
    pairs = {"pairs": {"most_similar": {
        "a": {"id": 0, "name": "T-shirt"}, "b": {"id": 2, "name": "Pullover"},
        "vertex_jaccard": 0.29, "support": 0.46,
        "vertex_jaccard_spread": {"mean": 0.27, "p5": 0.2, "p95": 0.33},
        "winners": [{"a": 0, "b": 2, "support": 0.46}, {"a": 1, "b": 2, "support": 0.4}]}}}
    (pair,) = f.class_pairs(pairs, NAMES, 0.9)
    assert pair["support"] == 0.46 and pair["tentative"]
    assert "T-shirt–Pullover" in pair["text"] and "Trouser–Pullover in 40%" in pair["text"]
    hoods = {"ranking": [1, 0, 2], "figure_classes": 2, "top_support": 0.95, "classes": [
        {"id": 0, "change": 0.2, "change_p5": 0.1, "change_p95": 0.3, "rank_support": 0.5},
        {"id": 1, "change": 0.6, "change_p5": 0.5, "change_p95": 0.7, "rank_support": 1.0},
        {"id": 2, "change": 0.1, "change_p5": 0.0, "change_p95": 0.2, "rank_support": 0.1}]}
    first, *top = f.neighbours(hoods, NAMES, 0.9)
    assert first["text"].startswith("Trouser's neighbourhood") and not first["tentative"]
    assert [(x["support"], x["tentative"]) for x in top] == [(1.0, False), (0.5, True)]
    motifs = {"motifs": [{"classes": [0, 2], "vertices": ["a:1", "b:2"], "edges": [["a:1", "b:2"]],
                          "support": 0.92}]}
    (m,) = f.motifs(motifs, NAMES, 0.9)
    assert m["text"].startswith("T-shirt and Pullover share 2 vertices and 1 edge (a:1, b:2)")
    assert not m["tentative"]
    records = [{"a": {"id": c, "name": NAMES[c]}, "models": ["A", "B"], "vertex_jaccard": j,
                "stability": {"vertex_jaccard": {"p5": j - 0.1, "p95": j + 0.1},
                              "vertex_jaccards": v}}
               for c, j, v in [(0, 0.5, [0.5, 0.6, 0.4]), (1, 0.3, [0.3, 0.7, 0.2]),
                               (2, 0.6, [0.6, 0.5, 0.5])]]
    (most,) = f.model_comparison(records, 0.9)
    assert "Trouser's graph changes most" in most["text"]
    assert most["support"] == round(2 / 3, 6) and most["tentative"]


def test_tied_neighbourhood_changes_are_no_finding():
    """Three classes with k = 2: every class's neighbours are the other two at every layer,
    so no class changes, and ranking them by id is no finding."""
    flat = {"ranking": [0, 1, 2], "figure_classes": 2, "top_support": 1.0, "classes": [
        {"id": c, "change": 0.0, "change_p5": 0.0, "change_p95": 0.0, "rank_support": 1.0}
        for c in range(3)]}
    assert f.neighbours(flat, NAMES, 0.9) == []
    # A tie only below the top: the first class is a finding, the top 2 is not.
    flat["classes"][0]["change"] = 0.5
    (only,) = f.neighbours(flat, NAMES, 0.9)
    assert only["text"].startswith("T-shirt's neighbourhood changes most")


def test_markdown_lists_what_holds_then_what_is_tentative():
    found = [f._finding("x", "A holds", 0.95, 0.9), f._finding("x", "B wavers", 0.5, 0.9)]
    text = f.markdown(found, 50, 0.9)
    held, weak = text.split("Tentative")
    assert "1 of 2 hold with support ≥ 0.9" in held and "- A holds: support 0.95." in held
    assert "- B wavers: support 0.50." in weak and "B wavers" not in held
    assert "- (none)" in f.markdown(found[:1], 50, 0.9).split("Tentative")[1]
