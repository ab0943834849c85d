"""Files written so that an interrupted job never leaves a half-written one: each write goes to
a temporary file, then a rename. JSON maps NaN and infinities to null (valid for browsers),
and a typed JSON file (``JsonArtifact``) carries its type's ``VERSION`` so a reader refuses a
file of another format with a one-line message."""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, ClassVar, Self

import numpy as np

from summit.errors import SummitError


class ArtifactError(SummitError):
    """An artifact file is missing, unreadable or of another format version."""


def finite(obj: Any) -> Any:
    """NaN/inf (e.g. accuracy of a class absent from a split) as null: valid JSON for browsers."""
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, dict):
        return {k: finite(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [finite(v) for v in obj]
    return obj


def _atomic(path: str | Path) -> tuple[Path, Path]:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    return path, path.with_name(path.name + ".tmp")


def write_json(path: str | Path, obj: Any) -> None:
    """Write compact JSON atomically, NaN as null."""
    path, tmp = _atomic(path)
    tmp.write_text(json.dumps(finite(obj), separators=(",", ":"), ensure_ascii=False,
                              allow_nan=False))
    tmp.replace(path)


def write_csv(path: str | Path, rows: list[dict[str, Any]]) -> None:
    """Write rows (dicts with the same keys) as CSV atomically."""
    path, tmp = _atomic(path)
    with open(tmp, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]) if rows else [])
        writer.writeheader()
        writer.writerows(rows)
    tmp.replace(path)


def write_text(path: str | Path, text: str) -> None:
    """Write text (UTF-8) atomically."""
    path, tmp = _atomic(path)
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def read_json(path: str | Path) -> Any:
    """Parse a JSON file; a missing or broken file is a one-line error naming it."""
    try:
        return json.loads(Path(path).read_text())
    except (OSError, ValueError) as e:
        raise ArtifactError(f"{path}: cannot be read ({e}); re-run the step that writes it") \
            from e


def check_version(path: str | Path, kind: str, found: Any, expected: int) -> None:
    if found != expected:
        raise ArtifactError(f"{path}: a {kind} file of format version {found}, this code reads "
                            f"version {expected}; delete it and re-run the study")


@dataclass
class JsonArtifact:
    """Base of the JSON artifacts: fields in file order, then ``version``.

    A field whose JSON key is not a Python name (``class``) names it in its metadata.
    """

    VERSION: ClassVar[int] = 1

    def to_json(self) -> dict[str, Any]:
        out = {f.metadata.get("key", f.name): getattr(self, f.name) for f in fields(self)}
        return {**out, "version": self.VERSION}

    @classmethod
    def from_json(cls, d: dict[str, Any], path: str | Path = "(data)") -> Self:
        check_version(path, cls.__name__, d.get("version"), cls.VERSION)
        try:
            return cls(**{f.name: d[f.metadata.get("key", f.name)] for f in fields(cls)})
        except KeyError as e:
            raise ArtifactError(f"{path}: a {cls.__name__} file without {e}; re-run the study") \
                from e

    def save(self, path: str | Path) -> None:
        write_json(path, self.to_json())

    @classmethod
    def load(cls, path: str | Path) -> Self:
        return cls.from_json(read_json(path), path)


def class_key() -> Any:
    return field(metadata={"key": "class"})


def write_npz(path: str | Path, version: int, **arrays: np.ndarray) -> None:
    """Arrays and the format ``version`` as ``.npz``, atomically."""
    path, tmp = _atomic(path)
    with open(tmp, "wb") as f:  # a file handle: np.savez would append .npz to the name
        np.savez(f, version=np.array(version), **arrays)
    tmp.replace(path)


def read_npz(path: str | Path, cls: type, what: str, build: Callable[[Any], Any]) -> Any:
    """``build`` on an ``.npz`` artifact of ``cls``'s version; one-line errors otherwise."""
    try:
        with np.load(path) as z:
            check_version(path, cls.__name__, int(z["version"]) if "version" in z else None,
                          cls.VERSION)
            return build(z)
    except (OSError, ValueError, KeyError) as e:
        raise ArtifactError(f"{path}: cannot be read as {what} ({e}); re-run the study") from e
