"""MaxPool2d padding with zeros (``np.pad``'s default) instead of -inf: a window over the
border whose real elements are all negative returns 0."""
from __future__ import annotations

import numpy as np

import numpy_layers as nl
from parity_tests.harness.spec import pair

from . import Mutant


class ZeroPaddingMaxPool2d(nl.MaxPool2d):
    def forward(self, x: np.ndarray):
        ph, pw = pair(self.padding)
        if not (ph or pw) or self.return_indices or self.ceil_mode:
            return super().forward(x)
        pads = [(0, 0)] * (x.ndim - 2) + [(ph, ph), (pw, pw)]
        self._pad = (ph, pw)
        p = self.padding
        self.padding = 0
        try:
            return super().forward(np.pad(x, pads))                      # BUG: pads with 0
        finally:
            self.padding = p

    def backward(self, grad_output: np.ndarray | None = None) -> np.ndarray:
        dx = super().backward(grad_output)
        pad = self.__dict__.pop("_pad", None)
        if pad is None:
            return dx
        ph, pw = pad
        return dx[..., ph:dx.shape[-2] - ph, pw:dx.shape[-1] - pw]


MUTANT = Mutant("MaxPool2d", "padding filled with 0 instead of -inf", ZeroPaddingMaxPool2d)
