"""``MobileNetV2`` (torchvision's): ``features`` (a stem Conv2dNormActivation, the
InvertedResidual blocks, a 1x1 Conv2dNormActivation to ``last_channel``), a global average,
``classifier`` = Sequential(Dropout, Linear). State_dict keys as torchvision's
(``features.1.conv.0.0.weight``, ``classifier.1.weight`` ...)."""
from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

from .._checks import as_dtype, check_float_array, check_ndim
from ..blocks.basic_block import NormLayer
from ..blocks.conv_norm_act import Conv2dNormActivation
from ..blocks.inverted_residual import InvertedResidual
from ..blocks.widths import make_divisible
from ..functional.adaptive_pool import adaptive_avg_pool2d_backward, adaptive_avg_pool2d_forward
from ..modules.activation import ReLU6
from ..modules.batchnorm import BatchNorm2d
from ..modules.container import Sequential
from ..modules.dropout import Dropout
from ..modules.linear import Linear
from ..modules.module import Module
from .resnet import kaiming_normal_fan_out

# t (expansion), c (output channels), n (repeats), s (first stride): torchvision's table.
DEFAULT_SETTING = [[1, 16, 1, 1], [6, 24, 2, 2], [6, 32, 3, 2], [6, 64, 4, 2], [6, 96, 3, 1],
                   [6, 160, 3, 2], [6, 320, 1, 1]]


class MobileNetV2(Module):
    """x (N, 3, H, W) -> logits (N, num_classes); ``width_mult`` scales every width (the
    last one only upward), ``dropout`` is the classifier's drop probability."""

    def __init__(self, num_classes: int = 1000, width_mult: float = 1.0,
                 inverted_residual_setting: Sequence[Sequence[float]] | None = None,
                 round_nearest: int = 8, block: Callable[..., Module] | None = None,
                 norm_layer: NormLayer | None = None, dropout: float = 0.2,
                 dtype: object = np.float32, *, rng: np.random.Generator | None = None) -> None:
        super().__init__()
        if block is None:
            block = InvertedResidual
        if norm_layer is None:
            norm_layer = BatchNorm2d
        dt = self.dtype = as_dtype("MobileNetV2", dtype)
        input_channel, last_channel = 32, 1280
        if inverted_residual_setting is None:
            inverted_residual_setting = DEFAULT_SETTING
        if len(inverted_residual_setting) == 0 or len(inverted_residual_setting[0]) != 4:
            raise ValueError("MobileNetV2: inverted_residual_setting should be non-empty or a "
                             f"4-element list, got {inverted_residual_setting}")
        input_channel = make_divisible(input_channel * width_mult, round_nearest)
        self.last_channel = make_divisible(last_channel * max(1.0, width_mult), round_nearest)
        features: list[Module] = [Conv2dNormActivation(3, input_channel, stride=2,
                                                       norm_layer=norm_layer,
                                                       activation_layer=ReLU6, dtype=dt)]
        for t, c, n, s in inverted_residual_setting:
            output_channel = make_divisible(c * width_mult, round_nearest)
            for i in range(n):
                stride = s if i == 0 else 1
                features.append(block(input_channel, output_channel, stride, expand_ratio=t,
                                      norm_layer=norm_layer, dtype=dt))
                input_channel = output_channel
        features.append(Conv2dNormActivation(input_channel, self.last_channel, kernel_size=1,
                                             norm_layer=norm_layer, activation_layer=ReLU6,
                                             dtype=dt))
        self.features = Sequential(*features)
        self.classifier = Sequential(Dropout(p=dropout),
                                     Linear(self.last_channel, num_classes, dtype=dt))
        rng = rng if rng is not None else np.random.default_rng()
        kaiming_normal_fan_out(self, rng)
        fc = self.classifier[1]
        fc.weight = rng.normal(0.0, 0.01, fc.weight.shape).astype(dt)
        fc.bias = np.zeros_like(fc.bias)

    def forward(self, x: np.ndarray) -> np.ndarray:
        check_float_array("MobileNetV2", x)
        check_ndim("MobileNetV2", x, (4,), "(N, 3, H, W)")
        f = self.features(x)                                      # (N, last, h, w)
        pooled, cache = adaptive_avg_pool2d_forward(f, (1, 1))    # (N, last, 1, 1)
        self._push_cache(cache)
        return self.classifier(pooled.reshape(len(pooled), -1))  # (N, last) -> (N, K)

    def backward(self, grad_output: np.ndarray | None = None) -> np.ndarray:
        """dlogits (N, num_classes) -> dx (N, 3, H, W); parameter gradients accumulate."""
        cache = self._pop_cache()
        g = self.classifier.backward(grad_output)                 # (N, last)
        g = adaptive_avg_pool2d_backward(g.reshape(g.shape + (1, 1)), cache)
        return self.features.backward(g)
