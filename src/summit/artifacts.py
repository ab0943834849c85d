"""Typed artifacts: what the stages hand each other and what the site reads.

Each artifact is a dataclass that owns its file format: ``save`` writes atomically (a
temporary file, then a rename, so an interrupted job never leaves a half-written output),
JSON maps NaN and infinities to null, and every file carries its type's ``VERSION`` so a
reader refuses a file written in another format with a one-line message. The site's
front-end reads these files (graphs directly; the rest through ``summit.site``); its readers
are tested against examples written here (``tests/vectors``).
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, ClassVar, Self

import numpy as np

from summit.errors import SummitError


class ArtifactError(SummitError):
    """An artifact file is missing, unreadable or of another format version."""


def finite(obj: Any) -> Any:
    """NaN/inf (e.g. accuracy of a class absent from a split) as null: valid JSON for browsers."""
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, dict):
        return {k: finite(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [finite(v) for v in obj]
    return obj


def _atomic(path: str | Path) -> tuple[Path, Path]:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    return path, path.with_name(path.name + ".tmp")


def write_json(path: str | Path, obj: Any) -> None:
    """Write compact JSON atomically, NaN as null."""
    path, tmp = _atomic(path)
    tmp.write_text(json.dumps(finite(obj), separators=(",", ":"), ensure_ascii=False,
                              allow_nan=False))
    tmp.replace(path)


def write_csv(path: str | Path, rows: list[dict[str, Any]]) -> None:
    """Write rows (dicts with the same keys) as CSV atomically."""
    path, tmp = _atomic(path)
    with open(tmp, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]) if rows else [])
        writer.writeheader()
        writer.writerows(rows)
    tmp.replace(path)


def write_text(path: str | Path, text: str) -> None:
    """Write text (UTF-8) atomically."""
    path, tmp = _atomic(path)
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def read_json(path: str | Path) -> Any:
    """Parse a JSON file; a missing or broken file is a one-line error naming it."""
    try:
        return json.loads(Path(path).read_text())
    except (OSError, ValueError) as e:
        raise ArtifactError(f"{path}: cannot be read ({e}); re-run the step that writes it") \
            from e


def check_version(path: str | Path, kind: str, found: Any, expected: int) -> None:
    if found != expected:
        raise ArtifactError(f"{path}: a {kind} file of format version {found}, this code reads "
                            f"version {expected}; delete it and re-run the study")


@dataclass
class JsonArtifact:
    """Base of the JSON artifacts: fields in file order, then ``version``.

    A field whose JSON key is not a Python name (``class``) names it in its metadata.
    """

    VERSION: ClassVar[int] = 1

    def to_json(self) -> dict[str, Any]:
        out = {f.metadata.get("key", f.name): getattr(self, f.name) for f in fields(self)}
        return {**out, "version": self.VERSION}

    @classmethod
    def from_json(cls, d: dict[str, Any], path: str | Path = "(data)") -> Self:
        check_version(path, cls.__name__, d.get("version"), cls.VERSION)
        try:
            return cls(**{f.name: d[f.metadata.get("key", f.name)] for f in fields(cls)})
        except KeyError as e:
            raise ArtifactError(f"{path}: a {cls.__name__} file without {e}; re-run the study") \
                from e

    def save(self, path: str | Path) -> None:
        write_json(path, self.to_json())

    @classmethod
    def load(cls, path: str | Path) -> Self:
        return cls.from_json(read_json(path), path)


def _class_key() -> Any:
    return field(metadata={"key": "class"})


@dataclass
class ModelCard(JsonArtifact):
    """What was analysed: the model, its weights' checksum, training metrics, primary layers."""

    name: str
    kind: str
    architecture: str
    parameters: int
    weights: str
    weights_sha256: str
    test_accuracy: float | None
    training: dict[str, Any]
    layers: list[str]


@dataclass
class Embedding(JsonArtifact):
    """Per layer, one [x, y] in [0, 1] per class (rows in ``class_ids`` order)."""

    class_ids: list[int]
    layers: dict[str, list[list[float]]]


@dataclass
class ClassGraph(JsonArtifact):
    """One class's attribution graph: vertices ``layer:channel`` with A count, PageRank and
    ``entry_share`` (the extraction share above which the vertex is in the graph), edges
    from the lower layer's vertex to the higher one's with their influence tally.
    ``slider``: the share slider's ``range`` [low, high], the configured ``share`` and the
    ``nodes`` and ``edges`` that enter below ``high`` besides the graph's, so the site
    re-extracts at any share in it."""

    VERSION: ClassVar[int] = 2  # 2: entry shares and the slider

    cls: dict[str, Any] = _class_key()  # {id, name}
    layers: list[str] = field(default_factory=list)
    nodes: list[dict[str, Any]] = field(default_factory=list)
    edges: list[dict[str, Any]] = field(default_factory=list)
    slider: dict[str, Any] = field(default_factory=dict)


@dataclass
class Stability(JsonArtifact):
    """How one class's graph varies over bootstrap resamples of its image groups
    (``summit.stability.graph_stability``): ``settings`` (groups, resamples, split halves,
    seed, min_support), ``group_images`` (images per group), per vertex and edge of the graph
    or of any resample its ``inclusion`` (share of resampled graphs holding it) and
    ``in_graph``; ``jaccard`` (each resampled graph's with the graph: mean, p5, p95, for
    vertices and edges), ``split_half`` (the same between the graphs of two halves of the
    groups, over ``halves``). The resampled graphs themselves are ``ResampledGraphs``."""

    cls: dict[str, Any] = _class_key()  # {id, name}
    settings: dict[str, Any] = field(default_factory=dict)
    group_images: list[int] = field(default_factory=list)
    vertices: list[dict[str, Any]] = field(default_factory=list)
    edges: list[dict[str, Any]] = field(default_factory=list)
    jaccard: dict[str, Any] = field(default_factory=dict)
    split_half: dict[str, Any] = field(default_factory=dict)
    halves: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class ResampledGraphs(JsonArtifact):
    """One class's graph in every bootstrap resample of its image groups, for the findings'
    support: ``settings`` as in ``Stability``; ``resamples``, each {``weights`` (times each
    group is drawn), ``nodes`` (vertex ids), ``edges`` ([source, target])}."""

    cls: dict[str, Any] = _class_key()  # {id, name}
    settings: dict[str, Any] = field(default_factory=dict)
    resamples: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class ClassStats(JsonArtifact):
    """Accuracy, probability histogram and per-layer channel-max histograms of one class."""

    class_id: int
    n_images: int
    n_skipped: int
    accuracy: float
    n_misclassified: int
    confusions: list[int]
    prob_hist: list[int]
    channel_hist: dict[str, dict[str, Any]]


@dataclass
class ExamplesIndex(JsonArtifact):
    """A layer's dataset-example atlas (``summit.atlas`` states the geometry): per channel
    its patches in atlas order, each {image, class, value, position}."""

    layer: str
    thumbnail: int
    n: int
    per_row: int
    receptive_field: dict[str, Any]
    atlas: str  # the PNG's file name, beside this file
    channels: list[list[dict[str, Any]]]


@dataclass
class FeatvisIndex(JsonArtifact):
    """A layer's feature-visualization atlas: row i holds channel ``channels[i]``'s render
    and then its diversity images, each ``size`` pixels square. ``objective`` says what the
    renders raised (the channels' ``activation``, or their pre-activation on an image where
    they are 0 everywhere: ``pre-activation where off``); per row, ``peaks`` is the
    channel's highest activation on its render and ``failed`` null or why the render shows
    no feature (a key of ``FAILURES``), so no one takes it for one."""

    VERSION: ClassVar[int] = 2
    FAILURES: ClassVar[dict[str, str]] = {
        "inactive": "channel never activates on optimised input",
        "unchanged": "channel does not respond to its input",
    }

    layer: str
    size: int
    per_channel: int
    atlas: str
    channels: list[int]
    objective: str
    peaks: list[float]
    failed: list[str | None]
    seconds: float
    seconds_per_image: float

    def failures(self) -> dict[int, str]:
        """Channel → why its render failed, for the channels whose render did."""
        return {c: self.FAILURES[f] for c, f in zip(self.channels, self.failed, strict=True)
                if f}


@dataclass
class NonsemanticReport(JsonArtifact):
    """Channels that are top channels whatever the class (paper §8.4), with their evidence.

    Each listed channel's ``support`` is the share of bootstrap resamples of the image groups
    (``stability``: those settings) in which it is flagged, ``tentative`` when flagged with
    support under ``min_support``; ``n_supported`` counts the flagged channels that are not;
    ``near_misses`` per layer: channels not flagged but in at least half of the resamples,
    each {channel, support, coverage}."""

    VERSION: ClassVar[int] = 2

    settings: dict[str, Any]
    class_ids: list[int]
    flagged: dict[str, list[int]]
    n_flagged: int
    channels: list[dict[str, Any]]
    n_supported: int = 0
    near_misses: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    stability: dict[str, Any] = field(default_factory=dict)


@dataclass
class NeighboursReport(JsonArtifact):
    """Each class's nearest classes per layer and how much its neighbourhood changes.

    Support over bootstrap resamples of the image groups (``stability``: those settings;
    ``summit.neighbours.with_support``): per class ``change_p5``/``change_p95`` (the change
    score's spread), ``rank_support`` (share of resamples in which it is among the
    ``figure_classes`` most changing), ``tentative`` (among them, with ``rank_support`` under
    ``min_support``), per layer ``neighbour_support`` and ``neighbour_tentative`` (one per
    listed neighbour: share of resamples in which it is among the k nearest);
    ``top_support``: share of resamples in which the top-ranked class ranks first."""

    VERSION: ClassVar[int] = 2

    layers: list[str]
    k: int
    ranking: list[int]
    classes: list[dict[str, Any]]
    figure_classes: int = 0
    top_support: float | None = None
    stability: dict[str, Any] = field(default_factory=dict)


@dataclass
class ClassPairsReport(JsonArtifact):
    """Vertex Jaccard of all pairs of graphs; the compared pairs (``most_similar``, ``a_b``).

    Support over the classes' resampled graphs (``summit.class_comparison.pairs_report``;
    ``stability``: ``resamples``, ``min_support``): ``most_similar`` has ``support`` (share
    of resamples in which the same pair is the most similar), ``tentative`` (support under
    ``min_support``), ``vertex_jaccard_spread`` ({mean, p5, p95} over the resamples) and
    ``winners`` (each pair most similar in some resample: {a, b, support}); each configured
    pair has its ``vertex_jaccard_spread``. Every pair's spread is in
    ``analysis/class_pairs_support.csv``."""

    VERSION: ClassVar[int] = 2

    class_ids: list[int]
    vertex_jaccard: list[list[float]]
    pairs: dict[str, dict[str, Any]]
    stability: dict[str, Any] = field(default_factory=dict)


@dataclass
class MotifsReport(JsonArtifact):
    """Sub-structures shared by groups of classes' graphs (§9).

    Support over the classes' resampled graphs (``summit.motifs.with_support``;
    ``stability``: ``resamples``, ``min_support``): each motif's ``support`` (share of
    resamples in which all its vertices and edges are in every one of its classes' resampled
    graphs) and ``tentative`` (support under ``min_support``); each listed channel's the same
    for being in at least ``min_classes`` graphs."""

    VERSION: ClassVar[int] = 2

    settings: dict[str, Any]
    motifs: list[dict[str, Any]]
    groups: list[dict[str, Any]]
    channels: list[dict[str, Any]]
    stability: dict[str, Any] = field(default_factory=dict)


@dataclass
class SeparabilityLayer(JsonArtifact):
    """One layer's few-channel classifiers against the model (§8.5)."""

    layer: str
    channels_per_class: int
    n_images: int
    n_test: int
    classes: list[dict[str, Any]]
    joint: dict[str, Any]


@dataclass
class ChannelMatching(JsonArtifact):
    """One layer pair's channels of two models matched (``summit.matching.match_layer``):
    ``layer_a`` of the model against ``layer_b`` of the second model (``models``); every
    assigned ``pair`` {a, b, score (correlation of maxima), overlap (Jaccard of top images),
    matched}, ``unmatched_a``/``unmatched_b``, the ``cutoff`` a score must reach (the
    ``threshold`` or the shuffled-image null's 99th percentile), the ``scores`` and ``null``
    distributions, and ``identity`` (share of matched pairs with the same index)."""

    layer_a: str
    layer_b: str
    models: list[str]
    channels_a: int
    channels_b: int
    n_images: int
    threshold: float
    cutoff: float
    top_images: int
    matched: int
    identity: float
    pairs: list[dict[str, Any]]
    unmatched_a: list[int]
    unmatched_b: list[int]
    scores: dict[str, Any]
    null: dict[str, Any]


@dataclass
class ModelComparison(JsonArtifact):
    """One class's graphs under two models: what is shared, per layer and in all.

    ``stability`` (``summit.class_comparison.resampled_comparison``): resample b of model A's
    graph compared with resample b of model B's (``paired``: the same groups of images):
    ``resamples``, the spread ({mean, p5, p95}) of ``vertex_jaccard``, ``edge_jaccard`` and
    per layer (``layers``) of the vertices shared (Jaccard), ``vertex_jaccards`` (one per
    resample, for the support of "the class that changes most", ``changes_most``) and
    ``min_support``.

    Model B's graph is compared in model A's vertex ids through the channel matching
    (``summit.matching.translate``): ``graph_b`` is B's graph so written (each vertex with
    its own ``b_layer``, ``b_channel`` and match ``score``), ``conserved`` the share of A's
    vertices and edges that B's graph keeps, and ``matching`` per layer of A the paired
    layer of B, its widths, the matched channels, the cutoff and the identity share."""

    VERSION: ClassVar[int] = 3  # 3: through the channel matching

    a: dict[str, Any]
    b: dict[str, Any]
    layers: dict[str, dict[str, Any]]
    vertex_jaccard: float
    edge_jaccard: float
    vertices: dict[str, list[str]]
    edges: dict[str, list[list[str]]]
    models: list[str]
    accuracy: list[float | None]
    conserved: dict[str, float] = field(default_factory=dict)
    matching: dict[str, dict[str, Any]] = field(default_factory=dict)
    graph_b: dict[str, Any] = field(default_factory=dict)
    stability: dict[str, Any] = field(default_factory=dict)


@dataclass
class Faithfulness(JsonArtifact):
    """One class's attribution graphs tested by intervention (``summit.faithfulness``).

    Channels of primary layers are replaced by a baseline (``ablation``: their mean map over
    a reference sample of all classes, or 0) on ``n_images`` images of the class from the
    ``split`` (``in_sample`` when these built the graph). An *effect* is a drop from the clean
    run, for three metrics: ``logit`` (true-class logit), ``prob`` (true-class probability),
    ``accuracy`` (top-1); an estimate is ``{"mean", "low", "high"}`` (bootstrap interval over
    images). ``clean`` holds the clean run's levels. ``channels`` maps every vertex of either
    variant (``"layer:channel"``) to its single-channel ablation effects (estimates).
    ``variants`` maps each extraction variant (``per_layer``, ``unified``; ``configured`` is
    the graph stage's) to its evidence:

    - ``vertices``: its vertex ids in decreasing PageRank, ``pagerank`` their scores,
      ``sizes``: vertices per layer; ``sets``: the baselines' channels (``random``,
      ``matched``: per layer one list per set; ``top_count``: per layer; ``orders``: the
      random vertex orders of the curves), so every number can be re-derived;
    - ``ablation``: per scope (each layer, and ``"all"`` layers at once) ``size`` (channels
      ablated), ``graph`` (estimates per metric), ``random`` and ``matched`` (per metric, one
      mean effect per set, ``repeats`` sets), ``top_count`` (estimates, the same number of
      the class's most frequent channels by A^l), ``top_count_overlap`` (how many of those
      are graph vertices), ``p_random``/``p_matched`` (share of sets whose logit effect is
      at least the graph's, (1 + #)/(1 + repeats));
    - ``sufficiency``: per scope, top-1 accuracy left when only the graph's channels are kept
      (the rest ablated): ``graph``, ``random`` (one per same-size random keep-set);
    - ``rank_correlation``: Spearman ``rho`` (and ``p``, ``n``) between the vertices'
      PageRank and their single-channel logit effects, null under 3 vertices;
    - ``specificity``: the graph ablated at all layers on other classes' images: ``classes``
      (ids, this class first), ``logit`` (mean drop of each class's own logit), ``n_images``;
    - ``curves``: ``deletion`` and ``insertion``: ``k`` (vertices removed / restored, in
      decreasing PageRank), ``graph`` (mean true-class probability at each k), ``random``
      (one curve per random order of the same vertices), ``auc``/``auc_random`` (area over
      k/n in [0, 1]). Deletion starts from the clean run; insertion from every channel of
      every primary layer ablated.
    - ``score``: the all-layer logit effect minus the random sets' mean (sorts classes).
    """

    cls: dict[str, Any] = _class_key()  # {id, name}
    split: str = "test"
    in_sample: bool = False
    n_images: int = 0
    ablation: str = "mean"
    repeats: int = 0
    seed: int = 0
    configured: str = "per_layer"
    clean: dict[str, float] = field(default_factory=dict)
    channels: dict[str, dict[str, dict[str, float]]] = field(default_factory=dict)
    variants: dict[str, dict[str, Any]] = field(default_factory=dict)


def _write_npz(path: str | Path, version: int, **arrays: np.ndarray) -> None:
    """Arrays and the format ``version`` as ``.npz``, atomically."""
    path, tmp = _atomic(path)
    with open(tmp, "wb") as f:  # a file handle: np.savez would append .npz to the name
        np.savez(f, version=np.array(version), **arrays)
    tmp.replace(path)


def _read_npz(path: str | Path, cls: type, what: str, build: Callable[[Any], Any]) -> Any:
    """``build`` on an ``.npz`` artifact of ``cls``'s version; one-line errors otherwise."""
    try:
        with np.load(path) as z:
            check_version(path, cls.__name__, int(z["version"]) if "version" in z else None,
                          cls.VERSION)
            return build(z)
    except (OSError, ValueError, KeyError) as e:
        raise ArtifactError(f"{path}: cannot be read as {what} ({e}); re-run the study") from e


@dataclass
class ActivationCounts:
    """A^l of one layer: ``counts[i, c]`` images of class ``class_ids[i]`` with channel ``c``
    among their top channels, and ``group_counts[i, g, c]`` the same within the class's image
    group ``g`` (they sum to ``counts``; stability resamples them); each channel's min and max
    over every image (the common histogram range). Stored as ``.npz`` with the layer's name
    and the format version."""

    VERSION: ClassVar[int] = 2

    layer: str
    class_ids: np.ndarray
    counts: np.ndarray
    channel_min: np.ndarray
    channel_max: np.ndarray
    group_counts: np.ndarray

    def row(self, class_id: int) -> np.ndarray:
        """The class's counts; a one-line error when the class was not counted."""
        hit = np.flatnonzero(self.class_ids == class_id)
        if not len(hit):
            raise ArtifactError(f"A^l of {self.layer}: class {class_id} is not counted; "
                                "re-run the study")
        return self.counts[int(hit[0])]

    def group_row(self, class_id: int) -> np.ndarray:
        """The class's counts per image group (groups × channels)."""
        self.row(class_id)  # the one-line error for a class not counted
        return self.group_counts[int(np.flatnonzero(self.class_ids == class_id)[0])]

    def check_classes(self, class_ids: list[int], other: str) -> None:
        """Refuse to combine with another artifact over other classes."""
        if self.class_ids.tolist() != list(class_ids):
            raise ArtifactError(f"A^l of {self.layer}: its classes differ from {other}'s; "
                                "re-run the study")

    def save(self, path: str | Path) -> None:
        _write_npz(path, self.VERSION, counts=self.counts, class_ids=self.class_ids,
                   channel_min=self.channel_min, channel_max=self.channel_max,
                   group_counts=self.group_counts, layer=np.array(self.layer))

    @classmethod
    def load(cls, path: str | Path) -> Self:
        return _read_npz(path, cls, "A^l", lambda z: cls(
            str(z["layer"]), z["class_ids"], z["counts"], z["channel_min"], z["channel_max"],
            z["group_counts"]))


@dataclass
class ReferenceMaps:
    """Each primary layer's mean activation map (C, H, W) over ``n_images`` training images
    of all classes: what mean ablation puts in an ablated channel's place. ``.npz``."""

    VERSION: ClassVar[int] = 1

    n_images: int
    maps: dict[str, np.ndarray]

    def save(self, path: str | Path) -> None:
        _write_npz(path, self.VERSION, n_images=np.array(self.n_images),
                   layers=np.array(list(self.maps)),
                   **{f"map{i}": m for i, m in enumerate(self.maps.values())})

    @classmethod
    def load(cls, path: str | Path) -> Self:
        return _read_npz(path, cls, "reference maps", lambda z: cls(
            int(z["n_images"]), {str(name): z[f"map{i}"] for i, name in enumerate(z["layers"])}))
