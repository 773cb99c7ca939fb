"""``InvertedResidual``: MobileNetV2's expand (1x1) -> depthwise 3x3 -> project (1x1) block,
with torchvision's names (``conv.0.0.weight``, ``conv.1.0.weight``, ``conv.2.weight`` ...)."""
from __future__ import annotations

import numpy as np

from .._checks import check_float_array, check_grad, check_ndim
from ..modules.activation import ReLU6
from ..modules.batchnorm import BatchNorm2d
from ..modules.container import Sequential
from ..modules.conv import Conv2d
from ..modules.module import Module
from .basic_block import NormLayer
from .conv_norm_act import Conv2dNormActivation


class InvertedResidual(Module):
    """x (N, inp, H, W) -> (N, oup, H / stride, W / stride); x is added back
    (``use_res_connect``) when stride == 1 and inp == oup.

    ``conv``: [Conv2dNormActivation 1x1 inp -> hidden (only when expand_ratio != 1),
    Conv2dNormActivation depthwise 3x3 hidden (stride), Conv2d 1x1 hidden -> oup, norm],
    hidden = round(inp * expand_ratio), activations ReLU6.
    """

    def __init__(self, inp: int, oup: int, stride: int, expand_ratio: float,
                 norm_layer: NormLayer | None = None, dtype: object = np.float32) -> None:
        super().__init__()
        self.stride = stride
        if stride not in (1, 2):
            raise ValueError(f"InvertedResidual: stride should be 1 or 2 instead of {stride}")
        if norm_layer is None:
            norm_layer = BatchNorm2d
        hidden_dim = int(round(inp * expand_ratio))
        self.use_res_connect = self.stride == 1 and inp == oup
        layers: list[Module] = []
        if expand_ratio != 1:
            layers.append(Conv2dNormActivation(inp, hidden_dim, kernel_size=1,
                                               norm_layer=norm_layer, activation_layer=ReLU6,
                                               dtype=dtype))
        layers += [
            Conv2dNormActivation(hidden_dim, hidden_dim, stride=stride, groups=hidden_dim,
                                 norm_layer=norm_layer, activation_layer=ReLU6, dtype=dtype),
            Conv2d(hidden_dim, oup, 1, 1, 0, bias=False, dtype=dtype),
            norm_layer(oup, dtype=dtype),
        ]
        self.conv = Sequential(*layers)
        self.out_channels = oup
        self._is_cn = stride > 1

    def forward(self, x: np.ndarray) -> np.ndarray:
        check_float_array("InvertedResidual", x)
        check_ndim("InvertedResidual", x, (4,), "(N, C, H, W)")
        out = self.conv(x)
        if self.use_res_connect:             # in place unless conv handed x itself back
            out = out + x if np.may_share_memory(out, x) else np.add(out, x, out=out)
        self._push_cache((out.shape, out.dtype))
        return out

    def backward(self, grad_output: np.ndarray | None = None) -> np.ndarray:
        """dy (N, oup, Ho, Wo) -> dx (N, inp, H, W); the shortcut adds dy itself."""
        shape, dtype = self._pop_cache()
        dy = check_grad("InvertedResidual", grad_output, shape, dtype)
        dx = self.conv.backward(dy)
        return dx + dy if self.use_res_connect else dx
