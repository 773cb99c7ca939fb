"""ReLU clipping its input in place (``x[x < 0] = 0; return x``)."""
from __future__ import annotations

import numpy as np

import numpy_layers as nl

from . import Mutant


class InPlaceReLU(nl.ReLU):
    def forward(self, x: np.ndarray) -> np.ndarray:
        y = super().forward(x)
        x[x < 0] = 0                                                    # BUG: modifies input
        return y


MUTANT = Mutant("ReLU", "in-place change of the input", InPlaceReLU)
