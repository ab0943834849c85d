"""Where every artifact of a study lives, once: the workflow's rules (``P`` in
workflow/rules/common.smk) and the commands that read a finished study (``summit explain``)
take their paths from here, so the layout is stated in one place."""

from __future__ import annotations

from pathlib import Path

# Under any study's folder: the main results, or a compared model's or seed's study.
STUDY: dict[str, str] = {
    "weights": "model/weights.pt",
    "metrics": "model/metrics.json",
    "epoch_weights": "model/checkpoints/epoch{epoch}.pt",
    "model": "model/model.json",
    "structure": "model/structure.json",
    "store": "aggregate/{cls}.zarr",
    "counts": "activations/{layer}.npz",
    "graph": "graphs/{cls}.json",
    "stability": "stability/{cls}.json",
    "resampled_graphs": "stability/{cls}.resamples.json",
    "graphml": "graphs/{cls}.graphml",
    "featvis": "featvis/{layer}.json",
    "featvis_atlas": "featvis/{layer}.png",
    "nonsemantic": "analysis/nonsemantic.json",
    "nonsemantic_table": "analysis/nonsemantic.csv",
    "ground_truth": "ground_truth/measured.json",
    "randomized": "model/randomized.json",
    "matching": "matching/{layer}.json",
}
# Only in the main results folder.
MAIN: dict[str, str] = {
    "neighbours": "analysis/neighbours.json",
    "channel_descriptions": "analysis/channel_descriptions.json",
    "class_pairs": "analysis/class_pairs.json",
    "motifs": "analysis/motifs.json",
    "embedding": "embedding/embedding.json",
    "stats": "stats/{cls}.json",
    "examples": "examples/{layer}.json",
    "examples_atlas": "examples/{layer}.png",
    "separability": "analysis/separability/{layer}.json",
    "model_comparison": "analysis/models/{cls}.json",
    "model_comparison_table": "analysis/model_comparison.csv",
    "model_comparison_markdown": "analysis/model_comparison.md",
    "faithfulness": "faithfulness/{cls}.json",
    "faithfulness_reference": "faithfulness/reference.npz",
    "explain": "explain/{cls}.json",
    "explain_images": "explain/images",
    "explain_markdown": "analysis/explained.md",
    "confusions": "analysis/confusions.json",
    "confusions_markdown": "analysis/confusions.md",
    "ground_truth_report": "analysis/ground_truth.json",
    "ground_truth_markdown": "analysis/ground_truth.md",
    "randomization": "analysis/randomization.json",
    "randomization_markdown": "analysis/randomization.md",
    "faithfulness_table": "analysis/faithfulness.csv",
    "faithfulness_markdown": "analysis/faithfulness.md",
    "stability_table": "analysis/stability.csv",
    "stability_markdown": "analysis/stability.md",
    "separability_table": "analysis/separability.csv",
    "neighbours_table": "analysis/neighbours.csv",
    "class_similarity": "analysis/class_similarity.csv",
    "class_pairs_support": "analysis/class_pairs_support.csv",
    "recurring_channels": "analysis/recurring_channels.csv",
    "recurring_edges": "analysis/recurring_edges.csv",
    "seeds": "analysis/seeds.json",
    "seeds_table": "analysis/seeds.csv",
    "seeds_markdown": "analysis/seeds.md",
    "findings": "analysis/findings.json",
    "findings_markdown": "analysis/findings.md",
    "provenance": "provenance.json",
    "site": "site/index.html",
    "figure": "figures/{name}.{ext}",
}


def templates(results: str) -> dict[str, str]:
    """Every artifact's path template, ``{study}`` left in those of any study and
    ``results`` put in those of the main one; other wildcards (``{cls}``, ``{layer}``) left."""
    return {**{k: "{study}/" + v for k, v in STUDY.items()},
            **{k: f"{results}/{v}" for k, v in MAIN.items()}}


def artifact(results: Path, name: str, **wildcards: object) -> Path:
    """The path of artifact ``name`` of the main study in ``results``."""
    template = STUDY.get(name) or MAIN[name]
    return Path(results) / template.format(**wildcards)
