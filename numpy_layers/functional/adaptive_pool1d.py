"""1-D adaptive average and max pooling on (N, C, L) arrays, as torch computes them: the 2-D
ops of ``adaptive_pool.py`` on (N, C, 1, L) views with output size (1, Lo), so windows
(floor(i*L/Lo) : ceil((i+1)*L/Lo)), ties and NaN follow the same rules; indices are
positions along L.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .._checks import check_float_array
from .adaptive_pool import (adaptive_avg_pool2d_backward, adaptive_avg_pool2d_forward,
                            adaptive_max_pool2d_backward, adaptive_max_pool2d_forward,
                            adaptive_max_pool2d_indices)


def adaptive_output_size1d(layer: str, x: object, output_size) -> int:
    """Validate input (C, L) / (N, C, L) and output_size (an int or a 1-tuple; unlike the
    2-D ops, torch takes no None here) as torch does -> Lo."""
    check_float_array(layer, x)
    if x.ndim not in (2, 3):
        raise ValueError(f"{layer}: expected 2 to 3 dimensions, but got {x.ndim}-dimensional "
                         f"input of shape {tuple(x.shape)}")
    if 0 in x.shape[-2:]:
        raise ValueError(f"{layer}: expected input to have non-zero size for non-batch "
                         f"dimensions, but input has sizes {list(x.shape)}")
    size = output_size if isinstance(output_size, (tuple, list)) else (output_size,)
    if len(size) != 1:
        raise ValueError(f"{layer}: argument 'output_size' should contain one int (got "
                         f"{len(size)})")
    v = size[0]
    if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, np.integer)):
        raise TypeError(f"{layer}: argument 'output_size' must be an int or a tuple of one "
                        f"int, got {output_size!r}")
    if v < 0:
        raise ValueError(f"{layer}: elements of output_size must be greater than or equal to "
                         f"0, got {output_size!r}")
    return int(v)


def adaptive_avg_pool1d_forward(x: np.ndarray, output_size: int) -> tuple[np.ndarray, Any]:
    """x (N, C, L) -> y (N, C, Lo), cache."""
    y, cache = adaptive_avg_pool2d_forward(x[:, :, None], (1, output_size))  # (N, C, 1, Lo)
    return y[:, :, 0], cache


def adaptive_avg_pool1d_backward(dy: np.ndarray, cache) -> np.ndarray:
    """dy (N, C, Lo) -> dx (N, C, L)."""
    return adaptive_avg_pool2d_backward(dy[:, :, None], cache)[:, :, 0]


def adaptive_max_pool1d_forward(x: np.ndarray, output_size: int) -> tuple[np.ndarray, Any]:
    """x (N, C, L) -> y (N, C, Lo), cache holding the winners."""
    y, cache = adaptive_max_pool2d_forward(x[:, :, None], (1, output_size))  # (N, C, 1, Lo)
    return y[:, :, 0], cache


def adaptive_max_pool1d_indices(cache) -> np.ndarray:
    """torch's return_indices: int64 (N, C, Lo), positions along L."""
    return adaptive_max_pool2d_indices(cache)[:, :, 0]                 # row 0: h*L + l = l


def adaptive_max_pool1d_backward(dy: np.ndarray, cache) -> np.ndarray:
    """dy (N, C, Lo) -> dx (N, C, L)."""
    return adaptive_max_pool2d_backward(dy[:, :, None], cache)[:, :, 0]


def adaptive_avg_pool1d(input: np.ndarray, output_size) -> np.ndarray:
    """``torch.nn.functional.adaptive_avg_pool1d``: (N, C, L) or (C, L) -> (.., Lo)."""
    size = adaptive_output_size1d("adaptive_avg_pool1d", input, output_size)
    x3 = input if input.ndim == 3 else input[None]                      # (N, C, L)
    y, _ = adaptive_avg_pool1d_forward(x3, size)
    return y if input.ndim == 3 else y[0]


def adaptive_max_pool1d(input: np.ndarray, output_size, return_indices: bool = False
                        ) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """``torch.nn.functional.adaptive_max_pool1d``: pooled (+ int64 indices along L)."""
    size = adaptive_output_size1d("adaptive_max_pool1d", input, output_size)
    x3 = input if input.ndim == 3 else input[None]                      # (N, C, L)
    y, cache = adaptive_max_pool1d_forward(x3, size)
    if not return_indices:
        return y if input.ndim == 3 else y[0]
    idx = adaptive_max_pool1d_indices(cache)
    return (y, idx) if input.ndim == 3 else (y[0], idx[0])


__all__ = ["adaptive_avg_pool1d", "adaptive_avg_pool1d_forward", "adaptive_avg_pool1d_backward",
           "adaptive_max_pool1d", "adaptive_max_pool1d_forward", "adaptive_max_pool1d_backward",
           "adaptive_max_pool1d_indices", "adaptive_output_size1d"]
