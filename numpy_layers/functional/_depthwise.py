"""The depthwise path of conv2d (groups == C == O): per-tap multiply-adds on blocks of
channel planes that stay in cache, the blocks spread over THREADS threads."""
from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from typing import Callable

import numpy as np

from ._im2col import _emit, _Geom, _pad, _phases, _unpad, _unphase

DEPTHWISE_BLOCK_BYTES = 512 * 2**10
THREADS = min(8, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
              else os.cpu_count() or 1)
_POOL: list = [None, None]      # executor, (threads, pid): a forked child makes its own


def _parallel(fn: Callable[[int, int], None], n: int) -> None:
    """fn(lo, hi) over [0, n) in THREADS contiguous parts (numpy releases the GIL)."""
    k = max(1, min(THREADS, n))
    if k == 1:
        return fn(0, n)
    if _POOL[1] != (k, os.getpid()):
        _POOL[:] = [ThreadPoolExecutor(k - 1), (k, os.getpid())]
    cuts = [n * i // k for i in range(k + 1)]
    futures = [_POOL[0].submit(fn, cuts[i], cuts[i + 1]) for i in range(1, k)]
    fn(cuts[0], cuts[1])
    for f in futures:
        f.result()


def _depthwise(g: _Geom, x, weight, bias=None, y=None, dy=None, dx=None, dwp=None) -> None:
    """Per-tap multiply-add on blocks of the N*C planes. Forward fills y (N, C, Ho, Wo);
    backward (``dy`` given) fills dx (N, C, H, W) and dwp (N*C, kh*kw) per plane."""
    nc, L = g.N * g.C, g.L
    xpl = x.reshape(nc, g.H, g.W)                                     # planes
    wpl = np.tile(weight.reshape(g.C, -1), (g.N, 1))                  # (N*C, taps)
    bpl = None if bias is None else np.tile(bias, g.N)                # (N*C,)
    pb = max(1, DEPTHWISE_BLOCK_BYTES // (g.Hp * g.Wp * x.itemsize))

    @np.errstate(invalid="ignore", over="ignore")      # per thread: inf dy -> NaN silently
    def block(q0: int, q1: int) -> None:
        m = q1 - q0
        xph = _phases(_pad(xpl[q0:q1], g), g)                          # (sh, sw, m, Hq*Wq)
        t = np.empty((m, L), x.dtype)
        if dy is None:
            yg = np.empty((m, g.Ho, g.Wq), x.dtype)                   # output on the grid
            acc = yg.reshape(m, -1)[:, :L]
            for k, (_, _, a, b, off) in enumerate(g.taps):
                np.multiply(xph[a, b, :, off:off + L], wpl[q0:q1, k:k + 1], out=t if k else acc)
                if k:
                    acc += t
            _emit(y.reshape(nc, g.Ho, g.Wo)[q0:q1], yg[..., :g.Wo], None if bpl is None else bpl[q0:q1])
            return
        dyg = np.zeros((m, g.Ho, g.Wq), x.dtype)                      # dy on the grid
        dyg[..., :g.Wo] = dy.reshape(nc, g.Ho, g.Wo)[q0:q1]
        d, dxph = dyg.reshape(m, -1)[:, :L], np.zeros(xph.shape, x.dtype)
        for k, (_, _, a, b, off) in enumerate(g.taps):
            dwp[q0:q1, k] = np.vecdot(d, xph[a, b, :, off:off + L])
            np.multiply(d, wpl[q0:q1, k:k + 1], out=t)
            dxph[a, b, :, off:off + L] += t
        dx.reshape(nc, g.H, g.W)[q0:q1] = _unpad(_unphase(dxph, g), g)

    _parallel(lambda p0, p1: [block(q, min(q + pb, p1)) for q in range(p0, p1, pb)], nc)
