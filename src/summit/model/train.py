"""Train and evaluate the demo network reproducibly (fixed seed) on CPU or CUDA.

Fashion-MNIST is batched straight from its uint8 arrays (one indexing op per batch instead of
per-image Python calls), which keeps a full 60k-image training within minutes on two CPU
cores; any other dataset goes through a plain ``DataLoader``. Images labelled -1 (unreadable
files) are dropped from every batch.

Training length follows the data: unless ``model.train.epochs`` is set, the demo net gets
enough epochs for ``MIN_STEPS`` optimiser steps (Fashion-MNIST's 60 000 images in batches of
256: 3 epochs), and a shorter training is reported, since its accuracy may be far from what
the network reaches (a 5 000-image folder: 77.7 % after 3 epochs, 98.4 % after 8).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, Dataset, Subset

from summit.io.data import no_readable_image, train_image_count
from summit.io.fashion_mnist import FashionMNIST
from summit.settings import TrainSettings

Batch = tuple[torch.Tensor, torch.Tensor]

# The demo's own training length, 3 epochs of Fashion-MNIST (3 x 235 = 705 batches of 256);
# on a 5 000-image folder 3 epochs are 60 steps and leave the net visibly undertrained.
MIN_STEPS = 700
# Tiny datasets would otherwise need hundreds of epochs, each one a checkpoint file.
MAX_AUTO_EPOCHS = 100


def steps_per_epoch(n_images: int, batch_size: int, max_images: int | None = None) -> int:
    """Optimiser steps per epoch: batches of the images trained on (``max_images`` caps them)."""
    return math.ceil(min(n_images, max_images or n_images) / batch_size)


def auto_epochs(steps: int) -> int:
    """Epochs for at least ``MIN_STEPS`` optimiser steps of ``steps`` per epoch, at most
    ``MAX_AUTO_EPOCHS``: Fashion-MNIST's 235 steps get 3, a 5 000-image folder's 20 get 35."""
    return min(MAX_AUTO_EPOCHS, math.ceil(MIN_STEPS / steps))


def planned_epochs(dataset_cfg: dict[str, Any], train_cfg: dict[str, Any]) -> int:
    """The epochs the demo net trains for, known before it does (checkpoints are named by
    epoch): ``model.train.epochs``, or when null ``auto_epochs`` for the dataset's training
    images, counted without reading one."""
    t = TrainSettings.from_config(train_cfg)
    if t.epochs is not None:
        return t.epochs
    n_images = train_image_count(dataset_cfg)
    return auto_epochs(steps_per_epoch(n_images, t.batch_size, t.max_images))


def short_training(epochs: int, steps: int, accuracy: float) -> str | None:
    """A one-line warning when ``epochs`` of ``steps`` optimiser steps are under
    ``MIN_STEPS`` (the model may be far from what it can reach), else None."""
    if epochs * steps >= MIN_STEPS:
        return None
    return (f"short training: {epochs * steps} optimiser steps ({epochs} epochs of {steps} "
            f"batches), under the {MIN_STEPS} that model.train.epochs: null aims for; test "
            f"accuracy {accuracy:.1%} may be far below what longer training reaches: set "
            "model.train.epochs: null or more epochs, or a smaller model.train.batch_size")


def _unwrap(dataset: Dataset) -> tuple[Dataset, np.ndarray]:
    """The dataset under any (nested) ``Subset`` and the base indices it exposes."""
    indices = np.arange(len(dataset))
    while isinstance(dataset, Subset):
        indices = np.asarray(dataset.indices)[indices]
        dataset = dataset.dataset
    return dataset, indices


def _batches(dataset: Dataset, order: np.ndarray, batch_size: int,
             labels: np.ndarray | None = None) -> Iterator[Batch]:
    """Batches of ``dataset[i] for i in order`` with unreadable images (label -1) removed;
    ``labels`` (by dataset index) replace the dataset's own."""
    base, base_indices = _unwrap(dataset)
    if isinstance(base, FashionMNIST):
        batches = _fashion_mnist_batches(base, base_indices[order], batch_size)
    else:
        batches = DataLoader(Subset(dataset, order.tolist()), batch_size=batch_size,
                             shuffle=False)
    for start, (x, y) in zip(range(0, len(order), batch_size), batches, strict=True):
        keep = y >= 0
        if labels is not None:
            y = torch.from_numpy(labels[order[start:start + batch_size]]).long()
        yield x[keep], y[keep]


def shuffled_labels(labels: np.ndarray, seed: int) -> np.ndarray:
    """``labels`` permuted among the images (each class keeps its number of images): the
    data-randomization test's labels, which a net can only memorise."""
    return labels[np.random.default_rng(seed).permutation(len(labels))]


def _fashion_mnist_batches(ds: FashionMNIST, indices: np.ndarray,
                           batch_size: int) -> Iterator[Batch]:
    """Same tensors as stacking ``ds[i]`` (see ``FashionMNIST.__getitem__``), batch at a time."""
    for start in range(0, len(indices), batch_size):
        idx = indices[start:start + batch_size]
        yield ds.inputs(ds.images[idx]), torch.from_numpy(ds.labels[idx])


def evaluate(model: nn.Module, dataset: Dataset, batch_size: int,
             device: torch.device) -> tuple[float, list[float]]:
    """Top-1 accuracy overall and per class (NaN for a class absent from ``dataset``)."""
    was_training = model.training
    model.to(device).eval()
    preds, labels, num_classes = [], [], 0
    with torch.no_grad():
        for x, y in _batches(dataset, np.arange(len(dataset)), batch_size):
            if len(y):
                logits = model(x.to(device))
                num_classes = logits.shape[1]
                preds.append(logits.argmax(1).cpu())
                labels.append(y)
    model.train(was_training)
    if not labels:
        raise ValueError("evaluate: the dataset holds no readable image")
    pred, label = torch.cat(preds), torch.cat(labels)
    total = torch.bincount(label, minlength=num_classes).tolist()
    correct = torch.bincount(label[pred == label], minlength=num_classes).tolist()
    per_class = [c / t if t else math.nan for c, t in zip(correct, total, strict=True)]
    return sum(correct) / sum(total), per_class


def _train_epoch(model: nn.Module, batches: Iterator[Batch], optimizer: torch.optim.Optimizer,
                 schedule: torch.optim.lr_scheduler.LRScheduler, device: torch.device, *,
                 steps: int, readable: torch.Tensor | None, log: Callable[[str], None],
                 prefix: str) -> int:
    """One epoch of optimiser steps; returns the images trained on. The schedule steps for
    every batch, even one of unreadable images only, so it ends where planned; ``readable``
    (given in the first epoch) gets each class's readable images added, so a class without
    any stops the training then, not at its end. Loss and speed are logged ten times."""
    log_every = max(1, steps // 10)
    loss_sum, seen, used, t_epoch = 0.0, 0, 0, time.perf_counter()
    for i, (x, y) in enumerate(batches, 1):
        if len(y):
            x = x.to(device, memory_format=torch.channels_last)
            loss = F.cross_entropy(model(x), y.to(device), label_smoothing=0.1)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            loss_sum += loss.item() * len(y)
            seen += len(y)
            used += len(y)
            if readable is not None:
                readable += torch.bincount(y, minlength=len(readable))[:len(readable)]
        schedule.step()
        if i % log_every == 0 or i == steps:
            rate = used / (time.perf_counter() - t_epoch)
            log(f"{prefix} batch {i}/{steps} "
                f"loss {loss_sum / max(seen, 1):.4f} {rate:.0f} images/s")
            loss_sum, seen = 0.0, 0
    return used


def train_model(model: nn.Module, train_set: Dataset, test_set: Dataset, *, epochs: int,
                batch_size: int, lr: float, seed: int, device: torch.device,
                max_train_images: int | None = None, shuffle_labels: bool = False,
                log: Callable[[str], None] = print,
                on_epoch: Callable[[int, nn.Module], None] | None = None) -> dict:
    """Train with SGD + Nesterov under a one-cycle schedule, then measure test accuracy.

    ``lr`` is the schedule's peak. Shuffling, the ``max_train_images`` subset and dropout all
    draw from ``seed``, so on CPU the same seed gives bit-identical weights. There is no
    augmentation: random flips lowered Fashion-MNIST test accuracy after 3 epochs.
    ``on_epoch(epoch, model)`` runs after each epoch, e.g. to save a checkpoint. A training
    under ``MIN_STEPS`` optimiser steps is logged and listed in the result's ``warnings``.
    ``shuffle_labels`` trains on the labels permuted among the training images (by ``seed``).
    """
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    n = len(train_set)
    subset = np.arange(n)
    if max_train_images:
        subset = torch.randperm(n, generator=gen).numpy()[:max_train_images]
    steps = steps_per_epoch(len(subset), batch_size)
    model.to(device, memory_format=torch.channels_last)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9, nesterov=True,
                                weight_decay=5e-4)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=lr, total_steps=epochs * steps)
    t0 = time.perf_counter()
    used = 0
    base, base_indices = _unwrap(train_set)
    classes = np.bincount(base.labels[base_indices[subset]])  # images per class trained on
    labels = shuffled_labels(base.labels[base_indices], seed) if shuffle_labels else None
    readable = torch.zeros(len(classes), dtype=torch.int64)
    for epoch in range(1, epochs + 1):
        model.train()
        order = subset[torch.randperm(len(subset), generator=gen).numpy()]
        batches = _batches(train_set, order, batch_size, labels)
        used = _train_epoch(model, batches, optimizer, schedule, device, steps=steps,
                            readable=readable if epoch == 1 else None, log=log,
                            prefix=f"epoch {epoch}/{epochs}")
        unread = [c for c in np.flatnonzero(classes) if readable[c] == 0]
        if unread:  # found in the first epoch, not after the whole training
            raise no_readable_image(base, int(unread[0]), int(classes[unread[0]]))
        if on_epoch:
            on_epoch(epoch, model)
    train_seconds = time.perf_counter() - t0
    model.to(memory_format=torch.contiguous_format)
    accuracy, per_class = evaluate(model, test_set, 4 * batch_size, device)
    log(f"test accuracy {accuracy:.4f} after {train_seconds:.0f} s of training")
    warnings = [w for w in [short_training(epochs, steps, accuracy)] if w]
    for w in warnings:
        log(f"warning: {w}")
    return {"test_accuracy": accuracy, "per_class_test_accuracy": per_class,
            "train_seconds": train_seconds, "epochs": epochs, "steps": epochs * steps,
            "train_images": used, "seed": seed, "warnings": warnings}
