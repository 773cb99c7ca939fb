"""Conv2d computing a true convolution (kernel flipped) where torch cross-correlates; the
weight gradient is flipped back, so the layer is self-consistent, just not torch's op."""
from __future__ import annotations

import numpy as np

import numpy_layers as nl

from . import Mutant


class FlippedKernelConv2d(nl.Conv2d):
    @property
    def weight(self) -> np.ndarray:
        return np.ascontiguousarray(self._parameters["weight"][..., ::-1, ::-1])  # BUG

    def _accumulate(self, name: str, grad: np.ndarray | None) -> None:
        if name == "weight" and grad is not None:
            grad = np.ascontiguousarray(grad[..., ::-1, ::-1])
        super()._accumulate(name, grad)


MUTANT = Mutant("Conv2d", "kernel flipped (convolution instead of cross-correlation)",
                FlippedKernelConv2d)
