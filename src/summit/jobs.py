"""Per-class stages as jobs of several classes each (config ``classes_per_job``).

A per-class step's real work can take milliseconds while a job pays a process, the imports
and the scheduler: at a thousand classes that start-up would be most of the run. So the
per-class rules run their step on a few classes per job, in one process (``summit <step>
--batch``, each class exactly as a job of its own would run it). With one class per job the
rule is the per-class rule it always was (one rule named like the stage, a ``{cls}``
wildcard); with more, one rule per group of classes (``<stage>_<k>``), each declaring every
class's own files, so consumers, resumption (a group is redone whole) and cluster fan-out
(one job per group) work as before.
"""

from __future__ import annotations

import json
import math
import shlex
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

# `auto`: one class per job up to this many classes, then this many jobs per stage.
AUTO_JOBS = 25


def classes_per_job(n_classes: int, setting: int | str) -> int:
    """Classes per job: the setting, or with ``auto`` enough for about ``AUTO_JOBS`` jobs."""
    if setting == "auto":
        return max(1, math.ceil(n_classes / AUTO_JOBS))
    return max(1, int(setting))


def groups(classes: Sequence[int], per_job: int) -> list[list[int]]:
    """``classes`` in order, in consecutive groups of ``per_job`` (the last may be smaller)."""
    return [list(classes[i:i + per_job]) for i in range(0, len(classes), per_job)]


def fill(template: str, cls: int) -> str:
    """``template`` for class ``cls`` (its ``{cls}``; other wildcards left as they are)."""
    return template.replace("{cls}", str(cls))


@dataclass
class ClassJob:
    """One rule of a per-class stage: ``classes`` None for the per-class rule (wildcard
    ``{cls}``), else the group of classes its one job runs. ``per_class`` collects the names
    of its per-class files (``each``)."""

    stage: str
    index: int
    classes: tuple[int, ...] | None
    per_class: set[str] = field(default_factory=set)

    @property
    def rule(self) -> str:
        return self.stage if self.classes is None else f"{self.stage}_{self.index}"

    @property
    def size(self) -> int:
        """Classes per job, for the rule's resources."""
        return 1 if self.classes is None else len(self.classes)

    @property
    def per(self) -> str:
        """The wildcard (or group) part of the job's log and benchmark file names."""
        if self.classes is None:
            return "{cls}"
        return f"classes_{self.classes[0]}-{self.classes[-1]}"

    def each(self, wrap: Callable[[Any], Any] = lambda x: x, **templates: str
             ) -> dict[str, Any]:
        """Named per-class files: each template (with ``{cls}``) as is for the per-class
        rule, else one per class of the group, in order; ``wrap`` marks each (e.g. Snakemake's
        ``directory``)."""
        self.per_class.update(templates)
        if self.classes is None:
            return {k: wrap(t) for k, t in templates.items()}
        return {k: [wrap(fill(t, c)) for c in self.classes] for k, t in templates.items()}


def class_jobs(stage: str, classes: Sequence[int], per_job: int) -> list[ClassJob]:
    """The rules of per-class stage ``stage``: one per-class rule, or one per group."""
    if per_job <= 1:
        return [ClassJob(stage, 0, None)]
    return [ClassJob(stage, k, tuple(g)) for k, g in enumerate(groups(classes, per_job))]


def batch(job: ClassJob, values: Mapping[str, Any],
          arguments: Callable[[str, dict[str, Any]], list[str]]) -> str:
    """The step and its command-line arguments for ``job``: a per-class rule's own, or for a
    group ``--batch`` and a JSON list of every class's arguments, each as its own job would
    have them (``values``: the job's named inputs, outputs and wildcards; a per-class name
    holds one file per class of the group, in order)."""
    if job.classes is None:
        return shlex.join([job.stage, *arguments(job.stage, dict(values))])
    each = []
    for i, cls in enumerate(job.classes):
        own = {k: (v[i] if k in job.per_class else v) for k, v in values.items()}
        each.append(arguments(job.stage, {**own, "cls": str(cls)}))
    return shlex.join([job.stage, "--batch", json.dumps(each, separators=(",", ":"))])
