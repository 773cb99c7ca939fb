"""``torch.nn.functional.pad``'s modes with their backward, for pads of 2, 4 or 6 entries.

``pad`` lists (before, after) pairs from the last dim backwards, as torch orders it:
``(left, right)``, ``(left, right, top, bottom)``, ``(left, right, top, bottom, front,
back)``; constant padding takes up to one pair per dim. Negative entries crop. As torch:
constant and circular crop first and pad the cropped array; reflect and replicate index the
whole input (``j - before`` mirrored or clamped into it), so a pad may reach past a crop,
and replicate can crop a whole dim and pad it back from the input's edge. One difference:
circular padding longer than the cropped size raises ValueError (torch then reads memory
it never wrote).
"""
from __future__ import annotations

import numpy as np

MODES = ("constant", "reflect", "replicate", "circular")


def _check(x: np.ndarray, pad: tuple[int, ...], mode: str, layer: str = "pad") -> tuple[int, ...]:
    """Validate like torch; messages name ``layer``. Returns the pads as ints."""
    if mode not in MODES:
        raise ValueError(f"{layer}: mode must be one of {MODES}, got {mode!r}")
    if not pad or len(pad) % 2 or not all(isinstance(p, (int, np.integer)) for p in pad):
        raise ValueError(f"{layer}: expected pad as (before, after) int pairs from the last "
                         f"dim backwards, got {pad!r}")
    k = len(pad) // 2
    if mode == "constant" and k > x.ndim:
        raise ValueError(f"{layer}: padding length {len(pad)} is more than two times the "
                         f"input dimension {x.ndim} (shape {tuple(x.shape)})")
    if mode != "constant" and (k > 3 or x.ndim not in (k + 1, k + 2)):
        raise ValueError(f"{layer}: mode {mode!r} with {len(pad)} pads expects a "
                         f"{k + 1}-D or {k + 2}-D input, got shape {tuple(x.shape)}")
    pads = tuple(int(p) for p in pad)
    for i in range(k):
        a, b, axis = pads[2 * i], pads[2 * i + 1], x.ndim - 1 - i
        n = x.shape[axis]
        kept = n + min(a, 0) + min(b, 0)
        out = kept + max(a, 0) + max(b, 0)
        if out < (1 if mode in ("reflect", "replicate") else 0) or kept < 0 and mode in (
                "constant", "circular"):
            raise ValueError(f"{layer}: padding ({a}, {b}) crops dimension {axis} of input "
                             f"{tuple(x.shape)} to {out}")
        if mode == "reflect" and max(a, b) >= n and max(a, b) > 0:
            raise ValueError(
                f"{layer}: reflect padding must be less than the input size, got padding "
                f"({a}, {b}) at dimension {axis} of input {tuple(x.shape)}")
        if mode == "replicate" and n == 0 and max(a, b) > 0:
            raise ValueError(f"{layer}: replicate padding of an empty dimension {axis} "
                             f"(input {tuple(x.shape)})")
        if mode == "circular" and max(a, b) > kept:
            raise ValueError(f"{layer}: circular padding ({a}, {b}) wraps around more than once "
                             f"at dimension {axis} of input {tuple(x.shape)} (cropped to {kept})")
    return pads


def _pairs(pads: tuple[int, ...], ndim: int) -> list[tuple[int, int, int]]:
    """(axis, before, after) per padded dim, last dim first."""
    return [(ndim - 1 - i, pads[2 * i], pads[2 * i + 1]) for i in range(len(pads) // 2)]


def _source(n: int, a: int, b: int, mode: str) -> np.ndarray:
    """Reflect/replicate: for each of the n + a + b outputs, the input index it reads."""
    u = np.arange(n + a + b) - a                             # position in the input
    if mode == "replicate":
        return np.clip(u, 0, n - 1)
    u = np.abs(u)                                            # reflect about 0 ...
    return np.where(u > n - 1, 2 * (n - 1) - u, u)           # ... and about n - 1


def _indexed(mode: str, pads: tuple[int, ...]) -> bool:
    """Reflect/replicate with a crop: indexed per dim (the slice path crops first)."""
    return mode in ("reflect", "replicate") and min(pads) < 0


def pad_forward(x: np.ndarray, pad: tuple[int, ...], mode: str = "constant",
                value: float = 0.0):
    """x (..., *dims) -> y with each padded dim grown by before + after, cache."""
    pads = _check(x, tuple(pad), mode)
    pairs = _pairs(pads, x.ndim)
    if _indexed(mode, pads):
        y = x
        for axis, a, b in pairs:
            y = np.take(y, _source(x.shape[axis], a, b, mode), axis=axis)
        return y, (x.shape, pads, mode)
    crop = [slice(None)] * x.ndim
    for axis, a, b in pairs:
        crop[axis] = slice(max(-a, 0), x.shape[axis] - max(-b, 0))
    xc = x[tuple(crop)]
    if mode == "constant":                 # empty, the input, then only the margins filled
        shape, inner = list(xc.shape), [slice(None)] * x.ndim
        for axis, a, b in pairs:
            shape[axis] += max(a, 0) + max(b, 0)
            inner[axis] = slice(max(a, 0), max(a, 0) + xc.shape[axis])
        y, fill = np.empty(shape, x.dtype), x.dtype.type(value)
        y[tuple(inner)] = xc
        for axis, a, b in pairs:
            side = [slice(None)] * x.ndim
            for side[axis] in (slice(0, max(a, 0)), slice(inner[axis].stop, None)):
                y[tuple(side)] = fill
    else:
        widths = [(0, 0)] * x.ndim
        for axis, a, b in pairs:
            widths[axis] = (max(a, 0), max(b, 0))
        np_mode = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}[mode]
        y = np.pad(xc, widths, mode=np_mode)
    return y, (x.shape, pads, mode)


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
    """dy (padded shape) -> dx (x's shape): padded positions add onto their source."""
    shape, pads, mode = cache
    pairs = _pairs(pads, len(shape))
    if _indexed(mode, pads):
        g = dy
        for axis, a, b in reversed(pairs):                   # undo the last take first
            n = shape[axis]
            dx = np.zeros(g.shape[:axis] + (n,) + g.shape[axis + 1:], dy.dtype)
            np.add.at(dx, (slice(None),) * axis + (_source(n, a, b, mode),), g)
            g = dx
        return g
    g, inner, outer = dy, [slice(None)] * len(shape), [slice(None)] * len(shape)
    for axis, a, b in pairs:
        kept = dy.shape[axis] - max(a, 0) - max(b, 0)        # the cropped input's size
        if mode == "constant":
            inner[axis] = slice(max(a, 0), max(a, 0) + kept)
        else:
            g = _fold(g, max(a, 0), max(b, 0), kept, mode, axis)
        outer[axis] = slice(max(-a, 0), max(-a, 0) + kept)
    g = g[tuple(inner)]
    if g.shape == tuple(shape):
        return np.ascontiguousarray(g) if mode != "constant" else g.copy()
    dx = np.zeros(shape, dy.dtype)                           # cropped positions get zero
    dx[tuple(outer)] = g
    return dx


def pad(input: np.ndarray, pad: tuple[int, ...], mode: str = "constant",
        value: float | None = None) -> np.ndarray:
    """``torch.nn.functional.pad``: 2, 4 or 6 pads (constant: up to 2 per dim), forward only."""
    return pad_forward(input, tuple(pad), mode, 0.0 if value is None else value)[0]
