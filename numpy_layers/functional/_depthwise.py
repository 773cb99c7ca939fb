"""The depthwise path of conv2d (groups == C == O): per-tap multiply-adds on blocks of
channel planes that stay in cache, the blocks spread over the worker threads."""
from __future__ import annotations

from typing import Callable

import numpy as np

from ._im2col import _emit, _Geom, _pad, _phases, _unpad, _unphase
from ._threads import parallel

# Padded input planes per block. Measured over MobileNetV2's eight depthwise shapes at batch
# 8 (float32, 2 threads, 2 MiB L2 per core): fwd / fwd+bwd 79 / 205 ms at 512 KiB, 46-60 /
# 127-172 at 1 MiB, 58-84 / 159-202 at 2 MiB; 256 KiB and below lose more (99 / 283 ms).
DEPTHWISE_BLOCK_BYTES = 2**20


def _planes(g: _Geom, x, weight):
    """x as N*C planes, the weight per plane (N*C, taps), planes per cache-sized block."""
    xpl = x.reshape(g.N * g.C, g.H, g.W)                              # planes
    wpl = np.tile(weight.reshape(g.C, -1), (g.N, 1))                  # (N*C, taps)
    return xpl, wpl, max(1, DEPTHWISE_BLOCK_BYTES // (g.Hp * g.Wp * x.itemsize))


def _blocks(block: Callable[[int, int], None], nc: int, pb: int) -> None:
    """block(q0, q1) over [0, nc) in blocks of pb planes, spread over THREADS threads."""
    parallel(lambda p0, p1: [block(q, min(q + pb, p1)) for q in range(p0, p1, pb)], nc)


def depthwise_forward(g: _Geom, x, weight, bias, y) -> None:
    """Fills y (N, C, Ho, Wo): per tap, a multiply-add of the shifted planes."""
    nc, L = g.N * g.C, g.L
    xpl, wpl, pb = _planes(g, x, weight)
    bpl = None if bias is None else np.tile(bias, g.N)                # (N*C,)

    @np.errstate(invalid="ignore", over="ignore")      # per thread: inf -> NaN silently
    def block(q0: int, q1: int) -> None:
        m = q1 - q0
        xph = _phases(_pad(xpl[q0:q1], g), g)                          # (sh, sw, m, Hq*Wq)
        t = np.empty((m, L), x.dtype)
        yg = np.empty((m, g.Ho, g.Wq), x.dtype)                       # output on the grid
        acc = yg.reshape(m, -1)[:, :L]
        for k, (_, _, a, b, off) in enumerate(g.taps):
            np.multiply(xph[a, b, :, off:off + L], wpl[q0:q1, k:k + 1], out=t if k else acc)
            if k:
                acc += t
        _emit(y.reshape(nc, g.Ho, g.Wo)[q0:q1], yg[..., :g.Wo],
              None if bpl is None else bpl[q0:q1])

    _blocks(block, nc, pb)


def depthwise_backward(g: _Geom, x, weight, dy, dx, dwp) -> None:
    """dy (N, C, Ho, Wo) -> fills dx (N, C, H, W) and dwp (N*C, kh*kw), per plane."""
    nc, L = g.N * g.C, g.L
    xpl, wpl, pb = _planes(g, x, weight)

    @np.errstate(invalid="ignore", over="ignore")      # per thread: inf dy -> NaN silently
    def block(q0: int, q1: int) -> None:
        m = q1 - q0
        xph = _phases(_pad(xpl[q0:q1], g), g)                          # (sh, sw, m, Hq*Wq)
        t = np.empty((m, L), x.dtype)
        dyg = np.zeros((m, g.Ho, g.Wq), x.dtype)                      # dy on the grid
        dyg[..., :g.Wo] = dy.reshape(nc, g.Ho, g.Wo)[q0:q1]
        d, dxph = dyg.reshape(m, -1)[:, :L], np.zeros(xph.shape, x.dtype)
        for k, (_, _, a, b, off) in enumerate(g.taps):
            dwp[q0:q1, k] = np.vecdot(d, xph[a, b, :, off:off + L])
            np.multiply(d, wpl[q0:q1, k:k + 1], out=t)
            dxph[a, b, :, off:off + L] += t
        dx.reshape(nc, g.H, g.W)[q0:q1] = _unpad(_unphase(dxph, g), g)

    _blocks(block, nc, pb)
