"""The figures are listed once (``summit.render.registry``): the workflow's rules draw exactly
the registry's figures, each in its stage's rule file; the workflow, the site and the README
tool take their lists and titles from it."""

import re
from pathlib import Path

import pytest

from summit.render import registry
from summit.render.registry import FIGURES, NEEDS, analysis_figures, site_titles

ROOT = Path(__file__).resolve().parents[1]
RULES = ROOT / "workflow" / "rules"


def _drawn() -> dict[str, str]:
    """Every figure a rule declares as output (``P.figure.format(name=…)``, or the pairs'
    ``figures(*(f"…" for …))``) → the stage file (stem) declaring it."""
    found = {}
    for path in RULES.glob("*.smk"):
        text = path.read_text(encoding="utf-8")
        for name in re.findall(r'P\.figure\.format\(name="([^"]+)"', text) + re.findall(
                r'figures\(\*\(f"([^"]+)" for ', text):
            found[name] = path.stem
    return found


def test_the_rules_draw_exactly_the_registrys_figures_each_in_its_stage():
    assert {f.name: f.stage for f in FIGURES} == _drawn()


def test_the_workflow_takes_its_list_of_figures_from_the_registry():
    """``ANALYSIS_FIGURES`` is built once, in common.smk, from ``analysis_figures``; no rule
    file adds to it or lists figures of its own for ``rule all`` or the site."""
    texts = {p.name: p.read_text(encoding="utf-8") for p in [*RULES.glob("*.smk"),
                                                              ROOT / "Snakefile"]}
    built = {name for name, text in texts.items() if re.search(r"^ANALYSIS_FIGURES = ", text,
                                                                re.M)}
    assert built == {"common.smk"}
    assert "ANALYSIS_FIGURES = figures(*summit_figures.analysis_figures(" in texts["common.smk"]
    changed = {name for name, text in texts.items()
               if re.search(r"ANALYSIS_FIGURES\s*(\.(extend|append|insert)|\+=)", text)}
    assert not changed


def test_analysis_figures_follow_the_registry_and_the_study():
    names = analysis_figures([3, 5], [[3, 5]], has={"comparison"})
    assert names == ["nonsemantic", "neighbours", "class_pair", "motifs", "separability",
                     "model_comparison", "class_pairs/3_5", "models/3", "models/5",
                     "faithfulness", "matching", "stability", "explained"]
    alone = analysis_figures([3, 5], [])
    assert alone == [n for n in names if n not in {
        "model_comparison", "matching", "models/3", "models/5", "class_pairs/3_5"}]
    assert not any(n.startswith("graphs/") for n in names)  # targets of their own
    without = analysis_figures([3, 5], [[3, 5]], has={"comparison"},
                               keep=lambda stage: stage not in {"faithfulness", "class_pairs"})
    assert without == [n for n in names if n not in {"faithfulness", "class_pair",
                                                     "class_pairs/3_5"}]
    assert analysis_figures([3, 5], [[3, 5]], has={"comparison", "plant"}) == [
        *names, "ground_truth"]
    assert analysis_figures([3, 5], [[3, 5]], has=NEEDS) == [*names, "ground_truth",
                                                              "randomization"]
    with pytest.raises(ValueError, match="unknown needs"):
        analysis_figures([3, 5], [], has={"plants"})


def test_the_site_titles_and_lists_figures_from_the_registry(tmp_path):
    from summit.render import site, site_files

    names = [f"class {i}" for i in range(6)]
    figures = []
    for name in analysis_figures(range(6), [[1, 4]], has=NEEDS):
        png = tmp_path / "results" / "figures" / f"{name}.png"
        png.parent.mkdir(parents=True, exist_ok=True)
        png.write_bytes(b"png")
        figures.append(png)
    entries = site_files.copy_figures(figures, tmp_path / "site", names, [[1, 4]])
    titles = site_titles(names, [[1, 4]])
    assert [e["name"] for e in entries] == list(titles)  # in the registry's order
    assert all(e["title"] == titles[e["name"]] for e in entries)
    assert titles["class_pairs/1_4"] == "class 1 and class 4 compared"
    assert not any(e["name"].startswith("models/") for e in entries)  # linked per class
    assert (tmp_path / "site" / "figures" / "models" / "5.png").is_file()  # but copied
    # no title written anywhere else
    assert not hasattr(site, "FIGURE_TITLES")
    sources = "".join(Path(m.__file__).read_text(encoding="utf-8") for m in (site, site_files))
    assert not [f.title for f in FIGURES if f.title and f.title in sources]


def test_the_readme_copies_the_registrys_figures():
    from summit.dev import readme

    copies = readme.FIGURES
    assert copies == registry.readme_figures()
    assert copies["class_graph"] == "graphs/9.png"
    assert copies["model_side_by_side"] == "models/9.png"
    missing = [name for name in copies if not (ROOT / readme.DEMO / f"{name}.png").is_file()]
    assert not missing, f"no checked-in demo copy of {missing}"


@pytest.mark.parametrize(("figure", "name", "matches"), [
    ("models/{cls}", "models/3", True), ("models/{cls}", "models/3/x", False),
    ("class_pairs/{a}_{b}", "class_pairs/1_2", True), ("nonsemantic", "nonsemantic", True),
    ("nonsemantic", "nonsemantic2", False)])
def test_a_figure_matches_its_own_names(figure, name, matches):
    assert next(f for f in FIGURES if f.name == figure).matches(name) is matches
    assert registry.site_listed(name) is not (figure == "models/{cls}" and matches)
