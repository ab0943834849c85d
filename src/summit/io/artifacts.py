"""Typed artifacts of the study's stages: what they hand each other and what the site reads.

Each artifact is a dataclass that owns its file format, saved and versioned by
``summit.io.files`` (atomic writes, NaN as null, a one-line error for a file of another
version); the analyses' reports are in ``summit.io.reports``. The site's front-end reads these
files (graphs directly; the rest through ``summit.render.site``); its readers are tested
against examples written here (``tests/vectors``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Self

import numpy as np

from summit.io.files import ArtifactError, JsonArtifact, class_key, read_npz, write_npz


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

    cls: dict[str, Any] = class_key()  # {id, name}
    layers: list[str] = field(default_factory=list)
    nodes: list[dict[str, Any]] = field(default_factory=list)
    edges: list[dict[str, Any]] = field(default_factory=list)
    slider: dict[str, Any] = field(default_factory=dict)


@dataclass
class ExplainedImages(JsonArtifact):
    """One class's images explained one by one (``summit.explain``): ``n_images`` and
    ``n_misclassified`` in the class pass; per chosen image (``images``) why it was chosen,
    its prediction and top probabilities, its thumbnail (a PNG data URI), activation set
    and own graph (``nodes``, ``edges`` as a ClassGraph's), its relation to its true class's
    graph and, misclassified, to the predicted class's with the channels pulling it there
    (``summit.explain.relate``), and ``evidence`` per ablated set
    (``summit.explain.evidence``)."""

    cls: dict[str, Any] = class_key()
    settings: dict[str, Any] = field(default_factory=dict)
    n_images: int = 0
    n_misclassified: int = 0
    images: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Stability(JsonArtifact):
    """How one class's graph varies over bootstrap resamples of its image groups
    (``summit.evidence.stability.graph_stability``): ``settings`` (groups, resamples, split halves,
    seed, min_support), ``group_images`` (images per group), per vertex and edge of the graph
    or of any resample its ``inclusion`` (share of resampled graphs holding it) and
    ``in_graph``; ``jaccard`` (each resampled graph's with the graph: mean, p5, p95, for
    vertices and edges), ``split_half`` (the same between the graphs of two halves of the
    groups, over ``halves``). The resampled graphs themselves are ``ResampledGraphs``."""

    cls: dict[str, Any] = class_key()  # {id, name}
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

    cls: dict[str, Any] = class_key()  # {id, name}
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
    """A layer's dataset-example atlas (``summit.io.atlas`` states the geometry): per channel
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
class Faithfulness(JsonArtifact):
    """One class's attribution graphs tested by intervention (``summit.evidence.faithfulness``).

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
      mean effect per set drawn), ``top_count`` (estimates, the same number of the class's
      most frequent channels by A^l), ``top_count_overlap`` (how many of those are graph
      vertices), ``p_random``/``p_matched``: the sequential Monte Carlo p-values (sets at
      least as damaging as the graph, drawn in order until the verdict at ``level`` could no
      longer change: Besag–Clifford's h/L when stopped after L sets, else (1 + #)/(1 +
      repeats)), ``significant`` (per kind, the verdict at ``level``), ``estimated`` (per
      kind, per set: a first-order estimate, not ablated, whose ``accuracy`` is null; it
      lay more than ``margin`` logits below the graph's effect). The sets, keep-sets and
      random curve orders run on the first ``estimation.baseline_images`` images and are
      compared with the graph's values there (``graph_on_baseline``, per metric);
    - ``sufficiency``: per scope, top-1 accuracy left when only the graph's channels are kept
      (the rest ablated): ``graph``, ``graph_on_baseline``, ``random`` (one per same-size
      random keep-set drawn),
      ``p_random``/``significant`` (keep-sets keeping at least the graph's accuracy, drawn
      sequentially as above);
    - ``rank_correlation``: Spearman ``rho`` (and ``p``, ``n``) between the vertices'
      PageRank and their single-channel logit effects, null under 3 vertices;
    - ``specificity``: the graph ablated at all layers on other classes' images: ``classes``
      (ids, this class first), ``logit`` (mean drop of each class's own logit), ``n_images``;
    - ``curves``: ``deletion`` and ``insertion``: ``k`` (vertices removed / restored, in
      decreasing PageRank), ``graph`` (mean true-class probability at each k), ``random``
      (one curve per random order of the same vertices), ``auc``/``auc_random`` (area over
      k/n in [0, 1]; ``auc_on_baseline``: the PageRank order's on the random orders'
      images), ``estimated`` (per random order and point: a first-order estimate).
      Deletion starts from the clean run, its random points estimated unless they could
      flip the comparison of areas (``error``: the largest first-order error seen on exact
      points); insertion from every channel of every primary layer ablated, its random
      orders drawn sequentially against the PageRank order's area (``p_random``; none and
      null when ``curve_orders`` orders cannot reach ``level``).
    - ``score``: the all-layer logit effect minus the random sets' mean (sorts classes).

    ``channels[v]`` of a vertex not ablated alone is its first-order estimate (``estimated``,
    accuracy null); of one ablated, ``first_order`` holds the estimate beside it.
    ``estimation``: ``first_order`` (whether anything was estimated), ``level``, ``singles``
    (first-order against exact on the vertices ablated alone: ``n``, Spearman ``rho``,
    ``sign_agreement``, ``mean_error`` (estimate − exact), ``max_error``), ``sets`` (the same
    on the random and matched sets ablated), ``conditions`` (per kind of condition, [evaluated,
    planned]) and ``specificity_classes`` ([tested, planned]). Records without ``level``
    and ``estimation`` (written before the sequential tests) drew every set and estimated
    nothing.
    """

    cls: dict[str, Any] = class_key()  # {id, name}
    split: str = "test"
    in_sample: bool = False
    n_images: int = 0
    ablation: str = "mean"
    repeats: int = 0
    seed: int = 0
    configured: str = "per_layer"
    clean: dict[str, float] = field(default_factory=dict)
    channels: dict[str, dict[str, Any]] = field(default_factory=dict)
    variants: dict[str, dict[str, Any]] = field(default_factory=dict)
    level: float | None = None
    estimation: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_json(cls, d: dict[str, Any], path: str | Path = "(data)") -> Self:
        """Also a record written before the sequential tests (no ``level``, ``estimation``)."""
        return super().from_json({"level": None, "estimation": {}, **d}, path)


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
        write_npz(path, self.VERSION, counts=self.counts, class_ids=self.class_ids,
                   channel_min=self.channel_min, channel_max=self.channel_max,
                   group_counts=self.group_counts, layer=np.array(self.layer))

    @classmethod
    def load(cls, path: str | Path) -> Self:
        return read_npz(path, cls, "A^l", lambda z: cls(
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
        write_npz(path, self.VERSION, n_images=np.array(self.n_images),
                   layers=np.array(list(self.maps)),
                   **{f"map{i}": m for i, m in enumerate(self.maps.values())})

    @classmethod
    def load(cls, path: str | Path) -> Self:
        return read_npz(path, cls, "reference maps", lambda z: cls(
            int(z["n_images"]), {str(name): z[f"map{i}"] for i, name in enumerate(z["layers"])}))
