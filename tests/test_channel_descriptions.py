"""Channel descriptions against slow loops and counts by hand: the selectivity index and the
top classes, the dataset examples' class mix, the planted response and the non-semantic flag
picked up from small records, the sentence's numbers; and the step on hand-built stores."""

from __future__ import annotations

import numpy as np
import pytest

from summit.analyses.channel_descriptions import (
    DECIMALS,
    TOP_CLASSES,
    describe_layer,
    example_mix,
    nonsemantic_flags,
    planted_responses,
    selectivity,
    top_classes,
)
from summit.io.artifacts import ActivationCounts, ExamplesIndex
from summit.io.reports import ChannelDescriptions, GroundTruth, NonsemanticReport
from summit.steps import steps
from tests.store_builder import build_store

NAMES = ["T-shirt", "Trouser", "Pullover", "Dress", "Coat", "Sandal"]


def _slow(counts: list[list[int]], n_images: list[int], class_ids: list[int]):
    """Per channel: the selectivity index and the top classes, by explicit loops."""
    out = []
    for k in range(len(counts[0])):
        rates = [counts[c][k] / n_images[c] if n_images[c] else 0.0 for c in range(len(counts))]
        total = sum(counts[c][k] for c in range(len(counts)))
        best = max(rates)
        top = rates.index(best)
        rest = [r for c, r in enumerate(rates) if c != top]
        mean_rest = sum(rest) / len(rest)
        s = None if best == 0 else (best - mean_rest) / (best + mean_rest)
        order = sorted(range(len(counts)), key=lambda c: (-rates[c], class_ids[c]))
        listed = [{"id": class_ids[c], "share": round(counts[c][k] / total, DECIMALS),
                   "rate": round(rates[c], DECIMALS)}
                  for c in order[:TOP_CLASSES] if counts[c][k] > 0]
        out.append((s, listed))
    return out


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_selectivity_and_top_classes_equal_a_loop(seed):
    rng = np.random.default_rng(seed)
    counts = rng.integers(0, 5, size=(6, 9))  # small integers: ties in rate happen
    counts[:, 2] = 0  # a channel no image selects
    counts[:, 3] = [0, 0, 4, 0, 0, 0]  # one class alone: selectivity 1
    n_images = rng.integers(5, 9, size=6)
    class_ids = [5, 1, 4, 0, 3, 2]  # rows not in id order: ties go to the lower id
    rates = counts / n_images[:, None]
    got_s, got_top = selectivity(rates), top_classes(counts, rates, class_ids)
    for k, (s, listed) in enumerate(_slow(counts.tolist(), n_images.tolist(), class_ids)):
        if s is None:
            assert np.isnan(got_s[k])
        else:
            assert got_s[k] == pytest.approx(s)
            assert 0 <= got_s[k] <= 1
        assert got_top[k] == listed, k
    assert got_s[3] == pytest.approx(1.0) and got_top[2] == []


def test_the_examples_mix_is_a_count_by_hand():
    entries = [{"class": c, "image": i, "value": 1.0} for i, c in
               enumerate([4, 2, 4, 0, 2, 4, 5, 2, 0, 4])]
    # by hand: class 4 four times, class 2 three, class 0 twice, class 5 once
    assert example_mix(entries) == [{"id": 4, "count": 4}, {"id": 2, "count": 3},
                                    {"id": 0, "count": 2}, {"id": 5, "count": 1}]
    assert example_mix([{"class": 3}, {"class": 1}]) == [{"id": 1, "count": 1},
                                                         {"id": 3, "count": 1}]
    assert example_mix([]) == []


def _stamp(classes, pattern, layer, channels, effects, pattern_channels):
    """A GroundTruth stamp record as ``summit.ground_truth.study.measure_stamp`` writes it."""
    effect = np.zeros(channels)
    effect[list(effects)] = list(effects.values())
    return {"stamp": {"classes": classes, "names": [NAMES[c] for c in classes],
                      "pattern": pattern, "size": 4, "position": "corner", "share": 0.5},
            "pattern": {layer: pattern_channels, "other": []},
            "response": {layer: {"mean": (effect / 2).tolist(), "low": (effect / 4).tolist(),
                                 "high": effect.tolist(), "effect": effect.tolist()}}}


def test_the_planted_response_is_picked_up_from_the_ground_truth_record():
    stamps = [_stamp([1], "checkerboard", "l", 4, {2: 4.234, 0: 0.5}, [2]),
              _stamp([3, 4], "dot", "l", 4, {2: 1.5, 3: 2.0}, [3, 2])]
    got = planted_responses(stamps, "l", 4)
    assert got[0] == [] and got[1] == []  # channel 0 moves, but is no pattern channel
    assert got[2] == [
        {"stamp": 0, "pattern": "checkerboard", "classes": [1], "layer": "l", "effect": 4.234,
         "mean": 2.117, "low": 1.0585, "high": 4.234},
        {"stamp": 1, "pattern": "dot", "classes": [3, 4], "layer": "l", "effect": 1.5,
         "mean": 0.75, "low": 0.375, "high": 1.5}]
    assert [r["stamp"] for r in got[3]] == [1]
    assert planted_responses(stamps, "other", 4) == [[]] * 4  # a layer no pattern moves
    with pytest.raises(ValueError, match="not a channel of l"):
        planted_responses(stamps, "l", 3)


def test_the_nonsemantic_flag_is_picked_up_from_the_report():
    report = {"flagged": {"l": [1, 3], "m": [0]},
              "channels": [{"layer": "l", "channel": 1, "flagged": True, "tentative": False},
                           {"layer": "l", "channel": 3, "flagged": True, "tentative": True},
                           {"layer": "l", "channel": 0, "flagged": False, "tentative": False},
                           {"layer": "m", "channel": 0, "flagged": True, "tentative": True}]}
    assert nonsemantic_flags(report, "l", 4) == [(False, False), (True, False), (False, False),
                                                 (True, True)]
    assert nonsemantic_flags({"flagged": {}, "channels": []}, "l", 2) == [(False, False)] * 2


def _layer(**kwargs):
    counts = np.array([[31, 0, 2], [9, 0, 2], [0, 0, 2], [10, 0, 2], [0, 0, 2], [0, 0, 2]])
    return describe_layer("l", counts, np.full(6, 50), list(range(6)), NAMES, **kwargs)


def test_the_sentence_states_the_measured_numbers():
    examples = [[{"class": c} for c in [0, 0, 0, 0, 0, 0, 0, 3, 3, 1]], [],
                [{"class": c} for c in range(6)]]
    stamps = [_stamp([1], "checkerboard", "l", 3, {0: 4.2}, [0])]
    report = {"flagged": {"l": [2]}, "channels": [{"layer": "l", "channel": 2,
                                                    "tentative": True}]}
    first, silent, broad = _layer(examples=examples, stamps=stamps, nonsemantic=report)
    # channel 0: 31 of its 50 counts in T-shirt (62 %), 10 in Dress (20 %), 9 in Trouser
    # (18 %); rates .62, .2, .18 and three zeros: (.62 − .076) / (.62 + .076) = 0.7816
    assert first["count"] == 50 and first["selectivity"] == pytest.approx(0.7816, abs=1e-4)
    assert [(c["name"], c["share"]) for c in first["classes"]] == [
        ("T-shirt", 0.62), ("Dress", 0.2), ("Trouser", 0.18)]
    assert first["examples"] == [{"id": 0, "count": 7, "name": "T-shirt"},
                                 {"id": 3, "count": 2, "name": "Dress"},
                                 {"id": 1, "count": 1, "name": "Trouser"}]
    assert first["text"] == (
        "fires for T-shirt (62 % of its 50 images), Dress (20 %), Trouser (18 %); selectivity "
        "0.78; examples: 7 T-shirt, 2 Dress, 1 Trouser; responds to the planted checkerboard of "
        "Trouser (effect 4.2)")
    assert first["nonsemantic"] is False and first["planted"][0]["effect"] == 4.2
    assert silent["selectivity"] is None and silent["classes"] == []
    assert silent["text"] == "never among an image's top channels; no dataset examples"
    assert broad["selectivity"] == 0.0 and broad["nonsemantic"] and broad["nonsemantic_tentative"]
    assert broad["text"] == (
        "fires for T-shirt (17 % of its 12 images), Trouser (17 %), Pullover (17 %); selectivity "
        "0.00; examples: 1 T-shirt, 1 Trouser, 1 Pullover, 3 others; flagged non-semantic "
        "(tentative)")


def test_the_sentence_counts_images_in_words():
    one, many = describe_layer("l", np.array([[1, 1000], [0, 250]]), np.array([1000, 1000]),
                               [0, 1], NAMES)
    assert one["text"] == "fires for T-shirt (100 % of its 1 image); selectivity 1.00"
    # rates 1.0 and 0.25: (1 − 0.25) / (1 + 0.25) = 0.6
    assert many["text"] == ("fires for T-shirt (80 % of its 1,250 images), Trouser (20 %); "
                            "selectivity 0.60")


def test_what_was_not_measured_is_null_and_unsaid():
    first, _, _ = _layer()
    assert first["examples"] is None and first["planted"] is None
    assert first["nonsemantic"] is None and first["nonsemantic_tentative"] is None
    assert first["text"] == ("fires for T-shirt (62 % of its 50 images), Dress (20 %), Trouser "
                             "(18 %); selectivity 0.78")
    with pytest.raises(ValueError, match="2 channels of dataset examples for the 3 of A"):
        _layer(examples=[[], []])


def test_the_step_describes_every_layer_from_the_stores_a_l_and_records(tmp_path):
    """The step on hand-built stores equals the library on the same A^l, with the optional
    records read when given and null when not."""
    rng = np.random.default_rng(0)
    maxima = {c: {"a": rng.random((n, 4)), "b": rng.random((n, 3))}
              for c, n in ((0, 12), (1, 8), (2, 10))}
    stores = [tmp_path / f"{c}.zarr" for c in maxima]
    for (c, m), path in zip(maxima.items(), stores, strict=True):
        build_store(path, c, m)
    run = {name: s.fn for name, s in steps().items()}
    counts = [tmp_path / f"{layer}.npz" for layer in ("a", "b")]
    for layer, path in zip(("a", "b"), counts, strict=True):
        run["activations"]({"aggregation": {"method": 1, "k": 1}}, layer=layer, stores=stores,
                           counts=path)
    examples = []
    for layer, channels in (("a", 4), ("b", 3)):
        examples.append(tmp_path / f"{layer}.json")
        ExamplesIndex(layer=layer, thumbnail=8, n=2, per_row=4, receptive_field={},
                      atlas=f"{layer}.png", channels=[[{"class": c % 3, "image": c, "value": 1.0,
                                                        "position": [0, 0]}] * 2
                                                      for c in range(channels)]).save(
            examples[-1])
    GroundTruth(study="r", seed=0, split="test", settings={}, stamps=[
        _stamp([1], "stripes", "b", 3, {1: 3.0}, [1])]).save(tmp_path / "gt.json")
    NonsemanticReport(settings={}, class_ids=[0, 1, 2], flagged={"a": [3], "b": []}, n_flagged=1,
                      channels=[]).save(tmp_path / "ns.json")
    p = {"class_names": ["x", "y", "z"]}
    run["channel_descriptions"](p, counts=counts, stores=stores, examples=examples,
                                ground_truth=tmp_path / "gt.json",
                                nonsemantic=tmp_path / "ns.json", report=tmp_path / "d.json")
    got = ChannelDescriptions.load(tmp_path / "d.json")
    assert got.class_ids == [0, 1, 2] and list(got.layers) == ["a", "b"]
    assert got.measured == {"examples": True, "planted": True, "nonsemantic": True}
    a = ActivationCounts.load(counts[0])
    assert got.layers["a"] == describe_layer(
        "a", a.counts, np.array([12, 8, 10]), [0, 1, 2], p["class_names"],
        examples=ExamplesIndex.load(examples[0]).channels,
        stamps=GroundTruth.load(tmp_path / "gt.json").stamps,
        nonsemantic=NonsemanticReport.load(tmp_path / "ns.json").to_json())
    flagged = got.layers["a"][3]
    assert flagged["nonsemantic"] and "flagged non-semantic" in flagged["text"]
    assert "planted stripes of y (effect 3.0)" in got.layers["b"][1]["text"]
    run["channel_descriptions"](p, counts=counts, stores=stores, examples=[], ground_truth=None,
                                nonsemantic=None, report=tmp_path / "bare.json")
    bare = ChannelDescriptions.load(tmp_path / "bare.json")
    assert bare.measured == dict.fromkeys(("examples", "planted", "nonsemantic"), False)
    assert all(d["examples"] is None and d["planted"] is None and d["nonsemantic"] is None
               for layer in bare.layers.values() for d in layer)
