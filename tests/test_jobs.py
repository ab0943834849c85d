"""Per-class stages in jobs of several classes (summit.jobs) and the step's --batch run."""

import json
import shlex

import pytest

from summit import cli, jobs
from summit.steps import arguments


@pytest.mark.parametrize(("n", "setting", "expected"), [
    (10, "auto", 1), (25, "auto", 1), (26, "auto", 2), (1000, "auto", 40), (1000, 1, 1),
    (7, 3, 3), (3, 50, 50)])
def test_classes_per_job(n, setting, expected):
    assert jobs.classes_per_job(n, setting) == expected


def test_groups_cover_the_classes_in_order_once():
    classes = [4, 1, 9, 2, 7, 3, 8]
    for per in range(1, 9):
        parts = jobs.groups(classes, per)
        assert [c for g in parts for c in g] == classes
        assert all(len(g) == per for g in parts[:-1]) and 0 < len(parts[-1]) <= per


def test_one_class_per_job_keeps_the_per_class_rule():
    (job,) = jobs.class_jobs("graph", [0, 1, 2], 1)
    assert (job.rule, job.per, job.size) == ("graph", "{cls}", 1)
    assert job.each(store="{study}/aggregate/{cls}.zarr") == {
        "store": "{study}/aggregate/{cls}.zarr"}


def test_a_group_declares_every_class_file_and_names_its_rule():
    first, second = jobs.class_jobs("graph", [3, 5, 8], 2)
    assert (first.rule, second.rule) == ("graph_0", "graph_1")
    assert (first.per, second.per, second.size) == ("classes_3-5", "classes_8-8", 1)
    assert first.each(wrap=str.upper, json="r/graphs/{cls}.json") == {
        "json": ["R/GRAPHS/3.JSON", "R/GRAPHS/5.JSON"]}


def test_a_batch_gives_each_class_the_arguments_of_its_own_job():
    per_class = jobs.class_jobs("stats", [0, 1, 2], 1)[0]
    per_class.each(store="s/{cls}.zarr", json="o/{cls}.json")
    counts = ["a/x.npz", "a/y.npz"]
    own = [shlex.split(jobs.batch(per_class, {"store": f"s/{c}.zarr", "counts": counts,
                                              "json": f"o/{c}.json", "cls": str(c)},
                                  arguments))
           for c in (0, 1, 2)]
    group = jobs.class_jobs("stats", [0, 1, 2], 3)[0]
    group.each(store="s/{cls}.zarr", json="o/{cls}.json")
    command = shlex.split(jobs.batch(group, {"store": ["s/0.zarr", "s/1.zarr", "s/2.zarr"],
                                             "counts": counts,
                                             "json": ["o/0.json", "o/1.json", "o/2.json"]},
                                     arguments))
    assert command[:2] == ["stats", "--batch"]
    assert [["stats", *entry] for entry in json.loads(command[2])] == own


def test_a_batch_runs_the_step_once_per_class_and_stops_at_a_failure(monkeypatch, capsys):
    import dataclasses

    from summit.errors import SummitError
    from summit.steps import REGISTRY, steps

    calls = []

    def fake(p, *, store, counts, json):  # the step's own arguments, nothing else
        kw = {"store": store, "counts": counts, "json": json}
        calls.append((p, kw))
        if kw["json"].name == "1.json" and p.get("fail"):
            raise SummitError("class 1 is broken")

    monkeypatch.setitem(REGISTRY, "stats", dataclasses.replace(steps()["stats"], fn=fake))
    entries = [["--store", f"s/{c}.zarr", "--counts", "a.npz", "--json", f"o/{c}.json"]
               for c in range(3)]
    assert cli.main(["stats", "--batch", json.dumps(entries), "--params", '{"k": 1}']) == 0
    assert [kw["json"].name for _, kw in calls] == ["0.json", "1.json", "2.json"]
    assert all(p == {"k": 1} for p, _ in calls)
    calls.clear()
    assert cli.main(["stats", "--batch", json.dumps(entries), "--params", '{"fail": 1}']) == 2
    assert [kw["json"].name for _, kw in calls] == ["0.json", "1.json"]
    assert "summit stats: error: class 1 is broken" in capsys.readouterr().out


def test_a_job_opens_its_dataset_once_whatever_the_image_cap(monkeypatch):
    """Classes of one job (and the plan's calibration, on growing caps) share the opened
    dataset: ``max_images_per_class`` picks from it and is no reason to list it again."""
    from summit.io import data
    from summit.model import study

    opened = []
    monkeypatch.setattr(study, "_LOADED", {})
    monkeypatch.setattr(data, "open_dataset", lambda *a: opened.append(a) or object())
    spec = data.InputSpec.from_config({"size": 8, "channels": 1, "mean": [0.0], "std": [1.0]})
    p = {"dataset": {"kind": "image_folder", "root": "r", "max_images_per_class": 8}}
    first = study.study_dataset(p, spec, "train")
    p["dataset"]["max_images_per_class"] = 60
    assert study.study_dataset(p, spec, "train") is first and len(opened) == 1
    p["dataset"]["root"] = "other"
    assert study.study_dataset(p, spec, "train") is not first and len(opened) == 2
