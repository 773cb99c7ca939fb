"""Conv2d writing its output into ``np.zeros(shape)``: float64 by default, so float32 input
silently gives a float64 output."""
from __future__ import annotations

import numpy as np

import numpy_layers as nl

from . import Mutant


class UpcastConv2d(nl.Conv2d):
    def forward(self, x: np.ndarray) -> np.ndarray:
        y = super().forward(x)
        out = np.zeros(y.shape)                                         # BUG: no dtype=
        out[...] = y
        return out


MUTANT = Mutant("Conv2d", "float32 silently upcast to float64", UpcastConv2d)
