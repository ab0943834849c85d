"""Which optional stages a study runs (config ``stages``), and which combinations cannot run.

The method itself (model, pass, A^l, graphs, their figures, statistics, examples, embedding,
channel descriptions) and the site always run. Each switch covers the stages (rule files)
named here; a stage not named is part of the method. A stage that reads a switched-off one
either goes on without it (the rules drop the input: support, renders, panels) or cannot,
and then the run stops at start in one line naming both settings (``check``).
"""

from __future__ import annotations

from collections.abc import Mapping

from summit.config import ConfigError

# Each switch and the stages (workflow/rules/<stage>.smk, summit.steps.<stage>) it covers.
SWITCHES: dict[str, tuple[str, ...]] = {
    "faithfulness": ("faithfulness",),
    "stability": ("stability",),
    "seeds": ("seeds",),
    "model_comparison": ("model_comparison",),
    "matching": ("matching",),
    "featvis": ("featvis",),
    "analyses": ("nonsemantic", "neighbours", "class_pairs", "motifs", "separability",
                 "findings"),
    "explain": ("explain", "confusions"),
}


def switch_of(stage: str) -> str | None:
    """The switch that turns ``stage`` on or off; None for a stage of the method."""
    return next((s for s, covered in SWITCHES.items() if stage in covered), None)


def enabled(stage: str, stages: Mapping[str, bool]) -> bool:
    """Whether ``stage`` runs under the config's ``stages``."""
    switch = switch_of(stage)
    return switch is None or bool(stages[switch])


def check(stages: Mapping[str, bool], *, compared: bool, seeds: bool,
          exclude_nonsemantic: bool) -> None:
    """One-line ConfigError for a combination that cannot run: a stage that is on (and has
    work: a second model, ``compared``; training seeds, ``seeds``) needing one that is off."""
    needs = [("model_comparison", compared, "matching",
              "compares the two models' graphs through the channel matching"),
             ("seeds", seeds, "matching", "compares the seeds' channels through the matching"),
             ("seeds", seeds, "analyses",
              "says in how many seeds each analysis's finding holds"),
             ("seeds", seeds, "stability", "reads every seed's resampled graphs")]
    for stage, has_work, needed, why in needs:
        if stages[stage] and has_work and not stages[needed]:
            raise ConfigError(f"stages.{needed}: false, but stages.{stage} {why}; set "
                              f"stages.{stage}: false as well, or stages.{needed}: true")
    if exclude_nonsemantic and not stages["analyses"]:
        raise ConfigError("stages.analyses: false, but graph.exclude_nonsemantic: true needs "
                          "the non-semantic analysis; set graph.exclude_nonsemantic: false, or "
                          "stages.analyses: true")


def off(stages: Mapping[str, bool]) -> list[str]:
    """The switches turned off, in ``SWITCHES`` order (for the start message)."""
    return [s for s in SWITCHES if not stages[s]]
