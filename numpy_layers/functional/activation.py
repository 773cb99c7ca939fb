"""Elementwise activations as forward/backward pairs (softmax family: ``softmax.py``).

Each op ``name_forward(x, ...) -> (y, cache)`` and ``name_backward(dy, cache) -> dx``
(``prelu_backward`` -> (dx, dweight)), plus the ``torch.nn.functional`` names."""
from __future__ import annotations

import numpy as np

from ._threads import PARALLEL_MIN, blockwise
from ._special import (_arrays, _c, _keep, _one_minus_tanh2, _select, _sigmoid, _softplus1,
                       ndtr)


@_arrays
def relu_forward(x: np.ndarray, *, out: np.ndarray | None = None):
    """x (any shape) -> y = max(x, 0) with NaN propagated (as torch), cache: the bool mask
    where the gradient passes. torch's threshold_backward passes it unless x <= 0, so NaN
    passes it. Large contiguous x: one pass per cache-sized block, blocks over threads.
    ``out``: where y goes (x's shape and dtype; x itself for the in-place form)."""
    zero = x.dtype.type(0)
    if x.ndim == 0 or x.size < PARALLEL_MIN or not _flat(x, out):
        keep = np.asarray(np.less_equal(x, zero))   # 0-d x: an array, for out= below
        np.logical_not(keep, out=keep)              # before y: out may be x
        return np.maximum(x, zero, out=out), keep
    y, keep = np.empty_like(x) if out is None else out, np.empty(x.shape, np.bool_)
    xf, yf, kf = x.reshape(-1), y.reshape(-1), keep.reshape(-1)      # flat views

    def block(lo: int, hi: int) -> None:
        np.maximum(xf[lo:hi], zero, out=yf[lo:hi])
        np.not_equal(yf[lo:hi], zero, out=kf[lo:hi])   # y != 0: x > 0 or NaN, one pass

    blockwise(block, x.size)
    return y, keep


def _flat(x: np.ndarray, out: np.ndarray | None) -> bool:
    """x (and out, when given) C-contiguous: the blockwise path can take flat views."""
    return x.flags.c_contiguous and (out is None or out.flags.c_contiguous)


@_arrays
def relu_backward(dy: np.ndarray, cache) -> np.ndarray:
    """dy (any shape) -> dx = dy where x > 0 or x is NaN, else 0."""
    return _keep(cache, dy)                   # not dy * mask: inf * 0 would be NaN


def relu(input: np.ndarray, inplace: bool = False) -> np.ndarray:
    """``torch.nn.functional.relu``. ``inplace`` is accepted; the input is never modified."""
    return relu_forward(input)[0]


# ----------------------------------------------------------------------------- notes
# NAN_NOTE: torch 2.x runs these kernels as a SIMD loop plus a scalar loop for the last
# (numel mod 2*vector width) elements, and for ReLU6, ELU, SELU and Hardswish the two loops
# disagree on the gradient at NaN (scalar: passes dy or dy*scale; SIMD: 0 for ReLU6, NaN
# for the others). We follow the SIMD loop, which is what nearly every element of a real
# tensor gets. Kinks (x == 0, +-3, 6) agree in both loops and are followed exactly.
# Scalar options are cast to the input's dtype (``_c``), as torch does, so float32 stays
# float32. The shared numerics (``_select``, ``_sigmoid`` ...) live in ``_special.py``.

# ----------------------------------------------------------------------------- Hardtanh, ReLU6
@_arrays
def hardtanh_forward(x: np.ndarray, min_val: float = -1.0, max_val: float = 1.0, *,
                     out: np.ndarray | None = None):
    """x (any shape) -> min(max(x, min_val), max_val), NaN propagated; cache: where the
    gradient passes. ``out``: where y goes (x's shape and dtype; x itself: in place)."""
    lo, hi = _c(x, min_val), _c(x, max_val)
    # torch's hardtanh_backward passes the gradient only where min_val < x < max_val: both
    # kinks get 0, and so does NaN (torch's SIMD loop; its scalar tail would pass it, see
    # NAN_NOTE).
    if x.ndim == 0 or x.size < PARALLEL_MIN or not _flat(x, out):
        keep = (x > lo) & (x < hi)                  # before y: out may be x
        return np.minimum(np.maximum(x, lo, out=out), hi, out=out), keep
    y, keep = np.empty_like(x) if out is None else out, np.empty(x.shape, np.bool_)
    xf, yf, kf = x.reshape(-1), y.reshape(-1), keep.reshape(-1)      # flat views

    def block(a: int, b: int) -> None:      # one cache-sized block: the mask, then y
        xb, yb, kb = xf[a:b], yf[a:b], kf[a:b]
        np.greater(xb, lo, out=kb)
        kb &= np.less(xb, hi)
        np.minimum(np.maximum(xb, lo, out=yb), hi, out=yb)

    blockwise(block, x.size)
    return y, keep


@_arrays
def hardtanh_backward(dy: np.ndarray, cache) -> np.ndarray:
    return _keep(cache, dy)                   # 0 (not dy * 0) outside: inf * 0 would be NaN


def check_hardtanh_range(layer: str, min_val: float, max_val: float) -> None:
    """F.hardtanh's check: min_val may equal max_val (a constant), not exceed it."""
    if min_val > max_val:
        raise ValueError(f"{layer}: min_val cannot be greater than max_val, got min_val="
                         f"{min_val}, max_val={max_val}")


def hardtanh(input: np.ndarray, min_val: float = -1.0, max_val: float = 1.0,
             inplace: bool = False) -> np.ndarray:
    """``torch.nn.functional.hardtanh``. ``inplace`` is accepted; the input is never modified."""
    check_hardtanh_range("hardtanh", min_val, max_val)
    return np.asarray(hardtanh_forward(input, min_val, max_val)[0])


def relu6_forward(x: np.ndarray, *, out: np.ndarray | None = None):
    """x (any shape) -> min(max(x, 0), 6): torch's ``hardtanh(x, 0, 6)``."""
    return hardtanh_forward(x, 0.0, 6.0, out=out)


relu6_backward = hardtanh_backward


def relu6(input: np.ndarray, inplace: bool = False) -> np.ndarray:
    """``torch.nn.functional.relu6``. ``inplace`` is accepted; the input is never modified."""
    return np.asarray(relu6_forward(input)[0])


# ----------------------------------------------------------------------------- LeakyReLU
@_arrays
def leaky_relu_forward(x: np.ndarray, negative_slope: float = 0.01):
    """x if x > 0 else negative_slope * x; x == 0 and NaN take the slope side, as torch."""
    pos = x > 0
    return _select(pos, x, x * _c(x, negative_slope)), (pos, negative_slope)


@_arrays
def leaky_relu_backward(dy: np.ndarray, cache) -> np.ndarray:
    pos, slope = cache
    return _select(pos, dy, dy * _c(dy, slope))


def leaky_relu(input: np.ndarray, negative_slope: float = 0.01,
               inplace: bool = False) -> np.ndarray:
    """``torch.nn.functional.leaky_relu``; the input is never modified."""
    return np.asarray(leaky_relu_forward(input, negative_slope)[0])


# ----------------------------------------------------------------------------- PReLU
def prelu_weight(x: np.ndarray, weight: np.ndarray, layer: str = "prelu") -> np.ndarray:
    """``weight`` (0-D, (1,) or (C,)) reshaped to broadcast over x's channel dim 1.

    As torch: C is ``x.shape[1]`` for x of 2 or more dims, else 1; 0-D x needs one weight."""
    if weight.ndim > 1:
        raise ValueError(f"{layer}: expected a 0-D or 1-D weight, got shape {tuple(weight.shape)}")
    if weight.dtype != x.dtype:
        raise TypeError(f"{layer}: input dtype {x.dtype} and weight dtype {weight.dtype} differ "
                        f"(torch does not promote here either)")
    n = weight.size
    if x.ndim == 0 and n != 1:
        raise ValueError(f"{layer}: a 0-D input needs a single weight, got {n} weights")
    channels = x.shape[1] if x.ndim >= 2 else 1
    if n != 1 and n != channels:
        raise ValueError(f"{layer}: {n} weights (num_parameters) but the input has {channels} "
                         f"channel(s) on dim 1 (shape {tuple(x.shape)})")
    if n == 1:
        return weight.reshape(())
    return weight.reshape((n,) + (1,) * (x.ndim - 2))       # (C, 1, ..., 1)


@_arrays
def prelu_forward(x: np.ndarray, weight: np.ndarray):
    """x (N, C, *) or any rank with one weight -> x if x > 0 else weight[c] * x."""
    w = prelu_weight(x, weight)
    pos = x > 0
    return _select(pos, x, w * x), (x, w, pos, weight.shape)


@_arrays
def prelu_backward(dy: np.ndarray, cache):
    """-> (dx, dweight); dweight sums dy * x over x <= 0 (NaN included, as torch) per channel."""
    x, w, pos, wshape = cache
    zero = dy.dtype.type(0)
    dx = _select(pos, dy, w * dy)
    g = _select(pos, zero, x * dy)
    if w.ndim == 0:
        dw = np.sum(g)
    else:
        dw = np.sum(g, axis=(0,) + tuple(range(2, x.ndim)))    # (C,)
    return dx, np.asarray(dw, dtype=dy.dtype).reshape(wshape)


def prelu(input: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """``torch.nn.functional.prelu``: weight per channel on dim 1 (or a single one)."""
    return np.asarray(prelu_forward(input, weight)[0])


# ----------------------------------------------------------------------------- ELU, SELU
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


@_arrays
def _elu_forward(x: np.ndarray, alpha: float, scale: float):
    # torch: x <= 0 ? expm1(x) * alpha*scale : x * scale; the product alpha*scale is taken
    # in the tensor's dtype. min(x, 0) keeps expm1 from overflowing on the unused side.
    negcoef = _c(x, alpha) * _c(x, scale)
    y = _select(x <= 0, np.expm1(np.minimum(x, _c(x, 0))) * negcoef, x * _c(x, scale))
    return y, (x, negcoef, scale)


@_arrays
def _elu_backward(dy: np.ndarray, cache) -> np.ndarray:
    # torch (from the input): x > 0 ? dy * scale : dy * alpha*scale * exp(x), so x == 0
    # takes alpha*scale and NaN gives NaN (torch's SIMD loop, see NAN_NOTE).
    x, negcoef, scale = cache
    e = np.exp(np.minimum(x, _c(x, 0)))
    return _select(x > 0, dy * _c(dy, scale), dy * negcoef * e)


@_arrays
def elu_forward(x: np.ndarray, alpha: float = 1.0):
    """x if x > 0 else alpha * (exp(x) - 1) (expm1, exact near 0)."""
    return _elu_forward(x, alpha, 1.0)


@_arrays
def elu_backward(dy: np.ndarray, cache) -> np.ndarray:
    return _elu_backward(dy, cache)


def elu(input: np.ndarray, alpha: float = 1.0, inplace: bool = False) -> np.ndarray:
    """``torch.nn.functional.elu``; the input is never modified."""
    return np.asarray(elu_forward(input, alpha)[0])


@_arrays
def selu_forward(x: np.ndarray):
    """scale * elu(x, alpha) with torch's constants."""
    return _elu_forward(x, _SELU_ALPHA, _SELU_SCALE)


@_arrays
def selu_backward(dy: np.ndarray, cache) -> np.ndarray:
    return _elu_backward(dy, cache)


def selu(input: np.ndarray, inplace: bool = False) -> np.ndarray:
    """``torch.nn.functional.selu``; the input is never modified."""
    return np.asarray(selu_forward(input)[0])


# ----------------------------------------------------------------------------- GELU
_GELU_MODES = ("none", "tanh")
_INV_SQRT_2PI = 0.39894228040143267794        # torch's M_2_SQRTPI * M_SQRT1_2 * 0.5
_TANH_BETA = 0.79788456080286535588            # sqrt(2 / pi)
_TANH_KAPPA = 0.044715


def check_approximate(layer: str, approximate: object) -> str:
    if approximate not in _GELU_MODES:
        raise ValueError(f"{layer}: approximate must be 'none' or 'tanh', got {approximate!r}")
    return approximate  # type: ignore[return-value]


@_arrays
def gelu_forward(x: np.ndarray, approximate: str = "none"):
    """'none': x * Phi(x) with Phi the normal CDF (accurate erfc, no 1 + erf cancellation);
    'tanh': 0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 x^3)))."""
    check_approximate("gelu", approximate)
    if approximate == "none":
        cdf = ndtr(x)
        return x * cdf, ("none", x, cdf)
    with np.errstate(over="ignore"):                     # x^3 -> inf for |x| > 1e12: tanh = +-1
        inner = _c(x, _TANH_BETA) * (x + _c(x, _TANH_KAPPA) * (x * x * x))
    t = np.tanh(inner)
    return _c(x, 0.5) * x * (t + 1), ("tanh", x, (inner, t))


@_arrays
def gelu_backward(dy: np.ndarray, cache) -> np.ndarray:
    mode, x, aux = cache
    if mode == "none":                                   # dy * (Phi(x) + x * phi(x))
        pdf = np.exp(x * x * _c(x, -0.5)) * _c(x, _INV_SQRT_2PI)
        return dy * (aux + x * pdf)
    (inner, t), x2 = aux, x * x                          # torch's formula, 1 - t^2 as sech^2
    left = _c(x, 0.5) * (t + 1)
    with np.errstate(over="ignore", invalid="ignore"):   # |x| > 1e19: inf * 0, as torch
        right = (_c(x, 0.5) * x * _one_minus_tanh2(inner, t) * _c(x, _TANH_BETA)
                 * (x2 * _c(x, 3 * _TANH_KAPPA) + 1))
    return dy * (left + right)


def gelu(input: np.ndarray, approximate: str = "none") -> np.ndarray:
    """``torch.nn.functional.gelu``."""
    return np.asarray(gelu_forward(input, approximate)[0])


# ----------------------------------------------------------------------------- SiLU, Mish
@_arrays
def silu_forward(x: np.ndarray):
    """x * sigmoid(x), computed as torch: x / (1 + exp(-x))."""
    with np.errstate(over="ignore"):                     # x / inf = -0 for x < -88
        return x / (np.exp(-x) + 1), x


@_arrays
def silu_backward(dy: np.ndarray, cache) -> np.ndarray:
    x = cache
    s = _sigmoid(x)                                      # torch: dy * s * (1 + x * (1 - s))
    return dy * s * (x * (1 - s) + 1)


def silu(input: np.ndarray, inplace: bool = False) -> np.ndarray:
    """``torch.nn.functional.silu``; the input is never modified."""
    return np.asarray(silu_forward(input)[0])


@_arrays
def mish_forward(x: np.ndarray):
    """x * tanh(log1p(exp(x))) in torch's order, overflow-free (see ``_softplus1``)."""
    sp = _softplus1(x)
    t = np.tanh(sp)
    return x * t, (x, sp, t)


@_arrays
def mish_backward(dy: np.ndarray, cache) -> np.ndarray:
    x, sp, t = cache                                     # torch: dy * (t + x * s * (1 - t^2))
    return dy * (t + x * _sigmoid(x) * _one_minus_tanh2(sp, t))


def mish(input: np.ndarray, inplace: bool = False) -> np.ndarray:
    """``torch.nn.functional.mish``; the input is never modified."""
    return np.asarray(mish_forward(input)[0])


# ----------------------------------------------------------------------------- Sigmoid, Tanh
@_arrays
def sigmoid_forward(x: np.ndarray):
    """1 / (1 + exp(-x)) without overflow warnings; cache: (x, y)."""
    y = _sigmoid(x)
    return y, (x, y)


@_arrays
def sigmoid_backward(dy: np.ndarray, cache) -> np.ndarray:
    # torch: dy * (1 - y) * y. For x > 1, 1 - y magnifies y's last-bit rounding, so there
    # y (1 - y) = e / (1 + e)^2 with e = exp(-x) is used (accurate to a few ulp), except
    # where y has rounded to 1: 0 there, as torch's (1 - y) * y.
    x, y = cache
    e = np.exp(-np.abs(x))
    d = e + 1
    tail = _select(y == 1, _c(y, 0), e / (d * d))
    return dy * _select(x > 1, tail, (1 - y) * y)


def sigmoid(input: np.ndarray) -> np.ndarray:
    """``torch.nn.functional.sigmoid``."""
    return np.asarray(_sigmoid(input))


@_arrays
def tanh_forward(x: np.ndarray):
    y = np.tanh(x)
    return y, (x, y)


@_arrays
def tanh_backward(dy: np.ndarray, cache) -> np.ndarray:
    x, y = cache                          # torch: dy * (1 - y^2); see _one_minus_tanh2
    return dy * _one_minus_tanh2(x, y)


def tanh(input: np.ndarray) -> np.ndarray:
    """``torch.nn.functional.tanh``."""
    return np.asarray(np.tanh(input))


# ----------------------------------------------------------------- Hardswish, Hardsigmoid
@_arrays
def hardswish_forward(x: np.ndarray):
    """x * min(max(x + 3, 0), 6) / 6 (torch's order of operations)."""
    with np.errstate(invalid="ignore"):                  # -inf * 0 = NaN, as torch
        y = x * np.minimum(np.maximum(x + 3, _c(x, 0)), _c(x, 6)) / 6
    return y, x


@_arrays
def hardswish_backward(dy: np.ndarray, cache) -> np.ndarray:
    # torch: 0 for x <= -3, dy for x >= 3, else dy * (x / 3 + 0.5), so NaN gives NaN
    # (torch's SIMD loop, see NAN_NOTE).
    x = cache
    return _select(x <= -3, dy.dtype.type(0), _select(x >= 3, dy, dy * (x / 3 + _c(x, 0.5))))


def hardswish(input: np.ndarray, inplace: bool = False) -> np.ndarray:
    """``torch.nn.functional.hardswish``; the input is never modified."""
    return np.asarray(hardswish_forward(input)[0])


# torch's hardsigmoid_backward uses the float constant 1.0f / 6.0f in every dtype.
_ONE_SIXTH_F = float(np.float32(1.0) / np.float32(6.0))


@_arrays
def hardsigmoid_forward(x: np.ndarray):
    """min(max(x + 3, 0), 6) / 6; cache: where the gradient passes (-3 < x < 3)."""
    y = np.minimum(np.maximum(x + 3, _c(x, 0)), _c(x, 6)) / 6
    return y, (x > -3) & (x < 3)


@_arrays
def hardsigmoid_backward(dy: np.ndarray, cache) -> np.ndarray:
    return _select(cache, dy * _c(dy, _ONE_SIXTH_F), dy.dtype.type(0))


def hardsigmoid(input: np.ndarray, inplace: bool = False) -> np.ndarray:
    """``torch.nn.functional.hardsigmoid``; the input is never modified."""
    return np.asarray(hardsigmoid_forward(input)[0])


# ----------------------------------------------------------------------------- Softplus
@_arrays
def softplus_forward(x: np.ndarray, beta: float = 1.0, threshold: float = 20.0):
    """log(1 + exp(beta x)) / beta, or x where beta * x > threshold (torch's rule)."""
    z = x * _c(x, beta)
    lin = z > _c(x, threshold)
    with np.errstate(divide="ignore", invalid="ignore"):  # beta = 0: inf, as torch
        y = _select(lin, x, _softplus1(z) / _c(x, beta))
    return y, (z, lin)


@_arrays
def softplus_backward(dy: np.ndarray, cache) -> np.ndarray:
    z, lin = cache                                       # torch: dy * e^z / (e^z + 1)
    e = np.exp(np.minimum(z, _c(z, 20)))
    return _select(lin, dy, _select(z > 20, dy * _sigmoid(z), dy * e / (e + 1)))


def softplus(input: np.ndarray, beta: float = 1.0, threshold: float = 20.0) -> np.ndarray:
    """``torch.nn.functional.softplus``."""
    return np.asarray(softplus_forward(input, beta, threshold)[0])
