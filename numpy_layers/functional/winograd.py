"""Winograd F(2x2, 3x3) for 3x3, stride-1, dilation-1, groups=1 convolutions.

Each 2x2 output tile comes from a 4x4 input tile d (stride 2): y = A^T [U * V] A with
U = G g G^T (weight, per (O, C)), V = B^T d B (input, per (C, tile)). The 16 products over
C are 16 GEMMs (O, C) @ (C, tiles): 2.25x fewer flops than im2col, and V (16*C*tiles) is
smaller than im2col's col (9*C*4*tiles). The transforms are adds of strided slices on blocks
of channels that stay in cache, spread over threads by the caller's ``parallel``.
Backward from Z = A dY A^T per tile: dV = U^T Z (U kept from the forward), dx = B dV B^T
per tile with the overlapping tiles added (the adjoint of the input transform: one transform
less than running the forward algorithm on dy with the flipped kernel); dU (16, O, C) =
Z V^T, dW = G^T dU G.
"""
from __future__ import annotations

from functools import partial
from typing import Callable

import numpy as np

from ._workspace import scratch

BLOCK_BYTES = 4 * 2**20         # channel block of the transforms (fewer numpy calls won)
_G = np.array([[1, 0, 0], [.5, .5, .5], [.5, -.5, .5], [0, 0, 1]])         # (4, 3)

Parallel = Callable[[Callable[[int, int], None], int], None]


def tiles(ho: int, wo: int) -> tuple[int, int]:
    """Number of 2x2 output tiles along each dimension."""
    return -(-ho // 2), -(-wo // 2)


def weight_transform(w: np.ndarray, scratch_tag: str | None = None) -> np.ndarray:
    """w (O, C, 3, 3) -> U (16, O, C) = G w G^T per (O, C), as one (16, 9) @ (9, O*C) GEMM
    (einsum took 25x longer at 512x512). ``scratch_tag``: the result lives in that scratch
    buffer."""
    k = np.kron(_G, _G).astype(w.dtype)                               # (16, 9)
    out = None if scratch_tag is None else scratch(scratch_tag, (16, w.shape[0] * w.shape[1]),
                                                   w.dtype)
    return np.matmul(k, w.reshape(-1, 9).T, out=out).reshape(16, *w.shape[:2])  # (16, O, C)


def _blocks(parallel: Parallel, fn: Callable[[int, int], None], n: int, plane_bytes: int) -> None:
    """fn(lo, hi) over channel blocks of about BLOCK_BYTES, the blocks spread by ``parallel``."""
    step = max(1, BLOCK_BYTES // max(plane_bytes, 1))
    parallel(lambda p0, p1: [fn(q, min(q + step, p1)) for q in range(p0, p1, step)], n)


def input_transform(x: np.ndarray, pad: tuple, parallel: Parallel,
                    scratch_tag: str | None = None) -> np.ndarray:
    """x (n, C, H, W), pad (l, r, t, b) <= 2 -> V (16, C, n*th*(tw+1)) = B^T d B per tile.

    The padded input is split into its 2x2 phases, each a flat plane of rows of width
    tw+1: a tile's rows and columns are then contiguous shifts (long runs instead of
    stride-2 slices). Column tw of each grid row is finite filler, cropped at the end.
    """
    n, C, H, W = x.shape
    l, r, t, b = pad
    th, tw = tiles(H + t + b - 2, W + l + r - 2)
    w1, lr = tw + 1, th * (tw + 1) + 1
    v = (np.empty if scratch_tag is None else partial(scratch, scratch_tag))(
        (4, 4, C, n, th * w1), x.dtype)
    xt = x.transpose(1, 0, 2, 3)                                      # (C, n, H, W)

    def block(c0: int, c1: int) -> None:
        m = c1 - c0
        ph = np.zeros((2, 2, m, n, (th + 2) * w1), x.dtype)           # phases, flat planes
        ph4 = ph.reshape(2, 2, m, n, th + 2, w1)
        for src, window in _phase_windows(xt[c0:c1], ph4, t, l):     # of the padded input
            window[...] = src
        rows = np.empty((2, 4, m, n, lr), x.dtype)                    # B^T d per column phase
        for q in range(2):
            _bt([ph[p, q, ..., s * w1:s * w1 + lr] for s in range(2) for p in range(2)], rows[q])
        for k in range(4):
            _bt([rows[c % 2, k, ..., c // 2:c // 2 + th * w1] for c in range(4)], v[k, :, c0:c1])

    _blocks(parallel, block, C, 8 * n * (th + 2) * w1 * x.itemsize)
    return v.reshape(16, C, n * th * w1)


def _phase_windows(a: np.ndarray, planes: np.ndarray, t: int, l: int):
    """For the input padded by t rows on top and l columns on the left, split into its 2x2
    phases (padded row 2i+p = a's row 2i+p-t): yield, per phase (p, q), a's strided view
    a[..., r::2, s::2] and the window of planes[p, q] (..., rows, cols) that holds it."""
    for p in range(2):
        r = (p - t) % 2
        for q in range(2):
            s = (q - l) % 2
            view = a[..., r::2, s::2]
            i, j = (r + t) // 2, (s + l) // 2
            yield view, planes[p, q, ..., i:i + view.shape[-2], j:j + view.shape[-1]]


def _bt(d: list, out: np.ndarray) -> None:
    """out[0..3] = B^T applied to the 4 slices d: d0-d2, d1+d2, d2-d1, d1-d3."""
    np.subtract(d[0], d[2], out=out[0])
    np.add(d[1], d[2], out=out[1])
    np.subtract(d[2], d[1], out=out[2])
    np.subtract(d[1], d[3], out=out[3])


def _fold(v: list, e: np.ndarray, o: np.ndarray, tmp: np.ndarray, shift: int) -> None:
    """B (= (B^T)^T) along one tile axis of flat planes, the 2-wide overlap of neighbouring
    tiles folded: tile m's rows 0, 1, 2, 3 land on even row m, odd row m, even row m+1, odd
    row m+1, where "the next tile" is ``shift`` values on in the flat plane. v: 4 arrays
    (..., L); e, o (..., L or L + shift): even and odd rows; tmp (..., L)."""
    n, k = v[0].shape[-1], min(v[0].shape[-1], e.shape[-1] - shift)
    e[..., :n] = v[0]                                                 # B row 0: dv0
    e[..., n:] = 0
    np.add(v[1], v[2], out=tmp)                                       # B row 2: dv1 + dv2 - dv0
    tmp -= v[0]
    e[..., shift:shift + k] += tmp[..., :k]
    np.subtract(v[1], v[2], out=o[..., :n])                           # B row 1: dv1 - dv2 + dv3
    o[..., :n] += v[3]
    o[..., n:] = 0
    o[..., shift:shift + k] -= v[3][..., :k]                          # B row 3: -dv3


def input_adjoint(dv: np.ndarray, dx: np.ndarray, pad: tuple, parallel: Parallel) -> None:
    """dV (16, C, n*th*(tw+1)) -> dx (n, C, H, W) = the adjoint of ``input_transform``:
    B dV B^T per tile, overlapping tiles added, padding cropped.

    Planes stay flat with rows of tw+1 tiles: the next tile row is w1 = tw+1 values on, the
    next tile column 1 value on, and a row's last column tile spills into the filler tile
    (zero in dV) instead of the next row."""
    n, C, H, W = dx.shape
    l, r, t, b = pad
    th, tw = tiles(H + t + b - 2, W + l + r - 2)
    w1, lr = tw + 1, (th + 1) * (tw + 1)
    dv5 = dv.reshape(4, 4, C, n, th * w1)
    dxt = dx.transpose(1, 0, 2, 3)                                    # (C, n, H, W)

    def block(c0: int, c1: int) -> None:
        m = c1 - c0
        rows = np.empty((2, 4, m, n, lr), dv.dtype)                  # (row phase, b, ...)
        tmp = np.empty((m, n, lr), dv.dtype)
        for k in range(4):
            _fold([dv5[a, k, c0:c1] for a in range(4)], rows[0, k], rows[1, k],
                  tmp[..., :th * w1], w1)
        planes = np.empty((2, 2, m, n, lr), dv.dtype)                 # (row phase, col phase)
        for p in range(2):
            _fold(list(rows[p]), planes[p, 0], planes[p, 1], tmp, 1)
        planes = planes.reshape(2, 2, m, n, th + 1, w1)
        for dst, window in _phase_windows(dxt[c0:c1], planes, t, l):
            dst[...] = window

    _blocks(parallel, block, C, 12 * n * lr * dv.itemsize)


def output_transform(m: np.ndarray, y: np.ndarray, bias: np.ndarray | None,
                     parallel: Parallel) -> None:
    """m (16, O, n*th*(tw+1)) -> y (n, O, Ho, Wo) = A^T m A per tile (+ bias), cropped."""
    n, O, ho, wo = y.shape
    th, tw = tiles(ho, wo)
    m5 = m.reshape(4, 4, O, n, -1)                                    # (4, 4, O, n, th*w1)
    yt = y.transpose(1, 0, 2, 3)                                      # (O, n, Ho, Wo)

    def block(o0: int, o1: int) -> None:
        s = np.empty((2, 4, o1 - o0, n, m5.shape[-1]), m.dtype)       # rows of A^T m
        for k in range(4):
            a = [m5[i, k, o0:o1] for i in range(4)]
            np.add(a[0], a[1], out=s[0, k])
            s[0, k] += a[2]
            np.subtract(a[1], a[2], out=s[1, k])
            s[1, k] -= a[3]
        if bias is not None:
            s[:, 1] += bias[o0:o1, None, None]                        # s[:, 1] enters each output once
        tmp = np.empty(s.shape[2:], m.dtype)
        for i in range(2):
            for j in range(2):
                dst = yt[o0:o1, :, i::2, j::2]                        # (m, n, <=th, <=tw)
                crop = lambda a: a.reshape(a.shape[:2] + (th, tw + 1))[  # noqa: E731
                    ..., :dst.shape[2], :dst.shape[3]]
                if j == 0:
                    np.add(s[i, 0], s[i, 1], out=tmp)
                    np.add(crop(tmp), crop(s[i, 2]), out=dst)
                else:
                    np.subtract(s[i, 1], s[i, 2], out=tmp)
                    np.subtract(crop(tmp), crop(s[i, 3]), out=dst)

    _blocks(parallel, block, O, 12 * n * th * (tw + 1) * m.itemsize)


def grad_transform(dy: np.ndarray, parallel: Parallel) -> np.ndarray:  # Z in scratch
    """dy (n, O, Ho, Wo) -> Z (16, O, n*th*(tw+1)) = A dY A^T per 2x2 tile (filler column
    0), A = [[1, 0], [1, 1], [1, -1], [0, -1]]: corners are dy's phases (negated where A's
    -1 enters once), the rest sums and differences of them."""
    n, O, ho, wo = dy.shape
    th, tw = tiles(ho, wo)
    z = scratch("winograd.Z", (4, 4, O, n, th, tw + 1), dy.dtype)
    dyt = dy.transpose(1, 0, 2, 3)                                    # (O, n, Ho, Wo)

    def block(o0: int, o1: int) -> None:
        zb = z[:, :, o0:o1]
        for i in range(2):                                            # corners: dy's phases
            for j in range(2):
                src, dst = dyt[o0:o1, :, i::2, j::2], zb[3 * i, 3 * j]
                corner = dst[..., :src.shape[2], :src.shape[3]]
                if i == j:
                    corner[...] = src
                else:                                                 # not np.negative: NumPy
                    np.multiply(src, dy.dtype.type(-1), out=corner)   # 2.4 misreads some strides
                dst[..., src.shape[2]:, :] = 0
                dst[..., :, src.shape[3]:] = 0
        for a in (0, 3):
            np.subtract(zb[a, 0], zb[a, 3], out=zb[a, 1])
            np.add(zb[a, 0], zb[a, 3], out=zb[a, 2])
        np.subtract(zb[0], zb[3], out=zb[1])
        np.add(zb[0], zb[3], out=zb[2])

    _blocks(parallel, block, O, 16 * n * th * (tw + 1) * dy.itemsize)
    return z.reshape(16, O, -1)


def weight_grad(du: np.ndarray, shape: tuple) -> np.ndarray:
    """dU (16, O, C) summed over tiles -> dW (O, C, 3, 3) = G^T dU G."""
    k = np.kron(_G, _G).astype(du.dtype)                              # (16, 9)
    return (du.reshape(16, -1).T @ k).reshape(shape)                  # (O*C, 9) -> (O, C, 3, 3)


def forward(x: np.ndarray, u: np.ndarray, bias: np.ndarray | None, pad: tuple,
            parallel: Parallel, nb: int, keep: bool) -> tuple[np.ndarray, list | None]:
    """x (N, C, H, W), U (16, O, C) -> y (N, O, Ho, Wo) in chunks of nb samples; also V per
    chunk if keep."""
    N, _, H, W = x.shape
    y = np.empty((N, u.shape[1], H + pad[2] + pad[3] - 2, W + pad[0] + pad[1] - 2), x.dtype)
    vs = [] if keep else None
    for n0 in range(0, N, nb):
        v = input_transform(x[n0:n0 + nb], pad, parallel,             # (16, C, n*th*(tw+1))
                            None if keep else "winograd.V")
        m = np.matmul(u, v, out=scratch("winograd.M", (16, u.shape[1], v.shape[2]), x.dtype))
        output_transform(m, y[n0:n0 + nb], bias, parallel)
        if keep:
            vs.append(v)
    return y, vs


def backward(dy: np.ndarray, x: np.ndarray | None, weight: np.ndarray, pad: tuple,
             vs: list | None, parallel: Parallel, nb: int, xshape: tuple,
             u: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """dy (N, O, Ho, Wo) -> dx (N, C, H, W) of ``xshape``, dW (O, C, 3, 3); V from ``vs``
    or from x, U (16, O, C) from the forward or recomputed.

    Both come from Z = A dY A^T (``grad_transform``): dV = U^T Z, dx = the adjoint of the
    input transform of dV; dU = Z V^T.
    """
    u = weight_transform(weight, "winograd.U") if u is None else u
    ut = u.transpose(0, 2, 1)                                         # U^T: (16, C, O)
    dx = np.empty(xshape, dy.dtype)
    shape = (16,) + weight.shape[:2]                                  # dU (16, O, C)
    du, part = scratch("winograd.dU", shape, dy.dtype), scratch("winograd.part", shape, dy.dtype)
    for k, n0 in enumerate(range(0, len(dy), nb)):
        z = grad_transform(dy[n0:n0 + nb], parallel)                  # (16, O, n*th*(tw+1))
        dv = np.matmul(ut, z, out=scratch("winograd.M", (16, ut.shape[1], z.shape[2]), dy.dtype))
        input_adjoint(dv, dx[n0:n0 + nb], pad, parallel)
        v = vs[k] if vs is not None else input_transform(x[n0:n0 + nb], pad, parallel,
                                                          "winograd.V")
        np.matmul(z, v.transpose(0, 2, 1), out=part if k else du)
        if k:
            du += part
    return dx, weight_grad(du, weight.shape)
