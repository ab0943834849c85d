"""The stability benchmark: the stores' growth from keeping tallies per image group, and the
time of rebuilding a class's graph for every resample (see the package doc)."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from summit.dev.bench.common import (
    class_graph,
    googlenet,
    googlenet_structure,
    job_seconds,
    synthetic_class,
)
from summit.method.graphs import attribution_graph
from summit.model.structure import Structure
from summit.settings import GraphSettings


def _tally_bytes(group_tallies: dict[str, np.ndarray], directory: Path) -> dict[str, int]:
    """Bytes on disk of a class store's tallies kept per group, and summed into one group."""
    import shutil

    from summit.io.store import open_class_store

    def size(tallies: dict[str, np.ndarray], groups: int) -> int:
        path = directory / f"tallies{groups}.zarr"
        with open_class_store(path, {}, 1) as writer:
            writer.finish(tallies, {"class_id": 0}, groups=groups)
        n = sum(f.stat().st_size for f in (path / "tallies").rglob("*") if f.is_file())
        shutil.rmtree(path)
        return n

    groups = len(next(iter(group_tallies.values())))
    return {"grouped": size(group_tallies, groups),
            "single": size({k: v.sum(axis=0, keepdims=True) for k, v in group_tallies.items()},
                           1)}


def _rebuild_seconds(structure: Structure, counts: dict[str, np.ndarray],
                     tallies: dict[str, np.ndarray], repeats: int = 3) -> float:
    """Seconds to assemble a class's graph from its tallies and extract it, as each resample
    does (mean of ``repeats``)."""
    cfg = GraphSettings.defaults()
    t = time.perf_counter()
    for _ in range(repeats):
        attribution_graph(class_graph(structure, counts, tallies), cfg)
    return (time.perf_counter() - t) / repeats


def _googlenet_class(groups: int, builds: int, seed: int, directory: Path) -> dict[str, Any]:
    """A synthetic 1300-image GoogLeNet class, each tally mark filed under a random group."""
    structure = googlenet_structure(googlenet())
    rng = np.random.default_rng(seed)
    counts, tallies = synthetic_class(rng, structure)
    split = {k: np.moveaxis(rng.multinomial(t.ravel(), np.full(groups, 1 / groups)), -1, 0)
             .reshape(groups, *t.shape) for k, t in tallies.items()}
    tally_bytes = _tally_bytes(split, directory)
    rebuild = _rebuild_seconds(structure, counts, tallies)
    return {"tally_bytes": tally_bytes, "rebuild_seconds": rebuild,
            "seconds_per_class": builds * rebuild,
            "hours_for_1000_classes": 1000 * builds * rebuild / 3600}


def _study(results: Path, directory: Path) -> dict[str, Any]:
    """A finished study's tallies with and without groups, and its jobs' times."""
    from summit.io.store import ClassStore

    stores = [ClassStore(p) for p in sorted((results / "aggregate").glob("*.zarr"))]
    if not stores:
        raise SystemExit(f"{results}: no class stores; run the study first")
    sizes = [_tally_bytes(s.group_tallies(), directory) for s in stores]
    store_bytes = sum(f.stat().st_size for s in stores for f in s.path.rglob("*")
                      if f.is_file())
    return {"results": str(results), "classes": len(stores), "groups": stores[0].n_groups,
            "tally_bytes": {k: sum(x[k] for x in sizes) for k in ("grouped", "single")},
            "store_bytes": store_bytes,
            "stability_seconds": sum(job_seconds(results, "stability/*.tsv")),
            "graph_seconds": sum(job_seconds(results, "graph/*.tsv")),
            "aggregate_seconds": sum(job_seconds(results, "aggregate/*.tsv"))}


def run(results: Path | None = None, groups: int = 10, resamples: int = 50, halves: int = 10,
        seed: int = 0) -> dict[str, Any]:
    """Stability's storage and time, for a synthetic GoogLeNet class and a finished study."""
    builds = 1 + resamples + 2 * halves  # the graph, each resample, both halves of each split
    with tempfile.TemporaryDirectory() as tmp:
        out: dict[str, Any] = {"groups": groups, "resamples": resamples, "halves": halves,
                               "graph_builds_per_class": builds,
                               "googlenet": _googlenet_class(groups, builds, seed, Path(tmp))}
        if results:
            out["demo"] = _study(results, Path(tmp))
    return out


def table(r: dict[str, Any]) -> str:
    """Storage and rebuild time per class, and the study's, if measured."""
    g = r["googlenet"]
    lines = [f"stability: {r['groups']} groups, {r['resamples']} resamples + {r['halves']} "
             f"split halves = {r['graph_builds_per_class']} graph builds per class",
             f"GoogLeNet-size class (1300 images): tallies {g['tally_bytes']['grouped'] / 1e6:.1f}"
             f" MB per group-kept store vs {g['tally_bytes']['single'] / 1e6:.1f} MB summed; "
             f"{g['rebuild_seconds']:.2f} s per graph build, {g['seconds_per_class']:.0f} s per "
             f"class, {g['hours_for_1000_classes']:.1f} h for 1000 classes"]
    if "demo" in r:
        d = r["demo"]
        lines.append(
            f"study {d['results']} ({d['classes']} classes, {d['groups']} groups): tallies "
            f"{d['tally_bytes']['grouped'] / 1e6:.2f} MB vs {d['tally_bytes']['single'] / 1e6:.2f}"
            f" MB summed, of {d['store_bytes'] / 1e6:.1f} MB of stores; stability jobs "
            f"{d['stability_seconds']:.0f} s vs graph jobs {d['graph_seconds']:.0f} s and "
            f"aggregation {d['aggregate_seconds']:.0f} s")
    return "\n".join(lines)
