"""``VGGBlock``: one VGG stage, ``num_convs`` x (3x3 conv [+ BN] + ReLU) then a 2x2 max pool."""
from __future__ import annotations

import numpy as np

from ..modules.activation import ReLU
from ..modules.batchnorm import BatchNorm2d
from ..modules.conv import Conv2d
from ..modules.module import Module
from ..modules.pooling import MaxPool2d
from .checked import CheckedSequential


def conv3x3_relu(in_channels: int, out_channels: int, batch_norm: bool = False,
                 dtype: object = np.float32) -> list[Module]:
    """[Conv2d 3x3 pad 1, (BatchNorm2d), ReLU]: one entry of torchvision's ``make_layers``."""
    layers: list[Module] = [Conv2d(in_channels, out_channels, kernel_size=3, padding=1,
                                   dtype=dtype)]
    if batch_norm:
        layers.append(BatchNorm2d(out_channels, dtype=dtype))
    return layers + [ReLU(inplace=True)]


class VGGBlock(CheckedSequential):
    """x (N, in_channels, H, W) -> (N, out_channels, H // 2, W // 2).

    Children ``0``, ``1`` ... laid out as torchvision's ``make_layers`` lays out one stage:
    conv, (bn), relu for each of the ``num_convs`` convs, then ``MaxPool2d(2, 2)``.
    """

    def __init__(self, in_channels: int, out_channels: int, num_convs: int,
                 batch_norm: bool = False, dtype: object = np.float32) -> None:
        if num_convs < 1:
            raise ValueError(f"VGGBlock: expected num_convs >= 1, got {num_convs}")
        layers: list[Module] = []
        for i in range(num_convs):
            layers += conv3x3_relu(in_channels if i == 0 else out_channels, out_channels,
                                   batch_norm, dtype)
        super().__init__(*layers, MaxPool2d(kernel_size=2, stride=2))
        self.out_channels = out_channels
