"""``ConvNeXt`` (torchvision's): a 4x4/4 stem with LayerNorm2d, stages of CNBlocks with
LayerNorm2d + 2x2/2 conv downsampling between them, global average, classifier =
[LayerNorm2d, Flatten, Linear]. ``CNBlockConfig`` describes a stage; ``convnext_tiny`` is
torchvision's (28,589,128 parameters). State_dict keys as torchvision's
(``features.1.0.block.0.weight``, ``features.1.0.layer_scale``, ``classifier.2.weight``)."""
from __future__ import annotations

from functools import partial
from typing import Any, Callable, Sequence

import numpy as np

from .._checks import as_dtype, check_float_array, check_ndim
from ..blocks.conv_norm_act import Conv2dNormActivation
from ..blocks.convnext import CNBlock, LayerNorm2d
from ..modules.adaptive_pool import AdaptiveAvgPool2d
from ..modules.container import Sequential
from ..modules.conv import Conv2d
from ..modules.flatten import Flatten
from ..modules.linear import Linear
from ..modules.module import Module


class CNBlockConfig:
    """One stage: ``num_layers`` CNBlocks of ``input_channels``, then a downsampling to
    ``out_channels`` (None: the last stage)."""

    def __init__(self, input_channels: int, out_channels: int | None, num_layers: int) -> None:
        self.input_channels = input_channels
        self.out_channels = out_channels
        self.num_layers = num_layers

    def __repr__(self) -> str:
        return (f"CNBlockConfig(input_channels={self.input_channels}, "
                f"out_channels={self.out_channels}, num_layers={self.num_layers})")


def trunc_normal_init(m: Module, rng: np.random.Generator, std: float = 0.02) -> None:
    """torchvision's ConvNeXt init: every Conv2d and Linear weight ~ N(0, std) truncated to
    [-2, 2] (torch's trunc_normal_ bounds are absolute), biases zero."""
    for c in m.modules():
        if isinstance(c, (Conv2d, Linear)):
            c.weight = np.clip(rng.normal(0.0, std, c.weight.shape), -2, 2).astype(c.weight.dtype)
            if c.bias is not None:
                c.bias = np.zeros_like(c.bias)


class ConvNeXt(Module):
    """x (N, 3, H, W) -> logits (N, num_classes). Stochastic depth grows linearly from 0 in
    the first block to ``stochastic_depth_prob`` in the last; ``layer_scale`` fills every
    block's scale parameter."""

    def __init__(self, block_setting: Sequence[CNBlockConfig], stochastic_depth_prob: float = 0.0,
                 layer_scale: float = 1e-6, num_classes: int = 1000,
                 block: Callable[..., Module] | None = None,
                 norm_layer: Callable[..., Module] | None = None, *, dtype: object = np.float32,
                 rng: np.random.Generator | None = None) -> None:
        super().__init__()
        if not block_setting:
            raise ValueError("ConvNeXt: the block_setting should not be empty")
        if not all(isinstance(s, CNBlockConfig) for s in block_setting):
            raise TypeError("ConvNeXt: the block_setting should be a list of CNBlockConfig")
        dt = self.dtype = as_dtype("ConvNeXt", dtype)
        rng = rng if rng is not None else np.random.default_rng()
        block = CNBlock if block is None else block
        norm_layer = partial(LayerNorm2d, eps=1e-6) if norm_layer is None else norm_layer
        layers: list[Module] = [Conv2dNormActivation(
            3, block_setting[0].input_channels, kernel_size=4, stride=4, padding=0,
            norm_layer=norm_layer, activation_layer=None, bias=True, dtype=dt)]
        total = sum(cnf.num_layers for cnf in block_setting)
        block_id = 0
        for cnf in block_setting:
            stage = []
            for _ in range(cnf.num_layers):
                sd_prob = stochastic_depth_prob * block_id / (total - 1.0) if total > 1 else 0.0
                stage.append(block(cnf.input_channels, layer_scale, sd_prob, dtype=dt, rng=rng))
                block_id += 1
            layers.append(Sequential(*stage))
            if cnf.out_channels is not None:
                layers.append(Sequential(norm_layer(cnf.input_channels, dtype=dt),
                                         Conv2d(cnf.input_channels, cnf.out_channels,
                                                kernel_size=2, stride=2, dtype=dt)))
        self.features = Sequential(*layers)
        self.avgpool = AdaptiveAvgPool2d(1)
        last = block_setting[-1]
        width = last.out_channels if last.out_channels is not None else last.input_channels
        self.classifier = Sequential(norm_layer(width, dtype=dt), Flatten(1),
                                     Linear(width, num_classes, dtype=dt))
        trunc_normal_init(self, rng)

    def forward(self, x: np.ndarray) -> np.ndarray:
        check_float_array("ConvNeXt", x)
        check_ndim("ConvNeXt", x, (4,), "(N, 3, H, W)")
        return self.classifier(self.avgpool(self.features(x)))          # (N, num_classes)

    def backward(self, grad_output: np.ndarray | None = None) -> np.ndarray:
        """dlogits (N, num_classes) -> dx (N, 3, H, W); parameter gradients accumulate."""
        return self.features.backward(self.avgpool.backward(self.classifier.backward(grad_output)))


def convnext_tiny(**kwargs: Any) -> ConvNeXt:
    """torchvision's convnext_tiny: stages (96, 3), (192, 3), (384, 9), (768, 3);
    stochastic_depth_prob 0.1 unless given."""
    setting = [CNBlockConfig(96, 192, 3), CNBlockConfig(192, 384, 3), CNBlockConfig(384, 768, 9),
               CNBlockConfig(768, None, 3)]
    return ConvNeXt(setting, stochastic_depth_prob=kwargs.pop("stochastic_depth_prob", 0.1),
                    **kwargs)


__all__ = ["ConvNeXt", "CNBlockConfig", "convnext_tiny"]
