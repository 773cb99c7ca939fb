"""2-D max and average pooling on NCHW arrays, with torch's CPU rules.

Every op loops over window taps and works on whole strided slices, never on output
pixels; a tap's slice is cut to the outputs whose tap lands inside the input, so no
padded copy is made. Forward passes are separable: max pooling reduces each row over
the kw column taps, then the row maxima over the kh row taps (which keeps torch's
row-major "first maximum wins" order), average pooling sums rows then columns. Max
pooling keeps per output the winning tap number ``code`` (kh*kw: no real element).
Max backward loops over the kh*kw taps in reverse, so each input adds its windows'
gradients in torch's order: results are bitwise equal to torch.

Speed choices, measured on this 2-core machine (float32 (8,64,112,112), see report):
strided float ops cost ~0.3 ns/element against ~0.07 contiguous, so the separable
forward (fewer strided passes) is 2-3x faster than the kh*kw tap loop; work items of
~1 MB (planes, or row bands of big planes) keep re-read data in cache; items are split
over a 2-thread pool (numpy releases the GIL in its loops; smaller items were slower
in threads because of GIL hand-offs between the many short numpy calls).
"""
from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from .._checks import as_pair, check_float_array

_THREADS = max(1, min(2, os.cpu_count() or 1))
_ITEM_BYTES = 1 << 20          # input bytes per work item
_MIN_PARALLEL = 1 << 21        # below this many input bytes one thread is faster
_POOL: list[ThreadPoolExecutor] = []
_TLS = threading.local()       # per-thread scratch buffers, reused across calls


# ----------------------------------------------------------------------------- plumbing
def pool_output_size(n: int, k: int, s: int, p: int, d: int, ceil_mode: bool) -> int:
    """torch's pooling_output_shape: the last window must start inside input or left pad."""
    out = (n + 2 * p - d * (k - 1) - 1 + (s - 1 if ceil_mode else 0)) // s + 1
    if ceil_mode and (out - 1) * s >= n + p:
        out -= 1
    return out


def _spans(k: int, s: int, p: int, d: int, lo: int, hi: int, r0: int, r1: int) -> list:
    """Per tap: outputs o in [r0, r1) whose tap o*s - p + t*d is in [lo, hi), as
    (out slice relative to r0, input slice relative to lo), or None."""
    res = []
    for t in range(k):
        off = t * d - p
        a, b = max(r0, -((off - lo) // s)), min(r1, (hi - 1 - off) // s + 1)
        st = a * s + off - lo
        res.append((slice(a - r0, b - r0), slice(st, st + (b - a - 1) * s + 1, s)) if b > a else None)
    return res


def _full(sp, n: int) -> bool:
    return sp is not None and sp[0] == slice(0, n)


def _ix(a: np.ndarray, axis: int, sl) -> np.ndarray:
    return a[(slice(None),) * axis + (sl,)]


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
    """Run ``fn(*item)`` for every item, in contiguous groups over the thread pool."""
    nt = max(1, min(_THREADS if nbytes >= _MIN_PARALLEL else 1, len(items)))
    cut = [len(items) * g // nt for g in range(nt + 1)]

    def group(g: int) -> None:
        with np.errstate(invalid="ignore", over="ignore"):   # inf - inf, NaN: silent as torch
            for it in items[cut[g]:cut[g + 1]]:
                fn(*it)

    if nt > 1 and not _POOL:
        _POOL.append(ThreadPoolExecutor(_THREADS - 1, thread_name_prefix="numpy_layers_pool"))
    futs = [_POOL[0].submit(group, g) for g in range(1, nt)]
    group(0)
    for f in futs:
        f.result()


def _scratch(name: str, shape: tuple[int, ...], dtype) -> np.ndarray:
    """A per-thread reusable buffer (fresh large arrays page-fault on every item)."""
    bufs = _TLS.__dict__.setdefault("bufs", {})
    n, key = int(np.prod(shape)), (name, np.dtype(dtype))
    if key not in bufs or bufs[key].size < n:
        bufs[key] = np.empty(n, dtype)
    return bufs[key][:n].reshape(shape)


def _code_dtype(taps: int) -> np.dtype:
    return np.dtype(np.uint8 if taps < 255 else np.uint16 if taps < 65535 else np.uint32)


def _first_real(k: int, s: int, p: int, d: int, n_out: int) -> np.ndarray:
    """Per output, torch's first in-bounds tap (>= k when the window has none)."""
    start = np.arange(n_out, dtype=np.int64) * s - p
    return np.maximum(0, -(start // d))                                 # ceil(-start / d)


def _set_outside(a: np.ndarray, axis: int, sp, value) -> None:
    """Set ``a`` to ``value`` along ``axis`` outside the out slice of span ``sp``."""
    if sp is None:
        a[...] = value
        return
    a[(slice(None),) * axis + (slice(0, sp[0].start),)] = value
    a[(slice(None),) * axis + (slice(sp[0].stop, None),)] = value


def _coverage(sp, n: int) -> np.ndarray:
    """How many taps land on each of the n input positions (1-D, int)."""
    cnt = np.zeros(n, np.int64)
    for s in sp:
        if s is not None:
            cnt[s[1]] += 1
    return cnt


def _max_stage(src, csrc, out, cout, axis: int, sp, mult: int, m, tmp) -> None:
    """out = running max of src over the taps ``sp`` along ``axis``; cout gets the winner's
    t*mult + csrc (csrc None: 0) and must hold each output's first real tap on entry.
    ``val > max`` keeps the first maximum; winners only move to later taps, so the last
    update is the running max of the candidates (monotone)."""
    n, typ, t0 = out.shape[axis], cout.dtype.type, 1
    if _full(sp[0], n) and len(sp) > 1 and _full(sp[1], n):   # tap 0 as "max so far": no copy
        s0, s1 = _ix(src, axis, sp[0][1]), _ix(src, axis, sp[1][1])
        np.greater(s1, s0, out=m)
        np.maximum(s1, s0, out=out)            # ties return s0: the first maximum stays
        if csrc is None:
            np.multiply(m, typ(mult), out=cout)
        else:
            np.multiply(np.add(_ix(csrc, axis, sp[1][1]), typ(mult), out=tmp), m, out=tmp)
            np.maximum(_ix(csrc, axis, sp[0][1]), tmp, out=cout)
        t0 = 2
    else:
        _set_outside(out, axis, sp[0], -np.inf)
        if sp[0] is not None:
            _ix(out, axis, sp[0][0])[...] = _ix(src, axis, sp[0][1])
            if csrc is not None:
                _ix(cout, axis, sp[0][0])[...] = _ix(csrc, axis, sp[0][1])
    for t in range(t0, len(sp)):
        if sp[t] is None:
            continue
        o, i = sp[t]
        v, ys, ms, ts, cs = (_ix(src, axis, i), _ix(out, axis, o), _ix(m, axis, o),
                             _ix(tmp, axis, o), _ix(cout, axis, o))
        np.greater(v, ys, out=ms)
        np.maximum(v, ys, out=ys)
        if csrc is None:
            np.multiply(ms, typ(t * mult), out=ts)
        else:
            np.multiply(np.add(_ix(csrc, axis, i), typ(t * mult), out=ts), ms, out=ts)
        np.maximum(cs, ts, out=cs)


def _sum_stage(src, out, axis: int, sp) -> None:
    """out = sum of src over the taps ``sp`` along ``axis`` (0 where no tap lands)."""
    t0 = 1
    if _full(sp[0], out.shape[axis]) and len(sp) > 1 and _full(sp[1], out.shape[axis]):
        np.add(_ix(src, axis, sp[0][1]), _ix(src, axis, sp[1][1]), out=out)
        t0 = 2
    else:
        _set_outside(out, axis, sp[0], 0)
        if sp[0] is not None:
            _ix(out, axis, sp[0][0])[...] = _ix(src, axis, sp[0][1])
    for t in range(t0, len(sp)):
        if sp[t] is not None:
            o = _ix(out, axis, sp[t][0])
            np.add(o, _ix(src, axis, sp[t][1]), out=o)


def _scatter_stage(src, dst, axis: int, sp) -> None:
    """dst = sum over taps of src's out slice placed at the tap's input positions."""
    cnt = _coverage(sp, dst.shape[axis])
    disjoint = cnt.max(initial=0) <= 1
    if not disjoint:
        dst[...] = 0
    elif not cnt.all():
        dst[(slice(None),) * axis + (np.flatnonzero(cnt == 0),)] = 0
    for s in sp:
        if s is not None:
            d = _ix(dst, axis, s[1])
            if disjoint:
                d[...] = _ix(src, axis, s[0])
            else:
                np.add(d, _ix(src, axis, s[0]), out=d)


# ----------------------------------------------------------------------------- max
def max_pool2d_forward(x: np.ndarray, kernel_size: tuple[int, int], stride: tuple[int, int],
                       padding: tuple[int, int], dilation: tuple[int, int] = (1, 1),
                       ceil_mode: bool = False):
    """x (N, C, H, W) -> y (N, C, Ho, Wo), cache. Pairs are already normalised."""
    N, C, H, W = x.shape
    (kh, kw), (sh, sw), (ph, pw), (dh, dw) = kernel_size, stride, padding, dilation
    T = kh * kw
    Ho, Wo = pool_output_size(H, kh, sh, ph, dh, ceil_mode), pool_output_size(W, kw, sw, pw, dw, ceil_mode)
    x3 = x.reshape(N * C, H, W)                                         # (P, H, W)
    y3 = np.empty((N * C, Ho, Wo), x.dtype)                             # (P, Ho, Wo)
    c3 = np.empty((N * C, Ho, Wo), _code_dtype(T))
    i0, j0 = _first_real(kh, sh, ph, dh, Ho), _first_real(kw, sw, pw, dw, Wo)
    first = np.where((i0[:, None] < kh) & (j0[None, :] < kw),
                     i0[:, None] * kw + j0[None, :], T).astype(c3.dtype)  # (Ho, Wo)
    spw = _spans(kw, sw, pw, dw, 0, W, 0, Wo)

    def item(p0: int, p1: int, r0: int, r1: int) -> None:
        P, hlo = p1 - p0, max(0, r0 * sh - ph)
        hhi = max(hlo, min(H, (r1 - 1) * sh - ph + (kh - 1) * dh + 1))
        Y, Cd = y3[p0:p1, r0:r1], c3[p0:p1, r0:r1]
        # stage 1: each input row, max over the kw column taps -> R, J (winning j)
        R, J = _scratch("R", (P, hhi - hlo, Wo), x.dtype), _scratch("J", (P, hhi - hlo, Wo), c3.dtype)
        m, tmp = _scratch("m", R.shape, bool), _scratch("tmp", R.shape, c3.dtype)
        J[...] = np.minimum(j0, kw).astype(c3.dtype)
        _max_stage(x3[p0:p1, hlo:hhi], None, R, J, 2, spw, 1, m, tmp)
        # stage 2: max over the kh row taps of R; candidate code i*kw + J
        Cd[...] = first[r0:r1]
        sph = _spans(kh, sh, ph, dh, hlo, hhi, r0, r1)
        _max_stage(R, J, Y, Cd, 1, sph, kw, _scratch("m2", Y.shape, bool), _scratch("t2", Y.shape, c3.dtype))
        if (j0 >= kw).any():                   # no real column: torch's "no element" window
            Cd[:, :, j0 >= kw] = T
        if np.isnan(np.sum(Y)):                # torch: ``val > max or isnan(val)``: last NaN wins
            isnan_y = np.isnan(Y)
            for t, (a, b) in enumerate((a, b) for a in _spans(kh, sh, ph, dh, 0, H, r0, r1) for b in spw):
                if a is not None and b is not None:
                    hit = np.isnan(x3[p0:p1, a[1], b[1]]) & isnan_y[:, a[0], b[0]]
                    np.copyto(Cd[:, a[0], b[0]], t, where=hit)

    _run(item, _items(N * C, Ho, H * W * x.itemsize), x.nbytes)
    cache = (c3, x.shape, x.dtype, kernel_size, stride, padding, dilation, (i0, j0))
    return y3.reshape(N, C, Ho, Wo), cache                              # (N, C, Ho, Wo)


def max_pool2d_indices(cache) -> np.ndarray:
    """torch's return_indices: int64 (N, C, Ho, Wo) flat index h*W + w per input plane."""
    c3, (N, C, H, W), _, (kh, kw), (sh, sw), (ph, pw), (dh, dw), (i0, j0) = cache
    T, (Ho, Wo) = kh * kw, c3.shape[1:]
    offs = np.append((np.arange(T) // kw) * dh * W + (np.arange(T) % kw) * dw, 0)  # (T+1,)
    hb, wb = np.arange(Ho, dtype=np.int64) * sh - ph, np.arange(Wo, dtype=np.int64) * sw - pw
    idx = np.take(offs, c3) + (hb[:, None] * W + wb[None, :])          # (P, Ho, Wo)
    none = c3 == T                        # no real element: torch's (ih0, iw0) anyway
    if none.any():
        idx = np.where(none, (hb + i0 * dh)[:, None] * W + (wb + j0 * dw)[None, :], idx)
    return idx.reshape(N, C, Ho, Wo)


def max_pool2d_backward(dy: np.ndarray, cache) -> np.ndarray:
    """dy (N, C, Ho, Wo) -> dx (N, C, H, W): each dy goes to its window's winner.

    dx is built per phase (input rows = rh mod sh, cols = rw mod sw): its taps add into a
    contiguous buffer in torch's order (0 + each window's share), copied once into dx.
    """
    c3, (N, C, H, W), dtype, (kh, kw), (sh, sw), (ph, pw), (dh, dw), _ = cache
    Ho, Wo = c3.shape[1:]
    dy3 = dy.reshape(N * C, Ho, Wo)                                     # (P, Ho, Wo)
    dx3 = np.empty((N * C, H, W), dtype)                                # (P, H, W)
    spw = _spans(kw, sw, pw, dw, 0, W, 0, Wo)
    plans: dict = {}

    def plan(h0: int, h1: int) -> list:
        """Per phase: dx slices, shape, taps (t, out rows, out cols, buffer rows, cols)."""
        sph, res = _spans(kh, sh, ph, dh, h0, h1, 0, Ho), []
        for rh in range(sh):
            for rw in range(sw):
                r0 = (rh - h0) % sh                                     # first item row
                shape = (len(range(r0, h1 - h0, sh)), len(range(rw, W, sw)))
                taps = []
                for t in reversed(range(kh * kw)):                      # torch's order
                    a, b = sph[t // kw], spw[t % kw]
                    if a is None or b is None or (a[1].start - r0) % sh or (b[1].start - rw) % sw:
                        continue
                    u, v = (a[1].start - r0) // sh, (b[1].start - rw) // sw
                    n, m = a[0].stop - a[0].start, b[0].stop - b[0].start
                    taps.append((t, a[0], b[0], slice(u, u + n), slice(v, v + m)))
                full = len(taps) == 1 and (taps[0][3].stop - taps[0][3].start,
                                           taps[0][4].stop - taps[0][4].start) == shape
                res.append(((slice(r0, None, sh), slice(rw, None, sw)), shape, taps, full))
        return res

    def item(p0: int, p1: int, h0: int, h1: int) -> None:
        dX, dY, Cd, P = dx3[p0:p1, h0:h1], dy3[p0:p1], c3[p0:p1], p1 - p0
        if (h0, h1) not in plans:
            plans[(h0, h1)] = plan(h0, h1)
        eq, w = _scratch("m", dY.shape, bool), _scratch("g", dY.shape, dtype)
        finite = bool(np.isfinite(np.sum(dY)))
        for (rs, cs), shape, taps, full in plans[(h0, h1)]:
            D = dX[:, rs, cs]                                           # (P, *shape) strided
            if not taps or 0 in shape:
                D[...] = 0
                continue
            A = D if full or sw == sh == 1 else _scratch("acc", (P,) + shape, dtype)
            if not full:
                A[...] = 0
            for t, a, b, u, v in taps:
                e = np.equal(Cd[:, a, b], t, out=eq[:, a, b])
                if finite:                     # dy * bool: ~3x faster than where (inf*0: NaN)
                    g = np.multiply(dY[:, a, b], e, out=w[:, a, b])
                else:
                    g = np.where(e, dY[:, a, b], 0)
                np.add(g, 0, out=A[:, u, v]) if full else np.add(A[:, u, v], g, out=A[:, u, v])
            if A is not D:
                np.copyto(D, A)

    _run(item, _items(N * C, H, H * W * np.dtype(dtype).itemsize), dx3.nbytes)
    return dx3.reshape(N, C, H, W)                                      # (N, C, H, W)


# ----------------------------------------------------------------------------- average
def _avg_divisor(n: int, k: int, s: int, p: int, n_out: int, include_pad: bool) -> np.ndarray:
    """Per output row (or col), torch's factor of the divisor (pool size or real count)."""
    start = np.arange(n_out, dtype=np.int64) * s - p
    end = np.minimum(start + k, n + p)
    if include_pad:
        return end - start
    return np.minimum(end, n) - np.maximum(start, 0)


def avg_pool2d_forward(x: np.ndarray, kernel_size: tuple[int, int], stride: tuple[int, int],
                       padding: tuple[int, int], ceil_mode: bool = False,
                       count_include_pad: bool = True, divisor_override: int | None = None):
    """x (N, C, H, W) -> y (N, C, Ho, Wo), cache: column sums, then row sums, / divisor."""
    N, C, H, W = x.shape
    (kh, kw), (sh, sw), (ph, pw) = kernel_size, stride, padding
    Ho, Wo = pool_output_size(H, kh, sh, ph, 1, ceil_mode), pool_output_size(W, kw, sw, pw, 1, ceil_mode)
    if divisor_override is not None:
        div = np.full((Ho, Wo), divisor_override, x.dtype)
    else:
        fh = _avg_divisor(H, kh, sh, ph, Ho, count_include_pad)
        fw = _avg_divisor(W, kw, sw, pw, Wo, count_include_pad)
        div = (fh[:, None] * fw[None, :]).astype(x.dtype)               # (Ho, Wo)
    x3 = x.reshape(N * C, H, W)                                         # (P, H, W)
    y3 = np.empty((N * C, Ho, Wo), x.dtype)                             # (P, Ho, Wo)
    spw = _spans(kw, sw, pw, 1, 0, W, 0, Wo)

    def item(p0: int, p1: int, r0: int, r1: int) -> None:
        hlo = max(0, r0 * sh - ph)
        hhi = max(hlo, min(H, (r1 - 1) * sh - ph + kh))
        R = _scratch("R", (p1 - p0, r1 - r0, W), x.dtype)               # (P, Ro, W)
        _sum_stage(x3[p0:p1, hlo:hhi], R, 1, _spans(kh, sh, ph, 1, hlo, hhi, r0, r1))
        Y = y3[p0:p1, r0:r1]
        _sum_stage(R, Y, 2, spw)
        np.divide(Y, div[r0:r1], out=Y)

    _run(item, _items(N * C, Ho, H * W * x.itemsize), x.nbytes)
    return y3.reshape(N, C, Ho, Wo), (x.shape, x.dtype, kernel_size, stride, padding, div)


def avg_pool2d_backward(dy: np.ndarray, cache) -> np.ndarray:
    """dy (N, C, Ho, Wo) -> dx (N, C, H, W): every tap of a window gets dy / divisor."""
    (N, C, H, W), dtype, (kh, kw), (sh, sw), (ph, pw), div = cache
    Ho, Wo = div.shape
    dy3 = dy.reshape(N * C, Ho, Wo)                                     # (P, Ho, Wo)
    dx3 = np.empty((N * C, H, W), dtype)                                # (P, H, W)
    spw = _spans(kw, sw, pw, 1, 0, W, 0, Wo)

    def item(p0: int, p1: int, h0: int, h1: int) -> None:
        rows = [s[0] for s in _spans(kh, sh, ph, 1, h0, h1, 0, Ho) if s is not None]
        if not rows:
            dx3[p0:p1, h0:h1] = 0
            return
        a, b = min(r.start for r in rows), max(r.stop for r in rows)   # outputs touching h0:h1
        G = np.divide(dy3[p0:p1, a:b], div[a:b], out=_scratch("G", (p1 - p0, b - a, Wo), dtype))
        Rg = _scratch("R", (p1 - p0, b - a, W), dtype)                  # (P, Ro, W)
        _scatter_stage(G, Rg, 2, spw)
        _scatter_stage(Rg, dx3[p0:p1, h0:h1], 1, _spans(kh, sh, ph, 1, h0, h1, a, b))

    _run(item, _items(N * C, H, H * W * np.dtype(dtype).itemsize), dx3.nbytes)
    return dx3.reshape(N, C, H, W)                                      # (N, C, H, W)
# ----------------------------------------------------------------------------- checks and F-style
def pool2d_params(layer: str, x: object, kernel_size, stride, padding, dilation=1,
                  ceil_mode: bool = False) -> tuple[tuple[int, int], ...]:
    """Validate input (C, H, W) / (N, C, H, W) and the arguments as torch does -> k, s, p, d."""
    check_float_array(layer, x)
    if x.ndim not in (3, 4) or 0 in x.shape[-3:]:
        raise ValueError(f"{layer}: expected 3-D (C, H, W) or 4-D (N, C, H, W) input with non-zero "
                         f"C, H, W (N may be 0), got shape {tuple(x.shape)}")
    k = as_pair(layer, "kernel_size", kernel_size)
    s = k if stride is None or (not np.isscalar(stride) and len(stride) == 0) \
        else as_pair(layer, "stride", stride)
    p, d = as_pair(layer, "padding", padding), as_pair(layer, "dilation", dilation)
    for name, v in (("kernel_size", k), ("stride", s), ("dilation", d)):
        if min(v) <= 0:
            raise ValueError(f"{layer}: {name} should be greater than zero, got {v}")
    if min(p) < 0:
        raise ValueError(f"{layer}: pad must be non-negative, got padding={p}")
    for ax in range(2):
        eff = (k[ax] - 1) * d[ax] + 1
        if p[ax] > eff // 2 or p[ax] > k[ax] // 2:     # torch checks both (max pool)
            raise ValueError(
                f"{layer}: pad should be at most half of effective kernel size, but got "
                f"padding={p}, kernel_size={k} and dilation={d}")
    H, W = x.shape[-2:]
    out = [pool_output_size(n, k[a], s[a], p[a], d[a], bool(ceil_mode)) for a, n in enumerate((H, W))]
    if min(out) < 1:
        raise ValueError(f"{layer}: given input size {tuple(x.shape[-3:])}, the calculated output "
                         f"size {tuple(out)} is too small")
    return k, s, p, d


def max_pool2d(input: np.ndarray, kernel_size, stride=None, padding=0, dilation=1,
               ceil_mode: bool = False, return_indices: bool = False):
    """``torch.nn.functional.max_pool2d``: (N, C, H, W) or (C, H, W) -> pooled (+ int64 indices)."""
    k, s, p, d = pool2d_params("max_pool2d", input, kernel_size, stride, padding, dilation, ceil_mode)
    x4 = input if input.ndim == 4 else input[None]                      # (N, C, H, W)
    y, cache = max_pool2d_forward(x4, k, s, p, d, bool(ceil_mode))
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
