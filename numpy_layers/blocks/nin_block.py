"""``NiNBlock``: Network-in-Network's mlpconv, a conv then two 1x1 convs, ReLU after each."""
from __future__ import annotations

import numpy as np

from ..modules.activation import ReLU
from ..modules.conv import Conv2d
from .checked import CheckedSequential


class NiNBlock(CheckedSequential):
    """x (N, in_channels, H, W) -> (N, out_channels, Ho, Wo), Ho/Wo those of the first conv.

    Children as d2l's ``nin_block``: 0 conv (kernel_size, stride, padding), 1 ReLU,
    2 conv 1x1, 3 ReLU, 4 conv 1x1, 5 ReLU.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride, padding,
                 dtype: object = np.float32) -> None:
        super().__init__(
            Conv2d(in_channels, out_channels, kernel_size, stride, padding, dtype=dtype), ReLU(),
            Conv2d(out_channels, out_channels, kernel_size=1, dtype=dtype), ReLU(),
            Conv2d(out_channels, out_channels, kernel_size=1, dtype=dtype), ReLU())
        self.out_channels = out_channels
