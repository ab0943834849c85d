"""The ground truth over the studies (the model's and each training seed's): per stamp, in
how many studies each planted class's graph holds a pattern channel, and with one in the
first ranks of every layer that has them; the range of precision and of the share of the
shortcut that ablating the found channels removes; and the run's sentences on it."""

from __future__ import annotations

from typing import Any

from summit.ground_truth.recovery import TOP


def _fmt(x: float | None, spec: str = ".2f") -> str:
    return "–" if x is None else format(x, spec)


def _span(values: list[float]) -> dict[str, float | None]:
    kept = [v for v in values if v is not None]
    return {"min": min(kept, default=None), "max": max(kept, default=None)}


def across(studies: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per stamp (in the studies' shared order), what holds across the studies."""
    out = []
    for k, first in enumerate(studies[0]["stamps"] if studies else []):
        each = [s["stamps"][k] for s in studies]
        classes = [str(c) for c in first["stamp"]["classes"]]
        out.append({
            "stamp": first["stamp"], "studies": len(each),
            "held": {c: sum(bool(st["recovery"]["classes"][c]["found"]) for st in each)
                     for c in classes},
            "top": {c: sum(st["recovery"]["classes"][c]["top"] for st in each)
                    for c in classes},
            "unplanted_clean": sum(not st["recovery"]["unplanted_holding"] for st in each),
            "precision": _span([st["recovery"]["precision"] for st in each]),
            "removed": {c: _span([st["ablation"][c].get("found", {}).get("removed")
                                  for st in each]) for c in classes},
            "gain": _span([st["shortcut"]["gain"]["mean"] for st in each]),
        })
    return out


def _layers(pattern: dict[str, list[int]]) -> str:
    parts = [f"{layer} {len(c)}" for layer, c in pattern.items() if c]
    return ", ".join(parts) if parts else "none"


def stamp_lines(st: dict[str, Any], names: dict[str, str]) -> list[str]:
    """One study's sentences on one stamp."""
    cut, rec = st["shortcut"], st["recovery"]
    acc = cut["accuracy"]
    n = sum(len(c) for c in st["pattern"].values())
    lines = [f"  - shortcut: accuracy on its {cut['n_planted']} planted test images "
             f"{acc['stamped']['mean']:.3f} [{acc['stamped']['low']:.3f}, "
             f"{acc['stamped']['high']:.3f}] stamped against {acc['clean']['mean']:.3f} "
             f"[{acc['clean']['low']:.3f}, {acc['clean']['high']:.3f}] clean; other classes' "
             f"images predicted as its classes: {cut['pulled']['stamped']['mean']:.3f} stamped, "
             f"{cut['pulled']['clean']['mean']:.3f} clean",
             f"  - {n} pattern channels ({_layers(st['pattern'])})"]
    for c in map(str, st["stamp"]["classes"]):
        r = rec["classes"][c]
        ranks = ", ".join(f"{layer} {_fmt(b, 'd')}"
                          for layer, b in r["best_rank"].items())
        a = st["ablation"].get(c, {})
        found = a.get("found")
        ablated = (f"; ablating them: accuracy {found['accuracy']:.3f} (random sets "
                   f"{found['random_accuracy']:.3f}, p {found['p']:.3f}), "
                   f"{_fmt(found['removed'], '.0%')} of the gain removed" if found else "")
        support = r.get("resampled", {}).get("any")
        lines.append(f"  - {names[c]}'s graph holds {len(r['found'])} (recall "
                     f"{_fmt(r['recall'])}; best rank per layer: {ranks}; in "
                     f"{_fmt(support, '.0%')} of its resampled graphs){ablated}")
        if a.get("pattern"):
            lines.append(f"    - ablating all {a['pattern']['size']} pattern channels: "
                         f"{_fmt(a['pattern']['removed'], '.0%')} of the gain removed")
    others = ", ".join(names[str(c)] for c in rec["unplanted_holding"]) or "none"
    lines.append(f"  - precision {_fmt(rec['precision'])}; unplanted classes whose graph holds "
                 f"one: {others}; flagged non-semantic: {len(rec['nonsemantic'])}")
    if "shared" in rec:
        motifs = rec["shared"]["motifs"]
        lines.append(f"  - in every one of its classes' graphs: {len(rec['shared']['shared'])}; "
                     "motifs holding one: "
                     f"{'not mined in this study' if motifs is None else len(motifs)}")
    return lines


def summary_markdown(studies: list[dict[str, Any]], held: list[dict[str, Any]],
                     class_names: list[str]) -> str:
    """The ground truth in the run's words: each stamp, each study, then across studies
    (``class_names``: every output's name, by id). No headings: the README pastes it inside
    its own section."""
    out = []
    names = {str(c): n for c, n in enumerate(class_names)}
    for k, h in enumerate(held):
        stamp = h["stamp"]
        out.append(f"**{stamp['pattern']} ({stamp['size']} px, {stamp['position']}) in "
                   f"{' and '.join(stamp['names'])}, {stamp['share']:.0%} of their images**")
        out.append("")
        for s in studies:
            out.append(f"- {s['study']} (seed {s['seed']}):")
            out.extend(stamp_lines(s["stamps"][k], names))
        planted = ", ".join(f"{names[c]} {h['held'][c]} of {h['studies']} (with one in the "
                            f"first {TOP} of every layer: {h['top'][c]})" for c in h["held"])
        out.append(f"- across {h['studies']} studies, a pattern channel in the graph of: "
                   f"{planted}; some unplanted class's graph holds one in "
                   f"{h['studies'] - h['unplanted_clean']} of {h['studies']}")
        out.append("")
    return "\n".join(out)
