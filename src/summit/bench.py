"""Benchmarks of the two heavy stages, with the numbers the README reports.

``python -m summit.bench aggregation`` runs, in one process on the same images, torchvision's
GoogLeNet
(architecture only, or real weights with ``--weights``) at 224×224:

- (a) a plain inference forward pass;
- (b) the project's aggregation pass (``Aggregator``): channel maxima of the 9 mixed layers,
  exact influence tallies of every hop, predictions and dataset-example candidates;
- (c) a port of the authors' approach on the same hooks: for every branch convolution, a
  depthwise convolution producing all input × output channel maps at stride 1, then their
  spatial max, tallied the same way;

and prints a table and one JSON line: images per second, the ratios b/a and c/b, peak memory
of each phase, and the largest difference between (b)'s and (c)'s influences (GoogLeNet's
branch convolutions have stride 1, so both are exact there and must agree).

``python -m summit.bench graphs`` times the graph stage for 1000 synthetic classes of
GoogLeNet size (tallies drawn per hop, ~5.5 k vertices and up to ~250 k edges per class):
assembling each class's graph from its tallies, then PageRank and extraction, and checks a
few classes against ``networkx.pagerank`` (largest score difference, same extracted vertices),
printing the speed-up.

``python -m summit.bench analyses`` extracts the attribution graphs of synthetic GoogLeNet
classes the same way and times the analyses that read all graphs at once: the vertex
Jaccard of every pair of classes and motif mining (at ``--min-classes``).

``python -m summit.bench faithfulness`` reports the faithfulness stage's cost: on a finished
study (``--results``, e.g. the demo's ``results``) its jobs' times from the run's benchmark
files next to the per-class aggregation's; and an estimate for ImageNet with InceptionV1 at
224×224 (``--class-images`` per class, default 50; 1000 classes; graphs of ``--vertices``, default
56, the median of the authors' published graphs): the stage's conditions for one class are
planned with the schema's defaults, the rest of the network after each layer is timed on
stacked conditions, and so is the aggregation pass over 1300 images (ImageNet's per class).

``python -m summit.bench stability`` reports what stability costs: the class stores' growth
from keeping the tallies per image group (the same tallies written with ``--groups`` groups
and with one), and the time of rebuilding a class's graph for every bootstrap resample and
split half (``--resamples``, ``--halves``), for one synthetic GoogLeNet class (a 1300-image
class's tallies, each mark filed under a random group) and, with ``--results``, for a
finished study (its stores, and its stability jobs' times from the benchmark files next to
the graph and aggregation jobs').

``python -m summit.bench families`` runs one member of every torchvision CNN family at 224
px (random weights, ``layers: auto``): a plain forward pass and the Summit pass on the same
images, and their ratio; ``--readme README.md`` writes the README's table of families.

Without a sub-command all but ``families`` run (``faithfulness`` without ``--results`` only
estimates).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from summit.aggregate import Aggregator
from summit.graphs import FullGraph, attribution_graph, full_graph, personalization
from summit.hops import trace_structure
from summit.influence import FoldedConv
from summit.pagerank import extract_per_layer, personalized_pagerank
from summit.settings import ExamplesSettings, GraphSettings, InfluenceSettings, MotifsSettings
from summit.structure import IDENTITY, Structure

GOOGLENET_LAYERS = ["inception3a", "inception3b", "inception4a", "inception4b", "inception4c",
                    "inception4d", "inception4e", "inception5a", "inception5b"]
_DEPTHWISE_CHUNK = 32 * 1024 * 1024  # floats per depthwise output block (128 MB)
_INFLUENCE = InfluenceSettings.defaults()  # the study's defaults (config.schema.yaml)
_EXAMPLES = ExamplesSettings.defaults()


def googlenet(weights: str | Path | None = None) -> nn.Module:
    """torchvision's GoogLeNet in eval mode; random weights unless a state dict is given."""
    import torchvision

    model = torchvision.models.googlenet(weights=None, aux_logits=False, init_weights=True)
    if weights:
        state = torch.load(weights, map_location="cpu", weights_only=True)
        state = {k: v for k, v in state.items() if not k.startswith(("aux1.", "aux2."))}
        model.load_state_dict(state)
    return model.eval()


def depthwise_influence_max(x: torch.Tensor, fc: FoldedConv) -> torch.Tensor:
    """The authors' way: one depthwise convolution with channel multiplier C_out yields every
    map X_i ∗ K_{j,i} at stride 1; their spatial max is the influence. (B, C_in, C_out)."""
    c_out, c_in, kh, kw = fc.weight.shape
    xp = F.pad(x, fc.padding)
    batch, _, h, w = xp.shape
    n_pos = (h - fc.dilation[0] * (kh - 1)) * (w - fc.dilation[1] * (kw - 1))
    step = max(1, _DEPTHWISE_CHUNK // max(1, batch * n_pos * c_out))
    kernels = fc.weight.transpose(0, 1).reshape(c_in * c_out, 1, kh, kw)  # row i·C_out + j
    out = []
    for i in range(0, c_in, step):
        n = min(step, c_in - i)
        maps = F.conv2d(xp[:, i:i + n], kernels[i * c_out:(i + n) * c_out],
                        dilation=fc.dilation, groups=n)
        out.append(maps.amax(dim=(2, 3)).view(batch, n, c_out))
    return torch.cat(out, dim=1)


class DepthwiseAggregator(Aggregator):
    """The aggregation pass with every hop's influences computed the authors' way."""

    def _conv_hook(self, hops: list[str], linear: bool):
        def hook(module: nn.Module, inputs: tuple[torch.Tensor, ...], output: Any) -> None:
            for hop in hops:
                self.influences[hop] = depthwise_influence_max(inputs[0], self.folded[hop])
        return hook


def reset_peak_memory(device: torch.device) -> None:
    """Start a new peak: CUDA's allocator statistics, or Linux's resident-set high-water mark."""
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
        return
    with contextlib.suppress(OSError):  # not Linux: the peak covers the whole process so far
        Path("/proc/self/clear_refs").write_text("5")


def peak_memory(device: torch.device) -> int:
    """Bytes: peak CUDA allocation, or peak resident set size of this process."""
    if device.type == "cuda":
        return torch.cuda.max_memory_allocated(device)
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _timed(device: torch.device, batches: list[torch.Tensor],
           step: Callable[[torch.Tensor, torch.Tensor], Any]) -> dict[str, float]:
    """Run ``step`` over all batches after one warm-up batch; time and peak memory."""
    step(batches[0], torch.arange(len(batches[0]), device=device))
    reset_peak_memory(device)
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    start, seen = time.perf_counter(), 0
    for b in batches:
        step(b, torch.arange(seen, seen + len(b), device=device))
        seen += len(b)
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "images_per_second": seen / seconds,
            "peak_memory_mb": peak_memory(device) / 2**20}


def run(n_images: int = 64, batch_size: int = 32, weights: str | None = None,
        device: str = "auto", threads: int | None = None, k: int = _INFLUENCE.k,
        n_examples: int = _EXAMPLES.n, seed: int = 0) -> dict[str, Any]:
    """Measure (a), (b) and (c) on the same random 224×224 images; see the module doc."""
    from summit.models import select_device

    torch.set_flush_denormal(True)
    if threads:
        torch.set_num_threads(threads)
    dev = select_device(device)
    model = googlenet(weights)
    structure = trace_structure(model, GOOGLENET_LAYERS, torch.zeros(1, 3, 224, 224))
    model = model.to(dev)
    gen = torch.Generator().manual_seed(seed)
    images = torch.rand(n_images, 3, 224, 224, generator=gen)
    mean = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
    std = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)
    batches = [((images[i:i + batch_size] - mean) / std).to(dev)
               for i in range(0, n_images, batch_size)]

    @torch.inference_mode()
    def forward(x: torch.Tensor, ids: torch.Tensor) -> None:
        model(x)

    def summarise(agg: Aggregator) -> Callable[[torch.Tensor, torch.Tensor], Any]:
        def step(x: torch.Tensor, ids: torch.Tensor) -> None:
            maxima, logits = agg.step(x, ids)
            probs = torch.softmax(logits.float(), dim=1)
            for z in maxima.values():  # what a job copies out to write
                z.float().cpu()
            probs.argmax(dim=1).cpu()
        return step

    result: dict[str, Any] = {
        "model": "torchvision googlenet" + (" (weights)" if weights else " (architecture)"),
        "device": str(dev), "threads": torch.get_num_threads(), "images": n_images,
        "batch_size": batch_size, "hops": len(structure.hops()),
        "conv_hops": sum(1 for h in structure.hops() if h.conv != IDENTITY)}
    result["a_forward"] = _timed(dev, batches, forward)
    ours = Aggregator(model, structure, 1, k, 0.0, n_examples)
    result["b_summit"] = _timed(dev, batches, summarise(ours))
    ours_influences = {h: v.clone() for h, v in ours.influences.items()}
    ours.close()
    theirs = DepthwiseAggregator(model, structure, 1, k, 0.0, n_examples)
    result["c_depthwise"] = _timed(dev, batches, summarise(theirs))
    result["max_influence_difference"] = max(
        float((theirs.influences[h] - v).abs().max()) for h, v in ours_influences.items())
    theirs.close()
    result["b_over_a"] = result["b_summit"]["seconds"] / result["a_forward"]["seconds"]
    result["c_over_b"] = result["c_depthwise"]["seconds"] / result["b_summit"]["seconds"]
    return result


# One member per family (the common size), benchmarked at 224 px (inception_v3: 299 px).
FAMILY_MODELS = {
    "alexnet": "alexnet", "vgg": "vgg16", "resnet": "resnet50", "resnext": "resnext50_32x4d",
    "wide_resnet": "wide_resnet50_2", "googlenet": "googlenet", "inception_v3": "inception_v3",
    "densenet": "densenet121", "squeezenet": "squeezenet1_1", "mobilenet_v2": "mobilenet_v2",
    "mobilenet_v3": "mobilenet_v3_large", "mnasnet": "mnasnet1_0",
    "shufflenet_v2": "shufflenet_v2_x1_0", "efficientnet": "efficientnet_b0",
    "efficientnet_v2": "efficientnet_v2_s", "regnet": "regnet_y_1_6gf",
    "convnext": "convnext_tiny",
}
# Where a family's blocks hold an operation the paper's method does not define, the
# convention (README, "What it computes"); tested in tests/test_families.py.
FAMILY_CONVENTIONS = {
    "alexnet": "—", "vgg": "—",
    "resnet": "skip: one more candidate (the source channel's max)",
    "resnext": "skip; grouped 3×3: block-diagonal tallies",
    "wide_resnet": "skip",
    "googlenet": "branch max-pool on the input side",
    "inception_v3": "branch max- and average-pools on the input side",
    "densenet": "a feature read by several later layers: one hop per reader; pre-activation "
                "batch norm on the input side; transition average-pool: measured before it",
    "squeezenet": "—",
    "mobilenet_v2": "depthwise: one candidate per output; skip",
    "mobilenet_v3": "depthwise; squeeze-excitation gate: a per-image channel scale, no edge; "
                    "Hardswish element-wise",
    "mnasnet": "depthwise; skip",
    "shufflenet_v2": "chunk and channel shuffle followed as channel permutations",
    "efficientnet": "depthwise; gate; stochastic depth = identity (eval)",
    "efficientnet_v2": "depthwise; gate; stochastic depth; fused blocks are plain convolutions",
    "regnet": "grouped 3×3; gate; skip",
    "convnext": "Linear on channels-last = 1×1 conv; layer scale folded; LayerNorm over "
                "channels: a per-position scale, no edge",
}


def run_families(n_images: int = 16, batch_size: int = 16, device: str = "auto",
                 threads: int | None = None, size: int = 224,
                 only: list[str] | None = None, repeats: int = 3) -> dict[str, Any]:
    """Per family: ``layers: auto``, a plain forward pass and the Summit pass (maxima,
    influence tallies in 10 image groups, dataset-example candidates) on the same random
    images, random weights, alternating, ``repeats`` times; the ratio of the fastest of
    each."""
    import warnings

    import torchvision

    from summit.layers import auto_layers, candidates
    from summit.models import select_device

    torch.set_flush_denormal(True)
    if threads:
        torch.set_num_threads(threads)
    dev = select_device(device)
    out: dict[str, Any] = {}
    for family, arch in FAMILY_MODELS.items():
        if only and family not in only:
            continue
        torch.manual_seed(0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # inception_v3's init-weights notice
            model = torchvision.models.get_model(arch, weights=None).eval()
        px = round(size * 299 / 224) if family == "inception_v3" else size
        example = torch.zeros(1, 3, px, px)
        layers = auto_layers(candidates(model, example))
        structure = trace_structure(model, layers, example)
        model = model.to(dev)
        images = torch.rand(n_images, 3, px, px, generator=torch.Generator().manual_seed(0))
        batches = [images[i:i + batch_size].to(dev) for i in range(0, n_images, batch_size)]

        @torch.inference_mode()
        def forward(x: torch.Tensor, ids: torch.Tensor, model: nn.Module = model) -> None:
            model(x)

        agg = Aggregator(model, structure, 1, _INFLUENCE.k, 0.0, _EXAMPLES.n, n_groups=10)

        def summit(x: torch.Tensor, ids: torch.Tensor, agg: Aggregator = agg) -> None:
            agg.step(x, ids, [i % 10 for i in range(len(x))])

        # Alternating phases, the fastest of `repeats` runs each: what a burst of another
        # process's work adds to one run does not pass for either phase's cost.
        seconds: dict[str, list[float]] = {"forward": [], "summit": []}
        for _ in range(repeats):
            for phase, step in (("forward", forward), ("summit", summit)):
                seconds[phase].append(_timed(dev, batches, step)["seconds"])
        agg.close()
        a, b = min(seconds["forward"]), min(seconds["summit"])
        out[family] = {"model": arch, "size": px, "layers": layers,
                       "hops": len(structure.hops()), "seconds": seconds, "ratio": b / a}
        print(f"{family:<16}{arch:<20}{len(layers):>4} layers {len(structure.hops()):>5} hops "
              f"forward {n_images / a:7.1f}/s  Summit {n_images / b:7.1f}/s"
              f"  ratio {b / a:.2f}", flush=True)
    return {"device": str(dev), "threads": torch.get_num_threads(), "images": n_images,
            "batch_size": batch_size, "repeats": repeats, "families": out}


def families_table(r: dict[str, Any]) -> str:
    """The README's table of families: default layers, exactness, convention, cost."""
    rows = ["| family | benchmarked | `layers: auto` | exact | convention | pass / forward |",
            "|---|---|---|---|---|---|"]
    for family, x in r["families"].items():
        layers = x["layers"]
        rows.append(f"| {family} | `{x['model']}` ({x['size']} px) | {len(layers)}: "
                    f"`{layers[0]}` … `{layers[-1]}` | yes | {FAMILY_CONVENTIONS[family]} | "
                    f"{x['ratio']:.2f} |")
    return "\n".join(rows) + (
        f"\n\nPass / forward: the Summit pass (channel maxima, influence tallies in 10 image "
        f"groups, dataset-example candidates) over a plain forward pass on the same "
        f"{r['images']} random images (batch {r['batch_size']}, random weights, "
        f"{r['device']}, {r['threads']} threads), the fastest of {r['repeats']} alternating "
        f"runs of each, written by "
        f"`python -m summit.bench families --readme README.md`.\n")


def synthetic_class(rng: np.random.Generator, structure: Structure, n_images: int = 1300,
                    k: int = _INFLUENCE.k, inputs_per_output: tuple[int, int] = (12, 64)
                    ) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """A class's A^l rows and influence tallies with the shape of real ones: each output
    channel draws its inputs from a few popular channels plus noise, and its ``k × n_images``
    marks over them with a long tail."""
    counts = {x.name: rng.poisson(rng.gamma(0.4, 60, x.channels)).astype(np.int64)
              for x in structure.layers}
    tallies = {}
    for hop in structure.hops():
        c_in, c_out = hop.in_channels, hop.out_channels
        popularity = rng.gamma(0.3, 1.0, c_in) + 1e-6
        m = min(c_in, int(rng.integers(*inputs_per_output)))
        # m draws per output channel, popular inputs more often (repeats merge: ≤ m inputs).
        rows = rng.choice(c_in, size=(m, c_out), p=popularity / popularity.sum())
        share = rng.gamma(0.5, 1.0, (m, c_out))
        marks = np.maximum(1, np.floor(share / share.sum(axis=0) * k * n_images)).astype(np.int64)
        t = np.zeros((c_in, c_out), np.int64)
        t[rows, np.arange(c_out)[None, :]] = marks
        tallies[hop.name] = t
    return counts, tallies


def _full_graph(structure: Structure, counts: dict[str, np.ndarray],
                tallies: dict[str, np.ndarray]) -> FullGraph:
    """A class's graph assembled with the default settings (config keys graph and influence)."""
    g = GraphSettings.defaults()
    return full_graph(structure, counts, tallies, g.merged_edges_per_channel, _INFLUENCE.k,
                      g.exclude_channels)


def _networkx_scores(graph: FullGraph, p: np.ndarray, cfg: GraphSettings) -> np.ndarray:
    import networkx as nx

    g = nx.from_scipy_sparse_array(graph.adjacency)  # undirected, weights as "weight"
    pr = nx.pagerank(g, alpha=cfg.alpha, personalization=dict(enumerate(p)),
                     max_iter=cfg.max_iter, tol=cfg.tol, weight="weight")
    return np.array([pr[v] for v in range(graph.adjacency.shape[0])])


def run_graphs(n_classes: int = 1000, n_check: int = 3, seed: int = 0) -> dict[str, Any]:
    """Time graph assembly and PageRank + extraction for synthetic GoogLeNet classes."""
    n_check = min(n_check, n_classes)  # the classes actually checked, for the report
    cfg = GraphSettings.defaults()
    structure = trace_structure(googlenet(), GOOGLENET_LAYERS, torch.zeros(1, 3, 224, 224))
    rng = np.random.default_rng(seed)
    assemble = rank = 0.0
    edges, differences, same_vertices, nx_seconds, our_seconds = [], [], [], 0.0, 0.0
    for c in range(n_classes):
        counts, tallies = synthetic_class(rng, structure)
        t0 = time.perf_counter()
        graph = _full_graph(structure, counts, tallies)
        t1 = time.perf_counter()
        result = attribution_graph(graph, cfg)
        t2 = time.perf_counter()
        assemble, rank = assemble + t1 - t0, rank + t2 - t1
        edges.append(graph.adjacency.nnz // 2)
        if c < n_check:
            p = personalization(graph)
            t3 = time.perf_counter()
            ours = personalized_pagerank(graph.adjacency, p, cfg.alpha, cfg.max_iter, cfg.tol,
                                         symmetric=True)
            t4 = time.perf_counter()
            ref = _networkx_scores(graph, p, cfg)
            nx_seconds += time.perf_counter() - t4
            our_seconds += t4 - t3
            differences.append(float(np.abs(ours - ref).max()))
            kept_ref = extract_per_layer(ref, graph.layer_of, cfg.share)
            same_vertices.append({n["id"] for n in result["nodes"]} == {
                f"{graph.layers[graph.layer_of[v]]}:{graph.channel_of[v]}"
                for v in np.flatnonzero(kept_ref)})
    return {"classes": n_classes, "vertices": int(graph.adjacency.shape[0]),
            "edges_mean": float(np.mean(edges)), "edges_max": int(np.max(edges)),
            "assemble_seconds": assemble, "pagerank_extraction_seconds": rank,
            "checked_classes": n_check, "max_score_difference": max(differences, default=0.0),
            "same_vertices_as_networkx": all(same_vertices),
            "networkx_pagerank_seconds_per_class": nx_seconds / max(1, n_check),
            "our_pagerank_seconds_per_class": our_seconds / max(1, n_check),
            "speedup_over_networkx": nx_seconds / max(our_seconds, 1e-12)}


def run_analyses(n_classes: int = 1000, min_classes: int = 3, seed: int = 0) -> dict[str, Any]:
    """Time class-pair similarity and motif mining over synthetic GoogLeNet class graphs."""
    from summit.class_comparison import vertex_jaccard
    from summit.motifs import report

    cfg = GraphSettings.defaults()
    structure = trace_structure(googlenet(), GOOGLENET_LAYERS, torch.zeros(1, 3, 224, 224))
    rng = np.random.default_rng(seed)
    graphs = []
    for c in range(n_classes):
        counts, tallies = synthetic_class(rng, structure)
        g = attribution_graph(_full_graph(structure, counts, tallies), cfg)
        graphs.append({"class": {"id": c, "name": str(c)}, **g})
    t0 = time.perf_counter()
    vertex_jaccard(graphs)
    t1 = time.perf_counter()
    motifs = report(graphs, {**asdict(MotifsSettings.defaults()),
                             "min_classes": min_classes, "max_share": 0.5})
    t2 = time.perf_counter()
    return {"classes": n_classes, "vertices_mean": float(np.mean([len(g["nodes"])
                                                                  for g in graphs])),
            "edges_mean": float(np.mean([len(g["edges"]) for g in graphs])),
            "pair_similarity_seconds": t1 - t0, "min_classes": min_classes,
            "motifs": len(motifs["motifs"]), "groups": len(motifs["groups"]),
            "motif_seconds": t2 - t1}


def _study_benchmarks(results: Path) -> dict[str, Any]:
    """The seconds of a finished study's aggregate and faithfulness jobs (Snakemake's
    benchmark files: the first column of the last row)."""
    def seconds(pattern: str) -> list[float]:
        return [float(f.read_text().splitlines()[-1].split("\t")[0])
                for f in sorted((results / "benchmarks").glob(pattern))]

    aggregate, faith = seconds("aggregate/*.tsv"), seconds("faithfulness/*.tsv")
    reference = sum(seconds("faithfulness_reference.tsv"))
    if not aggregate or not faith:
        raise SystemExit(f"{results}: no aggregate or faithfulness benchmark files; run the "
                         "study first (snakemake --cores all)")
    return {"results": str(results), "classes": len(faith),
            "aggregate_seconds": sum(aggregate), "faithfulness_seconds": sum(faith),
            "reference_seconds": reference,
            "faithfulness_over_aggregate": (sum(faith) + reference) / sum(aggregate)}


def _tally_bytes(group_tallies: dict[str, np.ndarray], directory: Path) -> dict[str, int]:
    """Bytes on disk of a class store's tallies kept per group, and summed into one group."""
    import shutil

    from summit.store import open_class_store

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
        attribution_graph(_full_graph(structure, counts, tallies), cfg)
    return (time.perf_counter() - t) / repeats


def run_stability(results: Path | None = None, groups: int = 10, resamples: int = 50,
                  halves: int = 10, seed: int = 0) -> dict[str, Any]:
    """Stability's storage and time, for a synthetic GoogLeNet class and a finished study."""
    import tempfile

    from summit.store import ClassStore

    builds = 1 + resamples + 2 * halves  # the graph, each resample, both halves of each split
    structure = trace_structure(googlenet(), GOOGLENET_LAYERS, torch.zeros(1, 3, 224, 224))
    rng = np.random.default_rng(seed)
    counts, tallies = synthetic_class(rng, structure)
    split = {k: np.moveaxis(rng.multinomial(t.ravel(), np.full(groups, 1 / groups)), -1, 0)
             .reshape(groups, *t.shape) for k, t in tallies.items()}
    with tempfile.TemporaryDirectory() as tmp:
        googlenet_bytes = _tally_bytes(split, Path(tmp))
        rebuild = _rebuild_seconds(structure, counts, tallies)
        out: dict[str, Any] = {"groups": groups, "resamples": resamples, "halves": halves,
                               "graph_builds_per_class": builds, "googlenet": {
                                   "tally_bytes": googlenet_bytes,
                                   "rebuild_seconds": rebuild,
                                   "seconds_per_class": builds * rebuild,
                                   "hours_for_1000_classes": 1000 * builds * rebuild / 3600}}
        if results:
            stores = [ClassStore(p) for p in sorted((results / "aggregate").glob("*.zarr"))]
            if not stores:
                raise SystemExit(f"{results}: no class stores; run the study first")
            sizes = [_tally_bytes(s.group_tallies(), Path(tmp)) for s in stores]
            store_bytes = sum(f.stat().st_size for s in stores for f in s.path.rglob("*")
                              if f.is_file())

            def seconds(pattern: str) -> float:
                return sum(float(f.read_text().splitlines()[-1].split("\t")[0])
                           for f in (results / "benchmarks").glob(pattern))

            out["demo"] = {"results": str(results), "classes": len(stores),
                           "groups": stores[0].n_groups,
                           "tally_bytes": {k: sum(x[k] for x in sizes)
                                           for k in ("grouped", "single")},
                           "store_bytes": store_bytes,
                           "stability_seconds": seconds("stability/*.tsv"),
                           "graph_seconds": seconds("graph/*.tsv"),
                           "aggregate_seconds": seconds("aggregate/*.tsv")}
    return out


def _stability_table(r: dict[str, Any]) -> str:
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


def run_faithfulness(n_images: int = 50, vertices: int = 56, device: str = "auto",
                     threads: int | None = None, probe: int = 4, batch_size: int = 8,
                     seed: int = 0) -> dict[str, Any]:
    """Estimate the faithfulness stage on ImageNet with InceptionV1, timing ``probe`` images
    under 8 stacked conditions from each start layer (and the aggregation pass on ``probe``
    images in batches of ``batch_size``); see the module doc."""
    from summit.faithfulness import ClassInputs, Evidence
    from summit.interventions import Intervener
    from summit.models import select_device
    from summit.settings import FaithfulnessSettings

    torch.set_flush_denormal(True)
    if threads:
        torch.set_num_threads(threads)
    dev = select_device(device)
    s = FaithfulnessSettings.defaults()
    model = googlenet()
    structure = trace_structure(model, GOOGLENET_LAYERS, torch.zeros(1, 3, 224, 224))
    model = model.to(dev)
    rng = np.random.default_rng(seed)
    channels = {x.name: x.channels for x in structure.layers}
    per_layer = np.array_split(np.arange(vertices), len(channels))
    graph = [(f"{layer}:{c}", 1.0 / (1 + i)) for (layer, n), part in zip(
        channels.items(), per_layer, strict=True)
        for i, c in enumerate(rng.choice(n, len(part), replace=False))]
    graph.sort(key=lambda v: -v[1])
    evidence = Evidence(ClassInputs(channels, {k: rng.integers(0, 1300, n) for k, n in
                                               channels.items()}, {},
                                    {"per_layer": graph, "unified": graph[:-vertices // 10]}),
                        s, class_id=0)
    baselines = {x.name: torch.zeros(x.channels, x.height, x.width, device=dev)
                 for x in structure.layers}
    intervener = Intervener(model, list(channels), baselines)
    starts: dict[str, list] = {}
    for c in evidence.plan.conditions:
        starts.setdefault(intervener.start_layer(c), []).append(c)
    images = torch.randn(probe, 3, 224, 224, device=dev)
    shared = intervener.prefix(images)
    rates = {}
    for layer, conditions in starts.items():
        batch = conditions[:8]
        intervener.run(shared, layer, batch)  # warm-up
        t = time.perf_counter()
        intervener.run(shared, layer, batch)
        rates[layer] = len(batch) * len(images) / (time.perf_counter() - t)
    t = time.perf_counter()
    intervener.prefix(images)
    prefix_rate = len(images) / (time.perf_counter() - t)
    seconds = (sum(len(c) * n_images / rates[x] for x, c in starts.items())
               + n_images / prefix_rate)
    specificity = (3 * s.specificity_classes * s.specificity_images
                   / rates[GOOGLENET_LAYERS[0]]
                   + s.specificity_classes * s.specificity_images / prefix_rate)
    aggregation = run(probe, batch_size, None, device, threads)["b_summit"]["images_per_second"]
    return {"device": str(dev), "threads": torch.get_num_threads(), "images": n_images,
            "vertices": vertices, "conditions": len(evidence.plan.conditions),
            "conditions_per_start": {x: len(c) for x, c in starts.items()},
            "condition_images_per_second": rates,
            "seconds_per_class": seconds + specificity,
            "specificity_seconds_per_class": specificity,
            "aggregation_seconds_per_class": 1300 / aggregation,
            "hours_for_1000_classes": 1000 * (seconds + specificity) / 3600}


def _faithfulness_table(r: dict[str, Any]) -> str:
    lines = []
    if "demo" in r:
        d = r["demo"]
        lines.append(f"study {d['results']}: faithfulness {d['faithfulness_seconds']:.0f} s "
                     f"+ reference {d['reference_seconds']:.0f} s for {d['classes']} classes, "
                     f"aggregation {d['aggregate_seconds']:.0f} s; ratio "
                     f"{d['faithfulness_over_aggregate']:.2f}")
    e = r["imagenet"]
    lines.append(
        f"ImageNet estimate (InceptionV1, {e['device']}, {e['threads']} threads): "
        f"{e['conditions']} conditions × {e['images']} images per class "
        f"({e['vertices']}-vertex graphs): {e['seconds_per_class']:.0f} s per class "
        f"(of which specificity {e['specificity_seconds_per_class']:.0f} s) vs aggregation "
        f"{e['aggregation_seconds_per_class']:.0f} s (1300 images); 1000 classes: "
        f"{e['hours_for_1000_classes']:.0f} h")
    return "\n".join(lines)


def _analyses_table(r: dict[str, Any]) -> str:
    return "\n".join([
        f"analyses: {r['classes']} synthetic GoogLeNet class graphs, {r['vertices_mean']:.0f} "
        f"vertices and {r['edges_mean']:.0f} edges on average",
        f"vertex Jaccard of all pairs: {r['pair_similarity_seconds']:.2f} s",
        f"motifs (groups of {r['min_classes']}+ classes): {r['motifs']} motifs in "
        f"{r['groups']} groups, {r['motif_seconds']:.1f} s"])


def _graphs_table(r: dict[str, Any]) -> str:
    return "\n".join([
        f"graph stage: {r['classes']} synthetic GoogLeNet classes, {r['vertices']} vertices, "
        f"edges mean {r['edges_mean']:.0f}, max {r['edges_max']}",
        f"assembling graphs from tallies (widest-path merge): {r['assemble_seconds']:.1f} s",
        f"PageRank + extraction: {r['pagerank_extraction_seconds']:.1f} s in total",
        f"PageRank vs networkx on {r['checked_classes']} classes: "
        f"{r['our_pagerank_seconds_per_class'] * 1000:.1f} ms vs "
        f"{r['networkx_pagerank_seconds_per_class'] * 1000:.0f} ms per class, "
        f"speed-up {r['speedup_over_networkx']:.0f}x; max |score difference| "
        f"{r['max_score_difference']:.1e}; same vertices: {r['same_vertices_as_networkx']}"])


def _table(r: dict[str, Any]) -> str:
    rows = [("(a) forward pass", r["a_forward"]), ("(b) Summit aggregation", r["b_summit"]),
            ("(c) authors' depthwise", r["c_depthwise"])]
    lines = [f"{r['model']} on {r['device']} ({r['threads']} threads), {r['images']} images "
             f"at 224x224, batch {r['batch_size']}",
             f"{'phase':<26}{'images/s':>10}{'seconds':>10}{'peak MB':>10}"]
    lines += [f"{name:<26}{x['images_per_second']:>10.2f}{x['seconds']:>10.2f}"
              f"{x['peak_memory_mb']:>10.0f}" for name, x in rows]
    lines.append(f"b/a = {r['b_over_a']:.2f}   c/b = {r['c_over_b']:.2f}   "
                 f"max |influence(b) - influence(c)| = {r['max_influence_difference']:.2e}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m summit.bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("stage", nargs="?",
                        choices=["aggregation", "graphs", "analyses", "faithfulness",
                                 "stability", "families", "all"],
                        default="all")
    parser.add_argument("--images", type=int, default=64, help="images per phase (default 64)")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--weights", help="a GoogLeNet state dict (default: random weights)")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--threads", type=int, help="CPU threads (default: PyTorch's)")
    parser.add_argument("--classes", type=int, default=1000,
                        help="classes of the graph and analyses stages")
    parser.add_argument("--min-classes", type=int, default=3, help="motifs.min_classes")
    parser.add_argument("--results", type=Path,
                        help="faithfulness, stability: a finished study's results folder")
    parser.add_argument("--class-images", type=int, default=50,
                        help="faithfulness: test images per class of the estimate")
    parser.add_argument("--vertices", type=int, default=56,
                        help="faithfulness: vertices of the estimate's graphs")
    parser.add_argument("--groups", type=int, default=10, help="stability: image groups")
    parser.add_argument("--resamples", type=int, default=50, help="stability: resamples")
    parser.add_argument("--halves", type=int, default=10, help="stability: split halves")
    parser.add_argument("--size", type=int, default=224, help="families: input size")
    parser.add_argument("--only", nargs="*", help="families: these families only")
    parser.add_argument("--readme", type=Path,
                        help="families: write the table into this README's families region")
    a = parser.parse_args(argv)
    if a.stage in ("aggregation", "all"):
        r = run(a.images, a.batch_size, a.weights, a.device, a.threads)
        print(_table(r))
        print(json.dumps({"aggregation": r}, separators=(",", ":")), flush=True)
    if a.stage in ("graphs", "all"):
        g = run_graphs(a.classes)
        print(_graphs_table(g))
        print(json.dumps({"graphs": g}, separators=(",", ":")))
    if a.stage in ("analyses", "all"):
        r = run_analyses(a.classes, a.min_classes)
        print(_analyses_table(r))
        print(json.dumps({"analyses": r}, separators=(",", ":")))
    if a.stage in ("faithfulness", "all"):
        r = {**({"demo": _study_benchmarks(a.results)} if a.results else {}),
             "imagenet": run_faithfulness(a.class_images, a.vertices, a.device, a.threads,
                                          a.images, a.batch_size)}
        print(_faithfulness_table(r))
        print(json.dumps({"faithfulness": r}, separators=(",", ":")))
    if a.stage in ("stability", "all"):
        r = run_stability(a.results, a.groups, a.resamples, a.halves)
        print(_stability_table(r))
        print(json.dumps({"stability": r}, separators=(",", ":")))
    if a.stage == "families":  # not in "all": seventeen networks at 224 px take a while
        r = run_families(a.images, min(a.batch_size, a.images), a.device, a.threads, a.size,
                         a.only)
        print(families_table(r))
        print(json.dumps({"families": r}, separators=(",", ":")))
        if a.readme:
            from summit.config import replace_region

            text = replace_region(a.readme.read_text(), "<!-- families:start -->",
                                  "<!-- families:end -->", families_table(r))
            a.readme.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
