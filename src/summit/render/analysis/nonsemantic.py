"""The evidence for non-semantic channels (the paper's Figure 10): per channel its render, its
top dataset patches, its lift per class and its activation per class."""

from __future__ import annotations

import textwrap
from typing import Any

import matplotlib

matplotlib.use("Agg")  # figures are files; never open a window

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from summit.io.atlas import ExamplesAtlas, FeatvisAtlas  # noqa: E402
from summit.render.analysis.common import short  # noqa: E402
from summit.render.figures import show_image  # noqa: E402


def _strip(images: list[np.ndarray]) -> np.ndarray | None:
    """Images side by side with a one-pixel white gap, or None when there are none."""
    if not images:
        return None
    gap = np.ones((images[0].shape[0], 1, *images[0].shape[2:]), images[0].dtype)
    return np.concatenate([x for im in images for x in (im, gap)][:-1], axis=1)


def _support_note(record: dict[str, Any]) -> str:
    """'support 0.96', or 'tentative · support 0.62' under the study's min_support."""
    if record.get("support") is None:
        return ""
    return f"{'tentative · ' if record.get('tentative') else ''}support {record['support']:.2f}"


def _near_misses_line(report: dict[str, Any], most: int = 6) -> str:
    misses = sorted(((m["support"], layer, m["channel"])
                     for layer, ms in report.get("near_misses", {}).items() for m in ms),
                    key=lambda x: (-x[0], x[1], x[2]))
    if not misses:
        return ""
    listed = ", ".join(f"{layer}:{c} ({s:.2f})" for s, layer, c in misses[:most])
    more = f" and {len(misses) - most} more" if len(misses) > most else ""
    return textwrap.fill("Near misses (flagged in at least half of the resamples, not on all "
                         f"the images): {listed}{more}", 170)


def _images(row: Any, ch: dict[str, Any], featvis: dict[str, FeatvisAtlas],
            examples: dict[str, ExamplesAtlas]) -> None:
    """A channel's render (or why it failed) with its name and verdict, then its top patches."""
    layer, c = ch["layer"], ch["channel"]
    verdict = "non-semantic" if ch["flagged"] else "not flagged"
    note = _support_note(ch)
    atlas = featvis.get(layer)
    failed = atlas is not None and c in atlas.failed  # its grey render is no feature
    show_image(row[0], atlas.image(c) if atlas and not failed else None,
               "render failed" if failed else "feature vis.")
    row[0].text(-0.15, 0.5, f"{layer}:{c}\n{verdict}" + (f"\n{note}" if note else ""),
                transform=row[0].transAxes, ha="right", va="center", fontsize=9,
                fontweight="bold", parse_math=False,
                color="#b35806" if ch.get("tentative") else
                "#b2182b" if ch["flagged"] else "#3d4650")
    ex = examples.get(layer)
    show_image(row[1], _strip(ex.patches(c)) if ex else None,
               "top dataset examples (whole dataset)")


def _lift(ax: plt.Axes, ch: dict[str, Any], names: list[str], min_lift: float) -> None:
    """A channel's lift per class, highest first, red from ``min_lift`` up."""
    lift = np.asarray(ch["lift"])
    order = np.argsort(-lift)
    ax.bar(np.arange(len(lift)), lift[order], color=np.where(
        lift[order] >= min_lift, "#b2182b", "#9aa4ae"), width=0.85)
    ax.axhline(min_lift, color="#3d4650", linestyle="--", linewidth=0.8)
    ax.set_ylabel("× chance", fontsize=7)
    ax.set_title(f"lift per class (coverage {ch['coverage']:.0%}, selectivity "
                 f"{ch['selectivity']:.2f})", fontsize=8)
    if len(lift) <= 30:
        ax.set_xticks(np.arange(len(lift)), [names[i] for i in order], rotation=90,
                      fontsize=6)
    else:
        ax.set_xticks([])
        ax.set_xlabel("classes, by lift", fontsize=7)
    ax.tick_params(axis="y", labelsize=7)


def _activations(ax: plt.Axes, hist: np.ndarray | None, names: list[str]) -> None:
    """A channel's distribution of maxima per class (rows), darker where more images fall."""
    if hist is not None:
        dens = hist / np.maximum(hist.sum(axis=1, keepdims=True), 1)
        ax.imshow(dens, aspect="auto", cmap="Greys", interpolation="nearest")
        named = len(names) <= 12  # more rows than fit a row's height: unnamed
        ax.set_yticks(np.arange(len(names)) if named else [], names if named else [],
                      fontsize=6)
        ax.set_ylabel("" if named else "classes", fontsize=7)
    ax.set_xticks([])
    ax.set_xlabel("channel maximum, low → high", fontsize=7)
    ax.set_title("activation distribution per class", fontsize=8)


def _title(report: dict[str, Any]) -> str:
    settings = report["settings"]
    flagged = report["n_flagged"]
    stability = report.get("stability") or {}
    supported = (f", {report.get('n_supported', 0)} in ≥ {stability['min_support']:.0%} of "
                 f"{stability['resamples']} resamples of the images"
                 if flagged and "min_support" in stability else "")
    return (f"Non-semantic channels: {flagged} flagged{supported} (lift ≥ "
            f"{settings['min_lift']:g} in ≥ {settings['min_coverage']:.0%} of classes)"
            if flagged else
            "Non-semantic channels: none flagged; the strongest candidates per layer")


def draw_nonsemantic(report: dict[str, Any], histograms: dict[tuple[str, int], np.ndarray],
                     class_names: list[str], featvis: dict[str, FeatvisAtlas],
                     examples: dict[str, ExamplesAtlas], max_rows: int = 6) -> plt.Figure:
    """Per channel: its render, top dataset patches, lift per class, activation per class.

    ``histograms`` maps (layer, channel) to a classes × bins array of channel-max counts over
    the channel's dataset-wide range. Flagged channels come first; without any, the strongest
    candidates are shown and the title says none passed. Each row gives the channel's
    support over the resamples and marks a flagged one under ``min_support`` tentative; the
    near misses are listed below.
    """
    shown = report["channels"][:max_rows]
    misses = _near_misses_line(report)
    fig, axes = plt.subplots(len(shown) or 1, 4,
                             figsize=(15, 2.5 * max(len(shown), 1) + 0.6
                                      + 0.2 * (misses.count("\n") + 1) * bool(misses)),
                             gridspec_kw={"width_ratios": [1, 4, 4, 3]}, squeeze=False)
    names = [short(class_names[c]) for c in report["class_ids"]]
    for row, ch in zip(axes, shown, strict=False):
        _images(row, ch, featvis, examples)
        _lift(row[2], ch, names, report["settings"]["min_lift"])
        _activations(row[3], histograms.get((ch["layer"], ch["channel"])), names)
    fig.suptitle(_title(report), fontsize=11, x=0.01, ha="left")
    footer = 0.2 * (misses.count("\n") + 1) + 0.1 if misses else 0.0  # inches
    if misses:
        fig.text(0.01, 0.05 / fig.get_figheight(), misses, fontsize=8, ha="left", va="bottom",
                 parse_math=False, color="#3d4650")
    fig.tight_layout(rect=(0, footer / fig.get_figheight(), 1, 1))
    return fig
