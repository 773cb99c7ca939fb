"""1-D transposed convolution (NCL input, weight (C_in, C_out/groups, k)) as a 2-D one on
(N, C_in, 1, L), as ``conv1d`` is built on ``conv2d``: the 2-D code gets a (1, k) kernel
with no stride, padding, output padding or dilation along H, and views in and out.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .conv1d import as_single, check_arrays1d
from .conv_transpose import conv_transpose2d_backward, conv_transpose2d_forward

LAYER = "conv_transpose1d"


def conv_transpose1d_forward(x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None = None,
                             stride: int = 1, padding: int = 0, output_padding: int = 0,
                             groups: int = 1, dilation: int = 1, layer: str = LAYER
                             ) -> tuple[np.ndarray, Any]:
    """x (N, C_in, L), weight (C_in, C_out/groups, k), bias (C_out,) or None
    -> y (N, C_out, Lout), cache; Lout = (L-1)*stride - 2*padding + dilation*(k-1) + 1 +
    output_padding."""
    check_arrays1d(layer, x, weight)
    y, cache = conv_transpose2d_forward(
        x[:, :, None], weight[:, :, None], bias, (1, stride), (0, padding), (0, output_padding),
        groups, (1, dilation), layer=layer, spatial=1)              # (N, C_out, 1, Lout)
    return y[:, :, 0], cache


def conv_transpose1d_backward(dy: np.ndarray, cache
                              ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """dy (N, C_out, Lout) -> dx (N, C_in, L), dweight (C_in, C_out/groups, k), dbias or None."""
    dx, dw, db = conv_transpose2d_backward(dy[:, :, None], cache)    # 4-D, H of size 1
    return dx[:, :, 0], dw[:, :, 0], db


def conv_transpose1d(input: np.ndarray, weight: np.ndarray, bias: np.ndarray | None = None,
                     stride=1, padding=0, output_padding=0, groups: int = 1,
                     dilation=1) -> np.ndarray:
    """``torch.nn.functional.conv_transpose1d``: input (N, C_in, L) or (C_in, L)
    -> (N, C_out, Lout) or (C_out, Lout)."""
    args = [as_single(LAYER, name, v) for name, v in (
        ("stride", stride), ("padding", padding), ("output_padding", output_padding))]
    unbatched = isinstance(input, np.ndarray) and input.ndim == 2
    x = input[None] if unbatched else input                           # (1, C_in, L)
    y = conv_transpose1d_forward(x, weight, bias, *args, groups,
                                 as_single(LAYER, "dilation", dilation))[0]
    return y[0] if unbatched else y


__all__ = ["conv_transpose1d", "conv_transpose1d_forward", "conv_transpose1d_backward"]
