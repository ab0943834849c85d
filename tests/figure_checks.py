"""Legibility checks for a drawn matplotlib figure: every text inside the canvas, none on
another. They look at what a draw actually renders (tick labels of ticks out of view are
never drawn, so they are never checked), in display pixels."""

from __future__ import annotations

from unittest import mock

from matplotlib.figure import Figure
from matplotlib.text import Text
from matplotlib.transforms import Bbox


def drawn_texts(fig: Figure) -> list[tuple[Text, Bbox]]:
    """Every visible, non-empty text one draw of ``fig`` renders, with its extent."""
    drawn = []
    draw = Text.draw

    def record(self: Text, renderer) -> None:
        draw(self, renderer)
        if self.get_visible() and self.get_text().strip():
            drawn.append((self, self.get_window_extent(renderer)))

    with mock.patch.object(Text, "draw", record):  # Annotation.draw calls Text.draw too
        fig.canvas.draw()
    return drawn


def assert_texts_inside(fig: Figure, tolerance: float = 1.0) -> None:
    """Fail, naming them, when texts reach beyond the canvas (they would be cut off)."""
    canvas = fig.bbox
    outside = [f"{t.get_text()!r} at {tuple(round(v) for v in b.extents)}"
               for t, b in drawn_texts(fig)
               if b.x0 < canvas.x0 - tolerance or b.y0 < canvas.y0 - tolerance
               or b.x1 > canvas.x1 + tolerance or b.y1 > canvas.y1 + tolerance]
    assert not outside, (f"texts beyond the {canvas.width:.0f} × {canvas.height:.0f} canvas: "
                         + "; ".join(outside))


def assert_no_text_overlaps(fig: Figure, tolerance: float = 1.0) -> None:
    """Fail, naming them, when two drawn texts overlap by more than ``tolerance`` pixels."""
    texts = drawn_texts(fig)
    clashes = []
    for i, (a, box_a) in enumerate(texts):
        for b, box_b in texts[i + 1:]:
            width = min(box_a.x1, box_b.x1) - max(box_a.x0, box_b.x0)
            height = min(box_a.y1, box_b.y1) - max(box_a.y0, box_b.y0)
            if width > tolerance and height > tolerance:
                clashes.append(f"{a.get_text()!r} and {b.get_text()!r}")
    assert not clashes, "overlapping texts: " + "; ".join(clashes)
