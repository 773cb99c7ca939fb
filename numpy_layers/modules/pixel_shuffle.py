"""``PixelShuffle`` and ``PixelUnshuffle``: channels traded for resolution, no parameters."""
from __future__ import annotations

from typing import Callable

import numpy as np

from .._checks import check_grad
from ..functional.pixel_shuffle import (pixel_shuffle_backward, pixel_shuffle_forward,
                                        pixel_unshuffle_backward, pixel_unshuffle_forward)
from .module import Module


class _Rearrange(Module):
    """Shared plumbing: ``_fwd(x, r, layer) -> (y, r)``, ``_bwd(dy, r) -> dx``."""

    _fwd: Callable
    _bwd: Callable
    _arg = ""

    def forward(self, x: np.ndarray) -> np.ndarray:
        y, cache = self._fwd(x, getattr(self, self._arg), type(self).__name__)
        self._push_cache((cache, y.shape, y.dtype))
        return y

    def backward(self, grad_output: np.ndarray | None = None) -> np.ndarray:
        cache, shape, dtype = self._pop_cache()
        return self._bwd(check_grad(type(self).__name__, grad_output, shape, dtype), cache)

    def extra_repr(self) -> str:
        return f"{self._arg}={getattr(self, self._arg)}"


class PixelShuffle(_Rearrange):
    """x (*, C*r*r, H, W) -> y (*, C, H*r, W*r), r = ``upscale_factor``."""

    _fwd = staticmethod(pixel_shuffle_forward)
    _bwd = staticmethod(pixel_shuffle_backward)
    _arg = "upscale_factor"

    def __init__(self, upscale_factor: int) -> None:
        super().__init__()
        self.upscale_factor = upscale_factor


class PixelUnshuffle(_Rearrange):
    """x (*, C, H*r, W*r) -> y (*, C*r*r, H, W), r = ``downscale_factor``."""

    _fwd = staticmethod(pixel_unshuffle_forward)
    _bwd = staticmethod(pixel_unshuffle_backward)
    _arg = "downscale_factor"

    def __init__(self, downscale_factor: int) -> None:
        super().__init__()
        self.downscale_factor = downscale_factor


__all__ = ["PixelShuffle", "PixelUnshuffle"]
