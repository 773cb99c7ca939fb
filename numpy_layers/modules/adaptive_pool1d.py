"""``AdaptiveAvgPool1d`` and ``AdaptiveMaxPool1d``: (N, C, L) or unbatched (C, L).

``output_size`` is an int or a 1-tuple (``None`` keeps L); like torch, the constructor
stores it as given and every forward resolves it.
"""
from __future__ import annotations

import numpy as np

from ..functional.adaptive_pool1d import (adaptive_avg_pool1d_backward,
                                          adaptive_avg_pool1d_forward,
                                          adaptive_max_pool1d_backward,
                                          adaptive_max_pool1d_forward,
                                          adaptive_max_pool1d_indices, adaptive_output_size1d)
from .pooling1d import _Pool1d


class AdaptiveAvgPool1d(_Pool1d):
    """x (N, C, L) -> y (N, C, Lo); no parameters."""

    def __init__(self, output_size) -> None:
        super().__init__()
        self.output_size = output_size

    def forward(self, x: np.ndarray) -> np.ndarray:
        size = adaptive_output_size1d("AdaptiveAvgPool1d", x, self.output_size)
        y, _ = self._run(x, adaptive_avg_pool1d_forward, size)
        return y

    def backward(self, grad_output: np.ndarray | None = None) -> np.ndarray:
        """grad_output like y -> dx like x."""
        return self._back(grad_output, adaptive_avg_pool1d_backward)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveMaxPool1d(_Pool1d):
    """x (N, C, L) -> y (N, C, Lo) [, int64 indices (N, C, Lo)]; no parameters."""

    def __init__(self, output_size, return_indices: bool = False) -> None:
        super().__init__()
        self.output_size = output_size
        self.return_indices = return_indices

    def forward(self, x: np.ndarray) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
        size = adaptive_output_size1d("AdaptiveMaxPool1d", x, self.output_size)
        y, cache = self._run(x, adaptive_max_pool1d_forward, size)
        if not self.return_indices:
            return y
        idx = adaptive_max_pool1d_indices(cache)                        # (N, C, Lo)
        return y, (idx if x.ndim == 3 else idx[0])

    def backward(self, grad_output: np.ndarray | None = None) -> np.ndarray:
        """grad_output like y (not the indices) -> dx like x."""
        return self._back(grad_output, adaptive_max_pool1d_backward)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


__all__ = ["AdaptiveAvgPool1d", "AdaptiveMaxPool1d"]
