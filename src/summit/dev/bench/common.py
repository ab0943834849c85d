"""What the benchmarks share: the GoogLeNet they measure, a timed loop with peak memory, a
finished study's job times, and synthetic classes of GoogLeNet size, so every benchmark
measures the same network and data the same way."""

from __future__ import annotations

import contextlib
import copy
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from summit.io.store import group_of_rows
from summit.method.aggregate import Aggregator
from summit.method.graphs import FullGraph, full_graph
from summit.model.hops import trace_structure
from summit.model.structure import Structure
from summit.settings import (
    ExamplesSettings,
    GraphSettings,
    InfluenceSettings,
    StabilitySettings,
)

GOOGLENET_LAYERS = ["inception3a", "inception3b", "inception4a", "inception4b", "inception4c",
                    "inception4d", "inception4e", "inception5a", "inception5b"]
INFLUENCE = InfluenceSettings.defaults()  # the study's defaults (config.schema.yaml)
EXAMPLES = ExamplesSettings.defaults()
GROUPS = StabilitySettings.defaults().groups  # image groups of a class's tallies

# A step of a timed loop: one batch of images and their ids.
Step = Callable[[torch.Tensor, torch.Tensor], Any]


def googlenet(weights: str | Path | None = None) -> nn.Module:
    """torchvision's GoogLeNet in eval mode; random weights unless a state dict is given."""
    import torchvision

    model = torchvision.models.googlenet(weights=None, aux_logits=False, init_weights=True)
    if weights:
        state = torch.load(weights, map_location="cpu", weights_only=True)
        state = {k: v for k, v in state.items() if not k.startswith(("aux1.", "aux2."))}
        model.load_state_dict(state)
    return model.eval()


def googlenet_structure(model: nn.Module) -> Structure:
    """The hops between GoogLeNet's 9 mixed layers at 224×224."""
    return trace_structure(model, GOOGLENET_LAYERS, torch.zeros(1, 3, 224, 224))


def prepare(device: str, threads: int | None) -> torch.device:
    """Flush denormals (as a study does), set the CPU threads, and pick the device."""
    from summit.model.models import select_device

    torch.set_flush_denormal(True)
    if threads:
        torch.set_num_threads(threads)
    return select_device(device)


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


def timed(device: torch.device, batches: list[torch.Tensor], step: Step) -> dict[str, float]:
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


def forward_step(model: nn.Module) -> Step:
    """The plain forward pass, on a copy of ``model`` taken now: the pass's hooks, registered
    on the model it studies, must not run in the forward pass it is compared with."""
    plain = copy.deepcopy(model)

    @torch.inference_mode()
    def step(x: torch.Tensor, ids: torch.Tensor) -> None:
        plain(x)
    return step


def job_step(agg: Aggregator) -> Step:
    """The pass as a class's job runs it (``aggregate_class``): image ids for the example
    candidates, each image's group by its row, and what the job copies out to write
    (maxima, predictions)."""
    def step(x: torch.Tensor, ids: torch.Tensor) -> None:
        rows = group_of_rows(int(ids[0]), len(ids), agg.n_groups)
        maxima, logits = agg.step(x, ids, rows.tolist())
        probs = torch.softmax(logits.float(), dim=1)
        for z in maxima.values():
            z.float().cpu().numpy()
        probs.argmax(dim=1).cpu().numpy()
    return step


def interleaved(device: torch.device, batches: list[torch.Tensor], steps: dict[str, Step],
                rounds: int) -> dict[str, dict[str, Any]]:
    """Every step over all batches ``rounds`` times, the steps taking turns batch by batch,
    so a burst of another process's work lands on all of them alike; per step the seconds
    of each round, the fastest round's (what the ratios use) and the peak memory of a
    warm-up batch (the pass's memory does not grow with its images)."""
    sync = torch.cuda.synchronize if device.type == "cuda" else lambda _: None
    ids = [torch.arange(s, s + len(b), device=device)
           for s, b in zip(np.cumsum([0] + [len(b) for b in batches]), batches, strict=False)]
    peaks = {}
    for name, step in steps.items():
        reset_peak_memory(device)
        step(batches[0], ids[0])
        peaks[name] = peak_memory(device) / 2**20
    seconds = {name: [0.0] * rounds for name in steps}
    for r in range(rounds):
        for b, i in zip(batches, ids, strict=True):
            for name, step in steps.items():
                sync(device)
                start = time.perf_counter()
                step(b, i)
                sync(device)
                seconds[name][r] += time.perf_counter() - start
    n = sum(len(b) for b in batches)
    return {name: {"seconds": min(s), "round_seconds": s, "images_per_second": n / min(s),
                   "peak_memory_mb": peaks[name]} for name, s in seconds.items()}


def ratio(timings: dict[str, dict[str, Any]], num: str, den: str) -> dict[str, Any]:
    """``num``'s time over ``den``'s: the fastest rounds' ratio, and each round's."""
    per_round = [a / b for a, b in zip(timings[num]["round_seconds"],
                                       timings[den]["round_seconds"], strict=True)]
    return {"ratio": timings[num]["seconds"] / timings[den]["seconds"],
            "round_ratios": per_round}


def job_seconds(results: Path, pattern: str) -> list[float]:
    """Seconds of a finished study's jobs from Snakemake's benchmark files (``pattern``
    under ``benchmarks``): the first column of each file's last row."""
    return [float(f.read_text().splitlines()[-1].split("\t")[0])
            for f in sorted((results / "benchmarks").glob(pattern))]


def synthetic_class(rng: np.random.Generator, structure: Structure, n_images: int = 1300,
                    k: int = INFLUENCE.k, inputs_per_output: tuple[int, int] = (12, 64)
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


def class_graph(structure: Structure, counts: dict[str, np.ndarray],
                tallies: dict[str, np.ndarray]) -> FullGraph:
    """A class's graph assembled with the default settings (config keys graph and influence)."""
    g = GraphSettings.defaults()
    return full_graph(structure, counts, tallies, g.merged_edges_per_channel, INFLUENCE.k,
                      g.exclude_channels)
