"""``MaxPool1d`` and ``AvgPool1d``: (N, C, L) or unbatched (C, L), as torch.

Like torch, the constructor stores the arguments as given (``stride=None`` becomes
``kernel_size``) and every forward checks them against the input.
"""
from __future__ import annotations

from functools import partial

import numpy as np

from .._checks import check_grad
from ..functional.pooling1d import (avg_pool1d_backward, avg_pool1d_forward, max_pool1d_backward,
                                    max_pool1d_forward, max_pool1d_indices, pool1d_params)
from .module import Module, grad_enabled


class _Pool1d(Module):
    """Shared forward/backward plumbing: batch the unbatched input, keep the cache."""

    def _run(self, x: np.ndarray, forward, *args):
        y, cache = forward(x if x.ndim == 3 else x[None], *args)        # (N, C, Lo)
        y = y if x.ndim == 3 else y[0]                                  # (C, Lo) unbatched
        self._push_cache((cache, x.ndim, y.shape, x.dtype))
        return y, cache

    def _back(self, grad_output: np.ndarray | None, backward) -> np.ndarray:
        cache, ndim, shape, dtype = self._pop_cache()
        dy = check_grad(type(self).__name__, grad_output, shape, dtype)
        dx = backward(dy if ndim == 3 else dy[None], cache)             # (N, C, L)
        return dx if ndim == 3 else dx[0]


class MaxPool1d(_Pool1d):
    """x (N, C, L) -> y (N, C, Lo) [, int64 indices (N, C, Lo)]; no parameters."""

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1,
                 return_indices: bool = False, ceil_mode: bool = False) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.dilation = dilation
        self.return_indices = return_indices
        self.ceil_mode = ceil_mode

    def forward(self, x: np.ndarray):
        k, s, p, d = pool1d_params("MaxPool1d", x, self.kernel_size, self.stride, self.padding,
                                   self.dilation, self.ceil_mode)
        codes = bool(self.return_indices) or grad_enabled()   # winners: for backward / indices
        y, cache = self._run(x, partial(max_pool1d_forward, codes=codes), k, s, p, d,
                             bool(self.ceil_mode))
        if not self.return_indices:
            return y
        idx = max_pool1d_indices(cache)                                 # (N, C, Lo)
        return y, (idx if x.ndim == 3 else idx[0])

    def backward(self, grad_output: np.ndarray | None = None) -> np.ndarray:
        """grad_output like y (not the indices) -> dx like x."""
        return self._back(grad_output, max_pool1d_backward)

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class AvgPool1d(_Pool1d):
    """x (N, C, L) -> y (N, C, Lo); no parameters."""

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
                 count_include_pad: bool = True) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
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
