"""Typed settings: fields and defaults come from the schema and cannot drift from it."""

import dataclasses
import typing
from pathlib import Path

import pytest

from summit import settings as settings_module
from summit.config import ConfigError, load, schema
from summit.settings import (
    SETTINGS,
    ClassPairsSettings,
    GraphSettings,
    MotifsSettings,
    TrainSettings,
)

ROOT = Path(__file__).resolve().parents[1]


def _section(path):
    node = schema()
    for name in path:
        node = node["properties"][name]
    return node


def test_every_settings_class_is_listed():
    classes = {c for _, c in vars(settings_module).items()
               if isinstance(c, type) and dataclasses.is_dataclass(c)
               and c.__module__ == settings_module.__name__}
    assert classes == set(SETTINGS)
    assert len({c.SECTION for c in SETTINGS}) == len(SETTINGS)


@pytest.mark.parametrize("cls", SETTINGS, ids=lambda c: c.__name__)
def test_fields_are_the_schema_keys_in_order(cls):
    section = _section(cls.SECTION)
    assert [f.name for f in dataclasses.fields(cls)] == list(section["properties"])
    hints = typing.get_type_hints(cls)
    assert all(f.name in hints for f in dataclasses.fields(cls))


@pytest.mark.parametrize("cls", SETTINGS, ids=lambda c: c.__name__)
def test_defaults_are_the_schema_defaults(cls):
    section = _section(cls.SECTION)
    want = {name: sub["default"] for name, sub in section["properties"].items()}
    assert dataclasses.asdict(cls.defaults()) == want
    assert cls.from_config(None) == cls.defaults()


@pytest.mark.parametrize("cls", SETTINGS, ids=lambda c: c.__name__)
def test_shipped_config_section_round_trips(cls):
    cfg = load(ROOT / "config.yaml")
    for name in cls.SECTION:
        cfg = cfg[name]
    assert dataclasses.asdict(cls.from_config(cfg)) == cfg


def test_given_values_are_kept_and_the_rest_filled_in():
    g = GraphSettings.from_config({"share": 0.2, "exclude_channels": {"mixed3a": [67]}})
    assert g.share == 0.2 and g.exclude_channels == {"mixed3a": [67]}
    assert g.alpha == GraphSettings.defaults().alpha
    assert ClassPairsSettings.from_config({"pairs": [[0, "Shirt"]]}).pairs == [[0, "Shirt"]]


def test_settings_are_frozen_and_defaults_not_shared():
    g = GraphSettings.defaults()
    with pytest.raises(dataclasses.FrozenInstanceError):
        g.share = 0.5
    g.exclude_channels["mixed3a"] = [1]
    assert GraphSettings.defaults().exclude_channels == {}


@pytest.mark.parametrize(
    ("cls", "section", "message"),
    [(GraphSettings, {"share": 0}, "config: graph.share: 0 is less than or equal"),
     (GraphSettings, {"sahre": 0.1}, "config: graph: Additional properties"),
     (TrainSettings, {"epochs": 0}, "config: model.train.epochs: 0 is less than the minimum"),
     (MotifsSettings, {"min_classes": "two"}, "config: motifs.min_classes: 'two' is not of")],
)
def test_bad_values_name_the_key(cls, section, message):
    with pytest.raises(ConfigError) as info:
        cls.from_config(section)
    assert str(info.value).startswith(message)
