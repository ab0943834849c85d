"""Channels of two models matched by their responses (``matching``): per layer pair the
assigned pairs' scores, best first, against the shuffled-image null."""

from __future__ import annotations

from typing import Any

import matplotlib

matplotlib.use("Agg")  # figures are files; never open a window

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from summit.render.figures import fit_title, plain_text  # noqa: E402


def draw_matching(matchings: list[dict[str, Any]]) -> plt.Figure:
    """Per layer pair, the match score of every assigned pair of channels, best first,
    against the shuffled-image null's best-first scores (95th percentile per rank over the
    shuffles), with the cutoff a matched pair reaches (``ChannelMatching`` records)."""
    n = max(len(matchings), 1)
    fig, axes = plt.subplots(1, n, figsize=(max(3.6 * n + 0.6, 9.0), 4.0), squeeze=False,
                             sharey=True)
    for ax, m in zip(axes[0], matchings, strict=False):
        scores = np.sort([p["score"] for p in m["pairs"]])[::-1]
        rank = np.arange(1, len(scores) + 1)
        ax.plot(rank, scores, color="#0072B2", linewidth=1.8, label="the two models")
        if m["null"].get("ranked"):
            ax.plot(rank, m["null"]["ranked"], color="#8c96a0", linewidth=1.2, linestyle="--",
                    label="images shuffled (p95)")
        ax.axhline(m["cutoff"], color="#b2182b", linewidth=0.9, linestyle=":",
                   label="cutoff: the threshold, or the null's 99th percentile if higher")
        pair = m["layer_a"] if m["layer_a"] == m["layer_b"] else f"{m['layer_a']} ↔ {m['layer_b']}"
        ax.set_title(f"{pair}\n{m['matched']} of {m['channels_a']} matched"
                     + (f" (B: {m['channels_b']})" if m["channels_b"] != m["channels_a"] else "")
                     + f"; cutoff {m['cutoff']:.2f}; same index {m['identity']:.0%}",
                     fontsize=8.5, loc="left")
        ax.set_xlabel("pair, best first", fontsize=8)
        ax.set_ylim(-0.2, 1.02)
        ax.tick_params(labelsize=7.5)
    axes[0, 0].set_ylabel("correlation of the pair's maxima", fontsize=8)
    handles, labels = axes[0, 0].get_legend_handles_labels()
    legend = fig.legend(handles, labels, fontsize=8, frameon=False, loc="lower center",
                        ncol=3)
    models = matchings[0]["models"] if matchings else ["A", "B"]
    title = fig.suptitle(f"Channels matched by their responses: A = {models[0]}, "
                         f"B = {models[1]}", fontsize=10.5, x=0.01, ha="left")
    plain_text([*legend.get_texts(), title, *(ax.title for ax in axes[0])])
    fit_title(fig, title, rect=(0, 0.07, 1, 1))  # widened to a long title (one layer pair)
    return fig
