"""``Conv2d``: 2-D convolution over NCHW input, weight (O, C/groups, kh, kw) as torch."""
from __future__ import annotations

import numpy as np

from .._checks import as_dtype, as_pair, check_float_array, check_grad, check_ndim
from ..functional.conv import (PADDING_MODES, check_channels, conv2d_backward, conv2d_forward,
                               resolve_padding)
from ._init import uniform_fan_in
from .module import Module, grad_enabled


class _ConvNd(Module):
    """What Conv1d, Conv2d and ConvTranspose2d share: the backward of a batched or
    unbatched forward (whose cache is ``(cache, y.shape, unbatched)``) and torch's repr."""

    def _conv_backward(self, grad_output: np.ndarray | None, backward) -> np.ndarray:
        """grad_output like y -> dx like x; weight/bias gradients accumulate."""
        cache, shape, unbatched = self._pop_cache()
        dy = check_grad(type(self).__name__, grad_output, shape[1:] if unbatched else shape,
                        self.weight.dtype)
        dx, dw, db = backward(dy[None] if unbatched else dy, cache)
        self._accumulate("weight", dw)
        self._accumulate("bias", db)
        return dx[0] if unbatched else dx

    def extra_repr(self) -> str:
        """torch's ``_ConvNd.extra_repr``: options shown when not at their default."""
        s = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
             f"stride={self.stride}")
        for name, default in (("padding", 0), ("dilation", 1), ("output_padding", 0)):
            v = getattr(self, name, None)
            if v is not None and v != (default,) * len(v):
                s += f", {name}={v}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s


class Conv2d(_ConvNd):
    """x (N, C, H, W) or (C, H, W) -> y (N, O, Ho, Wo) or (O, Ho, Wo).

    ``padding_mode`` other than 'zeros' pads with that mode, then convolves unpadded,
    as torch does. Range errors (stride, dilation <= 0, negative padding) are raised by
    ``forward``, as in torch, whose constructor accepts them.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1,
                 padding=0, dilation=1, groups: int = 1, bias: bool = True,
                 padding_mode: str = "zeros", device: object = None,
                 dtype: object = np.float32, *, rng: np.random.Generator | None = None) -> None:
        super().__init__()
        check_channels("Conv2d", in_channels, out_channels, groups)
        self.kernel_size = as_pair("Conv2d", "kernel_size", kernel_size, min_value=0)
        self.stride = as_pair("Conv2d", "stride", stride)
        self.dilation = as_pair("Conv2d", "dilation", dilation)
        if isinstance(padding, str):
            self.padding = padding
        else:
            self.padding = as_pair("Conv2d", "padding", padding)
        self._padding4()        # torch's constructor also rejects bad strings, strided 'same'
        if padding_mode not in PADDING_MODES:
            raise ValueError(f"Conv2d: padding_mode must be one of {PADDING_MODES}, but got "
                             f"padding_mode={padding_mode!r}")
        self.in_channels, self.out_channels = int(in_channels), int(out_channels)
        self.groups, self.padding_mode = int(groups), padding_mode
        self.dtype = as_dtype("Conv2d", dtype)
        kh, kw = self.kernel_size
        fan_in = self.in_channels // self.groups * kh * kw
        self.register_parameter("weight", uniform_fan_in(
            rng, (self.out_channels, self.in_channels // self.groups, kh, kw), fan_in, self.dtype))
        self.register_parameter("bias", uniform_fan_in(
            rng, (self.out_channels,), fan_in, self.dtype) if bias else None)

    def forward(self, x: np.ndarray) -> np.ndarray:
        check_float_array("Conv2d", x)
        check_ndim("Conv2d", x, (3, 4), "(C, H, W) unbatched or (N, C, H, W) batched")
        unbatched = x.ndim == 3
        xb = x[None] if unbatched else x                              # (N, C, H, W)
        y, cache = conv2d_forward(xb, self.weight, self.bias, self.stride, self._padding4(),
                                  self.dilation, self.groups, self.padding_mode,
                                  keep=grad_enabled(), layer="Conv2d")
        self._push_cache((cache, y.shape, unbatched))
        return y[0] if unbatched else y

    def backward(self, grad_output: np.ndarray | None = None) -> np.ndarray:
        return self._conv_backward(grad_output, conv2d_backward)

    def _padding4(self) -> tuple[int, int, int, int]:
        """(left, right, top, bottom), resolving 'same'/'valid' as torch does."""
        return resolve_padding("Conv2d", self.padding, self.kernel_size, self.stride,
                                self.dilation)
