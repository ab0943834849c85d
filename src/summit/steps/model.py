"""Stage ``model``: train the demo network (or take given weights) and describe the model.

Also the model loading every step that runs the network shares.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from summit.artifacts import ModelCard, read_json, write_json
from summit.settings import TrainSettings
from summit.steps import step

if TYPE_CHECKING:
    import torch

    from summit.data import InputSpec

log = logging.getLogger("summit")


def torch_device(p: dict[str, Any]) -> torch.device:
    """Set PyTorch's threads and denormal handling; the configured (or best) device."""
    import torch

    from summit import models

    torch.set_num_threads(p.get("threads", 2))
    torch.set_flush_denormal(True)
    return models.select_device(p.get("device", "auto"))


def study_model(p: dict[str, Any], weights: Path, device: torch.device
                ) -> tuple[torch.nn.Module, InputSpec]:
    """The configured model with its weights on ``device``, and its input settings."""
    from summit import data, models

    spec = data.InputSpec.from_config(p["input"])
    n_outputs = len(data.class_names(p["dataset"]))
    return models.load_model(p["model"], weights, n_outputs, spec.channels, device), spec


@step
def train(p: dict[str, Any], *, weights: Path, metrics: Path, checkpoints: list[Path]) -> None:
    """Train the demo model with a fixed seed; cache weights, metrics and epoch checkpoints
    (``checkpoints`` names the files ``epoch<n>.pt`` to keep). ``p["download"]``, when the
    workflow sets it, is where the built-in dataset may be downloaded (under the results)."""
    import torch

    from summit import data, models
    from summit.train import planned_epochs, train_model

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
                         max_train_images=t.max_images, log=log.info, on_epoch=checkpoint)
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

    from summit import models
    from summit.hops import trace_structure

    network, spec = study_model(p, weights, torch_device(p))
    traced = trace_structure(network.cpu(), p["layers"],
                             torch.zeros(1, spec.channels, spec.size, spec.size))
    training = read_json(metrics) if metrics else {}
    traced.save(structure)
    ModelCard(name=p["model"]["name"], kind=p["model"]["kind"],
              architecture=(p["model"].get("architecture") or p["model"].get("factory")
                            or "demo"),
              parameters=sum(t.numel() for t in network.parameters()), weights=str(weights),
              weights_sha256=models.sha256(weights),
              test_accuracy=training.get("test_accuracy"), training=training,
              layers=[x.name for x in traced.layers]).save(model)
