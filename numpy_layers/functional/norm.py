"""Batch normalisation over every axis but the channel axis 1: x (N, C, *) -> y (N, C, *).

Training (or no running statistics) normalises with the batch mean and the *biased* batch
variance; the running statistics take the *unbiased* one, ``momentum`` weighting the new
batch: ``new = (1 - momentum) * old + momentum * batch`` (torch's rule).

How (float32 choices measured against torch 2.13 CPU, 2 threads, see the report):
- x is viewed as R = N*C rows of L = prod(spatial) values, cut into runs of <= 1024 values.
  A run is summed by ``np.vecdot`` (with ones, or with itself for squares) in the input
  dtype, and run results are combined in float64. Errors of y, dx, dweight, dbias and the
  running stats stay within ~0.5-1.6x torch's on (8, 64, 56, 56), (8, 64, 112, 112) and
  (1, 3, 640, 640). One einsum per whole 409600-long row was ~12x worse than torch;
  np.sum (pairwise) was ~2.5x slower; matmul with ones stalled in OpenBLAS threads.
- Variance: two-pass inside each run (run mean c, then sum((x - c)**2)), runs merged about
  the channel mean exactly in float64 (Chan et al.), so x is read once for mean and var.
- Work goes block by block (<= 2**17 contiguous values) so the ufuncs chained on a block
  hit the cache; x - mean is rebuilt per block in a small scratch, so a step allocates only
  y and dx, as torch does (a fresh activation-sized array costs ~1.5 ms in page faults).
  y = x * a + (b - mean * a), coefficients in float64 rounded once, as torch computes it.
- Inputs of >= 2**21 values share their blocks with a small thread pool (dynamic: a thread
  slowed down, e.g. by torch's OpenMP workers still spinning, just takes fewer blocks).
  fwd+bwd (8, 64, 112, 112): ~7.5 ms alone, ~9.5-10.5 ms alternating with torch (torch
  ~7-11 ms); on one thread ~10 ms. Smaller inputs stay on the calling thread.
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

_BLOCK = 1 << 17     # values per elementwise block
_RUN = 1 << 10       # values per sum in the input dtype
_THREADS = min(4, os.cpu_count() or 1)
_PARALLEL_MIN = 1 << 21     # smaller inputs stay on the calling thread (the pool did not pay)
_POOL: ThreadPoolExecutor | None = None


if hasattr(os, "register_at_fork"):            # a forked child has no pool threads
    os.register_at_fork(after_in_child=lambda: globals().update(_POOL=None))


@dataclass
class BatchNormCache:
    """What ``batch_norm_backward`` needs, plus the batch statistics for the running update.

    ``x`` (N*C, L) are the input rows (a reference, not a copy); ``center`` (C,) float64 is
    the mean subtracted (batch or running); ``inv_std`` (C,) float64 is 1/sqrt(var + eps).
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
def _plan(rows: int, length: int
          ) -> tuple[tuple[tuple[slice, slice, slice], ...], int, int, int]:
    """Blocks of an (R, L) array as (row slice, column slice, run slice), the run width
    (a divisor of L <= _RUN; 0 if none >= _RUN/8: whole rows are then summed pairwise),
    the number of runs per row and the largest block's size."""
    if length <= _RUN:
        width = length
    else:
        width = next((d for d in range(_RUN, _RUN // 8 - 1, -1) if length % d == 0), 0)
    k = length // width if width else 1
    if rows * length == 0:
        return (), width, k, 0
    if width and length > _BLOCK:                    # each row in aligned pieces
        per = max(1, _BLOCK // width)
        blocks = [(slice(r, r + 1), slice(k0 * width, (k0 + per) * width), slice(k0, k0 + per))
                  for r in range(rows) for k0 in range(0, k, per)]
        cap = per * width
    else:                                            # whole rows
        step = max(1, _BLOCK // length)
        blocks = [(slice(r0, r0 + step), slice(None), slice(None))
                  for r0 in range(0, rows, step)]
        cap = min(step, rows) * length
    return tuple(blocks), width, k, cap


_ones = functools.lru_cache(maxsize=64)(np.ones)


def _run_sums(a: np.ndarray, b: np.ndarray | None, width: int, scratch: np.ndarray
              ) -> np.ndarray:
    """a, b (rows, cols) contiguous -> (rows, cols/width) sums of a (or of a*b) per run."""
    rows = a.shape[0]
    if not width:                                    # pairwise over whole rows
        if b is not None:
            a = np.multiply(a, b, out=scratch)
        return np.add.reduce(a, axis=1).reshape(rows, 1)
    a1 = a.reshape(-1, width)                                      # (rows*cols/width, width)
    if b is None:
        return np.vecdot(a1, _ones(width, a.dtype)).reshape(rows, -1)
    return np.vecdot(a1, b.reshape(-1, width)).reshape(rows, -1)


# torch turns inf/NaN inputs into inf/NaN outputs silently; so do we (errstate is
# thread-local, so pool threads set it themselves).
_quiet = np.errstate(divide="ignore", invalid="ignore", over="ignore")


def _in_parallel(fn: Callable[[Iterator], None], blocks: Sequence, size: int) -> None:
    """Run ``fn(blocks_iterator)`` on the calling thread and on pool threads sharing one
    iterator, so each takes the next block when free (a thread slowed down, e.g. by torch's
    OpenMP workers still spinning, just takes fewer blocks). Blocks are disjoint: no locks."""
    global _POOL
    t = min(_THREADS, len(blocks)) if size >= _PARALLEL_MIN else 1
    shared = iter(blocks)
    if t < 2:
        fn(shared)
        return
    if _POOL is None:
        _POOL = ThreadPoolExecutor(_THREADS - 1, thread_name_prefix="numpy_layers-norm")
    futures = [_POOL.submit(_quiet(fn), shared) for _ in range(t - 1)]
    fn(shared)
    for f in futures:
        if not f.cancel():                           # started: at most one block left
            f.result()


def _run_moments(a: np.ndarray, width: int, buf: np.ndarray, scratch: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """a (rows, cols) contiguous -> per run (rows, runs): c, the run's mean rounded to a's
    dtype, s = sum(a) and q = sum((a - c)**2) (a two-pass variance inside the run)."""
    rows = a.shape[0]
    a1 = a.reshape(-1, width) if width else a                      # (runs, run values)
    s = _run_sums(a, None, width, scratch)                         # (rows, runs)
    c = (s.reshape(-1, 1) / a1.shape[1]).astype(a.dtype)           # (rows*runs, 1)
    d = np.subtract(a1, c, out=buf[:a.size].reshape(a1.shape)).reshape(a.shape)
    return c.reshape(rows, -1), s, _run_sums(d, d, width, scratch)


def _channel_total(part: np.ndarray, n: int, c: int) -> np.ndarray:
    """Run sums (N*C, k) -> (C,) float64 totals."""
    return part.sum(axis=1, dtype=np.float64).reshape(n, c).sum(axis=0)


def _rows(v: np.ndarray, n: int, dtype: np.dtype) -> np.ndarray:
    """(C,) per-channel values -> (N*C, 1) per-row values in ``dtype`` (row n*C + c gets v[c])."""
    return np.tile(np.asarray(v, dtype=np.float64).astype(dtype), n).reshape(-1, 1)


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
    n, r, dt = n_ * length, n_ * c, x.dtype
    x2 = np.ascontiguousarray(x).reshape(r, length)               # (N*C, L)
    blocks, width, k, cap = _plan(r, length)
    y2 = np.empty_like(x2)                                         # (N*C, L)
    batch = bool(training) or running_mean is None or running_var is None
    mean_b = var_u = None
    if batch:
        check_batch_size("batch_norm", x.shape)
        run_c, run_s, run_q = (np.zeros((r, k)) for _ in range(3))    # (N*C, k) each

        def moments(group: Iterator) -> None:                     # one read of x
            buf = np.empty(cap, dt)                                # block scratch
            for rs, cs, ks in group:
                run_c[rs, ks], run_s[rs, ks], run_q[rs, ks] = _run_moments(
                    x2[rs, cs], width, buf, y2[rs, cs])

        _in_parallel(moments, blocks, x2.size)
        # Combine the runs in float64: with s' = sum(x - c) = s - nr * c per run, about the
        # channel mean m: sum((x - m)^2) = sum(q + 2 * (c - m) * s' + nr * (c - m)^2).
        nr = width or length                                       # values per run
        center = _channel_total(run_s, n_, c) / max(n, 1)          # (C,) float64
        run_s -= nr * run_c                                        # s' (N*C, k)
        dev = run_c - np.tile(center, n_).reshape(-1, 1)           # (N*C, k) c - m
        var_sum = _channel_total(run_q + 2.0 * dev * run_s + nr * dev * dev, n_, c)
        var = var_sum / max(n, 1)                                  # biased: normalisation
        if n:
            mean_b, var_u = center, var_sum / (n - 1)              # unbiased: running update
    else:
        center = np.asarray(running_mean, dtype=np.float64)
        var = np.asarray(running_var, dtype=np.float64)
    inv_std = 1.0 / np.sqrt(var + eps)                             # (C,) float64
    scale = inv_std if weight is None else inv_std * np.asarray(weight, dtype=np.float64)
    shift = -center * scale if bias is None else np.asarray(bias, np.float64) - center * scale
    a_row, c_row = _rows(scale, n_, dt), _rows(shift, n_, dt)      # (N*C, 1) each

    def normalise(group: Iterator) -> None:   # y = x * a + (b - mean * a), as torch rounds it
        for rs, cs, _ in group:
            yb = np.multiply(x2[rs, cs], a_row[rs], out=y2[rs, cs])
            yb += c_row[rs]

    _in_parallel(normalise, blocks, x2.size)
    cache = BatchNormCache(x2, center, inv_std, weight, bias is not None, batch,
                           tuple(x.shape), n, mean_b, var_u)
    return y2.reshape(x.shape), cache


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
    shape, dt, n, x2 = cache.shape, dy.dtype, cache.n, cache.x
    n_, c = shape[:2]
    r, length = x2.shape
    dy2 = np.ascontiguousarray(dy).reshape(r, length)             # (N*C, L)
    dx2 = np.empty_like(dy2)                                       # (N*C, L)
    blocks, width, k, cap = _plan(r, length)
    w = None if cache.weight is None else np.asarray(cache.weight, dtype=np.float64)
    scale = cache.inv_std if w is None else cache.inv_std * w       # (C,) float64
    want_sum = cache.batch_stats or cache.has_bias
    want_dot = cache.batch_stats or w is not None
    m_row = _rows(cache.center, n_, dt)                            # (N*C, 1)
    p_sum = np.zeros((r, k))                                       # (N*C, k) run sums
    p_dot = np.zeros((r, k))

    def sums(group: Iterator) -> None:
        buf = np.empty(cap, dt)                                    # block scratch
        for rs, cs, ks in group:
            g = dy2[rs, cs]
            if want_sum:
                p_sum[rs, ks] = _run_sums(g, None, width, dx2[rs, cs])
            if want_dot:                                           # sum(dy * (x - mean))
                xc = np.subtract(x2[rs, cs], m_row[rs], out=buf[:g.size].reshape(g.shape))
                p_dot[rs, ks] = _run_sums(g, xc, width, dx2[rs, cs])

    _in_parallel(sums, blocks, x2.size)
    sum_dy, dot = _channel_total(p_sum, n_, c), _channel_total(p_dot, n_, c)   # (C,) each
    a_row = _rows(scale, n_, dt)
    if cache.batch_stats and n:
        k_row = _rows(dot * cache.inv_std ** 2 / n, n_, dt)
        gm_row = _rows(sum_dy / n, n_, dt)

        def grads(group: Iterator) -> None:  # dx = (dy - mean(dy) - xc * k) * w * inv_std
            for rs, cs, _ in group:
                d = np.subtract(x2[rs, cs], m_row[rs], out=dx2[rs, cs])
                d *= k_row[rs]
                d += gm_row[rs]
                np.subtract(dy2[rs, cs], d, out=d)
                d *= a_row[rs]

        _in_parallel(grads, blocks, x2.size)
    else:
        np.multiply(dy2, a_row, out=dx2)
    dweight = None if w is None else (dot * cache.inv_std).astype(cache.weight.dtype)
    dbias = sum_dy.astype(dt) if cache.has_bias else None
    return dx2.reshape(shape), dweight, dbias


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
    y, cache = batch_norm_forward(input, weight, bias, running_mean, running_var, training, eps)
    if training and cache.mean is not None and running_mean is not None \
            and running_var is not None:                     # an empty batch updates nothing
        running_mean[...], running_var[...] = batch_norm_update_stats(
            running_mean, running_var, cache.mean, cache.var_unbiased, momentum)
    return y


__all__ = ["BatchNormCache", "batch_norm", "batch_norm_forward", "batch_norm_backward",
           "batch_norm_update_stats", "check_batch_size"]
