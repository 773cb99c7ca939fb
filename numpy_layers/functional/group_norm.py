"""Group normalisation: x (N, C, *) -> y (N, C, *), statistics per (sample, group of
C/num_groups channels), biased variance (two-pass, float64 accumulation, result in x's
dtype); weight/bias (C,) applied per channel after normalising."""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .._checks import check_float_array
from .layer_norm import RowNormCache, row_norm_backward, row_norm_forward

_quiet = np.errstate(divide="ignore", invalid="ignore", over="ignore")


@dataclass
class GroupNormCache:
    norm: RowNormCache          # rows (N * G, C/G * L)
    weight: np.ndarray | None
    has_bias: bool
    shape: tuple[int, ...]
    num_groups: int
    dtype: np.dtype


def check_group_norm_input(layer: str, x: np.ndarray, num_groups: int,
                           num_channels: int | None = None) -> None:
    if x.ndim < 2:
        raise ValueError(f"{layer}: expected input of shape (N, C, *) (at least 2-D), got "
                         f"{x.ndim}-D input of shape {tuple(x.shape)}")
    c = x.shape[1]
    if num_channels is not None and c != num_channels:
        raise ValueError(f"{layer}: expected input with {num_channels} channels (dim 1), got "
                         f"input of shape {tuple(x.shape)}")
    if num_groups <= 0 or c % num_groups:
        raise ValueError(f"{layer}: expected number of channels {c} to be divisible by "
                         f"num_groups={num_groups}")


@_quiet
def group_norm_forward(x: np.ndarray, num_groups: int, weight: np.ndarray | None,
                       bias: np.ndarray | None, eps: float) -> tuple[np.ndarray, GroupNormCache]:
    """x (N, C, *), weight/bias (C,) or None -> y (N, C, *), cache. Pure."""
    check_group_norm_input("group_norm", x, num_groups)
    n, c = x.shape[:2]
    for name, v in (("weight", weight), ("bias", bias)):
        if v is not None and tuple(np.shape(v)) != (c,):
            raise ValueError(f"group_norm: {name} should have shape ({c},) (one value per "
                             f"channel), got {tuple(np.shape(v))}")
    length = math.prod(x.shape[2:])
    xhat, ncache = row_norm_forward(x.reshape(n * num_groups, (c // num_groups) * length), eps)
    y = xhat.reshape(n, c, length)
    if weight is not None:
        y = y * np.asarray(weight, np.float64).reshape(1, c, 1)
    if bias is not None:
        y = y + np.asarray(bias, np.float64).reshape(1, c, 1)
    cache = GroupNormCache(ncache, weight, bias is not None, tuple(x.shape), num_groups, x.dtype)
    return y.reshape(x.shape).astype(x.dtype), cache


@_quiet
def group_norm_backward(dy: np.ndarray, cache: GroupNormCache
                        ) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
    """dy (N, C, *) -> dx (N, C, *), dweight (C,) or None, dbias (C,) or None."""
    n, c = cache.shape[:2]
    length = math.prod(cache.shape[2:])
    g = dy.astype(np.float64).reshape(n, c, length)
    xhat = cache.norm.xhat.reshape(n, c, length)
    dweight = dbias = None
    if cache.has_bias:
        dbias = g.sum(axis=(0, 2)).astype(cache.dtype)
    if cache.weight is not None:
        dweight = np.sum(g * xhat, axis=(0, 2)).astype(cache.weight.dtype)
        g = g * np.asarray(cache.weight, np.float64).reshape(1, c, 1)
    dx = row_norm_backward(g.reshape(cache.norm.xhat.shape), cache.norm)
    return dx.reshape(cache.shape).astype(cache.dtype), dweight, dbias


def group_norm(input: np.ndarray, num_groups: int, weight: np.ndarray | None = None,
               bias: np.ndarray | None = None, eps: float = 1e-5) -> np.ndarray:
    """``torch.nn.functional.group_norm``: input (N, C, *) -> (N, C, *), forward only."""
    check_float_array("group_norm", input)
    return group_norm_forward(input, num_groups, weight, bias, eps)[0]


__all__ = ["GroupNormCache", "group_norm", "group_norm_forward", "group_norm_backward",
           "check_group_norm_input"]
