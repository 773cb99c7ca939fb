"""Dtype casts, new tensors, products, norms and repeats in the op table (``ops_base.OPS``;
same conventions as ``ops_tensor``): ``x.float()``, ``x.to(torch.float64)``,
``x.type_as(y)``, ``torch.zeros_like``, ``x.new_zeros``, ``torch.matmul``/``@``/``bmm``,
``x.norm(dim=...)``, ``F.normalize``, ``x.repeat``, ``x.clamp_min``/``clamp_max``, ``x.t()``,
``y[index] = v``.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .ops_base import (OPS, Op, basic_index, float_array, grad, is_float, op, unbroadcast,
                       wrap_dim)

# torch dtypes as ``fx._to_args`` names them -> NumPy's (the float types numpy_layers runs).
_DTYPES = {"torch.float32": np.float32, "torch.float": np.float32,
           "torch.float64": np.float64, "torch.double": np.float64}


def _dtype(name: str, dtype: Any) -> np.dtype:
    if isinstance(dtype, np.ndarray):              # x.to(other): other's dtype
        return dtype.dtype
    if dtype not in _DTYPES:
        raise TypeError(f"{name}: only casts to torch.float32 or torch.float64 are supported, "
                        f"got {dtype}")
    return np.dtype(_DTYPES[dtype])


# ----------------------------------------------------------------------------- casts
def _cast(x: np.ndarray, dt: np.dtype) -> tuple[np.ndarray, np.dtype]:
    return (x if x.dtype == dt else x.astype(dt)), x.dtype


@op("to")
def _to(input, *args, dtype=None, non_blocking=False, copy=False, memory_format=None):
    """``x.to(dtype)``, ``x.to(device[, dtype])``, ``x.to(other)``; a device is ignored."""
    x = float_array("to", input)
    picked = [a for a in args if isinstance(a, np.ndarray) or (isinstance(a, str) and a.startswith(
        "torch.") and "format" not in a and a != "torch.channels_last")]       # not a device
    target = dtype if dtype is not None else picked[-1] if picked else x.dtype
    dt = x.dtype if isinstance(target, np.dtype) else _dtype("to", target)
    y, back = _cast(x, dt)
    return (y.copy() if copy and y is x else y), back


@op("type_as")
def _type_as(input, other):
    return _cast(float_array("type_as", input), _dtype("type_as", other))


@op("float")
def _float(input, memory_format=None):
    return _cast(float_array("float", input), np.dtype(np.float32))


@op("double")
def _double(input, memory_format=None):
    return _cast(float_array("double", input), np.dtype(np.float64))


for _n in ("to", "type_as", "float", "double"):
    OPS[_n].backward = lambda dy, dt: {"input": dy.astype(dt, copy=False)}


# ----------------------------------------------------------------------------- new tensors
def _new(name: str, fill: Any) -> None:
    """``torch.<name>_like(x)`` and ``x.new_<name>(size)``: constants, no gradient."""
    def like(input, *, dtype=None, layout=None, device=None, requires_grad=False,
             memory_format=None):
        x = float_array(f"{name}_like", input)
        dt = x.dtype if dtype is None else _dtype(f"{name}_like", dtype)
        return np.full(x.shape, fill, dt), None

    def new(input, *size, dtype=None, layout=None, device=None, requires_grad=False,
            pin_memory=False):
        x = float_array(f"new_{name}", input)
        shape = tuple(size[0]) if len(size) == 1 and isinstance(size[0], (tuple, list)) else size
        dt = x.dtype if dtype is None else _dtype(f"new_{name}", dtype)
        return np.full(shape, fill, dt), None
    OPS[f"{name}_like"] = Op(f"{name}_like", like)
    OPS[f"new_{name}"] = Op(f"new_{name}", new)


_new("zeros", 0)
_new("ones", 1)


# ----------------------------------------------------------------------------- products
@op("matmul")
def _matmul(input, other):
    """torch.matmul (1-D operands as a row / a column, batch dims broadcast)."""
    a, b = float_array("matmul", input), float_array("matmul", other)
    a2 = a[None] if a.ndim == 1 else a                 # (1, K)
    b2 = b[:, None] if b.ndim == 1 else b              # (K, 1)
    y2 = np.matmul(a2, b2)
    y = y2
    if a.ndim == 1:
        y = y.squeeze(-2)
    if b.ndim == 1:
        y = y.squeeze(-1)
    return y, (a, b, a2, b2, y2.shape)


@grad("matmul")
def _matmul_back(dy, cache):
    a, b, a2, b2, shape = cache
    g = dy.reshape(shape)
    ga = unbroadcast(np.matmul(g, np.swapaxes(b2, -1, -2)), a2.shape).reshape(a.shape)
    gb = unbroadcast(np.matmul(np.swapaxes(a2, -1, -2), g), b2.shape).reshape(b.shape)
    return {"input": ga, "other": gb}


@op("bmm")
def _bmm(input, mat2):
    if np.ndim(input) != 3 or np.ndim(mat2) != 3:
        raise ValueError(f"bmm: expected two 3-D arrays, got {np.ndim(input)}-D and "
                         f"{np.ndim(mat2)}-D")
    return _matmul(input, mat2)


OPS["bmm"].backward = lambda dy, c: dict(zip(("input", "mat2"), _matmul_back(dy, c).values()))


# ----------------------------------------------------------------------------- norms
def _dims(name: str, dim: Any, ndim: int) -> tuple[int, ...]:
    if dim is None:
        return tuple(range(ndim))
    dims = dim if isinstance(dim, (tuple, list)) else (dim,)
    return tuple(wrap_dim(name, d, ndim) for d in dims)


@op("norm")
def _norm(input, p="fro", dim=None, keepdim=False, out=None, dtype=None):
    """The 2-norm (p=2 or 'fro') over ``dim``; its gradient is 0 where the norm is 0."""
    x = float_array("norm", input)
    if p not in (2, 2.0, "fro") or dtype is not None or out is not None:
        raise TypeError(f"norm: only p=2 (or 'fro') without dtype= or out= is supported, "
                        f"got p={p!r}")
    dims = _dims("norm", dim, x.ndim)
    yk = np.sqrt(np.sum(x * x, axis=dims, keepdims=True))
    return (yk if keepdim else np.squeeze(yk, dims)), (x, yk, dims, bool(keepdim))


@grad("norm")
def _norm_back(dy, cache):
    x, yk, dims, keepdim = cache
    g = dy if keepdim else np.expand_dims(dy, dims)
    with np.errstate(all="ignore"):
        return {"input": np.where(yk == 0, 0, g * x / yk).astype(dy.dtype)}


@op("normalize")
def _normalize(input, p=2.0, dim=1, eps=1e-12, out=None):
    """F.normalize: x / max(||x||_2, eps) along ``dim``."""
    x = float_array("normalize", input)
    if p not in (2, 2.0) or out is not None:
        raise TypeError(f"normalize: only p=2 without out= is supported, got p={p!r}")
    axis = wrap_dim("normalize", dim, x.ndim)
    n = np.sqrt(np.sum(x * x, axis=axis, keepdims=True))
    d = np.maximum(n, x.dtype.type(eps))
    y = x / d
    return y, (y, d, n > eps, axis)


@grad("normalize")
def _normalize_back(dy, cache):
    y, d, above, axis = cache
    proj = np.where(above, np.sum(dy * y, axis=axis, keepdims=True), 0)
    return {"input": ((dy - y * proj) / d).astype(dy.dtype)}


# ----------------------------------------------------------------------------- repeat, clamp
@op("repeat")
def _repeat(input, *sizes):
    x = float_array("repeat", input)
    reps = tuple(sizes[0]) if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)) else sizes
    if len(reps) < x.ndim:
        raise ValueError(f"repeat: {len(reps)} repeat counts for a {x.ndim}-D input; give at "
                         f"least one per dimension")
    xs = (1,) * (len(reps) - x.ndim) + x.shape
    return np.tile(x.reshape(xs), reps), (x.shape, xs, reps)


@grad("repeat")
def _repeat_back(dy, cache):
    shape, xs, reps = cache
    split = tuple(v for r, n in zip(reps, xs) for v in (r, n))       # (r0, n0, r1, n1, ...)
    return {"input": dy.reshape(split).sum(axis=tuple(range(0, len(split), 2))).reshape(shape)}


@op("clamp_min")
def _clamp_min(input, min):
    return OPS["clamp"].forward(input, min, None)


@op("clamp_max")
def _clamp_max(input, max):
    return OPS["clamp"].forward(input, None, max)


OPS["clamp_min"].backward = OPS["clamp_max"].backward = \
    lambda dy, keep: OPS["clamp"].backward(dy, keep)


@op("t")
def _t(input):
    """``x.t()``: a 2-D transpose (0-D and 1-D unchanged), as torch."""
    x = float_array("t", input)
    if x.ndim > 2:
        raise ValueError(f"t: expects a tensor with <= 2 dimensions, got {x.ndim}-D")
    return x.T, None


OPS["t"].backward = lambda dy, cache: {"input": dy.T}


# ----------------------------------------------------------------------------- y[index] = v
@op("setitem")
def _setitem(a, b, c):
    """``a[b] = c`` as torch runs it in place: here a new array (the graph reads it as a)."""
    x = float_array("setitem", a)
    if not basic_index(b):
        raise TypeError(f"setitem: only integers, slices, None and ... index a tensor here, "
                        f"got {b!r}")
    out = x.copy()
    out[b] = c
    return out, (b, (c.shape if is_float(c) else None))


@grad("setitem")
def _setitem_back(dy, cache):
    idx, shape = cache
    da = dy.copy()
    da[idx] = 0                              # overwritten: no gradient to the old values
    return {"a": da, "c": unbroadcast(np.asarray(dy[idx]), shape)}
