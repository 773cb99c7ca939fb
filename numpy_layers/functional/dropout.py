"""Dropout: zero each element with probability ``p`` (the DROP probability, as torch's)
and scale the kept ones by 1/(1-p); the identity in eval mode or when p == 0.

Rounding matches torch's CPU kernel bit for bit: torch draws ``noise = bernoulli(1-p)`` in
the input dtype, divides it by ``1-p`` (so a kept element's factor is
``dtype(1) / dtype(1-p)``, not ``dtype(1/(1-p))``) and returns ``input * noise``; the
backward is ``grad * noise``. Multiplying by the 0/scale noise array (rather than
``np.where``) also keeps torch's ``-0.0`` for dropped negatives and NaN for dropped inf/NaN.

Speed: the keep-mask is ``rng.random(shape, dtype=float32) < 1-p`` (24-bit uniforms, one
pass); the noise array is ``np.multiply(mask, scale, dtype=...)``. On (8, 64, 112, 112)
float32 fwd+bwd takes ~15 ms vs torch's ~65 ms (0.22x). (``np.where(mask, scale, 0)`` was
14x slower than the multiply; random bytes compared as uint32 were slower than
``rng.random``.)
"""
from __future__ import annotations

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
        raise ValueError(f"dropout: expected mask of the input's shape {tuple(shape)}, "
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
                    mask: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray | None]:
    """x (any shape) -> y (same shape and dtype), cache (the noise array, or None).

    Training: ``y = x * noise`` with ``noise = mask * (1 / (1-p))`` in x's dtype, the
    boolean keep-mask drawn from ``rng`` (keep probability 1-p; default a fresh
    ``np.random.default_rng()``) or given as ``mask`` (bool or 0/1, x's shape), e.g. torch's
    own mask for an exact comparison. Eval or p == 0: identity (x itself is returned, as
    torch returns its input). p == 1: ``x * 0``, as torch.
    """
    check_float_array("dropout", x)
    p = check_probability("dropout", p)
    if not training or p == 0.0 or x.size == 0:
        return x, None
    dt = x.dtype
    if p == 1.0:                                      # torch: input * zeros({})
        noise = np.zeros((), dt)
        return np.multiply(x, noise), noise
    if mask is None:
        rng = np.random.default_rng() if rng is None else rng
        keep = rng.random(x.shape, dtype=np.float32) < np.float32(1.0 - p)  # (x.shape) bool
    else:
        keep = _as_mask(mask, x.shape)
    scale = dt.type(1) / dt.type(1.0 - p)             # torch: noise.div_(1 - p) in x's dtype
    noise = np.multiply(keep, scale, dtype=dt)        # 0 or scale, x's shape
    return np.multiply(x, noise), noise


@np.errstate(invalid="ignore")
def dropout_backward(dy: np.ndarray, cache: np.ndarray | None) -> np.ndarray:
    """dy (x's shape) -> dx = dy * noise (the forward's mask and scale), or dy for identity."""
    return dy if cache is None else np.multiply(dy, cache)


def dropout(input: np.ndarray, p: float = 0.5, training: bool = True, inplace: bool = False,
            *, rng: np.random.Generator | None = None,
            mask: np.ndarray | None = None) -> np.ndarray:
    """``torch.nn.functional.dropout``: input (any shape) -> output (same shape).

    ``inplace`` is accepted for torch's signature; the input is never modified (the
    library's contract), a new array is returned instead.
    """
    return dropout_forward(input, p, training, rng=rng, mask=mask)[0]


__all__ = ["dropout", "dropout_forward", "dropout_backward", "check_probability"]
