"""Shared machinery of the 2-D pooling ops (``pooling.py``): output sizes, tap spans, work
items of ~1 MB spread over a 2-thread pool, per-thread scratch and padded column views."""
from __future__ import annotations

import itertools
import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from ._workspace import scratch

_THREADS = max(1, min(2, os.cpu_count() or 1))
_ITEM_BYTES = 1 << 20          # input bytes per work item
_MIN_PARALLEL = 1 << 21        # below this many input bytes one thread is faster
_POOL: list[ThreadPoolExecutor] = []


def pool_output_size(n: int, k: int, s: int, p: int, d: int, ceil_mode: bool) -> int:
    """torch's pooling_output_shape: the last window must start inside input or left pad."""
    out = (n + 2 * p - d * (k - 1) - 1 + (s - 1 if ceil_mode else 0)) // s + 1
    if ceil_mode and (out - 1) * s >= n + p:
        out -= 1
    return out


def _spans(k: int, s: int, p: int, d: int, lo: int, hi: int, r0: int, r1: int) -> list:
    """Per tap t: the outputs o in [r0, r1) with o*s - p + t*d in [lo, hi), as
    (out slice relative to r0, input slice relative to lo); None if there are none."""
    res = []
    for t in range(k):
        off = t * d - p
        a, b = max(r0, -((off - lo) // s)), min(r1, (hi - 1 - off) // s + 1)
        st = a * s + off - lo
        res.append((slice(a - r0, b - r0), slice(st, st + (b - a - 1) * s + 1, s)) if b > a else None)
    return res


def _taps(a: np.ndarray, axis: int, k: int, s: int, d: int, n: int) -> list:
    """The k strided tap views of a padded ``a`` along ``axis``, n outputs each."""
    return [a[(slice(None),) * axis + (slice(t * d, t * d + (n - 1) * s + 1, s),)] for t in range(k)]


def _items(planes: int, rows: int, plane_bytes: int) -> list[tuple[int, int, int, int]]:
    """Work items (p0, p1, r0, r1): groups of whole planes, or row bands of big planes."""
    if plane_bytes >= _ITEM_BYTES and rows > 1:
        step = max(1, rows * _ITEM_BYTES // plane_bytes)
        return [(p, p + 1, r, min(r + step, rows)) for p in range(planes) for r in range(0, rows, step)]
    step = max(1, _ITEM_BYTES // max(plane_bytes, 1))
    if planes * plane_bytes >= _MIN_PARALLEL:     # at least 2 items per thread
        step = min(step, max(1, planes // (2 * _THREADS)))
    return [(p, min(p + step, planes), 0, rows) for p in range(0, planes, step)]


def _run(fn, items, nbytes: int) -> None:
    """Run ``fn(*item)`` for every item on the caller and the pool's threads, each taking
    the next item in turn (a thread slowed by other processes takes fewer)."""
    nt, nxt = max(1, min(_THREADS if nbytes >= _MIN_PARALLEL else 1, len(items))), itertools.count()

    def worker() -> None:
        with np.errstate(invalid="ignore", over="ignore"):   # inf - inf, NaN: silent as torch
            for i in iter(nxt.__next__, None):               # next() on a count is atomic
                if i >= len(items):
                    return
                fn(*items[i])

    if nt > 1 and not _POOL:
        _POOL.append(ThreadPoolExecutor(_THREADS - 1, thread_name_prefix="numpy_layers_pool"))
    futs = [_POOL[0].submit(worker) for _ in range(nt - 1)]
    worker()
    for f in futs:
        f.result()


def _scratch(name: str, shape: tuple[int, ...], dtype) -> np.ndarray:
    """A per-thread reusable buffer (fresh large arrays page-fault on every item)."""
    return scratch(("pool", name, dtype), shape, dtype)


def _padded_cols(X: np.ndarray, p: int, n: int, value) -> np.ndarray:
    """X (P, R, W) -> (P, R, n): columns -p.. of X, ``value`` outside (X itself if no pad)."""
    if p == 0 and n <= X.shape[2]:
        return X
    B, wc = _scratch("X", X.shape[:2] + (n,), X.dtype), max(0, min(X.shape[2], n - p))
    B[:, :, :p] = value
    B[:, :, p + wc:] = value
    B[:, :, p:p + wc] = X[:, :, :wc]
    return B
