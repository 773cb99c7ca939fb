"""``ReLU``."""
from __future__ import annotations

import numpy as np

from .._checks import check_float_array, check_grad
from ..functional.activation import relu_backward, relu_forward
from .module import Module


class ReLU(Module):
    """x (any shape) -> max(x, 0). ``inplace`` is accepted; the input is never modified."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, x: np.ndarray) -> np.ndarray:
        check_float_array("ReLU", x)
        y, cache = relu_forward(x)
        self._push_cache((cache, y.shape, y.dtype))
        return y

    def backward(self, grad_output: np.ndarray | None = None) -> np.ndarray:
        cache, shape, dtype = self._pop_cache()
        return relu_backward(check_grad("ReLU", grad_output, shape, dtype), cache)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""
