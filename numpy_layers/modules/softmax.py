"""``Softmax`` and ``LogSoftmax`` along one dim (``dim=None``: torch's legacy choice)."""
from __future__ import annotations

import numpy as np

from ..functional.softmax import (log_softmax_backward, log_softmax_forward, softmax_backward,
                                  softmax_dim, softmax_forward)
from .activation import _Elementwise


class _DimActivation(_Elementwise):
    """Holds ``dim``; ``None`` picks dim 0 for 0-, 1- and 3-D input and dim 1 otherwise,
    as torch's ``_get_softmax_dim`` (torch also warns that the implicit choice is deprecated)."""

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        if dim is not None and (isinstance(dim, (bool, np.bool_))
                                or not isinstance(dim, (int, np.integer))):
            raise TypeError(
                f"{type(self).__name__}: expected dim to be an int or None, got {dim!r}")
        self.dim = dim

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class Softmax(_DimActivation):
    """exp(x) / sum(exp(x)) along ``dim`` (the max is subtracted first)."""

    def _fwd(self, x: np.ndarray):
        softmax_dim(x.ndim, self.dim, type(self).__name__)     # range error naming the layer
        return softmax_forward(x, self.dim)

    _bwd = staticmethod(softmax_backward)


class LogSoftmax(_DimActivation):
    """x - max - log(sum(exp(x - max))) along ``dim``."""

    def _fwd(self, x: np.ndarray):
        softmax_dim(x.ndim, self.dim, type(self).__name__)
        return log_softmax_forward(x, self.dim)

    _bwd = staticmethod(log_softmax_backward)
