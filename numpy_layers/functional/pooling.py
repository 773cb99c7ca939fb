"""2-D max and average pooling on NCHW arrays with torch's CPU rules. ``op_forward``
returns ``(y, cache)``, ``op_backward(dy, cache)`` returns dx; ``max_pool2d`` and
``avg_pool2d`` mirror torch.nn.functional.

Every op loops over window taps on whole strided slices, never over output pixels.
Max forward is separable: each row's running max over the kw column taps (winner j in
J), then the max of those over the kh row taps (code = i*kw + J of the winning row).
That is torch's row-major scan, so a tie keeps the first maximum; windows holding NaN
are recoded afterwards (the last NaN wins); ``codes=False`` (no backward, no indices)
tracks values only. Max backward adds tap by tap in reverse,
which is torch's accumulation order: dx is bitwise equal to torch's. Average pooling
sums rows, then columns (float32 sums may differ from torch's in the last bit).

Speed choices, measured on float32 (8,64,112,112) on 2 cores: strided numpy loops cost
~0.3 ns/element against ~0.07 contiguous, plus ~12 ns per row, so taps read full-width
views of -inf/0 padded rows, the separable forward needs fewer strided passes (3x3/2
max: 2x faster than a kh*kw tap loop) and max backward gathers each dx phase (rows
rh mod sh, cols rw mod sw) in a contiguous buffer. Work items of ~1 MB (plane groups,
or row bands of big planes) keep re-read data in cache and are spread over a 2-thread
pool, as numpy releases the GIL in its loops: ~1.6x faster on an idle machine; with
~256 KB items the many short numpy calls lost that gain to GIL hand-offs.
"""
from __future__ import annotations

import itertools
import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from .._checks import as_pair, check_float_array
from ._workspace import scratch

_THREADS = max(1, min(2, os.cpu_count() or 1))
_ITEM_BYTES = 1 << 20          # input bytes per work item
_MIN_PARALLEL = 1 << 21        # below this many input bytes one thread is faster
_POOL: list[ThreadPoolExecutor] = []


# ----------------------------------------------------------------------------- plumbing
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
    return scratch(f"pool.{name}.{np.dtype(dtype)}", shape, dtype)


def _padded_cols(X: np.ndarray, p: int, n: int, value) -> np.ndarray:
    """X (P, R, W) -> (P, R, n): columns -p.. of X, ``value`` outside (X itself if no pad)."""
    if p == 0 and n <= X.shape[2]:
        return X
    B, wc = _scratch("X", X.shape[:2] + (n,), X.dtype), max(0, min(X.shape[2], n - p))
    B[:, :, :p] = value
    B[:, :, p + wc:] = value
    B[:, :, p:p + wc] = X[:, :, :wc]
    return B


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
    np.greater(s1, s0, out=cout.view(bool) if csrcs is None and mult == 1 else m)
    np.maximum(s1, s0, out=out)                # ties return s0: the first maximum stays
    if csrcs is not None:
        np.maximum(csrcs[0], np.multiply(np.add(csrcs[1], typ(mult), out=tmp), m, out=tmp), out=cout)
    elif mult != 1:
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
                np.equal(Cg, t, out=eq)        # dy * bool: 3x faster than where (inf*0: NaN)
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


# ----------------------------------------------------------------------------- average
def _scatter_plan(n: int, slices: list) -> tuple[list, np.ndarray]:
    """For taps writing ``slices`` of n positions in order: assign (no earlier tap wrote
    any of its positions) or add, and the positions no assigning tap covers (start at 0)."""
    written, assigned, modes = np.zeros(n, bool), np.zeros(n, bool), []
    for sl in slices:
        modes.append(not written[sl].any())
        written[sl] = True
        assigned[sl] |= modes[-1]
    return modes, np.flatnonzero(~assigned)


def _scatter(dst: np.ndarray, axis: int, taps: list, plan) -> None:
    """dst = sum over taps (src, positions along ``axis``) of src placed at positions."""
    modes, zero = plan
    if zero.size:
        dst[(slice(None),) * axis + (zero,)] = 0
    for (src, sl), new in zip(taps, modes):
        d = dst[(slice(None),) * axis + (sl,)]
        np.copyto(d, src) if new else np.add(d, src, out=d)


def _avg_divisor(n: int, k: int, s: int, p: int, n_out: int, include_pad: bool) -> np.ndarray:
    """Per output row (or col), torch's factor of the divisor (pool size or real count)."""
    start = np.arange(n_out, dtype=np.int64) * s - p
    end = np.minimum(start + k, n + p)
    return end - start if include_pad else np.minimum(end, n) - np.maximum(start, 0)


def avg_pool2d_forward(x: np.ndarray, kernel_size: tuple[int, int], stride: tuple[int, int],
                       padding: tuple[int, int], ceil_mode: bool = False,
                       count_include_pad: bool = True, divisor_override: int | None = None):
    """x (N, C, H, W) -> y (N, C, Ho, Wo), cache: sums over row taps, then column taps."""
    N, C, H, W = x.shape
    (kh, kw), (sh, sw), (ph, pw) = kernel_size, stride, padding
    Ho, Wo = pool_output_size(H, kh, sh, ph, 1, ceil_mode), pool_output_size(W, kw, sw, pw, 1, ceil_mode)
    if divisor_override is not None:
        div = np.full((Ho, Wo), divisor_override, x.dtype)
    else:
        div = (_avg_divisor(H, kh, sh, ph, Ho, count_include_pad)[:, None]
               * _avg_divisor(W, kw, sw, pw, Wo, count_include_pad)).astype(x.dtype)  # (Ho, Wo)
    x3, y3 = x.reshape(N * C, H, W), np.empty((N * C, Ho, Wo), x.dtype)  # (P, H, W), (P, Ho, Wo)
    Wn = (Wo - 1) * sw + kw                                             # padded cols read
    wc = max(0, min(W, Wn - pw))                                        # real cols read

    def item(p0: int, p1: int, r0: int, r1: int) -> None:
        hlo = max(0, r0 * sh - ph)
        hhi = max(hlo, min(H, (r1 - 1) * sh - ph + kh))
        R = _scratch("R", (p1 - p0, r1 - r0, Wn), x.dtype)              # (P, Ro, Wn)
        R[:, :, :pw], R[:, :, pw + wc:] = 0, 0
        sp, X, Rr = _spans(kh, sh, ph, 1, hlo, hhi, r0, r1), x3[p0:p1, hlo:hhi, :wc], R[:, :, pw:pw + wc]

        def rows(t: int, lo: int, hi: int) -> np.ndarray:              # tap t's rows, outputs lo:hi
            st = sp[t][1].start + (lo - sp[t][0].start) * sh
            return X[:, st:st + (hi - lo - 1) * sh + 1:sh]

        # interior rows (every tap real) start with taps 0 + 1, border rows with 0
        a, b = (max(u[0].start for u in sp), min(u[0].stop for u in sp)) if all(sp) else (0, 0)
        for lo, hi, inner in ((a, b, kh > 1), (0, a, False), (b, r1 - r0, False)):
            if hi > lo:
                if inner:
                    np.add(rows(0, lo, hi), rows(1, lo, hi), out=Rr[:, lo:hi])
                else:
                    Rr[:, lo:hi] = 0
                for t in range(2 if inner else 0, kh):
                    l, h = (max(lo, sp[t][0].start), min(hi, sp[t][0].stop)) if sp[t] else (0, 0)
                    if h > l:
                        np.add(Rr[:, l:h], rows(t, l, h), out=Rr[:, l:h])
        Y, taps = y3[p0:p1, r0:r1], _taps(R, 2, kw, sw, 1, Wo)
        np.add(taps[0], taps[1], out=Y) if kw > 1 else np.copyto(Y, taps[0])
        for v in taps[2:]:
            np.add(Y, v, out=Y)
        np.divide(np.add(Y, 0, out=Y), div[r0:r1], out=Y)   # + 0: torch's sum starts at +0

    _run(item, _items(N * C, Ho, H * W * x.itemsize), x.nbytes)
    return y3.reshape(N, C, Ho, Wo), (x.shape, x.dtype, kernel_size, stride, padding, div)


def avg_pool2d_backward(dy: np.ndarray, cache) -> np.ndarray:
    """dy (N, C, Ho, Wo) -> dx (N, C, H, W): every tap of a window gets dy / divisor."""
    (N, C, H, W), dtype, (kh, kw), (sh, sw), (ph, pw), div = cache
    Ho, Wo = div.shape
    dy3, dx3 = dy.reshape(N * C, Ho, Wo), np.empty((N * C, H, W), dtype)  # (P, Ho, Wo), (P, H, W)
    Wn = (Wo - 1) * sw + kw
    wc = max(0, min(W, Wn - pw))

    cols = [slice(j, j + (Wo - 1) * sw + 1, sw) for j in range(kw)]   # tap j's columns in Rg
    cplan, plans = _scatter_plan(Wn, cols), {}

    def plan(h0: int, h1: int):
        """Outputs touching rows h0:h1, and the row taps (out rows, dx rows) with their plan."""
        rows = [s[0] for s in _spans(kh, sh, ph, 1, h0, h1, 0, Ho) if s is not None]
        if not rows:
            return 0, 0, [], None
        a, b = min(r.start for r in rows), max(r.stop for r in rows)
        sp = [s for s in _spans(kh, sh, ph, 1, h0, h1, a, b) if s is not None]
        return a, b, sp, _scatter_plan(h1 - h0, [s[1] for s in sp])

    def item(p0: int, p1: int, h0: int, h1: int) -> None:
        a, b, sp, rplan = plans[(h0, h1)] if (h0, h1) in plans else plans.setdefault((h0, h1), plan(h0, h1))
        dX = dx3[p0:p1, h0:h1]
        if not sp:
            dX[...] = 0
            return
        G = np.divide(dy3[p0:p1, a:b], div[a:b], out=_scratch("G", (p1 - p0, b - a, Wo), dtype))
        np.add(G, 0, out=G)                    # torch adds to zeros: never -0.0
        Rg = _scratch("R", (p1 - p0, b - a, Wn), dtype)                 # (P, Ro, Wn)
        _scatter(Rg, 2, [(G, c) for c in cols], cplan)
        dX[:, :, wc:] = 0
        _scatter(dX[:, :, :wc], 1, [(Rg[:, s[0], pw:pw + wc], s[1]) for s in sp], rplan)

    _run(item, _items(N * C, H, H * W * np.dtype(dtype).itemsize), dx3.nbytes)
    return dx3.reshape(N, C, H, W)                                      # (N, C, H, W)
# ----------------------------------------------------------------------------- checks and F-style
_DIMS = {1: ("2-D (C, L)", "3-D (N, C, L)", "C, L"), 2: ("3-D (C, H, W)", "4-D (N, C, H, W)", "C, H, W")}


def _as_tuple(layer: str, name: str, value, nd: int) -> tuple[int, ...]:
    """as_pair for 2-D pooling; for 1-D an int or a 1-sequence of ints, as torch's _single."""
    if nd == 2:
        return as_pair(layer, name, value)
    if not isinstance(value, (int, np.integer)) and not (
            isinstance(value, (tuple, list)) and len(value) == 1):
        raise TypeError(f"{layer}: expected {name} to be an int or a tuple of 1 int, got {value!r}")
    return as_pair(layer, name, value)[:1]


def pool_params(layer: str, x: object, nd: int, kernel_size, stride, padding, dilation=1,
                ceil_mode: bool = False) -> tuple[tuple[int, ...], ...]:
    """Validate an input with ``nd`` spatial dims, unbatched or batched, and the arguments
    as torch does -> k, s, p, d (tuples of nd ints)."""
    check_float_array(layer, x)
    unb, bat, dims = _DIMS[nd]
    if x.ndim not in (nd + 1, nd + 2) or 0 in x.shape[-nd - 1:]:
        raise ValueError(f"{layer}: expected {unb} or {bat} input with non-zero "
                         f"{dims} (N may be 0), got shape {tuple(x.shape)}")
    k = _as_tuple(layer, "kernel_size", kernel_size, nd)
    s = k if stride is None or (not np.isscalar(stride) and len(stride) == 0) \
        else _as_tuple(layer, "stride", stride, nd)
    p, d = _as_tuple(layer, "padding", padding, nd), _as_tuple(layer, "dilation", dilation, nd)
    for name, v in (("kernel_size", k), ("stride", s), ("dilation", d)):
        if min(v) <= 0:
            raise ValueError(f"{layer}: {name} should be greater than zero, got {v}")
    if min(p) < 0:
        raise ValueError(f"{layer}: pad must be non-negative, got padding={p}")
    if any(pa > ka // 2 for pa, ka in zip(p, k)):   # torch: <= effective k // 2 and <= k // 2
        raise ValueError(f"{layer}: pad should be at most half of effective kernel size, but "
                         f"got padding={p}, kernel_size={k} and dilation={d}")
    out = [pool_output_size(n, k[a], s[a], p[a], d[a], bool(ceil_mode))
           for a, n in enumerate(x.shape[-nd:])]
    if min(out) < 1:
        raise ValueError(f"{layer}: given input size {tuple(x.shape[-nd - 1:])}, the calculated "
                         f"output size {tuple(out)} is too small")
    return k, s, p, d


def pool2d_params(layer: str, x: object, kernel_size, stride, padding, dilation=1,
                  ceil_mode: bool = False) -> tuple[tuple[int, int], ...]:
    """Validate input (C, H, W) / (N, C, H, W) and the arguments as torch does -> k, s, p, d."""
    return pool_params(layer, x, 2, kernel_size, stride, padding, dilation, ceil_mode)


def max_pool2d(input: np.ndarray, kernel_size, stride=None, padding=0, dilation=1,
               ceil_mode: bool = False, return_indices: bool = False):
    """``torch.nn.functional.max_pool2d``: (N, C, H, W) or (C, H, W) -> pooled (+ int64 indices)."""
    k, s, p, d = pool2d_params("max_pool2d", input, kernel_size, stride, padding, dilation, ceil_mode)
    x4 = input if input.ndim == 4 else input[None]                      # (N, C, H, W)
    y, cache = max_pool2d_forward(x4, k, s, p, d, bool(ceil_mode), codes=bool(return_indices))
    if not return_indices:
        return y if input.ndim == 4 else y[0]
    idx = max_pool2d_indices(cache)
    return (y, idx) if input.ndim == 4 else (y[0], idx[0])


def check_divisor(layer: str, divisor_override) -> None:
    if divisor_override is None:
        return
    if not isinstance(divisor_override, (int, np.integer)) or isinstance(divisor_override, bool):
        raise TypeError(f"{layer}: divisor_override must be an int or None, got {divisor_override!r}")
    if divisor_override == 0:
        raise ValueError(f"{layer}: divisor must be not zero")


def avg_pool2d(input: np.ndarray, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True, divisor_override: int | None = None) -> np.ndarray:
    """``torch.nn.functional.avg_pool2d``: (N, C, H, W) or (C, H, W) -> pooled."""
    k, s, p, _ = pool2d_params("avg_pool2d", input, kernel_size, stride, padding, 1, ceil_mode)
    check_divisor("avg_pool2d", divisor_override)
    x4 = input if input.ndim == 4 else input[None]                      # (N, C, H, W)
    y, _ = avg_pool2d_forward(x4, k, s, p, bool(ceil_mode), bool(count_include_pad), divisor_override)
    return y if input.ndim == 4 else y[0]
