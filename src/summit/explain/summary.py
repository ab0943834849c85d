"""The explained images over the study, in the run's own words: how many, how the
misclassified ones' graphs sit between their true and predicted classes' graphs, how often
ablating an image's own graph beats random sets, and the most confidently misclassified
image explained in full (the README quotes it)."""

from __future__ import annotations

from typing import Any

LEVEL = 0.05  # the evidence's p-values counted as below this


def example(records: list[dict[str, Any]]) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """The most confidently misclassified image whose prediction is a class of the study
    (lowest probability of its class; ties: class, then dataset index), with its class's
    record."""
    found = [(im["prob_true"], r["class"]["id"], im["index"], im, r) for r in records
             for im in r["images"] if im["predicted_class"] is not None]
    if not found:
        return None
    *_, im, r = min(found, key=lambda t: t[:3])
    return im, r


def _ablation(e: dict[str, Any] | None, what: str, cls: str) -> str:
    if not e:
        return f"It has none of {what}: nothing to replace."
    flip = "flips the prediction" if e["flipped"] else "leaves the prediction"
    moves = "lowers" if e["logit_drop"] >= 0 else "raises"
    return (f"Replacing {what} ({e['size']} channel{'s' * (e['size'] != 1)}) {flip} and {moves} "
            f"{cls}'s logit by {abs(e['logit_drop']):.2f} (random sets of the same size per "
            f"layer: a mean drop of {e['random_logit_drop']:.2f}, {e['random_flip_rate']:.0%} "
            f"of them flip it; p = {e['p']:.2g}, the share of random sets dropping it at least "
            "as far).")


def summary_markdown(records: list[dict[str, Any]], names: list[str]) -> str:
    """The passage: counts, the misclassified images' graphs against both classes', the
    evidence's rate, and the example."""
    images = [im for r in records for im in r["images"]]
    wrong = [im for im in images if im["predicted_class"] is not None]
    closer = sum(im["predicted_class"]["jaccard"] > im["true_class"]["jaccard"] for im in wrong)
    beat = sum(im["evidence"].get("own_graph", {}).get("p", 1.0) <= LEVEL for im in images)
    repeats = records[0]["settings"]["repeats"] if records else 0
    lines = [f"{len(images)} images explained in {len(records)} classes, "
             f"{sum(im['reason'] == 'misclassified' for im in images)} of them misclassified. "
             f"Of the {len(wrong)} misclassified into another class of the study, {closer} have "
             "their own graph closer (vertex Jaccard) to the predicted class's graph than to "
             f"their true class's. Ablating an image's own graph lowers its class's logit more "
             f"than all but {LEVEL:.0%} of {repeats} random sets of the same size for {beat} of "
             f"the {len(images)} images (one image each: every such statement is tentative)."]
    found = example(records)
    if found:
        im, r = found
        a, b = names[im["label"]], names[im["predicted"]]
        t, q = im["true_class"], im["predicted_class"]
        pulls = ", ".join(f"{p['id']} ({p['strength']:.2f})" for p in im["pulls"][:5]) or "none"
        lines += ["", f"The most confidently misclassified: image #{im['index']}, a {a} "
                  f"predicted {b} with probability {im['probabilities'][0]['prob']:.2f} "
                  f"({a}: {im['prob_true']:.2f}). Its own graph has {len(im['graph']['nodes'])}"
                  f" vertices; it activates {len(t['uses'])} of the {a} graph's "
                  f"{len(t['uses']) + len(t['lacks'])} vertices and {len(q['uses'])} of the "
                  f"{b} graph's {len(q['uses']) + len(q['lacks'])} (vertex Jaccard of its graph "
                  f"with {a}'s {t['jaccard']:.2f}, with {b}'s {q['jaccard']:.2f}). The {b} "
                  f"channels outside the {a} graph that pull it there (strength: its maximum "
                  f"over the channel's largest): {pulls}.",
                  "", _ablation(im["evidence"].get("own_graph"), "its own graph's channels", a),
                  _ablation(im["evidence"].get("class_channels_used"),
                            f"the {a} graph's channels that it activates", a)]
    return "\n".join(lines) + "\n"
