"""1-D convolution (NCL input, weight (O, C/groups, k)) as a 2-D one on (N, C, 1, L).

Every length-1 axis is free: the 2-D code in ``conv.py`` gets a (1, k) kernel, no padding,
stride or dilation along H, and reshapes (views) in and out.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .conv import conv2d_backward, conv2d_forward, resolve_padding


def as_single(layer: str, name: str, value: object) -> int:
    """An int or a 1-sequence of ints (torch's ``_single``) -> int."""
    items = value if isinstance(value, (tuple, list)) else (value,)
    if len(items) != 1 or not all(isinstance(v, (int, np.integer))
                                  and not isinstance(v, (bool, np.bool_)) for v in items):
        raise TypeError(f"{layer}: expected {name} to be an int or a tuple of 1 int, got {value!r}")
    return int(items[0])


def resolve_padding1d(layer: str, padding, kernel_size: int, stride: int,
                      dilation: int) -> tuple[int, int, int, int]:
    """int, 1-tuple, 'same' or 'valid' -> the 2-D pad (left, right, 0, 0), torch's errors."""
    if not isinstance(padding, str):
        p = as_single(layer, "padding", padding)
        return (p, p, 0, 0)
    return resolve_padding(layer, padding, (1, kernel_size), (1, stride), (1, dilation))


def check_arrays1d(layer: str, x: object, weight: object) -> None:
    """Batched input (N, C, L) and a 3-D weight, both ndarrays (1-D convs, transposed too)."""
    for name, a in (("input", x), ("weight", weight)):
        if not isinstance(a, np.ndarray):
            raise TypeError(f"{layer}: expected {name} to be a float32 or float64 ndarray, got "
                            f"{type(a).__name__}")
    if x.ndim != 3 or weight.ndim != 3:
        raise ValueError(f"{layer}: expected 2-D (unbatched) or 3-D (batched) input and a 3-D "
                         f"weight, got input {tuple(x.shape)} and weight {tuple(weight.shape)}")


def _check1d(layer: str, x: np.ndarray, weight: np.ndarray, pad: tuple, stride: int,
             dilation: int) -> None:
    """The checks torch words in 1-D terms (the others follow in ``conv2d_forward``)."""
    check_arrays1d(layer, x, weight)
    for name, v, low in (("stride", stride, 1), ("dilation", dilation, 1), ("padding", pad, 0)):
        if min(v if name == "padding" else (v,)) < low:
            raise ValueError(f"{layer}: {'negative' if low == 0 else 'non-positive'} {name} is "
                             f"not supported, got {name}={v}")
    lp, ek = x.shape[2] + pad[0] + pad[1], dilation * (weight.shape[2] - 1) + 1
    if weight.shape[2] >= 1 and lp < ek:
        raise ValueError(f"{layer}: calculated padded input size per channel: ({lp}). Kernel "
                         f"size: ({ek}). Kernel size can't be greater than actual input size")


def conv1d_forward(x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None = None,
                   stride: int = 1, padding: tuple[int, int] = (0, 0), dilation: int = 1,
                   groups: int = 1, padding_mode: str = "zeros", keep: bool = True,
                   layer: str = "conv1d") -> tuple[np.ndarray, Any]:
    """x (N, C, L), weight (O, C/groups, k), bias (O,) or None -> y (N, O, Lo), cache.

    ``padding`` is (left, right), filled per ``padding_mode`` as torch does.
    """
    pad = (int(padding[0]), int(padding[1]), 0, 0)
    _check1d(layer, x, weight, pad[:2], stride, dilation)
    x4, w4 = x[:, :, None], weight[:, :, None]                      # (N, C, 1, L), (O, Cg, 1, k)
    args = ((1, stride), pad, (1, dilation), groups, padding_mode)
    y, cache = conv2d_forward(x4, w4, bias, *args, keep=keep, layer=layer,
                              shown=(x.shape, weight.shape))        # (N, O, 1, Lo)
    return y[:, :, 0], cache


def conv1d_backward(dy: np.ndarray, cache) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """dy (N, O, Lo) -> dx (N, C, L), dweight (O, C/groups, k), dbias (O,) or None."""
    dx, dw, db = conv2d_backward(dy[:, :, None], cache)             # 4-D, H of size 1
    return dx[:, :, 0], dw[:, :, 0], db


def conv1d(input: np.ndarray, weight: np.ndarray, bias: np.ndarray | None = None,
           stride=1, padding=0, dilation=1, groups: int = 1) -> np.ndarray:
    """``torch.nn.functional.conv1d``: input (N, C, L) or (C, L) -> (N, O, Lo) or (O, Lo)."""
    stride = as_single("conv1d", "stride", stride)
    dilation = as_single("conv1d", "dilation", dilation)
    if not isinstance(weight, np.ndarray) or weight.ndim != 3:
        raise ValueError(f"conv1d: expected a 3-D weight ndarray, got "
                         f"{getattr(weight, 'shape', type(weight).__name__)}")
    pad = resolve_padding1d("conv1d", padding, weight.shape[2], stride, dilation)
    unbatched = isinstance(input, np.ndarray) and input.ndim == 2
    x = input[None] if unbatched else input                          # (1, C, L)
    y = conv1d_forward(x, weight, bias, stride, pad[:2], dilation, groups, keep=False)[0]
    return y[0] if unbatched else y
