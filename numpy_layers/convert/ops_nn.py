"""Reductions, elementwise math (sqrt, exp, log, abs, clamp ...), activations, pooling and
dropout in the op table (``ops_base.OPS``; same conventions as ``ops_tensor``; the maths is
``numpy_layers.functional``'s).
"""
from __future__ import annotations

import inspect
from typing import Any, Callable

import numpy as np

from .. import functional as F
from ..functional import adaptive_pool as AP
from ..functional import pooling as P
from ..functional.dropout import (channel_noise_shape, check_probability, dropout_backward,
                                  dropout_forward)
from .ops_base import OPS, Op, float_array, grad, op, unbroadcast, wrap_dim

# ----------------------------------------------------------------------------- reductions
def _reduce(name: str, fn: Callable, scale: bool) -> None:
    def forward(input, dim=None, keepdim=False, *, dtype=None):
        x = float_array(name, input)
        if dtype is not None:
            raise TypeError(f"{name}: the dtype= argument is not supported")
        dims = tuple(range(x.ndim)) if dim is None or dim == () or dim == [] else \
            tuple(wrap_dim(name, d, x.ndim) for d in (dim if isinstance(dim, (tuple, list)) else (dim,)))
        y = np.asarray(fn(x, axis=dims, keepdims=bool(keepdim)), dtype=x.dtype)
        count = int(np.prod([x.shape[d] for d in dims], dtype=np.int64))
        return y, (x.shape, dims, x.dtype.type(count) if scale else None)

    def backward(dy, cache):
        shape, dims, count = cache
        g = np.expand_dims(dy, dims) if dy.ndim < len(shape) else dy    # keepdim shape
        dx = np.empty(shape, dy.dtype)
        dx[...] = g / count if count is not None else g
        return {"input": dx}
    OPS[name] = Op(name, forward, backward)


_reduce("mean", np.mean, True)
_reduce("sum", np.sum, False)


# ----------------------------------------------------------------------------- max, min
class Extremes(tuple):
    """``(values, indices)`` of ``max``/``min`` along a dim, as torch.return_types."""
    __slots__ = ()

    @property
    def values(self) -> np.ndarray:
        return self[0]

    @property
    def indices(self) -> np.ndarray:
        return self[1]


def _spread(dy: np.ndarray, x: np.ndarray, y: np.ndarray, dims: tuple, keepdim: bool) -> np.ndarray:
    """torch's gradient of a max/min over ``dims`` without indices: shared evenly by the
    elements equal to the result (ties, NaN included)."""
    yk, gk = (y, dy) if keepdim else (np.expand_dims(y, dims), np.expand_dims(dy, dims))
    hit = (x == yk) | (np.isnan(x) & np.isnan(yk))
    return np.where(hit, gk / hit.sum(axis=dims, keepdims=True).astype(dy.dtype), dy.dtype.type(0))


def _pair_grads(dy: np.ndarray, a: np.ndarray, b: np.ndarray, pair: Callable) -> tuple:
    """torch.maximum/minimum's gradients: all to the operand taken, half each on ties;
    each summed back to its operand's shape."""
    y, tie = pair(a, b), a == b
    ga = np.where(tie, dy * 0.5, np.where(y == a, dy, 0)).astype(dy.dtype)
    gb = np.where(tie, dy * 0.5, np.where(y == b, dy, 0)).astype(dy.dtype)
    return unbroadcast(ga, a.shape), unbroadcast(gb, b.shape)


def _extreme(name: str, fn: Callable, arg: Callable, pair: Callable) -> None:
    """``max``/``min``: over everything, along ``dim`` ((values, indices), the gradient to
    the index taken), or elementwise against a second tensor (torch.maximum's gradient:
    half each on ties)."""
    def forward(input, dim=None, keepdim=False):
        x = float_array(name, input)
        if isinstance(dim, np.ndarray):                      # torch.max(a, b)
            y = pair(x, dim)
            return y, ("pair", x, dim)
        if dim is None:
            y = np.asarray(fn(x))
            return y, ("all", x, y)
        axis = wrap_dim(name, dim, x.ndim)
        idx = np.expand_dims(arg(x, axis=axis), axis)                 # first extreme, as torch
        y = np.take_along_axis(x, idx, axis)
        out = Extremes((y if keepdim else y.squeeze(axis), idx if keepdim else idx.squeeze(axis)))
        return out, ("dim", x.shape, axis, idx)

    def backward(dy, cache):
        if cache[0] == "pair":
            return dict(zip(("input", "dim"), _pair_grads(dy, cache[1], cache[2], pair)))
        if cache[0] == "all":
            return {"input": _spread(dy, cache[1], cache[2], tuple(range(cache[1].ndim)), False)}
        _, shape, axis, idx = cache
        g = dy[0] if isinstance(dy, (tuple, list)) else dy
        if g is None:
            return {}
        dx = np.zeros(shape, g.dtype)
        np.put_along_axis(dx, idx, g if g.ndim == len(shape) else np.expand_dims(g, axis), axis)
        return {"input": dx}
    OPS[name] = Op(name, forward, backward)

    def amax(input, dim=(), keepdim=False):
        x = float_array("a" + name, input)
        dims = tuple(range(x.ndim)) if dim in ((), [], None) else tuple(
            wrap_dim("a" + name, d, x.ndim) for d in (dim if isinstance(dim, (tuple, list)) else (dim,)))
        y = np.asarray(fn(x, axis=dims, keepdims=bool(keepdim)))
        return y, (x, y, dims, bool(keepdim))
    OPS["a" + name] = Op("a" + name, amax, lambda dy, c: {"input": _spread(dy, *c)})

    def elementwise(input, other):
        return pair(float_array(name + "imum", input), float_array(name + "imum", other)), \
            (input, other)
    OPS[name + "imum"] = Op(name + "imum", elementwise,
                            lambda dy, c: dict(zip(("input", "other"), _pair_grads(dy, *c, pair))))


_extreme("max", np.max, np.argmax, np.maximum)
_extreme("min", np.min, np.argmin, np.minimum)


# ----------------------------------------------------------------------------- elementwise math
def _unary(name: str, fn: Callable, grad: Callable) -> None:
    """``name(input)``; ``grad(dy, x, y)`` is the input's gradient. inf and NaN come out
    silently, as in torch."""
    def forward(input):
        x = float_array(name, input)
        with np.errstate(all="ignore"):
            return np.asarray(fn(x)), x

    def backward(dy, x):
        with np.errstate(all="ignore"):
            return {"input": np.asarray(grad(dy, x, fn(x)), dy.dtype)}
    OPS[name] = Op(name, forward, backward)


_unary("sqrt", np.sqrt, lambda dy, x, y: dy / (2 * y))
_unary("rsqrt", lambda x: 1 / np.sqrt(x), lambda dy, x, y: -0.5 * dy * y * y * y)
_unary("exp", np.exp, lambda dy, x, y: dy * y)
_unary("log", np.log, lambda dy, x, y: dy / x)
_unary("abs", np.abs, lambda dy, x, y: dy * np.sign(x))
_unary("square", np.square, lambda dy, x, y: dy * (2 * x))
_unary("reciprocal", lambda x: 1 / x, lambda dy, x, y: -dy * y * y)


@op("clamp")
def _clamp(input, min=None, max=None):
    x = float_array("clamp", input)
    if min is None and max is None:
        raise ValueError("clamp: at least one of 'min' or 'max' must not be None")
    lo = -np.inf if min is None else min
    hi = np.inf if max is None else max
    return np.asarray(np.minimum(np.maximum(x, x.dtype.type(lo)), x.dtype.type(hi))), \
        (x >= lo) & (x <= hi)                     # torch passes the gradient at the bounds


@grad("clamp")
def _clamp_back(dy, keep):
    return {"input": np.where(keep, dy, dy.dtype.type(0))}


# ----------------------------------------------------------------------------- activations
def _activation(name: str, fwd: Callable, bwd: Callable, *options: tuple[str, Any],
                inplace: bool = True, ignored: tuple = ()) -> None:
    """An elementwise ``functional`` pair as ``name(input, *options[, inplace])``."""
    params = [inspect.Parameter("input", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
    params += [inspect.Parameter(k, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=v)
               for k, v in options + ignored + ((("inplace", False),) if inplace else ())]
    sig = inspect.Signature(params)

    def forward(*args, **kwargs):
        b = sig.bind(*args, **kwargs)
        b.apply_defaults()
        if b.arguments.get("dtype") is not None:
            raise TypeError(f"{name}: the dtype= argument is not supported")
        return fwd(float_array(name, b.arguments["input"]), *(b.arguments[k] for k, _ in options))
    forward.__signature__ = sig
    OPS[name] = Op(name, forward, lambda dy, cache: {"input": bwd(dy, cache)})


for _n in ("relu", "relu6", "selu", "silu", "mish", "hardswish", "hardsigmoid"):
    _activation(_n, getattr(F, _n + "_forward"), getattr(F, _n + "_backward"))
for _n in ("sigmoid", "tanh"):
    _activation(_n, getattr(F, _n + "_forward"), getattr(F, _n + "_backward"), inplace=False)
_activation("leaky_relu", F.leaky_relu_forward, F.leaky_relu_backward, ("negative_slope", 0.01))
_activation("elu", F.elu_forward, F.elu_backward, ("alpha", 1.0))
_activation("hardtanh", F.hardtanh_forward, F.hardtanh_backward, ("min_val", -1.0),
            ("max_val", 1.0))
_activation("gelu", F.gelu_forward, F.gelu_backward, ("approximate", "none"), inplace=False)
_activation("softplus", F.softplus_forward, F.softplus_backward, ("beta", 1.0), ("threshold", 20.0),
            inplace=False)
for _n in ("softmax", "log_softmax"):
    _activation(_n, getattr(F, _n + "_forward"), getattr(F, _n + "_backward"), ("dim", None),
                inplace=False, ignored=(("_stacklevel", 3), ("dtype", None)))


# ----------------------------------------------------------------------------- pooling, dropout
def _batched(fn: Callable, x: np.ndarray, *args):
    """Run a 4-D pooling forward on (N, C, H, W) or unbatched (C, H, W)."""
    y, cache = fn(x if x.ndim == 4 else x[None], *args)                # (N, C, Ho, Wo)
    return (y if x.ndim == 4 else y[0]), (cache, x.ndim)


def _unbatched_grad(bwd: Callable):
    def backward(dy, cache):
        (c, ndim), g = cache, dy[0] if isinstance(dy, (tuple, list)) else dy   # not the indices
        dx = bwd(g if ndim == 4 else g[None], c)
        return {"input": dx if ndim == 4 else dx[0]}
    return backward


@op("max_pool2d")
def _max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                return_indices=False):
    k, s, p, d = P.pool2d_params("max_pool2d", input, kernel_size, stride, padding, dilation, ceil_mode)
    y, cache = _batched(P.max_pool2d_forward, input, k, s, p, d, bool(ceil_mode))
    if not return_indices:
        return y, cache
    idx = P.max_pool2d_indices(cache[0])
    return (y, idx if input.ndim == 4 else idx[0]), cache


@op("avg_pool2d")
def _avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
                count_include_pad=True, divisor_override=None):
    k, s, p, _ = P.pool2d_params("avg_pool2d", input, kernel_size, stride, padding, 1, ceil_mode)
    P.check_divisor("avg_pool2d", divisor_override)
    return _batched(P.avg_pool2d_forward, input, k, s, p, bool(ceil_mode), bool(count_include_pad),
                    divisor_override)


@op("adaptive_avg_pool2d")
def _adaptive_avg_pool2d(input, output_size):
    size = AP.adaptive_output_size("adaptive_avg_pool2d", input, output_size)
    return _batched(AP.adaptive_avg_pool2d_forward, input, size)


@op("adaptive_max_pool2d")
def _adaptive_max_pool2d(input, output_size, return_indices=False):
    size = AP.adaptive_output_size("adaptive_max_pool2d", input, output_size)
    y, cache = _batched(AP.adaptive_max_pool2d_forward, input, size)
    if not return_indices:
        return y, cache
    idx = AP.adaptive_max_pool2d_indices(cache[0])
    return (y, idx if input.ndim == 4 else idx[0]), cache


OPS["max_pool2d"].backward = _unbatched_grad(P.max_pool2d_backward)
OPS["avg_pool2d"].backward = _unbatched_grad(P.avg_pool2d_backward)
OPS["adaptive_avg_pool2d"].backward = _unbatched_grad(AP.adaptive_avg_pool2d_backward)
OPS["adaptive_max_pool2d"].backward = _unbatched_grad(AP.adaptive_max_pool2d_backward)


def _dropout_op(name: str, channels: bool) -> None:
    """``F.dropout``/``F.dropout2d``: the identity in eval mode (or ``training=False``); in
    training the keep-mask is drawn from the graph's ``rng``, as ``nn.Dropout`` draws from
    its own (torch's mask cannot be reproduced; inject one by giving the graph an ``rng``)."""
    def forward(input, p=0.5, training=True, inplace=False, *, _training=True, _rng=None):
        x = float_array(name, input)
        shape = channel_noise_shape(name, x.shape) if channels else None
        return dropout_forward(x, check_probability(name, p), bool(training and _training),
                               rng=_rng, noise_shape=shape)
    OPS[name] = Op(name, forward, lambda dy, noise: {"input": dropout_backward(dy, noise)},
                   uses_mode=True, uses_rng=True)


_dropout_op("dropout", channels=False)
_dropout_op("dropout2d", channels=True)
