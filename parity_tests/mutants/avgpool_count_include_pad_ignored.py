"""AvgPool2d that always divides by the full kernel area: count_include_pad ignored."""
from __future__ import annotations

import numpy as np

import numpy_layers as nl

from . import Mutant


class IgnoresCountIncludePadAvgPool2d(nl.AvgPool2d):
    def forward(self, x: np.ndarray) -> np.ndarray:
        flag = self.count_include_pad
        self.count_include_pad = True                                   # BUG: flag ignored
        try:
            return super().forward(x)
        finally:
            self.count_include_pad = flag


MUTANT = Mutant("AvgPool2d", "count_include_pad ignored", IgnoresCountIncludePadAvgPool2d)
