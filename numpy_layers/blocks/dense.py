"""DenseNet's ``DenseLayer``, ``DenseBlock`` and ``Transition`` with torchvision's names
(``denselayer1.norm1.weight``, ``conv.weight`` ...).

As torchvision's ``_DenseLayer``, ``DenseLayer`` returns only its ``growth_rate`` new
feature maps; ``DenseBlock`` concatenates the input and every layer's new features.
"""
from __future__ import annotations

from collections import OrderedDict

import numpy as np

from .._checks import check_float_array, check_grad, check_ndim
from ..functional.dropout import check_probability, dropout_backward, dropout_forward
from ..modules.activation import ReLU
from ..modules.batchnorm import BatchNorm2d
from ..modules.conv import Conv2d
from ..modules.module import Module
from ..modules.pooling import AvgPool2d
from .checked import CheckedSequential


class DenseLayer(Module):
    """x (N, num_input_features, H, W) -> new features (N, growth_rate, H, W).

    norm1 -> relu1 -> conv1 (1x1, bn_size * growth_rate) -> norm2 -> relu2 -> conv2 (3x3),
    then dropout with ``drop_rate`` in training (keep-mask drawn from ``rng``, or given as
    ``forward(x, mask=...)``, shape (N, growth_rate, H, W), True = keep). ``memory_efficient``
    (torch's checkpointing) is accepted and changes nothing here.
    """

    def __init__(self, num_input_features: int, growth_rate: int, bn_size: int,
                 drop_rate: float = 0.0, memory_efficient: bool = False, *,
                 dtype: object = np.float32, rng: np.random.Generator | None = None) -> None:
        super().__init__()
        inter = bn_size * growth_rate
        self.norm1 = BatchNorm2d(num_input_features, dtype=dtype)
        self.relu1 = ReLU(inplace=True)
        self.conv1 = Conv2d(num_input_features, inter, kernel_size=1, stride=1, bias=False,
                            dtype=dtype)
        self.norm2 = BatchNorm2d(inter, dtype=dtype)
        self.relu2 = ReLU(inplace=True)
        self.conv2 = Conv2d(inter, growth_rate, kernel_size=3, stride=1, padding=1, bias=False,
                            dtype=dtype)
        self.drop_rate = check_probability("DenseLayer", drop_rate)
        self.memory_efficient = memory_efficient
        self.rng = np.random.default_rng() if rng is None else rng

    def _chain(self) -> list[Module]:
        return [self.norm1, self.relu1, self.conv1, self.norm2, self.relu2, self.conv2]

    def forward(self, x: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
        check_float_array("DenseLayer", x)
        check_ndim("DenseLayer", x, (4,), "(N, C, H, W): the concatenated earlier features")
        for m in self._chain():
            x = m(x)
        y, noise = dropout_forward(x, self.drop_rate, self.training, rng=self.rng, mask=mask)
        self._push_cache((noise, y.shape, y.dtype))
        return y

    def backward(self, grad_output: np.ndarray | None = None) -> np.ndarray:
        noise, shape, dtype = self._pop_cache()
        g = dropout_backward(check_grad("DenseLayer", grad_output, shape, dtype), noise)
        for m in reversed(self._chain()):
            g = m.backward(g)
        return g


class DenseBlock(Module):
    """x (N, C, H, W) -> (N, C + num_layers * growth_rate, H, W): x and each layer's new
    features concatenated; layer i (``denselayer{i+1}``) sees all that came before it."""

    def __init__(self, num_layers: int, num_input_features: int, bn_size: int,
                 growth_rate: int, drop_rate: float = 0.0, memory_efficient: bool = False, *,
                 dtype: object = np.float32) -> None:
        super().__init__()
        for i in range(num_layers):
            self.add_module(f"denselayer{i + 1}", DenseLayer(
                num_input_features + i * growth_rate, growth_rate, bn_size, drop_rate,
                memory_efficient, dtype=dtype))

    def forward(self, x: np.ndarray) -> np.ndarray:
        check_float_array("DenseBlock", x)
        check_ndim("DenseBlock", x, (4,), "(N, C, H, W)")
        features = [x]
        for layer in self.children():
            features.append(layer(np.concatenate(features, axis=1)))
        out = np.concatenate(features, axis=1)              # (N, C + L * growth, H, W)
        self._push_cache((x.shape[1], out.shape, out.dtype))
        return out

    def backward(self, grad_output: np.ndarray | None = None) -> np.ndarray:
        """dy (N, C + L * growth, H, W) -> dx (N, C, H, W). Walking the layers backwards,
        layer i's new features take their slice of the running gradient, and its input
        gradient is added to the channels it read."""
        c0, shape, dtype = self._pop_cache()
        g = check_grad("DenseBlock", grad_output, shape, dtype).copy()
        layers = list(self.children())
        for i in reversed(range(len(layers))):
            start = c0 + sum(l.conv2.out_channels for l in layers[:i])
            end = start + layers[i].conv2.out_channels
            g[:, :start] += layers[i].backward(g[:, start:end])
        return g[:, :c0].copy()


class Transition(CheckedSequential):
    """x (N, num_input_features, H, W) -> (N, num_output_features, H // 2, W // 2):
    ``norm``, ``relu``, ``conv`` (1x1, no bias), ``pool`` (AvgPool2d 2, stride 2)."""

    def __init__(self, num_input_features: int, num_output_features: int, *,
                 dtype: object = np.float32) -> None:
        super().__init__(OrderedDict([
            ("norm", BatchNorm2d(num_input_features, dtype=dtype)),
            ("relu", ReLU(inplace=True)),
            ("conv", Conv2d(num_input_features, num_output_features, kernel_size=1, stride=1,
                            bias=False, dtype=dtype)),
            ("pool", AvgPool2d(kernel_size=2, stride=2)),
        ]))
