"""Typed artifacts of the analyses (``summit.analyses``): what each writes for the site, the
findings and the README. The same conventions as ``summit.io.artifacts``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from summit.io.files import JsonArtifact


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
class ChannelDescriptions(JsonArtifact):
    """Every channel described by what the study measured (``summit.analyses.
    channel_descriptions``, which defines each field): per layer, one entry per channel in
    channel order, {``channel``, ``count`` (its A^l count over the classes), ``classes`` (its
    highest-rate classes, each {id, name, share of its count, rate}), ``selectivity`` (over
    the class rates; null when no image selects it), ``examples`` (its dataset examples'
    classes, each {id, name, count}), ``planted`` (per stamp whose pattern moves it {stamp,
    pattern, classes, layer, effect, mean, low, high}), ``nonsemantic`` and
    ``nonsemantic_tentative``, ``text`` (the sentence the site shows)}. ``examples``,
    ``planted`` and the non-semantic flags are null where the study did not measure them
    (``measured`` says which it did); ``settings`` are the description's constants."""

    settings: dict[str, Any]
    class_ids: list[int]
    measured: dict[str, bool]
    layers: dict[str, list[dict[str, Any]]]


@dataclass
class ConfusionsReport(JsonArtifact):
    """Frequent confusions explained (``summit.explain.confusions``): per confusion (``true``
    class, ``predicted`` class, image counts) the channels of the predicted class's graph
    its misclassified images activate far more often than the correct ones, each with its
    counts, rates, rate ratio, whether it ``pulls`` on the whole sample and its support over
    the resamples (``stability`` settings); ``n_confusions``: those with at least
    ``settings.min_images`` images, of which the most frequent ``max_pairs`` are explained."""

    settings: dict[str, Any]
    n_confusions: int
    confusions: list[dict[str, Any]]


@dataclass
class NeighboursReport(JsonArtifact):
    """Each class's nearest classes per layer and how much its neighbourhood changes.

    Support over bootstrap resamples of the image groups (``stability``: those settings;
    ``summit.analyses.neighbours.with_support``): per class ``change_p5``/``change_p95`` (the change
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

    Support over the classes' resampled graphs (``summit.analyses.class_comparison.pairs_report``;
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

    Support over the classes' resampled graphs (``summit.analyses.motifs.with_support``;
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
    """One layer pair's channels of two models matched (``summit.analyses.matching.match_layer``):
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

    ``stability`` (``summit.analyses.class_comparison.resampled_comparison``): resample b of
    model A's graph compared with resample b of model B's (``paired``: the same groups of images):
    ``resamples``, the spread ({mean, p5, p95}) of ``vertex_jaccard``, ``edge_jaccard`` and
    per layer (``layers``) of the vertices shared (Jaccard), ``vertex_jaccards`` (one per
    resample, for the support of "the class that changes most", ``changes_most``) and
    ``min_support``.

    Model B's graph is compared in model A's vertex ids through the channel matching
    (``summit.analyses.matching.translate``): ``graph_b`` is B's graph so written (each vertex with
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
class GroundTruth(JsonArtifact):
    """One study's planted features measured (``summit.ground_truth``): per stamp its
    classes and pattern, the shortcut (accuracies clean and stamped with 95 % intervals over
    image resamples), every channel's paired response per layer and the pattern channels,
    each class graph's recovery of them (ranks, recall, precision, resampled support), the
    non-semantic detector's flags among them, shared channels and motifs, and ablations."""

    study: str
    seed: int | None
    split: str
    settings: dict[str, Any]
    stamps: list[dict[str, Any]]


@dataclass
class GroundTruthReport(JsonArtifact):
    """Every study's ``GroundTruth`` (the model's, then each training seed's) and, per stamp,
    what holds across them (``summit.ground_truth.summary``)."""

    studies: list[dict[str, Any]]
    across: list[dict[str, Any]]


@dataclass
class Randomized(JsonArtifact):
    """A copy of the model re-initialized to ``depth`` of the cascade (``summit.randomization``,
    step ``name``: "head" or the lowest studied layer re-initialized), the modules it
    re-initialized and the seed."""

    depth: int
    name: str
    modules: list[str]
    seed: int


@dataclass
class RandomizationReport(JsonArtifact):
    """The randomization checks: per model (the trained one first, then the cascade by depth,
    then the net trained on shuffled labels) its accuracy on the images, its graphs' overlap
    with the trained model's, its class neighbourhoods' agreement and its graphs'
    faithfulness (``summit.randomization.compare``)."""

    settings: dict[str, Any]
    class_ids: list[int]
    layers: list[str]
    models: list[dict[str, Any]]
