"""Stage ``model_comparison``: one class's graphs under two models compared through the
channel matching (stage ``matching``) and drawn as one graph, and every class's comparison
in one table and heatmap, each with its spread over the resampled graphs (resample b of one
model's against resample b of the other's)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from summit.io.artifacts import ClassGraph, ModelCard, ResampledGraphs
from summit.io.files import write_csv
from summit.io.reports import ChannelMatching, ModelComparison
from summit.settings import StabilitySettings
from summit.steps import step


def _accuracy(store_path: Path) -> float | None:
    from summit.io.store import ClassStore

    store = ClassStore(store_path)
    if not store.attrs["n_images"]:
        return None
    return float((store.prediction("predicted") == store.prediction("label")).mean())


@step
def model_comparison(p: dict[str, Any], *, graph_a: Path, graph_b: Path, store_a: Path,
                     store_b: Path, model_a: Path, model_b: Path, resampled_a: Path | None,
                     resampled_b: Path | None, matchings: list[Path], featvis_a: list[Path],
                     featvis_b: list[Path], report: Path, png: Path, pdf: Path) -> None:
    """One class's graphs from two models compared through the channel matching (one file
    per layer of A, in order), drawn as one graph whose matched vertices show both models'
    renders, with the spread of what changed over the class's resampled graphs (when the
    stability stage built them)."""
    from summit.analyses.class_comparison import compare, conserved, resampled_comparison
    from summit.analyses.matching import summary, translate, translate_resampled
    from summit.io.atlas import FeatvisAtlas, load_atlases
    from summit.render.figures import draw_matched, save, spread_text
    from summit.render.layout import union

    a, b = ClassGraph.load(graph_a).to_json(), ClassGraph.load(graph_b).to_json()
    matched = {m.layer_a: m.to_json() for m in map(ChannelMatching.load, matchings)}
    b = translate(b, matched)
    labels = [ModelCard.load(x).name for x in (model_a, model_b)]
    accuracy = [_accuracy(store_a), _accuracy(store_b)]
    if resampled_a and resampled_b:
        spread = resampled_comparison(
            ResampledGraphs.load(resampled_a).to_json(),
            translate_resampled(ResampledGraphs.load(resampled_b).to_json(), matched),
            a["layers"])
    else:  # the stability stage off: no resamples, every spread and support not measured
        none = {"class": a["class"], "resamples": []}
        spread = resampled_comparison(none, none, a["layers"])
    kept = conserved(a, b)
    result = ModelComparison(
        **compare(a, b), models=labels, accuracy=accuracy, conserved=kept,
        matching={layer: summary(m) for layer, m in matched.items()},
        graph_b={k: b[k] for k in ("layers", "nodes", "edges")},
        stability={**spread,
                   "min_support": StabilitySettings.from_config(p["stability"]).min_support})
    result.save(report)
    acc = " → ".join("n/a" if x is None else f"{x:.1%}" for x in accuracy)
    fig = draw_matched(union(a, b), load_atlases(featvis_a, FeatvisAtlas),
                       load_atlases(featvis_b, FeatvisAtlas), labels[0], labels[1],
                       f"{a['class']['name']}: two models' attribution graphs, channels "
                       f"matched by their responses\n{kept['vertices']:.0%} of A's vertices "
                       f"kept{spread_text(spread['conserved'])}; vertex Jaccard "
                       f"{result.vertex_jaccard:.2f}; accuracy on the class's images {acc}")
    save(fig, png, pdf)


@step
def model_comparison_summary(p: dict[str, Any], *, comparisons: list[Path], table: Path,
                             markdown: Path, png: Path, pdf: Path) -> None:
    """Every class's model comparison in one table, the run's sentences and one heatmap:
    the share of each graph kept and the Jaccards with their spread over the resamples, and
    the support of "this class changes most" (lowest vertex Jaccard) for every class."""
    from summit.analyses.class_comparison import changes_most, models_markdown
    from summit.io.files import write_text
    from summit.render.analysis.model_comparison import draw_model_summary
    from summit.render.figures import save

    results = [ModelComparison.load(x) for x in comparisons]
    most = changes_most([r.vertex_jaccard for r in results],
                        [r.stability["vertex_jaccards"] for r in results],
                        StabilitySettings.from_config(p["stability"]).min_support)

    def row(r: ModelComparison, share: float) -> dict[str, Any]:
        out = {"class_id": r.a["id"], "class": r.a["name"], "accuracy_a": r.accuracy[0],
               "accuracy_b": r.accuracy[1]}
        for name, value, spread in [
                ("conserved", r.conserved["vertices"], r.stability["conserved"]),
                ("vertex_jaccard", r.vertex_jaccard, r.stability["vertex_jaccard"]),
                ("edge_jaccard", r.edge_jaccard, r.stability["edge_jaccard"]),
                *((f"{layer}_jaccard", c["jaccard"], r.stability["layers"][layer])
                  for layer, c in r.layers.items())]:
            out |= {name: value, f"{name}_p5": spread["p5"], f"{name}_p95": spread["p95"]}
        return {**out, "conserved_edges": r.conserved["edges"], "changes_most_support": share}

    write_csv(table, [row(r, most["shares"][i]) for i, r in enumerate(results)])
    write_text(markdown, models_markdown([r.to_json() for r in results], most))
    save(draw_model_summary([r.to_json() for r in results], most), png, pdf)
