"""1-D max and average pooling on (N, C, L) arrays, as torch computes them: the 2-D ops of
``pooling.py`` on (N, C, 1, L) views (kernel (1, k), stride (1, s), padding (0, p)), so
ties, NaN, ceil_mode and count_include_pad follow the same rules; indices are flat over L.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .pooling import (avg_pool2d_backward, avg_pool2d_forward, max_pool2d_backward,
                      max_pool2d_forward, max_pool2d_indices, pool_params)


def pool1d_params(layer: str, x: object, kernel_size, stride, padding, dilation=1,
                  ceil_mode: bool = False) -> tuple[int, int, int, int]:
    """Validate input (C, L) / (N, C, L) and the arguments as torch does -> k, s, p, d."""
    k, s, p, d = pool_params(layer, x, 1, kernel_size, stride, padding, dilation, ceil_mode)
    return k[0], s[0], p[0], d[0]


def max_pool1d_forward(x: np.ndarray, kernel_size: int, stride: int, padding: int,
                       dilation: int = 1, ceil_mode: bool = False, *, codes: bool = True
                       ) -> tuple[np.ndarray, Any]:
    """x (N, C, L) -> y (N, C, Lo), cache (None with ``codes=False``: no backward)."""
    y, cache = max_pool2d_forward(x[:, :, None, :], (1, kernel_size), (1, stride), (0, padding),
                                  (1, dilation), ceil_mode, codes=codes)    # (N, C, 1, Lo)
    return y[:, :, 0], cache


def max_pool1d_indices(cache) -> np.ndarray:
    """torch's return_indices: int64 (N, C, Lo), positions along L."""
    return max_pool2d_indices(cache)[:, :, 0]                           # row 0: h*W + w = w


def max_pool1d_backward(dy: np.ndarray, cache) -> np.ndarray:
    """dy (N, C, Lo) -> dx (N, C, L)."""
    return max_pool2d_backward(dy[:, :, None, :], cache)[:, :, 0]


def avg_pool1d_forward(x: np.ndarray, kernel_size: int, stride: int, padding: int,
                       ceil_mode: bool = False, count_include_pad: bool = True
                       ) -> tuple[np.ndarray, Any]:
    """x (N, C, L) -> y (N, C, Lo), cache."""
    y, cache = avg_pool2d_forward(x[:, :, None, :], (1, kernel_size), (1, stride), (0, padding),
                                  ceil_mode, count_include_pad)         # (N, C, 1, Lo)
    return y[:, :, 0], cache


def avg_pool1d_backward(dy: np.ndarray, cache) -> np.ndarray:
    """dy (N, C, Lo) -> dx (N, C, L)."""
    return avg_pool2d_backward(dy[:, :, None, :], cache)[:, :, 0]


def max_pool1d(input: np.ndarray, kernel_size, stride=None, padding=0, dilation=1,
               ceil_mode: bool = False, return_indices: bool = False
               ) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """``torch.nn.functional.max_pool1d``: (N, C, L) or (C, L) -> pooled (+ int64 indices)."""
    k, s, p, d = pool1d_params("max_pool1d", input, kernel_size, stride, padding, dilation,
                               ceil_mode)
    x3 = input if input.ndim == 3 else input[None]                      # (N, C, L)
    y, cache = max_pool1d_forward(x3, k, s, p, d, bool(ceil_mode), codes=bool(return_indices))
    if not return_indices:
        return y if input.ndim == 3 else y[0]
    idx = max_pool1d_indices(cache)
    return (y, idx) if input.ndim == 3 else (y[0], idx[0])


def avg_pool1d(input: np.ndarray, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True) -> np.ndarray:
    """``torch.nn.functional.avg_pool1d``: (N, C, L) or (C, L) -> pooled."""
    k, s, p, _ = pool1d_params("avg_pool1d", input, kernel_size, stride, padding, 1, ceil_mode)
    x3 = input if input.ndim == 3 else input[None]                      # (N, C, L)
    y, _ = avg_pool1d_forward(x3, k, s, p, bool(ceil_mode), bool(count_include_pad))
    return y if input.ndim == 3 else y[0]
