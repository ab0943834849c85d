"""SHA-256 checksums of files, streamed: what identifies a weights file or a dataset in the
study's records."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path


def _stream(digest: hashlib._Hash, path: str | Path) -> None:
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)


def sha256(path: str | Path) -> str:
    """One file's contents."""
    digest = hashlib.sha256()
    _stream(digest, path)
    return digest.hexdigest()


def sha256_files(paths: Sequence[Path]) -> str:
    """Several files, each by name and contents, in the given order."""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.name.encode())
        _stream(digest, path)
    return digest.hexdigest()
