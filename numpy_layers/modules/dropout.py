"""``Dropout``: p is the drop probability; kept values are scaled by 1/(1-p) in training."""
from __future__ import annotations

import numpy as np

from .._checks import check_float_array, check_grad
from ..functional.dropout import check_probability, dropout_backward, dropout_forward
from .module import Module


class Dropout(Module):
    """x (any shape) -> y (same shape and dtype); the identity in eval mode.

    The keep-mask is drawn from ``rng`` (a ``numpy.random.Generator``; default a fresh
    ``np.random.default_rng()``), or injected with ``forward(x, mask=...)`` (bool or 0/1 of
    x's shape, True = keep). Backward applies the same mask and scale. ``inplace`` is
    accepted for torch's signature; the input is never modified.
    """

    def __init__(self, p: float = 0.5, inplace: bool = False, *,
                 rng: np.random.Generator | None = None) -> None:
        super().__init__()
        check_probability("Dropout", p)
        self.p = p                          # kept as given, so the repr matches torch's
        self.inplace = inplace
        self.rng = np.random.default_rng() if rng is None else rng

    def forward(self, x: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
        check_float_array("Dropout", x)
        y, cache = dropout_forward(x, self.p, self.training, rng=self.rng, mask=mask)
        self._push_cache((cache, y.shape, y.dtype))
        return y

    def backward(self, grad_output: np.ndarray | None = None) -> np.ndarray:
        cache, shape, dtype = self._pop_cache()
        return dropout_backward(check_grad("Dropout", grad_output, shape, dtype), cache)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"
