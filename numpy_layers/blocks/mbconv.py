"""``MBConv``: EfficientNet-B0's block, expand 1x1 -> depthwise kxk -> squeeze-excitation ->
project 1x1, with torchvision's names (``block.0.0.weight``, ``block.2.fc1.weight`` ...)."""
from __future__ import annotations

from functools import partial

import numpy as np

from .._checks import check_float_array, check_grad, check_ndim
from ..modules.activation import SiLU
from ..modules.batchnorm import BatchNorm2d
from ..modules.container import Sequential
from ..modules.module import Module
from ..modules.stochastic_depth import StochasticDepth
from .basic_block import NormLayer
from .conv_norm_act import Conv2dNormActivation
from .squeeze_excitation import SqueezeExcitation
from .widths import make_divisible


class MBConv(Module):
    """x (N, input_channels, H, W) -> (N, out_channels, ceil(H / stride), ceil(W / stride)).

    ``block``: [Conv2dNormActivation 1x1 in -> expanded, SiLU (only when expanded != in),
    Conv2dNormActivation depthwise kernel x kernel (stride), SiLU,
    SqueezeExcitation(expanded, max(1, in // 4), SiLU),
    Conv2dNormActivation 1x1 expanded -> out, no activation], expanded =
    ``make_divisible(in * expand_ratio, 8)`` as torchvision's ``MBConvConfig``. When stride
    == 1 and in == out, the block's output goes through ``stochastic_depth``
    (StochasticDepth(stochastic_depth_prob, 'row'), torchvision's) and the input is added.
    """

    def __init__(self, input_channels: int, out_channels: int, kernel: int = 3,
                 stride: int = 1, expand_ratio: float = 6.0,
                 norm_layer: NormLayer | None = None, stochastic_depth_prob: float = 0.0, *,
                 dtype: object = np.float32, rng: np.random.Generator | None = None) -> None:
        super().__init__()
        if stride not in (1, 2):
            raise ValueError(f"MBConv: illegal stride value, expected 1 or 2, got {stride}")
        norm_layer = BatchNorm2d if norm_layer is None else norm_layer
        self.use_res_connect = stride == 1 and input_channels == out_channels
        expanded = make_divisible(input_channels * expand_ratio, 8)
        layers: list[Module] = []
        if expanded != input_channels:
            layers.append(Conv2dNormActivation(input_channels, expanded, kernel_size=1,
                                               norm_layer=norm_layer, activation_layer=SiLU,
                                               dtype=dtype))
        layers += [
            Conv2dNormActivation(expanded, expanded, kernel_size=kernel, stride=stride,
                                 groups=expanded, norm_layer=norm_layer,
                                 activation_layer=SiLU, dtype=dtype),
            SqueezeExcitation(expanded, max(1, input_channels // 4),
                              activation=partial(SiLU, inplace=True), dtype=dtype),
            Conv2dNormActivation(expanded, out_channels, kernel_size=1, norm_layer=norm_layer,
                                 activation_layer=None, dtype=dtype),
        ]
        self.block = Sequential(*layers)
        self.stochastic_depth = StochasticDepth(stochastic_depth_prob, "row", rng=rng)
        self.out_channels = out_channels

    def forward(self, x: np.ndarray) -> np.ndarray:
        check_float_array("MBConv", x)
        check_ndim("MBConv", x, (4,), "(N, C, H, W)")
        out = self.block(x)
        if self.use_res_connect:
            out = self.stochastic_depth(out)
            out += x                         # out is the block's own array; x is not touched
        self._push_cache((out.shape, out.dtype))
        return out

    def backward(self, grad_output: np.ndarray | None = None) -> np.ndarray:
        """dy (N, out, Ho, Wo) -> dx (N, in, H, W); the shortcut adds dy itself."""
        shape, dtype = self._pop_cache()
        dy = check_grad("MBConv", grad_output, shape, dtype)
        if not self.use_res_connect:
            return self.block.backward(dy)
        return self.block.backward(self.stochastic_depth.backward(dy)) + dy
