"""``Flatten``: merge dims ``start_dim..end_dim`` into one."""
from __future__ import annotations

import numpy as np

from .._checks import check_float_array, check_grad
from ..functional.shape import flat_shape
from .module import Module


class Flatten(Module):
    """x (N, C, H, W) -> (N, C*H*W) with the defaults start_dim=1, end_dim=-1."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, x: np.ndarray) -> np.ndarray:
        check_float_array("Flatten", x)
        y = x.reshape(flat_shape("Flatten", x.shape, self.start_dim, self.end_dim))
        self._push_cache((x.shape, y.shape, y.dtype))
        return y

    def backward(self, grad_output: np.ndarray | None = None) -> np.ndarray:
        in_shape, shape, dtype = self._pop_cache()
        return check_grad("Flatten", grad_output, shape, dtype).reshape(in_shape)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"
