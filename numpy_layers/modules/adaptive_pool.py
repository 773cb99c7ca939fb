"""``AdaptiveAvgPool2d`` and ``AdaptiveMaxPool2d``: (N, C, H, W) or unbatched (C, H, W).

``output_size`` is an int or a pair whose ``None`` entries keep the input's size; like
torch, the constructor stores it as given and every forward resolves it.
"""
from __future__ import annotations

import numpy as np

from ..functional.adaptive_pool import (adaptive_avg_pool2d_backward, adaptive_avg_pool2d_forward,
                                        adaptive_max_pool2d_backward, adaptive_max_pool2d_forward,
                                        adaptive_max_pool2d_indices, adaptive_output_size)
from .pooling import _Pool2d


class AdaptiveAvgPool2d(_Pool2d):
    """x (N, C, H, W) -> y (N, C, Ho, Wo); no parameters."""

    def __init__(self, output_size) -> None:
        super().__init__()
        self.output_size = output_size

    def forward(self, x: np.ndarray) -> np.ndarray:
        size = adaptive_output_size("AdaptiveAvgPool2d", x, self.output_size)
        y, _ = self._run(x, adaptive_avg_pool2d_forward, size)
        return y

    def backward(self, grad_output: np.ndarray | None = None) -> np.ndarray:
        """grad_output like y -> dx like x."""
        return self._back(grad_output, adaptive_avg_pool2d_backward)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveMaxPool2d(_Pool2d):
    """x (N, C, H, W) -> y (N, C, Ho, Wo) [, int64 indices (N, C, Ho, Wo)]; no parameters."""

    def __init__(self, output_size, return_indices: bool = False) -> None:
        super().__init__()
        self.output_size = output_size
        self.return_indices = return_indices

    def forward(self, x: np.ndarray) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
        size = adaptive_output_size("AdaptiveMaxPool2d", x, self.output_size)
        y, cache = self._run(x, adaptive_max_pool2d_forward, size)
        if not self.return_indices:
            return y
        idx = adaptive_max_pool2d_indices(cache)                        # (N, C, Ho, Wo)
        return y, (idx if x.ndim == 4 else idx[0])

    def backward(self, grad_output: np.ndarray | None = None) -> np.ndarray:
        """grad_output like y (not the indices) -> dx like x."""
        return self._back(grad_output, adaptive_max_pool2d_backward)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"
