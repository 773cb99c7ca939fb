"""``DepthwiseSeparableConv``: MobileNet v1's unit, 3x3 depthwise conv + BN + ReLU, then
1x1 pointwise conv + BN + ReLU."""
from __future__ import annotations

import numpy as np

from ..modules.activation import ReLU
from ..modules.batchnorm import BatchNorm2d
from ..modules.conv import Conv2d
from .checked import CheckedSequential


class DepthwiseSeparableConv(CheckedSequential):
    """x (N, in_channels, H, W) -> (N, out_channels, ceil(H / stride), ceil(W / stride)).

    Children 0-5 as the common PyTorch MobileNet v1 ``conv_dw``: 0 Conv2d 3x3 groups=in
    (stride, pad 1, no bias), 1 BatchNorm2d, 2 ReLU, 3 Conv2d 1x1 (no bias), 4 BatchNorm2d,
    5 ReLU.
    """

    def __init__(self, in_channels: int, out_channels: int, stride: int = 1,
                 dtype: object = np.float32) -> None:
        super().__init__(
            Conv2d(in_channels, in_channels, 3, stride, 1, groups=in_channels, bias=False,
                   dtype=dtype),
            BatchNorm2d(in_channels, dtype=dtype), ReLU(inplace=True),
            Conv2d(in_channels, out_channels, 1, 1, 0, bias=False, dtype=dtype),
            BatchNorm2d(out_channels, dtype=dtype), ReLU(inplace=True))
        self.out_channels = out_channels
