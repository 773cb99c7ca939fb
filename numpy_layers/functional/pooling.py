"""2-D max and average pooling on NCHW arrays with torch's CPU rules. ``op_forward``
returns ``(y, cache)``, ``op_backward(dy, cache)`` returns dx; ``max_pool2d`` and
``avg_pool2d`` mirror torch.nn.functional.

Every op loops over window taps on whole strided slices, never over output pixels.
Max forward is separable: each row's running max over the kw column taps (winner j in
J), then the max of those over the kh row taps (code = i*kw + J of the winning row).
That is torch's row-major scan, so a tie keeps the first maximum; windows holding NaN
are recoded afterwards (the last NaN wins); ``codes=False`` (no backward, no indices)
tracks values only. Max backward adds tap by tap in reverse,
which is torch's accumulation order: dx is bitwise equal to torch's. Average pooling
sums rows, then columns (float32 sums may differ from torch's in the last bit).

Speed choices (measurements: README, speed section): strided numpy loops cost several
times contiguous ones, plus a cost per row, so taps read full-width views of -inf/0
padded rows, the separable forward needs fewer strided passes than a kh*kw tap loop, and
max backward gathers each dx phase (rows rh mod sh, cols rw mod sw) in a contiguous
buffer. Work items of ~1 MB (plane groups, or row bands of big planes) keep re-read data
in cache and are spread over a 2-thread pool, as numpy releases the GIL in its loops
(smaller items lost the gain to GIL hand-offs).
"""
from __future__ import annotations

import numpy as np

from .._checks import as_pair, check_float_array
from ._avg_pool2d import avg_pool2d_backward, avg_pool2d_forward
from ._max_pool2d import max_pool2d_backward, max_pool2d_forward, max_pool2d_indices
from ._pool_plumbing import pool_output_size


# ----------------------------------------------------------------------------- checks and F-style
_DIMS = {1: ("2-D (C, L)", "3-D (N, C, L)", "C, L"), 2: ("3-D (C, H, W)", "4-D (N, C, H, W)", "C, H, W")}


def _as_tuple(layer: str, name: str, value, nd: int) -> tuple[int, ...]:
    """as_pair for 2-D pooling; for 1-D an int or a 1-sequence of ints, as torch's _single."""
    if nd == 2:
        return as_pair(layer, name, value)
    if not isinstance(value, (int, np.integer)) and not (
            isinstance(value, (tuple, list)) and len(value) == 1):
        raise TypeError(f"{layer}: expected {name} to be an int or a tuple of 1 int, got {value!r}")
    return as_pair(layer, name, value)[:1]


def pool_params(layer: str, x: object, nd: int, kernel_size, stride, padding, dilation=1,
                ceil_mode: bool = False) -> tuple[tuple[int, ...], ...]:
    """Validate an input with ``nd`` spatial dims, unbatched or batched, and the arguments
    as torch does -> k, s, p, d (tuples of nd ints)."""
    check_float_array(layer, x)
    unb, bat, dims = _DIMS[nd]
    if x.ndim not in (nd + 1, nd + 2) or 0 in x.shape[-nd - 1:]:
        raise ValueError(f"{layer}: expected {unb} or {bat} input with non-zero "
                         f"{dims} (N may be 0), got shape {tuple(x.shape)}")
    k = _as_tuple(layer, "kernel_size", kernel_size, nd)
    s = k if stride is None or (not np.isscalar(stride) and len(stride) == 0) \
        else _as_tuple(layer, "stride", stride, nd)
    p, d = _as_tuple(layer, "padding", padding, nd), _as_tuple(layer, "dilation", dilation, nd)
    for name, v in (("kernel_size", k), ("stride", s), ("dilation", d)):
        if min(v) <= 0:
            raise ValueError(f"{layer}: {name} should be greater than zero, got {v}")
    if min(p) < 0:
        raise ValueError(f"{layer}: pad must be non-negative, got padding={p}")
    if any(pa > ka // 2 for pa, ka in zip(p, k)):   # torch: <= effective k // 2 and <= k // 2
        raise ValueError(f"{layer}: pad should be at most half of effective kernel size, but "
                         f"got padding={p}, kernel_size={k} and dilation={d}")
    out = [pool_output_size(n, k[a], s[a], p[a], d[a], bool(ceil_mode))
           for a, n in enumerate(x.shape[-nd:])]
    if min(out) < 1:
        raise ValueError(f"{layer}: given input size {tuple(x.shape[-nd - 1:])}, the calculated "
                         f"output size {tuple(out)} is too small")
    return k, s, p, d


def pool2d_params(layer: str, x: object, kernel_size, stride, padding, dilation=1,
                  ceil_mode: bool = False) -> tuple[tuple[int, int], ...]:
    """Validate input (C, H, W) / (N, C, H, W) and the arguments as torch does -> k, s, p, d."""
    return pool_params(layer, x, 2, kernel_size, stride, padding, dilation, ceil_mode)


def max_pool2d(input: np.ndarray, kernel_size, stride=None, padding=0, dilation=1,
               ceil_mode: bool = False, return_indices: bool = False):
    """``torch.nn.functional.max_pool2d``: (N, C, H, W) or (C, H, W) -> pooled (+ int64 indices)."""
    k, s, p, d = pool2d_params("max_pool2d", input, kernel_size, stride, padding, dilation, ceil_mode)
    x4 = input if input.ndim == 4 else input[None]                      # (N, C, H, W)
    y, cache = max_pool2d_forward(x4, k, s, p, d, bool(ceil_mode), codes=bool(return_indices))
    if not return_indices:
        return y if input.ndim == 4 else y[0]
    idx = max_pool2d_indices(cache)
    return (y, idx) if input.ndim == 4 else (y[0], idx[0])


def check_divisor(layer: str, divisor_override) -> None:
    if divisor_override is None:
        return
    if not isinstance(divisor_override, (int, np.integer)) or isinstance(divisor_override, bool):
        raise TypeError(f"{layer}: divisor_override must be an int or None, got {divisor_override!r}")
    if divisor_override == 0:
        raise ValueError(f"{layer}: divisor must be not zero")


def avg_pool2d(input: np.ndarray, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True, divisor_override: int | None = None) -> np.ndarray:
    """``torch.nn.functional.avg_pool2d``: (N, C, H, W) or (C, H, W) -> pooled."""
    k, s, p, _ = pool2d_params("avg_pool2d", input, kernel_size, stride, padding, 1, ceil_mode)
    check_divisor("avg_pool2d", divisor_override)
    x4 = input if input.ndim == 4 else input[None]                      # (N, C, H, W)
    y, _ = avg_pool2d_forward(x4, k, s, p, bool(ceil_mode), bool(count_include_pad), divisor_override)
    return y if input.ndim == 4 else y[0]
