"""Dropout treating p as the keep probability: kept values scaled by 1/p, not 1/(1-p)."""
from __future__ import annotations

import numpy as np

import numpy_layers as nl
from numpy_layers.functional.dropout import dropout_forward

from . import Mutant


class KeepDropSwappedDropout(nl.Dropout):
    def forward(self, x: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
        p = float(self.p)
        if not self.training or p in (0.0, 1.0):
            return super().forward(x, mask=mask)
        # BUG: p is taken as the keep probability (the mask keeps with probability p)
        y, cache = dropout_forward(x, 1.0 - p, True, rng=self.rng, mask=mask)
        self._push_cache((cache, y.shape, y.dtype))
        return y


MUTANT = Mutant("Dropout", "keep and drop probability swapped (scale 1/p)", KeepDropSwappedDropout)
