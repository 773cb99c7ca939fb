"""Reusable scratch buffers for the large temporaries inside one op call.

A fresh large array is mapped by the allocator and page-faulted on its first touch, and
freed memory goes back to the OS (here, inside a VM, it is then handed back to the host and
the next touch costs ~2 ms per MB: a fresh 100 MB fill measured 7 ms after a 0.1 s pause,
150-200 ms after 3 s). Keeping the temporaries of the conv paths (Winograd's U, V, M, Z,
dU; im2col's col and dcol) in per-thread buffers took a (512, 512) 3x3 conv at 7x7 from
104 to ~70 ms fwd+bwd inside a ResNet-18 step. Results handed to callers are never scratch.
"""
from __future__ import annotations

import threading

import numpy as np

LIMIT_BYTES = 256 * 2**20       # per thread; a request past it gets a fresh array
_LOCAL = threading.local()


def scratch(tag: str, shape: tuple, dtype) -> np.ndarray:
    """An uninitialised C-contiguous array of ``shape`` and ``dtype`` backed by this thread's
    buffer ``tag``: valid until the next ``scratch(tag, ...)`` in this thread, so a caller
    uses one tag per live temporary and never returns the array."""
    dtype = np.dtype(dtype)
    size = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    pool = _LOCAL.__dict__.setdefault("pool", {})
    buf = pool.get(tag)
    if buf is None or buf.nbytes < size:
        held = sum(b.nbytes for t, b in pool.items() if t != tag)
        if held + size > LIMIT_BYTES:
            return np.empty(shape, dtype)
        buf = pool[tag] = np.empty(max(size, 64), np.uint8)
    return buf[:size].view(dtype).reshape(shape)


def release() -> None:
    """Drop this thread's buffers (they are rebuilt on the next call)."""
    _LOCAL.__dict__.pop("pool", None)
