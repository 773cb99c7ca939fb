"""``Dropout`` and ``Dropout2d``: p is the drop probability; kept values are scaled by
1/(1-p) in training."""
from __future__ import annotations

import numpy as np

from .._checks import check_float_array, check_grad
from ..functional.dropout import (channel_noise_shape, check_probability, dropout_backward,
                                  dropout_forward)
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
        check_probability(type(self).__name__, p)
        self.p = p                          # kept as given, so the repr matches torch's
        self.inplace = inplace
        self.rng = np.random.default_rng() if rng is None else rng

    def _noise_shape(self, x: np.ndarray) -> tuple[int, ...]:
        """Shape of the keep-mask for input ``x``: one value per element."""
        return tuple(x.shape)

    def forward(self, x: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
        check_float_array(type(self).__name__, x)
        y, cache = dropout_forward(x, self.p, self.training, rng=self.rng, mask=mask,
                                   noise_shape=self._noise_shape(x))
        self._push_cache((cache, y.shape, y.dtype))
        return y

    def backward(self, grad_output: np.ndarray | None = None) -> np.ndarray:
        cache, shape, dtype = self._pop_cache()
        return dropout_backward(check_grad(type(self).__name__, grad_output, shape, dtype),
                                cache)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class Dropout2d(Dropout):
    """x (N, C, H, W) -> y (same shape and dtype): each (n, c) channel is zeroed with
    probability p (one Bernoulli draw per channel), kept channels scaled by 1/(1-p).

    The injected ``mask`` has shape (N, C, 1, 1). As torch 2.13, 3-D input is taken as
    (N, C, L) (channel-wise 1-D dropout, with torch's warning), not as unbatched (C, H, W);
    other ranks >= 2 work with a deprecation warning. Eval is the identity.
    """

    def _noise_shape(self, x: np.ndarray) -> tuple[int, ...]:
        return channel_noise_shape(type(self).__name__, x.shape)   # (N, C, 1, ..., 1)


__all__ = ["Dropout", "Dropout2d"]
