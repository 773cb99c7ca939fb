"""Pixel shuffle (sub-pixel convolution) and its inverse: channels traded for resolution.

``pixel_shuffle``: (*, C*r*r, H, W) -> (*, C, H*r, W*r), ``y[.., c, h*r + i, w*r + j] =
x[.., c*r*r + i*r + j, h, w]``; ``pixel_unshuffle`` is the inverse permutation. Each is a
reshape, a transpose and a copy, and the backward of one is the other.
"""
from __future__ import annotations

import numpy as np

from .._checks import check_float_array


def _factor(layer: str, name: str, r: object) -> int:
    """torch's checks of upscale_factor / downscale_factor: an int > 0."""
    if isinstance(r, (bool, np.bool_)) or not isinstance(r, (int, np.integer)):
        raise TypeError(f"{layer}: argument '{name}' must be int, not {type(r).__name__}")
    if r <= 0:
        raise ValueError(f"{layer}: expects a positive {name}, but got {r}")
    return int(r)


def _check(layer: str, x: object, r: int) -> np.ndarray:
    check_float_array(layer, x)
    if x.ndim < 3:
        raise ValueError(f"{layer}: expects input to have at least 3 dimensions, but got input "
                         f"with {x.ndim} dimension(s)")
    return x


def _shuffle(x: np.ndarray, r: int) -> np.ndarray:
    """(*, C*r*r, H, W) -> (*, C, H*r, W*r)."""
    *lead, c, h, w = x.shape
    v = x.reshape(*lead, c // (r * r), r, r, h, w)                  # (*, C, r, r, H, W)
    n = len(lead)
    v = v.transpose(*range(n), n, n + 3, n + 1, n + 4, n + 2)       # (*, C, H, r, W, r)
    return v.reshape(*lead, c // (r * r), h * r, w * r)             # copy


def _unshuffle(x: np.ndarray, r: int) -> np.ndarray:
    """(*, C, H*r, W*r) -> (*, C*r*r, H, W)."""
    *lead, c, h, w = x.shape
    v = x.reshape(*lead, c, h // r, r, w // r, r)                   # (*, C, H, r, W, r)
    n = len(lead)
    v = v.transpose(*range(n), n, n + 2, n + 4, n + 1, n + 3)       # (*, C, r, r, H, W)
    return v.reshape(*lead, c * r * r, h // r, w // r)               # copy


def pixel_shuffle_forward(x: np.ndarray, upscale_factor: int,
                          layer: str = "pixel_shuffle") -> tuple[np.ndarray, int]:
    """x (*, C*r*r, H, W) -> y (*, C, H*r, W*r), cache = r."""
    r = _factor(layer, "upscale_factor", upscale_factor)
    _check(layer, x, r)
    if x.shape[-3] % (r * r):
        raise ValueError(f"{layer}: expects its input's 'channel' dimension to be divisible by "
                         f"the square of upscale_factor, but input.size(-3)={x.shape[-3]} is "
                         f"not divisible by {r * r}")
    return _shuffle(x, r), r


def pixel_shuffle_backward(dy: np.ndarray, cache: int) -> np.ndarray:
    """dy (*, C, H*r, W*r) -> dx (*, C*r*r, H, W)."""
    return _unshuffle(dy, cache)


def pixel_unshuffle_forward(x: np.ndarray, downscale_factor: int,
                            layer: str = "pixel_unshuffle") -> tuple[np.ndarray, int]:
    """x (*, C, H*r, W*r) -> y (*, C*r*r, H, W), cache = r."""
    r = _factor(layer, "downscale_factor", downscale_factor)
    _check(layer, x, r)
    for name, n in (("height", x.shape[-2]), ("width", x.shape[-1])):
        if n % r:
            raise ValueError(f"{layer}: expects {name} to be divisible by downscale_factor, but "
                             f"input.size({-2 if name == 'height' else -1})={n} is not "
                             f"divisible by {r}")
    return _unshuffle(x, r), r


def pixel_unshuffle_backward(dy: np.ndarray, cache: int) -> np.ndarray:
    """dy (*, C*r*r, H, W) -> dx (*, C, H*r, W*r)."""
    return _shuffle(dy, cache)


def pixel_shuffle(input: np.ndarray, upscale_factor: int) -> np.ndarray:
    """``torch.nn.functional.pixel_shuffle``: (*, C*r*r, H, W) -> (*, C, H*r, W*r)."""
    return pixel_shuffle_forward(input, upscale_factor)[0]


def pixel_unshuffle(input: np.ndarray, downscale_factor: int) -> np.ndarray:
    """``torch.nn.functional.pixel_unshuffle``: (*, C, H*r, W*r) -> (*, C*r*r, H, W)."""
    return pixel_unshuffle_forward(input, downscale_factor)[0]


__all__ = ["pixel_shuffle", "pixel_shuffle_forward", "pixel_shuffle_backward",
           "pixel_unshuffle", "pixel_unshuffle_forward", "pixel_unshuffle_backward"]
