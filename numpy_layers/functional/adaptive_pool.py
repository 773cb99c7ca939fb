"""2-D adaptive average and max pooling on NCHW arrays with torch's CPU rules.

Output cell (i, j) of an (Ho, Wo) output reads rows floor(i*H/Ho) : ceil((i+1)*H/Ho) and
columns floor(j*W/Wo) : ceil((j+1)*W/Wo) (windows may overlap, or repeat when the output
is larger than the input). ``op_forward`` returns ``(y, cache)``, ``op_backward(dy, cache)``
returns dx; ``adaptive_avg_pool2d`` and ``adaptive_max_pool2d`` mirror torch.nn.functional.

Paths, none looping over pixels: output (1, 1) reduces whole planes; sizes that divide
the input are a pooling with kernel = stride (the tuned ops of ``pooling.py``); the
general case is separable, columns first then rows, each a loop over the few window
offsets t gathering element start+t of every window at once (``np.take``). The backward
of a window sum along an axis is again a window sum, over the outputs covering each
input position, so it uses the same loop; max backward adds each dy at its flat index.

Max keeps torch's scan of a window in row-major order with ``val > max or isnan(val)``:
a tie keeps the first maximum, the last NaN wins. Reducing columns first and then rows
gives the same winner (smallest row among the row maxima, then its first column).
"""
from __future__ import annotations

import numpy as np

from .._checks import check_float_array
from .pooling import (avg_pool2d_backward, avg_pool2d_forward, max_pool2d_backward,
                      max_pool2d_forward, max_pool2d_indices)


# ----------------------------------------------------------------------------- windows
def adaptive_windows(n: int, out: int) -> tuple[np.ndarray, np.ndarray]:
    """torch's start_index/end_index: starts floor(i*n/out), ends ceil((i+1)*n/out), (out,)."""
    i = np.arange(out, dtype=np.int64)
    return (i * n) // out, -((-(i + 1) * n) // out)


def _covers(n: int, starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each of n input positions, the range [lo, hi) of the windows holding it."""
    pos = np.arange(n, dtype=np.int64)
    return np.searchsorted(ends, pos, side="right"), np.searchsorted(starts, pos, side="right")


def _offsets(starts: np.ndarray, ends: np.ndarray, axis: int, ndim: int):
    """Per window offset t: positions start+t clamped into each window, and whether the
    window really has an element t; both shaped to broadcast along ``axis``."""
    shape = [1] * ndim
    shape[axis] = -1
    for t in range(int((ends - starts).max(initial=0))):
        yield np.minimum(starts + t, ends - 1), (starts + t < ends).reshape(shape)


def _window_sum(a: np.ndarray, axis: int, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """out[..., o, ...] = sum of a[..., starts[o]:ends[o], ...] along ``axis``."""
    finite, out = bool(np.isfinite(np.sum(a))), None
    for pos, valid in _offsets(starts, ends, axis, a.ndim):
        v = np.take(a, pos, axis=axis)
        if not valid.all():                    # v * mask is faster than where, unless inf
            v = np.multiply(v, valid, out=v) if finite else np.where(valid, v, a.dtype.type(0))
        out = v if out is None else np.add(out, v, out=out)
    return out


def _window_max(a: np.ndarray, axis: int, starts: np.ndarray, ends: np.ndarray):
    """Max of each window along ``axis`` and the winner's position (int64), torch's scan.
    np.maximum gives torch's value (NaN sticks; on ties it returns its second argument,
    the earlier maximum); positions only grow with t, so the winner is a running max of
    position * updated (clamped repeats change nothing)."""
    val = win = None
    for pos, _ in _offsets(starts, ends, axis, a.ndim):
        v = np.take(a, pos, axis=axis)
        p = pos.reshape([-1 if d == axis else 1 for d in range(a.ndim)])
        if val is None:
            val, win = v, np.broadcast_to(p, v.shape).copy()
            continue
        upd = np.greater(v, val)
        upd |= np.isnan(v)
        np.maximum(v, val, out=val)
        np.maximum(win, np.multiply(upd, p), out=win)
    return val, win


# ----------------------------------------------------------------------------- average
def _path(x_shape: tuple[int, ...], output_size: tuple[int, int]) -> str:
    """'empty', 'global' (output (1, 1)), 'pool' (sizes divide: a k = stride pooling) or
    'windows' (the general case)."""
    N, C, H, W = x_shape
    Ho, Wo = output_size
    if 0 in (N * C, Ho, Wo):
        return "empty"
    if (Ho, Wo) == (1, 1):
        return "global"
    return "pool" if H % Ho == 0 and W % Wo == 0 else "windows"


def adaptive_avg_pool2d_forward(x: np.ndarray, output_size: tuple[int, int]
                                ) -> tuple[np.ndarray, tuple]:
    """x (N, C, H, W) -> y (N, C, Ho, Wo), cache."""
    N, C, H, W = x.shape
    Ho, Wo = output_size
    path, x3 = _path(x.shape, output_size), x.reshape(N * C, H, W)      # (P, H, W)
    cache = [path, x.shape, x.dtype, (Ho, Wo), None]
    if path == "empty":
        y = np.zeros((N * C, Ho, Wo), x.dtype)
    elif path == "global":                     # torch takes the mean here too
        y = x3.mean(axis=(1, 2), keepdims=True)                         # (P, 1, 1)
    elif path == "pool":
        k = (H // Ho, W // Wo)
        y, cache[4] = avg_pool2d_forward(x, k, k, (0, 0))
    else:                                      # torch: window sum / kh / kw
        (sh, eh), (sw, ew) = adaptive_windows(H, Ho), adaptive_windows(W, Wo)
        y = _window_sum(_window_sum(x3, 2, sw, ew), 1, sh, eh)          # (P, Ho, Wo)
        y /= (eh - sh).astype(x.dtype)[:, None]
        y /= (ew - sw).astype(x.dtype)
    return y.reshape(N, C, Ho, Wo), tuple(cache)


def adaptive_avg_pool2d_backward(dy: np.ndarray, cache) -> np.ndarray:
    """dy (N, C, Ho, Wo) -> dx (N, C, H, W): each window element gets dy / kh / kw."""
    path, (N, C, H, W), dtype, (Ho, Wo), inner = cache
    if path == "pool":
        return avg_pool2d_backward(dy, inner)
    if path == "empty":
        return np.zeros((N, C, H, W), dtype)
    dy3 = dy.reshape(N * C, Ho, Wo)                                     # (P, Ho, Wo)
    if path == "global":                       # mean's backward
        dx = np.empty((N * C, H, W), dtype)                             # (P, H, W)
        np.divide(dy3, dtype.type(H * W), out=dx)                       # broadcasts (P, 1, 1)
        return dx.reshape(N, C, H, W)
    (sh, eh), (sw, ew) = adaptive_windows(H, Ho), adaptive_windows(W, Wo)
    g = dy3 / (eh - sh).astype(dtype)[:, None]
    g /= (ew - sw).astype(dtype)
    dR = _window_sum(g, 2, *_covers(W, sw, ew))                         # (P, Ho, W)
    return _window_sum(dR, 1, *_covers(H, sh, eh)).reshape(N, C, H, W)


# ----------------------------------------------------------------------------- max
def adaptive_max_pool2d_forward(x: np.ndarray, output_size: tuple[int, int]
                                ) -> tuple[np.ndarray, tuple]:
    """x (N, C, H, W) -> y (N, C, Ho, Wo), cache holding the winners."""
    N, C, H, W = x.shape
    Ho, Wo = output_size
    P, path = N * C, _path(x.shape, output_size)
    x3 = x.reshape(P, H, W)                                             # (P, H, W)
    if path == "pool":                         # same scan, ties and NaN rule as max_pool2d
        k = (H // Ho, W // Wo)
        y, inner = max_pool2d_forward(x, k, k, (0, 0))
        return y, (path, x.shape, x.dtype, inner)
    if path == "empty":
        y, flat = np.zeros((P, Ho, Wo), x.dtype), np.zeros((P, Ho, Wo), np.int64)
    elif path == "global":
        xf = x3.reshape(P, H * W)                                       # (P, H*W)
        flat = np.argmax(xf, axis=1)           # first maximum (first NaN if any)
        nan = np.isnan(xf)
        rows = np.flatnonzero(nan.any(axis=1))
        if rows.size:                          # torch: the last NaN wins
            flat[rows] = H * W - 1 - np.argmax(nan[rows, ::-1], axis=1)
        y = np.take_along_axis(xf, flat[:, None], axis=1)               # (P, 1)
        flat = flat.reshape(P, 1, 1)
    else:
        (sh, eh), (sw, ew) = adaptive_windows(H, Ho), adaptive_windows(W, Wo)
        R, J = _window_max(x3, 2, sw, ew)                               # (P, H, Wo) each
        y, I = _window_max(R, 1, sh, eh)                                # (P, Ho, Wo) each
        flat = I * W + np.take_along_axis(J, I, axis=1)                 # (P, Ho, Wo)
    return y.reshape(N, C, Ho, Wo), (path, x.shape, x.dtype, flat)


def adaptive_max_pool2d_indices(cache) -> np.ndarray:
    """torch's indices: int64 (N, C, Ho, Wo), flat h*W + w in each plane."""
    path, (N, C, _, _), _, inner = cache
    if path == "pool":
        return max_pool2d_indices(inner)
    return inner.reshape(N, C, *inner.shape[1:])


def adaptive_max_pool2d_backward(dy: np.ndarray, cache) -> np.ndarray:
    """dy (N, C, Ho, Wo) -> dx (N, C, H, W): each dy added onto its window's winner."""
    path, (N, C, H, W), dtype, flat = cache
    if path == "pool":
        return max_pool2d_backward(dy, flat)
    P = flat.shape[0]
    dx = np.zeros(P * H * W, dtype)           # (P*H*W,)
    # Few outputs per plane: add.at on flat indices, in torch's (row-major output) order.
    np.add.at(dx, (flat + np.arange(P)[:, None, None] * (H * W)).ravel(), dy.ravel())
    return dx.reshape(N, C, H, W)


# ----------------------------------------------------------------------------- checks and F-style
def adaptive_output_size(layer: str, x: object, output_size) -> tuple[int, int]:
    """Validate input (C, H, W) / (N, C, H, W) and output_size (int, or pair whose None
    entries keep the input size) as torch does -> (Ho, Wo)."""
    check_float_array(layer, x)
    if x.ndim not in (3, 4) or 0 in x.shape[-3:]:
        raise ValueError(f"{layer}: expected 3-D (C, H, W) or 4-D (N, C, H, W) input with non-zero "
                         f"C, H, W (N may be 0), got shape {tuple(x.shape)}")
    if output_size is None or isinstance(output_size, (bool, np.bool_, int, np.integer)):
        size = (output_size, output_size)
    else:
        try:
            size = tuple(output_size)
        except TypeError:
            raise TypeError(f"{layer}: expected output_size to be an int or a tuple of 2 ints "
                            f"or None, got {output_size!r}") from None
    if len(size) != 2:
        raise ValueError(f"{layer}: output_size must be 2 numbers, got {output_size!r}")
    out = []
    for v, n in zip(size, x.shape[-2:]):
        if v is None:
            v = n
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, np.integer)):
            raise TypeError(f"{layer}: expected output_size to be an int or a tuple of 2 ints "
                            f"or None, got {output_size!r}")
        if v < 0:
            raise ValueError(f"{layer}: elements of output_size must be greater than or equal "
                             f"to 0, got {output_size!r}")
        out.append(int(v))
    return out[0], out[1]


def adaptive_avg_pool2d(input: np.ndarray, output_size) -> np.ndarray:
    """``torch.nn.functional.adaptive_avg_pool2d``: (N, C, H, W) or (C, H, W) -> (.., Ho, Wo)."""
    size = adaptive_output_size("adaptive_avg_pool2d", input, output_size)
    x4 = input if input.ndim == 4 else input[None]                      # (N, C, H, W)
    y, _ = adaptive_avg_pool2d_forward(x4, size)
    return y if input.ndim == 4 else y[0]


def adaptive_max_pool2d(input: np.ndarray, output_size, return_indices: bool = False
                        ) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """``torch.nn.functional.adaptive_max_pool2d``: pooled (+ int64 flat indices)."""
    size = adaptive_output_size("adaptive_max_pool2d", input, output_size)
    x4 = input if input.ndim == 4 else input[None]                      # (N, C, H, W)
    y, cache = adaptive_max_pool2d_forward(x4, size)
    if not return_indices:
        return y if input.ndim == 4 else y[0]
    idx = adaptive_max_pool2d_indices(cache)
    return (y, idx) if input.ndim == 4 else (y[0], idx[0])
