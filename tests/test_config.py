"""Config validation: defaults, the shipped config, and one-line errors naming the key."""

import copy
import re
from pathlib import Path

import pytest
import yaml

from summit.config import (
    README_COMMAND,
    SCHEMA,
    TABLE_END,
    TABLE_START,
    ConfigError,
    config_table,
    load,
    readme_with_table,
    schema,
    validate,
)
from summit.config import main as config_main

ROOT = Path(__file__).resolve().parents[1]

MINIMAL = {
    "dataset": {"kind": "image_folder", "root": "/data/images"},
    "model": {"kind": "demo"},
    "input": {"size": 28, "channels": 1, "mean": [0.5], "std": [0.5]},
    "layers": ["mixed3a", "mixed3b"],
}


def _with(path, value):
    """MINIMAL with the dotted ``path`` set to ``value`` (or removed if value is DELETE)."""
    cfg = copy.deepcopy(MINIMAL)
    *parents, last = path.split(".")
    node = cfg
    for p in parents:
        node = node.setdefault(p, {})
    if value is DELETE:
        del node[last]
    else:
        node[last] = value
    return cfg


DELETE = object()


def test_schema_is_the_shipped_one():
    # package data next to the module, so an installed (non-editable) copy finds it too
    assert Path(str(SCHEMA)).resolve() == ROOT / "src" / "summit" / "config.schema.yaml"
    assert SCHEMA.is_file()
    assert not (ROOT / "workflow" / "schemas").exists()


def _keys(node, prefix=""):
    """Every key, and every key of a list's items (``stamps[].size``)."""
    for name, sub in node.get("properties", {}).items():
        yield f"{prefix}{name}", sub
        yield from _keys(sub, f"{prefix}{name}.")
        yield from _keys(sub.get("items", {}), f"{prefix}{name}[].")


def test_every_key_has_a_description():
    missing = [key for key, sub in _keys(schema()) if not sub.get("description", "").strip()]
    assert not missing, f"schema keys without a description: {missing}"


def test_every_optional_leaf_has_a_default_or_is_documented_unset():
    # sections and required keys aside, only the model-kind specific keys have no default
    s = schema()
    no_default = [key for key, sub in _keys(s) if "default" not in sub
                  and "properties" not in sub]
    assert no_default == ["dataset.kind", "dataset.root", "dataset.plant.stamps[].classes",
                          "model.kind", "model.architecture",
                          "model.factory", "input.size", "input.channels", "input.mean",
                          "input.std", "layers"]


def test_readme_table_is_generated_from_the_schema():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert readme.count(TABLE_START) == 1 and readme.count(TABLE_END) == 1
    region = readme[readme.index(TABLE_START) + len(TABLE_START):readme.index(TABLE_END)]
    assert region == "\n" + config_table(), (
        "README.md's configuration table differs from src/summit/config.schema.yaml; "
        f"regenerate it with `{README_COMMAND}`")


def test_table_has_a_row_per_key_and_renders_on_github():
    table = config_table()
    lines = table.splitlines()
    assert lines[0] == "| key | type or allowed values | default | description |"
    rows = lines[2:]
    assert [r.split(" | ")[0] for r in rows] == [f"| `{k}`" for k, _ in _keys(schema())]
    for row in rows:  # four cells: every literal | inside a cell is escaped
        assert row.startswith("| ") and row.endswith(" |")
        assert len(re.findall(r"(?<!\\)\|", row)) == 5, row
    by_key = {r.split(" | ")[0][3:-1]: r for r in rows}
    assert by_key["graph.share"] == (
        "| `graph.share` | number in (0, 1] | `0.075` | Extraction threshold, a cumulative "
        "share of the PageRank. |")
    assert "| string or `null` | `null` |" in by_key["dataset.test_root"]
    assert "| `[1.0, 0.95, 1.05]` |" in by_key["featvis.scales"]
    assert "| `1e-6` |" in by_key["graph.tol"]
    assert "`^(auto\\|cpu\\|cuda(:\\d+)?\\|mps)$`" in by_key["device"]
    assert "| section |  |" in by_key["graph"]
    assert "| required |" in by_key["layers"]


def test_readme_command_rewrites_only_the_region(tmp_path, capsys):
    readme = tmp_path / "README.md"
    readme.write_text(f"# Title\n\n{TABLE_START}\nold | table\n{TABLE_END}\n\nAfter.\n")
    assert config_main(["--readme", str(readme), "--check"]) == 1
    assert README_COMMAND in capsys.readouterr().err
    assert config_main(["--readme", str(readme)]) == 0
    assert readme.read_text() == (f"# Title\n\n{TABLE_START}\n{config_table()}{TABLE_END}\n"
                                  "\nAfter.\n")
    assert config_main(["--readme", str(readme), "--check"]) == 0
    assert readme_with_table(readme.read_text()) == readme.read_text()


def test_readme_without_markers_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match="config-table:start"):
        readme_with_table("# no table here\n")


def test_shipped_config_has_no_per_key_comments():
    # the keys are documented once, in the schema; config.yaml holds only a header comment
    lines = (ROOT / "config.yaml").read_text().splitlines()
    body = lines[next(i for i, x in enumerate(lines) if not x.startswith("#")):]
    assert not [x for x in body if "#" in x]
    assert "src/summit/config.schema.yaml" in "\n".join(lines)


def test_minimal_config_gets_defaults():
    cfg = validate(MINIMAL)
    assert cfg["graph"]["share"] == 0.075
    assert cfg["graph"]["alpha"] == 0.85
    assert cfg["graph"]["extraction"] == "per_layer"
    assert cfg["graph"]["exclude_channels"] == {}
    assert cfg["aggregation"] == {"method": 2, "k": 5, "share": 0.03}
    assert cfg["influence"] == {"method": 1, "k": 5, "share": 0.1}
    assert cfg["stats"] == {"bins": 20}
    assert cfg["embedding"] == {"n_neighbors": 15, "min_dist": 0.1, "seed": 0}
    assert cfg["model"]["train"] == {"epochs": None, "batch_size": 256, "lr": 0.2, "seed": 0,
                                     "seeds": [],
                                     "max_images": None, "shuffle_labels": False}
    assert cfg["randomization"] == {"cascade": False, "shuffled_labels": False,
                                    "images_per_class": 50, "repeats": 20, "seed": 0}
    assert cfg["model"]["kwargs"] == {}
    assert cfg["dataset"]["classes"] == []
    assert cfg["dataset"]["skip_unreadable"] is True
    assert cfg["dataset"]["test_root"] is None
    assert cfg["batch_size"] == 256
    assert cfg["device"] == "auto"
    assert cfg["threads"] == 2
    assert cfg["results"] == "results"
    # given values are kept, and the input is not modified
    assert cfg["dataset"]["root"] == "/data/images"
    assert "graph" not in MINIMAL


def test_defaults_fill_in_around_given_values():
    cfg = validate(_with("aggregation", {"method": 1}))
    assert cfg["aggregation"] == {"method": 1, "k": 5, "share": 0.03}


def test_defaults_are_not_shared_between_configs():
    a = validate(MINIMAL)
    a["graph"]["exclude_channels"]["mixed3a"] = [1]
    a["dataset"]["classes"].append(3)
    b = validate(MINIMAL)
    assert b["graph"]["exclude_channels"] == {}
    assert b["dataset"]["classes"] == []


def test_shipped_config_validates():
    raw = yaml.safe_load((ROOT / "config.yaml").read_text())
    cfg = load(ROOT / "config.yaml")
    assert cfg["dataset"]["kind"] == "fashion_mnist"
    assert cfg["aggregation"]["share"] == raw["aggregation"]["share"]
    assert cfg["layers"] == raw["layers"]


def _error(cfg):
    with pytest.raises(ConfigError) as info:
        validate(cfg)
    message = str(info.value)
    assert "\n" not in message
    return message


def test_unknown_key_lists_allowed_keys():
    message = _error(_with("aggregation.sahre", 0.1))
    assert message.startswith("config: aggregation: ")
    assert "'sahre'" in message
    assert "allowed keys are ['k', 'method', 'share']" in message


def test_unknown_top_level_key():
    message = _error(_with("colour", "red"))
    assert "(top level)" in message and "'colour'" in message
    assert "'aggregation'" in message and "'layers'" in message


@pytest.mark.parametrize(
    ("path", "value", "key", "words"),
    [
        ("aggregation.share", 1.5, "aggregation.share", "1.5"),
        ("aggregation.share", 0, "aggregation.share", "0"),
        ("aggregation.method", 3, "aggregation.method", "3"),
        ("batch_size", -1, "batch_size", "-1"),
        ("batch_size", "many", "batch_size", "'many' is not of type 'integer'"),
        ("model.train.epochs", 2.5, "model.train.epochs", "not of type 'integer'"),
        ("input.channels", 2, "input.channels", "2"),
        ("layers", ["a"], "layers", "short"),
        ("layers", ["a", "a"], "layers", "non-unique"),
        ("layers", ["a", 3], "layers.1", "not of type 'string'"),
        ("device", "gpu", "device", "'gpu'"),
        ("device", "cuda:x", "device", "'cuda:x'"),
        ("graph.alpha", 1, "graph.alpha", "1"),
        ("model.factory", "no colon", "model.factory", "'no colon'"),
        ("dataset.kind", "csv", "dataset.kind", "'csv'"),
        ("dataset.root", "", "dataset.root", "''"),
        ("graph.exclude_channels", {"mixed3a": [-1]}, "graph.exclude_channels.mixed3a.0", "-1"),
    ],
)
def test_bad_values_name_the_key(path, value, key, words):
    message = _error(_with(path, value))
    assert message.startswith(f"config: {key}: ")
    assert words in message
    assert "README.md" in message


@pytest.mark.parametrize("device", ["auto", "cpu", "cuda", "cuda:0", "cuda:12", "mps"])
def test_good_devices(device):
    assert validate(_with("device", device))["device"] == device


@pytest.mark.parametrize(
    ("path", "key", "missing"),
    [("dataset.root", "dataset", "'root'"), ("layers", "(top level)", "'layers'"),
     ("input.std", "input", "'std'"), ("model", "(top level)", "'model'")],
)
def test_missing_required_key(path, key, missing):
    message = _error(_with(path, DELETE))
    assert message.startswith(f"config: {key}: ")
    assert f"{missing} is a required property" in message


def test_source_names_the_file(tmp_path):
    path = tmp_path / "study.yaml"
    path.write_text(yaml.safe_dump(_with("threads", 0)))
    with pytest.raises(ConfigError, match=rf"^{path}: threads: 0 is less than the minimum"):
        load(path)


def test_load_round_trip(tmp_path):
    path = tmp_path / "study.yaml"
    path.write_text(yaml.safe_dump(MINIMAL))
    assert load(path) == validate(MINIMAL)


def test_load_missing_file(tmp_path):
    path = tmp_path / "nope.yaml"
    with pytest.raises(ConfigError, match="config file not found") as info:
        load(path)
    assert str(path) in str(info.value)


def test_load_empty_file(tmp_path):
    path = tmp_path / "empty.yaml"
    path.write_text("")
    with pytest.raises(ConfigError, match="is a required property"):
        load(path)


def test_an_artifact_path_comes_from_the_one_layout():
    from summit.io.paths import MAIN, STUDY, artifact, templates

    assert artifact(Path("r"), "graph", cls=3) == Path("r/graphs/3.json")
    assert artifact(Path("r"), "counts", layer="mixed3a") == Path("r/activations/mixed3a.npz")
    t = templates("out")
    assert t["graph"] == "{study}/graphs/{cls}.json" and t["findings"].startswith("out/")
    assert not set(STUDY) & set(MAIN)  # one name, one place
