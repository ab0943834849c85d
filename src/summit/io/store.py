"""The on-disk layout of the per-class aggregation stores (Zarr v3), in one place.

One store per class, ``results/aggregate/<class>.zarr``:

- ``maxima/<layer>``  float32 (images × channels): channel maxima Z^l, chunked by images;
- ``tallies/hop<NNN>`` (groups × in × out channels), the smallest unsigned integer type
  that holds them: influence tallies of one hop per image group, attribute ``hop`` naming
  it; the class's tallies are their sum. Stored row ``r`` (of maxima and predictions) is
  in group ``r % groups`` (``group_of_rows``), so a graph for any subset of groups is
  rebuilt without a forward pass;
- ``predictions/{index,label,predicted,prob_true}``: per image, its dataset index, true class,
  predicted class and predicted probability of the true class;
- ``examples/<layer>/{value,image,position}`` (N × channels): the class's running top-N
  channel maxima per channel, with dataset index and flat arg-max position;
- root attributes: ``class_id``, ``n_images``, ``n_skipped``, ``layers``, ``hops``,
  ``groups``.

A store is written under a temporary name and renamed when complete, so a killed job never
leaves a store that looks finished.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import zarr

ROWS_PER_CHUNK = 4096


def group_of_rows(start: int, n: int, groups: int) -> np.ndarray:
    """The image groups of stored rows ``start … start + n - 1``: interleaved in dataset
    order, so every group is a like sample of the class and sizes differ by at most one."""
    return (start + np.arange(n)) % groups


def group_sizes(n: int, groups: int) -> np.ndarray:
    """Images per group of a class with ``n`` stored rows."""
    return np.bincount(group_of_rows(0, n, groups), minlength=groups)


class RowWriter:
    """Appends rows to a Zarr array in whole chunks, so memory stays at one chunk.

    The chunk is buffered in one array allocated up front: keeping every batch's rows as a
    separate small array until the chunk fills would pin them between the pass's large
    temporary buffers and fragment the heap, so resident memory would grow with the images.
    """

    def __init__(self, array: zarr.Array):
        self.array = array
        self.buffer = np.empty((array.chunks[0], *array.shape[1:]), dtype=array.dtype)
        self.buffered = 0
        self.written = 0

    def append(self, rows: np.ndarray) -> None:
        while len(rows):
            n = min(len(rows), len(self.buffer) - self.buffered)
            self.buffer[self.buffered:self.buffered + n] = rows[:n]
            self.buffered += n
            rows = rows[n:]
            if self.buffered == len(self.buffer):
                self.flush()

    def flush(self) -> None:
        if not self.buffered:
            return
        end = self.written + self.buffered
        if end > self.array.shape[0]:
            self.array.resize((end, *self.array.shape[1:]))
        self.array[self.written:end] = self.buffer[:self.buffered]
        self.written, self.buffered = end, 0

    def close(self) -> None:
        self.flush()
        self.array.resize((self.written, *self.array.shape[1:]))


class ClassStoreWriter:
    """Streams one class's per-image results into a store opened by ``open_class_store``."""

    def __init__(self, group: zarr.Group, layers: dict[str, int], capacity: int):
        rows = max(1, min(ROWS_PER_CHUNK, capacity))
        self.group = group
        self.maxima = {name: RowWriter(group.create_array(
            f"maxima/{name}", shape=(capacity, c), chunks=(rows, c), dtype="float32"))
            for name, c in layers.items()}
        self.predictions = {name: RowWriter(group.create_array(
            f"predictions/{name}", shape=(capacity,), chunks=(rows,), dtype=dtype))
            for name, dtype in [("index", "int64"), ("label", "int32"), ("predicted", "int32"),
                                ("prob_true", "float32")]}

    def append(self, maxima: dict[str, np.ndarray], predictions: dict[str, np.ndarray]) -> None:
        for name, rows in maxima.items():
            self.maxima[name].append(rows)
        for name, rows in predictions.items():
            self.predictions[name].append(rows)

    def finish(self, tallies: dict[str, np.ndarray], attrs: dict[str, Any],
               examples: dict[str, dict[str, np.ndarray]] | None = None,
               groups: int = 1) -> None:
        """Close the rows; write the tallies (groups × in × out per hop), examples and
        attributes (``class_id``, the pass's summary)."""
        for writer in [*self.maxima.values(), *self.predictions.values()]:
            writer.close()
        for layer, arrays in (examples or {}).items():
            for name, values in arrays.items():
                self.group.create_array(f"examples/{layer}/{name}", data=values)
        for i, (hop, counts) in enumerate(tallies.items()):
            top = int(counts.max(initial=0))
            dtype = next(t for t in ("uint8", "uint16", "uint32") if top <= np.iinfo(t).max)
            arr = self.group.create_array(f"tallies/hop{i:03d}", shape=counts.shape,
                                          chunks=(1, *counts.shape[1:]), dtype=dtype)
            arr[...] = counts
            arr.attrs["hop"] = hop
        self.group.attrs.update({**attrs, "hops": list(tallies), "groups": groups})


@contextmanager
def open_class_store(path: str | Path, layers: dict[str, int],
                     capacity: int) -> Iterator[ClassStoreWriter]:
    """A writer on ``<path>.partial``, renamed to ``path`` only if the block completes."""
    path = Path(path)
    partial = path.with_name(path.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    writer = ClassStoreWriter(zarr.open_group(str(partial), mode="w"), layers, capacity)
    yield writer
    shutil.rmtree(path, ignore_errors=True)
    partial.rename(path)


class ClassStore:
    """Read access to a finished class store."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.group = zarr.open_group(str(self.path), mode="r")
        self.attrs = dict(self.group.attrs)

    @property
    def class_id(self) -> int:
        return int(self.attrs["class_id"])

    @property
    def layers(self) -> list[str]:
        """The layers whose maxima the store holds."""
        return sorted(self.group["maxima"].array_keys())

    def maxima(self, layer: str) -> zarr.Array:
        return self.group[f"maxima/{layer}"]

    def prediction(self, name: str) -> np.ndarray:
        return self.group[f"predictions/{name}"][:]

    @property
    def n_groups(self) -> int:
        return int(self.attrs["groups"])

    def group_tallies(self) -> dict[str, np.ndarray]:
        """Per hop, the tallies of each image group (groups × in × out)."""
        return {self.group[f"tallies/hop{i:03d}"].attrs["hop"]: self.group[f"tallies/hop{i:03d}"][:]
                for i in range(len(self.attrs["hops"]))}

    def tallies(self) -> dict[str, np.ndarray]:
        """Per hop, the class's influence tallies (in × out): the sum over its groups."""
        return {hop: t.sum(axis=0, dtype=np.int64) for hop, t in self.group_tallies().items()}

    def examples(self, layer: str) -> dict[str, np.ndarray]:
        """The class's top-N candidates per channel: value, image (dataset index), position."""
        return {name: self.group[f"examples/{layer}/{name}"][:]
                for name in ("value", "image", "position")}

    def iter_maxima(self, layer: str) -> Iterator[np.ndarray]:
        """Z^l in chunks of rows, so readers never hold a whole class in memory."""
        arr = self.maxima(layer)
        step = arr.chunks[0]
        for start in range(0, arr.shape[0], step):
            yield arr[start:start + step]
