"""GoogLeNet's ``BasicConv2d`` (conv -> BN(eps=0.001) -> relu), ``Inception`` block (four
branches concatenated on channels) and ``InceptionAux`` head, with torchvision's names and
arguments."""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from .._checks import check_float_array, check_grad, check_ndim
from ..functional.activation import relu_backward, relu_forward
from ..functional.adaptive_pool import adaptive_avg_pool2d_backward, adaptive_avg_pool2d_forward
from ..modules.batchnorm import BatchNorm2d
from ..modules.container import Sequential
from ..modules.conv import Conv2d
from ..modules.dropout import Dropout
from ..modules.linear import Linear
from ..modules.module import Module
from ..modules.pooling import MaxPool2d


class BasicConv2d(Module):
    """x (N, in_channels, H, W) -> relu(bn(conv(x))) (N, out_channels, Ho, Wo).

    ``kwargs`` go to Conv2d (kernel_size, stride, padding ...); the conv has no bias and
    the relu is a function (no child), as torchvision's.
    """

    def __init__(self, in_channels: int, out_channels: int, dtype: object = np.float32,
                 **kwargs: Any) -> None:
        super().__init__()
        self.conv = Conv2d(in_channels, out_channels, bias=False, dtype=dtype, **kwargs)
        self.bn = BatchNorm2d(out_channels, eps=0.001, dtype=dtype)

    def forward(self, x: np.ndarray) -> np.ndarray:
        y, mask = relu_forward(self.bn(self.conv(x)))
        self._push_cache((mask, y.shape, y.dtype))
        return y

    def backward(self, grad_output: np.ndarray | None = None) -> np.ndarray:
        mask, shape, dtype = self._pop_cache()
        dy = relu_backward(check_grad("BasicConv2d", grad_output, shape, dtype), mask)
        return self.conv.backward(self.bn.backward(dy))


class Inception(Module):
    """x (N, in_channels, H, W) -> (N, ch1x1 + ch3x3 + ch5x5 + pool_proj, H, W).

    branch1: 1x1; branch2: 1x1 -> 3x3; branch3: 1x1 -> 3x3 (torchvision's kernel, though
    the paper's is 5x5); branch4: MaxPool2d(3, 1, 1, ceil_mode=True) -> 1x1.
    """

    def __init__(self, in_channels: int, ch1x1: int, ch3x3red: int, ch3x3: int,
                 ch5x5red: int, ch5x5: int, pool_proj: int,
                 conv_block: Callable[..., Module] | None = None,
                 dtype: object = np.float32) -> None:
        super().__init__()
        if conv_block is None:
            conv_block = BasicConv2d
        self.branch1 = conv_block(in_channels, ch1x1, kernel_size=1, dtype=dtype)
        self.branch2 = Sequential(
            conv_block(in_channels, ch3x3red, kernel_size=1, dtype=dtype),
            conv_block(ch3x3red, ch3x3, kernel_size=3, padding=1, dtype=dtype))
        self.branch3 = Sequential(
            conv_block(in_channels, ch5x5red, kernel_size=1, dtype=dtype),
            conv_block(ch5x5red, ch5x5, kernel_size=3, padding=1, dtype=dtype))
        self.branch4 = Sequential(
            MaxPool2d(kernel_size=3, stride=1, padding=1, ceil_mode=True),
            conv_block(in_channels, pool_proj, kernel_size=1, dtype=dtype))
        self.out_channels = ch1x1 + ch3x3 + ch5x5 + pool_proj

    def _branches(self) -> list[Module]:
        return [self.branch1, self.branch2, self.branch3, self.branch4]

    def forward(self, x: np.ndarray) -> np.ndarray:
        check_float_array("Inception", x)
        check_ndim("Inception", x, (4,), "(N, C, H, W)")
        outs = [b(x) for b in self._branches()]
        y = np.concatenate(outs, axis=1)                          # (N, sum of C_b, H, W)
        self._push_cache(([o.shape[1] for o in outs], y.shape, y.dtype))
        return y

    def backward(self, grad_output: np.ndarray | None = None) -> np.ndarray:
        """dy (N, sum C_b, H, W) is split by branch; the branch input gradients add up."""
        widths, shape, dtype = self._pop_cache()
        dy = check_grad("Inception", grad_output, shape, dtype)
        parts = np.split(dy, np.cumsum(widths)[:-1], axis=1)      # views (N, C_b, H, W)
        dx = None
        for b, d in zip(reversed(self._branches()), reversed(parts)):
            g = b.backward(np.ascontiguousarray(d))
            dx = g if dx is None else dx + g
        return dx


class InceptionAux(Module):
    """x (N, in_channels, H, W) -> logits (N, num_classes): adaptive average to 4x4, 1x1
    conv_block to 128 channels, flatten, fc1 (2048 -> 1024) + relu, dropout, fc2.

    ``width`` scales the inner widths as GoogLeNet's knob does (128 -> 128 * width // 64).
    """

    def __init__(self, in_channels: int, num_classes: int,
                 conv_block: Callable[..., Module] | None = None, dropout: float = 0.7,
                 dtype: object = np.float32, *, width: int = 64) -> None:
        super().__init__()
        if conv_block is None:
            conv_block = BasicConv2d
        inner, hidden = max(1, 128 * width // 64), max(1, 1024 * width // 64)
        self.conv = conv_block(in_channels, inner, kernel_size=1, dtype=dtype)
        self.fc1 = Linear(inner * 16, hidden, dtype=dtype)
        self.fc2 = Linear(hidden, num_classes, dtype=dtype)
        self.dropout = Dropout(p=dropout)

    def forward(self, x: np.ndarray) -> np.ndarray:
        check_float_array("InceptionAux", x)
        check_ndim("InceptionAux", x, (4,), "(N, C, H, W)")
        pooled, pool_cache = adaptive_avg_pool2d_forward(x, (4, 4))      # (N, C, 4, 4)
        h = self.conv(pooled)                                           # (N, 128, 4, 4)
        a, mask = relu_forward(self.fc1(h.reshape(len(h), -1)))         # (N, 2048) -> (N, 1024)
        self._push_cache((pool_cache, h.shape, mask))
        return self.fc2(self.dropout(a))

    def backward(self, grad_output: np.ndarray | None = None) -> np.ndarray:
        """dlogits (N, num_classes) -> dx (N, in_channels, H, W)."""
        pool_cache, shape, mask = self._pop_cache()
        g = self.dropout.backward(self.fc2.backward(grad_output))
        g = self.fc1.backward(relu_backward(g, mask)).reshape(shape)   # (N, 128, 4, 4)
        return adaptive_avg_pool2d_backward(self.conv.backward(g), pool_cache)
