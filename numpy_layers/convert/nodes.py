"""The pieces of a converted graph (``Node``, ``Ref``) and the walks over the values in
their arguments: resolving references, listing them, routing gradients back into them
(structured like the argument: tuples, lists, dicts) and summing two gradients. Used by
``graph.GraphModule``; imports numpy only."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Ref:
    """The value of the node called ``name``, inside another node's arguments."""
    name: str

    def __repr__(self) -> str:
        return self.name


@dataclass
class Node:
    """One step. ``target``: the input name, attribute or module path, or the OPS key;
    ``label``: what torch called it (for messages); ``value``: a constant's array or a
    placeholder's default (``has_default``)."""
    op: str
    name: str
    target: str = ""
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)
    label: str = ""
    value: Any = None
    has_default: bool = False
    no_grad: bool = False          # made under torch.no_grad(): no gradient flows back


def resolve_refs(a: Any, env: dict[str, Any]) -> Any:
    """``a`` with every Ref replaced by its value (tuples, lists, dicts, slices walked)."""
    if isinstance(a, Ref):
        return env[a.name]
    if isinstance(a, (tuple, list)):
        return type(a)(resolve_refs(v, env) for v in a)
    if isinstance(a, dict):
        return {k: resolve_refs(v, env) for k, v in a.items()}
    if isinstance(a, slice):
        return slice(*(resolve_refs(v, env) for v in (a.start, a.stop, a.step)))
    return a


def ref_names(a: Any) -> list[str]:
    if isinstance(a, Ref):
        return [a.name]
    if isinstance(a, (tuple, list)):
        return [r for v in a for r in ref_names(v)]
    if isinstance(a, dict):
        return [r for v in a.values() for r in ref_names(v)]
    if isinstance(a, slice):
        return ref_names((a.start, a.stop, a.step))
    return []


def add_grads(old: Any, new: Any) -> Any:
    """Sum of two gradients (arrays, or lists for tuple-valued nodes; None: nothing)."""
    if old is None:
        return new
    if new is None:
        return old
    if isinstance(old, (tuple, list)):
        return [add_grads(o, n) for o, n in zip(old, new)]
    return old + new


def route_grad(a: Any, g: Any, grads: dict[str, Any]) -> None:
    """Add gradient ``g`` (structured like argument ``a``) into the nodes ``a`` refers to."""
    if g is None:
        return
    if isinstance(a, Ref):
        grads[a.name] = add_grads(grads.get(a.name), g)
    elif isinstance(a, (tuple, list)) and isinstance(g, (tuple, list)):
        for ai, gi in zip(a, g):
            route_grad(ai, gi, grads)
    elif isinstance(a, dict) and isinstance(g, dict):
        for k in a:
            route_grad(a[k], g.get(k), grads)


def grad_meta(v: Any) -> Any:
    """(shape, dtype) of float arrays in an output structure (tuples and lists as lists,
    dicts as dicts), None elsewhere."""
    if isinstance(v, np.ndarray) and v.dtype.kind == "f":
        return v.shape, v.dtype
    if isinstance(v, (tuple, list)):
        return [grad_meta(x) for x in v]
    if isinstance(v, dict):
        return {k: grad_meta(x) for k, x in v.items()}
    return None
