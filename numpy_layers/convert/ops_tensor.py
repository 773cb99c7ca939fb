"""The tensor operations a converted torch.fx graph may call, in one table: ``OPS``.

Each entry has torch's signature (argument names, order, defaults), a forward
``(*args, **kwargs) -> (value, cache)`` and a backward ``(dy, cache) -> {argument name:
gradient}``; a gradient has the structure of its argument (a list for ``cat``'s tensors),
broadcast operands get theirs summed back to their own shape, and Python numbers get none.
Shape queries (``size``, ``x.shape``) have no backward. Nothing here writes into an array
it was given (except ``F.batch_norm``/``F.instance_norm``'s running statistics, as torch).
This file holds arithmetic, shapes, indexing and joining; reductions, elementwise math,
activations, pooling and dropout are in ``graph_ops_nn`` (imported at the end), the layer
functionals (conv, norms, losses, resizing ...) in ``graph_ops_layers``; ``register_op``
(``fx.py``) adds users' entries.
"""
from __future__ import annotations

import inspect
import operator
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from .functional.shape import flat_shape


@dataclass
class Op:
    """One operation: ``forward`` with torch's signature, ``backward`` or None."""
    name: str
    forward: Callable[..., tuple[Any, Any]]
    backward: Callable[[Any, Any], dict[str, Any]] | None = None
    uses_mode: bool = False        # forward also gets ``_training`` (the graph's mode)
    uses_rng: bool = False         # forward also gets ``_rng`` (the graph's Generator)

    @property
    def signature(self) -> inspect.Signature:
        sig = inspect.signature(self.forward)
        return sig.replace(parameters=[p for p in sig.parameters.values()
                                       if p.name not in ("_training", "_rng")])


OPS: dict[str, Op] = {}


def _op(name: str, uses_mode: bool = False, uses_rng: bool = False):
    def deco(fn):
        OPS[name] = Op(name, fn, uses_mode=uses_mode, uses_rng=uses_rng)
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


@_op("expand")
def _expand(input, *sizes):
    x, sizes = _array("expand", input), _dims(sizes)
    lead = len(sizes) - x.ndim
    if lead < 0:
        raise ValueError(f"expand: the number of sizes ({len(sizes)}) must be at least the "
                         f"input's {x.ndim} dimensions")
    shape = tuple(x.shape[i - lead] if n == -1 and i >= lead else n for i, n in enumerate(sizes))
    return np.broadcast_to(x, shape), x.shape          # a read-only view, as torch's view


@_op("expand_as")
def _expand_as(input, other):
    return np.broadcast_to(_array("expand_as", input), np.shape(other)), input.shape


OPS["expand"].backward = OPS["expand_as"].backward = \
    lambda dy, shape: {"input": _unbroadcast(dy, shape)}


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


# The neural-network ops register themselves into OPS (this module is complete by now).
from . import graph_ops_nn  # noqa: E402,F401
