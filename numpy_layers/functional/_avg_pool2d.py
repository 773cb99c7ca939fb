"""2-D average pooling forward and backward (see ``pooling.py``)."""
from __future__ import annotations

import numpy as np

from ._pool_plumbing import _items, _run, _scratch, _spans, _taps, pool_output_size


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
