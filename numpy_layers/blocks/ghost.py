"""``GhostModule``: GhostNet's cheap feature maps, a primary conv whose output is extended by
a depthwise "cheap operation", both concatenated and cut to ``oup`` channels."""
from __future__ import annotations

import math

import numpy as np

from .._checks import check_float_array, check_grad, check_ndim
from ..modules.activation import ReLU
from ..modules.batchnorm import BatchNorm2d
from ..modules.container import Sequential
from ..modules.conv import Conv2d
from ..modules.module import Module


class GhostModule(Module):
    """x (N, inp, H, W) -> (N, oup, ceil(H / stride), ceil(W / stride)).

    ``primary_conv``: Conv2d(inp, init, kernel_size, stride, kernel_size // 2, no bias), BN,
    ReLU (an empty Sequential when ``relu=False``); ``cheap_operation``: depthwise
    Conv2d(init, init * (ratio - 1), dw_size, groups=init, no bias), BN, ReLU; init =
    ceil(oup / ratio). Output: concat(primary, cheap)[:, :oup], as GhostNet's reference code.
    """

    def __init__(self, inp: int, oup: int, kernel_size: int = 1, ratio: int = 2,
                 dw_size: int = 3, stride: int = 1, relu: bool = True, *,
                 dtype: object = np.float32) -> None:
        super().__init__()
        if ratio < 2:
            raise ValueError(f"GhostModule: expected ratio >= 2, got {ratio}")
        self.oup = oup
        init_channels = math.ceil(oup / ratio)
        new_channels = init_channels * (ratio - 1)

        def act() -> Module:
            return ReLU(inplace=True) if relu else Sequential()

        self.primary_conv = Sequential(
            Conv2d(inp, init_channels, kernel_size, stride, kernel_size // 2, bias=False,
                   dtype=dtype),
            BatchNorm2d(init_channels, dtype=dtype), act())
        self.cheap_operation = Sequential(
            Conv2d(init_channels, new_channels, dw_size, 1, dw_size // 2, groups=init_channels,
                   bias=False, dtype=dtype),
            BatchNorm2d(new_channels, dtype=dtype), act())

    def forward(self, x: np.ndarray) -> np.ndarray:
        check_float_array("GhostModule", x)
        check_ndim("GhostModule", x, (4,), "(N, C, H, W)")
        x1 = self.primary_conv(x)                                 # (N, init, Ho, Wo)
        x2 = self.cheap_operation(x1)                             # (N, new, Ho, Wo)
        out = np.concatenate([x1, x2], axis=1)[:, :self.oup]      # (N, oup, Ho, Wo)
        self._push_cache((x1.shape[1], x2.shape[1], out.shape, out.dtype))
        return np.ascontiguousarray(out)

    def backward(self, grad_output: np.ndarray | None = None) -> np.ndarray:
        """dy (N, oup, Ho, Wo) -> dx; x1 feeds the output and the cheap branch: both add up."""
        c1, c2, shape, dtype = self._pop_cache()
        dy = check_grad("GhostModule", grad_output, shape, dtype)
        n, _, h, w = shape
        full = np.zeros((n, c1 + c2, h, w), dtype)                # channels cut off get 0
        full[:, :self.oup] = dy
        dx1 = full[:, :c1] + self.cheap_operation.backward(full[:, c1:])
        return self.primary_conv.backward(dx1)
