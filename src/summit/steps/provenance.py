"""Stage ``provenance``: what the study was made from."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from summit.io.artifacts import ModelCard
from summit.io.files import write_json
from summit.steps import step


@step
def provenance(p: dict[str, Any], *, model: Path, record: Path) -> None:
    """Record what the study was made from: config, versions, model and dataset checksums."""
    from summit.provenance import collect

    write_json(record, collect(p, ModelCard.load(model).to_json()))
