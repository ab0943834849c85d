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
    assert not stale, (f"{stale} differ from what summit.site writes now: regenerate with "
                       "`python -m tests.vectors.generate` and re-run tests/js")


def test_model_vectors_are_what_the_figures_rules_give_now():
    """tests/vectors/models.json (what a vertex of two models' union shows, checked against
    site/js/models.js in node) is what summit.figures' rules give now."""
    import json

    from tests.vectors.generate import model_vectors

    checked_in = json.loads((HERE / "models.json").read_text())
    assert checked_in == json.loads(json.dumps(model_vectors())), (
        "tests/vectors/models.json differs from summit.figures' rules: regenerate with "
        "`python -m tests.vectors.generate` and re-run tests/js")
