"""Batch normalisation over every axis but the channel axis 1: x (N, C, *) -> y (N, C, *).

Training (or no running statistics) normalises with the batch mean and the *biased* batch
variance; the running statistics take the *unbiased* one, ``momentum`` weighting the new
batch: ``new = (1 - momentum) * old + momentum * batch`` (torch's rule).

How (the measurements behind each choice: README, speed section):
- x is viewed as (N, C, L), L = prod(spatial), and processed one channel group at a time
  (all N, <= 2**17 values), as torch's kernel does: the statistics pass and the pass that
  uses them (y, or dx) run back to back on a block still in cache, so x is read from
  memory once per forward and x, dy once per backward. xc = x - mean lives in a block
  scratch only; a step allocates just y and dx, like torch.
- Sums go over runs of <= 1024 values (``np.vecdot`` with ones, or with itself for the
  squares) in the input dtype; run sums are added in float64. The variance is two-pass
  (mean first, then squared deviations about the float32-rounded mean, corrected exactly).
  Errors of y, dx, dweight, dbias and the running stats stay within ~0.5-1.6x torch's own
  on (8, 64, 56, 56), (8, 64, 112, 112) and (1, 3, 640, 640) (one sum per long row was
  far less accurate, np.sum slower). y = x * a + (b - mean * a), coefficients rounded once,
  as torch.
- Inputs of >= 2**23 values share their groups with a small thread pool (dynamic: a thread
  slowed down just takes fewer groups); below that the pool did not pay.
"""
from __future__ import annotations

import functools
import math
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Callable, Iterator, Sequence

import numpy as np

from .._checks import check_float_array

_BLOCK = 1 << 17     # values per block (one or more whole channels)
_RUN = 1 << 10       # values per sum in the input dtype
_THREADS = min(4, os.cpu_count() or 1)
_PARALLEL_MIN = 1 << 23     # smaller inputs stay on the calling thread (the pool did not pay)
_POOL: ThreadPoolExecutor | None = None

if hasattr(os, "register_at_fork"):            # a forked child has no pool threads
    os.register_at_fork(after_in_child=lambda: globals().update(_POOL=None))

# torch turns inf/NaN inputs into inf/NaN outputs silently; so do we (errstate is
# thread-local, so pool threads set it themselves).
_quiet = np.errstate(divide="ignore", invalid="ignore", over="ignore")
_ones = functools.lru_cache(maxsize=64)(np.ones)


@dataclass
class BatchNormCache:
    """What ``batch_norm_backward`` needs, plus the batch statistics for the running update.

    ``x`` (N, C, L) is the input (a reference, not a copy); ``center`` (C,) float64 is the
    mean subtracted (batch or running); ``inv_std`` (C,) float64 is 1/sqrt(var + eps).
    ``mean`` and ``var_unbiased`` (C,) float64 are the batch statistics, set only when they
    were used and ``n > 0`` (an empty batch leaves torch's running statistics alone).
    """
    x: np.ndarray
    center: np.ndarray
    inv_std: np.ndarray
    weight: np.ndarray | None
    has_bias: bool
    batch_stats: bool
    shape: tuple[int, ...]
    n: int                                  # values per channel: N * prod(spatial)
    mean: np.ndarray | None = None
    var_unbiased: np.ndarray | None = None


@functools.lru_cache(maxsize=256)
def _plan(n_: int, c: int, length: int) -> tuple[tuple[slice, ...], int, int]:
    """Channel groups of an (N, C, L) array (<= _BLOCK values each, at least one channel),
    the run width (a divisor of L <= _RUN; 0 if none >= _RUN/8: rows are then summed
    pairwise whole) and the largest group's size."""
    if length <= _RUN:
        width = length
    else:
        width = next((d for d in range(_RUN, _RUN // 8 - 1, -1) if length % d == 0), 0)
    per = n_ * length                                # values per channel
    if per * c == 0:
        return (), width, 0
    g = max(1, _BLOCK // per)
    return tuple(slice(c0, c0 + g) for c0 in range(0, c, g)), width, min(g, c) * per


def _sums(a: np.ndarray, b: np.ndarray | None, width: int, scratch: np.ndarray) -> np.ndarray:
    """a, b (N, g, L) -> (g,) float64: per-channel sum of a (or a*b), by runs of ``width``."""
    if not width:                                    # pairwise over whole rows
        if b is not None:
            a = np.multiply(a, b, out=scratch)
        return np.add.reduce(a, axis=2).sum(axis=0, dtype=np.float64)
    runs = a.reshape(*a.shape[:2], -1, width)                      # (N, g, L/width, width)
    other = _ones(width, a.dtype) if b is None else b.reshape(runs.shape)
    return np.vecdot(runs, other).sum(axis=(0, 2), dtype=np.float64)


def _col(v: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """(g,) per-channel values -> (g, 1) in ``dtype``, to broadcast over (N, g, L)."""
    return v.astype(dtype).reshape(-1, 1)


def _in_parallel(fn: Callable[[Iterator], None], groups: Sequence, size: int) -> None:
    """Run ``fn(groups_iterator)`` on the calling thread and on pool threads sharing one
    iterator, each taking the next group when free. Groups are disjoint: no locks."""
    global _POOL
    t = min(_THREADS, len(groups)) if size >= _PARALLEL_MIN else 1
    shared = iter(groups)
    if t < 2:
        fn(shared)
        return
    if _POOL is None:
        _POOL = ThreadPoolExecutor(_THREADS - 1, thread_name_prefix="numpy_layers-norm")
    futures = [_POOL.submit(_quiet(fn), shared) for _ in range(t - 1)]
    fn(shared)
    for f in futures:
        if not f.cancel():                           # started: at most one group left
            f.result()


def check_batch_size(layer: str, shape: tuple[int, ...]) -> None:
    """torch's ``_verify_batch_size``: batch statistics need more than one value per channel."""
    if len(shape) >= 2 and shape[0] * math.prod(shape[2:]) == 1:
        raise ValueError(f"{layer}: Expected more than 1 value per channel when training, "
                         f"got input size {tuple(shape)}")


@_quiet
def batch_norm_forward(x: np.ndarray, weight: np.ndarray | None, bias: np.ndarray | None,
                       running_mean: np.ndarray | None, running_var: np.ndarray | None,
                       training: bool, eps: float) -> tuple[np.ndarray, BatchNormCache]:
    """x (N, C, *), weight/bias/running stats (C,) or None -> y (N, C, *), cache.

    Batch statistics are used when ``training`` is true or a running statistic is None,
    else the running ones. Pure: nothing passed in is modified.
    """
    if x.ndim < 2:
        raise ValueError(f"batch_norm: expected input of shape (N, C, *), got {x.ndim}-D "
                         f"input of shape {tuple(x.shape)}")
    n_, c = x.shape[:2]
    for name, v in (("weight", weight), ("bias", bias), ("running_mean", running_mean),
                    ("running_var", running_var)):
        if v is not None and np.shape(v) != (c,):
            raise ValueError(f"batch_norm: {name} should have shape ({c},) (one value per "
                             f"channel of the input), got {np.shape(v)}")
    length = math.prod(x.shape[2:])
    n, dt = n_ * length, x.dtype
    x3 = np.ascontiguousarray(x).reshape(n_, c, length)           # (N, C, L)
    y3 = np.empty_like(x3)                                         # (N, C, L)
    groups, width, cap = _plan(n_, c, length)
    w = np.ones(c) if weight is None else np.asarray(weight, dtype=np.float64)   # (C,)
    b = np.zeros(c) if bias is None else np.asarray(bias, dtype=np.float64)
    batch = bool(training) or running_mean is None or running_var is None
    if batch:
        check_batch_size("batch_norm", x.shape)
        center, var = np.zeros(c), np.zeros(c)                    # (C,) float64

        def normalise(it: Iterator) -> None:    # statistics, then y, per channel group
            buf = np.empty(cap, dt)                                # block scratch
            for cs in it:
                xb, yb = x3[:, cs], y3[:, cs]                      # (N, g, L) views
                mean = _sums(xb, None, width, yb) / n              # (g,) float64
                m = mean.astype(dt)
                d = np.subtract(xb, m.reshape(-1, 1), out=buf[:xb.size].reshape(xb.shape))
                # two-pass about the rounded mean m: var = mean(d^2) - r^2, r = mean - m.
                # Where |mean| >> std (an offset of many stds) the x sums' rounding is large
                # against std: r is then measured as mean(d) (one more pass, exact for d).
                q, r = _sums(d, d, width, yb) / n, mean - m
                far = m.astype(np.float64) ** 2 > 16 * q
                if far.any():
                    r = np.where(far, _sums(d, None, width, yb) / n, r)
                v = np.maximum(q - r ** 2, 0.0)
                center[cs], var[cs] = m + r, v
                scale = w[cs] / np.sqrt(v + eps)
                # y = (x - m) * a + (b - r * a): no mean * a term to cancel against x * a
                yb = np.multiply(d, _col(scale, dt), out=yb)
                yb += _col(b[cs] - r * scale, dt)

        _in_parallel(normalise, groups, x3.size)
    else:
        center = np.asarray(running_mean, dtype=np.float64)
        var = np.asarray(running_var, dtype=np.float64)
        scale = w / np.sqrt(var + eps)
        a_col, c_col = _col(scale, dt), _col(b - center * scale, dt)   # (C, 1) each

        def normalise(it: Iterator) -> None:
            for cs in it:
                yb = np.multiply(x3[:, cs], a_col[cs], out=y3[:, cs])
                yb += c_col[cs]

        _in_parallel(normalise, groups, x3.size)
    inv_std = 1.0 / np.sqrt(var + eps)                             # (C,) float64
    stats = (center, var * n / (n - 1)) if batch and n else (None, None)
    cache = BatchNormCache(x3, center, inv_std, weight, bias is not None, batch,
                           tuple(x.shape), n, *stats)
    return y3.reshape(x.shape), cache


def batch_norm_update_stats(running_mean: np.ndarray, running_var: np.ndarray,
                            batch_mean: np.ndarray, batch_var_unbiased: np.ndarray,
                            momentum_factor: float) -> tuple[np.ndarray, np.ndarray]:
    """(C,) each -> new (running_mean, running_var) = (1 - f) * old + f * batch, f weighting
    the new batch as in torch; computed in float64, returned in the running stats' dtypes."""
    f = float(momentum_factor)
    new_mean = (1.0 - f) * np.asarray(running_mean, np.float64) + f * batch_mean
    new_var = (1.0 - f) * np.asarray(running_var, np.float64) + f * batch_var_unbiased
    return (new_mean.astype(np.asarray(running_mean).dtype),
            new_var.astype(np.asarray(running_var).dtype))


@_quiet
def batch_norm_backward(dy: np.ndarray, cache: BatchNormCache
                        ) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
    """dy (N, C, *) -> dx (N, C, *), dweight (C,) or None, dbias (C,) or None.

    With batch statistics the gradient flows through the mean and variance:
    ``dx = w * inv_std * (dy - mean(dy) - xc * inv_std**2 * mean(dy * xc))``, xc = x - mean;
    with running statistics ``dx = dy * w * inv_std``.
    """
    x3, n, dt, inv_std = cache.x, cache.n, dy.dtype, cache.inv_std
    n_, c, length = x3.shape
    dy3 = np.ascontiguousarray(dy).reshape(n_, c, length)         # (N, C, L)
    dx3 = np.empty_like(dy3)                                       # (N, C, L)
    groups, width, cap = _plan(n_, c, length)
    w = np.ones(c) if cache.weight is None else np.asarray(cache.weight, dtype=np.float64)
    scale = inv_std * w                                            # (C,) float64
    m_col, a_col = _col(cache.center, dt), _col(scale, dt)        # (C, 1) each
    sum_dy, dot = np.zeros(c), np.zeros(c)                         # (C,) float64
    train = cache.batch_stats and n > 0

    def grads(it: Iterator) -> None:        # sums, then dx, per channel group
        buf = np.empty(cap, dt)                                    # block scratch
        for cs in it:
            xb, gb, db = x3[:, cs], dy3[:, cs], dx3[:, cs]         # (N, g, L) views
            xc = np.subtract(xb, m_col[cs], out=buf[:xb.size].reshape(xb.shape))
            sum_dy[cs] = s = _sums(gb, None, width, db)
            dot[cs] = p = _sums(gb, xc, width, db)                 # sum(dy * xc)
            if train:                       # dx = (dy - mean(dy) - xc * k) * w * inv_std
                d = np.multiply(xc, _col(p * inv_std[cs] ** 2 / n, dt), out=db)
                d += _col(s / n, dt)
                np.subtract(gb, d, out=d)
                d *= a_col[cs]
            else:
                np.multiply(gb, a_col[cs], out=db)

    _in_parallel(grads, groups, x3.size)
    dweight = None if cache.weight is None else (dot * inv_std).astype(cache.weight.dtype)
    dbias = sum_dy.astype(dt) if cache.has_bias else None
    return dx3.reshape(cache.shape), dweight, dbias


def batch_norm(input: np.ndarray, running_mean: np.ndarray | None,
               running_var: np.ndarray | None, weight: np.ndarray | None = None,
               bias: np.ndarray | None = None, training: bool = False,
               momentum: float = 0.1, eps: float = 1e-5) -> np.ndarray:
    """``torch.nn.functional.batch_norm``: input (N, C, *) -> (N, C, *), forward only.

    Like torch, when ``training`` is true the given ``running_mean``/``running_var`` arrays
    are updated in place (with the unbiased batch variance, ``momentum`` weighting the batch).
    """
    check_float_array("batch_norm", input)
    if training:
        check_batch_size("batch_norm", input.shape)
        if eps <= 0.0:
            raise ValueError(f"batch_norm eps must be positive during training, but got {eps}")
    elif eps < 0.0:
        raise ValueError(f"batch_norm eps must be non-negative, but got {eps}")
    else:                                  # torch: no batch statistics outside training
        for name, v in (("running_mean", running_mean), ("running_var", running_var)):
            if v is None:
                raise ValueError(f"batch_norm: {name} must be defined in evaluation mode "
                                 f"(training=False), got None")
    y, cache = batch_norm_forward(input, weight, bias, running_mean, running_var, training, eps)
    if training and cache.mean is not None and running_mean is not None \
            and running_var is not None:                     # an empty batch updates nothing
        running_mean[...], running_var[...] = batch_norm_update_stats(
            running_mean, running_var, cache.mean, cache.var_unbiased, momentum)
    return y


__all__ = ["BatchNormCache", "batch_norm", "batch_norm_forward", "batch_norm_backward",
           "batch_norm_update_stats", "check_batch_size"]
