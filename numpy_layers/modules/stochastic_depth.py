"""``StochasticDepth`` (torchvision.ops): drops a residual branch per sample ('row') or for
the whole batch ('batch') with probability p, kept ones scaled by 1/(1-p)."""
from __future__ import annotations

import numpy as np

from .._checks import check_float_array, check_grad
from ..functional.dropout import dropout_backward
from ..functional.stochastic_depth import check_stochastic_depth, stochastic_depth_forward
from .module import Module


class StochasticDepth(Module):
    """x (N, ...) -> y (same shape and dtype); the identity in eval mode or at p == 0.

    The keep-mask (shape (N, 1, ..., 1) for 'row', (1, ..., 1) for 'batch') is drawn from
    ``rng`` (a ``numpy.random.Generator``; default a fresh ``np.random.default_rng()``), or
    injected with ``forward(x, mask=...)`` (bool or 0/1, True = keep), as for ``Dropout``.
    torchvision checks p and mode at forward; so does this layer.
    """

    def __init__(self, p: float, mode: str, *, rng: np.random.Generator | None = None) -> None:
        super().__init__()
        self.p = p
        self.mode = mode
        self.rng = np.random.default_rng() if rng is None else rng

    def forward(self, x: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
        check_float_array("StochasticDepth", x)
        y, cache = stochastic_depth_forward(x, self.p, self.mode, self.training, self.rng,
                                            mask, layer="StochasticDepth")
        self._push_cache((cache, y.shape, y.dtype))
        return y

    def backward(self, grad_output: np.ndarray | None = None) -> np.ndarray:
        cache, shape, dtype = self._pop_cache()
        return dropout_backward(check_grad("StochasticDepth", grad_output, shape, dtype), cache)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(p={self.p}, mode={self.mode})"


__all__ = ["StochasticDepth", "check_stochastic_depth"]
