"""The checked-in site data example (tests/vectors/site), which the page's readers are tested
on in node (tests/js/site-data.test.mjs), is what the Python writer produces now."""

from pathlib import Path

from tests.vectors.generate import HERE, write_site_example


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file()}


def test_site_example_is_what_the_writer_writes(tmp_path):
    write_site_example(tmp_path / "site")
    checked_in, now = _files(HERE / "site"), _files(tmp_path / "site")
    assert sorted(checked_in) == sorted(now)
    stale = [name for name in now if checked_in[name] != now[name]]
    assert not stale, (f"{stale} differ from what summit.render.site writes now: regenerate with "
                       "`python -m tests.vectors.generate` and re-run tests/js")


def test_model_vectors_are_what_the_figures_rules_give_now():
    """tests/vectors/models.json (what a vertex of two models' union shows, checked against
    site/js/models.js in node) is what summit.render.figures' rules give now."""
    import json

    from tests.vectors.generate import model_vectors

    checked_in = json.loads((HERE / "models.json").read_text())
    assert checked_in == json.loads(json.dumps(model_vectors())), (
        "tests/vectors/models.json differs from summit.render.figures' rules: regenerate with "
        "`python -m tests.vectors.generate` and re-run tests/js")


def test_cosine_vectors_are_what_neighbours_gives_now():
    """tests/vectors/cosine.json (checked against site/js/layers.js's cosine in node,
    tests/js/cosine.test.mjs) is what summit.analyses.neighbours.cosine_similarity gives now."""
    import json

    from tests.vectors.generate import cosine_vectors

    checked_in = json.loads((HERE / "cosine.json").read_text())
    assert checked_in == json.loads(json.dumps(cosine_vectors())), (
        "tests/vectors/cosine.json differs from summit.analyses.neighbours.cosine_similarity: "
        "regenerate with `python -m tests.vectors.generate` and re-run tests/js")


def test_support_vectors_are_what_the_stability_rules_give_now():
    """tests/vectors/support.json (checked against site/js/panels/stability.js in node,
    tests/js/support.test.mjs) is what the Python's rules give now: "tentative"
    (summit.method.resampling), the stability stage's supported and often vertices and its
    threshold (summit.evidence.stability), and the configured default minimum support."""
    import json

    from tests.vectors.generate import support_vectors

    vectors = support_vectors()
    checked_in = json.loads((HERE / "support.json").read_text())
    assert checked_in == json.loads(json.dumps(vectors)), (
        "tests/vectors/support.json differs from the Python's rules of tentative and often: "
        "regenerate with `python -m tests.vectors.generate` and re-run tests/js")
    assert any(r["tentative"] for r in vectors["tentative"])
    assert any(not r["tentative"] for r in vectors["tentative"])
    assert any(v["often"] for r in vectors["records"] for v in r["vertices"])


def test_the_rule_vectors_are_written_as_generate_writes_them(tmp_path):
    """The checked-in cosine.json and support.json are the files the generator writes."""
    from tests.vectors.generate import write_rule_vectors

    write_rule_vectors(tmp_path)
    for name in ("cosine.json", "support.json"):
        assert (HERE / name).read_text() == (tmp_path / name).read_text(), name
