"""``MaxPool1d`` and ``AvgPool1d``: (N, C, L) or unbatched (C, L), as torch.

Like torch, the constructor stores the arguments as given (``stride=None`` becomes
``kernel_size``) and every forward checks them against the input.
"""
from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from ..functional.pooling1d import (avg_pool1d_backward, avg_pool1d_forward, max_pool1d_backward,
                                    max_pool1d_forward, max_pool1d_indices, pool1d_params)
from .pooling import _MaxPoolNd, _Pool2d


def _single(v):
    """torch's ``_single``: an iterable becomes a tuple, anything else a 1-tuple."""
    return tuple(v) if isinstance(v, Iterable) else (v,)


class _Pool1d(_Pool2d):
    """The 2-D pools' plumbing for (N, C, L) input, or unbatched (C, L)."""

    BATCHED_NDIM = 3


class MaxPool1d(_MaxPoolNd):
    """x (N, C, L) -> y (N, C, Lo) [, int64 indices (N, C, Lo)]; no parameters."""

    BATCHED_NDIM = 3
    _params = staticmethod(pool1d_params)
    _forward = staticmethod(max_pool1d_forward)
    _indices = staticmethod(max_pool1d_indices)
    _backward = staticmethod(max_pool1d_backward)


class AvgPool1d(_Pool1d):
    """x (N, C, L) -> y (N, C, Lo); no parameters."""

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
                 count_include_pad: bool = True) -> None:
        super().__init__()                     # torch keeps these as 1-tuples (_single)
        self.kernel_size = _single(kernel_size)
        self.stride = _single(stride if stride is not None else kernel_size)
        self.padding = _single(padding)
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad

    def forward(self, x: np.ndarray) -> np.ndarray:
        k, s, p, _ = pool1d_params("AvgPool1d", x, self.kernel_size, self.stride, self.padding,
                                   1, self.ceil_mode)
        y, _ = self._run(x, avg_pool1d_forward, k, s, p, bool(self.ceil_mode),
                         bool(self.count_include_pad))
        return y

    def backward(self, grad_output: np.ndarray | None = None) -> np.ndarray:
        """grad_output like y -> dx like x."""
        return self._back(grad_output, avg_pool1d_backward)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"
