"""Fully connected layer: ``y = x @ W.T + b`` over the last axis."""
from __future__ import annotations

import numpy as np


def linear_forward(x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None = None):
    """x (..., in), weight (out, in), bias (out,) -> y (..., out), cache."""
    y = x @ weight.T                                   # (..., out)
    if bias is not None:
        y += bias
    return y, (x, weight, bias is not None)


def linear_backward(dy: np.ndarray, cache):
    """dy (..., out) -> dx (..., in), dW (out, in), db (out,) or None."""
    x, weight, has_bias = cache
    dx = dy @ weight                                   # (..., in)
    m = int(np.prod(dy.shape[:-1], dtype=np.int64))   # rows; no -1: in or out may be 0
    dy2 = dy.reshape(m, dy.shape[-1])                  # (M, out)
    x2 = x.reshape(m, x.shape[-1])                     # (M, in)
    dw = dy2.T @ x2                                    # (out, in)
    db = dy2.sum(axis=0) if has_bias else None         # (out,)
    return dx, dw, db


def linear(input: np.ndarray, weight: np.ndarray, bias: np.ndarray | None = None) -> np.ndarray:
    """``torch.nn.functional.linear``: input (..., in) -> (..., out)."""
    return linear_forward(input, weight, bias)[0]
