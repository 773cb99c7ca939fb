"""ConvNeXt's pieces, as torchvision writes them: ``Permute`` (torchvision.ops.misc),
``LayerNorm2d`` (a LayerNorm over the channels of NCHW input, through channels-last) and
``CNBlock`` (depthwise 7x7 -> channels-last LayerNorm -> Linear 4x -> GELU -> Linear ->
layer scale -> stochastic depth, plus the input). Names as torchvision's (``block.0.weight``,
``block.2.weight``, ``layer_scale``)."""
from __future__ import annotations

from functools import partial
from typing import Callable, Sequence

import numpy as np

from .._checks import as_dtype, check_float_array, check_grad, check_ndim
from ..modules.activation import GELU
from ..modules.container import Sequential
from ..modules.conv import Conv2d
from ..modules.layer_norm import LayerNorm
from ..modules.linear import Linear
from ..modules.module import Module
from ..modules.stochastic_depth import StochasticDepth


class Permute(Module):
    """x -> x.transpose(dims) (a view, as torch.permute); torchvision.ops.misc.Permute."""

    def __init__(self, dims: Sequence[int]) -> None:
        super().__init__()
        self.dims = list(dims)

    def forward(self, x: np.ndarray) -> np.ndarray:
        check_float_array("Permute", x)
        if sorted(d % max(x.ndim, 1) for d in self.dims) != list(range(x.ndim)):
            raise ValueError(f"Permute: dims {self.dims} do not permute a {x.ndim}-D input")
        y = np.transpose(x, self.dims)
        self._push_cache((y.shape, y.dtype))
        return y

    def backward(self, grad_output: np.ndarray | None = None) -> np.ndarray:
        shape, dtype = self._pop_cache()
        dy = check_grad("Permute", grad_output, shape, dtype)
        return np.transpose(dy, np.argsort([d % len(shape) for d in self.dims]))


class LayerNorm2d(LayerNorm):
    """x (N, C, H, W) -> LayerNorm over C at every position (torchvision's LayerNorm2d:
    permute to (N, H, W, C), layer_norm, permute back); ``normalized_shape`` is C."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        check_float_array("LayerNorm2d", x)
        check_ndim("LayerNorm2d", x, (4,), "(N, C, H, W)")
        return super().forward(x.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2)

    def backward(self, grad_output: np.ndarray | None = None) -> np.ndarray:
        g = None if grad_output is None else np.asarray(grad_output).transpose(0, 2, 3, 1)
        return super().backward(g).transpose(0, 3, 1, 2)                # (N, C, H, W)


class CNBlock(Module):
    """x (N, dim, H, W) -> x + stochastic_depth(layer_scale * block(x)), same shape.

    ``block``: Conv2d(dim, dim, 7, padding=3, groups=dim), Permute to channels-last,
    ``norm_layer(dim)`` (LayerNorm, eps 1e-6), Linear(dim, 4 dim), GELU, Linear(4 dim,
    dim), Permute back. ``layer_scale`` is a (dim, 1, 1) parameter filled with the given
    value; ``stochastic_depth`` is StochasticDepth(stochastic_depth_prob, 'row').
    """

    def __init__(self, dim: int, layer_scale: float, stochastic_depth_prob: float,
                 norm_layer: Callable[..., Module] | None = None, *, dtype: object = np.float32,
                 rng: np.random.Generator | None = None) -> None:
        super().__init__()
        dt = as_dtype("CNBlock", dtype)
        if norm_layer is None:
            norm_layer = partial(LayerNorm, eps=1e-6)
        self.block = Sequential(
            Conv2d(dim, dim, kernel_size=7, padding=3, groups=dim, bias=True, dtype=dt, rng=rng),
            Permute([0, 2, 3, 1]), norm_layer(dim, dtype=dt),
            Linear(dim, 4 * dim, bias=True, dtype=dt, rng=rng), GELU(),
            Linear(4 * dim, dim, bias=True, dtype=dt, rng=rng), Permute([0, 3, 1, 2]))
        self.register_parameter("layer_scale", np.full((dim, 1, 1), layer_scale, dt))
        self.stochastic_depth = StochasticDepth(stochastic_depth_prob, "row", rng=rng)

    def forward(self, x: np.ndarray) -> np.ndarray:
        check_float_array("CNBlock", x)
        check_ndim("CNBlock", x, (4,), "(N, C, H, W)")
        b = self.block(x)                                                # (N, dim, H, W)
        result = self.stochastic_depth(self.layer_scale * b)             # a new array
        result += x
        self._push_cache((b, result.shape, result.dtype))
        return result

    def backward(self, grad_output: np.ndarray | None = None) -> np.ndarray:
        """dy (N, dim, H, W) -> dx; layer_scale's gradient sums dy * block(x) per channel."""
        b, shape, dtype = self._pop_cache()
        dy = check_grad("CNBlock", grad_output, shape, dtype)
        g = self.stochastic_depth.backward(dy)                           # d(layer_scale * b)
        self._accumulate("layer_scale", (g * b).sum(axis=(0, 2, 3)).reshape(-1, 1, 1))
        return self.block.backward(g * self.layer_scale) + dy


__all__ = ["Permute", "LayerNorm2d", "CNBlock"]
