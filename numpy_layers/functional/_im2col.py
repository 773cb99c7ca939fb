"""The im2col + GEMM machinery of conv2d (and of the transposed conv): geometry, padding,
stride phases, im2col/col2im on the ``flat`` or ``compact`` grid, chunk sizes, the GEMM that
writes y. The choice rule and the paths are described in ``conv.py``."""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._workspace import scratch
from .padding import pad_backward, pad_forward

WORKSPACE_BYTES = 256 * 2**20    # bound on the extra memory of one conv (read at call time)
CHUNK_BYTES = 16 * 2**20         # soft cap on the largest buffer of one chunk


class _Geom(NamedTuple):
    N: int; C: int; H: int; W: int; O: int; G: int; kh: int; kw: int   # noqa: E702
    sh: int; sw: int; dh: int; dw: int; pad: tuple; mode: str           # noqa: E702
    Hp: int; Wp: int; Ho: int; Wo: int; Hq: int; Wq: int; path: str; flat: bool  # noqa: E702
    taps: tuple   # (i, j, phase row, phase col, offset in the flat phase plane) per tap

    @property
    def Wg(self) -> int:                  # output row width in col and in the grid
        return self.Wq if self.flat else self.Wo

    @property
    def L(self) -> int:                   # flat run covering every valid output
        return (self.Ho - 1) * self.Wq + self.Wo

    def window(self, i: int, j: int) -> tuple:
        """(:, :, rows, cols) of tap (i, j) in the padded input (compact mode)."""
        r, c = i * self.dh, j * self.dw
        return (slice(None), slice(None), slice(r, r + self.sh * (self.Ho - 1) + 1, self.sh),
                slice(c, c + self.sw * (self.Wo - 1) + 1, self.sw))


def _pad(x: np.ndarray, g: _Geom) -> np.ndarray:
    """x (..., H, W) -> padded (..., Hp, Wp), C-contiguous."""
    if not any(g.pad):
        return np.ascontiguousarray(x)
    return pad_forward(x, g.pad, "constant" if g.mode == "zeros" else g.mode)[0]


def _unpad(dxp: np.ndarray, g: _Geom) -> np.ndarray:
    """dxp (..., Hp, Wp) -> dx (..., H, W): padded positions fold back onto the input."""
    if not any(g.pad):
        return dxp
    if g.mode == "zeros":
        return dxp[..., g.pad[2]:g.pad[2] + g.H, g.pad[0]:g.pad[0] + g.W]   # a view
    return pad_backward(dxp, (dxp.shape[:-2] + (g.H, g.W), g.pad, g.mode))


def _phases(xp: np.ndarray, g: _Geom) -> np.ndarray:
    """xp (..., Hp, Wp) -> its stride phases as flat planes (sh, sw, ..., Hq*Wq)."""
    lead = xp.shape[:-2]
    if g.sh == g.sw == 1:
        return xp.reshape((1, 1) + lead + (g.Hq * g.Wq,))           # a view
    xph = np.zeros((g.sh, g.sw) + lead + (g.Hq, g.Wq), xp.dtype)
    for a in range(g.sh):
        for b in range(g.sw):
            src = xp[..., a::g.sh, b::g.sw]
            xph[a, b, ..., :src.shape[-2], :src.shape[-1]] = src
    return xph.reshape((g.sh, g.sw) + lead + (g.Hq * g.Wq,))


def _unphase(dxph: np.ndarray, g: _Geom) -> np.ndarray:
    """Inverse of ``_phases``: (sh, sw, ..., Hq*Wq) -> (..., Hp, Wp)."""
    lead = dxph.shape[2:-1]
    if g.sh == g.sw == 1:
        return dxph.reshape(lead + (g.Hp, g.Wp))
    planes = dxph.reshape(dxph.shape[:-1] + (g.Hq, g.Wq))
    dxp = np.empty(lead + (g.Hp, g.Wp), dxph.dtype)
    for a in range(g.sh):
        for b in range(g.sw):
            dst = dxp[..., a::g.sh, b::g.sw]
            dst[...] = planes[a, b, ..., :dst.shape[-2], :dst.shape[-1]]
    return dxp


def _im2col(xc: np.ndarray, g: _Geom, tag: str | None = None) -> np.ndarray:
    """x chunk (n, C, H, W) -> col (G, Cg*kh*kw, n*Ho*Wg), in scratch buffer ``tag`` if given."""
    xp, n, L = _pad(xc, g), len(xc), g.L
    shape = (g.C, g.kh, g.kw, n, g.Ho * g.Wg)                         # (C, kh, kw, n, Ho*Wg)
    col = np.empty(shape, xc.dtype) if tag is None else scratch(tag, shape, xc.dtype)
    if g.flat:
        xph = _phases(xp, g)                                          # (sh, sw, n, C, Hq*Wq)
        for i, j, a, b, off in g.taps:
            col[:, i, j, :, :L] = xph[a, b, :, :, off:off + L].transpose(1, 0, 2)
        col[..., L:] = 0                                              # tail of the last row
    else:
        col6 = col.reshape(g.C, g.kh, g.kw, n, g.Ho, g.Wo)
        for i, j, _, _, _ in g.taps:
            col6[:, i, j] = xp[g.window(i, j)].transpose(1, 0, 2, 3)
    return col.reshape(g.G, -1, n * g.Ho * g.Wg)


def _col2im(dcol: np.ndarray, g: _Geom, out: np.ndarray) -> None:
    """dcol (G, Cg*kh*kw, n*Ho*Wg) -> out (n, C, H, W): taps add back, padding folds."""
    n, L = len(out), g.L
    direct = not any(g.pad) and out.flags.c_contiguous and (not g.flat or g.sh == g.sw == 1)
    if g.flat:
        dcol = dcol.reshape(g.C, g.kh, g.kw, n, -1)                  # (C, kh, kw, n, Ho*Wq)
        dxph = (out.reshape(1, 1, n, g.C, -1) if direct               # (sh, sw, n, C, Hq*Wq)
                else np.empty((g.sh, g.sw, n, g.C, g.Hq * g.Wq), dcol.dtype))
        dxph[...] = 0
        for i, j, a, b, off in g.taps:
            dxph[a, b, :, :, off:off + L] += dcol[:, i, j, :, :L].transpose(1, 0, 2)
        dxp = _unphase(dxph, g)
    else:
        dcol = dcol.reshape(g.C, g.kh, g.kw, n, g.Ho, g.Wo)          # (C, kh, kw, n, Ho, Wo)
        dxp = out if direct else np.empty((n, g.C, g.Hp, g.Wp), dcol.dtype)
        dxp[...] = 0
        for i, j, _, _, _ in g.taps:
            dxp[g.window(i, j)] += dcol[:, i, j].transpose(1, 0, 2, 3)
    if not direct:
        out[...] = _unpad(dxp, g)


def _emit(yc: np.ndarray, src: np.ndarray, bias: np.ndarray | None) -> None:
    """yc (n, O, Ho, Wo) = src (+ bias (O,)), in one pass."""
    if bias is None:
        yc[...] = src
    else:
        np.add(src, bias[:, None, None], out=yc)


def _chunk(g: _Geom, isz: int, budget: int | None = None) -> int:
    """Samples per chunk: a chunk's buffers fit ``budget`` (default WORKSPACE_BYTES), its
    largest one CHUNK_BYTES."""
    budget = WORKSPACE_BYTES if budget is None else budget
    K, Pg, P = g.C * g.kh * g.kw, g.Ho * g.Wg, g.Hp * g.Wp
    largest = isz * max(K * Pg if g.path == "gemm" else 0, g.O * Pg, g.C * P)
    return int(max(1, min(g.N, budget // (isz * (3 * g.C * P + 2 * K * Pg + g.O * Pg)),
                          CHUNK_BYTES // max(largest, 1))))


def _gemm_emit(wg: np.ndarray, col: np.ndarray, yc: np.ndarray, bias: np.ndarray | None,
               g: _Geom) -> None:
    """yc (n, O, Ho, Wo), C-contiguous = wg (G, Og, Kg) @ col (G, Kg, n*Ho*Wg) (+ bias)."""
    n = len(yc)
    if n > 1 or g.flat:
        out = scratch("conv.out", (g.G, g.O // g.G, col.shape[2]), col.dtype)
        out = np.matmul(wg, col, out=out).reshape(g.O, n, g.Ho, g.Wg)  # (O, n, Ho, Wg)
        _emit(yc, out[..., :g.Wo].transpose(1, 0, 2, 3), bias)
        return
    np.matmul(wg, col, out=yc.reshape(g.G, -1, g.Ho * g.Wo))          # (G, Og, Ho*Wo)
    if bias is not None:
        yc += bias[:, None, None]


def _grid(dyc: np.ndarray, g: _Geom) -> np.ndarray:
    """dy chunk (n, O, Ho, Wo) -> (G, Og, n*Ho*Wg), the columns of col (extra ones zero)."""
    n = len(dyc)
    if n == 1 and not g.flat:
        return dyc.reshape(g.G, g.O // g.G, -1)                       # (G, Og, Ho*Wo)
    grid = np.empty((g.O, n, g.Ho, g.Wg), dyc.dtype)                  # (O, n, Ho, Wg)
    grid[..., g.Wo:] = 0
    grid[..., :g.Wo] = dyc.transpose(1, 0, 2, 3)
    return grid.reshape(g.G, g.O // g.G, -1)                          # (G, Og, n*Ho*Wg)
