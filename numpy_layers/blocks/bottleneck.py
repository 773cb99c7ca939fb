"""``Bottleneck``: ResNet's 1x1 -> 3x3 -> 1x1 residual block, expansion 4 (torchvision's
ResNet V1.5: the stride sits on the 3x3 conv)."""
from __future__ import annotations

import numpy as np

from ..modules.activation import ReLU
from ..modules.batchnorm import BatchNorm2d
from ..modules.module import Module
from .basic_block import NormLayer, ResidualBlock, conv1x1, conv3x3


class Bottleneck(ResidualBlock):
    """x (N, inplanes, H, W) -> (N, planes * 4, H / stride, W / stride).

    Inner width ``int(planes * base_width / 64) * groups``; ``downsample`` (e.g.
    Sequential(conv1x1, BatchNorm2d)) maps the shortcut when stride or channels change.
    """
    expansion: int = 4
    _main = ("conv1", "bn1", "relu", "conv2", "bn2", "relu", "conv3", "bn3")

    def __init__(self, inplanes: int, planes: int, stride: int = 1,
                 downsample: Module | None = None, groups: int = 1, base_width: int = 64,
                 dilation: int = 1, norm_layer: NormLayer | None = None,
                 dtype: object = np.float32) -> None:
        super().__init__()
        if norm_layer is None:
            norm_layer = BatchNorm2d
        width = int(planes * (base_width / 64.0)) * groups
        self.conv1 = conv1x1(inplanes, width, dtype=dtype)
        self.bn1 = norm_layer(width, dtype=dtype)
        self.conv2 = conv3x3(width, width, stride, groups, dilation, dtype=dtype)
        self.bn2 = norm_layer(width, dtype=dtype)
        self.conv3 = conv1x1(width, planes * self.expansion, dtype=dtype)
        self.bn3 = norm_layer(planes * self.expansion, dtype=dtype)
        self.relu = ReLU(inplace=True)
        self.downsample = downsample
        self.stride = stride
