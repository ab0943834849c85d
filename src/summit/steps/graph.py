"""Stage ``graph``: one class's attribution graph (paper §6.3)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from summit.io.artifacts import ClassGraph
from summit.settings import GraphSettings
from summit.steps import step

log = logging.getLogger("summit")


@step
def graph(p: dict[str, Any], *, structure: Path, store: Path, counts: list[Path],
          nonsemantic: Path | None, json: Path, graphml: Path) -> None:
    """One class's attribution graph: JSON for the site, GraphML for Gephi/Cytoscape."""
    from summit.method.graphs import GraphInputs, attribution_graph, write_graphml

    inputs = GraphInputs.load(structure, store, counts, nonsemantic,
                              GraphSettings.from_config(p["graph"]), p["influence_k"])
    if nonsemantic:
        log.info("excluding channels %s", inputs.exclude)
    cid = inputs.class_id
    result = ClassGraph(cls={"id": cid, "name": p["class_names"][cid]},
                        **attribution_graph(inputs.full(), GraphSettings.from_config(p["graph"])))
    result.save(json)
    write_graphml(result.to_json(), graphml)
    log.info("class %d: %d vertices, %d edges", cid, len(result.nodes), len(result.edges))
