"""Stage ``model``: train the demo network (or take given weights) and describe the model."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from summit.io.artifacts import ModelCard
from summit.io.files import read_json, write_json
from summit.model.study import study_model, torch_device
from summit.settings import TrainSettings
from summit.steps import step

log = logging.getLogger("summit")


@step
def train(p: dict[str, Any], *, weights: Path, metrics: Path, checkpoints: list[Path]) -> None:
    """Train the demo model with a fixed seed; cache weights, metrics and epoch checkpoints
    (``checkpoints`` names the files ``epoch<n>.pt`` to keep). ``p["download"]``, when the
    workflow sets it, is where the built-in dataset may be downloaded (under the results)."""
    import torch

    from summit.io import data
    from summit.model import models
    from summit.model.train import planned_epochs, train_model

    device = torch_device(p)
    spec = data.InputSpec.from_config(p["input"])
    train_set = data.open_dataset(p["dataset"], spec, "train", p.get("download"))
    test_set = data.open_dataset(p["dataset"], spec, "test", p.get("download"))
    t = TrainSettings.from_config(p["model"]["train"])
    torch.manual_seed(t.seed)
    model = models.build_model(p["model"], len(data.class_names(p["dataset"])),
                               spec.channels).to(device)

    def checkpoint(epoch: int, trained: torch.nn.Module) -> None:
        path = {c.name: c for c in checkpoints}.get(f"epoch{epoch}.pt")
        if path:
            path.parent.mkdir(parents=True, exist_ok=True)
            state = {k: v.detach().cpu().contiguous() for k, v in trained.state_dict().items()}
            torch.save(state, path)

    result = train_model(model, train_set, test_set,
                         epochs=planned_epochs(p["dataset"], p["model"]["train"]),
                         batch_size=t.batch_size, lr=t.lr, seed=t.seed, device=device,
                         max_train_images=t.max_images, shuffle_labels=t.shuffle_labels,
                         log=log.info, on_epoch=checkpoint)
    for warning in result["warnings"]:  # on the console too, not only in the job's log
        print(f"summit train: warning: {warning}", flush=True)
    weights.parent.mkdir(parents=True, exist_ok=True)
    torch.save(model.cpu().state_dict(), weights)
    write_json(metrics, result)


@step
def describe_model(p: dict[str, Any], *, weights: Path, metrics: Path | None, model: Path,
                   structure: Path) -> None:
    """Check the model loads and takes the input; record its structure and checksum."""
    import torch

    from summit.io.checksum import sha256
    from summit.model.hops import trace_structure

    network, spec = study_model(p, weights, torch_device(p))
    traced = trace_structure(network.cpu(), p["layers"],
                             torch.zeros(1, spec.channels, spec.size, spec.size))
    training = read_json(metrics) if metrics else {}
    traced.save(structure)
    ModelCard(name=p["model"]["name"], kind=p["model"]["kind"],
              architecture=(p["model"].get("architecture") or p["model"].get("factory")
                            or "demo"),
              parameters=sum(t.numel() for t in network.parameters()), weights=str(weights),
              weights_sha256=sha256(weights),
              test_accuracy=training.get("test_accuracy"), training=training,
              layers=[x.name for x in traced.layers]).save(model)
