"""Elementwise activations as forward/backward pairs."""
from __future__ import annotations

import numpy as np


def relu_forward(x: np.ndarray):
    """x (any shape) -> y = max(x, 0) with NaN propagated (as torch), cache."""
    y = np.maximum(x, x.dtype.type(0))
    # torch's threshold_backward passes the gradient unless x <= 0, so NaN passes it.
    return y, ~(x <= 0)


def relu_backward(dy: np.ndarray, cache) -> np.ndarray:
    """dy (any shape) -> dx = dy where x > 0 or x is NaN, else 0."""
    return np.where(cache, dy, dy.dtype.type(0))  # not dy * mask: inf * 0 would be NaN


def relu(input: np.ndarray, inplace: bool = False) -> np.ndarray:
    """``torch.nn.functional.relu``. ``inplace`` is accepted; the input is never modified."""
    return relu_forward(input)[0]
