"""Numerics shared by the activations: dtype-preserving helpers, overflow-free sigmoid and
softplus in torch's order of operations, an accurate 1 - tanh^2, and the standard normal
CDF for GELU, vectorised, in float32 or float64 arithmetic.

The normal CDF: NumPy has no erf, so ``ndtr`` follows fdlibm's ``s_erf.c`` (its
coefficients and regions; notice below): rational approximations on [0, 0.84375) and
[0.84375, 1.25), and erfc's on [1.25, 1/0.35) and [1/0.35, 28), better than 1 ulp in
float64. The same coefficients evaluated in float32 give erff's accuracy (~1 ulp).
Phi(x) = erfc(-x/sqrt2)/2 is taken from erfc on the far-negative side, so there is no
1 + erf(x) cancellation.
"""
# The erf/erfc coefficients below are from fdlibm s_erf.c:
# ====================================================
# Copyright (C) 1993 by Sun Microsystems, Inc. All rights reserved.
#
# Developed at SunSoft, a Sun Microsystems, Inc. business.
# Permission to use, copy, modify, and distribute this
# software is freely granted, provided that this notice
# is preserved.
# ====================================================
from __future__ import annotations

import functools

import numpy as np

from ._threads import PARALLEL_MIN, blockwise

_ERX = 8.45062911510467529297e-01                 # 0x3FEB0AC1 60000000, exact in float32
# erf(x) = x + x * PP(x^2) / QQ(x^2) on [0, 0.84375)
_PP = (1.28379167095512558561e-01, -3.25042107247001499370e-01, -2.84817495755985104766e-02,
       -5.77027029648944159157e-03, -2.37630166566501626084e-05)
_QQ = (1.0, 3.97917223959155352819e-01, 6.50222499887672944485e-02, 5.08130628187576562776e-03,
       1.32494738004321644526e-04, -3.96022827877536812320e-06)
# erf(x) = erx + PA(s) / QA(s), s = x - 1, on [0.84375, 1.25)
_PA = (-2.36211856075265944077e-03, 4.14856118683748331666e-01, -3.72207876035701323847e-01,
       3.18346619901161753674e-01, -1.10894694282396677476e-01, 3.54783043256182359371e-02,
       -2.16637559486879084300e-03)
_QA = (1.0, 1.06420880400844228286e-01, 5.40397917702171048937e-01, 7.18286544141962662868e-02,
       1.26171219808761642112e-01, 1.36370839120290507362e-02, 1.19844998467991074170e-02)
# erfc(x) = exp(-x^2 - 0.5625 + R(s) / S(s)) / x, s = 1 / x^2, on [1.25, 1/0.35) ...
_RA = (-9.86494403484714822705e-03, -6.93858572707181764372e-01, -1.05586262253232909814e+01,
       -6.23753324503260060396e+01, -1.62396669462573470355e+02, -1.84605092906711035994e+02,
       -8.12874355063065934246e+01, -9.81432934416914548592e+00)
_SA = (1.0, 1.96512716674392571292e+01, 1.37657754143519042600e+02, 4.34565877475229228821e+02,
       6.45387271733267880336e+02, 4.29008140027567833386e+02, 1.08635005541779435134e+02,
       6.57024977031928170135e+00, -6.04244152148580987438e-02)
# ... and on [1/0.35, 28)
_RB = (-9.86494292470009928597e-03, -7.99283237680523006574e-01, -1.77579549177547519889e+01,
       -1.60636384855821916062e+02, -6.37566443368389627722e+02, -1.02509513161107724954e+03,
       -4.83519191608651397019e+02)
_SB = (1.0, 3.03380607434824582924e+01, 3.25792512996573918826e+02, 1.53672958608443695994e+03,
       3.19985821950859553908e+03, 2.55305040643316442583e+03, 4.74528541206955367215e+02,
       -2.24409524465858183362e+01)
_SQRT1_2 = 0.70710678118654752440
# Clearing these low bits of |x| makes z * z exact (fdlibm's split of exp(-x^2)).
_HIGH_BITS = {np.dtype(np.float64): (np.uint64, 0xFFFFFFFF00000000),
              np.dtype(np.float32): (np.uint32, 0xFFFFE000)}


def _c(x: np.ndarray, value: float):
    return x.dtype.type(value)


_UINT = {np.dtype(np.float32): np.uint32, np.dtype(np.float64): np.uint64}


def _arrays(fn):
    """A 0-d input makes NumPy's ufuncs return scalars: the wrapped ``*_forward`` gives its
    ``y`` (first of ``(y, cache)``), a ``*_backward`` its dx (or first of a tuple), as arrays."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        r = fn(*args, **kwargs)
        return (np.asarray(r[0]),) + r[1:] if isinstance(r, tuple) else np.asarray(r)
    return wrapper


def _keep(mask: np.ndarray, a: np.ndarray) -> np.ndarray:
    """``np.where(mask, a, 0)`` for a float array ``a`` and a bool ``mask`` of its shape, as
    one bitwise AND with the mask widened to all-ones words: exact (NaN and inf pass where
    kept, +0.0 elsewhere). Large contiguous arrays go block by block, over threads."""
    ut = _UINT.get(np.asarray(a).dtype)
    if ut is None or np.shape(mask) != np.shape(a):
        return np.where(mask, a, np.asarray(a).dtype.type(0))
    mask = np.asarray(mask)
    if a.size < PARALLEL_MIN or not (a.flags.c_contiguous and mask.flags.c_contiguous):
        m = mask.astype(ut)
        np.negative(m, out=m)                            # True -> all ones, False -> 0
        return np.bitwise_and(a.view(ut), m, out=m).view(a.dtype)
    out = np.empty_like(a)
    af, mf, of = a.reshape(-1).view(ut), mask.reshape(-1), out.reshape(-1).view(ut)

    def block(lo: int, hi: int) -> None:
        m = np.negative(mf[lo:hi], dtype=ut)             # True -> all ones, False -> 0
        np.bitwise_and(af[lo:hi], m, out=of[lo:hi])

    blockwise(block, a.size)
    return out


def _select(mask, a, b) -> np.ndarray:
    """``np.where(mask, a, b)`` for float arrays/scalars of one dtype, as a bitwise blend:
    exact for every value (NaN, inf, -0.0) and faster than np.where with a random mask."""
    a, b = np.asarray(a), np.asarray(b)
    ut = _UINT[a.dtype]
    m = np.asarray(mask).astype(ut)
    np.negative(m, out=m)                                # True -> all ones, False -> 0
    bi = b.astype(a.dtype, copy=False).view(ut)
    r = a.view(ut) ^ bi
    r &= m
    r ^= bi
    return r.view(a.dtype)


# Where torch's float32 kernels compose exp/log1p/tanh, the same order of operations is
# used here, so that results round like torch's (the float32 parity rule allows 4x torch's
# error): exp(-x) -> inf for x < -88 gives the exact limit 1 / inf = 0, so that overflow is
# silenced rather than avoided.

def _sigmoid(x: np.ndarray) -> np.ndarray:
    """1 / (1 + exp(-x)) as torch; no warning when exp(-x) overflows to inf (result 0)."""
    with np.errstate(over="ignore"):
        return np.reciprocal(np.exp(-x) + 1)


def _one_minus_tanh2(a: np.ndarray, t: np.ndarray) -> np.ndarray:
    """1 - t^2 for t = tanh(a), as torch, but accurate. Where |t| -> 1, 1 - t*t magnifies
    t's last-bit rounding (NumPy's and torch's tanh differ there by an ulp), so for
    0.625 <= |t| < 1 it is sech(a)^2 = 4e / (1 + e)^2, e = exp(-2|a|). Where t has rounded
    to +-1 it stays exactly 0, as torch's 1 - t^2 (and its float64 reference) is."""
    e = np.exp(np.abs(a) * _c(a, -2))
    d = e + 1
    sech2 = _select(np.abs(t) == 1, _c(t, 0), e * 4 / (d * d))
    return _select(np.abs(t) < 0.625, 1 - t * t, sech2)


def _softplus1(z: np.ndarray) -> np.ndarray:
    """log1p(exp(z)) as torch for z <= 20; z + log1p(exp(-z)) above (equal there in float32
    and float64 to rounding, and free of overflow)."""
    small = np.log1p(np.exp(np.minimum(z, _c(z, 20))))
    return _select(z > 20, z + np.log1p(np.exp(-np.abs(z))), small)


def _poly(z: np.ndarray, coefs: tuple[float, ...]) -> np.ndarray:
    """coefs[0] + coefs[1] z + ... by Horner, in z's dtype."""
    r = np.full_like(z, coefs[-1])
    for c in coefs[-2::-1]:
        r *= z
        r += c
    return r


def _erfc_tail(a: np.ndarray, xa: np.ndarray) -> np.ndarray:
    """erfc(a) for 1.25 <= a < 28 with a = xa / sqrt(2) (1-D arrays).

    exp(-a^2) is taken as exp(-xa^2 / 2) from the unrounded xa: rounding a first would cost
    a relative error of 2 a^2 ulp in the far tail."""
    s = np.reciprocal(a * a)
    rs = np.empty_like(a)
    near = a < 1 / 0.35
    far = ~near
    rs[near] = _poly(s[near], _RA) / _poly(s[near], _SA)
    rs[far] = _poly(s[far], _RB) / _poly(s[far], _SB)
    utype, mask = _HIGH_BITS[a.dtype]
    z = (xa.view(utype) & mask).view(xa.dtype)     # xa = z + (xa - z), z * z exact
    half = xa.dtype.type(0.5)
    return (np.exp(-(z * z) * half - xa.dtype.type(0.5625))
            * np.exp(rs - (xa - z) * (xa + z) * half) / a)


def ndtr(x: np.ndarray) -> np.ndarray:
    """Phi(x) = P(N(0, 1) <= x) elementwise, same dtype and shape as x; NaN propagates."""
    dt = x.dtype
    half = dt.type(0.5)
    u = (x * dt.type(_SQRT1_2)).ravel()
    a = np.abs(u)
    # |u| < 0.84375 (most elements): Phi = 1/2 + erf(u)/2, erf(u) = u + u P(u^2)/Q(u^2).
    # Evaluated on every element (u^2 clamped, the rest is overwritten below): cheaper than
    # gathering and scattering the majority.
    z = np.minimum(a, dt.type(1))
    z *= z
    with np.errstate(invalid="ignore"):               # u = +-inf: inf - inf, overwritten
        out = (u + u * (_poly(z, _PP) / _poly(z, _QQ))) * half + half
    idx = np.flatnonzero(~(a < 0.84375))              # the rest, NaN included
    if idx.size:
        ub, ab = u[idx], a[idx]
        c = np.zeros_like(ab)                         # erfc(|u|): 0 beyond 28 (underflow)
        c[np.isnan(ab)] = np.nan
        mid = ab < 1.25                               # erfc = (1 - erx) - PA(s)/QA(s)
        sm = ab[mid] - 1
        c[mid] = dt.type(1 - _ERX) - _poly(sm, _PA) / _poly(sm, _QA)
        tail = (ab >= 1.25) & (ab < 28)
        c[tail] = _erfc_tail(ab[tail], np.abs(x.ravel()[idx[tail]]))
        c *= half
        out[idx] = np.where(ub < 0, c, 1 - c)
    return out.reshape(x.shape)
