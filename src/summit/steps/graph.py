"""Stage ``graph``: one class's attribution graph (paper §6.3)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from summit.artifacts import ActivationCounts, ClassGraph, NonsemanticReport
from summit.settings import GraphSettings
from summit.steps import step
from summit.structure import Structure

if TYPE_CHECKING:
    from summit.graphs import FullGraph

log = logging.getLogger("summit")


def class_full_graph(p: dict[str, Any], structure: Path, store: Path, counts: list[Path],
                     nonsemantic: Path | None) -> tuple[int, FullGraph, dict[str, list[int]]]:
    """The class's whole-network graph, its class id and the channels left out of it."""
    from summit.graphs import full_graph
    from summit.store import ClassStore

    traced = Structure.load(structure)
    class_store = ClassStore(store)
    cid = class_store.class_id
    rows = {c.layer: c.row(cid) for c in map(ActivationCounts.load, counts)}
    g = GraphSettings.from_config(p["graph"])
    exclude = g.exclude_channels
    if nonsemantic:
        from summit.nonsemantic import merged_exclusions

        exclude = merged_exclusions(exclude, NonsemanticReport.load(nonsemantic).flagged)
        log.info("excluding channels %s", exclude)
    full = full_graph(traced, rows, class_store.tallies(), g.merged_edges_per_channel,
                      p["influence_k"], exclude)
    return cid, full, exclude


@step
def graph(p: dict[str, Any], *, structure: Path, store: Path, counts: list[Path],
          nonsemantic: Path | None, json: Path, graphml: Path) -> None:
    """One class's attribution graph: JSON for the site, GraphML for Gephi/Cytoscape."""
    from summit.graphs import attribution_graph, write_graphml

    cid, full, _ = class_full_graph(p, structure, store, counts, nonsemantic)
    result = ClassGraph(cls={"id": cid, "name": p["class_names"][cid]},
                        **attribution_graph(full, GraphSettings.from_config(p["graph"])))
    result.save(json)
    write_graphml(result.to_json(), graphml)
    log.info("class %d: %d vertices, %d edges", cid, len(result.nodes), len(result.edges))
