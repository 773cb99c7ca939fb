"""Softmax as exp(x) / sum(exp(x)) without subtracting the max: overflows for large x."""
from __future__ import annotations

import numpy as np

import numpy_layers as nl
from numpy_layers.functional.softmax import softmax_dim

from . import Mutant


def _naive_softmax(x: np.ndarray, dim):
    axis = softmax_dim(x.ndim, dim)
    x1 = x.reshape(1) if x.ndim == 0 else x
    with np.errstate(over="ignore", invalid="ignore"):
        e = np.exp(x1)                                                  # BUG: no x - max
        y = e / np.sum(e, axis=axis, keepdims=True)
    return y.reshape(x.shape), (y, axis)


class NaiveSoftmax(nl.Softmax):
    def _fwd(self, x: np.ndarray):
        return _naive_softmax(x, self.dim)


MUTANT = Mutant("Softmax", "softmax overflow (no max subtraction)", NaiveSoftmax)
