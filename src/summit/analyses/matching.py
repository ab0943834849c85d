"""Channels of two models matched by what they respond to, not by index.

Two studies of the same images store each image's channel maxima Z^l (``summit.io.store``).
For a pair of layers (model A's, model B's, any widths), the channels are compared by the
Pearson correlation of their maxima over a sample of the images both studies saw, then
matched one to one by the assignment that maximises the summed correlation (Hungarian,
``scipy.optimize.linear_sum_assignment``; rectangular when the widths differ). A pair's
*score* is its correlation; it counts as matched when the score reaches the *cutoff*: the
configured threshold, or the shuffled-image null's 99th percentile if that is higher. The
null repeats the assignment with B's images shuffled against A's, so it says which scores
chance reaches with these channels and this many images. Each matched pair also gets the
overlap (Jaccard) of the two channels' top images, the dataset-example evidence.

``translate`` then writes model B's graph in model A's vertex ids, so the graph comparisons
(``summit.analyses.class_comparison.compare``, ``summit.render.layout.union``) work through the
matching unchanged: a vertex of B matched to channel i of A's paired layer becomes ``layer:i``; an
unmatched one gets an id of its own, ``layer:b<j>``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from scipy.optimize import linear_sum_assignment

from summit.errors import SummitError
from summit.method.resampling import percentiles

NULL_QUANTILE = 99  # the null's percentile a matched pair's score must exceed (or the threshold)


class MatchingError(SummitError):
    """The two studies cannot be matched (no common images, unknown layer)."""


def correlation(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Pearson correlation of every column of ``x`` (images × Ca) with every column of ``y``
    (images × Cb), Ca × Cb; 0 where a channel is constant over the images (a dead channel
    responds to nothing, so it matches nothing)."""
    x = np.asarray(x, np.float64) - np.mean(x, axis=0, dtype=np.float64)
    y = np.asarray(y, np.float64) - np.mean(y, axis=0, dtype=np.float64)
    nx, ny = np.linalg.norm(x, axis=0), np.linalg.norm(y, axis=0)
    scale = np.outer(nx, ny)
    return np.divide(x.T @ y, scale, out=np.zeros(scale.shape), where=scale > 0)


def assign(score: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The one-to-one pairs (rows, columns) with the largest summed score; min(Ca, Cb) pairs,
    rows ascending."""
    return linear_sum_assignment(score, maximize=True)


def top_images(values: np.ndarray, k: int) -> np.ndarray:
    """Per column, the rows of its ``k`` largest values (k × columns, unordered)."""
    k = min(k, len(values))
    return np.argpartition(-values, k - 1, axis=0)[:k]


def overlap(x: np.ndarray, y: np.ndarray, rows: np.ndarray, cols: np.ndarray,
            k: int) -> np.ndarray:
    """Per pair (``rows[i]`` of ``x``, ``cols[i]`` of ``y``), the Jaccard index of the two
    channels' top-``k`` images."""
    tx, ty = top_images(x[:, rows], k), top_images(y[:, cols], k)
    out = np.empty(len(rows))
    for i in range(len(rows)):
        inter = len(np.intersect1d(tx[:, i], ty[:, i], assume_unique=True))
        out[i] = inter / (2 * len(tx) - inter)
    return out


def null_scores(x: np.ndarray, y: np.ndarray, resamples: int,
                rng: np.random.Generator) -> np.ndarray:
    """Match scores with B's images shuffled against A's: the assignment's scores in each
    of ``resamples`` shuffles (resamples × min(Ca, Cb))."""
    out = []
    for _ in range(resamples):
        score = correlation(x, y[rng.permutation(len(y))])
        rows, cols = assign(score)
        out.append(score[rows, cols])
    return np.array(out, np.float64).reshape(resamples, min(x.shape[1], y.shape[1]))


def _scores(values: np.ndarray) -> dict[str, float | None]:
    """A score distribution in brief: mean, percentiles 5, 50, 95, 99 and max."""
    return percentiles(values, (5, 50, 95, 99), extremes=True, empty=None)


def match_layer(x: np.ndarray, y: np.ndarray, *, threshold: float, top: int,
                resamples: int, seed: int) -> dict[str, Any]:
    """Match the channels of one layer pair from the maxima ``x`` (images × Ca, model A) and
    ``y`` (the same images × Cb, model B).

    Returns ``pairs`` (every assigned pair: ``a``, ``b``, ``score``, ``overlap`` of top
    images, ``matched``), ``unmatched_a``/``unmatched_b`` (channels with no matched
    partner), ``cutoff`` (max of ``threshold`` and the null's 99th percentile), ``scores``
    and ``null`` (distributions; the null's ``ranked``: per rank, best first, the 95th
    percentile over the shuffles), ``identity`` (share of A's channels matched to the same
    index, for checkpoints of one run) and ``matched``/``n_images``."""
    if len(x) != len(y):
        raise MatchingError(f"{len(x)} images of model A against {len(y)} of model B")
    score = correlation(x, y)
    rows, cols = assign(score)
    values = score[rows, cols]
    null = null_scores(x, y, resamples, np.random.default_rng(seed))
    null_cut = float(np.percentile(null, NULL_QUANTILE)) if null.size else -np.inf
    cutoff = max(threshold, null_cut)
    ok = values >= cutoff
    jaccard = overlap(x, y, rows, cols, top) if len(rows) else np.zeros(0)
    matched_a, matched_b = set(rows[ok].tolist()), set(cols[ok].tolist())
    return {
        "channels_a": int(x.shape[1]), "channels_b": int(y.shape[1]), "n_images": len(x),
        "threshold": threshold, "cutoff": round(cutoff, 6), "top_images": top,
        "matched": int(ok.sum()),
        "identity": round(float(np.mean(rows[ok] == cols[ok])) if ok.any() else 0.0, 6),
        "pairs": [{"a": int(a), "b": int(b), "score": round(float(s), 6),
                   "overlap": round(float(o), 6), "matched": bool(m)}
                  for a, b, s, o, m in zip(rows, cols, values, jaccard, ok, strict=True)],
        "unmatched_a": sorted(set(range(x.shape[1])) - matched_a),
        "unmatched_b": sorted(set(range(y.shape[1])) - matched_b),
        "scores": _scores(values),
        "null": {"resamples": resamples, **_scores(null),
                 "above_null_max": int((values > null.max()).sum()) if null.size else None,
                 "ranked": _ranked(null)}}


def _ranked(null: np.ndarray) -> list[float]:
    """Per rank (best first), the 95th percentile over the shuffles of the rank's score."""
    if not null.size:
        return []
    best_first = -np.sort(-null, axis=1)
    return [round(float(v), 6) for v in np.percentile(best_first, 95, axis=0)]


def common_rows(index_a: np.ndarray, index_b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The rows of two studies' stores of one class that hold the same dataset images, in
    dataset-index order (studies of one dataset store them in the same order; this does
    not rely on it)."""
    _, ia, ib = np.intersect1d(index_a, index_b, assume_unique=True, return_indices=True)
    return ia, ib


def sample_maxima(stores_a: Sequence[Path], stores_b: Sequence[Path], layer_a: str,
                  layer_b: str, max_images: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Both models' maxima of one layer pair on the images both studies stored (class by
    class, matched by dataset index), at most ``max_images`` of them drawn at random
    (``seed``), so memory is bounded however large the dataset: (x, y)."""
    from summit.io.store import ClassStore

    opened = [(ClassStore(a), ClassStore(b)) for a, b in zip(stores_a, stores_b, strict=True)]
    for sa, sb in opened:
        for store, layer in ((sa, layer_a), (sb, layer_b)):
            if layer not in store.layers:
                raise MatchingError(f"{store.path}: no layer {layer!r}; the stored layers are "
                                    f"{store.layers}")
    rows = [common_rows(sa.prediction("index"), sb.prediction("index")) for sa, sb in opened]
    total = sum(len(ia) for ia, _ in rows)
    if total < 3:
        raise MatchingError(f"the two studies share {total} images; matching needs the same "
                            "dataset and classes in both")
    keep = np.zeros(total, bool)
    keep[np.random.default_rng(seed).choice(total, min(total, max_images), replace=False)] = True
    xs, ys, start = [], [], 0
    for (sa, sb), (ia, ib) in zip(opened, rows, strict=True):
        chosen = keep[start:start + len(ia)]
        start += len(ia)
        if chosen.any():
            xs.append(_rows(sa.maxima(layer_a), ia[chosen]))
            ys.append(_rows(sb.maxima(layer_b), ib[chosen]))
    return np.concatenate(xs), np.concatenate(ys)


def _rows(array: Any, rows: np.ndarray) -> np.ndarray:
    """Chosen rows of a stored (images × channels) array, in the given order."""
    order = np.argsort(rows)
    out = np.empty((len(rows), array.shape[1]), np.float32)
    out[order] = array.get_orthogonal_selection((rows[order], slice(None)))
    return out


def summary(matching: dict[str, Any]) -> dict[str, Any]:
    """One layer pair's matching in brief: the paired layer, widths, matched channels, the
    cutoff, the share matched to the same index, the median score, the null's 99th
    percentile and the mean top-image overlap of the matched pairs (how far a correlated
    pair also shares its most activating images)."""
    kept = [x["overlap"] for x in matching["pairs"] if x["matched"]]
    return {**{k: matching[k] for k in ("layer_b", "channels_a", "channels_b", "matched",
                                        "cutoff", "identity")},
            "median_score": matching["scores"]["p50"], "null_p99": matching["null"]["p99"],
            "overlap": round(float(np.mean(kept)), 6) if kept else None}


def translate(graph: dict[str, Any], matchings: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Model B's graph in model A's vertex ids through ``matchings`` (per A layer, the
    matching with B's paired layer ``layer_b``).

    A vertex of B's layer matched to A's channel i becomes ``<A layer>:i``; an unmatched one
    ``<A layer>:b<j>``. Each keeps its fields, with ``layer`` A's, ``channel`` A's (B's own
    when unmatched, so rows sort as usual) and ``b_layer``, ``b_channel`` and ``score`` (its
    match's, or null). Edges follow their ends. Works on ``ResampledGraphs`` entries too
    (ids only)."""
    layer_of = {m["layer_b"]: a for a, m in matchings.items()}
    partner = {m["layer_b"]: {p["b"]: p for p in m["pairs"] if p["matched"]}
               for m in matchings.values()}

    def place(layer: str, channel: int) -> tuple[str, dict[str, Any] | None]:
        """A's layer and the matched pair (or None) of B's channel."""
        if layer not in layer_of:
            raise MatchingError(f"vertex {layer}:{channel}: layer {layer!r} is not paired with "
                                f"a layer of model A (paired: {sorted(layer_of)})")
        return layer_of[layer], partner[layer].get(channel)

    def new_id(vid: str) -> str:
        layer, channel = vid.rsplit(":", 1)
        a_layer, pair = place(layer, int(channel))
        return f"{a_layer}:{pair['a']}" if pair else f"{a_layer}:b{channel}"

    # the share slider's extra vertices are B's ids: not carried over
    out = {k: v for k, v in graph.items() if k not in ("nodes", "edges", "layers", "slider")}
    if "layers" in graph:
        out["layers"] = [layer_of.get(x, x) for x in graph["layers"]]
    nodes = []
    for n in graph["nodes"]:
        if isinstance(n, str):  # a resampled graph's vertex id
            nodes.append(new_id(n))
            continue
        a_layer, pair = place(n["layer"], n["channel"])
        nodes.append({**n, "id": new_id(n["id"]), "layer": a_layer,
                      "channel": pair["a"] if pair else n["channel"],
                      "b_layer": n["layer"], "b_channel": n["channel"],
                      "score": pair["score"] if pair else None})
    out["nodes"] = nodes
    out["edges"] = [[new_id(e[0]), new_id(e[1])] if isinstance(e, list) else
                    {**e, "source": new_id(e["source"]), "target": new_id(e["target"])}
                    for e in graph["edges"]]
    return out


def translate_resampled(record: dict[str, Any],
                        matchings: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """A ``ResampledGraphs`` record (JSON) of model B with every resample ``translate``d."""
    return {**record, "resamples": [translate(x, matchings) for x in record["resamples"]]}
