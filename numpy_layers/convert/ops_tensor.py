"""Arithmetic, shapes, indexing and joining in the op table (``ops_base.OPS``).

A gradient has the structure of its argument (a list for ``cat``'s tensors), broadcast
operands get theirs summed back to their own shape, and Python numbers get none. Shape
queries (``size``, ``x.shape``) have no backward. Nothing here writes into an array it was
given. Reductions, elementwise math, activations, pooling and dropout are in ``ops_nn``, the
layer functionals (conv, norms, losses, resizing ...) in ``ops_layers``; ``ops`` gathers
them all and ``targets.register_op`` adds users' entries.
"""
from __future__ import annotations

import inspect
import operator
from typing import Any, Callable

import numpy as np

from ..functional.shape import flat_shape
from .ops_base import (OPS, Op, basic_index, float_array, grad, is_float, op, unbroadcast,
                       wrap_dim)


def _shape(v: Any) -> tuple[int, ...] | None:
    return v.shape if is_float(v) else None


# ----------------------------------------------------------------------------- arithmetic
def _binary(name: str, fn: Callable, grads: Callable) -> None:
    """Broadcasting op on arrays or Python numbers (``x.size(0) * 2`` stays an int)."""
    def forward(input, other):
        return fn(input, other), (_shape(input), _shape(other), input, other)

    def backward(dy, cache):
        sa, sb, a, b = cache
        ga, gb = grads(dy, a, b, sa is not None, sb is not None)
        return {"input": unbroadcast(ga, sa), "other": unbroadcast(gb, sb)}
    OPS[name] = Op(name, forward, backward)


_binary("mul", operator.mul, lambda g, a, b, da, db: (g * b if da else None, g * a if db else None))
_binary("div", operator.truediv,
        lambda g, a, b, da, db: (g / b if da else None, -g * (a / b) / b if db else None))


@op("add")
def _add(input, other, *, alpha=1):
    return (input + other if alpha == 1 else input + other * alpha), (_shape(input), _shape(other), alpha)


@op("sub")
def _sub(input, other, *, alpha=1):
    return (input - other if alpha == 1 else input - other * alpha), (_shape(input), _shape(other), -alpha)


@grad("add")
@grad("sub")
def _add_back(dy, cache):
    sa, sb, alpha = cache
    return {"input": unbroadcast(dy, sa),
            "other": unbroadcast(dy if alpha == 1 else -dy if alpha == -1 else dy * alpha, sb)}


@op("floordiv")
def _floordiv(input, other):
    if is_float(input) or is_float(other):
        raise TypeError("floordiv: floor division of tensors has no gradient; only Python "
                        "numbers (sizes) are supported")
    return input // other, None


@op("neg")
def _neg(input):
    return -input, None


@grad("neg")
def _neg_back(dy, cache):
    return {"input": -dy}


@op("pow")
def _pow(input, exponent):
    if not isinstance(exponent, (int, float)):
        raise TypeError(f"pow: only a Python number exponent is supported, got {type(exponent).__name__}")
    return input ** exponent, (input, exponent)


@grad("pow")
def _pow_back(dy, cache):
    x, e = cache
    return {"input": np.zeros_like(dy) if e == 0 else dy * (e * x ** (e - 1))}


# ----------------------------------------------------------------------------- shapes
def _reshaped(name: str, forward: Callable) -> None:
    """Ops whose gradient is dy reshaped back to the input's shape."""
    def fwd(*args, **kwargs):
        x = float_array(name, args[0] if args else kwargs["input"])
        return forward(*args, **kwargs), x.shape
    fwd.__signature__ = inspect.signature(forward)
    OPS[name] = Op(name, fwd, lambda dy, shape: {"input": dy.reshape(shape)})


def _dims(dims: tuple) -> tuple:
    return tuple(dims[0]) if len(dims) == 1 and isinstance(dims[0], (tuple, list)) else dims


def _squeeze(input, dim=None):
    dims = range(input.ndim) if dim is None else dim if isinstance(dim, (tuple, list)) else (dim,)
    axes = {wrap_dim("squeeze", d, input.ndim) for d in dims}
    return input.reshape(tuple(n for i, n in enumerate(input.shape) if not (i in axes and n == 1)))


_reshaped("reshape", lambda input, *shape: input.reshape(_dims(shape)))
_reshaped("reshape_as", lambda input, other: input.reshape(other.shape))
_reshaped("flatten", lambda input, start_dim=0, end_dim=-1:
          input.reshape(flat_shape("flatten", input.shape, start_dim, end_dim)))
_reshaped("unsqueeze", lambda input, dim: np.expand_dims(input, wrap_dim("unsqueeze", dim, input.ndim + 1)))
_reshaped("squeeze", _squeeze)
_reshaped("contiguous", lambda input, memory_format=None: input)
_reshaped("clone", lambda input, *, memory_format=None: input.copy())


@op("expand")
def _expand(input, *sizes):
    x, sizes = float_array("expand", input), _dims(sizes)
    lead = len(sizes) - x.ndim
    if lead < 0:
        raise ValueError(f"expand: the number of sizes ({len(sizes)}) must be at least the "
                         f"input's {x.ndim} dimensions")
    shape = tuple(x.shape[i - lead] if n == -1 and i >= lead else n for i, n in enumerate(sizes))
    return np.broadcast_to(x, shape), x.shape          # a read-only view, as torch's view


@op("expand_as")
def _expand_as(input, other):
    return np.broadcast_to(float_array("expand_as", input), np.shape(other)), input.shape


OPS["expand"].backward = OPS["expand_as"].backward = \
    lambda dy, shape: {"input": unbroadcast(dy, shape)}


@op("permute")
def _permute(input, *dims):
    dims = tuple(wrap_dim("permute", d, input.ndim) for d in _dims(dims))
    return np.transpose(input, dims), np.argsort(dims)


@grad("permute")
def _permute_back(dy, inverse):
    return {"input": np.transpose(dy, inverse)}


@op("transpose")
def _transpose(input, dim0, dim1):
    a, b = wrap_dim("transpose", dim0, input.ndim), wrap_dim("transpose", dim1, input.ndim)
    return np.swapaxes(input, a, b), (a, b)


@grad("transpose")
def _transpose_back(dy, axes):
    return {"input": np.swapaxes(dy, *axes)}


@op("detach")
def _detach(input):
    return input, None


@op("size")
def _size(input, dim=None):
    return (tuple(input.shape) if dim is None else input.shape[wrap_dim("size", dim, input.ndim)]), None


@op("dim")
def _dim(input):
    return input.ndim, None


@op("numel")
def _numel(input):
    return int(input.size), None


@op("getattr")
def _getattr(obj, name):
    if name == "shape":
        return tuple(obj.shape), None
    if name == "ndim":
        return obj.ndim, None
    if name == "dtype":                          # as fx's arguments name torch dtypes
        return f"torch.{obj.dtype.name}", None
    if name == "device":
        return "cpu", None
    if name in ("values", "indices") and isinstance(obj, tuple) and hasattr(obj, name):
        return getattr(obj, name), name == "values"      # max/min's (values, indices)
    raise TypeError(f"getattr: only .shape, .ndim, .dtype and .device of a tensor (and "
                    f".values, .indices of max/min) are supported, got .{name}")


@grad("getattr")
def _getattr_back(dy, values):
    return {"obj": [dy, None]} if values else {}


# ----------------------------------------------------------------------------- indexing, joining
@op("getitem")
def _getitem(a, b):
    if isinstance(a, (tuple, list)):
        return a[b], ("seq", len(a), b)
    if not basic_index(b):
        raise TypeError(f"getitem: only integers, slices, None and ... index a tensor here, got {b!r}")
    return np.asarray(a[b]), ("array", a.shape, a.dtype, b) if is_float(a) else None


@grad("getitem")
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


@op("chunk")
def _chunk(input, chunks, dim=0):
    axis = wrap_dim("chunk", dim, input.ndim)
    n = input.shape[axis]
    size = -(-n // chunks) if n else 1
    return _pieces(input, list(range(size, n, size)), axis)


@op("split")
def _split(input, split_size_or_sections, dim=0):
    axis, n = wrap_dim("split", dim, input.ndim), input.shape[wrap_dim("split", dim, input.ndim)]
    s = split_size_or_sections
    bounds = list(range(s, n, s)) if isinstance(s, (int, np.integer)) else list(np.cumsum(s)[:-1])
    return _pieces(input, bounds, axis)


OPS["chunk"].backward = OPS["split"].backward = _join


@op("cat")
def _cat(tensors, dim=0):
    axis = wrap_dim("cat", dim, tensors[0].ndim)
    return np.concatenate(tensors, axis=axis), (axis, np.cumsum([t.shape[axis] for t in tensors])[:-1])


@grad("cat")
def _cat_back(dy, cache):
    axis, bounds = cache
    return {"tensors": list(np.split(dy, bounds, axis=axis))}


@op("stack")
def _stack(tensors, dim=0):
    axis = wrap_dim("stack", dim, tensors[0].ndim + 1)
    return np.stack(tensors, axis=axis), (axis, len(tensors))


@grad("stack")
def _stack_back(dy, cache):
    axis, n = cache
    return {"tensors": [np.take(dy, i, axis=axis) for i in range(n)]}

