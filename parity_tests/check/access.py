"""Where a user's object keeps its arrays and their gradients.

A *path* names one array: ``('W',)`` is the attribute ``W``, ``('params', 'W')`` the key
``'W'`` of the dict attribute ``params``. Parameters are found as array attributes or in
parameter dicts (``params``, ``parameters``, ``weights``); the gradient of ``W`` as an
attribute or dict entry named like ``dW``, ``dweights``, ``grad_W``, ``W_grad``, or under
``W`` in a gradient dict (``grads``, ``gradients``). A parameter object (``Param`` with
``.data`` and ``.grad``, as attribute or dict entry) is the path ``('params', 'W', '.data')``:
its array is ``.data`` (or ``.value``), its gradient the same object's ``.grad``. A list
``self.params = [W, b]`` gives ``('params', 0)``, its gradient ``self.grads[0]``.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from . import names

Path = tuple


def is_module(obj: Any) -> bool:
    """A numpy_layers-style Module: arrays by state_dict name, gradients by named_grads."""
    return callable(getattr(obj, "state_dict", None)) and callable(getattr(obj, "named_grads", None))


def _attrs(obj: Any) -> dict[str, Any]:
    try:
        return {k: v for k, v in vars(obj).items() if not k.startswith("__")}
    except TypeError:
        return {}


# Attributes of a parameter object holding its array, and its gradient.
HOLDER_DATA = ("data", "value", "val", "array")
HOLDER_GRAD = ("grad", "gradient", "g", "d")


def _numeric(v: Any) -> bool:
    return isinstance(v, np.ndarray) and v.dtype.kind in "fiu"


def _holder(v: Any) -> str | None:
    """The attribute of a parameter object (``Param(data, grad)``) holding its array."""
    if isinstance(v, (np.ndarray, dict, list, tuple, str, type)) or not hasattr(v, "__dict__"):
        return None
    attrs = _attrs(v)
    if not any(g in attrs for g in HOLDER_GRAD):
        return None
    return next((n for n in HOLDER_DATA if _numeric(attrs.get(n))), None)


def name(path: Path) -> str:
    """The name of the array at ``path``: its last key that is not ``.data`` (a list index
    names nothing: '0')."""
    return str(next(p for p in reversed(path) if not str(p).startswith(".")))


def scan(obj: Any) -> dict[Path, np.ndarray]:
    """Every float or integer array the object holds directly, in a parameter dict, or as
    the array of a parameter object."""
    out: dict[Path, np.ndarray] = {}
    grad_like = set(names.GRAD_DICTS)

    def one(path: Path, v: Any) -> None:
        if _numeric(v):
            out[path] = v
        elif (h := _holder(v)) is not None:
            out[path + ("." + h,)] = getattr(v, h)

    for k, v in _attrs(obj).items():
        if isinstance(v, list) and k not in grad_like and v and all(_numeric(x) for x in v):
            for i, vv in enumerate(v):                   # self.params = [W, b]
                one((k, i), vv)
        elif isinstance(v, dict) and k not in grad_like and (
                k in names.PARAM_DICTS or names.OPTION_DICT.match(k)       # bn_param: stats
                or (v and all(isinstance(x, np.ndarray) or _holder(x) for x in v.values()))):
            for kk, vv in v.items():
                one((k, kk), vv)
        elif not isinstance(v, dict):
            one((k,), v)
    return out


def get(obj: Any, path: Path) -> Any:
    cur = getattr(obj, path[0], None)
    for p in path[1:]:
        if str(p).startswith("."):
            cur = getattr(cur, p[1:], None)
        elif isinstance(p, int):
            cur = cur[p] if isinstance(cur, list) and p < len(cur) else None
        else:
            cur = cur.get(p) if isinstance(cur, dict) else None
    return cur


def put(obj: Any, path: Path, value: np.ndarray) -> None:
    """Store ``value`` at ``path``; in place when the old array has the same shape and dtype
    (layers that share one array between a dict and an attribute keep sharing it)."""
    old = get(obj, path)
    if isinstance(old, np.ndarray) and old.shape == value.shape and old.dtype == value.dtype \
            and old.flags.writeable:
        old[...] = value
        return
    value = np.array(value, copy=True)
    if len(path) == 1:
        setattr(obj, path[0], value)
    elif str(path[-1]).startswith("."):
        setattr(get(obj, path[:-1]), path[-1][1:], value)
    else:
        get(obj, path[:-1])[path[-1]] = value


def text(path: Path) -> str:
    return path[0] + "".join(p if str(p).startswith(".") else f"[{p!r}]" for p in path[1:])


def grad_of(obj: Any, path: Path, params: set[Path]) -> tuple[np.ndarray | None, str]:
    """The gradient array of the parameter at ``path`` and where it was found."""
    attrs = _attrs(obj)
    if str(path[-1]).startswith("."):               # a parameter object: its own .grad
        holder = get(obj, path[:-1])
        for g in HOLDER_GRAD:
            v = getattr(holder, g, None)
            if isinstance(v, np.ndarray):
                return v, text(path[:-1] + ("." + g,))
        path = path[:-1]
    key = path[-1]
    for cand in (names.grad_names(key) if isinstance(key, str) else ()):
        if len(path) == 2:                       # a dict entry: a sibling key, then attributes
            d = attrs.get(path[0])
            if isinstance(d, dict) and isinstance(d.get(cand), np.ndarray) \
                    and (path[0], cand) not in params:
                return d[cand], text((path[0], cand))
        v = attrs.get(cand)
        if isinstance(v, np.ndarray) and (cand,) not in params:
            return v, cand
    for dname in names.GRAD_DICTS:
        d = attrs.get(dname)
        if isinstance(d, list) and isinstance(key, int):       # self.grads[i] of params[i]
            if key < len(d) and isinstance(d[key], np.ndarray):
                return d[key], text((dname, key))
            continue
        if not isinstance(d, dict):
            continue
        for cand in (key, *(names.grad_names(key) if isinstance(key, str) else ())):
            if isinstance(d.get(cand), np.ndarray):
                return d[cand], text((dname, cand))
    return None, ""


def replace_array(obj: Any, old: np.ndarray, new: np.ndarray) -> None:
    """Put ``new`` wherever the object holds the array ``old`` itself: an attribute, a dict
    entry, a list element, a parameter object's attribute."""
    def swap(holder: Any) -> None:
        items = holder.items() if isinstance(holder, dict) else enumerate(holder) \
            if isinstance(holder, list) else _attrs(holder).items()
        for k, v in list(items):
            if v is old:
                if isinstance(holder, (dict, list)):
                    holder[k] = new
                else:
                    setattr(holder, k, new)

    swap(obj)
    for v in _attrs(obj).values():
        if isinstance(v, (dict, list)):
            swap(v)
            for vv in (v.values() if isinstance(v, dict) else v):
                if _holder(vv) is not None:
                    swap(vv)
        elif _holder(v) is not None:
            swap(v)


def first_attr(obj: Any, candidates: tuple[str, ...]) -> tuple[Any, str]:
    attrs = _attrs(obj)
    for n in candidates:
        v = attrs.get(n)
        if isinstance(v, np.ndarray):
            return v, n
        if isinstance(v, np.generic):          # 1 / (1 + np.exp(-x)) of a 0-d input
            return np.asarray(v), n
    return None, ""


def mode_attribute(cls: type) -> str | None:
    """The attribute through which the class's code reads its mode (``self.training``)."""
    import inspect
    import re
    try:
        src = inspect.getsource(cls)
    except (OSError, TypeError):
        return None
    for n in names.MODE_ATTRS:
        if re.search(rf"self\.{n}\b", src):
            return n
    return None
