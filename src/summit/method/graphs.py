"""Attribution graphs (paper §6.3): the whole network as a graph per class, PageRank, extraction.

Vertices are the channels of all primary layers, personalised by each layer's A^l row scaled
to [0, 1]; edges are the class's influence tallies, with paths through hidden channels
(inception bottlenecks, residual convolutions) merged by the widest-path rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import scipy.sparse as sp

from summit.io.artifacts import ActivationCounts
from summit.io.reports import NonsemanticReport
from summit.io.store import ClassStore, group_sizes
from summit.method.pagerank import (
    entry_shares,
    extract_per_layer,
    extract_unified,
    keep_top_per_column,
    personalized_pagerank,
    widest_path_product,
)
from summit.method.resampling import weighted
from summit.model.structure import Block, Structure
from summit.settings import GraphSettings


def block_edges(block: Block, tallies: dict[str, np.ndarray], source_channels: int,
                target_channels: int, merged_per_channel: int | None,
                fallback: int) -> np.ndarray:
    """Edge weights of one block, source channel × target channel.

    Hops reading the source layer give their tallies directly. Hops reading a hidden node
    give max over its channels of min(weight into it, weight out of it). Of those merged
    edges only the ``merged_per_channel`` strongest per target channel are kept; by default
    as many as the mean number of direct edges per target channel (the authors' rule), or
    ``fallback`` where the block has no direct hop (e.g. two stacked convolutions).
    """

    def incoming(node: str, n_channels: int) -> tuple[np.ndarray, np.ndarray]:
        direct = np.zeros((source_channels, n_channels), np.int64)
        merged = np.zeros_like(direct)
        for hop in block.hops:
            if hop.target != node:
                continue
            counts = np.zeros((hop.in_channels, hop.out_channels), np.int64)
            counts[hop.pairs()] = tallies[hop.name]  # compact (grouped, identity) → dense
            cols = hop.targets()
            if hop.source == block.source:
                cells = np.ix_(hop.sources(), cols)
                direct[cells] = np.maximum(direct[cells], counts)
            else:
                merged[:, cols] = np.maximum(merged[:, cols], widest_path_product(
                    reach[hop.source][:, hop.sources()], counts))
        return direct, merged

    reach: dict[str, np.ndarray] = {}  # hidden node → widest-path weights from the source
    for node, n_channels in block.hidden.items():
        reach[node] = np.maximum(*incoming(node, n_channels))
    direct, merged = incoming(block.target, target_channels)
    if merged_per_channel is None:
        fed = (direct > 0).sum(axis=0)
        merged_per_channel = round(fed.sum() / (fed > 0).sum()) if fed.any() else fallback
    return np.maximum(direct, keep_top_per_column(merged, merged_per_channel))


@dataclass
class FullGraph:
    """One class's whole-network graph: vertex arrays and a symmetric sparse adjacency."""

    layers: list[str]
    layer_of: np.ndarray  # vertex → layer index (0 = input side)
    channel_of: np.ndarray  # vertex → channel within its layer
    counts: np.ndarray  # vertex → A^l count
    adjacency: sp.csr_array


def full_graph(structure: Structure, counts: dict[str, np.ndarray],
               tallies: dict[str, np.ndarray], merged_per_channel: int | None, fallback: int,
               exclude: dict[str, list[int]]) -> FullGraph:
    """Assemble the class's graph; excluded channels lose their edges and their count."""
    names = [x.name for x in structure.layers]
    sizes = [x.channels for x in structure.layers]
    offsets = np.concatenate([[0], np.cumsum(sizes)])
    layer_of = np.repeat(np.arange(len(names)), sizes)
    channel_of = np.concatenate([np.arange(n) for n in sizes])
    vertex_counts = np.concatenate([counts[n] for n in names]).astype(np.int64)
    excluded = np.zeros(len(layer_of), bool)
    for layer, channels in exclude.items():
        if layer in names:
            excluded[offsets[names.index(layer)] + np.asarray(channels, int)] = True
    vertex_counts[excluded] = 0
    rows, cols, weights = [], [], []
    for block in structure.blocks:
        s, t = names.index(block.source), names.index(block.target)
        w = block_edges(block, tallies, sizes[s], sizes[t], merged_per_channel, fallback)
        i, j = np.nonzero(w)
        rows.append(offsets[s] + i)
        cols.append(offsets[t] + j)
        weights.append(w[i, j])
    r, c, w = (np.concatenate(x) if x else np.zeros(0, int) for x in (rows, cols, weights))
    keep = ~(excluded[r] | excluded[c])
    r, c, w = r[keep], c[keep], w[keep].astype(np.float64)
    n = len(layer_of)
    adjacency = sp.csr_array((np.concatenate([w, w]), (np.concatenate([r, c]),
                                                       np.concatenate([c, r]))), shape=(n, n))
    return FullGraph(names, layer_of, channel_of, vertex_counts, adjacency)


def personalization(graph: FullGraph) -> np.ndarray:
    """A^l[class] / max A^l[class] per layer, so every layer weighs between 0 and 1."""
    p = graph.counts.astype(np.float64)
    for layer in range(len(graph.layers)):
        sel = graph.layer_of == layer
        top = p[sel].max(initial=0.0)
        p[sel] = p[sel] / top if top > 0 else 0.0
    return p


def attribution_graph(graph: FullGraph, settings: GraphSettings) -> dict[str, Any]:
    """PageRank over the full graph and extraction of the class's attribution graph.

    Every vertex carries its ``entry_share`` (``pagerank.entry_shares``). ``slider`` holds
    what the site's share slider needs beyond the graph: its ``range``, the configured
    ``share`` and the vertices entering below its top (``nodes``) with the edges they add
    (``edges``).
    """
    scores = personalized_pagerank(graph.adjacency, personalization(graph), settings.alpha,
                                   settings.max_iter, settings.tol, symmetric=True)
    eligible = (graph.counts > 0) | (graph.adjacency.sum(axis=1) > 0)
    kept = extract(scores, graph, settings.extraction, settings.share,
                   settings.unified_step) & eligible
    entry = entry_shares(scores, graph.layer_of, graph.adjacency, settings.extraction)
    low, high = min(settings.slider[0], settings.share), max(settings.slider[1], settings.share)
    shown = kept | (eligible & (entry < high))
    ids = {v: f"{graph.layers[graph.layer_of[v]]}:{graph.channel_of[v]}"
           for v in np.flatnonzero(shown)}

    def nodes(mask: np.ndarray) -> list[dict[str, Any]]:
        return [{"id": ids[v], "layer": graph.layers[graph.layer_of[v]],
                 "channel": int(graph.channel_of[v]), "count": int(graph.counts[v]),
                 "pagerank": float(scores[v]), "entry_share": round(float(entry[v]), 6)}
                for v in np.flatnonzero(mask)]

    in_graph = {ids[v] for v in np.flatnonzero(kept)}
    every = _edges(graph, shown, ids)
    inner = [e for e in every if e["source"] in in_graph and e["target"] in in_graph]
    added = [e for e in every if not (e["source"] in in_graph and e["target"] in in_graph)]
    return {"layers": graph.layers, "nodes": nodes(kept), "edges": inner,
            "slider": {"range": [low, high], "share": settings.share,
                       "nodes": nodes(shown & ~kept), "edges": added}}


def extract(scores: np.ndarray, graph: FullGraph, extraction: str, share: float,
            unified_step: float) -> np.ndarray:
    """The configured extraction's mask of kept vertices."""
    if extraction == "per_layer":
        return extract_per_layer(scores, graph.layer_of, share)
    return extract_unified(scores, graph.layer_of, graph.adjacency, share, unified_step)


def _edges(graph: FullGraph, mask: np.ndarray, ids: dict[int, str]) -> list[dict[str, Any]]:
    """The edges between vertices in ``mask``, lower layer first, in vertex order."""
    upper = sp.triu(graph.adjacency, format="coo")
    both = mask[upper.row] & mask[upper.col]  # filter before any per-edge Python work
    u, v, w = upper.row[both], upper.col[both], upper.data[both]
    order = np.lexsort((v, u))
    edges = []
    for a, b, weight in zip(u[order], v[order], w[order], strict=True):
        lo, hi = (a, b) if graph.layer_of[a] < graph.layer_of[b] else (b, a)
        edges.append({"source": ids[lo], "target": ids[hi], "weight": int(weight)})
    return edges


def write_graphml(graph: dict[str, Any], path: str | Path) -> None:
    """The extracted graph in GraphML, for Gephi and Cytoscape users."""
    g = nx.DiGraph(name=str(graph.get("class", {}).get("name", "")))
    for node in graph["nodes"]:
        g.add_node(node["id"], **{k: v for k, v in node.items() if k != "id"})
    for edge in graph["edges"]:
        g.add_edge(edge["source"], edge["target"], weight=edge["weight"])
    nx.write_graphml(g, path)


def merged_exclusions(configured: dict[str, list[int]],
                      detected: dict[str, list[int]]) -> dict[str, list[int]]:
    """Channels to leave out of the graphs: the configured ones plus the detected ones."""
    layers = sorted(set(configured) | set(detected))
    return {layer: sorted(set(configured.get(layer, [])) | set(detected.get(layer, [])))
            for layer in layers}


def exclusions(settings: GraphSettings, nonsemantic: Path | None) -> dict[str, list[int]]:
    """The channels every graph of the study leaves out: the configured ones, plus the
    non-semantic report's flagged ones when given."""
    if not nonsemantic:
        return settings.exclude_channels
    return merged_exclusions(settings.exclude_channels,
                             NonsemanticReport.load(nonsemantic).flagged)


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

    @classmethod
    def load(cls, structure: Path, store: Path, counts: list[Path], nonsemantic: Path | None,
             settings: GraphSettings, fallback: int) -> GraphInputs:
        """A class's inputs from its store and every layer's A^l per group (the graph,
        stability and faithfulness stages build from the same files); with ``nonsemantic``,
        its flagged channels are left out besides the configured ones."""
        store_ = ClassStore(store)
        cid = store_.class_id
        exclude = exclusions(settings, nonsemantic)
        images = group_sizes(len(store_.prediction("index")), store_.n_groups).tolist()
        return cls(cid, Structure.load(structure),
                   {c.layer: c.group_row(cid) for c in map(ActivationCounts.load, counts)},
                   store_.group_tallies(), images, exclude, settings.merged_edges_per_channel,
                   fallback)

    def full(self, weights: np.ndarray | None = None) -> FullGraph:
        """The whole-network graph of the groups weighted by ``weights`` (default: each once)."""
        w = np.ones(self.n_groups, np.int64) if weights is None else weights
        return full_graph(self.structure,
                          {k: weighted(v, w) for k, v in self.group_counts.items()},
                          {k: weighted(v, w) for k, v in self.group_tallies.items()},
                          self.merged_per_channel, self.fallback, self.exclude)
