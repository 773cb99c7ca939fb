"""2-D max pooling forward and backward (the algorithm and its measured speed choices are
described in ``pooling.py``)."""
from __future__ import annotations

import numpy as np

from ._pool_plumbing import _items, _padded_cols, _run, _scratch, _spans, _taps, pool_output_size


# ----------------------------------------------------------------------------- max
def _max_taps(srcs: list, csrcs, out, cout, mult: int, m, tmp) -> None:
    """out = running max of the tap views ``srcs``; cout = the winner's t*mult + csrcs[t]
    (t*mult if csrcs is None). ``val > max`` keeps the first maximum; winners only move
    to later taps, so the last update is the running max of the candidates."""
    if cout is None:                           # values only (no gradient, no indices)
        np.maximum(srcs[1], srcs[0], out=out) if len(srcs) > 1 else np.copyto(out, srcs[0])
        for v in srcs[2:]:
            np.maximum(v, out, out=out)        # ties keep out: the first maximum (and its sign)
        return
    typ = cout.dtype.type
    if len(srcs) == 1:
        out[...] = srcs[0]
        cout[...] = 0 if csrcs is None else csrcs[0]
        return
    s0, s1 = srcs[0], srcs[1]                  # tap 0 is the "max so far": no copy
    direct = csrcs is None and mult == 1 and cout.itemsize == 1    # uint8 codes: 0/1 as bool
    np.greater(s1, s0, out=cout.view(bool) if direct else m)
    np.maximum(s1, s0, out=out)                # ties return s0: the first maximum stays
    if csrcs is not None:
        np.maximum(csrcs[0], np.multiply(np.add(csrcs[1], typ(mult), out=tmp), m, out=tmp), out=cout)
    elif not direct:                           # wider codes (255+ taps) cannot take a bool view
        np.multiply(m, typ(mult), out=cout)
    for t in range(2, len(srcs)):
        np.greater(srcs[t], out, out=m)
        np.maximum(srcs[t], out, out=out)
        if csrcs is None:
            np.multiply(m, typ(t * mult), out=tmp)
        else:
            np.multiply(np.add(csrcs[t], typ(t * mult), out=tmp), m, out=tmp)
        np.maximum(cout, tmp, out=cout)


def max_pool2d_forward(x: np.ndarray, kernel_size: tuple[int, int], stride: tuple[int, int],
                       padding: tuple[int, int], dilation: tuple[int, int] = (1, 1),
                       ceil_mode: bool = False, *, codes: bool = True):
    """x (N, C, H, W) -> y (N, C, Ho, Wo), cache. Pairs are already normalised.
    ``codes=False`` (no backward, no indices) skips the winners: cache is None."""
    N, C, H, W = x.shape
    (kh, kw), (sh, sw), (ph, pw), (dh, dw) = kernel_size, stride, padding, dilation
    T = kh * kw
    Ho, Wo = pool_output_size(H, kh, sh, ph, dh, ceil_mode), pool_output_size(W, kw, sw, pw, dw, ceil_mode)
    x3 = x.reshape(N * C, H, W)                                         # (P, H, W)
    y3 = np.empty((N * C, Ho, Wo), x.dtype)                             # (P, Ho, Wo)
    c3 = np.empty((N * C, Ho, Wo), np.uint8 if T < 255 else np.uint16 if T < 65535 else np.uint32)
    i0, j0 = (np.maximum(0, -((np.arange(n) * s - p) // d))             # first in-bounds tap
              for n, s, p, d in ((Ho, sh, ph, dh), (Wo, sw, pw, dw)))
    first = np.where((i0[:, None] < kh) & (j0 < kw), i0[:, None] * kw + j0, T).astype(c3.dtype)
    fix, Wn = bool(first.any()), (Wo - 1) * sw + (kw - 1) * dw + 1      # Wn: padded cols read

    def item(p0: int, p1: int, r0: int, r1: int) -> None:
        P, hs, he = p1 - p0, r0 * sh - ph, (r1 - 1) * sh - ph + (kh - 1) * dh + 1
        a, b = max(hs, 0) - hs, min(he, H) - hs                         # real rows of R
        Y, Cd = y3[p0:p1, r0:r1], c3[p0:p1, r0:r1]
        R, J = _scratch("R", (P, he - hs, Wo), x.dtype), _scratch("J", (P, he - hs, Wo), c3.dtype)
        R[:, :a], R[:, max(a, b):], J[:, :a], J[:, max(a, b):] = -np.inf, -np.inf, 0, 0
        if b > a:                              # stage 1: rows, max over the column taps
            Xp = _padded_cols(x3[p0:p1, a + hs:b + hs], pw, Wn, -np.inf)  # (P, rows, Wn)
            shape = (P, b - a, Wo)
            _max_taps(_taps(Xp, 2, kw, sw, dw, Wo), None, R[:, a:b], J[:, a:b] if codes else None, 1,
                      _scratch("m", shape, bool), _scratch("t", shape, c3.dtype))
        _max_taps(_taps(R, 1, kh, sh, dh, r1 - r0), _taps(J, 1, kh, sh, dh, r1 - r0), Y,
                  Cd if codes else None, kw, _scratch("m2", Y.shape, bool), _scratch("t2", Y.shape, c3.dtype))
        if not codes:
            return
        if fix:                                # a padding "winner" (all real -inf): first real
            np.maximum(Cd, first[r0:r1], out=Cd)
        if np.isnan(np.sum(Y)):                # torch: ``val > max or isnan(val)``: last NaN wins
            isnan_y, spw = np.isnan(Y), _spans(kw, sw, pw, dw, 0, W, 0, Wo)
            for t, (u, v) in enumerate((u, v) for u in _spans(kh, sh, ph, dh, 0, H, r0, r1) for v in spw):
                if u is not None and v is not None:
                    hit = np.isnan(x3[p0:p1, u[1], v[1]]) & isnan_y[:, u[0], v[0]]
                    np.copyto(Cd[:, u[0], v[0]], t, where=hit)

    _run(item, _items(N * C, Ho, H * W * x.itemsize), x.nbytes)
    cache = (c3, x.shape, x.dtype, kernel_size, stride, padding, dilation, (i0, j0)) if codes else None
    return y3.reshape(N, C, Ho, Wo), cache                              # (N, C, Ho, Wo)


def max_pool2d_indices(cache) -> np.ndarray:
    """torch's return_indices: int64 (N, C, Ho, Wo), flat index h*W + w in each plane."""
    c3, (N, C, H, W), _, (kh, kw), (sh, sw), (ph, pw), (dh, dw), (i0, j0) = cache
    T, (Ho, Wo) = kh * kw, c3.shape[1:]
    offs = np.append((np.arange(T) // kw) * dh * W + (np.arange(T) % kw) * dw, 0)  # (T+1,)
    hb, wb = np.arange(Ho, dtype=np.int64) * sh - ph, np.arange(Wo, dtype=np.int64) * sw - pw
    idx = np.take(offs, c3) + (hb[:, None] * W + wb)                    # (P, Ho, Wo)
    none = c3 == T                             # no real element: torch's (ih0, iw0) anyway
    if none.any():
        idx = np.where(none, (hb + i0 * dh)[:, None] * W + (wb + j0 * dw), idx)
    return idx.reshape(N, C, Ho, Wo)


def max_pool2d_backward(dy: np.ndarray, cache) -> np.ndarray:
    """dy (N, C, Ho, Wo) -> dx (N, C, H, W): each dy goes to its window's winner.

    Per phase of dx (rows rh mod sh, cols rw mod sw) the taps landing there add onto
    zeros in torch's order. dy and code are laid on rows of length L (junk columns: dy 0,
    code kh*kw), so a tap is one contiguous run added at a shift du*L + dv in the phase's
    buffer: where the tap is outside the input the code never names it, its dy is 0."""
    c3, (N, C, H, W), dtype, (kh, kw), (sh, sw), (ph, pw), (dh, dw), _ = cache
    Ho, Wo, T = c3.shape[1], c3.shape[2], kh * kw
    dy3, dx3 = dy.reshape(N * C, Ho, Wo), np.empty((N * C, H, W), dtype)  # (P, Ho, Wo), (P, H, W)
    spw, plans = _spans(kw, sw, pw, dw, 0, W, 0, Wo), {}

    def plan(h0: int, h1: int):
        """Outputs used, row length L, margin rows, per phase: dx slices, shape, taps."""
        sph = _spans(kh, sh, ph, dh, h0, h1, 0, Ho)
        used = [u[0] for u in sph if u is not None] or [slice(0, 0)]
        oa, ob = min(s.start for s in used), max(s.stop for s in used)
        phases = []
        for rh, rw in ((rh, rw) for rh in range(sh) for rw in range(sw)):
            r0 = (rh - h0) % sh                                         # first row of the phase
            shape, taps = (len(range(r0, h1 - h0, sh)), len(range(rw, W, sw))), []
            for t in reversed(range(T)):       # reversed: torch's accumulation order
                u, v = sph[t // kw], spw[t % kw]
                if u is None or v is None or (u[1].start - r0) % sh or (v[1].start - rw) % sw:
                    continue
                bu, bv = (u[1].start - r0) // sh, (v[1].start - rw) // sw   # buffer rect start
                n, m = u[0].stop - u[0].start, v[0].stop - v[0].start
                taps.append((t, bu - u[0].start + oa, bv - v[0].start,
                             (slice(u[0].start - oa, u[0].stop - oa), v[0]), (slice(bu, bu + n), slice(bv, bv + m))))
            phases.append(((slice(r0, None, sh), slice(rw, None, sw)), shape, taps,
                           len(taps) == 1 and (taps[0][4][0].stop - taps[0][4][0].start,
                                               taps[0][4][1].stop - taps[0][4][1].start) == shape))
        L = max([Wo] + [f[1][1] for f in phases])
        return oa, ob, L, max([abs(f[1]) for p in phases for f in p[2]], default=0) + 1, phases

    def item(p0: int, p1: int, h0: int, h1: int) -> None:
        oa, ob, L, mr, phases = plans[(h0, h1)] if (h0, h1) in plans else plans.setdefault((h0, h1), plan(h0, h1))
        P, n, dX = p1 - p0, (ob - oa) * L, dx3[p0:p1, h0:h1]
        Cg, Dg = c3[p0:p1, oa:ob], dy3[p0:p1, oa:ob]                   # (P, rows, Wo)
        if L > Wo:                             # rows of length L: junk columns (dy 0, code T)
            Cg, Dg = _scratch("c", (P, ob - oa, L), c3.dtype), _scratch("d", (P, ob - oa, L), dtype)
            Cg[:, :, :Wo], Cg[:, :, Wo:], Dg[:, :, :Wo], Dg[:, :, Wo:] = c3[p0:p1, oa:ob], T, dy3[p0:p1, oa:ob], 0
        Cg, Dg, eq, w = Cg.reshape(P, n), Dg.reshape(P, n), _scratch("m", (P, n), bool), _scratch("w", (P, n), dtype)
        finite = bool(np.isfinite(np.sum(Dg)))
        for (rs, cs), shape, taps, full in phases:
            D = dX[:, rs, cs]                                           # (P, *shape) strided
            if not taps or 0 in shape:
                D[...] = 0
                continue
            nb = max(shape[0], ob - oa) + 2 * mr                        # buffer rows
            A = None if len(taps) == 1 else _scratch("acc", (P, nb * L), dtype)
            if A is not None:
                A[...] = 0
            elif not full:
                D[...] = 0
            for t, du, dv, out_rect, buf_rect in taps:
                np.equal(Cg, t, out=eq)        # dy * bool, not np.where (inf*0: NaN)
                g = np.multiply(Dg, eq, out=w) if finite else np.where(eq, Dg, 0)
                if A is None:                  # the phase's only tap: 0 + dy, as torch
                    np.add(g.reshape(P, -1, L)[(slice(None),) + out_rect], 0, out=D[(slice(None),) + buf_rect])
                else:
                    o = (mr + du) * L + dv
                    np.add(A[:, o:o + n], g, out=A[:, o:o + n])
            if A is not None:
                np.copyto(D, A.reshape(P, nb, L)[:, mr:mr + shape[0], :shape[1]])

    _run(item, _items(N * C, H, H * W * np.dtype(dtype).itemsize), dx3.nbytes)
    return dx3.reshape(N, C, H, W)                                      # (N, C, H, W)
