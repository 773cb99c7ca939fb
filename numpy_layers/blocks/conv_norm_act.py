"""``Conv2dNormActivation``: conv -> norm -> activation, torchvision's building unit.

Children are named ``0``, ``1``, ``2`` like torchvision's Sequential, so state_dict keys
(``0.weight``, ``1.running_mean`` ...) match a torchvision model's.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from ..modules.batchnorm import BatchNorm2d
from ..modules.activation import ReLU
from ..modules.container import Sequential
from ..modules.conv import Conv2d
from ..modules.module import Module


class Conv2dNormActivation(Sequential):
    """x (N, C, H, W) -> (N, out_channels, Ho, Wo).

    ``padding=None`` keeps the spatial size at stride 1 (``(k - 1) // 2 * dilation``);
    ``bias=None`` gives the conv a bias only when there is no norm layer, as torchvision.
    ``norm_layer(out_channels, dtype=...)`` and ``activation_layer(inplace=...)`` build the
    other two children; ``None`` leaves either out.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int = 3,
                 stride: int = 1, padding: int | None = None, groups: int = 1,
                 norm_layer: Callable[..., Module] | None = BatchNorm2d,
                 activation_layer: Callable[..., Module] | None = ReLU,
                 dilation: int = 1, inplace: bool | None = True, bias: bool | None = None,
                 dtype: object = np.float32) -> None:
        if padding is None:
            padding = (kernel_size - 1) // 2 * dilation
        if bias is None:
            bias = norm_layer is None
        layers: list[Module] = [Conv2d(in_channels, out_channels, kernel_size, stride, padding,
                                       dilation=dilation, groups=groups, bias=bias, dtype=dtype)]
        if norm_layer is not None:
            layers.append(norm_layer(out_channels, dtype=dtype))
        if activation_layer is not None:
            layers.append(activation_layer(**({} if inplace is None else {"inplace": inplace})))
        super().__init__(*layers)
        self.out_channels = out_channels
