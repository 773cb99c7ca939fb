"""``ConvTranspose1d``: 1-D transposed convolution, weight (C_in, C_out/groups, k) as torch."""
from __future__ import annotations

import numpy as np

from .._checks import check_float_array, check_ndim
from ..functional.conv1d import as_single
from ..functional.conv_transpose import output_padding_for
from ..functional.conv_transpose1d import conv_transpose1d_backward, conv_transpose1d_forward
from .conv_transpose import _ConvTransposeNd


def _as_single_tuple(layer: str, name: str, value: object, min_value: int = 0) -> tuple[int]:
    """torch's ``_single``: an int or a 1-sequence -> a 1-tuple."""
    return (as_single(layer, name, value),)


class ConvTranspose1d(_ConvTransposeNd):
    """x (N, C_in, L) or (C_in, L) -> y (N, C_out, Lout) or (C_out, Lout),
    Lout = (L - 1)*stride - 2*padding + dilation*(kernel_size - 1) + output_padding + 1.

    As torch, ``kernel_size``, ``stride``, ``padding``, ``output_padding`` and ``dilation``
    are kept as 1-tuples; ``forward(x, output_size)`` picks the output_padding giving that
    size (1 size, or with the leading dims). Only padding_mode='zeros' exists, as in torch.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1,
                 padding=0, output_padding=0, groups: int = 1, bias: bool = True,
                 dilation=1, padding_mode: str = "zeros", device: object = None,
                 dtype: object = np.float32, *, rng: np.random.Generator | None = None) -> None:
        super().__init__()
        self._setup(in_channels, out_channels, kernel_size, stride, padding, output_padding,
                    groups, bias, dilation, padding_mode, dtype, rng, _as_single_tuple)

    def forward(self, x: np.ndarray, output_size=None) -> np.ndarray:
        check_float_array("ConvTranspose1d", x)
        check_ndim("ConvTranspose1d", x, (2, 3), "(C, L) unbatched or (N, C, L) batched")
        (op,) = output_padding_for("ConvTranspose1d", x.shape, output_size, self.stride,
                                   self.padding, self.kernel_size, self.dilation,
                                   self.output_padding)
        unbatched = x.ndim == 2
        y, cache = conv_transpose1d_forward(
            x[None] if unbatched else x, self.weight, self.bias, self.stride[0],
            self.padding[0], op, self.groups, self.dilation[0],
            layer="ConvTranspose1d")                                  # (N, C_out, Lout)
        self._push_cache((cache, y.shape, unbatched))
        return y[0] if unbatched else y

    def backward(self, grad_output: np.ndarray | None = None) -> np.ndarray:
        return self._conv_backward(grad_output, conv_transpose1d_backward)
