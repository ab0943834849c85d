"""Steps: one name per stage across rule, command and module; arguments from signatures; the
steps that need no model, run on hand-built class stores, equal their library calls."""

import re
from pathlib import Path

import numpy as np
import pytest

from summit.cli import parser
from summit.io.artifacts import ActivationCounts, ClassStats
from summit.io.reports import NonsemanticReport, SeparabilityLayer
from summit.io.store import ClassStore
from summit.method.activations import activation_matrix
from summit.method.stats import class_stats
from summit.settings import AggregationSettings, NonsemanticSettings, SeparabilitySettings
from summit.steps import arguments, flag, steps
from tests.store_builder import build_store

RULES = Path(__file__).resolve().parents[1] / "workflow" / "rules"


def _rules() -> dict[str, str]:
    """Every rule of the workflow → the stage file (stem) declaring it; a per-class stage's
    rules (``for job in class_jobs("<stage>")``, summit.jobs) by their stage's name."""
    found = {}
    for path in RULES.glob("*.smk"):
        text = path.read_text()
        for name in [*re.findall(r"^rule (\w+):", text, re.M),
                     *re.findall(r'^for job in class_jobs\("(\w+)"\):', text, re.M)]:
            found[name] = path.stem
    return found


def test_every_rule_runs_the_step_of_its_name_from_its_stage_module():
    registered = {name: s.stage for name, s in steps().items()}
    assert registered == _rules()


def test_every_step_argument_is_a_command_line_flag():
    commands = parser()._subparsers._group_actions[0].choices  # noqa: SLF001 - argparse API
    assert set(commands) == set(steps()) | {"layers", "plan"}  # for configuring a study
    for name, s in steps().items():
        flags = {o for a in commands[name]._actions for o in a.option_strings}  # noqa: SLF001
        assert {flag(arg) for arg in s.arguments} | {"--params"} <= flags, name


def test_arguments_come_from_named_inputs_outputs_and_wildcards():
    values = {"structure": "s.json", "store": "a b.zarr", "counts": ["x.npz", "y.npz"],
              "nonsemantic": [], "json": "g.json", "graphml": "g.graphml", "study": "results",
              "atlases": ["ignored.png"]}
    assert arguments("graph", values) == [
        "--structure", "s.json", "--store", "a b.zarr", "--counts", "x.npz", "y.npz",
        "--json", "g.json", "--graphml", "g.graphml"]
    assert "--nonsemantic" in arguments("graph", {**values, "nonsemantic": ["ns.json"]})
    with pytest.raises(KeyError, match="no input, output or wildcard named 'store'"):
        arguments("graph", {k: v for k, v in values.items() if k != "store"})


def test_the_command_line_runs_a_step_with_typed_arguments(tmp_path, monkeypatch):
    from dataclasses import replace

    from summit import steps as registry
    from summit.cli import main

    seen = {}
    fake = replace(steps()["stats"], fn=lambda p, **kw: seen.update(p=p, **kw))
    monkeypatch.setitem(registry.REGISTRY, "stats", fake)

    assert main(["stats", "--params", '{"stats": {"bins": 3}}', "--store", "a.zarr",
                 "--counts", "x.npz", "y.npz", "--json", "o.json"]) == 0
    assert seen == {"p": {"stats": {"bins": 3}}, "store": Path("a.zarr"),
                    "counts": [Path("x.npz"), Path("y.npz")], "json": Path("o.json")}


@pytest.fixture
def stores(tmp_path):
    rng = np.random.default_rng(0)
    paths = []
    for cid, n in enumerate((30, 24, 36)):
        maxima = {"a": rng.gamma(1 + cid, 1, (n, 7)), "b": rng.gamma(2, 1 + cid, (n, 5))}
        predicted = np.where(rng.random(n) < 0.8, cid, (cid + 1) % 3)
        build_store(tmp_path / f"{cid}.zarr", cid, maxima, predicted, groups=4)
        paths.append(tmp_path / f"{cid}.zarr")
    return paths


def test_model_free_steps_equal_their_library_calls(tmp_path, stores):
    run = {name: s.fn for name, s in steps().items()}
    p = {"aggregation": {"method": 2, "share": 0.1}, "stats": {"bins": 5},
         "nonsemantic": {"min_lift": 1.2, "min_coverage": 0.5}, "stability": {},
         "separability": {"max_images_per_class": 20, "seed": 3}}
    counts = []
    for layer in ("a", "b"):
        counts.append(tmp_path / f"{layer}.npz")
        run["activations"](p, layer=layer, stores=stores, counts=counts[-1])
        saved = ActivationCounts.load(counts[-1])
        agg = AggregationSettings.from_config(p["aggregation"])
        want = activation_matrix([ClassStore(s) for s in stores], layer, agg.method, agg.k,
                                 agg.share)
        assert saved.layer == layer  # the file says which layer it holds
        np.testing.assert_array_equal(saved.counts, want["counts"])
        np.testing.assert_array_equal(saved.channel_max, want["channel_max"])

    run["stats"](p, store=stores[1], counts=counts, json=tmp_path / "s1.json")
    ranges = {c.layer: {"channel_min": c.channel_min, "channel_max": c.channel_max}
              for c in map(ActivationCounts.load, counts)}
    assert ClassStats.load(tmp_path / "s1.json").to_json() == {
        **class_stats(ClassStore(stores[1]), ranges, 5), "version": ClassStats.VERSION}

    run["nonsemantic"](p, counts=counts, stores=stores, report=tmp_path / "ns.json",
                       table=tmp_path / "ns.csv")
    report = NonsemanticReport.load(tmp_path / "ns.json")
    assert report.class_ids == [0, 1, 2] and set(report.flagged) == {"a", "b"}
    assert report.settings == p["nonsemantic"]  # recorded as the rule passed them
    assert NonsemanticSettings.from_config(p["nonsemantic"]).candidates == 3  # schema default

    run["separability"](p, layer="b", stores=stores, counts=counts[1],
                        report=tmp_path / "sep.json")
    sep = SeparabilityLayer.load(tmp_path / "sep.json")
    s = SeparabilitySettings.from_config(p["separability"])
    assert sep.layer == "b" and sep.channels_per_class == s.channels_per_class
    assert [c["id"] for c in sep.classes] == [0, 1, 2]


def test_support_steps_draw_each_class_by_its_own_resample_weights(tmp_path, stores):
    """The nonsemantic and neighbours steps: the library's support on each class's
    ``resample_weights`` rows (seeded by the class) and its images per group."""
    from summit.analyses.neighbours import report as nearest
    from summit.analyses.neighbours import with_support
    from summit.analyses.nonsemantic import class_means, resampled_flags
    from summit.io.artifacts import Embedding
    from summit.io.reports import NeighboursReport
    from summit.io.store import group_of_rows
    from summit.method.resampling import resample_weights

    run = {name: s.fn for name, s in steps().items()}
    p = {"aggregation": {"method": 2, "share": 0.3}, "nonsemantic": {"min_lift": 1.1,
                                                                       "min_coverage": 0.6},
         "stability": {"resamples": 9, "seed": 5, "min_support": 0.8},
         "neighbours": {"k": 1, "figure_classes": 2}, "class_names": ["x", "y", "z"]}
    counts = [tmp_path / f"{layer}.npz" for layer in ("a", "b")]
    for layer, path in zip(("a", "b"), counts, strict=True):
        run["activations"](p, layer=layer, stores=stores, counts=path)
    loaded = [ActivationCounts.load(x) for x in counts]
    weights = np.stack([resample_weights(5, c, 9, 4) for c in (0, 1, 2)])
    images = np.stack([np.bincount(group_of_rows(0, n, 4), minlength=4) for n in (30, 24, 36)])

    run["nonsemantic"](p, counts=counts, stores=stores, report=tmp_path / "ns.json",
                       table=tmp_path / "ns.csv")
    report = NonsemanticReport.load(tmp_path / "ns.json")
    assert report.stability["resamples"] == 9 and report.stability["min_support"] == 0.8
    rows = (tmp_path / "ns.csv").read_text().splitlines()
    assert rows[0].endswith(",support") and len(rows) == 1 + 7 + 5
    support = {a.layer: resampled_flags(
        a.group_counts, images, weights, class_means([ClassStore(s) for s in stores], a.layer),
        1.1, 0.6).mean(axis=0) for a in loaded}
    for ch in report.channels:
        assert ch["support"] == pytest.approx(support[ch["layer"]][ch["channel"]])
        assert ch["tentative"] == (ch["flagged"] and ch["support"] < 0.8)
    for row in rows[1:]:
        layer, channel, *_, got = row.split(",")
        assert float(got) == pytest.approx(support[layer][int(channel)])

    Embedding(class_ids=[0, 1, 2], layers={x: [[0.1, 0.2], [0.5, 0.9], [0.8, 0.3]]
                                           for x in ("a", "b")}).save(tmp_path / "e.json")
    run["neighbours"](p, counts=counts, embedding=tmp_path / "e.json", report=tmp_path / "nb.json",
                      table=tmp_path / "nb.csv", png=tmp_path / "nb.png", pdf=tmp_path / "nb.pdf")
    want = with_support(nearest(["a", "b"], [a.counts for a in loaded], [0, 1, 2], ["x", "y", "z"],
                                1), [a.group_counts for a in loaded], weights, 2,
                        {"groups": 10, "resamples": 9, "split_halves": 10, "min_support": 0.8,
                         "seed": 5})
    assert NeighboursReport.load(tmp_path / "nb.json").to_json() == {
        **want, "version": NeighboursReport.VERSION}
    assert (tmp_path / "nb.csv").read_text().splitlines()[0] == (
        "class_id,class,change,change_p5,change_p95,rank_support,tentative,a,a support,b,"
        "b support")


def test_a_step_refuses_artifacts_over_other_classes(tmp_path, stores):
    run = {name: s.fn for name, s in steps().items()}
    p = {"aggregation": {}, "nonsemantic": {}, "stability": {}}
    run["activations"](p, layer="a", stores=stores[:2], counts=tmp_path / "a.npz")
    from summit.io.files import ArtifactError

    with pytest.raises(ArtifactError, match="its classes differ from the class stores"):
        run["nonsemantic"](p, counts=[tmp_path / "a.npz"], stores=stores,
                           report=tmp_path / "ns.json", table=tmp_path / "ns.csv")


@pytest.mark.parametrize("error, code, words", [
    ("summit", 2, "summit stats: error: the store is gone"),
    ("other", None, "summit stats: unexpected error: KeyError: 'x' (the traceback is in"),
])
def test_a_failing_step_says_why_on_stdout(monkeypatch, capsys, error, code, words):
    """Rules send stderr to the job's log; stdout reaches the console."""
    from dataclasses import replace

    from summit import steps as registry
    from summit.cli import main
    from summit.errors import SummitError

    def fail(p, **kw):
        raise SummitError("the store is gone") if error == "summit" else KeyError("x")

    monkeypatch.setitem(registry.REGISTRY, "stats", replace(steps()["stats"], fn=fail))
    argv = ["stats", "--params", "{}", "--store", "a", "--json", "o.json"]
    if code is None:
        with pytest.raises(KeyError):
            main(argv)
    else:
        assert main(argv) == code
    assert capsys.readouterr().out.strip().startswith(words)
