"""``SqueezeExcitation``: torchvision.ops' channel attention, x * sigmoid(fc2(relu(fc1(avg(x)))))."""
from __future__ import annotations

from typing import Callable

import numpy as np

from .._checks import check_float_array, check_grad, check_ndim
from ..modules.activation import ReLU, Sigmoid
from ..modules.adaptive_pool import AdaptiveAvgPool2d
from ..modules.conv import Conv2d
from ..modules.module import Module


class SqueezeExcitation(Module):
    """x (N, C, H, W) -> x * s, s (N, C, 1, 1) = scale_activation(fc2(activation(fc1(avgpool(x))))).

    Children as torchvision.ops: ``avgpool`` (AdaptiveAvgPool2d(1)), ``fc1``/``fc2``
    (1x1 Conv2d with bias), ``activation``, ``scale_activation`` (classes called with no
    arguments, e.g. ``functools.partial(SiLU, inplace=True)``).
    """

    def __init__(self, input_channels: int, squeeze_channels: int,
                 activation: Callable[..., Module] = ReLU,
                 scale_activation: Callable[..., Module] = Sigmoid, *,
                 dtype: object = np.float32) -> None:
        super().__init__()
        self.avgpool = AdaptiveAvgPool2d(1)
        self.fc1 = Conv2d(input_channels, squeeze_channels, 1, dtype=dtype)
        self.fc2 = Conv2d(squeeze_channels, input_channels, 1, dtype=dtype)
        self.activation = activation()
        self.scale_activation = scale_activation()

    def _scale(self, x: np.ndarray) -> np.ndarray:
        s = self.avgpool(x)                                      # (N, C, 1, 1)
        return self.scale_activation(self.fc2(self.activation(self.fc1(s))))

    def forward(self, x: np.ndarray) -> np.ndarray:
        check_float_array("SqueezeExcitation", x)
        check_ndim("SqueezeExcitation", x, (4,), "(N, C, H, W)")
        s = self._scale(x)
        y = s * x                                                # (N, C, H, W)
        self._push_cache((x, s))
        return y

    def backward(self, grad_output: np.ndarray | None = None) -> np.ndarray:
        """dy (N, C, H, W) -> dx: the direct part dy * s plus the part through the scale."""
        x, s = self._pop_cache()
        dy = check_grad("SqueezeExcitation", grad_output, x.shape, x.dtype)
        ds = np.sum(dy * x, axis=(2, 3), keepdims=True)          # (N, C, 1, 1)
        for m in (self.scale_activation, self.fc2, self.activation, self.fc1):
            ds = m.backward(ds)
        return dy * s + self.avgpool.backward(ds)
