"""LogSoftmax as log(softmax(x)): the softmax underflows to 0 and the log gives -inf."""
from __future__ import annotations

import numpy as np

import numpy_layers as nl
from numpy_layers.functional.softmax import softmax_forward

from . import Mutant


class LogOfSoftmax(nl.LogSoftmax):
    def _fwd(self, x: np.ndarray):
        s, (y, axis) = softmax_forward(x, self.dim)
        with np.errstate(divide="ignore"):
            out = np.log(y)                                             # BUG: log(0) = -inf
        return out.reshape(x.shape), (out, axis)


MUTANT = Mutant("LogSoftmax", "log of softmax (underflow to -inf)", LogOfSoftmax)
