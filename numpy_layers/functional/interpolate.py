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
scale always), bicubic's copies when every axis keeps its size, and the antialiased
forward copies when m == n while its backward does not. The tables are in ``_resample.py``.
"""
from __future__ import annotations

import warnings
from typing import Any, Sequence

import numpy as np

from .._checks import check_float_array
from ._resample import AA_TAPS, adjoint, apply, taps
from .adaptive_pool import adaptive_avg_pool2d_backward, adaptive_avg_pool2d_forward

MODES = ("nearest", "nearest-exact", "linear", "bilinear", "trilinear", "bicubic", "area",
         "lanczos")
_RANK = {"linear": 3, "bilinear": 4, "trilinear": 5, "bicubic": 4, "lanczos": 4}
_AXES = "DHW"


class InterpolateError(NotImplementedError, ValueError):
    """A mode that does not fit the input's rank: torch's NotImplementedError, and the
    library's ValueError."""


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
    if antialias and not (mode in AA_TAPS and x.ndim == 4):
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
        y = apply(y, axis, taps(n, m, mode, align_corners, s, antialias, T, False))
        back.append((axis, taps(n, m, mode, align_corners, s, antialias, T, True, same), n))
    if y is x:
        y = x.copy()                                               # a new array, as torch
    return y, ("taps", back[::-1])


def interpolate_backward(dy: np.ndarray, cache) -> np.ndarray:
    """dy (N, C, *out) -> dx (N, C, *in)."""
    if cache[0] == "area":
        return _area_backward(dy, cache)
    g = dy
    for axis, taps, n in cache[1]:                                 # first axis first
        g = adjoint(g, axis, taps, n)
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
