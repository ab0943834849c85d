"""Stage ``separability``: how well a few channels of A^l separate each class, against the
model itself (paper §8.5)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from summit.io.artifacts import ActivationCounts
from summit.io.files import write_csv
from summit.io.reports import SeparabilityLayer
from summit.settings import SeparabilitySettings
from summit.steps import step


@step
def separability(p: dict[str, Any], *, layer: str, stores: list[Path], counts: Path,
                 report: Path) -> None:
    """One layer: how well each class's top channels separate it, against the model."""
    from summit.analyses.separability import joint_classifier, sample_layer, separate_classes
    from summit.io.store import ClassStore

    s = SeparabilitySettings.from_config(p["separability"])
    class_stores = [ClassStore(x) for x in stores]
    a = ActivationCounts.load(counts)
    ids = a.class_ids.tolist()
    a.check_classes([st.class_id for st in class_stores], "the class stores")
    sample = sample_layer(class_stores, layer, s.max_images_per_class, s.test_share, s.seed)
    m = s.channels_per_class
    result = separate_classes(sample, a.counts, ids, m, s.seed)
    SeparabilityLayer(layer=layer, channels_per_class=m, n_images=len(sample.label),
                      n_test=int(sample.test.sum()), **result,
                      joint=joint_classifier(sample, a.counts, ids, m, s.seed)).save(report)


def table_rows(layers: list[SeparabilityLayer], names: list[str]) -> list[dict[str, Any]]:
    """One CSV row per layer and class: its channels, their AUCs, the classifiers' scores."""
    rows = []
    for r in layers:
        recall = r.joint.get("recall", {})
        for c in r.classes:
            rows.append({"layer": r.layer, "class_id": c["id"], "class": names[c["id"]],
                         "channels": " ".join(str(x["channel"]) for x in c["channels"]),
                         "channel_auc": " ".join(f"{x['auc']:.3f}" for x in c["channels"]),
                         "classifier_balanced_accuracy": c.get("classifier_balanced_accuracy"),
                         "model_balanced_accuracy": c.get("model_balanced_accuracy"),
                         "dense_recall": recall.get(str(c["id"]), {}).get("classifier"),
                         "model_recall": recall.get(str(c["id"]), {}).get("model")})
    return rows


@step
def separability_figure(p: dict[str, Any], *, layers: list[Path], table: Path, png: Path,
                        pdf: Path) -> None:
    """All layers' few-channel classifiers against the model: CSV and figure."""
    from summit.render.analysis.separability import draw_separability
    from summit.render.figures import save

    loaded = [SeparabilityLayer.load(x) for x in layers]
    write_csv(table, table_rows(loaded, p["class_names"]))
    save(draw_separability({r.layer: r.to_json() for r in loaded}, p["class_names"]), png, pdf)
