"""``LocalResponseNorm``: normalisation across neighbouring channels, as torch.nn's."""
from __future__ import annotations

import numpy as np

from .._checks import check_float_array, check_grad
from ..functional.local_response_norm import (check_lrn_args, check_lrn_input,
                                              local_response_norm_backward,
                                              local_response_norm_forward)
from .module import Module


class LocalResponseNorm(Module):
    """x (N, C, *) -> y (N, C, *); no parameters. Output dtype follows the input."""

    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75,
                 k: float = 1.0) -> None:
        super().__init__()
        self.size = check_lrn_args("LocalResponseNorm", size)
        self.alpha = float(alpha)
        self.beta = float(beta)
        self.k = float(k)

    def forward(self, x: np.ndarray) -> np.ndarray:
        check_float_array("LocalResponseNorm", x)
        check_lrn_input("LocalResponseNorm", x)
        y, cache = local_response_norm_forward(x, self.size, self.alpha, self.beta, self.k)
        self._push_cache(cache)
        return y

    def backward(self, grad_output: np.ndarray | None = None) -> np.ndarray:
        cache = self._pop_cache()
        dy = check_grad("LocalResponseNorm", grad_output, cache.shape, cache.dtype)
        return local_response_norm_backward(dy, cache)

    def extra_repr(self) -> str:
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"


__all__ = ["LocalResponseNorm"]
