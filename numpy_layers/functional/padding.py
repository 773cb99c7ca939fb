"""Padding of the last two dims, ``torch.nn.functional.pad``'s modes, with its backward.

``pad`` is ``(left, right, top, bottom)`` as torch orders it for the last two dims.
Negative entries crop, as in torch: the crop is applied first and the padding is taken
from the cropped array. One difference: where a dim is both cropped and padded, the
reflect/circular size limits apply to the cropped size here (torch checks the uncropped
size and then reads outside the cropped data); such pads raise ValueError.
"""
from __future__ import annotations

import numpy as np

MODES = ("constant", "reflect", "replicate", "circular")


def _check(x: np.ndarray, pad: tuple[int, int, int, int], mode: str,
           layer: str = "pad") -> tuple[int, ...]:
    """Validate like torch; messages name ``layer``. Returns the 4 pads as ints."""
    if mode not in MODES:
        raise ValueError(f"{layer}: mode must be one of {MODES}, got {mode!r}")
    if len(pad) != 4 or not all(isinstance(p, (int, np.integer)) for p in pad):
        raise ValueError(f"{layer}: expected pad as 4 ints (left, right, top, bottom), got {pad!r}")
    if x.ndim not in (3, 4) and not (mode == "constant" and x.ndim >= 2):
        raise ValueError(f"{layer}: mode {mode!r} expects a 3-D or 4-D input, got shape {x.shape}")
    left, right, top, bottom = (int(p) for p in pad)
    h, w = x.shape[-2:]
    hc, wc = h + min(top, 0) + min(bottom, 0), w + min(left, 0) + min(right, 0)
    if hc < 0 or wc < 0 or (mode != "constant" and min(hc, wc) == 0):
        raise ValueError(f"{layer}: padding {pad} crops input {tuple(x.shape)} to nothing")
    for n, a, b, axis in ((wc, left, right, -1), (hc, top, bottom, -2)):
        if mode == "reflect" and max(a, b) >= n and max(a, b) > 0:
            raise ValueError(
                f"{layer}: reflect padding must be less than the input size, got padding "
                f"({a}, {b}) at dimension {x.ndim + axis} of input {tuple(x.shape)}")
        if mode == "circular" and max(a, b) > n:
            raise ValueError(f"{layer}: circular padding ({a}, {b}) wraps around more than once "
                             f"at dimension {x.ndim + axis} of input {tuple(x.shape)}")
    return left, right, top, bottom


def pad_forward(x: np.ndarray, pad: tuple[int, int, int, int], mode: str = "constant",
                value: float = 0.0):
    """x (N, C, H, W) or (C, H, W) -> y (..., H + top + bottom, W + left + right), cache."""
    left, right, top, bottom = _check(x, pad, mode)
    h, w = x.shape[-2:]
    xc = x[..., max(-top, 0):h - max(-bottom, 0), max(-left, 0):w - max(-right, 0)]
    t, b, l, r = max(top, 0), max(bottom, 0), max(left, 0), max(right, 0)
    if mode == "constant":
        hc, wc = xc.shape[-2:]
        y = np.empty(x.shape[:-2] + (hc + t + b, wc + l + r), x.dtype)
        y[..., t:t + hc, l:l + wc] = xc
        fill = x.dtype.type(value)
        y[..., :t, :] = fill
        y[..., t + hc:, :] = fill
        y[..., t:t + hc, :l] = fill
        y[..., t:t + hc, l + wc:] = fill
    else:
        np_mode = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}[mode]
        widths = [(0, 0)] * (x.ndim - 2) + [(t, b), (l, r)]
        y = np.pad(xc, widths, mode=np_mode)
    return y, (x.shape, (left, right, top, bottom), mode)


def _fold(g: np.ndarray, a: int, b: int, n: int, mode: str, axis: int) -> np.ndarray:
    """Gradient of padding one axis (``a`` before, ``b`` after, ``n`` kept): fold back."""
    def sl(start, stop, step=None):
        idx = [slice(None)] * g.ndim
        idx[axis] = slice(start, stop, step)
        return tuple(idx)

    dx = g[sl(a, a + n)].copy()                              # (..., n, ...) along axis
    if mode == "reflect":                                    # padded j <-> source a - j
        if a:
            dx[sl(1, a + 1)] += g[sl(a - 1, None, -1)]
        if b:
            dx[sl(n - 1 - b, n - 1)] += g[sl(a + n + b - 1, a + n - 1, -1)]
    elif mode == "replicate":                                # all onto the edge element
        if a:
            dx[sl(0, 1)] += g[sl(0, a)].sum(axis=axis, keepdims=True)
        if b:
            dx[sl(n - 1, n)] += g[sl(a + n, None)].sum(axis=axis, keepdims=True)
    elif mode == "circular":                                 # padded j <-> source (j - a) % n
        if a:
            dx[sl(n - a, n)] += g[sl(0, a)]
        if b:
            dx[sl(0, b)] += g[sl(a + n, None)]
    return dx


def pad_backward(dy: np.ndarray, cache) -> np.ndarray:
    """dy (..., Hp, Wp) -> dx (..., H, W): padded positions add onto their source."""
    shape, (left, right, top, bottom), mode = cache
    h, w = shape[-2:]
    t, b, l, r = max(top, 0), max(bottom, 0), max(left, 0), max(right, 0)
    hc, wc = dy.shape[-2] - t - b, dy.shape[-1] - l - r       # the cropped input's size
    if mode == "constant":
        g = dy[..., t:t + hc, l:l + wc]
    else:
        g = _fold(_fold(dy, l, r, wc, mode, -1), t, b, hc, mode, -2)
    if (hc, wc) == (h, w):
        return np.ascontiguousarray(g) if mode != "constant" else g.copy()
    dx = np.zeros(shape, dy.dtype)                           # cropped rows/cols get zero
    dx[..., max(-top, 0):max(-top, 0) + hc, max(-left, 0):max(-left, 0) + wc] = g
    return dx


def pad(input: np.ndarray, pad: tuple[int, int, int, int], mode: str = "constant",
        value: float | None = None) -> np.ndarray:
    """``torch.nn.functional.pad`` for the last two dims (a 4-tuple ``pad``), forward only."""
    return pad_forward(input, tuple(pad), mode, 0.0 if value is None else value)[0]
