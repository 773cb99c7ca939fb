"""``Conv1d``: 1-D convolution over NCL input, weight (O, C/groups, k) as torch."""
from __future__ import annotations

import numpy as np

from .._checks import as_dtype, check_float_array, check_ndim
from ..functional.conv import PADDING_MODES, check_channels
from ..functional.conv1d import as_single, conv1d_backward, conv1d_forward, resolve_padding1d
from ._init import uniform_fan_in
from .conv import _ConvNd
from .module import grad_enabled


class Conv1d(_ConvNd):
    """x (N, C, L) or (C, L) -> y (N, O, Lo) or (O, Lo).

    Like torch, ``kernel_size``, ``stride``, ``padding`` and ``dilation`` are kept as
    1-tuples (``padding`` may stay 'same' or 'valid'). ``padding_mode`` other than 'zeros'
    pads with that mode, then convolves unpadded.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1,
                 padding=0, dilation=1, groups: int = 1, bias: bool = True,
                 padding_mode: str = "zeros", device: object = None,
                 dtype: object = np.float32, *, rng: np.random.Generator | None = None) -> None:
        super().__init__()
        check_channels("Conv1d", in_channels, out_channels, groups)
        self.kernel_size = (as_single("Conv1d", "kernel_size", kernel_size),)
        self.stride = (as_single("Conv1d", "stride", stride),)
        self.dilation = (as_single("Conv1d", "dilation", dilation),)
        self.padding = (padding if isinstance(padding, str)
                        else (as_single("Conv1d", "padding", padding),))
        self._padding2()        # torch's constructor also rejects bad strings, strided 'same'
        if padding_mode not in PADDING_MODES:
            raise ValueError(f"Conv1d: padding_mode must be one of {PADDING_MODES}, but got "
                             f"padding_mode={padding_mode!r}")
        self.in_channels, self.out_channels = int(in_channels), int(out_channels)
        self.groups, self.padding_mode = int(groups), padding_mode
        self.dtype = as_dtype("Conv1d", dtype)
        k, cg = self.kernel_size[0], self.in_channels // self.groups
        self.register_parameter("weight", uniform_fan_in(
            rng, (self.out_channels, cg, k), cg * k, self.dtype))
        self.register_parameter("bias", uniform_fan_in(
            rng, (self.out_channels,), cg * k, self.dtype) if bias else None)

    def forward(self, x: np.ndarray) -> np.ndarray:
        check_float_array("Conv1d", x)
        check_ndim("Conv1d", x, (2, 3), "(C, L) unbatched or (N, C, L) batched")
        unbatched = x.ndim == 2
        xb = x[None] if unbatched else x                              # (N, C, L)
        y, cache = conv1d_forward(xb, self.weight, self.bias, self.stride[0], self._padding2(),
                                  self.dilation[0], self.groups, self.padding_mode,
                                  keep=grad_enabled(), layer="Conv1d")
        self._push_cache((cache, y.shape, unbatched))
        return y[0] if unbatched else y

    def backward(self, grad_output: np.ndarray | None = None) -> np.ndarray:
        return self._conv_backward(grad_output, conv1d_backward)

    def _padding2(self) -> tuple[int, int]:
        """(left, right), resolving 'same'/'valid' as torch does."""
        return resolve_padding1d("Conv1d", self.padding[0] if isinstance(self.padding, tuple)
                                 else self.padding, self.kernel_size[0], self.stride[0],
                                 self.dilation[0])[:2]
