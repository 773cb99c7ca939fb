"""``ConvTranspose2d``: 2-D transposed convolution, weight (C_in, C_out/groups, kh, kw) as torch."""
from __future__ import annotations

import numpy as np

from .._checks import as_dtype, as_pair, check_float_array, check_ndim
from ..functional.conv import check_channels
from ..functional.conv_transpose import (conv_transpose2d_backward, conv_transpose2d_forward,
                                         output_padding_for)
from ._init import uniform_fan_in
from .conv import _ConvNd


class _ConvTransposeNd(_ConvNd):
    """What ConvTranspose1d and ConvTranspose2d share: torch's constructor checks, options
    kept as tuples (``as_tuple(layer, name, value)``), the weight (C_in, C_out/groups, *k)."""

    def _setup(self, in_channels, out_channels, kernel_size, stride, padding, output_padding,
               groups, bias, dilation, padding_mode, dtype, rng, as_tuple) -> None:
        name = type(self).__name__
        if padding_mode != "zeros":
            raise ValueError(f'Only "zeros" padding mode is supported for {name}, got '
                             f'padding_mode={padding_mode!r}')
        check_channels(name, in_channels, out_channels, groups)
        self.kernel_size = as_tuple(name, "kernel_size", kernel_size, min_value=0)
        for arg, v in (("stride", stride), ("padding", padding),
                       ("output_padding", output_padding), ("dilation", dilation)):
            object.__setattr__(self, arg, as_tuple(name, arg, v))
        self.in_channels, self.out_channels = int(in_channels), int(out_channels)
        self.groups, self.padding_mode = int(groups), padding_mode
        self.dtype = as_dtype(name, dtype)
        og = self.out_channels // self.groups
        fan_in = og * int(np.prod(self.kernel_size))   # torch's fan_in: dim 1 times the kernel
        self.register_parameter("weight", uniform_fan_in(
            rng, (self.in_channels, og, *self.kernel_size), fan_in, self.dtype))
        self.register_parameter("bias", uniform_fan_in(
            rng, (self.out_channels,), fan_in, self.dtype) if bias else None)


class ConvTranspose2d(_ConvTransposeNd):
    """x (N, C_in, H, W) or (C_in, H, W) -> y (N, C_out, Hout, Wout) or (C_out, Hout, Wout),
    Hout = (H - 1)*stride - 2*padding + dilation*(kernel_size - 1) + output_padding + 1.

    ``forward(x, output_size)`` picks the output_padding giving that size (2 sizes, or with
    the leading dims), as torch does. Only padding_mode='zeros' exists, as in torch.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1,
                 padding=0, output_padding=0, groups: int = 1, bias: bool = True,
                 dilation=1, padding_mode: str = "zeros", device: object = None,
                 dtype: object = np.float32, *, rng: np.random.Generator | None = None) -> None:
        super().__init__()
        self._setup(in_channels, out_channels, kernel_size, stride, padding, output_padding,
                    groups, bias, dilation, padding_mode, dtype, rng, as_pair)

    def forward(self, x: np.ndarray, output_size=None) -> np.ndarray:
        check_float_array("ConvTranspose2d", x)
        check_ndim("ConvTranspose2d", x, (3, 4), "(C, H, W) unbatched or (N, C, H, W) batched")
        op = output_padding_for("ConvTranspose2d", x.shape, output_size, self.stride,
                                self.padding, self.kernel_size, self.dilation, self.output_padding)
        unbatched = x.ndim == 3
        y, cache = conv_transpose2d_forward(
            x[None] if unbatched else x, self.weight, self.bias, self.stride, self.padding, op,
            self.groups, self.dilation, layer="ConvTranspose2d")      # (N, C_out, Hout, Wout)
        self._push_cache((cache, y.shape, unbatched))
        return y[0] if unbatched else y

    def backward(self, grad_output: np.ndarray | None = None) -> np.ndarray:
        return self._conv_backward(grad_output, conv_transpose2d_backward)
