"""Reusable scratch buffers for the large temporaries inside one op call.

A fresh large array is mapped by the allocator and page-faulted on its first touch, and
freed memory goes back to the OS (inside a VM, to the host, which makes the next touch
dearer still). The temporaries of the conv paths (Winograd's U, V, M, Z, dU; im2col's col
and dcol) therefore live in per-thread buffers (measurements: README, speed section).
Results handed to callers are never scratch.
"""
from __future__ import annotations

import math
import threading
from collections import OrderedDict
from typing import Hashable

import numpy as np

LIMIT_BYTES = 256 * 2**20       # per thread; a request past it gets a fresh array
_LOCAL = threading.local()


def scratch(tag: Hashable, shape: tuple, dtype) -> np.ndarray:
    """An uninitialised C-contiguous array of ``shape`` and ``dtype`` backed by this thread's
    buffer ``tag``: valid until the next ``scratch(tag, ...)`` in this thread, so a caller
    uses one tag per live temporary and never returns the array.

    Buffers past LIMIT_BYTES in all are dropped least recently used first (an array already
    handed out keeps its memory until its user lets go); a single request past it gets a
    fresh array."""
    pool = _LOCAL.__dict__.get("pool")
    if pool is None:
        pool = _LOCAL.pool = OrderedDict()
    entry = pool.get(tag)                          # (buffer, shape, dtype, last view)
    if entry is not None and entry[1] == shape and (entry[2] is dtype or entry[2] == dtype):
        pool.move_to_end(tag)                      # the common case: same request again
        return entry[3]
    asked, dtype = dtype, np.dtype(dtype)
    size = math.prod(shape) * dtype.itemsize
    buf = None if entry is None else entry[0]
    if buf is None or buf.nbytes < size:
        if size > LIMIT_BYTES:
            return np.empty(shape, dtype)
        pool.pop(tag, None)
        held = sum(e[0].nbytes for e in pool.values())
        while pool and held + size > LIMIT_BYTES:
            held -= pool.popitem(last=False)[1][0].nbytes
        buf = np.empty(max(size, 64), np.uint8)
    view = buf[:size].view(dtype).reshape(shape)
    pool[tag] = (buf, tuple(shape), asked, view)
    pool.move_to_end(tag)
    return view


def release() -> None:
    """Drop this thread's buffers (they are rebuilt on the next call)."""
    _LOCAL.__dict__.pop("pool", None)
