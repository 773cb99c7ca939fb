"""Dropout: zero each element with probability ``p`` (the DROP probability, as torch's)
and scale the kept ones by 1/(1-p); the identity in eval mode or when p == 0.

Rounding matches torch's CPU kernel bit for bit: torch draws ``noise = bernoulli(1-p)`` in
the input dtype, divides it by ``1-p`` (so a kept element's factor is
``dtype(1) / dtype(1-p)``, not ``dtype(1/(1-p))``) and returns ``input * noise``; the
backward is ``grad * noise``. Multiplying by the 0/scale noise array (rather than
``np.where``) also keeps torch's ``-0.0`` for dropped negatives and NaN for dropped inf/NaN.

Channel dropout (``dropout2d``) draws one keep value per (n, c) channel: the mask and the
noise array have shape (N, C, 1, ..., 1) and broadcast over the spatial axes, as torch's
``feature_dropout``.

Speed: the keep-mask is ``rng.random(shape, dtype=float32) < 1-p`` (24-bit uniforms, one
pass); the noise array is ``np.multiply(mask, scale, dtype=...)`` (faster than
``np.where(mask, scale, 0)`` or random bytes compared as uint32; README, speed section).
"""
from __future__ import annotations

import warnings

import numpy as np

from .._checks import check_float_array


def check_probability(layer: str, p: float) -> float:
    """Return ``p`` as a float, raising ValueError (torch's message) unless 0 <= p <= 1."""
    try:
        q = float(p)
    except (TypeError, ValueError):
        raise TypeError(f"{layer}: expected the dropout probability p to be a number, "
                        f"got {p!r}") from None
    if not 0.0 <= q <= 1.0:
        raise ValueError(f"{layer}: dropout probability has to be between 0 and 1, but got {p}")
    return q


def _as_mask(mask: object, shape: tuple[int, ...]) -> np.ndarray:
    """A keep-mask given by the caller (bool, or 0/1 numbers) -> bool array of ``shape``."""
    m = np.asarray(mask)
    if m.shape != tuple(shape):
        raise ValueError(f"dropout: expected mask of shape {tuple(shape)} (the noise shape), "
                         f"got {m.shape}")
    if m.dtype == np.bool_:
        return m
    if not np.all((m == 0) | (m == 1)):
        raise ValueError("dropout: expected mask to be boolean or to hold only 0 and 1 "
                         "(1 = keep)")
    return m != 0


@np.errstate(invalid="ignore")    # a dropped inf gives NaN silently, as in torch
def dropout_forward(x: np.ndarray, p: float, training: bool = True,
                    rng: np.random.Generator | None = None,
                    mask: np.ndarray | None = None,
                    noise_shape: tuple[int, ...] | None = None
                    ) -> tuple[np.ndarray, np.ndarray | None]:
    """x (any shape) -> y (same shape and dtype), cache (the noise array, or None).

    Training: ``y = x * noise`` with ``noise = mask * (1 / (1-p))`` in x's dtype, the
    boolean keep-mask drawn from ``rng`` (keep probability 1-p; default a fresh
    ``np.random.default_rng()``) or given as ``mask`` (bool or 0/1), e.g. torch's own mask
    for an exact comparison. The mask has shape ``noise_shape`` (default x's shape; any
    shape that broadcasts to x's, e.g. (N, C, 1, 1) for channel dropout). Eval or p == 0:
    identity (x itself is returned, as torch returns its input). p == 1: ``x * 0``, as torch.
    """
    check_float_array("dropout", x)
    p = check_probability("dropout", p)
    shape = tuple(x.shape) if noise_shape is None else tuple(noise_shape)
    try:
        fits = np.broadcast_shapes(shape, x.shape) == x.shape
    except ValueError:
        fits = False
    if not fits:
        raise ValueError(f"dropout: noise shape {shape} does not broadcast to the input's "
                         f"shape {tuple(x.shape)}")
    if not training or p == 0.0 or x.size == 0:
        return x, None
    dt = x.dtype
    if p == 1.0:                                      # torch: input * zeros({})
        noise = np.zeros((), dt)
        return np.asarray(np.multiply(x, noise)), noise     # 0-d x: a 0-d array, not a scalar
    if mask is None:
        rng = np.random.default_rng() if rng is None else rng
        keep = rng.random(shape, dtype=np.float32) < np.float32(1.0 - p)  # (noise shape) bool
    else:
        keep = _as_mask(mask, shape)
    scale = dt.type(1) / dt.type(1.0 - p)             # torch: noise.div_(1 - p) in x's dtype
    noise = np.multiply(keep, scale, dtype=dt)        # 0 or scale, noise shape
    return np.asarray(np.multiply(x, noise)), noise


@np.errstate(invalid="ignore")
def dropout_backward(dy: np.ndarray, cache: np.ndarray | None) -> np.ndarray:
    """dy (x's shape) -> dx = dy * noise (the forward's mask and scale, broadcast), or dy
    for identity."""
    return dy if cache is None else np.asarray(np.multiply(dy, cache))


def dropout(input: np.ndarray, p: float = 0.5, training: bool = True, inplace: bool = False,
            *, rng: np.random.Generator | None = None,
            mask: np.ndarray | None = None) -> np.ndarray:
    """``torch.nn.functional.dropout``: input (any shape) -> output (same shape).

    ``inplace`` is accepted for torch's signature; the input is never modified (the
    library's contract), a new array is returned instead.
    """
    return dropout_forward(input, p, training, rng=rng, mask=mask)[0]


def channel_noise_shape(layer: str, shape: tuple[int, ...]) -> tuple[int, ...]:
    """x's shape (N, C, *) -> the channel mask's shape (N, C, 1, ..., 1), with torch 2.13's
    ``dropout2d`` warnings: 3-D input is taken as (N, C, L) (not as unbatched (C, H, W));
    other than 3-D or 4-D input is deprecated; fewer than 2 dimensions is an error."""
    nd = len(shape)
    if nd < 2:
        raise ValueError(f"{layer}: Feature dropout requires at least 2 dimensions in the "
                         f"input, got input of shape {tuple(shape)}")
    if nd not in (3, 4):
        warnings.warn(f"{layer}: Received a {nd}-D input to dropout2d, which is deprecated "
                      "and will result in an error in a future release (torch's warning); "
                      "use dropout instead.", UserWarning, stacklevel=3)
    if nd == 3:
        warnings.warn(f"{layer}: Received a 3D input to dropout2d and assuming that "
                      "channel-wise 1D dropout behavior is desired - input is interpreted as "
                      "shape (N, C, L), where C is the channel dim (as torch 2.13 does).",
                      UserWarning, stacklevel=3)
    return tuple(shape[:2]) + (1,) * (nd - 2)


def dropout2d(input: np.ndarray, p: float = 0.5, training: bool = True, inplace: bool = False,
              *, rng: np.random.Generator | None = None,
              mask: np.ndarray | None = None) -> np.ndarray:
    """``torch.nn.functional.dropout2d``: input (N, C, H, W) -> same shape, each (n, c)
    channel zeroed with probability ``p`` (kept ones scaled by 1/(1-p)). ``mask`` is a
    keep-mask of shape (N, C, 1, 1). 3-D input is (N, C, L), as torch (with its warning)."""
    check_float_array("dropout2d", input)
    check_probability("dropout2d", p)
    shape = channel_noise_shape("dropout2d", input.shape)
    return dropout_forward(input, p, training, rng=rng, mask=mask, noise_shape=shape)[0]


__all__ = ["dropout", "dropout2d", "dropout_forward", "dropout_backward", "check_probability",
           "channel_noise_shape"]
