"""``MaxPool2d`` and ``AvgPool2d``: (N, C, H, W) or unbatched (C, H, W), as torch.

Like torch, the constructor stores the arguments as given (``stride=None`` becomes
``kernel_size``) and every forward checks them against the input.
"""
from __future__ import annotations

from functools import partial

import numpy as np

from .._checks import check_grad
from ..functional.pooling import (avg_pool2d_backward, avg_pool2d_forward, check_divisor,
                                  max_pool2d_backward, max_pool2d_forward, max_pool2d_indices,
                                  pool2d_params)
from .module import Module, grad_enabled


class _Pool2d(Module):
    """Shared forward/backward plumbing: batch the unbatched input, keep the cache.
    ``BATCHED_NDIM`` is the rank of a batched input (4: NCHW; 3 for the 1-D pools)."""

    BATCHED_NDIM = 4

    def _run(self, x: np.ndarray, forward, *args):
        batched = x.ndim == self.BATCHED_NDIM
        y, cache = forward(x if batched else x[None], *args)            # (N, C, Ho, Wo)
        y = y if batched else y[0]                                      # (C, Ho, Wo)
        self._push_cache((cache, batched, y.shape, x.dtype))
        return y, cache

    def _back(self, grad_output: np.ndarray | None, backward) -> np.ndarray:
        cache, batched, shape, dtype = self._pop_cache()
        dy = check_grad(type(self).__name__, grad_output, shape, dtype)
        dx = backward(dy if batched else dy[None], cache)               # (N, C, H, W)
        return dx if batched else dx[0]


class _MaxPoolNd(_Pool2d):
    """torch's _MaxPoolNd: arguments stored as given, checked against the input by every
    forward. A subclass names its functional ops (``_params``, ``_forward``, ``_indices``,
    ``_backward``)."""

    _params = staticmethod(pool2d_params)
    _forward = staticmethod(max_pool2d_forward)
    _indices = staticmethod(max_pool2d_indices)
    _backward = staticmethod(max_pool2d_backward)

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1,
                 return_indices: bool = False, ceil_mode: bool = False) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.dilation = dilation
        self.return_indices = return_indices
        self.ceil_mode = ceil_mode

    def forward(self, x: np.ndarray) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
        k, s, p, d = self._params(type(self).__name__, x, self.kernel_size, self.stride,
                                  self.padding, self.dilation, self.ceil_mode)
        codes = bool(self.return_indices) or grad_enabled()   # winners: for backward / indices
        y, cache = self._run(x, partial(self._forward, codes=codes), k, s, p, d,
                             bool(self.ceil_mode))
        if not self.return_indices:
            return y
        idx = self._indices(cache)                                      # like the batched y
        return y, (idx if x.ndim == self.BATCHED_NDIM else idx[0])

    def backward(self, grad_output: np.ndarray | None = None) -> np.ndarray:
        """grad_output like y (not the indices) -> dx like x."""
        return self._back(grad_output, self._backward)

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class MaxPool2d(_MaxPoolNd):
    """x (N, C, H, W) -> y (N, C, Ho, Wo) [, int64 indices (N, C, Ho, Wo)]; no parameters."""


class AvgPool2d(_Pool2d):
    """x (N, C, H, W) -> y (N, C, Ho, Wo); no parameters."""

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
                 count_include_pad: bool = True, divisor_override: int | None = None) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad
        self.divisor_override = divisor_override

    def forward(self, x: np.ndarray) -> np.ndarray:
        k, s, p, _ = pool2d_params("AvgPool2d", x, self.kernel_size, self.stride, self.padding,
                                   1, self.ceil_mode)
        check_divisor("AvgPool2d", self.divisor_override)
        y, _ = self._run(x, avg_pool2d_forward, k, s, p, bool(self.ceil_mode),
                         bool(self.count_include_pad), self.divisor_override)
        return y

    def backward(self, grad_output: np.ndarray | None = None) -> np.ndarray:
        """grad_output like y -> dx like x."""
        return self._back(grad_output, avg_pool2d_backward)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"
