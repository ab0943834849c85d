"""Evidence for one image's explanation: channel sets ablated on the image (its own graph's
channels; the true class graph's channels it uses) against random sets of the same size per
layer. Does its prediction flip, how far does the true class's logit fall, and how often does
a random set do as much? The conditions run stacked after the image's shared prefix
(``evidence.faithfulness.evaluate``)."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import torch

from summit.evidence.faithfulness import evaluate, random_sets
from summit.model.interventions import Condition, Intervener

ChannelSets = Mapping[str, list[int]]  # layer → channels


def per_layer(vertices: list[str]) -> dict[str, list[int]]:
    """Vertex ids ``layer:channel`` grouped by layer."""
    out: dict[str, list[int]] = {}
    for v in vertices:
        layer, channel = v.rsplit(":", 1)
        out.setdefault(layer, []).append(int(channel))
    return out


def evidence_sets(record: dict) -> dict[str, dict[str, list[int]]]:
    """What is ablated on an explained image (``explain.record``): its own graph's channels,
    and the channels of its true class's graph it uses (of an image of unknown class, of its
    predicted class's graph)."""
    known = record["true_class"] or record["predicted_class"]
    return {"own_graph": per_layer([n["id"] for n in record["graph"]["nodes"]]),
            "class_channels_used": per_layer(known["uses"] if known else [])}


def ablation(channels: Mapping[str, int], chosen: ChannelSets) -> Condition:
    """The condition replacing ``chosen`` channels (``channels``: each layer's width)."""
    out = {}
    for layer, picked in chosen.items():
        mask = np.zeros(channels[layer], bool)
        mask[np.asarray(picked, np.int64)] = True
        out[layer] = mask
    return out


def conditions(channels: Mapping[str, int], sets: Mapping[str, ChannelSets], repeats: int,
               rng: np.random.Generator) -> tuple[list[Condition], dict[str, int]]:
    """The clean run (row 0), then per named set its ablation followed by ``repeats`` random
    sets of the same size per layer drawn outside it; the row of each set's ablation."""
    out: list[Condition] = [{}]
    rows = {}
    for name, chosen in sets.items():
        rows[name] = len(out)
        out.append(ablation(channels, chosen))
        for _ in range(repeats):
            out.append(ablation(channels, {
                layer: random_sets(rng, channels[layer], picked, len(picked), 1)[0]
                for layer, picked in chosen.items() if picked}))
    return out, rows


def image_evidence(intervener: Intervener, image: torch.Tensor, label: int,
                   channels: Mapping[str, int], sets: Mapping[str, ChannelSets],
                   repeats: int, rng: np.random.Generator, max_batch: int,
                   device: torch.device) -> dict[str, dict[str, float | int | bool | None]]:
    """Per named set: its size, the prediction after ablating it, whether it flipped, the
    true class's logit drop, and over the random sets the mean drop, the share that flip the
    prediction and the share dropping the logit at least as far (a p-value, (1 + n) / (1 +
    repeats))."""
    sets = {name: chosen for name, chosen in sets.items() if any(chosen.values())}
    table, rows = conditions(channels, sets, repeats, rng)
    out = evaluate(intervener, [(image[None], torch.tensor([label]))], table, max_batch,
                   device)
    logit, predicted = out.logit[:, 0], out.predicted[:, 0]
    clean = int(predicted[0])
    result = {}
    for name, row in rows.items():
        drop = float(logit[0] - logit[row])
        random = slice(row + 1, row + 1 + repeats)
        random_drops = logit[0] - logit[random]
        result[name] = {
            "size": sum(len(x) for x in sets[name].values()),
            "predicted": int(predicted[row]), "flipped": bool(predicted[row] != clean),
            "logit_drop": round(drop, 6),
            "random_logit_drop": round(float(random_drops.mean()), 6),
            "random_flip_rate": round(float((predicted[random] != clean).mean()), 6),
            "p": round(float((1 + (random_drops >= drop).sum()) / (1 + repeats)), 6)}
    return result
