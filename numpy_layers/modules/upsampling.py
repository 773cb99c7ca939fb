"""``Upsample``, ``UpsamplingNearest2d``, ``UpsamplingBilinear2d``: ``interpolate`` as a layer,
with torch's constructor (a scale_factor is stored as float(s), as torch does)."""
from __future__ import annotations

import numpy as np

from .._checks import check_grad
from ..functional.interpolate import interpolate_backward, interpolate_forward, interpolate_params
from .module import Module


class Upsample(Module):
    """x (N, C, *in) -> (N, C, *out) for 1 to 3 spatial dims; no parameters.

    ``size`` or ``scale_factor`` (int/float or one per spatial dim), ``mode`` 'nearest',
    'nearest-exact', 'linear', 'bilinear', 'bicubic', 'trilinear' or 'area';
    ``align_corners`` for the interpolating modes; ``recompute_scale_factor`` as torch.
    """

    def __init__(self, size=None, scale_factor=None, mode: str = "nearest",
                 align_corners: bool | None = None,
                 recompute_scale_factor: bool | None = None) -> None:
        super().__init__()
        self.name = type(self).__name__
        self.size = size
        if isinstance(scale_factor, tuple):
            self.scale_factor = tuple(float(f) for f in scale_factor)
        else:
            self.scale_factor = float(scale_factor) if scale_factor else None
        self.mode = mode
        self.align_corners = align_corners
        self.recompute_scale_factor = recompute_scale_factor

    def forward(self, x: np.ndarray) -> np.ndarray:
        out, scales, ac = interpolate_params(self.name, x, self.size, self.scale_factor,
                                             self.mode, self.align_corners,
                                             self.recompute_scale_factor)
        y, cache = interpolate_forward(x, out, scales, self.mode, ac)
        self._push_cache((cache, y.shape, y.dtype))
        return y

    def backward(self, grad_output: np.ndarray | None = None) -> np.ndarray:
        cache, shape, dtype = self._pop_cache()
        return interpolate_backward(check_grad(self.name, grad_output, shape, dtype), cache)

    def extra_repr(self) -> str:
        info = (f"scale_factor={self.scale_factor!r}" if self.scale_factor is not None
                else f"size={self.size!r}")
        return info + f", mode={self.mode!r}"


class UpsamplingNearest2d(Upsample):
    """``Upsample(size, scale_factor, mode='nearest')`` (torch's deprecated 2-D form)."""

    def __init__(self, size=None, scale_factor=None) -> None:
        super().__init__(size, scale_factor, mode="nearest")


class UpsamplingBilinear2d(Upsample):
    """``Upsample(size, scale_factor, mode='bilinear', align_corners=True)``."""

    def __init__(self, size=None, scale_factor=None) -> None:
        super().__init__(size, scale_factor, mode="bilinear", align_corners=True)


__all__ = ["Upsample", "UpsamplingNearest2d", "UpsamplingBilinear2d"]
