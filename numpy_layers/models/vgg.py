"""``VGG``, ``make_layers`` and ``vgg11`` as torchvision's: keys ``features.0.weight`` ...
``classifier.6.bias``; ``width_mult`` scales every width so tests can run small networks."""
from __future__ import annotations

from typing import Sequence

import numpy as np

from .._checks import as_dtype
from ..blocks.vgg_block import conv3x3_relu
from ..modules.activation import ReLU
from ..modules.adaptive_pool import AdaptiveAvgPool2d
from ..modules.batchnorm import BatchNorm2d
from ..modules.container import Sequential
from ..modules.conv import Conv2d
from ..modules.dropout import Dropout
from ..modules.linear import Linear
from ..modules.module import Module
from ..modules.pooling import MaxPool2d
from ._features_classifier import FeaturesClassifier
from .resnet import kaiming_normal_fan_out

cfgs: dict[str, list[str | int]] = {
    "A": [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "B": [64, 64, "M", 128, 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "D": [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"],
    "E": [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M", 512,
          512, 512, 512, "M"],
}


def make_layers(cfg: Sequence[str | int], batch_norm: bool = False, *, in_channels: int = 3,
                width_mult: float = 1.0, dtype: object = np.float32) -> Sequential:
    """torchvision's make_layers: an int v adds conv3x3(v) [+ BN] + ReLU, "M" a MaxPool2d(2, 2);
    children numbered in that order (``0`` conv, ``1`` relu or bn ...)."""
    layers: list[Module] = []
    for v in cfg:
        if v == "M":
            layers.append(MaxPool2d(kernel_size=2, stride=2))
        else:
            out = max(1, int(round(int(v) * width_mult)))
            layers += conv3x3_relu(in_channels, out, batch_norm, dtype)
            in_channels = out
    return Sequential(*layers)


class VGG(FeaturesClassifier):
    """x (N, C, H, W) -> logits (N, num_classes).

    ``features`` (e.g. ``make_layers``), ``avgpool`` AdaptiveAvgPool2d((7, 7)),
    ``classifier``: fc hidden - relu - dropout - fc hidden - relu - dropout - fc num_classes.
    The first fc takes the last conv's width x 7 x 7 (512 x 7 x 7 in torchvision);
    ``hidden_features`` is torchvision's 4096. ``init_weights``: convs kaiming-normal
    (fan_out, relu) with zero bias, BN weight 1 bias 0, linears N(0, 0.01) with zero bias.
    """

    def __init__(self, features: Module, num_classes: int = 1000, init_weights: bool = True,
                 dropout: float = 0.5, *, hidden_features: int = 4096,
                 dtype: object = np.float32, rng: np.random.Generator | None = None) -> None:
        super().__init__()
        dt = as_dtype("VGG", dtype)
        convs = [m for m in features.modules() if isinstance(m, Conv2d)]
        if not convs:
            raise ValueError("VGG: features holds no Conv2d to size the classifier from")
        width = convs[-1].out_channels
        self.features = features
        self.avgpool = AdaptiveAvgPool2d((7, 7))
        self.classifier = Sequential(
            Linear(width * 7 * 7, hidden_features, dtype=dt, rng=rng), ReLU(True),
            Dropout(p=dropout),
            Linear(hidden_features, hidden_features, dtype=dt, rng=rng), ReLU(True),
            Dropout(p=dropout),
            Linear(hidden_features, num_classes, dtype=dt, rng=rng))
        if init_weights:
            self._init_weights(rng if rng is not None else np.random.default_rng())

    def _init_weights(self, rng: np.random.Generator) -> None:
        kaiming_normal_fan_out(self, rng)
        for m in self.modules():
            if isinstance(m, BatchNorm2d) and m.weight is not None:
                m.weight, m.bias = np.ones_like(m.weight), np.zeros_like(m.bias)
            elif isinstance(m, Linear):
                m.weight = rng.normal(0.0, 0.01, m.weight.shape).astype(m.weight.dtype)
                if m.bias is not None:
                    m.bias = np.zeros_like(m.bias)


def vgg11(batch_norm: bool = False, *, width_mult: float = 1.0, in_channels: int = 3,
          dtype: object = np.float32, **kwargs) -> VGG:
    """VGG-11 (configuration "A"); ``width_mult`` scales the conv widths and the 4096 hidden
    features (unless ``hidden_features`` is given); other kwargs go to ``VGG``."""
    kwargs.setdefault("hidden_features", max(1, int(round(4096 * width_mult))))
    features = make_layers(cfgs["A"], batch_norm, in_channels=in_channels,
                           width_mult=width_mult, dtype=dtype)
    return VGG(features, dtype=dtype, **kwargs)
