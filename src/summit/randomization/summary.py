"""The randomization checks' table and sentences, written from the report alone
(``analysis/randomization.md``)."""

from __future__ import annotations

from typing import Any

HEAD_UNCHANGED = 0.999  # a mean Jaccard this high: the graphs did not change


def label(row: dict[str, Any]) -> str:
    """A model's name in the report: trained, a cascade depth, or the shuffled-label net."""
    if row["kind"] == "cascade":
        return ("head re-initialized" if row["name"] == "head"
                else f"re-initialized down to {row['name']}")
    return {"trained": "trained", "shuffled": "trained on shuffled labels"}[row["kind"]]


def _table(rows: list[dict[str, Any]]) -> list[str]:
    out = ["| model | depth | accuracy | vertex Jaccard | chance | neighbours shared | chance | "
           "faithfulness effect |", "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        g, h = r["graphs"]["mean"], r["neighbourhoods"]
        out.append(f"| {label(r)} | {r['depth'] if r['depth'] is not None else '–'} | "
                   f"{r['accuracy']:.3f} | {g['jaccard']:.3f} | {g['chance']:.3f} | "
                   f"{h['mean']:.2f} | {h['chance']:.2f} | "
                   f"{r['faithfulness']['mean_effect']:+.4f} |")
    return out


def _ratio(g: dict[str, float]) -> str:
    return f"{g['jaccard'] / g['chance']:.1f}× chance" if g["chance"] else "chance is 0"


def sentences(rows: list[dict[str, Any]]) -> list[str]:
    """What the run measured, one sentence per check."""
    trained = rows[0]
    cascade = [r for r in rows if r["kind"] == "cascade"]
    out = []
    if cascade:
        full = cascade[-1]
        g = full["graphs"]["mean"]
        out.append(f"Fully randomized (every weight re-initialized), the graphs share a mean "
                   f"vertex Jaccard of {g['jaccard']:.3f} with the trained model's, against "
                   f"{g['chance']:.3f} for random channel sets of the same sizes "
                   f"({_ratio(g)}); by layer, "
                   + ", ".join(f"{x} {v['jaccard']:.3f} (chance {v['chance']:.3f})"
                               for x, v in full["graphs"]["layers"].items()) + ".")
        head = cascade[0]
        if head["graphs"]["mean"]["jaccard"] >= HEAD_UNCHANGED:
            out.append("Re-initializing the head alone leaves the graphs unchanged: a graph "
                       "counts the activations of a class's images, grouped by their true "
                       "label, so weights above the studied layers do not enter it; accuracy "
                       f"falls from {trained['accuracy']:.3f} to {head['accuracy']:.3f}.")
        steps = ", ".join(f"{r['graphs']['mean']['jaccard']:.2f} ({r['name']})"
                          for r in cascade)
        out.append(f"Down the cascade the mean Jaccard goes {steps}.")
        out.append(f"Ablating a class's graph lowers its true class's probability by "
                   f"{trained['faithfulness']['mean_effect']:+.4f} more than random sets of the "
                   f"same size in the trained model (mean over classes), "
                   f"{full['faithfulness']['mean_effect']:+.4f} in the fully randomized one.")
    for r in rows:
        if r["kind"] == "shuffled":
            g = r["graphs"]["mean"]
            out.append(f"The net trained on shuffled labels (accuracy {r['accuracy']:.3f}) has "
                       f"graphs with a mean Jaccard of {g['jaccard']:.3f} against the trained "
                       f"model's (chance {g['chance']:.3f}, {_ratio(g)}), and shares "
                       f"{r['neighbourhoods']['mean']:.2f} of each class's nearest classes "
                       f"(chance {r['neighbourhoods']['chance']:.2f}).")
    return out


def summary_markdown(report: dict[str, Any]) -> str:
    """The report's table and sentences (no heading: the README pastes it in its section)."""
    s = report["settings"]
    return "\n".join([
        f"Every model is studied like the trained one on the same {len(report['class_ids'])} "
        "classes; "
        f"its graphs are compared vertex by vertex with the trained model's graph of the same "
        f"class (chance: random channel sets of the same sizes per layer), its A^l class "
        f"neighbourhoods with the trained model's, and each class's graph is ablated on "
        f"{s['images_per_class']} held-out images of the class against {s['repeats']} random "
        "sets (the true class's probability drop beyond theirs: the faithfulness effect).", "",
        *_table(report["models"]), "", *sentences(report["models"]), ""])
