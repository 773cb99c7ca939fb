"""U-Net's parts as the common PyTorch U-Net (milesial/Pytorch-UNet) writes them, with its
names: ``DoubleConv`` (``double_conv.0.weight`` ...), ``Down`` (``maxpool_conv``), ``Up``
(``up``: ConvTranspose2d or bilinear Upsample; ``conv``) and ``OutConv``."""
from __future__ import annotations

import numpy as np

from .._checks import check_float_array, check_grad, check_ndim
from ..functional.padding import pad_backward, pad_forward
from ..modules.activation import ReLU
from ..modules.batchnorm import BatchNorm2d
from ..modules.container import Sequential
from ..modules.conv import Conv2d
from ..modules.conv_transpose import ConvTranspose2d
from ..modules.module import Module
from ..modules.pooling import MaxPool2d
from ..modules.upsampling import Upsample


class _Wrapper(Module):
    """A module whose forward is its one child's (``double_conv``, ``maxpool_conv``, ``conv``)."""

    _child = ""

    def forward(self, x: np.ndarray) -> np.ndarray:
        check_float_array(type(self).__name__, x)
        check_ndim(type(self).__name__, x, (4,), "(N, C, H, W)")
        return getattr(self, self._child)(x)

    def backward(self, grad_output: np.ndarray | None = None) -> np.ndarray:
        return getattr(self, self._child).backward(grad_output)


class DoubleConv(_Wrapper):
    """x (N, in, H, W) -> (N, out, H, W): (3x3 conv, BN, ReLU) twice, ``mid`` channels between."""

    _child = "double_conv"

    def __init__(self, in_channels: int, out_channels: int, mid_channels: int | None = None, *,
                 dtype: object = np.float32) -> None:
        super().__init__()
        mid = mid_channels or out_channels
        self.double_conv = Sequential(
            Conv2d(in_channels, mid, kernel_size=3, padding=1, bias=False, dtype=dtype),
            BatchNorm2d(mid, dtype=dtype), ReLU(inplace=True),
            Conv2d(mid, out_channels, kernel_size=3, padding=1, bias=False, dtype=dtype),
            BatchNorm2d(out_channels, dtype=dtype), ReLU(inplace=True))


class Down(_Wrapper):
    """x (N, in, H, W) -> (N, out, H // 2, W // 2): 2x2 max pooling, DoubleConv."""

    _child = "maxpool_conv"

    def __init__(self, in_channels: int, out_channels: int, *, dtype: object = np.float32) -> None:
        super().__init__()
        self.maxpool_conv = Sequential(MaxPool2d(2), DoubleConv(in_channels, out_channels,
                                                                dtype=dtype))


class OutConv(_Wrapper):
    """x (N, in, H, W) -> (N, out, H, W): a 1x1 conv with bias."""

    _child = "conv"

    def __init__(self, in_channels: int, out_channels: int, *, dtype: object = np.float32) -> None:
        super().__init__()
        self.conv = Conv2d(in_channels, out_channels, kernel_size=1, dtype=dtype)


class Up(Module):
    """(x1 (N, in, h, w), x2 (the skip, (N, c2, H, W))) -> (N, out, H, W).

    x1 is upsampled 2x (``bilinear``: Upsample(align_corners=True), channels kept, and
    DoubleConv's middle width in // 2; else ConvTranspose2d(in, in // 2, 2, 2)), padded
    (or cropped) to x2's size, split evenly, and concatenated after x2 as [x2, x1].
    ``backward`` returns (dx1, dx2).
    """

    def __init__(self, in_channels: int, out_channels: int, bilinear: bool = True, *,
                 dtype: object = np.float32) -> None:
        super().__init__()
        if bilinear:
            self.up = Upsample(scale_factor=2, mode="bilinear", align_corners=True)
            self.conv = DoubleConv(in_channels, out_channels, in_channels // 2, dtype=dtype)
        else:
            self.up = ConvTranspose2d(in_channels, in_channels // 2, kernel_size=2, stride=2,
                                      dtype=dtype)
            self.conv = DoubleConv(in_channels, out_channels, dtype=dtype)

    def forward(self, x1: np.ndarray, x2: np.ndarray) -> np.ndarray:
        for name, x in (("x1", x1), ("x2", x2)):
            check_float_array("Up", x, name)
            check_ndim("Up", x, (4,), f"{name} (N, C, H, W)")
        u = self.up(x1)                                                  # (N, c1, 2h, 2w)
        dh, dw = x2.shape[2] - u.shape[2], x2.shape[3] - u.shape[3]
        u, pad_cache = pad_forward(u, (dw // 2, dw - dw // 2, dh // 2, dh - dh // 2))
        y = self.conv(np.concatenate([x2, u], axis=1))                  # (N, out, H, W)
        self._push_cache((pad_cache, x2.shape[1], y.shape, y.dtype))
        return y

    def backward(self, grad_output: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        pad_cache, c2, shape, dtype = self._pop_cache()
        g = self.conv.backward(check_grad("Up", grad_output, shape, dtype))   # (N, c2 + c1, H, W)
        return self.up.backward(pad_backward(g[:, c2:], pad_cache)), g[:, :c2]


__all__ = ["DoubleConv", "Down", "Up", "OutConv"]
