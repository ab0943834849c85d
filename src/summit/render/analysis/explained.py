"""An explained image's own attribution graph, feature visualizations as vertices, with the
image itself in the corner (``summit.explain``)."""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import numpy as np

from summit.io.atlas import FeatvisAtlas
from summit.render.figures import draw_attribution_graph, show_image

INSET = 1.8  # inches of the image's side


def draw_explained(image: np.ndarray | None, graph: dict[str, Any],
                   atlases: dict[str, FeatvisAtlas], title: str) -> plt.Figure:
    """The image's graph (``explain.record``'s ``graph``) titled, the image (uint8) top right."""
    fig = draw_attribution_graph(graph, atlases, title)
    w, h = fig.get_size_inches()
    fig.set_size_inches(w + INSET + 0.4, h)  # a column on the right for the image
    size = min(INSET, h - 1.0)
    inset = fig.add_axes(((w + 0.2) / (w + INSET + 0.4), (h - 0.8 - size) / h,
                          size / (w + INSET + 0.4), size / h))
    show_image(inset, None if image is None else image / 255.0, "the image")
    return fig
