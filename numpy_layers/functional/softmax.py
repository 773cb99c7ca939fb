"""Softmax and log-softmax along one dim, as forward/backward pairs (max subtracted first)."""
from __future__ import annotations

import numpy as np


def softmax_dim(ndim: int, dim: int | None, layer: str = "softmax") -> int:
    """The non-negative axis for ``dim``; ``None`` follows torch's legacy ``_get_softmax_dim``
    (0 for 0-, 1- and 3-D input, else 1). A 0-D input counts as 1-D, as in torch."""
    if dim is None:
        dim = 0 if ndim in (0, 1, 3) else 1
    if isinstance(dim, (bool, np.bool_)) or not isinstance(dim, (int, np.integer)):
        raise TypeError(f"{layer}: expected dim to be an int or None, got {dim!r}")
    n = max(ndim, 1)
    if not -n <= dim < n:
        raise ValueError(f"{layer}: dim {dim} is out of range for a {ndim}-D input "
                         f"(expected in [{-n}, {n - 1}])")
    return int(dim) % n


def _shifted(x: np.ndarray, axis: int) -> np.ndarray:
    """x - max(x) along axis; a row with NaN, +inf or only -inf becomes NaN, like torch."""
    with np.errstate(invalid="ignore"):
        return x - np.max(x, axis=axis, keepdims=True)


def softmax_forward(x: np.ndarray, dim: int | None = None):
    """x (any shape) -> exp(x - max) / sum(exp(x - max)) along dim; cache: (y, axis)."""
    axis = softmax_dim(x.ndim, dim)
    x1 = x.reshape(1) if x.ndim == 0 else x                   # 0-D acts as (1,)
    if x1.size == 0:
        return x.copy(), (x1.copy(), axis)
    y = _shifted(x1, axis)
    np.exp(y, out=y)
    y /= np.sum(y, axis=axis, keepdims=True)
    return y.reshape(x.shape), (y, axis)


def softmax_backward(dy: np.ndarray, cache) -> np.ndarray:
    """dx = y * (dy - sum(dy * y)) along the softmax dim (torch's formula)."""
    y, axis = cache
    g = dy.reshape(y.shape)
    dx = y * (g - np.sum(g * y, axis=axis, keepdims=True))
    return dx.reshape(dy.shape)


def log_softmax_forward(x: np.ndarray, dim: int | None = None):
    """x - max - log(sum(exp(x - max))) along dim; cache: (y, axis)."""
    axis = softmax_dim(x.ndim, dim, "log_softmax")
    x1 = x.reshape(1) if x.ndim == 0 else x
    if x1.size == 0:
        return x.copy(), (x1.copy(), axis)
    y = _shifted(x1, axis)
    y -= np.log(np.sum(np.exp(y), axis=axis, keepdims=True))
    return y.reshape(x.shape), (y, axis)


def log_softmax_backward(dy: np.ndarray, cache) -> np.ndarray:
    """dx = dy - exp(y) * sum(dy) along the dim (torch's formula)."""
    y, axis = cache
    g = dy.reshape(y.shape)
    dx = g - np.exp(y) * np.sum(g, axis=axis, keepdims=True)
    return dx.reshape(dy.shape)


def softmax(input: np.ndarray, dim: int | None = None, _stacklevel: int = 3,
            dtype: object = None) -> np.ndarray:
    """``torch.nn.functional.softmax``; ``dtype`` casts the input first, as torch."""
    if dtype is not None:
        input = input.astype(dtype, copy=False)
    return softmax_forward(input, dim)[0]


def log_softmax(input: np.ndarray, dim: int | None = None, _stacklevel: int = 3,
                dtype: object = None) -> np.ndarray:
    """``torch.nn.functional.log_softmax``; ``dtype`` casts the input first, as torch."""
    if dtype is not None:
        input = input.astype(dtype, copy=False)
    return log_softmax_forward(input, dim)[0]
