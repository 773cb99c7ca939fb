"""Cross-entropy family: ``nll_loss`` and ``cross_entropy`` (class indices or probabilities).

Input (N, C, d1, ..., dk) or unbatched (C,); class axis 1 (0 when unbatched). Class-index
targets (N, d1, ..., dk) of an integer dtype, or probability targets of the input's shape and
float dtype (torch takes the probability path exactly when the shapes are equal).

Formulas as ATen (LossNLL.cpp): with w_t = weight[t] (0 where t == ignore_index),
  nll_i = -w_t * lp[i, t_i];  mean = sum(nll) / sum(w_t)  (NaN when every target is ignored);
  label smoothing e:  (1 - e) * nll + (e / C) * smooth,  smooth_i = -sum_c weight_c * lp[i, c]
  (0 where ignored), reduced like nll (mean divides by the same sum(w_t)).
Probability targets: T' = T (1 - e) + e / C, loss_i = -sum_c weight_c T'_ic lp_ic; mean divides
by the number of positions N*d1*...*dk (not by the weights). lp = log_softmax, computed as
x - max - log(sum(exp(x - max))) so that logits of 1e4 stay finite.
"""
from __future__ import annotations

import numpy as np

from .._checks import check_float_array, check_grad
from .softmax import log_softmax_forward
from .reduction import TargetOutOfRangeError, as_weight, reduce_loss, resolve_reduction


# ------------------------------------------------------------------------------ checks
def _check_input(loss: str, x: object) -> np.ndarray:
    x = check_float_array(loss, x)
    if x.ndim < 1:
        raise ValueError(f"{loss}: expected input of shape (C,) or (N, C, d1, ..., dk), got a "
                         f"0-D input")
    return x


def _class_weight(loss: str, weight: object, c: int, dtype: np.dtype) -> np.ndarray | None:
    w = as_weight(loss, "weight", weight, dtype)
    if w is not None and w.shape != (c,):
        raise ValueError(f"{loss}: weight should be defined either for all {c} classes or no "
                         f"classes, got weight of shape {tuple(w.shape)}")
    return w


def _class_target(loss: str, x: np.ndarray, target: object, ignore_index: int) -> np.ndarray:
    """Validate integer class targets for a batched input x (N, C, *); return them as int64."""
    if not isinstance(target, np.ndarray) or target.dtype.kind not in "iu":
        got = target.dtype if isinstance(target, np.ndarray) else type(target).__name__
        raise TypeError(
            f"{loss}: expected target of an integer dtype (class indices) or of the input's "
            f"shape {tuple(x.shape)} and float dtype (class probabilities), got {got}"
            + (f" of shape {tuple(target.shape)}" if isinstance(target, np.ndarray) else ""))
    want = (x.shape[0],) + x.shape[2:]                              # (N, d1, ..., dk)
    if target.shape != want:
        raise ValueError(f"{loss}: expected class target of shape {want} for input of shape "
                         f"{tuple(x.shape)}, got {tuple(target.shape)}")
    t = target.astype(np.int64, copy=False)
    c = x.shape[1]
    bad = (t != ignore_index) & ((t < 0) | (t >= c))
    if bad.any():
        raise TargetOutOfRangeError(
            f"{loss}: target {int(t[bad].flat[0])} is out of bounds for {c} classes "
            f"(valid: 0..{c - 1}, or ignore_index={ignore_index})")
    return t


def _wshape(w: np.ndarray, ndim: int) -> np.ndarray:
    return w.reshape((1, -1) + (1,) * (ndim - 2))                   # (1, C, 1, ..., 1)


# ------------------------------------------------------------------------------ class path
def _class_forward(lp, t, weight, ignore_index, reduction, eps):
    """lp (N, C, *) log-probabilities, t (N, *) int64 -> (out, state)."""
    dt = lp.dtype.type
    c = lp.shape[1]
    valid = t != ignore_index                                       # (N, *)
    tc = np.where(valid, t, 0)                                      # safe gather index
    picked = np.take_along_axis(lp, tc[:, None], axis=1)[:, 0]      # (N, *)
    wt = valid.astype(lp.dtype) if weight is None else np.where(valid, weight[tc], dt(0))
    nll = np.where(valid, -(wt * picked), dt(0))                    # (N, *)
    mean = reduction == "mean"
    denom = wt.sum(dtype=lp.dtype) if mean else dt(1)              # sum of w_t over kept targets

    def red(v):
        return reduce_loss(v, "sum") / denom if mean else reduce_loss(v, reduction)

    with np.errstate(invalid="ignore", divide="ignore"):            # all ignored: 0/0 = NaN
        out = red(nll)
        if eps > 0:
            sm = -lp.sum(axis=1) if weight is None else -(lp * _wshape(weight, lp.ndim)).sum(axis=1)
            out = (1 - eps) * out + red(np.where(valid, sm, dt(0))) * (eps / c)
    return np.asarray(out, dtype=lp.dtype), (tc, valid, wt, denom)


def _class_backward(g, state, weight, eps, c, shape):
    """g: upstream gradient per position (already / denom for 'mean') -> dlp (N, C, *)."""
    tc, valid, wt, _ = state
    dt = g.dtype.type
    with np.errstate(invalid="ignore", over="ignore"):             # zero total weight: NaN
        coef = np.where(valid, -(wt * g) * dt(1 - eps), dt(0))      # (N, *)
        dlp = np.zeros(shape, g.dtype)
        np.put_along_axis(dlp, tc[:, None], coef[:, None], axis=1)
        if eps > 0:
            row = np.where(valid, g * dt(eps / c), dt(0))[:, None]  # (N, 1, *)
            dlp -= row if weight is None else row * _wshape(weight, len(shape))
    return dlp


def _softmax_backward(dlp: np.ndarray, lp: np.ndarray) -> np.ndarray:
    """Gradient of log_softmax along axis 1: dlp - softmax * sum(dlp)."""
    with np.errstate(invalid="ignore"):
        return dlp - np.exp(lp) * dlp.sum(axis=1, keepdims=True)


def _per_position(dy: np.ndarray, reduction: str, denom, squeeze: bool) -> np.ndarray:
    if reduction == "none":
        return dy[None] if squeeze else dy                          # (N, *)
    if reduction == "mean":
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.asarray(dy / denom, dtype=dy.dtype)
    return dy


# ------------------------------------------------------------------------------ nll_loss
def nll_loss_forward(input, target, weight=None, ignore_index=-100, reduction="mean", *,
                     name="nll_loss"):
    """input (N, C, *) or (C,) log-probabilities, target (N, *) or () ints -> (out, cache)."""
    x = _check_input(name, input)
    reduction = resolve_reduction(name, None, None, reduction)
    squeeze = x.ndim == 1
    if squeeze:                                                     # unbatched (C,)
        if isinstance(target, np.ndarray) and target.shape == (1,):
            target = target.reshape(())
        x = x[None]
        target = target[None] if isinstance(target, np.ndarray) else target
    t = _class_target(name, x, target, ignore_index)
    w = _class_weight(name, weight, x.shape[1], x.dtype)
    out, state = _class_forward(x, t, w, ignore_index, reduction, 0.0)
    if squeeze and reduction == "none":
        out = out[0, ...]                                           # 0-d array, not a scalar
    return out, (name, "nll", reduction, state, w, 0.0, x.shape, None, squeeze, out.shape, x.dtype)


def nll_loss_backward(grad_output, cache):
    """grad_output of the output's shape (None for a scalar) -> (grad_input, None)."""
    return _ce_backward(grad_output, cache)


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
             reduction="mean"):
    """``torch.nn.functional.nll_loss``."""
    reduction = resolve_reduction("nll_loss", size_average, reduce, reduction)
    return nll_loss_forward(input, target, weight, ignore_index, reduction)[0]


# ------------------------------------------------------------------------------ cross_entropy
def cross_entropy_forward(input, target, weight=None, ignore_index=-100, reduction="mean",
                          label_smoothing=0.0, *, name="cross_entropy"):
    """input (N, C, *) or (C,) logits; class targets (N, *) / () or probabilities like input."""
    x = _check_input(name, input)
    reduction = resolve_reduction(name, None, None, reduction)
    eps = float(label_smoothing)
    if not 0.0 <= eps <= 1.0:
        raise ValueError(f"{name}: label_smoothing must be between 0.0 and 1.0, got "
                         f"{label_smoothing}")
    prob = isinstance(target, np.ndarray) and target.shape == x.shape
    squeeze = x.ndim == 1
    if squeeze:
        if isinstance(target, np.ndarray) and target.shape == (1,) and not prob:
            target = target.reshape(())
        x = x[None]
        target = target[None] if isinstance(target, np.ndarray) else target
    c = x.shape[1]
    w = _class_weight(name, weight, c, x.dtype)
    lp = log_softmax_forward(x, dim=1)[0]                           # (N, C, *)
    if prob:
        check_float_array(name, target, "target (class probabilities)")
        if target.dtype != x.dtype:
            raise TypeError(f"{name}: probability target dtype {target.dtype} does not match "
                            f"input dtype {x.dtype}")
        if ignore_index >= 0:
            raise ValueError(f"{name}: ignore_index ({ignore_index}) is not supported for "
                             f"probability (floating point) targets")
        tp = target * x.dtype.type(1 - eps) + x.dtype.type(eps / c) if eps > 0 else target
        prod = lp * tp if w is None else lp * tp * _wshape(w, x.ndim)
        npos = x.size // c if c else 0
        if reduction == "none":
            out = -prod.sum(axis=1)
        elif reduction == "sum":
            out = -np.asarray(prod.sum(dtype=x.dtype))
        else:
            out = (-np.asarray(prod.sum(dtype=x.dtype)) / x.dtype.type(npos) if x.size
                   else np.asarray(np.nan, x.dtype))
        state = (tp, npos)
        kind = "prob"
    else:
        t = _class_target(name, x, target, ignore_index)
        out, state = _class_forward(lp, t, w, ignore_index, reduction, eps)
        kind = "class"
    out = np.asarray(out, dtype=x.dtype)
    if squeeze and reduction == "none":
        out = out[0, ...]                                           # 0-d array, not a scalar
    return out, (name, kind, reduction, state, w, eps, x.shape, lp, squeeze, out.shape, x.dtype)


def cross_entropy_backward(grad_output, cache):
    """-> (grad_input, grad_target); grad_target is None for class-index targets."""
    return _ce_backward(grad_output, cache)


def _ce_backward(grad_output, cache):
    name, kind, reduction, state, w, eps, shape, lp, squeeze, out_shape, dtype = cache
    dy = check_grad(name, grad_output, out_shape, dtype)
    if kind == "prob":
        tp, npos = state
        g = _per_position(dy, reduction, dtype.type(npos), squeeze)  # (N, *) or 0-d
        g = g[:, None] if g.ndim else g                             # (N, 1, *)
        dprod = -g if w is None else -g * _wshape(w, len(shape))    # broadcasts to (N, C, *)
        dx = _softmax_backward(dprod * tp, lp)                      # (N, C, *)
        dtarget = dprod * lp                                        # (N, C, *)
        if eps > 0:
            dtarget = dtarget * dtype.type(1 - eps)
        return (dx[0], dtarget[0]) if squeeze else (dx, dtarget)
    g = _per_position(dy, reduction, state[3], squeeze)
    dlp = _class_backward(g, state, w, eps, shape[1], shape)
    dx = dlp if kind == "nll" else _softmax_backward(dlp, lp)
    return (dx[0] if squeeze else dx), None


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
                  reduction="mean", label_smoothing=0.0):
    """``torch.nn.functional.cross_entropy``."""
    reduction = resolve_reduction("cross_entropy", size_average, reduce, reduction)
    return cross_entropy_forward(input, target, weight, ignore_index, reduction, label_smoothing)[0]


__all__ = ["nll_loss", "nll_loss_forward", "nll_loss_backward", "cross_entropy",
           "cross_entropy_forward", "cross_entropy_backward"]
