"""Stage ``randomization``: the model re-initialized from the output down (a copy per depth
of the cascade), and every randomized model's study (and the shuffled-label net's) set
against the trained model's (``summit.randomization``)."""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path
from typing import Any

from summit.io.reports import RandomizationReport, Randomized
from summit.model.structure import Structure
from summit.model.study import torch_device
from summit.settings import RandomizationSettings
from summit.steps import step

log = logging.getLogger("summit")


@step
def randomization_weights(p: dict[str, Any], *, trained: Path, structure: Path, weights: Path,
                          record: Path) -> None:
    """The trained weights with step ``p["depth"]`` of the cascade re-initialized."""
    import torch

    from summit.io import data
    from summit.model import models
    from summit.randomization.cascade import cascade, randomize

    s = RandomizationSettings.from_config(p["randomization"])
    spec = data.InputSpec.from_config(p["input"])
    model = models.load_model(p["model"], trained, len(data.class_names(p["dataset"])),
                              spec.channels, torch.device("cpu"))
    layers = [x.name for x in Structure.load(structure).layers]
    chosen = cascade(model, layers, torch.zeros(2, spec.channels, spec.size, spec.size))
    chosen = chosen[p["depth"] - 1]
    randomize(model, chosen.modules, s.seed + chosen.depth)
    log.info("depth %d (%s): %d modules re-initialized: %s", chosen.depth, chosen.name,
             len(chosen.modules), ", ".join(chosen.modules))
    weights.parent.mkdir(parents=True, exist_ok=True)
    torch.save(model.state_dict(), weights)
    Randomized(depth=chosen.depth, name=chosen.name, modules=list(chosen.modules),
               seed=s.seed + chosen.depth).save(record)


@step
def randomization(p: dict[str, Any], *, weights: list[Path], structure: Path, graphs: list[Path],
                  counts: list[Path], records: list[Path], report: Path, markdown: Path,
                  png: Path, pdf: Path) -> None:
    """Each model of ``p["kinds"]`` (the trained one first; ``weights`` in that order, its
    ``graphs`` per class and ``counts`` per layer model by model, ``records`` the cascade's)
    measured against the trained model; the report, its sentences and its figure."""
    import numpy as np

    from summit.io import data
    from summit.io.artifacts import ActivationCounts, ClassGraph
    from summit.io.files import write_text
    from summit.model import models
    from summit.randomization.study import Studied, held_out_batches, measure
    from summit.randomization.summary import summary_markdown
    from summit.render.analysis.randomization import draw_randomization
    from summit.render.figures import save

    s = RandomizationSettings.from_config(p["randomization"])
    device = torch_device(p)
    spec = data.InputSpec.from_config(p["input"])
    layers = Structure.load(structure).layers
    channels = {x.name: x.channels for x in layers}
    n, cascade = len(p["class_ids"]), iter(Randomized.load(x) for x in records)
    studied = []
    for i, kind in enumerate(p["kinds"]):
        step_ = next(cascade) if kind == "cascade" else None
        studied.append(Studied(
            kind, step_.name if step_ else kind, step_.depth if step_ else None,
            [ClassGraph.load(x).to_json() for x in graphs[i * n:(i + 1) * n]],
            [np.asarray(ActivationCounts.load(x).counts)
             for x in counts[i * len(layers):(i + 1) * len(layers)]]))
    dataset = data.open_dataset(p["dataset"], spec, data.evaluation_split(p["dataset"]),
                                p.get("download"))
    batches = held_out_batches(dataset, p["class_ids"], s, p["batch_size"])
    rows = []
    for i, (w, st) in enumerate(zip(weights, studied, strict=True)):
        model = models.load_model(p["model"], w, len(data.class_names(p["dataset"])),
                                  spec.channels, device)
        rows.append(measure(model, st, studied[0], channels, batches, s, p["neighbours"]["k"],
                            i, p["batch_size"], device))
        log.info("%s: accuracy %.3f, vertex Jaccard %.3f (chance %.3f), faithfulness %.4f",
                 st.name, rows[-1]["accuracy"], rows[-1]["graphs"]["mean"]["jaccard"],
                 rows[-1]["graphs"]["mean"]["chance"], rows[-1]["faithfulness"]["mean_effect"])
    out = RandomizationReport(settings=dataclasses.asdict(s), class_ids=list(p["class_ids"]),
                              layers=list(channels), models=rows)
    out.save(report)
    write_text(markdown, summary_markdown(out.to_json()))
    save(draw_randomization(out.to_json()), png, pdf)
