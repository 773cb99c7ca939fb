"""The tap tables behind ``interpolate``: for one axis of input size n and output size m,
``idx`` (m, K) input positions and ``w`` (m, K) weights (None for nearest), applied as
``y[o] = sum_k w[o, k] * x[idx[o, k]]`` and transposed with ``np.add.reduceat`` over the
runs of each (non-decreasing) column. The rules are torch 2.13's CPU kernels' (see
``interpolate.py``); a float32 input gets float32 index arithmetic where torch's has it.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

F32 = np.float32
AA_TAPS = {"bilinear": 2, "bicubic": 4, "lanczos": 6}     # antialias: taps at scale 1


def _scale(n: int, m: int, align_corners: bool, scale: float | None, T: type) -> Any:
    """torch's area_pixel_compute_scale in the kernel's precision ``T``."""
    if align_corners:
        return T(n - 1) / T(m - 1) if m > 1 else T(0)
    return T(1.0 / scale) if scale is not None and scale > 0 else T(n) / T(m)


def _source(sc: Any, m: int, align_corners: bool, cubic: bool, T: type) -> np.ndarray:
    """Real input positions of the m outputs (torch's area_pixel_compute_source_index; its
    float32 ``sc * (o + 0.5) - 0.5`` is compiled as one fused multiply-add)."""
    o = np.arange(m)
    if align_corners:
        return T(sc) * o.astype(T)
    r = (np.float64(sc) * (o + 0.5) - 0.5).astype(T)
    return r if cubic else np.maximum(r, T(0))


def _floor_index(r: np.ndarray, n: int) -> np.ndarray:
    """``min(floorf(r), n - 1)``: the position is rounded to float32 first, as torch."""
    return np.minimum(np.floor(r.astype(F32)).astype(np.int64), n - 1)


def _nearest(n: int, m: int, scale: float | None, T: type, exact: bool, backward: bool):
    o = np.arange(m)
    if backward:                               # torch's nearest_idx / nearest_exact_idx
        if not exact and m in (n, 2 * n):
            return (o >> (m == 2 * n))[:, None], None
        sc = _scale(n, m, False, scale, F32)
        r = (o + 0.5) * np.float64(sc) if exact else o.astype(F32) * sc
        return _floor_index(np.asarray(r), n)[:, None], None
    sc = _scale(n, m, False, scale, T)
    if not exact:
        return _floor_index(sc * o.astype(T), n)[:, None], None
    r = (_source(sc, m, False, False, T) + T(0.5)).astype(T)
    return _floor_index(r, n)[:, None], None


def _linear(n: int, m: int, align_corners: bool, scale: float | None, T: type):
    r = _source(_scale(n, m, align_corners, scale, T), m, align_corners, False, T)
    i0 = _floor_index(r, n)
    l1 = np.clip(r - i0.astype(T), 0, 1).astype(T)
    return np.stack([i0, i0 + (i0 < n - 1)], 1), np.stack([T(1) - l1, l1], 1)


def _cubic(n: int, m: int, align_corners: bool, scale: float | None, T: type):
    r = _source(_scale(n, m, align_corners, scale, T), m, align_corners, True, T)
    i0 = _floor_index(r, n)
    t = np.clip(r - i0.astype(T), 0, 1).astype(T)
    a = T(-0.75)

    def near(x):                               # |x| <= 1
        return ((a + 2) * x - (a + 3)) * x * x + 1

    def far(x):                                # 1 <= |x| <= 2
        return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a
    w = np.stack([far(t + 1), near(t), near(1 - t), far(2 - t)], 1).astype(T)
    return np.clip(i0[:, None] + np.arange(-1, 3), 0, n - 1), w


def _aa_filter(mode: str, x: np.ndarray) -> np.ndarray:
    x = np.abs(x)
    if mode == "bilinear":
        return np.maximum(1 - x, 0)
    if mode == "bicubic":                      # A = -0.5 here, as torch's antialias filter
        a = -0.5
        return np.where(x < 1, ((a + 2) * x - (a + 3)) * x * x + 1,
                        np.where(x < 2, (((x - 5) * x + 8) * x - 4) * a, 0.0))
    px = np.pi * np.where(x == 0, 1, x)
    return np.where(x == 0, 1.0, np.where(x < 3, 3 * np.sin(px) * np.sin(px / 3) / px ** 2, 0.0))


def _antialias(n: int, m: int, align_corners: bool, scale: float | None, mode: str, T: type):
    sc = float(_scale(n, m, align_corners, scale, np.float64))
    support = AA_TAPS[mode] * 0.5 * max(sc, 1.0)
    K = 2 * math.ceil(support) + 1
    center = sc * (np.arange(m) + 0.5)                                  # (m,)
    lo = np.maximum((center - support + 0.5).astype(np.int64), 0)
    size = np.clip(np.minimum((center + support + 0.5).astype(np.int64), n) - lo, 0, K)
    j = np.arange(K)
    w = _aa_filter(mode, (lo[:, None] + j - center[:, None] + 0.5) / max(sc, 1.0))
    w = np.where(j < size[:, None], w, 0.0)                             # (m, K)
    total = w.sum(axis=1, keepdims=True)
    w = np.divide(w, total, out=w, where=total != 0)
    return np.minimum(lo[:, None] + np.minimum(j, np.maximum(size[:, None] - 1, 0)), n - 1), \
        w.astype(T)


def taps(n: int, m: int, mode: str, align_corners: bool, scale: float | None, antialias: bool,
          T: type, backward: bool, same: bool = False):
    """One axis's (idx, w), or None for the identity (``same``: every axis keeps its size)."""
    if mode in ("nearest", "nearest-exact"):
        return _nearest(n, m, scale, T, mode == "nearest-exact", backward)
    if antialias or mode == "lanczos":
        return None if n == m and not backward else _antialias(n, m, align_corners, scale,
                                                               mode, T)
    if mode == "bicubic":
        return None if same and backward else _cubic(n, m, align_corners, scale, T)
    return None if n == m else _linear(n, m, align_corners, scale, T)


def apply(x: np.ndarray, axis: int, taps) -> np.ndarray:
    """Resample ``x`` along ``axis`` (taps None: unchanged)."""
    if taps is None:
        return x
    idx, w = taps
    bshape = (-1,) + (1,) * (x.ndim - 1 - axis)
    y = None
    for k in range(idx.shape[1]):
        g = np.take(x, idx[:, k], axis=axis)                        # (.., m, ..) new array
        if w is not None:
            g *= w[:, k].reshape(bshape)
        y = g if y is None else np.add(y, g, out=y)
    return y


def adjoint(g: np.ndarray, axis: int, taps, n: int) -> np.ndarray:
    """The transpose of ``_apply``: (.., m, ..) -> (.., n, ..)."""
    if taps is None:
        return g
    idx, w = taps
    shape = list(g.shape)
    shape[axis] = n
    dx = np.zeros(shape, g.dtype)
    at = [slice(None)] * g.ndim
    for k in range(idx.shape[1]):
        c = g if w is None else g * w[:, k].reshape((-1,) + (1,) * (g.ndim - 1 - axis))
        col = idx[:, k]
        starts = np.flatnonzero(np.r_[True, col[1:] != col[:-1]])    # runs of one position
        at[axis] = col[starts]
        dx[tuple(at)] += np.add.reduceat(c, starts, axis=axis)
    return dx
