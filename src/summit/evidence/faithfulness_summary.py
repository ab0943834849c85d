"""Every class's faithfulness record in numbers and in words: one CSV row per class and
extraction variant, and the sentences the README quotes, each number the run's own with how
many classes it holds for (stage ``faithfulness_summary``)."""

from __future__ import annotations

from typing import Any

import numpy as np

from summit.evidence.sequential import stop_count
from summit.io.artifacts import Faithfulness

LEVEL = 0.05  # the level of records written before the sequential tests


def _significant(r: Faithfulness, cell: dict[str, Any], kind: str) -> bool:
    """A test's verdict: recorded, or (an older record, every set drawn) p ≤ 0.05."""
    if "significant" in cell:
        return bool(cell["significant"][kind])
    return cell[f"p_{kind}"] <= (r.level or LEVEL)


def table_rows(records: list[Faithfulness]) -> list[dict[str, Any]]:
    """One CSV row per class and extraction variant: the all-layer evidence in numbers."""
    rows = []
    for r in records:
        for name, v in r.variants.items():
            a, spec = v["ablation"]["all"], v["specificity"]
            curves, suff = v["curves"], v["sufficiency"]["all"]
            rows.append({
                "class_id": r.cls["id"], "class": r.cls["name"], "variant": name,
                "configured": name == r.configured, "split": r.split,
                "in_sample": r.in_sample, "n_images": r.n_images, "ablation": r.ablation,
                "vertices": len(v["vertices"]),
                "logit_drop": a["graph"]["logit"]["mean"],
                "logit_drop_low": a["graph"]["logit"]["low"],
                "logit_drop_high": a["graph"]["logit"]["high"],
                "accuracy_drop": a["graph"]["accuracy"]["mean"],
                "baseline_images": r.estimation.get("baseline_images", r.n_images),
                # the graph on the images its random baselines ran on (old records: all)
                "logit_drop_on_baseline": (a["graph_on_baseline"]["logit"]
                                           if "graph_on_baseline" in a
                                           else a["graph"]["logit"]["mean"]),
                "random_logit_drop": np.mean(a["random"]["logit"]),
                "matched_logit_drop": np.mean(a["matched"]["logit"]),
                "top_count_logit_drop": a["top_count"]["logit"]["mean"],
                "p_random": a["p_random"], "p_matched": a["p_matched"],
                "random_significant": _significant(r, a, "random"),
                "matched_significant": _significant(r, a, "matched"),
                "random_drawn": len(a["random"]["logit"]),
                "matched_drawn": len(a["matched"]["logit"]),
                "random_estimated": sum(a.get("estimated", {}).get("random", [])),
                "matched_estimated": sum(a.get("estimated", {}).get("matched", [])),
                "sufficiency_accuracy": suff["graph"],
                "random_sufficiency_accuracy": np.mean(suff["random"]),
                "clean_accuracy": r.clean["accuracy"],
                "deletion_auc": curves["deletion"]["auc"],
                "deletion_auc_on_baseline": curves["deletion"].get(
                    "auc_on_baseline", curves["deletion"]["auc"]),
                "random_deletion_auc": _mean(curves["deletion"]["auc_random"]),
                "insertion_auc": curves["insertion"]["auc"],
                "random_insertion_auc": _mean(curves["insertion"]["auc_random"]),
                "rank_rho": v["rank_correlation"]["rho"],
                **{f"first_order_{k}": (r.estimation.get("singles") or {}).get(k)
                   for k in ("n", "rho", "sign_agreement", "max_error")},
                "own_logit_drop": spec["logit"][0],
                "others_logit_drop": np.mean(spec["logit"][1:]) if spec["logit"][1:] else None,
                **{f"{layer}_logit_drop": e["graph"]["logit"]["mean"]
                   for layer, e in v["ablation"].items() if layer != "all"},
                **{f"{layer}_sufficiency_accuracy": e["graph"]
                   for layer, e in v["sufficiency"].items() if layer != "all"},
                **{f"{layer}_random_sufficiency_accuracy": np.mean(e["random"])
                   for layer, e in v["sufficiency"].items() if layer != "all"}})
    return rows


def _mean(values: list[float]) -> float | None:
    return float(np.mean(values)) if len(values) else None


def _median(values: list[float]) -> str:
    return f"{np.nanmedian(values):.2f}" if values else "n/a"


def _span(values: list[float]) -> str:
    return f"{np.nanmin(values):.2f} to {np.nanmax(values):.2f}" if values else "n/a"


def _kept(conf: list[dict[str, Any]], column: str) -> list[float]:
    """A sufficiency column as a share of each class's clean accuracy."""
    return [r[column] / r["clean_accuracy"] for r in conf if r["clean_accuracy"]]


def _ablation(first: Faithfulness, conf: list[dict[str, Any]]) -> list[str]:
    """The whole graph ablated, against random, matched and most-frequent channel sets."""
    n = len(conf)
    level = first.level or LEVEL
    beats = {k: sum(r[f"{k}_significant"] for r in conf) for k in ("random", "matched")}
    above_top = sum(r["logit_drop"] > r["top_count_logit_drop"] for r in conf)
    h = stop_count(level, first.repeats)
    rule = "none" if h == 1 else f"at most {h - 1}"
    return [
        f"- Ablating a class's whole graph (median "
        f"{float(np.median([r['vertices'] for r in conf])):g} channels) lowers its logit "
        f"by a median {_median([r['logit_drop'] for r in conf])} "
        f"(classes: {_span([r['logit_drop'] for r in conf])}) and its top-1 accuracy by "
        f"{_median([r['accuracy_drop'] for r in conf])}; random channel sets of the same "
        f"size per layer{_on_baseline(first, conf)}: "
        f"{_median([r['random_logit_drop'] for r in conf])}, sets matched "
        "by how often their channels fire in the class: "
        f"{_median([r['matched_logit_drop'] for r in conf])}. The graph beats the random "
        f"sets at the {level:g} level in {beats['random']} of {n} classes and the matched "
        f"sets in {beats['matched']} (p ≤ {level:g}: all {first.repeats} sets drawn, {rule} "
        "as damaging; a test stops drawing sets once it cannot get there).",
        f"- The class's most frequent channels, as many per layer, without influence or "
        f"PageRank: median {_median([r['top_count_logit_drop'] for r in conf])}; the graph's "
        f"effect is larger in {above_top} of {n} classes."]


def _on_baseline(first: Faithfulness, conf: list[dict[str, Any]]) -> str:
    """Where the baselines ran on fewer images than the graph's effect: which, and the
    graph's effect there (what they were compared with)."""
    m = conf[0]["baseline_images"] if conf else first.n_images
    if m >= first.n_images:
        return ""
    return (f" (on the first {m} of these images, like every random baseline; the graph's "
            f"drop there: median {_median([r['logit_drop_on_baseline'] for r in conf])})")


def _sufficiency(first: Faithfulness, conf: list[dict[str, Any]]) -> str:
    """Keeping only the graph's channels, layer by layer and at every layer at once."""
    layers = [x for x in first.variants[first.configured]["ablation"] if x != "all"]
    return ("- Keeping only the graph's channels at one layer (the rest replaced) leaves, of "
            "clean accuracy (median over classes), " + ", ".join(
                f"{_median(_kept(conf, f'{layer}_sufficiency_accuracy'))} at {layer} (random "
                f"keep-sets {_median(_kept(conf, f'{layer}_random_sufficiency_accuracy'))})"
                for layer in layers)
            + f"; at every layer at once {_median(_kept(conf, 'sufficiency_accuracy'))} "
            f"(random {_median(_kept(conf, 'random_sufficiency_accuracy'))}).")


def _estimation(records: list[Faithfulness], conf: list[dict[str, Any]]) -> list[str]:
    """What the sequential tests drew, what was estimated, and how the estimates agreed
    with exact ablation (nothing for records written before)."""
    est = [r.estimation for r in records if r.estimation]
    if not est:
        return []
    work = [sum(d for d, _ in e["conditions"].values()) / sum(n for _, n in e["conditions"]
                                                                .values()) for e in est]
    drawn = sum(r["random_drawn"] + r["matched_drawn"] for r in conf)
    estimated = sum(r["random_estimated"] + r["matched_estimated"] for r in conf)
    line = (f"- Cost: a median {100 * np.median(work):.0f} % of the planned conditions "
            f"were ablated per class; at every layer at once the tests drew a median "
            f"{np.median([r['random_drawn'] for r in conf]):g} random and "
            f"{np.median([r['matched_drawn'] for r in conf]):g} matched sets, "
            f"{estimated} of the {drawn} drawn estimated to first order, not ablated.")
    agree = [e["singles"] for e in est if e.get("singles") and e["singles"]["n"]]
    sets = [e["sets"] for e in est if e.get("sets") and e["sets"]["n"]]
    return [line + _singles_agreement(agree) + _sets_agreement(sets)]


def _singles_agreement(agree: list[dict[str, Any]]) -> str:
    """First-order single-vertex effects against their exact ablation, over classes."""
    if not agree:
        return ""
    rho = _median([a["rho"] for a in agree if a["rho"] is not None])
    return (f" First-order single-vertex effects against exact ablation on the "
            f"{np.median([a['n'] for a in agree]):g} vertices ablated alone per class "
            f"(medians over {len(agree)} classes): Spearman rho {rho}, same sign "
            f"{_median([a['sign_agreement'] for a in agree])}, largest error "
            f"{_median([a['max_error'] for a in agree])} logits.")


def _sets_agreement(sets: list[dict[str, Any]]) -> str:
    """The estimates' bias on the random and matched sets that were also ablated."""
    if not sets:
        return ""
    worst = max(a["max_error"] for a in sets)
    return (f" On the {sum(a['n'] for a in sets)} random and matched sets ablated, the "
            f"estimates' error (estimate − exact) averaged "
            f"{_median([a['mean_error'] for a in sets])} logits per class (median), at most "
            f"{worst:.2f}: the unablated sets' drops in these numbers are estimates, read "
            "their means with that bias.")


def summary_markdown(records: list[Faithfulness], rows: list[dict[str, Any]]) -> str:
    """What the run shows, in sentences written from its records and their ``table_rows``
    (the README quotes them): every number is the run's, with how many classes it holds for."""
    n = len(records)
    if not n:
        return "No class was tested.\n"
    first = records[0]
    conf = [r for r in rows if r["configured"]]
    other = {r["class_id"]: r for r in rows if not r["configured"]}
    early = sum(r["random_deletion_auc"] is not None
                and r["deletion_auc_on_baseline"] < r["random_deletion_auc"] for r in conf)
    specific = sum(r["own_logit_drop"] > (r["others_logit_drop"] or 0) for r in conf)
    rhos = [r["rank_rho"] for r in conf if r["rank_rho"] is not None]
    alt = next(v for v in first.variants if v != first.configured)
    alt_better = sum(other[r["class_id"]]["logit_drop_on_baseline"] - other[r["class_id"]][
        "random_logit_drop"] > r["logit_drop_on_baseline"] - r["random_logit_drop"]
        for r in conf)
    where = ("**in-sample**: these images built the graphs, so the effects are optimistic"
             if first.in_sample else f"images of the {first.split} split, which did not "
             "build the graphs")
    return "\n".join([
        f"On {first.n_images} {where}, per class, with {first.ablation} ablation and "
        f"{first.repeats} baseline sets per layer ({n} classes, `{first.configured}` "
        "graphs):",
        "",
        *_ablation(first, conf),
        _sufficiency(first, conf),
        f"- Deleting vertices in PageRank order lowers the class's probability sooner than "
        f"random orders (smaller area) in {early} of {n} classes; PageRank and single-vertex "
        f"effects correlate with a median Spearman rho of {_median(rhos)} "
        f"({len(rhos)} classes with 3+ vertices).",
        f"- Ablating a graph lowers its own class's logit more than the other classes' "
        f"(mean) in {specific} of {n} classes.",
        f"- The `{alt}` extraction beats random sets by more than `{first.configured}` in "
        f"{alt_better} of {n} classes.",
        *_estimation(records, conf),
        "",
        "Tentative: one model, one training seed and one sample of test images (the "
        "intervals are over those images); the graphs' own stability over resamples of "
        "the training images is in `analysis/stability.md`, and the demo net differs "
        "slightly between machines.",
        ""])
