"""Local response normalisation across channels (dim 1), as torch's F.local_response_norm:
``y = x / (k + alpha / size * sum_{window} x**2) ** beta``, the window covering channels
c - size//2 .. c + (size-1)//2, zero outside (the pad counts towards the ``/ size``).
Computed in float64, returned in x's dtype. x (N, C, *) with at least 3 dimensions."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._checks import check_float_array

_quiet = np.errstate(divide="ignore", invalid="ignore", over="ignore")


@dataclass
class LocalResponseNormCache:
    x: np.ndarray           # (N, C, L) float64
    s: np.ndarray           # (N, C, L) float64, k + alpha/size * window sum of x**2
    size: int
    alpha: float
    beta: float
    shape: tuple[int, ...]
    dtype: np.dtype


def check_lrn_args(layer: str, size: object) -> int:
    if isinstance(size, (bool, np.bool_)) or not isinstance(size, (int, np.integer)):
        raise TypeError(f"{layer}: expected size to be an int, got {size!r}")
    if size < 1:
        raise ValueError(f"{layer}: expected size >= 1, got {size}")
    return int(size)


def check_lrn_input(layer: str, x: np.ndarray) -> None:
    if x.ndim < 3:
        raise ValueError(f"{layer}: expected 3D or higher dimensionality input (N, C, *), "
                         f"got {x.ndim}-D input of shape {tuple(x.shape)}")


def _window_sum(a: np.ndarray, before: int, after: int) -> np.ndarray:
    """a (N, C, L) -> out[:, c] = sum of a[:, c - before .. c + after] (zero outside)."""
    c = a.shape[1]
    out = np.zeros_like(a)
    for o in range(-before, after + 1):
        lo, hi = max(0, -o), min(c, c - o)           # out channels whose c + o is in range
        if lo < hi:
            out[:, lo:hi] += a[:, lo + o:hi + o]
    return out


@_quiet
def local_response_norm_forward(x: np.ndarray, size: int, alpha: float = 1e-4,
                                 beta: float = 0.75, k: float = 1.0
                                 ) -> tuple[np.ndarray, LocalResponseNormCache]:
    """x (N, C, *) -> y (N, C, *), cache. Pure."""
    size = check_lrn_args("local_response_norm", size)
    check_lrn_input("local_response_norm", x)
    n, c = x.shape[:2]
    length = 1
    for d in x.shape[2:]:
        length *= d
    xd = x.astype(np.float64).reshape(n, c, length)
    s = _window_sum(xd * xd, size // 2, (size - 1) // 2) * (alpha / size) + k
    y = xd / s ** beta
    cache = LocalResponseNormCache(xd, s, size, float(alpha), float(beta), tuple(x.shape),
                                   x.dtype)
    return y.reshape(x.shape).astype(x.dtype), cache


@_quiet
def local_response_norm_backward(dy: np.ndarray, cache: LocalResponseNormCache) -> np.ndarray:
    """dy (N, C, *) -> dx (N, C, *)."""
    x, s, size = cache.x, cache.s, cache.size
    g = dy.astype(np.float64).reshape(x.shape)
    t = g * x * s ** (-cache.beta - 1.0)
    back = _window_sum(t, (size - 1) // 2, size // 2)   # channels whose window holds c
    dx = g * s ** (-cache.beta) - (2.0 * cache.alpha * cache.beta / size) * x * back
    return dx.reshape(cache.shape).astype(cache.dtype)


def local_response_norm(input: np.ndarray, size: int, alpha: float = 1e-4, beta: float = 0.75,
                        k: float = 1.0) -> np.ndarray:
    """``torch.nn.functional.local_response_norm``: input (N, C, *) -> (N, C, *)."""
    check_float_array("local_response_norm", input)
    return local_response_norm_forward(input, size, alpha, beta, k)[0]


__all__ = ["LocalResponseNormCache", "local_response_norm", "local_response_norm_forward",
           "local_response_norm_backward"]
