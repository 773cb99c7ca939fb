"""One pool of worker threads for large NumPy passes (ufuncs release the GIL)."""
from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from typing import Callable

THREADS = min(8, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
              else os.cpu_count() or 1)
_POOL: list = [None, None]      # executor, (threads, pid): a forked child makes its own


def parallel(fn: Callable[[int, int], None], n: int, threads: int | None = None) -> None:
    """fn(lo, hi) over [0, n) in ``threads`` (default THREADS) contiguous parts, the first
    on the calling thread; exceptions propagate."""
    k = max(1, min(THREADS if threads is None else threads, n))
    if k == 1:
        return fn(0, n)
    if _POOL[1] is None or _POOL[1][0] < k or _POOL[1][1] != os.getpid():
        _POOL[:] = [ThreadPoolExecutor(k - 1, thread_name_prefix="numpy_layers"),
                    (k, os.getpid())]
    cuts = [n * i // k for i in range(k + 1)]
    futures = [_POOL[0].submit(fn, cuts[i], cuts[i + 1]) for i in range(1, k)]
    try:
        fn(cuts[0], cuts[1])
    finally:
        for f in futures:
            f.result()


# Elementwise passes over large arrays: blocks small enough for the core's cache, so that
# several ufuncs over one block read memory once; parts of the array on separate threads.
BLOCK = 128 * 1024              # elements per block (measured on ReLU/ReLU6 fwd+bwd, (8, 64, 112,
#   112) float32, 2 threads: 16K elements 5.5 + 5.0 ms, 64K 2.9 + 2.7, 128K 2.1-2.5 + 2.1-2.7,
#   1M 2.9 + 3.2: below 64K the per-block Python calls cost more than the cache saves)
PARALLEL_MIN = 256 * 1024       # elements from which the work is split over threads


def blockwise(fn: Callable[[int, int], None], n: int) -> None:
    """fn(lo, hi) over consecutive blocks of at most BLOCK elements covering [0, n), the
    blocks split over the worker threads when n >= PARALLEL_MIN."""
    def part(lo: int, hi: int) -> None:
        for s in range(lo, hi, BLOCK):
            fn(s, min(s + BLOCK, hi))
    parallel(part, n, None if n >= PARALLEL_MIN else 1)
