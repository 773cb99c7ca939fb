"""Conv2d whose bias gradient is summed over positions but not over the batch: (N, O)."""
from __future__ import annotations

import numpy as np

import numpy_layers as nl

from . import Mutant


class BiasGradNotSummedConv2d(nl.Conv2d):
    def _accumulate(self, name: str, grad: np.ndarray | None) -> None:
        if name == "bias" and grad is not None:
            dy = self._last_dy if self._last_dy.ndim == 4 else self._last_dy[None]
            grad = dy.sum(axis=(2, 3))                                  # BUG: (N, O), not (O,)
        super()._accumulate(name, grad)

    def backward(self, grad_output: np.ndarray | None = None) -> np.ndarray:
        self._last_dy = grad_output
        return super().backward(grad_output)


MUTANT = Mutant("Conv2d", "bias gradient not summed over the batch", BiasGradNotSummedConv2d)
