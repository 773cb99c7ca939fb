"""Resizing (``F.interpolate``, ``nn.Upsample``): every mode as a separable map, applied one
spatial axis at a time (the last first, as torch's kernels nest them).

Along an axis of input size n and output size m, a mode is a table of taps: ``idx`` (m, K)
input positions and ``w`` (m, K) weights (none for nearest), so ``y[o] = sum_k w[o, k] *
x[idx[o, k]]``; the backward is the adjoint, each column's contributions summed per input
position with ``np.add.reduceat`` (every column of ``idx`` is non-decreasing). The tables
follow torch 2.13's CPU kernels, measured on every size pair up to 60 x 100 and scale
factors from 0.25 to 5.5 (indices equal, weights to rounding):

- nearest: ``floor(o * scale)`` with a float32 scale for float32 input; for float64 the
  double product is rounded to float32 before the floor (torch's ``floorf``). nearest-exact:
  ``floor((o + 0.5) * scale)``, the float32 form fused (one rounding of ``scale*(o+.5)-.5``).
- linear, bilinear, trilinear: 2 taps, ``src = scale * (o + 0.5) - 0.5`` clamped at 0 (or
  ``scale * o`` with align_corners); bicubic: 4 taps clamped to the edge, A = -0.75.
- antialias (bilinear, bicubic, lanczos): torch's separable filter, support scaled by
  the downscale factor, weights normalised per output.
- area: adaptive average pooling (torch calls it; 3-D as a 2-D pass per depth slice
  followed by one along the depth).

torch's backward does not always use its forward's table, and we follow it: nearest's
backward has torch's older index rule (copy when m == n, ``o >> 1`` when m == 2n, float32
scale always), bicubic's copies when every axis keeps its size, and the antialiased forward copies when
m == n while its backward does not.
"""
from __future__ import annotations

import math
import warnings
from typing import Any, Sequence

import numpy as np

from .._checks import check_float_array
from .adaptive_pool import adaptive_avg_pool2d_backward, adaptive_avg_pool2d_forward

F32 = np.float32
MODES = ("nearest", "nearest-exact", "linear", "bilinear", "trilinear", "bicubic", "area",
         "lanczos")
_RANK = {"linear": 3, "bilinear": 4, "trilinear": 5, "bicubic": 4, "lanczos": 4}
_AA = {"bilinear": 2, "bicubic": 4, "lanczos": 6}          # antialias: taps at scale 1
_AXES = "DHW"


class InterpolateError(NotImplementedError, ValueError):
    """A mode that does not fit the input's rank: torch's NotImplementedError, and the
    library's ValueError."""


# ----------------------------------------------------------------------------- tap tables
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
    support = _AA[mode] * 0.5 * max(sc, 1.0)
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


def _taps(n: int, m: int, mode: str, align_corners: bool, scale: float | None, antialias: bool,
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


def _apply(x: np.ndarray, axis: int, taps) -> np.ndarray:
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


def _adjoint(g: np.ndarray, axis: int, taps, n: int) -> np.ndarray:
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


# ----------------------------------------------------------------------------- arguments
def _is_int(v: object) -> bool:
    return isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))


def interpolate_params(layer: str, x: object, size=None, scale_factor=None, mode="nearest",
                       align_corners=None, recompute_scale_factor=None, antialias=False
                       ) -> tuple[tuple[int, ...], tuple | None, bool]:
    """torch's checks, in its order -> (output size, scales for the kernel or None,
    align_corners as the kernel reads it)."""
    check_float_array(layer, x)
    if mode in ("nearest", "area", "nearest-exact") and align_corners is not None:
        raise ValueError(f"{layer}: align_corners option can only be set with the "
                         f"interpolating modes: linear | bilinear | bicubic | trilinear")
    dim = x.ndim - 2
    if (size is None) == (scale_factor is None):
        raise ValueError(f"{layer}: " + ("only one of size or scale_factor should be defined"
                                         if size is not None else
                                         "either size or scale_factor should be defined"))
    spatial = list(x.shape[2:])
    scales = None
    if size is not None:
        out = list(size) if isinstance(size, (list, tuple)) else [size] * dim
        if len(out) != dim:
            raise ValueError(f"{layer}: input and output must have the same number of spatial "
                             f"dimensions, but got input with spatial dimensions of {spatial} "
                             f"and output size of {size}")
        if not all(_is_int(v) for v in out):
            raise TypeError(f"{layer}: expected size to be an int or a tuple of {dim} ints, "
                            f"but got size with types {[type(v).__name__ for v in out]}")
        if recompute_scale_factor:
            raise ValueError(f"{layer}: recompute_scale_factor is not meaningful with an "
                             f"explicit size.")
    else:
        sf = list(scale_factor) if isinstance(scale_factor, (list, tuple)) else [scale_factor] * dim
        if len(sf) != dim:
            raise ValueError(f"{layer}: input and scale_factor must have the same number of "
                             f"spatial dimensions, but got input with spatial dimensions of "
                             f"{spatial} and scale_factor of shape {scale_factor}")
        try:
            sf = [float(v) for v in sf]
        except (TypeError, ValueError):
            raise TypeError(f"{layer}: expected scale_factor to be a number or a tuple of "
                            f"{dim} numbers, got {scale_factor!r}") from None
        out = [int(n * s) for n, s in zip(spatial, sf)]
        if not (recompute_scale_factor or mode == "area"):
            scales = tuple(sf)
    if antialias and not (mode in _AA and x.ndim == 4):
        raise ValueError(f"{layer}: anti-alias option is restricted to bilinear, bicubic, and "
                         f"lanczos modes and requires a 4-D tensor as input")
    if mode not in MODES or x.ndim not in (3, 4, 5) or _RANK.get(mode, x.ndim) != x.ndim:
        if mode in _RANK and x.ndim in (3, 4, 5):
            raise InterpolateError(f"{layer}: got {x.ndim}D input, but {mode} mode needs "
                                   f"{_RANK[mode]}D input")
        raise InterpolateError(f"{layer}: only 3D, 4D and 5D inputs are supported (got "
                               f"{x.ndim}D) for the modes: {' | '.join(MODES)} (got {mode!r})")
    if mode == "lanczos" and (align_corners or not antialias):
        raise ValueError(f"{layer}: lanczos mode requires antialias=True and does not support "
                         f"align_corners=True")
    if x.shape[1] == 0 or min(spatial + out) <= 0:
        names = _AXES[3 - dim:]
        raise ValueError(f"{layer}: input and output sizes should be greater than 0 (and C "
                         f"non-zero), but got input (C: {x.shape[1]}, " +
                         ", ".join(f"{a}: {n}" for a, n in zip(names, spatial)) + ") output (" +
                         ", ".join(f"{a}: {n}" for a, n in zip(names, out)) + ")")
    return tuple(out), scales, bool(align_corners)


# ----------------------------------------------------------------------------- area
def _area_passes(shape: tuple, out: tuple) -> list[tuple[tuple, tuple]]:
    """Area (adaptive average pooling) as 2-D adaptive passes: [(4-D view of the pass's
    input, its output size)]. 1-D runs on (N, C, 1, L); 3-D averages (H, W) per depth
    slice, then D (windows of a product are products of windows, so the means nest)."""
    n, c, *sp = shape
    if len(sp) == 1:
        return [((n, c, 1, sp[0]), (1, out[0]))]
    if len(sp) == 2:
        return [((n, c, *sp), out)]
    return [((n, c * sp[0], sp[1], sp[2]), out[1:]), ((n, c, sp[0], out[1] * out[2]),
                                                      (out[0], out[1] * out[2]))]


def _area_forward(x: np.ndarray, out: tuple) -> tuple[np.ndarray, Any]:
    y, caches = x, []
    for view, size in _area_passes(x.shape, out):
        y, cache = adaptive_avg_pool2d_forward(y.reshape(view), size)
        caches.append((y.shape, cache))
    return y.reshape(x.shape[:2] + out), ("area", x.shape, caches)


def _area_backward(dy: np.ndarray, cache) -> np.ndarray:
    _, shape, caches = cache
    g = dy
    for out_shape, inner in reversed(caches):                       # the pass's 4-D output
        g = adaptive_avg_pool2d_backward(g.reshape(out_shape), inner)
    return g.reshape(shape)


# ----------------------------------------------------------------------------- forward/backward
def interpolate_forward(x: np.ndarray, output_size: Sequence[int], scales: Sequence | None = None,
                        mode: str = "nearest", align_corners: bool = False,
                        antialias: bool = False) -> tuple[np.ndarray, Any]:
    """x (N, C, *in) -> y (N, C, *output_size), cache; arguments as ``interpolate_params``
    returns them."""
    if mode == "area":
        return _area_forward(x, tuple(output_size))
    T, nd = x.dtype.type, x.ndim
    same = tuple(x.shape[2:]) == tuple(output_size)
    back, y = [], x
    for axis in reversed(range(2, nd)):
        n, m = x.shape[axis], output_size[axis - 2]
        s = None if scales is None else scales[axis - 2]
        y = _apply(y, axis, _taps(n, m, mode, align_corners, s, antialias, T, False))
        back.append((axis, _taps(n, m, mode, align_corners, s, antialias, T, True, same), n))
    if y is x:
        y = x.copy()                                               # a new array, as torch
    return y, ("taps", back[::-1])


def interpolate_backward(dy: np.ndarray, cache) -> np.ndarray:
    """dy (N, C, *out) -> dx (N, C, *in)."""
    if cache[0] == "area":
        return _area_backward(dy, cache)
    g = dy
    for axis, taps, n in cache[1]:                                 # first axis first
        g = _adjoint(g, axis, taps, n)
    return g.copy() if g is dy else g


def interpolate(input: np.ndarray, size=None, scale_factor=None, mode: str = "nearest",
                align_corners: bool | None = None, recompute_scale_factor: bool | None = None,
                antialias: bool = False) -> np.ndarray:
    """``torch.nn.functional.interpolate``: (N, C, *in) -> (N, C, *out), 1 to 3 spatial dims."""
    out, scales, ac = interpolate_params("interpolate", input, size, scale_factor, mode,
                                         align_corners, recompute_scale_factor, antialias)
    return interpolate_forward(input, out, scales, mode, ac, antialias)[0]


def _deprecated(name: str) -> None:
    warnings.warn(f"`nn.functional.{name}` is deprecated. Use `nn.functional.interpolate` "
                  f"instead.", UserWarning, stacklevel=3)


def upsample(input: np.ndarray, size=None, scale_factor=None, mode: str = "nearest",
             align_corners: bool | None = None) -> np.ndarray:
    """``torch.nn.functional.upsample`` (deprecated, as in torch): ``interpolate``."""
    _deprecated("upsample")
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input: np.ndarray, size=None, scale_factor=None) -> np.ndarray:
    """``torch.nn.functional.upsample_nearest`` (deprecated): nearest ``interpolate``."""
    _deprecated("upsample_nearest")
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input: np.ndarray, size=None, scale_factor=None) -> np.ndarray:
    """``torch.nn.functional.upsample_bilinear`` (deprecated): bilinear with align_corners."""
    _deprecated("upsample_bilinear")
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


__all__ = ["upsample", "upsample_nearest", "upsample_bilinear", "interpolate", "interpolate_forward", "interpolate_backward", "interpolate_params",
           "InterpolateError", "MODES"]
