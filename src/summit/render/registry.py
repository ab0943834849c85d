"""The figures the workflow draws under ``results/figures`` (each as PNG and PDF), listed once.

Three readers share this list: the workflow (``workflow/rules/common.smk`` builds
``ANALYSIS_FIGURES``, the analyses' figures ``rule all`` asks for and the site publishes, from
``analysis_figures``), the site (``summit.render.site``: each published figure's title,
``site_titles``, and whether it is listed, ``site_listed``) and the README tool
(``summit.dev.readme``: the figures copied beside the README's demo, ``readme_figures``).
A new figure is one entry here, in the order the site lists it, plus the rule that draws it in
its stage's rule file (``workflow/rules/<stage>.smk``, output ``P.figure.format(name=…)``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Figure:
    """One figure, or one per class (``{cls}`` in ``name``) or per configured class pair
    (``{a}_{b}``).

    ``name`` is its path under ``figures/`` without suffix; ``stage`` the stage whose rule
    file draws it; ``title`` its title in the site's list of figures (``{a}``, ``{b}``: the
    pair's class names), None when the site does not list it; ``readme`` the name of its copy
    beside the README's demo (``README_CLASS``'s, for a per-class figure), None when the README
    does not show it; ``needs``: what the study must have for it to be drawn (one of
    ``NEEDS``), None for any study; ``analysis``: one of the analyses' figures (``rule all``
    asks for them and the site publishes them), False for the per-class graph drawings,
    targets of their own.
    """

    name: str
    stage: str
    title: str | None = None
    readme: str | None = None
    needs: str | None = None
    analysis: bool = True

    def names(self, classes: Iterable[int], pairs: Iterable[Sequence[int]]) -> list[str]:
        """Its names: one, or one per class in ``classes`` or per pair in ``pairs``."""
        if "{cls}" in self.name:
            return [self.name.format(cls=c) for c in classes]
        if "{a}" in self.name:
            return [self.name.format(a=a, b=b) for a, b in pairs]
        return [self.name]

    def matches(self, name: str) -> bool:
        """Whether ``name`` (a path under ``figures/`` without suffix) is this figure's."""
        parts = re.split(r"\{(cls|a|b)\}", self.name)  # text, wildcard, text, …
        pattern = "".join(_ANY[x] if i % 2 else re.escape(x) for i, x in enumerate(parts))
        return re.fullmatch(pattern, name) is not None


_ANY = {"cls": "[^/]+", "a": "[^/_]+", "b": "[^/_]+"}  # what a wildcard of a name stands for


# What a figure may need: a second model (``model_comparison``), a planted pattern
# (``dataset.plant``), randomized models (``randomization``).
NEEDS = ("comparison", "plant", "randomization")

README_CLASS = 9  # the class whose per-class figures the README shows

FIGURES: tuple[Figure, ...] = (
    Figure("graphs/{cls}", "class_figure", readme="class_graph", analysis=False),
    Figure("nonsemantic", "nonsemantic", "Non-semantic channels (paper Fig. 10, §8.4)",
           readme="nonsemantic"),
    Figure("neighbours", "neighbours",
           "Classes whose neighbours change across layers (Fig. 8, §8.2)", readme="neighbours"),
    Figure("class_pair", "class_pairs",
           "The most similar pair of classes' graphs compared (Fig. 9, §8.3)",
           readme="class_pair"),
    Figure("motifs", "motifs", "Motifs shared by groups of classes (§9)", readme="motifs"),
    Figure("separability", "separability", "Few-channel classifiers from A^l (§8.5)",
           readme="separability"),
    Figure("model_comparison", "model_comparison", "Two models' graphs compared, all classes",
           readme="model_comparison", needs="comparison"),
    Figure("class_pairs/{a}_{b}", "class_pairs", "{a} and {b} compared"),
    # linked from each class's row of the Analyses panel, not listed among the figures
    Figure("models/{cls}", "model_comparison", readme="model_side_by_side",
           needs="comparison"),
    Figure("faithfulness", "faithfulness", "Do the graphs explain their classes? Ablation tests",
           readme="faithfulness"),
    Figure("matching", "matching",
           "Two models' channels matched by their responses, against shuffled images",
           readme="matching", needs="comparison"),
    Figure("stability", "stability", "Each graph's stability over resamples of its images",
           readme="stability"),
    Figure("explained", "explain", "One image explained: its own graph (the most confidently "
           "misclassified)", readme="explained"),
    Figure("ground_truth", "ground_truth", "Does the study find what was planted? Pattern "
           "channels, the shortcut and the graphs", readme="ground_truth", needs="plant"),
    Figure("randomization", "randomization", "Sanity checks: the graphs of randomized models "
           "against the trained model's", readme="randomization", needs="randomization"),
)


def analysis_figures(classes: Iterable[int], pairs: Iterable[Sequence[int]],
                     keep: Callable[[str], bool] = lambda stage: True,
                     has: Iterable[str] = ()) -> list[str]:
    """The analyses' figures a study draws, in the site's order: those whose ``needs`` the
    study ``has`` (of ``NEEDS``), per class of ``classes`` and per pair of ``pairs``; only
    those of stages that run (``keep``: a stage's name -> whether it runs)."""
    classes, pairs, has = list(classes), list(pairs), set(has)
    if has - set(NEEDS):
        raise ValueError(f"unknown needs {sorted(has - set(NEEDS))}")
    return [name for f in FIGURES
            if f.analysis and (f.needs is None or f.needs in has) and keep(f.stage)
            for name in f.names(classes, pairs)]


def site_titles(class_names: Sequence[str], pairs: Iterable[Sequence[int]]) -> dict[str, str]:
    """The site's title of each figure it lists, by name; a pair's figure (for each of
    ``pairs``) is titled with its classes' names."""
    titles, pairs = {}, list(pairs)
    for f in FIGURES:
        if not f.analysis or f.title is None:
            continue
        if "{a}" in f.name:
            titles.update({f.name.format(a=a, b=b): f.title.format(a=class_names[a],
                                                                   b=class_names[b])
                           for a, b in pairs})
        else:
            titles[f.name] = f.title
    return titles


def site_listed(name: str) -> bool:
    """Whether the site lists figure ``name`` among its figures (a figure it links
    elsewhere, a class's two-model drawing, it copies only)."""
    return not any(f.matches(name) for f in FIGURES if f.analysis and f.title is None)


def readme_figures(cls: int = README_CLASS) -> dict[str, str]:
    """The figures the README shows: its copy's name → the run's PNG under ``figures/``."""
    return {f.readme: f"{f.name.format(cls=cls)}.png" for f in FIGURES if f.readme}
