"""The op table's entry and the helpers every op module uses.

``OPS`` maps a key (``"add"``, ``"conv2d"``, ``"user:torch.cumsum"``) to an ``Op``: a forward
with torch's signature (argument names, order, defaults) ``(*args, **kwargs) -> (value,
cache)`` and a backward ``(dy, cache) -> {argument name: gradient}``. The op modules
(``ops_tensor``, ``ops_nn``, ``ops_layers``) fill it with ``op``/``grad``; ``ops`` imports
them all, so import ``OPS`` from there to get the whole table.
"""
from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np


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


def op(name: str, uses_mode: bool = False, uses_rng: bool = False) -> Callable:
    """Decorator registering a forward as ``OPS[name]``."""
    def deco(fn):
        OPS[name] = Op(name, fn, uses_mode=uses_mode, uses_rng=uses_rng)
        return fn
    return deco


def grad(name: str) -> Callable:
    """Decorator setting the backward of ``OPS[name]``."""
    def deco(fn):
        OPS[name].backward = fn
        return fn
    return deco


def is_float(v: Any) -> bool:
    """Whether ``v`` is a floating-point array (a tensor that carries a gradient)."""
    return isinstance(v, np.ndarray) and v.dtype.kind == "f"


def float_array(name: str, v: Any) -> np.ndarray:
    """``v`` itself, checked to be a float32 or float64 array (TypeError naming op ``name``)."""
    if not is_float(v):
        raise TypeError(f"{name}: expected a float32 or float64 numpy.ndarray, got "
                        f"{type(v).__name__}{' of dtype ' + str(v.dtype) if hasattr(v, 'dtype') else ''}")
    return v


def basic_index(idx: Any) -> bool:
    """Whether ``idx`` is basic indexing (ints, slices, None, ...): each element picked once."""
    items = idx if isinstance(idx, tuple) else (idx,)
    return all(i is None or i is Ellipsis or isinstance(i, (int, np.integer, slice)) for i in items)


def unbroadcast(g: np.ndarray, shape: tuple[int, ...] | None) -> np.ndarray | None:
    """Sum a broadcast gradient back to an operand's ``shape`` (None: not an array)."""
    if shape is None:
        return None
    lead = g.ndim - len(shape)
    if lead:
        g = g.sum(axis=tuple(range(lead)))
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and g.shape[i] != 1)
    return np.asarray(g.sum(axis=axes, keepdims=True) if axes else g, dtype=g.dtype)


def wrap_dim(name: str, dim: Any, ndim: int) -> int:
    """torch's dim (negative counts from the end) as an axis in ``range(ndim)``."""
    n = max(ndim, 1)
    if not isinstance(dim, (int, np.integer)) or not -n <= dim < n:
        raise ValueError(f"{name}: dim {dim!r} is out of range for a {ndim}-D input")
    return int(dim) % n
