"""2-D max unpooling, the partial inverse of ``max_pool2d`` with ``return_indices=True``:
each input value is written at its flat index h*W + w of a zeroed (Ho, Wo) output plane
(a repeated index keeps the last value written; torch leaves that order unspecified, and
repeats from a real max pool carry one value anyway).
``max_unpool2d_forward`` returns ``(y, cache)``, ``max_unpool2d_backward(dy, cache)`` dx
(a gather: every input reads the gradient at its index); ``max_unpool2d`` mirrors
torch.nn.functional.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from .._checks import as_pair, check_float_array


def unpool_output_size(layer: str, input_hw: Sequence[int], kernel_size, stride, padding,
                       output_size=None) -> tuple[int, int]:
    """torch's _unpool_output_size: default (H-1)*stride - 2*padding + kernel per axis, or
    ``output_size`` ((H, W) or (N, C, H, W)) strictly within stride of that default."""
    k, p = as_pair(layer, "kernel_size", kernel_size), as_pair(layer, "padding", padding)
    s = k if stride is None else as_pair(layer, "stride", stride)
    default = [(n - 1) * s[d] + k[d] - 2 * p[d] for d, n in enumerate(input_hw)]
    if output_size is None:
        out = default
    else:
        out = [int(v) for v in output_size]
        if len(out) == 4:
            out = out[2:]
        if len(out) != 2:
            raise ValueError(f"{layer}: output_size should be a sequence containing 2 or 4 "
                             f"elements, but it has a length of {len(out)}")
        for d in range(2):
            lo, hi = default[d] - s[d], default[d] + s[d]
            if not lo < out[d] < hi:
                raise ValueError(f"{layer}: invalid output_size {tuple(output_size)} (dim {d} "
                                 f"must be between {lo} and {hi}, exclusive)")
    if min(out) < 0:
        raise ValueError(f"{layer}: output_size must contain non-negative spatial dimensions, "
                         f"got {tuple(out)}")
    return out[0], out[1]


def check_unpool_inputs(layer: str, x: object, indices: object) -> None:
    """Float input (C, H, W) / (N, C, H, W) and integer indices of the same shape."""
    check_float_array(layer, x)
    if x.ndim not in (3, 4):
        raise ValueError(f"{layer}: expected 3-D (C, H, W) or 4-D (N, C, H, W) input, got "
                         f"shape {tuple(x.shape)}")
    if not isinstance(indices, np.ndarray) or indices.dtype.kind not in "iu":
        got = indices.dtype if isinstance(indices, np.ndarray) else type(indices).__name__
        raise TypeError(f"{layer}: expected indices to be an integer numpy.ndarray (int64, as "
                        f"max_pool2d returns), got {got}")
    if indices.shape != x.shape:
        raise ValueError(f"{layer}: expected indices of the input's shape {tuple(x.shape)}, got "
                         f"{tuple(indices.shape)}")


def max_unpool2d_forward(x: np.ndarray, indices: np.ndarray, output_hw: tuple[int, int],
                         layer: str = "max_unpool2d") -> tuple[np.ndarray, tuple]:
    """x, indices (N, C, H, W) -> y (N, C, Ho, Wo) with y.flat_plane[indices] = x, cache."""
    N, C, H, W = x.shape
    Ho, Wo = output_hw
    idx = indices.reshape(N * C, H * W)                                 # (P, H*W)
    if idx.size and (idx.min() < 0 or idx.max() >= Ho * Wo):
        bad = idx[(idx < 0) | (idx >= Ho * Wo)][0]
        raise ValueError(f"{layer}: found an invalid max index {bad} (output planes are of "
                         f"size {Ho}x{Wo}, indices must be in [0, {Ho * Wo}))")
    y = np.zeros((N * C, Ho * Wo), x.dtype)                             # (P, Ho*Wo)
    np.put_along_axis(y, idx, x.reshape(N * C, H * W), axis=1)          # repeats: last wins
    return y.reshape(N, C, Ho, Wo), (idx, x.shape)


def max_unpool2d_backward(dy: np.ndarray, cache) -> np.ndarray:
    """dy (N, C, Ho, Wo) -> dx (N, C, H, W) = dy.flat_plane[indices]."""
    idx, shape = cache
    dy2 = dy.reshape(idx.shape[0], -1)                                  # (P, Ho*Wo)
    return np.take_along_axis(dy2, idx, axis=1).reshape(shape)


def max_unpool2d(input: np.ndarray, indices: np.ndarray, kernel_size, stride=None, padding=0,
                 output_size=None) -> np.ndarray:
    """``torch.nn.functional.max_unpool2d``: (N, C, H, W) or (C, H, W) -> (.., Ho, Wo)."""
    check_unpool_inputs("max_unpool2d", input, indices)
    hw = unpool_output_size("max_unpool2d", input.shape[-2:], kernel_size, stride, padding,
                            output_size)
    x4, i4 = (input, indices) if input.ndim == 4 else (input[None], indices[None])
    y, _ = max_unpool2d_forward(x4, i4, hw)
    return y if input.ndim == 4 else y[0]
