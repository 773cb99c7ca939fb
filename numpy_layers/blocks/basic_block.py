"""``BasicBlock``: ResNet's two-conv residual block (torchvision's names and arguments).

Also home of ``conv3x3``/``conv1x1`` (torchvision's helpers) and ``ResidualBlock``, the
shared forward/backward of a residual block: a main path of children, an optional
``downsample`` on the shortcut, the sum, then ``relu``.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from .._checks import check_float_array, check_ndim
from ..modules.activation import ReLU
from ..modules.batchnorm import BatchNorm2d
from ..modules.conv import Conv2d
from ..modules.module import Module

NormLayer = Callable[..., Module]


def conv3x3(in_planes: int, out_planes: int, stride: int = 1, groups: int = 1,
            dilation: int = 1, dtype: object = np.float32) -> Conv2d:
    """3x3 convolution with padding (= dilation), no bias."""
    return Conv2d(in_planes, out_planes, kernel_size=3, stride=stride, padding=dilation,
                  groups=groups, bias=False, dilation=dilation, dtype=dtype)


def conv1x1(in_planes: int, out_planes: int, stride: int = 1, dtype: object = np.float32) -> Conv2d:
    """1x1 convolution, no bias."""
    return Conv2d(in_planes, out_planes, kernel_size=1, stride=stride, bias=False, dtype=dtype)


class ResidualBlock(Module):
    """relu(main(x) + shortcut(x)), shortcut = ``downsample`` or the identity.

    A subclass names its main path in ``_main`` (children, in order; ``relu`` may appear
    several times: its cache stack walks back last-forward-first).
    """
    _main: tuple[str, ...] = ()

    def forward(self, x: np.ndarray) -> np.ndarray:
        """x (N, inplanes, H, W) -> (N, planes * expansion, H / stride, W / stride)."""
        name = type(self).__name__
        check_float_array(name, x)
        check_ndim(name, x, (4,), "(N, C, H, W)")
        out = x
        for child in self._main:
            out = getattr(self, child)(out)
        identity = x if self.downsample is None else self.downsample(x)
        if identity.shape != out.shape:
            raise ValueError(
                f"{name}: the shortcut gives shape {tuple(identity.shape)} but the main path "
                f"{tuple(out.shape)}; pass a downsample matching stride and channels")
        if np.may_share_memory(out, x):     # a main path that hands x back: keep x intact
            out = out + identity
        else:
            out += identity
        return self.relu(out)

    def backward(self, grad_output: np.ndarray | None = None) -> np.ndarray:
        """dy like the output -> dx like the input; the sum's gradient feeds both paths."""
        g = self.relu.backward(grad_output)
        d_short = g if self.downsample is None else self.downsample.backward(g)
        d = g
        for child in reversed(self._main):
            d = getattr(self, child).backward(d)
        return d + d_short


class BasicBlock(ResidualBlock):
    """conv3x3(stride) -> bn1 -> relu -> conv3x3 -> bn2, plus the shortcut, then relu."""
    expansion: int = 1
    _main = ("conv1", "bn1", "relu", "conv2", "bn2")

    def __init__(self, inplanes: int, planes: int, stride: int = 1,
                 downsample: Module | None = None, groups: int = 1, base_width: int = 64,
                 dilation: int = 1, norm_layer: NormLayer | None = None,
                 dtype: object = np.float32) -> None:
        super().__init__()
        if norm_layer is None:
            norm_layer = BatchNorm2d
        if groups != 1 or base_width != 64:
            raise ValueError(f"BasicBlock only supports groups=1 and base_width=64, got "
                             f"groups={groups}, base_width={base_width}")
        if dilation > 1:
            raise NotImplementedError(f"Dilation > 1 not supported in BasicBlock, got {dilation}")
        self.conv1 = conv3x3(inplanes, planes, stride, dtype=dtype)
        self.bn1 = norm_layer(planes, dtype=dtype)
        self.relu = ReLU(inplace=True)
        self.conv2 = conv3x3(planes, planes, dtype=dtype)
        self.bn2 = norm_layer(planes, dtype=dtype)
        self.downsample = downsample
        self.stride = stride
