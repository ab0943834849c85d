"""The stage switches (config ``stages``): what each covers and which combinations stop."""

import pytest
import yaml

from summit import stages
from summit.config import ConfigError, validate
from summit.render.registry import FIGURES
from summit.steps import steps
from tests.e2e import REPO

ALL_ON = dict.fromkeys(stages.SWITCHES, True)


def test_every_switch_covers_existing_stages_and_defaults_on():
    known = {s.stage for s in steps().values()}
    covered = [x for names in stages.SWITCHES.values() for x in names]
    assert len(covered) == len(set(covered))  # a stage under one switch only
    assert set(covered) <= known
    default = yaml.safe_load((REPO / "config.yaml").read_text())
    assert validate({k: v for k, v in default.items() if k != "stages"})["stages"] == ALL_ON


def test_a_stage_runs_unless_its_switch_is_off():
    off = {**ALL_ON, "analyses": False}
    assert not stages.enabled("motifs", off) and not stages.enabled("findings", off)
    assert stages.enabled("graph", off) and stages.enabled("faithfulness", off)
    assert stages.off(off) == ["analyses"]
    # every figure of a switched-off stage's is left out by the same rule
    assert {f.stage for f in FIGURES if not stages.enabled(f.stage, off)} == {
        "nonsemantic", "neighbours", "class_pairs", "motifs", "separability"}


@pytest.mark.parametrize(("switched", "compared", "seeds", "exclude", "names"), [
    ({"matching": False}, True, False, False, ("stages.matching", "stages.model_comparison")),
    ({"matching": False}, False, True, False, ("stages.matching", "stages.seeds")),
    ({"analyses": False}, False, True, False, ("stages.analyses", "stages.seeds")),
    ({"stability": False}, False, True, False, ("stages.stability", "stages.seeds")),
    ({"analyses": False}, False, False, True, ("stages.analyses",
                                                "graph.exclude_nonsemantic")),
])
def test_impossible_combinations_stop_in_one_line(switched, compared, seeds, exclude, names):
    with pytest.raises(ConfigError) as e:
        stages.check({**ALL_ON, **switched}, compared=compared, seeds=seeds,
                     exclude_nonsemantic=exclude)
    assert "\n" not in str(e.value) and all(n in str(e.value) for n in names)


@pytest.mark.parametrize(("switched", "compared", "seeds"), [
    ({"matching": False}, False, False),  # nothing to match
    ({"matching": False, "model_comparison": False}, True, False),
    ({"matching": False, "seeds": False}, False, True),
    ({"stability": False, "featvis": False, "faithfulness": False}, True, False),
    (dict.fromkeys(stages.SWITCHES, False), True, True),
])
def test_possible_combinations_pass(switched, compared, seeds):
    stages.check({**ALL_ON, **switched}, compared=compared, seeds=seeds,
                 exclude_nonsemantic=False)
