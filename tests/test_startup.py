"""The start-up check: what it catches is listed in tests/bad_inputs.py (run end to end);
here, that it is remembered and forgotten when it should be."""

from pathlib import Path

import pytest
import torch

from summit import startup
from summit.model.models import ModelError, build_model
from summit.model.structure import StructureError

DATASET = {"kind": "fashion_mnist", "root": "/unused"}
INPUT = {"size": 28, "channels": 1, "mean": [0.5], "std": [0.5]}
MODEL = {"kind": "demo", "width": 0.25}
LAYERS = ["mixed3a", "mixed3b"]


def _check(results: Path, weights: Path | None = None, layers: list[str] = LAYERS) -> None:
    startup.check_model(MODEL, INPUT, layers, DATASET, str(weights) if weights else None,
                        str(results))


def test_a_passed_check_is_remembered_and_not_repeated(tmp_path, monkeypatch):
    _check(tmp_path)
    markers = list((tmp_path / startup.CACHE).glob("*.json"))
    assert len(markers) == 1

    def fail(*args: object) -> None:
        raise AssertionError("traced again")

    monkeypatch.setattr(startup, "_trace", fail)
    _check(tmp_path)
    with pytest.raises(AssertionError, match="traced again"):
        _check(tmp_path, layers=["mixed3a", "mixed4a"])  # another setting: checked again


def test_a_replaced_weights_file_is_checked_again(tmp_path):
    weights = tmp_path / "w.pt"
    torch.save(build_model(MODEL, 10, 1).state_dict(), weights)
    _check(tmp_path / "results", weights)
    torch.save(build_model(MODEL, 7, 1).state_dict(), weights)  # same path, other classes
    with pytest.raises(ModelError, match="fc.weight is \\(7, "):
        _check(tmp_path / "results", weights)


def test_a_failed_check_leaves_no_marker(tmp_path):
    with pytest.raises(StructureError, match="not in the model"):
        _check(tmp_path, layers=["mixed3a", "nope"])
    assert not (tmp_path / startup.CACHE).exists()


def test_auto_layers_are_the_blocks_found_once(tmp_path, monkeypatch):
    """``layers: auto`` resolves to the model's block outputs, remembered per model."""
    found = startup.resolve_layers("auto", MODEL, INPUT, DATASET, str(tmp_path))
    assert found == ["mixed3a", "mixed3b", "mixed4a", "mixed4b"]
    monkeypatch.setattr("summit.model.layers.candidates", lambda *a: 1 / 0)
    assert startup.resolve_layers("auto", MODEL, INPUT, DATASET, str(tmp_path)) == found
    assert startup.resolve_layers(LAYERS, MODEL, INPUT, DATASET, str(tmp_path)) == LAYERS


def test_auto_layers_need_two_blocks(tmp_path):
    from summit.config import ConfigError

    model = {"kind": "factory", "factory": "tests.test_models:tiny_factory"}
    with pytest.raises(ConfigError, match="layers: auto found 1 block or activation"):
        startup.resolve_layers("auto", model, INPUT, DATASET, str(tmp_path))
