"""Instance normalisation: x (N, C, *) -> y (N, C, *), statistics per (sample, channel).

As torch's ATen kernel does, the input is viewed as a batch-norm input (1, N * C, L) with
weight, bias and running statistics repeated N times, so the batch-norm maths (and its
float32 accuracy) is reused unchanged. Running statistics (when given and the input's own
statistics are used) move by ``momentum`` towards the per-instance mean and *unbiased*
variance, averaged over the batch: ``new = mean_n((1 - m) * old + m * stat[n])``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .._checks import check_float_array
from .norm import BatchNormCache, batch_norm_backward, batch_norm_forward


@dataclass
class InstanceNormCache:
    """``norm`` is the batch-norm cache of the (1, N * C, L) view; ``shape`` x's shape."""
    norm: BatchNormCache
    shape: tuple[int, ...]
    weight: np.ndarray | None


def check_spatial_size(layer: str, shape: tuple[int, ...]) -> None:
    """torch's ``_verify_spatial_size``: input statistics need > 1 value per instance."""
    if math.prod(shape[2:]) == 1:
        raise ValueError(f"{layer}: Expected more than 1 spatial element when training, "
                         f"got input size {tuple(shape)}")


def _tile(v: np.ndarray | None, n: int) -> np.ndarray | None:
    """(C,) -> (N * C,): one copy per sample, as torch's ``repeat``."""
    return None if v is None else np.tile(np.asarray(v), n)


def instance_norm_forward(x: np.ndarray, weight: np.ndarray | None, bias: np.ndarray | None,
                          running_mean: np.ndarray | None, running_var: np.ndarray | None,
                          use_input_stats: bool, eps: float
                          ) -> tuple[np.ndarray, InstanceNormCache]:
    """x (N, C, *) with >= 1 spatial axis, weight/bias/running stats (C,) or None ->
    y (N, C, *), cache. Input statistics are used when ``use_input_stats`` is true or a
    running statistic is None. Pure: nothing passed in is modified."""
    check_float_array("instance_norm", x)
    if x.ndim < 3:
        raise ValueError(f"instance_norm: expected input of shape (N, C, *) with at least one "
                         f"spatial axis, got {x.ndim}-D input of shape {tuple(x.shape)}")
    n, c = x.shape[:2]
    for name, v in (("weight", weight), ("bias", bias), ("running_mean", running_mean),
                    ("running_var", running_var)):
        if v is not None and np.shape(v) != (c,):
            raise ValueError(f"instance_norm: {name} should have shape ({c},) (one value per "
                             f"channel of the input), got {np.shape(v)}")
    use_input = bool(use_input_stats) or running_mean is None or running_var is None
    if use_input:
        check_spatial_size("instance_norm", x.shape)
    x3 = x.reshape(1, n * c, math.prod(x.shape[2:]))                    # (1, N*C, L)
    y3, bcache = batch_norm_forward(x3, _tile(weight, n), _tile(bias, n),       # (1, N*C, L)
                                    _tile(running_mean, n), _tile(running_var, n),
                                    use_input, eps)
    return y3.reshape(x.shape), InstanceNormCache(bcache, tuple(x.shape), weight)


def instance_norm_update_stats(running_mean: np.ndarray, running_var: np.ndarray,
                               cache: InstanceNormCache, momentum: float
                               ) -> tuple[np.ndarray, np.ndarray] | None:
    """New (running_mean, running_var) (C,) after the forward that made ``cache``, or None
    when that forward did not use input statistics or the batch was empty (torch raises
    there)."""
    b = cache.norm
    n, c = cache.shape[:2]
    if b.mean is None or b.var_unbiased is None or n == 0:
        return None
    def moved(old: np.ndarray, stat: np.ndarray) -> np.ndarray:
        # torch, in the buffer's dtype: per instance m * stat + (1 - m) * old, then the
        # batch mean of the (N, C) view
        t = old.dtype.type
        per = t(momentum) * stat.reshape(n, c).astype(old.dtype) + t(1 - momentum) * old
        return per.mean(axis=0, dtype=old.dtype)                                 # (C,)
    return moved(running_mean, b.mean), moved(running_var, b.var_unbiased)


def instance_norm_backward(dy: np.ndarray, cache: InstanceNormCache
                           ) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
    """dy (N, C, *) -> dx (N, C, *), dweight (C,) or None, dbias (C,) or None."""
    n, c = cache.shape[:2]
    dx3, dw, db = batch_norm_backward(dy.reshape(cache.norm.x.shape),   # (1, N*C, L)
                                      cache.norm)
    # per-instance (N * C,) -> (C,): the repeated weight's gradient sums over the batch
    dweight = None if dw is None else dw.reshape(n, c).sum(axis=0)             # (C,)
    dbias = None if db is None else db.reshape(n, c).sum(axis=0)
    return dx3.reshape(cache.shape), dweight, dbias                            # (N, C, *)


def instance_norm(input: np.ndarray, running_mean: np.ndarray | None = None,
                  running_var: np.ndarray | None = None, weight: np.ndarray | None = None,
                  bias: np.ndarray | None = None, use_input_stats: bool = True,
                  momentum: float = 0.1, eps: float = 1e-5) -> np.ndarray:
    """``torch.nn.functional.instance_norm``: input (N, C, *) -> (N, C, *), forward only.

    Like torch, with ``use_input_stats`` the given running statistics are updated in place.
    """
    y, cache = instance_norm_forward(input, weight, bias, running_mean, running_var,
                                     use_input_stats, eps)
    if use_input_stats and running_mean is not None and running_var is not None:
        new = instance_norm_update_stats(running_mean, running_var, cache, momentum)
        if new is not None:
            running_mean[...], running_var[...] = new
    return y


__all__ = ["InstanceNormCache", "instance_norm", "instance_norm_forward",
           "instance_norm_backward", "instance_norm_update_stats", "check_spatial_size"]
