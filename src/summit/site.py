"""The static site's data: what the front-end in ``site/`` reads, written in one place.

Data contract (paths relative to the site root):

- ``data/study.json``: title, model, dataset, overall accuracy, primary layers (input side
  first), classes (id, name, n_images, accuracy, prob_hist, graph file, graph size) and the
  per-layer embedding (one [x, y] in [0, 1] per class, in ``classes`` order);
- ``data/graphs/<id>.json``: one class's attribution graph (class, layers, nodes with id,
  layer, channel, count, pagerank; edges with source in the lower layer, target, weight);
- ``data/stats/<id>.json``: the class's statistics (``summit.stats.class_stats``).
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any


def _read(path: Path) -> Any:
    return json.loads(path.read_text())


@dataclass(frozen=True)
class StudyFiles:
    """The workflow outputs the site is made from; graphs and stats in ``class_ids`` order."""

    model: Path
    structure: Path
    embedding: Path
    graphs: list[Path]
    stats: list[Path]


def study_summary(p: dict[str, Any], files: StudyFiles) -> dict[str, Any]:
    """The site's entry file, assembled from the model card, stats, graphs and embeddings."""
    model = _read(files.model)
    structure = _read(files.structure)
    classes, correct, total = [], 0, 0
    for cid, stats_file, graph_file in zip(p["class_ids"], files.stats, files.graphs,
                                           strict=True):
        stats, graph = _read(stats_file), _read(graph_file)
        classes.append({"id": cid, "name": p["class_names"][cid], "n_images": stats["n_images"],
                        "accuracy": stats["accuracy"], "prob_hist": stats["prob_hist"],
                        "graph": f"data/graphs/{cid}.json", "stats": f"data/stats/{cid}.json",
                        "n_vertices": len(graph["nodes"]), "n_edges": len(graph["edges"])})
        correct += round(stats["accuracy"] * stats["n_images"])
        total += stats["n_images"]
    e = _read(files.embedding)
    row = {cid: i for i, cid in enumerate(e["class_ids"])}
    embedding = {name: [xy[row[c["id"]]] for c in classes] for name, xy in e["layers"].items()}
    return {
        "title": p["title"],
        "model": {"name": model["name"], "kind": model["kind"],
                  "test_accuracy": model["test_accuracy"], "parameters": model["parameters"]},
        "dataset": {"name": p["dataset_name"], "n_images": total, "n_classes": len(classes)},
        "accuracy": correct / total if total else 0.0,
        "layers": [{"name": x["name"], "channels": x["channels"]} for x in structure["layers"]],
        "classes": classes,
        "embedding": embedding,
    }


def write_site(p: dict[str, Any], source: Path, files: StudyFiles, out: Path) -> None:
    """Copy the front-end and write the data files into ``out`` (replaced as a whole)."""
    tmp = out.with_name(out.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    shutil.copytree(source, tmp)
    data = tmp / "data"
    for sub, paths in (("graphs", files.graphs), ("stats", files.stats)):
        (data / sub).mkdir(parents=True, exist_ok=True)
        for cid, path in zip(p["class_ids"], paths, strict=True):
            shutil.copyfile(path, data / sub / f"{cid}.json")
    (data / "study.json").write_text(json.dumps(study_summary(p, files), ensure_ascii=False,
                                                separators=(",", ":")))
    shutil.rmtree(out, ignore_errors=True)
    tmp.rename(out)
