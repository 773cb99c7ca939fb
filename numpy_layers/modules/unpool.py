"""``MaxUnpool2d``: the partial inverse of ``MaxPool2d(return_indices=True)``."""
from __future__ import annotations

import numpy as np

from .._checks import as_pair, check_grad
from ..functional.unpool import (check_unpool_inputs, max_unpool2d_backward, max_unpool2d_forward,
                                 unpool_output_size)
from .module import Module


class MaxUnpool2d(Module):
    """x, int indices (N, C, H, W) -> y (N, C, Ho, Wo), zero except y.flat_plane[indices] = x;
    Ho defaults to (H - 1)*stride - 2*padding + kernel_size. No parameters."""

    def __init__(self, kernel_size, stride=None, padding=0) -> None:
        super().__init__()
        self.kernel_size = as_pair("MaxUnpool2d", "kernel_size", kernel_size)
        self.stride = as_pair("MaxUnpool2d", "stride", stride if stride is not None else kernel_size)
        self.padding = as_pair("MaxUnpool2d", "padding", padding)

    def forward(self, input: np.ndarray, indices: np.ndarray, output_size=None) -> np.ndarray:
        """``output_size``: (Ho, Wo) or (N, C, Ho, Wo), to undo a pooling that dropped rows."""
        check_unpool_inputs("MaxUnpool2d", input, indices)
        hw = unpool_output_size("MaxUnpool2d", input.shape[-2:], self.kernel_size, self.stride,
                                self.padding, output_size)
        x4, i4 = (input, indices) if input.ndim == 4 else (input[None], indices[None])
        y, cache = max_unpool2d_forward(x4, i4, hw, "MaxUnpool2d")      # (N, C, Ho, Wo)
        y = y if input.ndim == 4 else y[0]
        self._push_cache((cache, input.ndim, y.shape, input.dtype))
        return y

    def backward(self, grad_output: np.ndarray | None = None) -> tuple[np.ndarray, None]:
        """grad_output like y -> (dx like input, None for the integer indices)."""
        cache, ndim, shape, dtype = self._pop_cache()
        dy = check_grad("MaxUnpool2d", grad_output, shape, dtype)
        dx = max_unpool2d_backward(dy if ndim == 4 else dy[None], cache)  # (N, C, H, W)
        return (dx if ndim == 4 else dx[0]), None

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"
