"""Elementwise losses: mse, l1, smooth_l1, binary_cross_entropy (+ with_logits).

Each as ``<op>_forward(input, target, ...) -> (out, cache)`` and ``<op>_backward(dy, cache) ->
(grad_input, grad_target)``, plus ``torch.nn.functional``'s name and argument order. The
cross-entropy family lives in ``loss_ce.py`` and is re-exported here.

input and target share shape and float dtype; 'mean' divides by the number of elements
(weighted mse/l1: by the sum of the weights, as torch.nn.functional does).
Formulas and gradients follow ATen (Loss.cpp, BinaryOps):
  smooth_l1: z = |x - t|;  0.5 z^2 / beta if z < beta else z - 0.5 beta   (beta == 0 -> l1)
  bce:  -w (t max(log x, -100) + (1 - t) max(log1p(-x), -100));
        d/dx = w (x - t) / max(x (1 - x), float32(1e-12));  d/dt = -w logit(x)
  bce_with_logits: lw = 1 + (pos_weight - 1) t;  w ((1 - t) x - lw logsigmoid(x)), where
        logsigmoid(x) = min(x, 0) - log1p(exp(-|x|)) stays finite for |x| = 1e4;
        d/dx = w ((pos_weight t + 1 - t) sigmoid(x) - pos_weight t);
        d/dt = w (logsigmoid(-x) - pos_weight logsigmoid(x))   (w (-x) without pos_weight)
"""
from __future__ import annotations

import numpy as np

from .._checks import check_float_array, check_grad
from .reduction import (as_weight, broadcast_weight, check_float_target, reduce_loss,
                        resolve_reduction, unreduce_grad)
from .loss_ce import (cross_entropy, cross_entropy_backward, cross_entropy_forward,
                      nll_loss, nll_loss_backward, nll_loss_forward)


def _prepare(name, input, target, reduction):
    x = check_float_array(name, input)
    return x, check_float_target(name, x, target), resolve_reduction(name, None, None, reduction)


def _finish(name, elem, reduction, extra, wsum=None):
    """Reduce the elementwise losses; the cache holds what every backward needs."""
    elem = np.asarray(elem)                                         # 0-d inputs give scalars
    if reduction == "mean" and wsum is not None:                    # weighted mse/l1 (functional)
        with np.errstate(invalid="ignore", divide="ignore"):
            out = np.asarray(elem.sum(dtype=elem.dtype) / wsum, dtype=elem.dtype)
    else:
        out = reduce_loss(elem, reduction)
    return out, (name, reduction, elem.size, out.shape, elem.dtype, wsum, extra)


def _upstream(grad_output, cache):
    """Per-element upstream gradient (broadcastable to the input) and the cached extras."""
    name, reduction, n, out_shape, dtype, wsum, extra = cache
    dy = check_grad(name, grad_output, out_shape, dtype)
    if wsum is not None and reduction == "mean":
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.asarray(dy / wsum, dtype=dtype), extra
    return unreduce_grad(dy, reduction, n), extra


def _grads(dx, dt, dtype):
    """NumPy turns 0-d results into scalars; the contract wants arrays of the input's dtype."""
    return np.asarray(dx, dtype=dtype), np.asarray(dt, dtype=dtype)


def _elem_weight(name, weight, x):
    w = as_weight(name, "weight", weight, x.dtype)
    if w is not None and w.shape != x.shape:
        raise ValueError(f"{name}: weight shape {tuple(w.shape)} must equal the input shape "
                         f"{tuple(x.shape)}")
    return w


# ------------------------------------------------------------------------------ mse / l1
def mse_loss_forward(input, target, reduction="mean", weight=None, *, name="mse_loss"):
    x, t, reduction = _prepare(name, input, target, reduction)
    w = _elem_weight(name, weight, x)
    d = x - t
    elem = d * d if w is None else (d * d) * w
    return _finish(name, elem, reduction, (d, w, None), None if w is None else w.sum(dtype=x.dtype))


def mse_loss_backward(grad_output, cache):
    g, (d, w, _) = _upstream(grad_output, cache)
    dx = (2 * d) * g if w is None else (2 * d) * g * w
    return _grads(dx, -dx, d.dtype)


def l1_loss_forward(input, target, reduction="mean", weight=None, *, name="l1_loss"):
    x, t, reduction = _prepare(name, input, target, reduction)
    w = _elem_weight(name, weight, x)
    d = x - t
    elem = np.abs(d) if w is None else np.abs(d) * w
    return _finish(name, elem, reduction, (d, w, None), None if w is None else w.sum(dtype=x.dtype))


def l1_loss_backward(grad_output, cache):
    g, (d, w, _) = _upstream(grad_output, cache)
    dx = np.sign(d) * g if w is None else np.sign(d) * g * w      # sign(0) = 0, as torch
    return _grads(dx, -dx, d.dtype)


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """``torch.nn.functional.mse_loss``."""
    reduction = resolve_reduction("mse_loss", size_average, reduce, reduction)
    return mse_loss_forward(input, target, reduction, weight)[0]


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """``torch.nn.functional.l1_loss``."""
    reduction = resolve_reduction("l1_loss", size_average, reduce, reduction)
    return l1_loss_forward(input, target, reduction, weight)[0]


# ------------------------------------------------------------------------------ smooth_l1
def smooth_l1_loss_forward(input, target, reduction="mean", beta=1.0, *, name="smooth_l1_loss"):
    x, t, reduction = _prepare(name, input, target, reduction)
    beta = float(beta)
    if beta < 0:
        raise ValueError(f"{name}: beta must be non-negative, got {beta}")
    if beta == 0.0:                                                 # torch falls back to l1_loss
        return l1_loss_forward(x, t, reduction, name=name)
    d = x - t
    z = np.abs(d)
    b = x.dtype.type(beta)
    elem = np.where(z < b, x.dtype.type(0.5) * z * z / b, z - x.dtype.type(0.5 * beta))
    return _finish(name, elem, reduction, (d, None, b))


def smooth_l1_loss_backward(grad_output, cache):
    g, (d, _, b) = _upstream(grad_output, cache)
    if b is None:                                                   # beta == 0: l1_loss's cache
        return l1_loss_backward(grad_output, cache)
    dx = np.where(d < -b, -g, np.where(d > b, g, d * g / b))        # shape of d
    return _grads(dx, -dx, d.dtype)


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    """``torch.nn.functional.smooth_l1_loss``."""
    reduction = resolve_reduction("smooth_l1_loss", size_average, reduce, reduction)
    return smooth_l1_loss_forward(input, target, reduction, beta)[0]


# ------------------------------------------------------------------------------ bce
def binary_cross_entropy_forward(input, target, weight=None, reduction="mean", *,
                                 name="binary_cross_entropy"):
    x, t, reduction = _prepare(name, input, target, reduction)
    if not np.all((x >= 0) & (x <= 1)):
        raise ValueError(f"{name}: all elements of input should be between 0 and 1")
    if not np.all((t >= 0) & (t <= 1)):
        raise ValueError(f"{name}: all elements of target should be between 0 and 1")
    w = broadcast_weight(name, "weight", as_weight(name, "weight", weight, x.dtype), x.shape)
    lo = x.dtype.type(-100)
    with np.errstate(divide="ignore"):                              # log(0) = -inf, clamped
        elem = (t - 1) * np.maximum(np.log1p(-x), lo) - t * np.maximum(np.log(x), lo)
    if w is not None:
        elem = elem * w
    return _finish(name, elem, reduction, (x, t, w))


def binary_cross_entropy_backward(grad_output, cache):
    g, (x, t, w) = _upstream(grad_output, cache)
    one = x.dtype.type(1)
    eps = x.dtype.type(np.float32(1e-12))                         # ATen's EPSILON is a float
    dx = g * (x - t) / np.maximum((one - x) * x, eps)
    with np.errstate(divide="ignore", invalid="ignore"):           # logit(0) = -inf, as torch
        dt = -np.log(x / (one - x)) * g
        if w is not None:
            dx, dt = dx * w, dt * w
    return _grads(dx, dt, x.dtype)


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None,
                         reduction="mean"):
    """``torch.nn.functional.binary_cross_entropy``."""
    reduction = resolve_reduction("binary_cross_entropy", size_average, reduce, reduction)
    return binary_cross_entropy_forward(input, target, weight, reduction)[0]


def _log_sigmoid(x):
    return np.minimum(x, 0) - np.log1p(np.exp(-np.abs(x)))


def _sigmoid(x):
    e = np.exp(-np.abs(x))                                          # never overflows
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def binary_cross_entropy_with_logits_forward(input, target, weight=None, reduction="mean",
                                             pos_weight=None, *,
                                             name="binary_cross_entropy_with_logits"):
    x, t, reduction = _prepare(name, input, target, reduction)
    w = broadcast_weight(name, "weight", as_weight(name, "weight", weight, x.dtype), x.shape)
    pw = broadcast_weight(name, "pos_weight", as_weight(name, "pos_weight", pos_weight, x.dtype),
                          x.shape)
    # Each element in float64, rounded once to the input's dtype: float32 exp and log1p are
    # each ~1 ulp off, and (1 + (pw - 1) t) w carries that error into the sum (measured: 4 ulp
    # of a 0-d float32 loss where torch's SLEEF kernels landed within 0.4 ulp, seed 7).
    xw, tw, ww, pww = (None if a is None else np.asarray(a, dtype=_wide(x)) for a in (x, t, w, pw))
    ls = _log_sigmoid(xw)
    if pww is not None:
        ls = ls * ((pww - 1) * tw + 1)
    elem = (1 - tw) * xw - ls
    if ww is not None:
        elem = elem * ww
    return _finish(name, np.asarray(elem, dtype=x.dtype), reduction, (x, t, w, pw))


def _wide(x):
    return np.promote_types(x.dtype, np.float64)


def binary_cross_entropy_with_logits_backward(grad_output, cache):
    g, (x, t, w, pw) = _upstream(grad_output, cache)
    xw, tw, ww, pww, gw = (None if a is None else np.asarray(a, dtype=_wide(x))
                           for a in (x, t, w, pw, g))
    if pww is None:
        dx = (_sigmoid(xw) - tw) * gw
        dt = -xw * gw
    else:
        pt = pww * tw
        dx = ((pt + 1 - tw) * _sigmoid(xw) - pt) * gw
        dt = (_log_sigmoid(-xw) - _log_sigmoid(xw) * pww) * gw
    if ww is not None:
        dx, dt = dx * ww, dt * ww
    return _grads(dx, dt, x.dtype)


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None,
                                     reduction="mean", pos_weight=None):
    """``torch.nn.functional.binary_cross_entropy_with_logits``."""
    reduction = resolve_reduction("binary_cross_entropy_with_logits", size_average, reduce,
                                  reduction)
    return binary_cross_entropy_with_logits_forward(input, target, weight, reduction,
                                                    pos_weight)[0]


__all__ = [
    "cross_entropy", "cross_entropy_forward", "cross_entropy_backward",
    "nll_loss", "nll_loss_forward", "nll_loss_backward",
    "mse_loss", "mse_loss_forward", "mse_loss_backward",
    "l1_loss", "l1_loss_forward", "l1_loss_backward",
    "smooth_l1_loss", "smooth_l1_loss_forward", "smooth_l1_loss_backward",
    "binary_cross_entropy", "binary_cross_entropy_forward", "binary_cross_entropy_backward",
    "binary_cross_entropy_with_logits", "binary_cross_entropy_with_logits_forward",
    "binary_cross_entropy_with_logits_backward",
]
