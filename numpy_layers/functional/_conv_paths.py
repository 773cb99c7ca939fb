"""The code paths of conv2d behind one interface (``conv.py`` picks one per call):

    forward(x, weight, bias, g, keep) -> (y (N, O, Ho, Wo), state)
    backward(dy, weight, g, state)    -> (dx (N, C, H, W), dweight (G, Og, Cg*kh*kw))

``g`` is the geometry (``_im2col._Geom``); ``keep``: backward will follow (a path may then
keep a transformed input instead of recomputing it). The bias gradient is the caller's.
Large temporaries live in per-thread scratch buffers (``_workspace``), never in results.
"""
from __future__ import annotations

from typing import Any, Callable, NamedTuple

import numpy as np

from . import _im2col as im2col              # the module: WORKSPACE_BYTES read at call time
from . import winograd
from ._depthwise import depthwise_backward, depthwise_forward
from ._im2col import _chunk, _col2im, _Geom, _gemm_emit, _grid, _im2col, _pad, _unpad
from ._workspace import scratch

# Cap on Winograd's V or M buffer of one chunk, raised to U's size when U (16*O*C) is
# bigger: few-column GEMMs re-read U per chunk.
WINOGRAD_CHUNK_BYTES = 4 * 2**20
# A path keeps its transformed input (im2col's col, Winograd's V) for backward only when it
# is at most this many times the input's size, else backward recomputes it: a network's
# peak memory stays near torch's (whose convs keep only x).
KEEP_MAX_FACTOR = 2.5


def _serial(fn: Callable[[int, int], None], n: int) -> None:
    """fn(0, n) on the calling thread: the Winograd transforms' runner (their chunks are
    small and sit between 2-thread GEMMs)."""
    fn(0, n)


# ----------------------------------------------------------------------------- pointwise
def pointwise_forward(x, weight, bias, g: _Geom, keep: bool):
    """1x1 stride 1: y (n, G, Og, P) = W (G, Og, Cg) @ x (n, G, Cg, P), no im2col."""
    G, Og, P = g.G, g.O // g.G, g.Hp * g.Wp
    wg = weight.reshape(G, Og, -1)                                    # (G, Og, Cg)
    y = np.empty((g.N, g.O, g.Ho, g.Wo), x.dtype)
    nb = _chunk(g, x.itemsize, im2col.WORKSPACE_BYTES)
    for n0 in range(0, g.N, nb):
        xc, yc = x[n0:n0 + nb], y[n0:n0 + nb]
        n = len(xc)
        xv = _pad(xc, g).reshape(n, G, -1, P)                         # (n, G, Cg, P)
        np.matmul(wg, xv, out=yc.reshape(n, G, Og, P))                # (n, G, Og, P)
        if bias is not None:
            yc += bias[:, None, None]
    return y, (x, nb)


def pointwise_backward(dy, weight, g: _Geom, state):
    x, nb = state
    G, C, Og, P = g.G, g.C, g.O // g.G, g.Hp * g.Wp
    wg = weight.reshape(G, Og, -1)                                    # (G, Og, Cg)
    wgt = wg.transpose(0, 2, 1)                                       # (G, Cg, Og)
    dx = np.empty((g.N, C, g.H, g.W), dy.dtype)
    dwg = np.zeros(wg.shape, dy.dtype)
    for n0 in range(0, g.N, nb):
        dyc = dy[n0:n0 + nb]
        n = len(dyc)
        xv = _pad(x[n0:n0 + n], g).reshape(n, G, -1, P)                # (n, G, Cg, P)
        dyv = dyc.reshape(n, G, Og, P)                                # (n, G, Og, P)
        dwn = scratch("conv.dw", (n,) + wg.shape, dy.dtype)           # (n, G, Og, Cg)
        dwg += np.matmul(dyv, xv.transpose(0, 1, 3, 2), out=dwn).sum(0)
        if not any(g.pad):                                            # straight into dx
            np.matmul(wgt, dyv, out=dx[n0:n0 + n].reshape(n, G, -1, P))
            continue
        dxp = np.matmul(wgt, dyv, out=scratch("conv.dcol", (n, G, C // G, P), dy.dtype))
        dx[n0:n0 + n] = _unpad(dxp.reshape(n, C, g.Hp, g.Wp), g)
    return dx, dwg


# ----------------------------------------------------------------------------- gemm
def gemm_forward(x, weight, bias, g: _Geom, keep: bool):
    """im2col into one (G, Kg, n*Ho*Wg) col per chunk of n samples, one batched matmul; the
    cols are kept for backward when they fit half the workspace bound and KEEP_MAX_FACTOR."""
    G, Og, isz = g.G, g.O // g.G, x.itemsize
    wg = weight.reshape(G, Og, -1)                                    # (G, Og, Cg*kh*kw)
    y = np.empty((g.N, g.O, g.Ho, g.Wo), x.dtype)
    col_bytes = g.N * g.C * g.kh * g.kw * g.Ho * g.Wg * isz
    bound = im2col.WORKSPACE_BYTES
    keep = keep and col_bytes <= min(bound // 2, KEEP_MAX_FACTOR * x.nbytes)
    nb = _chunk(g, isz, bound - (col_bytes if keep else 0))
    cols = [] if keep else None
    for n0 in range(0, g.N, nb):
        xc, yc = x[n0:n0 + nb], y[n0:n0 + nb]
        col = _im2col(xc, g, None if keep else "conv.col")            # (G, Kg, n*Ho*Wg)
        if keep:
            cols.append(col)
        _gemm_emit(wg, col, yc, bias, g)
    return y, (None if keep else x, cols, nb)


def gemm_backward(dy, weight, g: _Geom, state):
    x, cols, nb = state
    G, Og = g.G, g.O // g.G
    wg = weight.reshape(G, Og, -1)                                    # (G, Og, Kg)
    wgt = wg.transpose(0, 2, 1)                                       # (G, Kg, Og)
    dx = np.empty((g.N, g.C, g.H, g.W), dy.dtype)
    dwg = np.zeros(wg.shape, dy.dtype)
    for k, n0 in enumerate(range(0, g.N, nb)):
        dyc = dy[n0:n0 + nb]
        n = len(dyc)
        col = cols[k] if cols is not None else _im2col(x[n0:n0 + n], g, "conv.col")
        dyt = _grid(dyc, g)                                           # (G, Og, n*Ho*Wg)
        dwg += np.matmul(dyt, col.transpose(0, 2, 1), out=scratch("conv.dw", wg.shape, dy.dtype))
        dcol = np.matmul(wgt, dyt, out=scratch("conv.dcol", col.shape, dy.dtype))
        _col2im(dcol, g, dx[n0:n0 + n])
    return dx, dwg


# ----------------------------------------------------------------------------- depthwise
def dw_forward(x, weight, bias, g: _Geom, keep: bool):
    """groups == C == O: per-tap multiply-adds (``_depthwise.py``)."""
    y = np.empty((g.N, g.O, g.Ho, g.Wo), x.dtype)
    depthwise_forward(g, x, weight, bias, y)
    return y, x


def dw_backward(dy, weight, g: _Geom, x):
    dx = np.empty((g.N, g.C, g.H, g.W), dy.dtype)
    dwp = np.empty((g.N * g.C, g.kh * g.kw), dy.dtype)                # per plane and tap
    depthwise_backward(g, x, weight, np.ascontiguousarray(dy), dx, dwp)
    return dx, dwp.reshape(g.N, g.G, 1, g.kh * g.kw).sum(0)        # no -1: N may be 0


# ----------------------------------------------------------------------------- winograd
def wino_forward(x, weight, bias, g: _Geom, keep: bool):
    """3x3 stride 1: Winograd F(2x2, 3x3) (``winograd.py``); V and U kept when they fit."""
    N, C, O, isz = g.N, g.C, g.O, x.itemsize
    th, tw = winograd.tiles(g.Ho, g.Wo)
    per = 16 * max(C, O) * th * (tw + 1) * isz                        # V or M of one sample
    bound = im2col.WORKSPACE_BYTES
    keep = keep and N * per <= min(bound // 2, KEEP_MAX_FACTOR * x.nbytes)
    nb = int(max(1, min(N, (bound - (N * per if keep else 0)) // (3 * per),
                        max(WINOGRAD_CHUNK_BYTES, 16 * C * O * isz) // per)))
    u = winograd.weight_transform(weight, None if keep else "winograd.U")  # (16, O, C)
    y, vs = winograd.forward(x, u, bias, g.pad, _serial, nb, keep)     # kept: V and U
    return y, (x, vs, u if keep else None, nb)     # x too: a non-finite dy takes gemm


def wino_backward(dy, weight, g: _Geom, state):
    x, vs, u, nb = state
    if not np.isfinite(dy).all():      # Winograd's sums would turn inf - inf into NaN
        gg = g._replace(path="gemm")
        return gemm_backward(dy, weight, gg, (x, None, _chunk(gg, dy.itemsize)))
    dx, dw = winograd.backward(dy, x, weight, g.pad, vs, _serial, nb, (g.N, g.C, g.H, g.W), u)
    return dx, dw.reshape(g.G, g.O // g.G, -1)


class Path(NamedTuple):
    forward: Callable[..., tuple[np.ndarray, Any]]
    backward: Callable[..., tuple[np.ndarray, np.ndarray]]


PATHS = {"pointwise": Path(pointwise_forward, pointwise_backward),
         "gemm": Path(gemm_forward, gemm_backward),
         "depthwise": Path(dw_forward, dw_backward),
         "winograd": Path(wino_forward, wino_backward)}
