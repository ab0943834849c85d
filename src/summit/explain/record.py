"""One explained image's record: its prediction, its own graph, how it relates to its true
and predicted classes' graphs, and the evidence; what the site's Images section shows."""

from __future__ import annotations

import base64
import io
from collections.abc import Callable
from typing import Any

import numpy as np
from PIL import Image

from summit.explain.choose import Chosen
from summit.explain.relate import pulls, relation
from summit.method.resampling import vertex_set

TOP_PROBABILITIES = 5


def data_uri(pixels: np.ndarray) -> str:
    """An image (uint8, H×W or H×W×3) as a PNG data URI, to travel inside the record."""
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG", optimize=True)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def pixels(uri: str) -> np.ndarray:
    """A ``data_uri`` image back as uint8 pixels."""
    with Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1]))) as img:
        return np.asarray(img.copy())


def probabilities(logits: np.ndarray) -> np.ndarray:
    """Softmax of one image's logits, in float64."""
    z = np.exp(logits.astype(np.float64) - logits.max())
    return z / z.sum()


def image_record(chosen: Chosen, label: int | None, logits: np.ndarray,
                 graph: dict[str, Any], activated: list[str], strength: dict[str, float],
                 class_graph: Callable[[int], dict[str, Any] | None], class_names: list[str]
                 ) -> dict[str, Any]:
    """Everything but the evidence for one image; ``label`` None for an image of unknown
    class (``summit explain --image``). ``class_graph(id)`` loads a class's graph (None for an
    output that is not a class of the study); ``strength`` maps each activated vertex to the
    image's maximum over the channel's largest in the study."""
    probs = probabilities(logits)
    predicted = int(probs.argmax())
    top = np.argsort(-probs, kind="stable")[:TOP_PROBABILITIES]
    own, active = vertex_set(graph), set(activated)
    true_graph = class_graph(label) if label is not None else None
    record = {"index": chosen.index, "reason": chosen.reason, "label": label,
              "predicted": predicted,
              "prob_true": None if label is None else round(float(probs[label]), 6),
              "probabilities": [{"class": int(c), "name": class_names[c],
                                 "prob": round(float(probs[c]), 6)} for c in top],
              "activation_set": activated,
              "graph": {key: graph[key] for key in ("layers", "nodes", "edges")},
              "true_class": relation(active, own, true_graph) if true_graph else None,
              "predicted_class": None, "pulls": []}
    predicted_graph = class_graph(predicted) if predicted != label else None
    if predicted_graph is not None:  # None: the prediction is not a class of the study
        record["predicted_class"] = relation(active, own, predicted_graph)
        if true_graph:
            record["pulls"] = pulls(active, strength, true_graph, predicted_graph)
    return record
