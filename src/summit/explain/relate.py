"""How an image relates to a class: which of the class graph's vertices the image activates
(its activation set holds them) and which it lacks, and how its own graph compares with the
class's (shared vertices, its own extra ones, Jaccard); for a misclassified image, the
channels that pull it towards the predicted class."""

from __future__ import annotations

from typing import Any

from summit.method.resampling import jaccard, vertex_set


def vertex_order(layers: list[str]):
    """Sort key of vertex ids ``layer:channel``: network order, then channel."""
    def key(v: str) -> tuple[int, int]:
        layer, channel = v.rsplit(":", 1)
        return layers.index(layer), int(channel)
    return key


def relation(activated: set[str], image_graph: set[str], class_graph: dict[str, Any]
             ) -> dict[str, Any]:
    """The image against one class's graph: ``uses`` and ``lacks`` split the class graph's
    vertices by the image's activation set; ``shared``, ``image_only`` and ``class_only``
    compare the two graphs' vertices."""
    key = vertex_order(class_graph["layers"])
    vertices = vertex_set(class_graph)
    return {"class": class_graph["class"],
            "uses": sorted(vertices & activated, key=key),
            "lacks": sorted(vertices - activated, key=key),
            "shared": sorted(vertices & image_graph, key=key),
            "image_only": sorted(image_graph - vertices, key=key),
            "class_only": sorted(vertices - image_graph, key=key),
            "jaccard": round(jaccard(image_graph, vertices), 6)}


def pulls(activated: set[str], strength: dict[str, float], true_graph: dict[str, Any],
          predicted_graph: dict[str, Any]) -> list[dict[str, Any]]:
    """The predicted class's graph vertices the image activates that its true class's graph
    does not hold, strongest first (``strength``: the image's channel maximum over the
    channel's largest in the study)."""
    pulling = (vertex_set(predicted_graph) - vertex_set(true_graph)) & activated
    key = vertex_order(predicted_graph["layers"])
    return [{"id": v, "strength": round(strength[v], 6)}
            for v in sorted(pulling, key=lambda v: (-strength[v], key(v)))]
