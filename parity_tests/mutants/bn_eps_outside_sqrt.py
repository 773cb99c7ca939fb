"""BatchNorm2d normalising with 1 / (sqrt(var) + eps) instead of 1 / sqrt(var + eps)."""
from __future__ import annotations

import numpy as np

import numpy_layers as nl

from . import Mutant


class EpsOutsideSqrtBatchNorm2d(nl.BatchNorm2d):
    def forward(self, x: np.ndarray) -> np.ndarray:
        super().forward(x)
        cache = self._caches[-1][0]
        var = 1.0 / cache.inv_std ** 2 - self.eps
        cache.inv_std = 1.0 / (np.sqrt(np.maximum(var, 0)) + self.eps)   # BUG: eps outside
        w = np.ones(self.num_features) if self.weight is None else self.weight.astype(np.float64)
        b = np.zeros(self.num_features) if self.bias is None else self.bias.astype(np.float64)
        shape = (1, -1) + (1,) * (x.ndim - 2)                            # (1, C, 1, 1)
        y = (x - cache.center.reshape(shape)) * (cache.inv_std * w).reshape(shape) + b.reshape(shape)
        return y.astype(x.dtype)


MUTANT = Mutant("BatchNorm2d", "eps added outside the square root", EpsOutsideSqrtBatchNorm2d)
