"""BatchNorm2d whose running_var tracks the biased batch variance (divides by n, not n-1)."""
from __future__ import annotations

import numpy as np

import numpy_layers as nl

from . import Mutant


class BiasedRunningVarBatchNorm2d(nl.BatchNorm2d):
    def forward(self, x: np.ndarray) -> np.ndarray:
        old = None if self.running_var is None else self.running_var.copy()
        y = super().forward(x)
        cache = self._caches[-1][0]
        if old is not None and self.training and cache.var_unbiased is not None:
            f = self.momentum if self.momentum is not None else 1.0 / float(self.num_batches_tracked)
            biased = cache.var_unbiased * (cache.n - 1) / cache.n          # BUG: var / n
            self.running_var[...] = ((1 - f) * old + f * biased).astype(old.dtype)
        return y


MUTANT = Mutant("BatchNorm2d", "running_var updated with the biased batch variance",
                BiasedRunningVarBatchNorm2d)
