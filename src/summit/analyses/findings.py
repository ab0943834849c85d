"""The study's findings, each stated with its support, in the run's own words.

The analyses already measured every finding on the bootstrap resamples of the classes'
image groups (``summit.evidence.stability``); here their records are read back and each finding
becomes one sentence with its support (the share of resamples in which it holds). Below
``stability.min_support`` a finding is *tentative*. The sentences are what the README and
the report quote, so no number about the demo is typed by hand.
"""

from __future__ import annotations

from typing import Any

from summit.analyses.class_comparison import changes_most
from summit.method.resampling import tentative

MOTIFS_LISTED = 3  # the highest-ranked motifs stated one by one
CHANNELS_LISTED = 0.1  # non-semantic candidates flagged in at least this share are stated


def _finding(kind: str, text: str, support: float | None,
             min_support: float) -> dict[str, Any]:
    """A finding; its support None (and tentative None) when not measured: the resampled
    graphs it is measured on were not built (``stages.stability`` off)."""
    if support is None or support != support:
        return {"kind": kind, "text": text, "support": None, "tentative": None}
    return {"kind": kind, "text": text, "support": round(float(support), 6),
            "tentative": tentative(support, min_support)}


def _over_resamples(spread: dict[str, Any] | None) -> str:
    """"; over resamples 0.40–0.61", or nothing when no resamples were measured."""
    if not spread or spread.get("p5") is None or spread["p5"] != spread["p5"]:
        return ""
    return f"; over resamples {spread['p5']:.2f}–{spread['p95']:.2f}"


def nonsemantic(report: dict[str, Any], min_support: float) -> list[dict[str, Any]]:
    """Per channel flagged, or flagged in some resamples: is it non-semantic?"""
    settings = report["settings"]
    rule = (f"a top channel at least {settings['min_lift']:g}× chance in at least "
            f"{settings['min_coverage']:.0%} of the classes")
    out = []
    for c in report["channels"]:
        if c["flagged"]:
            out.append(_finding("nonsemantic", f"{c['layer']} {c['channel']} is non-semantic "
                                f"({rule}; it is in {c['coverage']:.0%})", c["support"],
                                min_support))
        elif c["support"] >= CHANNELS_LISTED:
            out.append(_finding("nonsemantic", f"{c['layer']} {c['channel']} is not "
                                f"non-semantic (in {c['coverage']:.0%} of the classes; {rule})",
                                1 - c["support"], min_support))
    if not report["n_flagged"] and not out:
        out.append(_finding("nonsemantic", f"No channel is non-semantic ({rule})", 1.0,
                            min_support))
    return out


def neighbours(report: dict[str, Any], names: list[str],
               min_support: float) -> list[dict[str, Any]]:
    """The class whose neighbourhood changes most, and the figure's classes; a rank shared
    with the next class (a tie, e.g. no class changing at all) is no finding."""
    by_id = {c["id"]: c for c in report["classes"]}
    change = [by_id[c]["change"] for c in report["ranking"]]
    out = []

    def ahead(rank: int) -> bool:  # strictly more change than the class ranked after it
        return rank + 1 >= len(change) or change[rank] > change[rank + 1]

    if len(change) > 1 and ahead(0):
        first = by_id[report["ranking"][0]]
        out.append(_finding("neighbours", f"{names[first['id']]}'s neighbourhood changes most "
                            f"across layers (change {first['change']:.2f}; over resamples "
                            f"{first['change_p5']:.2f}–{first['change_p95']:.2f})",
                            report["top_support"], min_support))
    top = report["figure_classes"]
    if top < len(change) and ahead(top - 1):
        for cid in report["ranking"][:top]:
            out.append(_finding("neighbours", f"{names[cid]} is among the {top} classes whose "
                                "neighbourhoods change most", by_id[cid]["rank_support"],
                                min_support))
    return out


def class_pairs(report: dict[str, Any], names: list[str],
                min_support: float) -> list[dict[str, Any]]:
    """The most similar pair of graphs."""
    pair = report["pairs"]["most_similar"]
    rivals = [w for w in pair.get("winners", [])
              if {w["a"], w["b"]} != {pair["a"]["id"], pair["b"]["id"]}][:2]
    also = "; ".join(f"{names[w['a']]}–{names[w['b']]} in {w['support']:.0%}" for w in rivals)
    return [_finding("class_pairs", f"The most similar pair of graphs is {pair['a']['name']}–"
                     f"{pair['b']['name']} (vertex Jaccard {pair['vertex_jaccard']:.2f}"
                     f"{_over_resamples(pair.get('vertex_jaccard_spread'))})"
                     + (f"; other resamples' most similar: {also}" if also else ""),
                     pair.get("support"), min_support)]


def motifs(report: dict[str, Any], names: list[str],
           min_support: float) -> list[dict[str, Any]]:
    """The highest-ranked motifs (structure shared by a group of classes)."""
    found = report["motifs"]
    out = []
    for m in found[:MOTIFS_LISTED]:
        *most, last = [names[c] for c in m["classes"]]
        v, e = len(m["vertices"]), len(m["edges"])
        out.append(_finding("motifs", f"{', '.join(most)} and {last} share {v} "
                            f"vert{'ex' if v == 1 else 'ices'} and {e} edge{'s' * (e != 1)} "
                            f"({', '.join(m['vertices'])})", m["support"], min_support))
    return out


def model_comparison(records: list[dict[str, Any]],
                     min_support: float) -> list[dict[str, Any]]:
    """The class whose graph changes most between the two models."""
    if not records:
        return []
    most = changes_most([r["vertex_jaccard"] for r in records],
                        [r["stability"]["vertex_jaccards"] for r in records], min_support)
    r = records[most["index"]]
    over = _over_resamples(r["stability"]["vertex_jaccard"])
    return [_finding("model_comparison", f"Between {r['models'][0]} and {r['models'][1]}, "
                     f"{r['a']['name']}'s graph changes most (vertex Jaccard "
                     f"{r['vertex_jaccard']:.2f}{over})", most["support"], min_support)]


def confusions(report: dict[str, Any] | None, names: list[str], min_support: float,
               listed: int | None = None) -> list[dict[str, Any]]:
    """Per explained confusion (the ``listed`` most frequent; by default the report's
    ``settings.findings``), the channels of the predicted class's graph that pull it (the
    strongest ``MOTIFS_LISTED``)."""
    if not report:
        return []
    out = []
    n = report["settings"]["findings"] if listed is None else listed
    for conf in report["confusions"][:n]:
        a, b = names[conf["true"]], names[conf["predicted"]]
        for ch in [c for c in conf["channels"] if c["pulls"]][:MOTIFS_LISTED]:
            out.append(_finding("confusions", f"Of {a}'s {conf['n_misclassified']} images "
                                f"predicted {b}, {ch['rate_misclassified']:.0%} activate "
                                f"{ch['id']} of {b}'s graph against "
                                f"{ch['rate_correct']:.0%} of its {conf['n_correct']} "
                                f"correctly classified ones (rate ratio "
                                f"{ch['rate_ratio']:.1f})", ch["support"], min_support))
    return out


def markdown(found: list[dict[str, Any]], resamples: int, min_support: float) -> str:
    """The findings as the README quotes them: those that hold, then the tentative ones,
    then any whose support was not measured (``stages.stability`` off)."""
    held = [f for f in found if f["tentative"] is False]
    weak = [f for f in found if f["tentative"]]
    unmeasured = [f"- {f['text']}." for f in found if f["support"] is None]

    def items(fs: list[dict[str, Any]]) -> list[str]:
        return [f"- {f['text']}: support {f['support']:.2f}." for f in fs] or ["- (none)"]

    return "\n".join([
        f"Each finding with its support, the share of {resamples} bootstrap resamples of every "
        "class's image groups in which it holds, the trained net fixed: it says whether "
        "another sample of the images would give the same finding, not whether another "
        "training run of the net would (that is `model.train.seeds`' question, "
        f"`analysis/seeds.md`). {len(held)} of {len(held) + len(weak)} hold with support ≥ "
        f"{min_support:g}:",
        "", *items(held), "",
        f"Tentative (support < {min_support:g}: another sample of the images may well not "
        "reproduce them):",
        "", *items(weak), "",
        *([f"Without support ({len(unmeasured)}): the classes' resampled graphs they are "
           "measured on were not built (`stages.stability: false`), so whether another sample "
           "of the images would reproduce them is not known:", "", *unmeasured, ""]
          if unmeasured else [])])
