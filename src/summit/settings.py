"""Typed settings, one frozen dataclass per config section the steps use.

Field names are the schema's keys; defaults are not restated here: ``from_config`` validates
the section against its part of ``config.schema.yaml`` and fills in the schema's ``default``s,
so ``defaults()`` is the schema's defaults (a test checks the fields and defaults against the
schema). Values are kept as the config gives them (JSON types: lists, not tuples), so
``dataclasses.asdict(settings)`` is the validated section, as the library functions take it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Literal, Self

from summit.config import validate_section


class _Section:
    """``from_config`` and ``defaults`` for a frozen dataclass of one config section."""

    SECTION: ClassVar[tuple[str, ...]]

    @classmethod
    def from_config(cls, section: dict[str, Any] | None) -> Self:
        """Validate ``section`` (None: empty) and fill in the schema's defaults."""
        return cls(**validate_section(cls.SECTION, section))

    @classmethod
    def defaults(cls) -> Self:
        """The schema's defaults for this section."""
        return cls.from_config({})


@dataclass(frozen=True)
class AggregationSettings(_Section):
    """``aggregation``: which channels count as an image's top channels."""

    SECTION: ClassVar[tuple[str, ...]] = ("aggregation",)
    method: Literal[1, 2]
    k: int
    share: float


@dataclass(frozen=True)
class InfluenceSettings(_Section):
    """``influence``: which input channels count as an output channel's top influences."""

    SECTION: ClassVar[tuple[str, ...]] = ("influence",)
    method: Literal[1, 2]
    k: int
    share: float


@dataclass(frozen=True)
class GraphSettings(_Section):
    """``graph``: personalized PageRank and the extraction of the attribution graph."""

    SECTION: ClassVar[tuple[str, ...]] = ("graph",)
    alpha: float
    max_iter: int
    tol: float
    extraction: Literal["per_layer", "unified"]
    share: float
    unified_step: float
    merged_edges_per_channel: int | None
    exclude_channels: dict[str, list[int]]
    exclude_nonsemantic: bool
    slider: list[float]


@dataclass(frozen=True)
class NonsemanticSettings(_Section):
    """``nonsemantic``: channels that are top channels whatever the class."""

    SECTION: ClassVar[tuple[str, ...]] = ("nonsemantic",)
    min_lift: float
    min_coverage: float
    candidates: int


@dataclass(frozen=True)
class ExamplesSettings(_Section):
    """``examples``: dataset examples per channel and the atlas."""

    SECTION: ClassVar[tuple[str, ...]] = ("examples",)
    n: int
    thumbnail: int


@dataclass(frozen=True)
class FeatvisSettings(_Section):
    """``featvis``: which channels Lucent renders and how (the optimisation and its
    transforms); ``size`` null means the model's input size."""

    SECTION: ClassVar[tuple[str, ...]] = ("featvis",)
    channels: Literal["graph", "all"]
    steps: int
    lr: float
    jitter: int
    scales: list[float]
    rotations: list[int]
    diversity: int
    diversity_weight: float
    seed: int
    size: int | None
    fft: bool
    decorrelate: bool
    pad: str
    batch_channels: int


@dataclass(frozen=True)
class EmbeddingSettings(_Section):
    """``embedding``: UMAP of the classes per layer."""

    SECTION: ClassVar[tuple[str, ...]] = ("embedding",)
    n_neighbors: int
    min_dist: float
    seed: int


@dataclass(frozen=True)
class StatsSettings(_Section):
    """``stats``: per-class statistics."""

    SECTION: ClassVar[tuple[str, ...]] = ("stats",)
    bins: int


@dataclass(frozen=True)
class NeighboursSettings(_Section):
    """``neighbours``: nearest classes per layer."""

    SECTION: ClassVar[tuple[str, ...]] = ("neighbours",)
    k: int
    figure_classes: int


@dataclass(frozen=True)
class ClassPairsSettings(_Section):
    """``class_pairs``: pairs of classes compared besides the most similar one."""

    SECTION: ClassVar[tuple[str, ...]] = ("class_pairs",)
    pairs: list[list[int | str]]


@dataclass(frozen=True)
class MotifsSettings(_Section):
    """``motifs``: sub-structures shared by several classes' graphs."""

    SECTION: ClassVar[tuple[str, ...]] = ("motifs",)
    min_classes: int
    min_vertices: int
    max_share: float
    figure_motifs: int


@dataclass(frozen=True)
class SeparabilitySettings(_Section):
    """``separability``: classes separated by a few channels."""

    SECTION: ClassVar[tuple[str, ...]] = ("separability",)
    channels_per_class: int
    max_images_per_class: int
    test_share: float
    seed: int


@dataclass(frozen=True)
class FaithfulnessSettings(_Section):
    """``faithfulness``: the graphs tested by intervention."""

    SECTION: ClassVar[tuple[str, ...]] = ("faithfulness",)
    images_per_class: int
    ablation: Literal["mean", "zero"]
    reference_images: int
    repeats: int
    baseline_images: int | None
    level: float
    first_order: bool
    exact_singles: int
    curve_orders: int
    curve_points: int
    specificity_classes: int
    specificity_images: int
    bootstrap: int
    seed: int


@dataclass(frozen=True)
class StabilitySettings(_Section):
    """``stability``: bootstrap resamples of each class's image groups."""

    SECTION: ClassVar[tuple[str, ...]] = ("stability",)
    groups: int
    resamples: int
    split_halves: int
    min_support: float
    seed: int


@dataclass(frozen=True)
class ExplainSettings(_Section):
    """``explain``: which images are explained one by one, and their evidence."""

    SECTION: ClassVar[tuple[str, ...]] = ("explain",)
    misclassified: int
    least_confident: int
    most_confident: int
    repeats: int
    seed: int


@dataclass(frozen=True)
class GroundTruthSettings(_Section):
    """``ground_truth``: how a planted pattern's channels and the shortcut are measured."""

    SECTION: ClassVar[tuple[str, ...]] = ("ground_truth",)
    images_per_class: int
    min_effect: float
    repeats: int
    resamples: int
    seed: int


@dataclass(frozen=True)
class ConfusionsSettings(_Section):
    """``confusions``: which confusions are explained, and what pulls one."""

    SECTION: ClassVar[tuple[str, ...]] = ("confusions",)
    min_images: int
    max_pairs: int
    ratio: float
    min_count: int
    min_rate: float
    findings: int


@dataclass(frozen=True)
class RandomizationSettings(_Section):
    """``randomization``: the randomized models studied beside the model, and their checks."""

    SECTION: ClassVar[tuple[str, ...]] = ("randomization",)
    cascade: bool
    shuffled_labels: bool
    images_per_class: int
    repeats: int
    seed: int


@dataclass(frozen=True)
class TrainSettings(_Section):
    """``model.train``: training of the demo network."""

    SECTION: ClassVar[tuple[str, ...]] = ("model", "train")
    epochs: int | None
    batch_size: int
    lr: float
    seed: int
    seeds: list[int]
    max_images: int | None
    shuffle_labels: bool


SETTINGS: tuple[type[_Section], ...] = (
    AggregationSettings, InfluenceSettings, GraphSettings, NonsemanticSettings,
    ExamplesSettings, FeatvisSettings, EmbeddingSettings, StatsSettings, NeighboursSettings,
    ClassPairsSettings, MotifsSettings, SeparabilitySettings, FaithfulnessSettings,
    StabilitySettings, ExplainSettings, ConfusionsSettings, GroundTruthSettings,
    RandomizationSettings, TrainSettings)
