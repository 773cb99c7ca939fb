"""Dropout whose backward scales the gradient by 1/(1-p) but forgets the mask."""
from __future__ import annotations

import numpy as np

import numpy_layers as nl

from . import Mutant


class NoMaskBackwardDropout(nl.Dropout):
    def backward(self, grad_output: np.ndarray | None = None) -> np.ndarray:
        cache, _, dtype = self._caches[-1]
        dx = super().backward(grad_output)
        if cache is None or float(self.p) >= 1.0:
            return dx
        return grad_output * (dtype.type(1) / dtype.type(1.0 - self.p))  # BUG: no mask


MUTANT = Mutant("Dropout", "backward without the mask", NoMaskBackwardDropout)
