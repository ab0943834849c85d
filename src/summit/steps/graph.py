"""Stage ``graph``: one class's attribution graph (paper §6.3)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from summit.artifacts import ActivationCounts, ClassGraph, NonsemanticReport
from summit.settings import GraphSettings
from summit.steps import step
from summit.structure import Structure

if TYPE_CHECKING:
    from summit.graphs import FullGraph

log = logging.getLogger("summit")


@dataclass
class GraphInputs:
    """What a class's graph is built from, per image group, so that any multiset of the
    groups (a bootstrap resample) gives a graph without another pass."""

    class_id: int
    structure: Structure
    group_counts: dict[str, np.ndarray]  # layer → groups × channels
    group_tallies: dict[str, np.ndarray]  # hop → groups × in × out
    group_images: list[int]
    exclude: dict[str, list[int]]
    merged_per_channel: int | None
    fallback: int

    @property
    def n_groups(self) -> int:
        return len(next(iter(self.group_counts.values())))

    def full(self, weights: np.ndarray | None = None) -> FullGraph:
        """The whole-network graph of the groups weighted by ``weights`` (default: each once)."""
        from summit.graphs import full_graph
        from summit.stability import weighted

        w = np.ones(self.n_groups, np.int64) if weights is None else weights
        return full_graph(self.structure,
                          {k: weighted(v, w) for k, v in self.group_counts.items()},
                          {k: weighted(v, w) for k, v in self.group_tallies.items()},
                          self.merged_per_channel, self.fallback, self.exclude)


def class_graph_inputs(p: dict[str, Any], structure: Path, store: Path, counts: list[Path],
                       nonsemantic: Path | None) -> GraphInputs:
    """The class's graph inputs and the channels left out of its graph."""
    from summit.store import ClassStore, group_sizes

    class_store = ClassStore(store)
    cid = class_store.class_id
    rows = {c.layer: c.group_row(cid) for c in map(ActivationCounts.load, counts)}
    g = GraphSettings.from_config(p["graph"])
    exclude = g.exclude_channels
    if nonsemantic:
        from summit.nonsemantic import merged_exclusions

        exclude = merged_exclusions(exclude, NonsemanticReport.load(nonsemantic).flagged)
        log.info("excluding channels %s", exclude)
    n_groups = class_store.n_groups
    images = group_sizes(len(class_store.prediction("index")), n_groups).tolist()
    return GraphInputs(cid, Structure.load(structure), rows, class_store.group_tallies(),
                       images, exclude, g.merged_edges_per_channel, p["influence_k"])


@step
def graph(p: dict[str, Any], *, structure: Path, store: Path, counts: list[Path],
          nonsemantic: Path | None, json: Path, graphml: Path) -> None:
    """One class's attribution graph: JSON for the site, GraphML for Gephi/Cytoscape."""
    from summit.graphs import attribution_graph, write_graphml

    inputs = class_graph_inputs(p, structure, store, counts, nonsemantic)
    cid = inputs.class_id
    result = ClassGraph(cls={"id": cid, "name": p["class_names"][cid]},
                        **attribution_graph(inputs.full(), GraphSettings.from_config(p["graph"])))
    result.save(json)
    write_graphml(result.to_json(), graphml)
    log.info("class %d: %d vertices, %d edges", cid, len(result.nodes), len(result.edges))
