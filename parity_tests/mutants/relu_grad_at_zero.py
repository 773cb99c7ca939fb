"""ReLU passing the gradient where x >= 0: torch's gradient at x == 0 is 0 (x > 0)."""
from __future__ import annotations

import numpy as np

import numpy_layers as nl

from . import Mutant


class GradAtZeroReLU(nl.ReLU):
    def forward(self, x: np.ndarray) -> np.ndarray:
        y = super().forward(x)
        cache, shape, dtype = self._caches[-1]
        self._caches[-1] = (cache | (x == 0), shape, dtype)             # BUG: x >= 0 passes
        return y


MUTANT = Mutant("ReLU", "gradient at the kink x == 0 passed (x >= 0 instead of x > 0)",
                GradAtZeroReLU)
