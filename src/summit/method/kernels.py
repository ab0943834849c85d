"""Compiled CPU kernels (numba) for the two hot loops that have no good array formulation.

- Exact influence maxima: the max over positions of a small matmul, fused so that no
  influence map is ever stored (parallel over image-channel pairs). Positions past the end of
  a row's group of four repeat its last one: the max is unchanged. Reading the padded planes
  directly, it needs no unfolded copy of the input.
- The widest-path (max-min) product of two sparse tally matrices, visiting only pairs of
  non-zero entries that meet at the same middle channel.
"""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(parallel=True, fastmath=True, cache=True, nogil=True)
def _kernel(xp: np.ndarray, kernels: np.ndarray, geometry: np.ndarray, out: np.ndarray) -> None:
    n_pairs = xp.shape[0]
    c_in, k, c_out = kernels.shape
    kh, kw, sh, sw, dh, dw, out_h, out_w = geometry
    for r in numba.prange(n_pairs):
        w = kernels[r % c_in]  # (K, C_out): this pair's input channel's kernels
        image = xp[r]  # (H + padding, W + padding)
        # Four positions of a row at a time, vectorised over output channels: each kernel row
        # loaded serves four accumulators, and the four maps' values go straight into the max.
        a0 = np.empty(c_out, dtype=xp.dtype)
        a1 = np.empty_like(a0)
        a2 = np.empty_like(a0)
        a3 = np.empty_like(a0)
        best = np.full(c_out, -np.inf, dtype=xp.dtype)
        for y in range(out_h):
            for x in range(0, out_w, 4):
                x0 = x * sw
                x1, x2, x3 = (min(x + 1, out_w - 1) * sw, min(x + 2, out_w - 1) * sw,
                              min(x + 3, out_w - 1) * sw)
                for j in range(c_out):
                    a0[j] = 0.0
                    a1[j] = 0.0
                    a2[j] = 0.0
                    a3[j] = 0.0
                for ky in range(kh):
                    row = image[y * sh + ky * dh]
                    for kx in range(kw):
                        o = kx * dw
                        v0, v1, v2, v3 = row[x0 + o], row[x1 + o], row[x2 + o], row[x3 + o]
                        wk = w[ky * kw + kx]
                        for j in range(c_out):
                            a0[j] += v0 * wk[j]
                            a1[j] += v1 * wk[j]
                            a2[j] += v2 * wk[j]
                            a3[j] += v3 * wk[j]
                for j in range(c_out):  # selects, not max(), so that this vectorises too
                    m01 = a0[j] if a0[j] > a1[j] else a1[j]
                    m23 = a2[j] if a2[j] > a3[j] else a3[j]
                    m = m01 if m01 > m23 else m23
                    best[j] = m if m > best[j] else best[j]
        for j in range(c_out):
            out[r, j] = best[j]


def max_conv_pairs(xp: np.ndarray, kernels: np.ndarray, kernel_size: tuple[int, int],
                   stride: tuple[int, int], dilation: tuple[int, int], threads: int
                   ) -> np.ndarray:
    """``out[r, j]``: the spatial max of input plane ``xp[r]`` (already padded) convolved
    (cross-correlated) with kernel ``kernels[r mod C_in, :, j]`` at the given stride and
    dilation. ``xp`` is (B·C_in, H, W), image major; ``kernels`` is (C_in, kh·kw, C_out); so
    ``out`` (B·C_in, C_out) is every influence map's max. Exact up to float summation order.
    """
    kh, kw = kernel_size
    out_h = (xp.shape[1] - dilation[0] * (kh - 1) - 1) // stride[0] + 1
    out_w = (xp.shape[2] - dilation[1] * (kw - 1) - 1) // stride[1] + 1
    numba.set_num_threads(max(1, min(threads, numba.config.NUMBA_NUM_THREADS)))
    xp = np.ascontiguousarray(xp)
    kernels = np.ascontiguousarray(kernels, dtype=xp.dtype)
    geometry = np.array([kh, kw, *stride, *dilation, out_h, out_w], dtype=np.int64)
    out = np.empty((xp.shape[0], kernels.shape[2]), dtype=xp.dtype)
    _kernel(xp, kernels, geometry, out)
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
