"""BatchNorm2d with the momentum convention inverted: new = momentum * old + (1 - momentum) *
batch (the numpy-ml / ONNX convention), where torch weights the new batch by momentum."""
from __future__ import annotations

import numpy as np

import numpy_layers as nl

from . import Mutant


class InvertedMomentumBatchNorm2d(nl.BatchNorm2d):
    def forward(self, x: np.ndarray) -> np.ndarray:
        m = self.momentum
        self.momentum = None if m is None else 1.0 - m                  # BUG
        try:
            return super().forward(x)
        finally:
            self.momentum = m


MUTANT = Mutant("BatchNorm2d", "momentum weights the old running value (convention inverted)",
                InvertedMomentumBatchNorm2d)
