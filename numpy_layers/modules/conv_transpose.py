"""``ConvTranspose2d``: 2-D transposed convolution, weight (C_in, C_out/groups, kh, kw) as torch."""
from __future__ import annotations

import numpy as np

from .._checks import as_dtype, as_pair, check_float_array, check_ndim, check_same_dtype
from ..functional.conv import _check_channels
from ..functional.conv_transpose import (conv_transpose2d_backward, conv_transpose2d_forward,
                                         output_padding_for)
from ._init import uniform_fan_in
from .conv import _ConvNd


class ConvTranspose2d(_ConvNd):
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
        if padding_mode != "zeros":
            raise ValueError(f'Only "zeros" padding mode is supported for ConvTranspose2d, got '
                             f'padding_mode={padding_mode!r}')
        _check_channels("ConvTranspose2d", in_channels, out_channels, groups)
        self.kernel_size = as_pair("ConvTranspose2d", "kernel_size", kernel_size, min_value=0)
        self.stride = as_pair("ConvTranspose2d", "stride", stride)
        self.padding = as_pair("ConvTranspose2d", "padding", padding)
        self.output_padding = as_pair("ConvTranspose2d", "output_padding", output_padding)
        self.dilation = as_pair("ConvTranspose2d", "dilation", dilation)
        self.in_channels, self.out_channels = int(in_channels), int(out_channels)
        self.groups, self.padding_mode = int(groups), padding_mode
        self.dtype = as_dtype("ConvTranspose2d", dtype)
        (kh, kw), og = self.kernel_size, self.out_channels // self.groups
        fan_in = og * kh * kw            # torch's fan_in of a (C_in, C_out/g, kh, kw) weight
        self.register_parameter("weight", uniform_fan_in(
            rng, (self.in_channels, og, kh, kw), fan_in, self.dtype))
        self.register_parameter("bias", uniform_fan_in(
            rng, (self.out_channels,), fan_in, self.dtype) if bias else None)

    def forward(self, x: np.ndarray, output_size=None) -> np.ndarray:
        check_float_array("ConvTranspose2d", x)
        check_ndim("ConvTranspose2d", x, (3, 4), "(C, H, W) unbatched or (N, C, H, W) batched")
        check_same_dtype("ConvTranspose2d", x, self.weight.dtype)
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
