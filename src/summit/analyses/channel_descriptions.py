"""Channel descriptions from what the study measures, not written by hand.

Every channel of every primary layer is described by four measurements and one generated
sentence (``text``), so the site's vertex card, its channel panel and a reader of the record
say what a channel is in the run's own numbers:

- **the classes it fires for**, from A^l: channel k's *rate* in class c is
  r_c = A^l[c, k] / n_c, the share of the class's images that have k among their top
  channels (``n_c``: the class's images in the pass). The classes are ranked by rate
  (ties: lower class id first) and each named with its *share* of the channel's count,
  A^l[c, k] / Σ_c' A^l[c', k] (the count: the images of every class that have k among their
  top channels, "its images" in the sentence). The channel's **selectivity index** is

      s_k = (r_max − r̄_rest) / (r_max + r̄_rest)

  where r_max is its highest class rate and r̄_rest the mean rate of the other classes: 0
  when every class selects it alike, 1 when one class alone does (in [0, 1], rates being
  non-negative; null for a channel no image selects). It is Morcos et al.'s (2018) class
  selectivity index on rates instead of mean activations, computed by the non-semantic
  analysis's ``summit.analyses.nonsemantic.class_selectivity``.
- **its dataset examples' class mix**: the classes of the layer's dataset examples of the
  channel (``ExamplesIndex``), each with its count among them, most frequent first (ties:
  lower class id first).
- **its response to a planted pattern** (with ``dataset.plant``): for each stamp whose
  pattern channels (``summit.ground_truth.response.pattern_channels``) hold the channel, the
  stamp's pattern and classes and the channel's paired response there (effect, mean
  difference of maxima stamped − clean and its 95 % interval).
- **whether it was flagged non-semantic** (``summit.analyses.nonsemantic``), and whether
  that flag is tentative (support under ``min_support`` over resamples).

A measurement the study did not make (no planted pattern, the analyses off, no examples of
the layer) is null, not false: absence of evidence is not stated as a finding.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from summit.analyses.nonsemantic import class_selectivity

TOP_CLASSES = 3  # classes listed per channel, by rate
MIN_SHARE = 0.1  # a listed class after the first is named in the text from this share on
EXAMPLE_CLASSES = 3  # example classes named in the text (the rest counted as "other")
DECIMALS = 4  # rounding of the record's shares, rates and indices
SETTINGS = {"top_classes": TOP_CLASSES, "min_share": MIN_SHARE,
            "example_classes": EXAMPLE_CLASSES}


def class_rates(counts: np.ndarray, n_images: np.ndarray) -> np.ndarray:
    """classes × channels: A^l[c, k] / n_c, the share of class c's images selecting k (0 for
    a class without images)."""
    counts = np.asarray(counts, np.float64)
    n = np.asarray(n_images, np.float64)[:, None]
    return np.divide(counts, n, out=np.zeros_like(counts), where=n > 0)


def selectivity(rates: np.ndarray) -> np.ndarray:
    """Per channel (r_max − mean of the other classes' rates) / (r_max + that mean) over the
    columns of ``rates`` (classes × channels); NaN where no class selects the channel."""
    rates = np.asarray(rates, np.float64)
    s = class_selectivity(rates)
    return np.where(rates.max(axis=0, initial=0.0) > 0, s, np.nan)


def top_classes(counts: np.ndarray, rates: np.ndarray, class_ids: Sequence[int],
                k: int = TOP_CLASSES) -> list[list[dict[str, Any]]]:
    """Per channel its ``k`` highest-rate classes that select it at all (ties: lower class
    id), each {id, share (of the channel's count), rate}."""
    counts = np.asarray(counts, np.int64)
    total = counts.sum(axis=0)
    ids = np.asarray(class_ids)
    out = []
    for ch in range(counts.shape[1]):
        order = np.lexsort((ids, -rates[:, ch]))
        out.append([{"id": int(ids[i]),
                     "share": round(float(counts[i, ch] / total[ch]), DECIMALS),
                     "rate": round(float(rates[i, ch]), DECIMALS)}
                    for i in order[:k] if counts[i, ch] > 0])
    return out


def example_mix(entries: Sequence[Mapping[str, Any]]) -> list[dict[str, int]]:
    """The classes of a channel's dataset examples (each entry's ``class``), each with its
    count, most frequent first (ties: lower class id)."""
    found: dict[int, int] = {}
    for e in entries:
        found[int(e["class"])] = found.get(int(e["class"]), 0) + 1
    return [{"id": c, "count": n} for c, n in sorted(found.items(), key=lambda x: (-x[1], x[0]))]


def planted_responses(stamps: Sequence[Mapping[str, Any]], layer: str, channels: int
                      ) -> list[list[dict[str, Any]]]:
    """Per channel of ``layer`` its response to each stamp of a ``GroundTruth`` record whose
    pattern channels hold it: {stamp (index), pattern, classes (ids), layer, effect, mean,
    low, high}; empty for a channel no pattern moves."""
    out: list[list[dict[str, Any]]] = [[] for _ in range(channels)]
    for i, s in enumerate(stamps):
        r = s["response"].get(layer)
        for ch in s["pattern"].get(layer, []):
            if not 0 <= ch < channels:
                raise ValueError(f"ground truth: stamp {i}'s pattern channel {ch} is not a "
                                 f"channel of {layer} ({channels} channels)")
            out[ch].append({"stamp": i, "pattern": s["stamp"]["pattern"],
                            "classes": list(s["stamp"]["classes"]), "layer": layer,
                            **{k: round(float(r[k][ch]), DECIMALS)
                               for k in ("effect", "mean", "low", "high")}})
    return out


def nonsemantic_flags(report: Mapping[str, Any], layer: str, channels: int
                      ) -> list[tuple[bool, bool]]:
    """Per channel of ``layer`` (flagged, tentative) from a ``NonsemanticReport``'s JSON."""
    flagged = set(report["flagged"].get(layer, []))
    tentative = {c["channel"] for c in report["channels"]
                 if c["layer"] == layer and c.get("tentative")}
    return [(ch in flagged, ch in flagged and ch in tentative) for ch in range(channels)]


def _percent(x: float) -> str:
    return f"{round(100 * x)} %"


def _name(c: int, names: Sequence[str]) -> str:
    return names[c] if 0 <= c < len(names) else f"class {c}"


def _names(ids: Sequence[int], names: Sequence[str]) -> str:
    return " and ".join(_name(c, names) for c in ids)


def sentence(d: Mapping[str, Any], names: Sequence[str]) -> str:
    """The channel's description ``d`` (``describe_layer``'s) in one line, its measured
    numbers rounded for reading: "fires for Shirt (62 % of its 1,250 images), Coat (21 %);
    selectivity 0.71; examples: 7 Shirt, 2 Coat, 1 other; responds to the planted
    checkerboard of Bag (effect 4.2); flagged non-semantic"."""
    def name(c: int) -> str:
        return _name(c, names)

    if d["count"]:
        first, *rest = [c for i, c in enumerate(d["classes"]) if i == 0 or c["share"] >= MIN_SHARE]
        parts = [f"fires for {name(first['id'])} ({_percent(first['share'])} of its "
                 f"{d['count']:,} image{'s' if d['count'] > 1 else ''})"
                 + "".join(f", {name(c['id'])} ({_percent(c['share'])})" for c in rest)
                 + f"; selectivity {d['selectivity']:.2f}"]
    else:
        parts = ["never among an image's top channels"]
    if d["examples"] is not None:
        shown, other = d["examples"][:EXAMPLE_CLASSES], d["examples"][EXAMPLE_CLASSES:]
        n_other = sum(e["count"] for e in other)
        parts.append("examples: " + ", ".join([f"{e['count']} {name(e['id'])}" for e in shown]
                                               + ([f"{n_other} other{'s' if n_other > 1 else ''}"]
                                                  if n_other else []))
                     if shown else "no dataset examples")
    for r in d["planted"] or []:
        parts.append(f"responds to the planted {r['pattern']} of {_names(r['classes'], names)}"
                     f" (effect {r['effect']:.1f})")
    if d["nonsemantic"]:
        parts.append("flagged non-semantic" + (" (tentative)" if d["nonsemantic_tentative"]
                                               else ""))
    return "; ".join(parts)


def describe_layer(layer: str, counts: np.ndarray, n_images: np.ndarray,
                   class_ids: Sequence[int], names: Sequence[str], *,
                   examples: Sequence[Sequence[Mapping[str, Any]]] | None = None,
                   stamps: Sequence[Mapping[str, Any]] | None = None,
                   nonsemantic: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
    """Every channel of ``layer`` described (one dict per channel, in channel order).

    ``counts`` is the layer's A^l (rows in ``class_ids`` order), ``n_images`` each class's
    images in the pass; ``examples`` the layer's ``ExamplesIndex.channels``, ``stamps`` a
    ``GroundTruth`` record's and ``nonsemantic`` a ``NonsemanticReport``'s JSON, each None
    when the study did not measure it (then the channel's field is null)."""
    counts = np.asarray(counts, np.int64)
    channels = counts.shape[1]
    if examples is not None and len(examples) != channels:
        raise ValueError(f"{layer}: {len(examples)} channels of dataset examples for the "
                         f"{channels} of A^l; re-run the study")
    rates = class_rates(counts, n_images)
    index = selectivity(rates)
    listed = top_classes(counts, rates, class_ids)
    planted = planted_responses(stamps, layer, channels) if stamps is not None else None
    flags = nonsemantic_flags(nonsemantic, layer, channels) if nonsemantic is not None else None
    out = []
    for ch in range(channels):
        mix = example_mix(examples[ch]) if examples is not None else None
        d = {"channel": ch, "count": int(counts[:, ch].sum()),
             "classes": [{**c, "name": _name(c["id"], names)} for c in listed[ch]],
             "selectivity": (round(float(index[ch]), DECIMALS) if np.isfinite(index[ch])
                             else None),
             "examples": ([{**e, "name": _name(e["id"], names)} for e in mix]
                          if mix is not None else None),
             "planted": planted[ch] if planted is not None else None,
             "nonsemantic": flags[ch][0] if flags is not None else None,
             "nonsemantic_tentative": flags[ch][1] if flags is not None else None}
        out.append({**d, "text": sentence(d, names)})
    return out
