"""Linear computing x @ W (weight used as (in, out)): only a square layer runs, and there
it silently computes with the transpose; the weight gradient is x.T @ dy accordingly."""
from __future__ import annotations

import numpy as np

import numpy_layers as nl

from . import Mutant


class TransposedWeightLinear(nl.Linear):
    def forward(self, x: np.ndarray) -> np.ndarray:
        y = x @ self.weight                                             # BUG: torch: x @ W.T
        if self.bias is not None:
            y = y + self.bias
        self._push_cache((x, y.shape))
        return y

    def backward(self, grad_output: np.ndarray | None = None) -> np.ndarray:
        x, _ = self._pop_cache()
        dy2, x2 = grad_output.reshape(-1, grad_output.shape[-1]), x.reshape(-1, x.shape[-1])
        self._accumulate("weight", x2.T @ dy2)
        self._accumulate("bias", dy2.sum(axis=0) if self.bias is not None else None)
        return grad_output @ self.weight.T


MUTANT = Mutant("Linear", "weight transposed (x @ W instead of x @ W.T)", TransposedWeightLinear)
