"""Channel shuffle (ShuffleNet): channels viewed as (groups, C/groups) and transposed."""
from __future__ import annotations

import numpy as np

from .._checks import check_float_array


def check_groups(layer: str, groups: object) -> int:
    """Return ``groups`` as an int, raising unless it is a positive integer (torch's rule)."""
    if isinstance(groups, (bool, np.bool_)) or not isinstance(groups, (int, np.integer)):
        raise TypeError(f"{layer}: expected groups to be an int, got {groups!r}")
    if groups <= 0:
        raise ValueError(f"{layer}: number of groups to divide channels in must be positive, "
                         f"got groups={groups}")
    return int(groups)


def _check_input(layer: str, x: np.ndarray, groups: int) -> None:
    check_float_array(layer, x)
    if x.ndim < 3:
        raise ValueError(f"{layer}: expected input with > 2 dims (N, C, *), got "
                         f"{x.ndim}-D input of shape {tuple(x.shape)}")
    if x.shape[1] % groups:
        raise ValueError(f"{layer}: number of channels must be divisible by groups, got "
                         f"{x.shape[1]} channels and {groups} groups")


def _permute(x: np.ndarray, rows: int) -> np.ndarray:
    """(N, C, *) -> channels read as a (rows, C/rows) grid, written column-major."""
    n, c = x.shape[:2]
    v = x.reshape(n, rows, c // rows, int(np.prod(x.shape[2:])))   # (N, rows, C/rows, S)
    return v.transpose(0, 2, 1, 3).reshape(x.shape)          # (N, C, *) contiguous copy


def channel_shuffle_forward(x: np.ndarray, groups: int,
                            layer: str = "channel_shuffle") -> tuple[np.ndarray, int]:
    """x (N, C, *) -> y (N, C, *) with y[:, j*g + i] = x[:, i*(C/g) + j]; cache = groups."""
    groups = check_groups(layer, groups)
    _check_input(layer, x, groups)
    return _permute(x, groups), groups


def channel_shuffle_backward(dy: np.ndarray, cache: int) -> np.ndarray:
    """dy (N, C, *) -> dx (N, C, *): the inverse permutation (a shuffle with C/g groups)."""
    return _permute(dy, dy.shape[1] // cache) if dy.shape[1] else dy.copy()  # C/g groups


def channel_shuffle(input: np.ndarray, groups: int) -> np.ndarray:
    """``torch.nn.functional.channel_shuffle``: input (N, C, *) -> output (N, C, *)."""
    return channel_shuffle_forward(input, groups)[0]


__all__ = ["channel_shuffle", "channel_shuffle_forward", "channel_shuffle_backward",
           "check_groups"]
