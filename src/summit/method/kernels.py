"""Compiled CPU kernels (numba) for the hot loops that have no good array formulation.

- Exact influence maxima: the max over positions of a small matmul, fused so that no
  influence map is ever stored (parallel over image-channel pairs). Positions past the end of
  a row's group of four repeat its last one: the max is unchanged. Reading the padded planes
  directly, it needs no unfolded copy of the input.
- 1×1 influence maxima: each pair's weight times its input plane's max or min, written once
  (the array form writes two products and reads them back to choose).
- Top-k tallies: each (image, output)'s k largest candidates counted straight into the
  image's group, in one read of the influences (a mask and its per-group sum would write
  and read the influences' size twice more).
- The widest-path (max-min) product of two sparse tally matrices, visiting only pairs of
  non-zero entries that meet at the same middle channel.
"""

from __future__ import annotations

import numba
import numpy as np


def _use_threads(threads: int) -> None:
    """The parallel kernels use as many threads as PyTorch (numba's own default: all)."""
    numba.set_num_threads(max(1, min(threads, numba.config.NUMBA_NUM_THREADS)))


@numba.njit(fastmath=True, cache=True, nogil=True, inline="always")
def _pair_max(image: np.ndarray, w: np.ndarray, geometry: np.ndarray, best: np.ndarray
              ) -> bool:
    """``best[j]``: the max over output positions of ``image`` ∗ kernel ``w[:, j]``; returns
    whether some positions see only zeros (their maps are 0 there)."""
    kh, kw, sh, sw, dh, dw, out_h, out_w = geometry
    m = w.shape[1]
    # Four positions of a row at a time, vectorised over output channels: each kernel row
    # loaded serves four accumulators, and the four maps' values go straight into the max.
    a0 = np.empty(m, dtype=image.dtype)
    a1 = np.empty_like(a0)
    a2 = np.empty_like(a0)
    a3 = np.empty_like(a0)
    zero = False
    for y in range(out_h):
        for x in range(0, out_w, 4):
            x0 = x * sw
            x1, x2, x3 = (min(x + 1, out_w - 1) * sw, min(x + 2, out_w - 1) * sw,
                          min(x + 3, out_w - 1) * sw)
            started = False
            for ky in range(kh):
                row = image[y * sh + ky * dh]
                for kx in range(kw):
                    o = kx * dw
                    v0, v1, v2, v3 = row[x0 + o], row[x1 + o], row[x2 + o], row[x3 + o]
                    if v0 == 0.0 and v1 == 0.0 and v2 == 0.0 and v3 == 0.0:
                        continue  # adds nothing: sparse ReLU maps skip most taps
                    if not started:
                        a0[:] = 0.0
                        a1[:] = 0.0
                        a2[:] = 0.0
                        a3[:] = 0.0
                        started = True
                    wk = w[ky * kw + kx]
                    for j in range(m):
                        a0[j] += v0 * wk[j]
                        a1[j] += v1 * wk[j]
                        a2[j] += v2 * wk[j]
                        a3[j] += v3 * wk[j]
            if not started:
                zero = True
                continue
            for j in range(m):  # selects, not max(), so that this vectorises too
                m01 = a0[j] if a0[j] > a1[j] else a1[j]
                m23 = a2[j] if a2[j] > a3[j] else a3[j]
                v = m01 if m01 > m23 else m23
                best[j] = v if v > best[j] else best[j]
    return zero


@numba.njit(parallel=True, fastmath=True, cache=True, nogil=True)
def _kernel(xp: np.ndarray, kernels: np.ndarray, geometry: np.ndarray, keep: np.ndarray,
            out: np.ndarray) -> None:
    c_in, k, c_out = kernels.shape
    pruned = keep.shape[0] > 0
    for r in numba.prange(xp.shape[0]):
        image = xp[r]  # (H + padding, W + padding)
        if not image.any():  # a plane a ReLU zeroed: every map is 0 (often half of them)
            out[r, :] = 0.0
            continue
        # The outputs whose maps are computed (all, or those ``keep`` leaves) and their
        # kernels gathered side by side, so the loops run over them alone.
        if pruned:
            cols = np.flatnonzero(keep[r])
            out[r, :] = -np.inf
            if len(cols) == 0:
                continue
            w = np.ascontiguousarray(kernels[r % c_in][:, cols])
        else:
            cols = np.arange(c_out)
            w = kernels[r % c_in]  # (K, C_out): this pair's input channel's kernels
        best = np.full(len(cols), -np.inf, dtype=xp.dtype)
        zero = _pair_max(image, w, geometry, best)
        for j in range(len(cols)):
            out[r, cols[j]] = best[j] if not zero or best[j] > 0.0 else 0.0


def _geometry(xp: np.ndarray, kernel_size: tuple[int, int], stride: tuple[int, int],
              dilation: tuple[int, int]) -> np.ndarray:
    kh, kw = kernel_size
    out_h = (xp.shape[1] - dilation[0] * (kh - 1) - 1) // stride[0] + 1
    out_w = (xp.shape[2] - dilation[1] * (kw - 1) - 1) // stride[1] + 1
    return np.array([kh, kw, *stride, *dilation, out_h, out_w], dtype=np.int64)


def max_conv_pairs(xp: np.ndarray, kernels: np.ndarray, kernel_size: tuple[int, int],
                   stride: tuple[int, int], dilation: tuple[int, int], threads: int,
                   keep: np.ndarray | None = None) -> np.ndarray:
    """``out[r, j]``: the spatial max of input plane ``xp[r]`` (already padded) convolved
    (cross-correlated) with kernel ``kernels[r mod C_in, :, j]`` at the given stride and
    dilation. ``xp`` is (B·C_in, H, W), image major; ``kernels`` is (C_in, kh·kw, C_out); so
    ``out`` (B·C_in, C_out) is every influence map's max. Exact up to float summation order.
    With ``keep`` (bool, ``out``'s shape) only the kept maps are computed, the others -inf
    (a plane of zeros gives 0 everywhere: it costs nothing).
    """
    _use_threads(threads)
    xp = np.ascontiguousarray(xp)
    kernels = np.ascontiguousarray(kernels, dtype=xp.dtype)
    keep = (np.zeros((0, 0), dtype=np.bool_) if keep is None
            else np.ascontiguousarray(keep, dtype=np.bool_))
    out = np.empty((xp.shape[0], kernels.shape[2]), dtype=xp.dtype)
    _kernel(xp, kernels, _geometry(xp, kernel_size, stride, dilation), keep, out)
    return out


@numba.njit(parallel=True, fastmath=True, cache=True, nogil=True)
def _at_peak(xp: np.ndarray, kernels: np.ndarray, geometry: np.ndarray, out: np.ndarray
             ) -> None:
    c_in, k, c_out = kernels.shape
    kh, kw, sh, sw, dh, dw, out_h, out_w = geometry
    for r in numba.prange(xp.shape[0]):
        image = xp[r]
        peak = np.argmax(image)
        py, px = peak // image.shape[1], peak % image.shape[1]
        w = kernels[r % c_in]
        best = np.full(c_out, -np.inf, dtype=xp.dtype)
        acc = np.empty(c_out, dtype=xp.dtype)
        for ty in range(kh):  # every output position whose window reads the peak
            if (py - ty * dh) % sh != 0:
                continue
            y = (py - ty * dh) // sh
            if y < 0 or y >= out_h:
                continue
            for tx in range(kw):
                if (px - tx * dw) % sw != 0:
                    continue
                x = (px - tx * dw) // sw
                if x < 0 or x >= out_w:
                    continue
                acc[:] = 0.0
                for ky in range(kh):
                    for kx in range(kw):
                        v = image[y * sh + ky * dh, x * sw + kx * dw]
                        if v != 0.0:
                            wk = w[ky * kw + kx]
                            for j in range(c_out):
                                acc[j] += v * wk[j]
                for j in range(c_out):
                    best[j] = acc[j] if acc[j] > best[j] else best[j]
        out[r, :] = best


def max_conv_at_peak(xp: np.ndarray, kernels: np.ndarray, kernel_size: tuple[int, int],
                     stride: tuple[int, int], dilation: tuple[int, int], threads: int
                     ) -> np.ndarray:
    """A lower bound of ``max_conv_pairs``: each map's max over only the output positions
    whose window reads its plane's largest value (-inf where none does), a few positions
    instead of all of them."""
    _use_threads(threads)
    xp = np.ascontiguousarray(xp)
    kernels = np.ascontiguousarray(kernels, dtype=xp.dtype)
    out = np.empty((xp.shape[0], kernels.shape[2]), dtype=xp.dtype)
    _at_peak(xp, kernels, _geometry(xp, kernel_size, stride, dilation), out)
    return out


@numba.njit(parallel=True, cache=True, nogil=True)
def _extreme_products(hi: np.ndarray, lo: np.ndarray, w: np.ndarray, out: np.ndarray) -> None:
    batch, c_in = hi.shape
    for r in numba.prange(batch * c_in):
        b, i = r // c_in, r % c_in
        h, low, wi, o = hi[b, i], lo[b, i], w[i], out[b, i]
        for j in range(w.shape[1]):
            o[j] = h * wi[j] if wi[j] >= 0 else low * wi[j]


def extreme_products(hi: np.ndarray, lo: np.ndarray, w: np.ndarray, threads: int) -> np.ndarray:
    """``out[b, i, j] = w[i, j] * (hi[b, i] if w[i, j] >= 0 else lo[b, i])``: the max over
    positions of ``w[i, j]`` times a plane whose max and min are ``hi`` and ``lo`` (B, C_in),
    for weights ``w`` (C_in, C_out): (B, C_in, C_out)."""
    _use_threads(threads)
    w = np.ascontiguousarray(w, dtype=hi.dtype)
    out = np.empty((*hi.shape, w.shape[1]), dtype=hi.dtype)
    _extreme_products(np.ascontiguousarray(hi), np.ascontiguousarray(lo), w, out)
    return out


@numba.njit(parallel=True, cache=True, nogil=True)
def _tally_top_k(values: np.ndarray, k: int, image_groups: np.ndarray, out: np.ndarray) -> None:
    batch, n, width = values.shape
    block = 16  # output columns per task: a few vectors' worth, many tasks
    for task in numba.prange((width + block - 1) // block):
        j0 = task * block
        m = min(width, j0 + block) - j0
        top_v = np.empty((m, k), dtype=values.dtype)  # per column, descending
        top_i = np.empty((m, k), dtype=np.int64)
        kth = np.empty(m, dtype=values.dtype)  # per column, the k-th value so far
        for b in range(batch):
            top_v[:] = -np.inf
            kth[:] = -np.inf
            for r in range(n):
                row = values[b, r, j0:j0 + m]
                for jj in range(m):
                    v = row[jj]
                    if v > kth[jj]:  # strictly: an equal earlier candidate keeps its place
                        p = k - 1
                        while p > 0 and top_v[jj, p - 1] < v:
                            top_v[jj, p] = top_v[jj, p - 1]
                            top_i[jj, p] = top_i[jj, p - 1]
                            p -= 1
                        top_v[jj, p] = v
                        top_i[jj, p] = r
                        kth[jj] = top_v[jj, k - 1]
            g = image_groups[b]
            for jj in range(m):
                for t in range(k):
                    if top_v[jj, t] > -np.inf:
                        out[g, top_i[jj, t], j0 + jj] += 1


def tally_top_k(values: np.ndarray, k: int, image_groups: np.ndarray, out: np.ndarray,
                threads: int) -> np.ndarray:
    """``out[g, i, j] += 1`` for each image b of group ``image_groups[b]`` whose candidate i
    is among the ``k`` largest of ``values[b, :, j]`` (ties: lower index first; -inf: never),
    as ``activations.select_top_k`` marks them. ``values`` is (B, N, W), ``out`` (G, N, W)
    int32, added to in place."""
    if k > 0:
        _use_threads(threads)
        _tally_top_k(np.ascontiguousarray(values), min(k, values.shape[1]),
                     np.asarray(image_groups, dtype=np.int64), out)
    return out


@numba.njit(cache=True, nogil=True)
def _widest_sparse(w_indptr: np.ndarray, w_rows: np.ndarray, w_data: np.ndarray,
                   t_indptr: np.ndarray, t_cols: np.ndarray, t_data: np.ndarray,
                   out: np.ndarray) -> None:
    for h in range(len(w_indptr) - 1):
        for a in range(w_indptr[h], w_indptr[h + 1]):
            p, wv = w_rows[a], w_data[a]
            for b in range(t_indptr[h], t_indptr[h + 1]):
                v = wv if wv < t_data[b] else t_data[b]
                j = t_cols[b]
                if v > out[p, j]:
                    out[p, j] = v


def widest_path_sparse(w_csc_indptr: np.ndarray, w_rows: np.ndarray, w_data: np.ndarray,
                       t_csr_indptr: np.ndarray, t_cols: np.ndarray, t_data: np.ndarray,
                       out: np.ndarray) -> np.ndarray:
    """``out[p, j] = max(out[p, j], max_h min(W[p, h], T[h, j]))`` over the non-zero entries
    of W (CSC arrays: column h's rows and values) and T (CSR arrays: row h's columns and
    values); ``out`` starts at zero for non-negative tallies."""
    _widest_sparse(w_csc_indptr, w_rows, w_data.astype(out.dtype), t_csr_indptr, t_cols,
                   t_data.astype(out.dtype), out)
    return out
