"""Stochastic depth (torchvision.ops.stochastic_depth): drop whole samples ('row') or the
whole batch ('batch') of a residual branch with probability ``p``, scaling the kept ones by
1/(1-p); the identity in eval mode or at p == 0.

It is dropout with a noise array of shape (N, 1, ..., 1) or (1, ..., 1), and torch computes
it the same way (``noise = bernoulli(1-p) / (1-p)`` in the input's dtype, ``input * noise``),
so ``dropout_forward``/``dropout_backward`` do the work with that noise shape.
"""
from __future__ import annotations

import numpy as np

from .._checks import check_float_array
from .dropout import check_probability, dropout_forward

MODES = ("batch", "row")


def check_stochastic_depth(layer: str, p: object, mode: object) -> float:
    """torchvision's checks, in its order (p in [0, 1], then the mode) -> p as a float."""
    q = check_probability(layer, p)
    if mode not in MODES:
        raise ValueError(f"{layer}: mode has to be either 'batch' or 'row', but got {mode}")
    return q


def noise_shape(mode: str, shape: tuple[int, ...]) -> tuple[int, ...]:
    """The keep-mask's shape: (N, 1, ..., 1) per sample ('row'), (1, ..., 1) ('batch')."""
    if mode == "row":
        return (shape[0],) + (1,) * (len(shape) - 1) if shape else ()
    return (1,) * len(shape)


def stochastic_depth_forward(x: np.ndarray, p: float, mode: str, training: bool = True,
                             rng: np.random.Generator | None = None,
                             mask: np.ndarray | None = None, layer: str = "stochastic_depth"
                             ) -> tuple[np.ndarray, np.ndarray | None]:
    """x (N, ...) -> y (same shape and dtype), cache (the noise array, or None: identity).

    ``mask``: an injected keep-mask of the noise shape (bool or 0/1), e.g. torch's own;
    otherwise it is drawn from ``rng`` (default a fresh ``np.random.default_rng()``).
    """
    check_float_array(layer, x)
    q = check_stochastic_depth(layer, p, mode)
    if not training or q == 0.0:
        return x, None
    return dropout_forward(x, q, True, rng=rng, mask=mask, noise_shape=noise_shape(mode, x.shape))


def stochastic_depth(input: np.ndarray, p: float, mode: str, training: bool = True, *,
                     rng: np.random.Generator | None = None,
                     mask: np.ndarray | None = None) -> np.ndarray:
    """``torchvision.ops.stochastic_depth``: input (N, ...) -> output (same shape)."""
    return stochastic_depth_forward(input, p, mode, training, rng, mask)[0]


__all__ = ["stochastic_depth", "stochastic_depth_forward", "check_stochastic_depth",
           "noise_shape"]
