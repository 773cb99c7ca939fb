"""``ResNet`` (torchvision's, V1.5) and ``resnet18``; state_dict keys as torchvision's
(``conv1.weight``, ``layer1.0.conv1.weight``, ``layer2.0.downsample.0.weight``, ``fc.bias`` ...).

``width`` sets the stem and stage widths (width, 2w, 4w, 8w; torchvision's is 64) so tests
can run small networks; the input size is free (adaptive average pooling before ``fc``).
"""
from __future__ import annotations

import math
from typing import Sequence

import numpy as np

from .._checks import as_dtype, check_float_array, check_ndim
from ..blocks.basic_block import BasicBlock, NormLayer, conv1x1
from ..blocks.bottleneck import Bottleneck
from ..modules.activation import ReLU
from ..modules.adaptive_pool import AdaptiveAvgPool2d
from ..modules.batchnorm import BatchNorm2d
from ..modules.container import Sequential
from ..modules.conv import Conv2d
from ..modules.linear import Linear
from ..modules.module import Module
from ..modules.pooling import MaxPool2d


def kaiming_normal_fan_out(m: Module, rng: np.random.Generator) -> None:
    """Every Conv2d weight of ``m`` ~ N(0, 2 / fan_out), fan_out = O * kh * kw (torch's
    ``kaiming_normal_(w, mode='fan_out', nonlinearity='relu')``); its bias, if any, zeroed."""
    for c in m.modules():
        if isinstance(c, Conv2d):
            w = c.weight
            std = math.sqrt(2.0 / max(1, w.shape[0] * w.shape[2] * w.shape[3]))
            c.weight = rng.normal(0.0, std, w.shape).astype(w.dtype)
            if c.bias is not None:
                c.bias = np.zeros_like(c.bias)


class ResNet(Module):
    """x (N, 3, H, W) -> logits (N, num_classes).

    stem conv7x7/2 -> bn1 -> relu -> maxpool 3x3/2 -> layer1..layer4 (``block`` repeated
    ``layers[i]`` times; stride 2 from layer2 on, or dilation where
    ``replace_stride_with_dilation``) -> avgpool (1, 1) -> flatten -> fc.
    """

    def __init__(self, block: type[BasicBlock] | type[Bottleneck], layers: Sequence[int],
                 num_classes: int = 1000, zero_init_residual: bool = False, groups: int = 1,
                 width_per_group: int = 64,
                 replace_stride_with_dilation: Sequence[bool] | None = None,
                 norm_layer: NormLayer | None = None, *, width: int = 64,
                 dtype: object = np.float32, rng: np.random.Generator | None = None) -> None:
        super().__init__()
        if norm_layer is None:
            norm_layer = BatchNorm2d
        self._norm_layer = norm_layer
        self.dtype = as_dtype("ResNet", dtype)
        if len(layers) != 4:
            raise ValueError(f"ResNet: expected layers to hold 4 block counts, got {layers!r}")
        self.inplanes = width
        self.dilation = 1
        if replace_stride_with_dilation is None:
            replace_stride_with_dilation = [False, False, False]
        if len(replace_stride_with_dilation) != 3:
            raise ValueError("ResNet: replace_stride_with_dilation should be None or a 3-element "
                             f"tuple, got {replace_stride_with_dilation}")
        self.groups = groups
        self.base_width = width_per_group
        dt = self.dtype
        self.conv1 = Conv2d(3, self.inplanes, kernel_size=7, stride=2, padding=3, bias=False,
                            dtype=dt)
        self.bn1 = norm_layer(self.inplanes, dtype=dt)
        self.relu = ReLU(inplace=True)
        self.maxpool = MaxPool2d(kernel_size=3, stride=2, padding=1)
        dil = replace_stride_with_dilation
        self.layer1 = self._make_layer(block, width, layers[0])
        self.layer2 = self._make_layer(block, 2 * width, layers[1], stride=2, dilate=dil[0])
        self.layer3 = self._make_layer(block, 4 * width, layers[2], stride=2, dilate=dil[1])
        self.layer4 = self._make_layer(block, 8 * width, layers[3], stride=2, dilate=dil[2])
        self.avgpool = AdaptiveAvgPool2d((1, 1))
        self.fc = Linear(8 * width * block.expansion, num_classes, dtype=dt, rng=rng)
        kaiming_normal_fan_out(self, rng if rng is not None else np.random.default_rng())
        if zero_init_residual:
            for m in self.modules():
                if isinstance(m, Bottleneck) and m.bn3.weight is not None:
                    m.bn3.weight[...] = 0
                elif isinstance(m, BasicBlock) and m.bn2.weight is not None:
                    m.bn2.weight[...] = 0

    def _make_layer(self, block: type[BasicBlock] | type[Bottleneck], planes: int, blocks: int,
                    stride: int = 1, dilate: bool = False) -> Sequential:
        norm_layer, dt = self._norm_layer, self.dtype
        downsample = None
        previous_dilation = self.dilation
        if dilate:
            self.dilation *= stride
            stride = 1
        if stride != 1 or self.inplanes != planes * block.expansion:
            downsample = Sequential(conv1x1(self.inplanes, planes * block.expansion, stride, dt),
                                    norm_layer(planes * block.expansion, dtype=dt))
        layers = [block(self.inplanes, planes, stride, downsample, self.groups, self.base_width,
                        previous_dilation, norm_layer, dtype=dt)]
        self.inplanes = planes * block.expansion
        for _ in range(1, blocks):
            layers.append(block(self.inplanes, planes, groups=self.groups,
                                base_width=self.base_width, dilation=self.dilation,
                                norm_layer=norm_layer, dtype=dt))
        return Sequential(*layers)

    def _trunk(self) -> list[Module]:
        """The children applied before the flatten, in order."""
        return [self.conv1, self.bn1, self.relu, self.maxpool, self.layer1, self.layer2,
                self.layer3, self.layer4, self.avgpool]

    def forward(self, x: np.ndarray) -> np.ndarray:
        check_float_array("ResNet", x)
        check_ndim("ResNet", x, (4,), "(N, 3, H, W)")
        for m in self._trunk():
            x = m(x)
        self._push_cache(x.shape)
        return self.fc(x.reshape(len(x), -1))                    # (N, 8w*expansion) -> (N, K)

    def backward(self, grad_output: np.ndarray | None = None) -> np.ndarray:
        """dlogits (N, num_classes) -> dx (N, 3, H, W); parameter gradients accumulate."""
        shape = self._pop_cache()
        g = self.fc.backward(grad_output).reshape(shape)         # (N, C, 1, 1)
        for m in reversed(self._trunk()):
            g = m.backward(g)
        return g


def resnet18(**kwargs) -> ResNet:
    """ResNet-18: BasicBlock, layers [2, 2, 2, 2]; kwargs as ``ResNet``'s."""
    return ResNet(BasicBlock, [2, 2, 2, 2], **kwargs)
