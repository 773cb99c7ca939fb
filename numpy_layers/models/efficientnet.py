"""``EfficientNet`` (torchvision's V1): a 3x3/2 stem (BN, SiLU), stages of ``MBConv``
(expand, depthwise, squeeze-excitation, project, stochastic depth growing from 0 to
``stochastic_depth_prob`` over the blocks), a 1x1 head to 4x the last width, global average,
classifier = [Dropout, Linear]. ``MBConvConfig`` describes a stage (channels rounded to
multiples of 8 by ``width_mult``, depth scaled by ``depth_mult``); ``efficientnet_b0`` is
torchvision's (5,288,548 parameters). State_dict keys as torchvision's
(``features.1.0.block.0.0.weight``, ``features.2.0.block.2.fc1.bias``, ``classifier.1.weight``)."""
from __future__ import annotations

import math
from typing import Any, Callable, Sequence

import numpy as np

from .._checks import as_dtype, check_float_array, check_ndim
from ..blocks.conv_norm_act import Conv2dNormActivation
from ..blocks.mbconv import MBConv
from ..blocks.widths import make_divisible
from ..modules.activation import SiLU
from ..modules.adaptive_pool import AdaptiveAvgPool2d
from ..modules.batchnorm import BatchNorm2d
from ..modules.container import Sequential
from ..modules.dropout import Dropout
from ..modules.linear import Linear
from ..modules.module import Module
from .resnet import kaiming_normal_fan_out


class MBConvConfig:
    """One stage of ``num_layers`` MBConv blocks (torchvision's, with its rounding)."""

    def __init__(self, expand_ratio: float, kernel: int, stride: int, input_channels: int,
                 out_channels: int, num_layers: int, width_mult: float = 1.0,
                 depth_mult: float = 1.0) -> None:
        self.expand_ratio, self.kernel, self.stride = expand_ratio, kernel, stride
        self.input_channels = make_divisible(input_channels * width_mult, 8)
        self.out_channels = make_divisible(out_channels * width_mult, 8)
        self.num_layers = int(math.ceil(num_layers * depth_mult))


def b0_setting(width_mult: float = 1.0, depth_mult: float = 1.0) -> list[MBConvConfig]:
    """torchvision's EfficientNet-B0 table (expand, kernel, stride, in, out, layers)."""
    rows = [(1, 3, 1, 32, 16, 1), (6, 3, 2, 16, 24, 2), (6, 5, 2, 24, 40, 2), (6, 3, 2, 40, 80, 3),
            (6, 5, 1, 80, 112, 3), (6, 5, 2, 112, 192, 4), (6, 3, 1, 192, 320, 1)]
    return [MBConvConfig(*r, width_mult=width_mult, depth_mult=depth_mult) for r in rows]


class EfficientNet(Module):
    """x (N, 3, H, W) -> logits (N, num_classes)."""

    def __init__(self, inverted_residual_setting: Sequence[MBConvConfig], dropout: float,
                 stochastic_depth_prob: float = 0.2, num_classes: int = 1000,
                 norm_layer: Callable[..., Module] | None = None,
                 last_channel: int | None = None, *, dtype: object = np.float32,
                 rng: np.random.Generator | None = None) -> None:
        super().__init__()
        if not inverted_residual_setting:
            raise ValueError("EfficientNet: the inverted_residual_setting should not be empty")
        if not all(isinstance(s, MBConvConfig) for s in inverted_residual_setting):
            raise TypeError("EfficientNet: the inverted_residual_setting should be a list of "
                            "MBConvConfig")
        dt = self.dtype = as_dtype("EfficientNet", dtype)
        rng = rng if rng is not None else np.random.default_rng()
        norm_layer = BatchNorm2d if norm_layer is None else norm_layer
        setting = inverted_residual_setting
        layers: list[Module] = [Conv2dNormActivation(3, setting[0].input_channels, kernel_size=3,
                                                     stride=2, norm_layer=norm_layer,
                                                     activation_layer=SiLU, dtype=dt)]
        total = sum(cnf.num_layers for cnf in setting)
        block_id = 0
        for cnf in setting:
            stage = []
            for i in range(cnf.num_layers):
                cin, stride = (cnf.input_channels, cnf.stride) if i == 0 else (cnf.out_channels, 1)
                stage.append(MBConv(cin, cnf.out_channels, cnf.kernel, stride, cnf.expand_ratio,
                                    norm_layer, stochastic_depth_prob * block_id / total,
                                    dtype=dt, rng=rng))
                block_id += 1
            layers.append(Sequential(*stage))
        last_in = setting[-1].out_channels
        last_out = last_channel if last_channel is not None else 4 * last_in
        layers.append(Conv2dNormActivation(last_in, last_out, kernel_size=1, norm_layer=norm_layer,
                                           activation_layer=SiLU, dtype=dt))
        self.features = Sequential(*layers)
        self.avgpool = AdaptiveAvgPool2d(1)
        self.classifier = Sequential(Dropout(p=dropout, inplace=True, rng=rng),
                                     Linear(last_out, num_classes, dtype=dt))
        kaiming_normal_fan_out(self, rng)
        fc, bound = self.classifier[1], 1.0 / math.sqrt(num_classes)
        fc.weight = rng.uniform(-bound, bound, fc.weight.shape).astype(dt)
        fc.bias = np.zeros_like(fc.bias)

    def forward(self, x: np.ndarray) -> np.ndarray:
        check_float_array("EfficientNet", x)
        check_ndim("EfficientNet", x, (4,), "(N, 3, H, W)")
        f = self.avgpool(self.features(x))                                # (N, C, 1, 1)
        return self.classifier(f.reshape(len(f), -1))                     # (N, num_classes)

    def backward(self, grad_output: np.ndarray | None = None) -> np.ndarray:
        """dlogits (N, num_classes) -> dx (N, 3, H, W); parameter gradients accumulate."""
        g = self.classifier.backward(grad_output)                         # (N, C)
        return self.features.backward(self.avgpool.backward(g.reshape(g.shape + (1, 1))))


def efficientnet_b0(width_mult: float = 1.0, depth_mult: float = 1.0, **kwargs: Any) -> EfficientNet:
    """torchvision's efficientnet_b0 (dropout 0.2, stochastic depth 0.2 unless given); the
    multipliers are torchvision's _efficientnet_conf knobs, 1.0 for B0."""
    return EfficientNet(b0_setting(width_mult, depth_mult), kwargs.pop("dropout", 0.2), **kwargs)


__all__ = ["EfficientNet", "MBConvConfig", "b0_setting", "efficientnet_b0"]
