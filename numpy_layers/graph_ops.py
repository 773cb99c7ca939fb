"""The tensor operations a converted torch.fx graph may call, in one table: ``OPS``.

Each entry has torch's signature (argument names, order, defaults), a forward
``(*args, **kwargs) -> (value, cache)`` and a backward ``(dy, cache) -> {argument name:
gradient}``; a gradient has the structure of its argument (a list for ``cat``'s tensors),
broadcast operands get theirs summed back to their own shape, and Python numbers get none.
Shape queries (``size``, ``x.shape``) have no backward. The maths reuses
``numpy_layers.functional``; nothing here writes into an array it was given.
"""
from __future__ import annotations

import inspect
import operator
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from . import functional as F
from .functional import adaptive_pool as AP
from .functional import pooling as P
from .functional.dropout import check_probability
from .functional.shape import flat_shape


@dataclass
class Op:
    """One operation: ``forward`` with torch's signature, ``backward`` or None."""
    name: str
    forward: Callable[..., tuple[Any, Any]]
    backward: Callable[[Any, Any], dict[str, Any]] | None = None
    uses_mode: bool = False        # forward also gets ``_training`` (the graph's mode)

    @property
    def signature(self) -> inspect.Signature:
        sig = inspect.signature(self.forward)
        return sig.replace(parameters=[p for p in sig.parameters.values() if p.name != "_training"])


OPS: dict[str, Op] = {}


def _op(name: str, uses_mode: bool = False):
    def deco(fn):
        OPS[name] = Op(name, fn, uses_mode=uses_mode)
        return fn
    return deco


def _grad(name: str):
    def deco(fn):
        OPS[name].backward = fn
        return fn
    return deco


def _float(v: Any) -> bool:
    return isinstance(v, np.ndarray) and v.dtype.kind == "f"


def _array(op: str, v: Any) -> np.ndarray:
    if not _float(v):
        raise TypeError(f"{op}: expected a float32 or float64 numpy.ndarray, got "
                        f"{type(v).__name__}{' of dtype ' + str(v.dtype) if hasattr(v, 'dtype') else ''}")
    return v


def _axis(op: str, dim: Any, ndim: int) -> int:
    n = max(ndim, 1)
    if not isinstance(dim, (int, np.integer)) or not -n <= dim < n:
        raise ValueError(f"{op}: dim {dim!r} is out of range for a {ndim}-D input")
    return int(dim) % n


def _unbroadcast(g: np.ndarray, shape: tuple[int, ...] | None) -> np.ndarray | None:
    """Sum a broadcast gradient back to an operand's ``shape`` (None: not an array)."""
    if shape is None:
        return None
    lead = g.ndim - len(shape)
    if lead:
        g = g.sum(axis=tuple(range(lead)))
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and g.shape[i] != 1)
    return np.asarray(g.sum(axis=axes, keepdims=True) if axes else g, dtype=g.dtype)


def _shape(v: Any) -> tuple[int, ...] | None:
    return v.shape if _float(v) else None


# ----------------------------------------------------------------------------- arithmetic
def _binary(name: str, fn: Callable, grads: Callable) -> None:
    """Broadcasting op on arrays or Python numbers (``x.size(0) * 2`` stays an int)."""
    def forward(input, other):
        return fn(input, other), (_shape(input), _shape(other), input, other)

    def backward(dy, cache):
        sa, sb, a, b = cache
        ga, gb = grads(dy, a, b, sa is not None, sb is not None)
        return {"input": _unbroadcast(ga, sa), "other": _unbroadcast(gb, sb)}
    OPS[name] = Op(name, forward, backward)


_binary("mul", operator.mul, lambda g, a, b, da, db: (g * b if da else None, g * a if db else None))
_binary("div", operator.truediv,
        lambda g, a, b, da, db: (g / b if da else None, -g * (a / b) / b if db else None))


@_op("add")
def _add(input, other, *, alpha=1):
    return (input + other if alpha == 1 else input + other * alpha), (_shape(input), _shape(other), alpha)


@_op("sub")
def _sub(input, other, *, alpha=1):
    return (input - other if alpha == 1 else input - other * alpha), (_shape(input), _shape(other), -alpha)


@_grad("add")
@_grad("sub")
def _add_back(dy, cache):
    sa, sb, alpha = cache
    return {"input": _unbroadcast(dy, sa),
            "other": _unbroadcast(dy if alpha == 1 else -dy if alpha == -1 else dy * alpha, sb)}


@_op("floordiv")
def _floordiv(input, other):
    if _float(input) or _float(other):
        raise TypeError("floordiv: floor division of tensors has no gradient; only Python "
                        "numbers (sizes) are supported")
    return input // other, None


@_op("neg")
def _neg(input):
    return -input, None


@_grad("neg")
def _neg_back(dy, cache):
    return {"input": -dy}


@_op("pow")
def _pow(input, exponent):
    if not isinstance(exponent, (int, float)):
        raise TypeError(f"pow: only a Python number exponent is supported, got {type(exponent).__name__}")
    return input ** exponent, (input, exponent)


@_grad("pow")
def _pow_back(dy, cache):
    x, e = cache
    return {"input": np.zeros_like(dy) if e == 0 else dy * (e * x ** (e - 1))}


# ----------------------------------------------------------------------------- shapes
def _reshaped(name: str, forward: Callable) -> None:
    """Ops whose gradient is dy reshaped back to the input's shape."""
    def fwd(*args, **kwargs):
        x = _array(name, args[0] if args else kwargs["input"])
        return forward(*args, **kwargs), x.shape
    fwd.__signature__ = inspect.signature(forward)
    OPS[name] = Op(name, fwd, lambda dy, shape: {"input": dy.reshape(shape)})


def _dims(dims: tuple) -> tuple:
    return tuple(dims[0]) if len(dims) == 1 and isinstance(dims[0], (tuple, list)) else dims


def _squeeze(input, dim=None):
    dims = range(input.ndim) if dim is None else dim if isinstance(dim, (tuple, list)) else (dim,)
    axes = {_axis("squeeze", d, input.ndim) for d in dims}
    return input.reshape(tuple(n for i, n in enumerate(input.shape) if not (i in axes and n == 1)))


_reshaped("reshape", lambda input, *shape: input.reshape(_dims(shape)))
_reshaped("reshape_as", lambda input, other: input.reshape(other.shape))
_reshaped("flatten", lambda input, start_dim=0, end_dim=-1:
          input.reshape(flat_shape("flatten", input.shape, start_dim, end_dim)))
_reshaped("unsqueeze", lambda input, dim: np.expand_dims(input, _axis("unsqueeze", dim, input.ndim + 1)))
_reshaped("squeeze", _squeeze)
_reshaped("contiguous", lambda input, memory_format=None: input)
_reshaped("clone", lambda input, *, memory_format=None: input.copy())


@_op("permute")
def _permute(input, *dims):
    dims = tuple(_axis("permute", d, input.ndim) for d in _dims(dims))
    return np.transpose(input, dims), np.argsort(dims)


@_grad("permute")
def _permute_back(dy, inverse):
    return {"input": np.transpose(dy, inverse)}


@_op("transpose")
def _transpose(input, dim0, dim1):
    a, b = _axis("transpose", dim0, input.ndim), _axis("transpose", dim1, input.ndim)
    return np.swapaxes(input, a, b), (a, b)


@_grad("transpose")
def _transpose_back(dy, axes):
    return {"input": np.swapaxes(dy, *axes)}


@_op("detach")
def _detach(input):
    return input, None


@_op("size")
def _size(input, dim=None):
    return (tuple(input.shape) if dim is None else input.shape[_axis("size", dim, input.ndim)]), None


@_op("dim")
def _dim(input):
    return input.ndim, None


@_op("numel")
def _numel(input):
    return int(input.size), None


@_op("getattr")
def _getattr(obj, name):
    if name == "shape":
        return tuple(obj.shape), None
    if name == "ndim":
        return obj.ndim, None
    raise TypeError(f"getattr: only .shape and .ndim of a tensor are supported, got .{name}")


# ----------------------------------------------------------------------------- indexing, joining
def _basic_index(idx: Any) -> bool:
    items = idx if isinstance(idx, tuple) else (idx,)
    return all(i is None or i is Ellipsis or isinstance(i, (int, np.integer, slice)) for i in items)


@_op("getitem")
def _getitem(a, b):
    if isinstance(a, (tuple, list)):
        return a[b], ("seq", len(a), b)
    if not _basic_index(b):
        raise TypeError(f"getitem: only integers, slices, None and ... index a tensor here, got {b!r}")
    return np.asarray(a[b]), ("array", a.shape, a.dtype, b) if _float(a) else None


@_grad("getitem")
def _getitem_back(dy, cache):
    if cache is None:
        return {}
    if cache[0] == "seq":
        g = [None] * cache[1]
        if isinstance(cache[2], slice):
            for i, gi in zip(range(*cache[2].indices(cache[1])), dy):
                g[i] = gi
        else:
            g[cache[2]] = dy
        return {"a": g}
    _, shape, dtype, idx = cache
    dx = np.zeros(shape, dtype)
    dx[idx] = dy                   # basic indexing: each element is picked at most once
    return {"a": dx}


def _pieces(x: np.ndarray, bounds: list[int], axis: int) -> tuple:
    parts = tuple(np.split(x, bounds, axis=axis))
    return parts, (axis, [p.shape for p in parts])


def _join(dy: list, cache) -> dict[str, Any]:
    axis, shapes = cache
    parts = [np.zeros(s, next(g.dtype for g in dy if g is not None)) if g is None else g
             for g, s in zip(dy, shapes)]
    return {"input": np.concatenate(parts, axis=axis)}


@_op("chunk")
def _chunk(input, chunks, dim=0):
    axis = _axis("chunk", dim, input.ndim)
    n = input.shape[axis]
    size = -(-n // chunks) if n else 1
    return _pieces(input, list(range(size, n, size)), axis)


@_op("split")
def _split(input, split_size_or_sections, dim=0):
    axis, n = _axis("split", dim, input.ndim), input.shape[_axis("split", dim, input.ndim)]
    s = split_size_or_sections
    bounds = list(range(s, n, s)) if isinstance(s, (int, np.integer)) else list(np.cumsum(s)[:-1])
    return _pieces(input, bounds, axis)


OPS["chunk"].backward = OPS["split"].backward = _join


@_op("cat")
def _cat(tensors, dim=0):
    axis = _axis("cat", dim, tensors[0].ndim)
    return np.concatenate(tensors, axis=axis), (axis, np.cumsum([t.shape[axis] for t in tensors])[:-1])


@_grad("cat")
def _cat_back(dy, cache):
    axis, bounds = cache
    return {"tensors": list(np.split(dy, bounds, axis=axis))}


@_op("stack")
def _stack(tensors, dim=0):
    axis = _axis("stack", dim, tensors[0].ndim + 1)
    return np.stack(tensors, axis=axis), (axis, len(tensors))


@_grad("stack")
def _stack_back(dy, cache):
    axis, n = cache
    return {"tensors": [np.take(dy, i, axis=axis) for i in range(n)]}


# ----------------------------------------------------------------------------- reductions
def _reduce(name: str, fn: Callable, scale: bool) -> None:
    def forward(input, dim=None, keepdim=False, *, dtype=None):
        x = _array(name, input)
        if dtype is not None:
            raise TypeError(f"{name}: the dtype= argument is not supported")
        dims = tuple(range(x.ndim)) if dim is None or dim == () or dim == [] else \
            tuple(_axis(name, d, x.ndim) for d in (dim if isinstance(dim, (tuple, list)) else (dim,)))
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
        return fwd(_array(name, b.arguments["input"]), *(b.arguments[k] for k, _ in options))
    forward.__signature__ = sig
    OPS[name] = Op(name, forward, lambda dy, cache: {"input": bwd(dy, cache)})


for _n in ("relu", "relu6", "selu", "silu", "mish", "hardswish", "hardsigmoid"):
    _activation(_n, getattr(F, _n + "_forward"), getattr(F, _n + "_backward"))
for _n in ("sigmoid", "tanh"):
    _activation(_n, getattr(F, _n + "_forward"), getattr(F, _n + "_backward"), inplace=False)
_activation("leaky_relu", F.leaky_relu_forward, F.leaky_relu_backward, ("negative_slope", 0.01))
_activation("elu", F.elu_forward, F.elu_backward, ("alpha", 1.0))
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


@_op("max_pool2d")
def _max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                return_indices=False):
    k, s, p, d = P.pool2d_params("max_pool2d", input, kernel_size, stride, padding, dilation, ceil_mode)
    y, cache = _batched(P.max_pool2d_forward, input, k, s, p, d, bool(ceil_mode))
    if not return_indices:
        return y, cache
    idx = P.max_pool2d_indices(cache[0])
    return (y, idx if input.ndim == 4 else idx[0]), cache


@_op("avg_pool2d")
def _avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
                count_include_pad=True, divisor_override=None):
    k, s, p, _ = P.pool2d_params("avg_pool2d", input, kernel_size, stride, padding, 1, ceil_mode)
    P.check_divisor("avg_pool2d", divisor_override)
    return _batched(P.avg_pool2d_forward, input, k, s, p, bool(ceil_mode), bool(count_include_pad),
                    divisor_override)


@_op("adaptive_avg_pool2d")
def _adaptive_avg_pool2d(input, output_size):
    size = AP.adaptive_output_size("adaptive_avg_pool2d", input, output_size)
    return _batched(AP.adaptive_avg_pool2d_forward, input, size)


@_op("adaptive_max_pool2d")
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


@_op("dropout", uses_mode=True)
def _dropout(input, p=0.5, training=True, inplace=False, *, _training=True):
    p = check_probability("dropout", p)
    if training and _training and p > 0:
        raise ValueError(
            f"dropout: F.dropout(p={p}) in training mode is not supported inside a converted "
            f"graph (its random mask could not match torch's); use an nn.Dropout module, which "
            f"converts to numpy_layers.Dropout, or call .eval()")
    return _array("dropout", input), None


@_grad("dropout")
def _dropout_back(dy, cache):
    return {"input": dy}


@_op("interpolate")
def _interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                 recompute_scale_factor=None, antialias=False):
    x = _array("interpolate", input)
    if mode != "nearest" or x.ndim != 4 or antialias:
        raise TypeError(f"interpolate: only mode='nearest' on 4-D input is supported, got "
                        f"mode={mode!r} on {x.ndim}-D input")
    if size is not None:
        out = (size, size) if isinstance(size, int) else tuple(size)
        f = tuple(o // n if o % n == 0 else 0 for o, n in zip(out, x.shape[2:]))
    else:
        sf = scale_factor if isinstance(scale_factor, (tuple, list)) else (scale_factor,) * 2
        f = tuple(int(s) if float(s).is_integer() else 0 for s in sf)
    if min(f) < 1:
        raise ValueError(f"interpolate: only integer upscaling is supported, got size={size}, "
                         f"scale_factor={scale_factor} for input {x.shape}")
    return np.repeat(np.repeat(x, f[0], axis=2), f[1], axis=3), (x.shape, f)


@_grad("interpolate")
def _interpolate_back(dy, cache):
    (n, c, h, w), (fh, fw) = cache
    return {"input": dy.reshape(n, c, h, fh, w, fw).sum(axis=(3, 5))}     # (N, C, H, W)
