"""What the user asked to check: a class, a function, or a forward/backward pair, loaded
from ``path/to/file.py:Name``, ``package.module:Name`` or ``file.py:forward_fn,backward_fn``.

A function named ``*_forward*`` (``conv_forward_naive``) finds its partner by the same name
with ``backward`` (``conv_backward_naive``) in the same module; so do ``fwd``/``bwd`` and
``fprop``/``bprop``. Any other function ``f`` finds ``f_backward``, ``f_grad``, ``f_vjp``
... or ``grad_f``. Without a partner, a function is checked forward only.
"""
from __future__ import annotations

import importlib
import importlib.util
import inspect
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np


class TargetError(ValueError):
    """The layer to check cannot be loaded or is not something the check can drive."""


@dataclass
class Target:
    kind: str                          # 'class', 'function', 'object'
    label: str                         # the name printed in verdicts
    where: str                         # how the command line names it again
    cls: type | None = None
    fwd: Callable | None = None
    bwd: Callable | None = None
    factory: Callable | None = None    # (case, dtype) -> object, for check_spec


def _load_module(where: str) -> Any:
    if where.endswith(".py") or "/" in where or "\\" in where:
        path = Path(where).resolve()
        if not path.is_file():
            raise TargetError(f"check: no file {where}")
        name = f"_parity_check_{path.stem}_{abs(hash(str(path)))}"
        if name in sys.modules:
            return sys.modules[name]
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        sys.path.insert(0, str(path.parent))
        try:
            spec.loader.exec_module(module)
        except Exception as e:  # noqa: BLE001 - the user's file: say what it raised
            del sys.modules[name]
            raise TargetError(f"check: importing {where} raised {type(e).__name__}: {e}") from None
        finally:
            sys.path.remove(str(path.parent))
        return module
    try:
        return importlib.import_module(where)
    except ImportError as e:
        raise TargetError(f"check: cannot import {where}: {e}") from None


def load_object(ref: str) -> Any:
    """'path/to/file.py:Name', 'package.module:Name' or 'package.module.Name' -> the object."""
    if ":" in ref:
        where, name = ref.rsplit(":", 1)
    else:
        where, _, name = ref.rpartition(".")
    if not where or not name:
        raise TargetError(f"check: cannot read {ref!r}; write path/to/file.py:Name")
    module = _load_module(where)
    if not hasattr(module, name):
        defined = sorted(n for n, v in vars(module).items()
                         if not n.startswith("_") and callable(v)
                         and getattr(v, "__module__", None) == module.__name__)
        raise TargetError(f"check: {where} has no name {name!r}"
                          + (f" (it defines {', '.join(defined)})" if defined else ""))
    return getattr(module, name)


_PARTNERS = (("forward", "backward"), ("Forward", "Backward"), ("fwd", "bwd"),
             ("fprop", "bprop"), ("fp", "bp"))


_SUFFIXES = ("_backward", "_grad", "_vjp", "_bwd", "_backprop", "_bprop", "_derivative",
             "_deriv", "_prime")
_PREFIXES = ("grad_", "d_", "backward_")


def partner(fn: Callable) -> Callable | None:
    """``conv_forward_naive`` -> ``conv_backward_naive`` from the same module, if defined."""
    name = getattr(fn, "__name__", "")
    module = sys.modules.get(getattr(fn, "__module__", ""), None)
    if module is None:
        return None
    for a, b in _PARTNERS:
        if a in name:
            other = getattr(module, name.replace(a, b), None)
            if callable(other) and other is not fn:
                return other
            return None
    for other_name in [name + s for s in _SUFFIXES] + [p + name for p in _PREFIXES]:
        other = getattr(module, other_name, None)      # conv -> conv_grad, conv_backward
        if callable(other) and other is not fn and not inspect.isclass(other):
            return other
    return None


def _where(obj: Any, given: str | None) -> str:
    if given:
        return given
    try:
        return f"{inspect.getsourcefile(obj)}:{obj.__qualname__}"
    except TypeError:
        return f"{obj.__module__}:{obj.__qualname__}"


def load_target(layer: Any) -> Target:
    """A Target from what the user gave: text, a class, a function or a (fwd, bwd) pair."""
    text = layer if isinstance(layer, str) else None
    if text is not None:
        where, _, names_ = text.rpartition(":") if ":" in text else ("", "", text)
        parts = [p.strip() for p in names_.split(",") if p.strip()]
        if len(parts) == 2 and where:
            fwd, bwd = (load_object(f"{where}:{p}") for p in parts)
            return _pair(fwd, bwd, text)
        obj = load_object(text)
    else:
        obj = layer
    if isinstance(obj, (tuple, list)) and len(obj) == 2:
        return _pair(obj[0], obj[1], text)
    if inspect.isclass(obj):
        fn = _function_style(obj)
        if fn is not None:
            return Target("function", obj.__qualname__, _where(obj, text), fwd=fn[0], bwd=fn[1])
        return Target("class", obj.__qualname__, _where(obj, text), cls=obj)
    if callable(obj):
        _check_function(obj)
        bwd = partner(obj)
        if bwd is None and _makes_closures(obj):
            return Target("class", obj.__name__, _where(obj, text), cls=closure_class(obj))
        return Target("function", obj.__name__, _where(obj, text), fwd=obj, bwd=bwd)
    raise TargetError(f"check: {text or obj!r} is not a class or a function")


def _makes_closures(fn: Callable) -> bool:
    """``make_linear(w, b)`` returning inner forward/backward functions: it defines inner
    functions that close over its variables (not mere helpers) and none of its arguments
    is named like the input."""
    from .names import SYNONYMS
    code = getattr(fn, "__code__", None)
    if code is None or not code.co_cellvars or not any(inspect.iscode(c) for c in code.co_consts):
        return False
    try:
        params = list(inspect.signature(fn).parameters)
    except (TypeError, ValueError):
        return False
    return bool(params) and not any(p == "input" or p in SYNONYMS["input"] for p in params)


def closure_class(factory: Callable) -> type:
    """A class whose constructor is ``factory``: the functions it returns (a pair, a dict
    with 'forward'/'backward', or one function) are the object's forward and backward, and
    the arrays they close over its attributes (shared, so a load in place reaches them)."""
    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        ret = factory(*args, **kwargs)
        if isinstance(ret, dict):
            fns = [ret.get(k) for k in ("forward", "fwd", "backward", "bwd") if callable(ret.get(k))]
        elif isinstance(ret, (tuple, list)):
            fns = [f for f in ret if callable(f)]
        else:
            fns = [ret] if callable(ret) else []
        if not fns:
            raise TargetError(f"check: {factory.__name__}() returned no function: give the "
                              f"forward it makes, or a class")
        self.forward = fns[0]
        if len(fns) > 1:
            self.backward = fns[1]
        for f in fns:
            cells = getattr(f, "__closure__", None) or ()
            for name, cell in zip(f.__code__.co_freevars, cells):
                try:
                    v = cell.cell_contents
                except ValueError:                     # an empty cell
                    continue
                if isinstance(v, (np.ndarray, dict)) and not hasattr(self, name):
                    setattr(self, name, v)

    cls = type(factory.__name__, (), {"__init__": __init__, "__module__": factory.__module__,
                                     "__doc__": factory.__doc__})
    cls.__qualname__ = factory.__qualname__
    cls.__signature__ = inspect.signature(factory)
    return cls


def _function_style(cls: type) -> tuple[Callable, Callable | None] | None:
    """An autograd.Function-style class: static ``forward(ctx, ...)`` and
    ``backward(ctx, grad)``, driven as a function pair whose cache is the ``ctx``."""
    fwd = inspect.getattr_static(cls, "forward", None)
    if not isinstance(fwd, (staticmethod, classmethod)):
        return None
    fn = getattr(cls, "forward")
    try:
        first = next(iter(inspect.signature(fn).parameters), None)
    except (TypeError, ValueError):
        return None
    if first not in ("ctx", "context"):
        return None
    bwd = getattr(cls, "backward", None)
    return fn, bwd if callable(bwd) else None


def _pair(fwd: Any, bwd: Any, text: str | None) -> Target:
    for f in (fwd, bwd):
        if not callable(f) or inspect.isclass(f):
            raise TargetError(f"check: {getattr(f, '__name__', f)!r} is not a function")
    _check_function(fwd)
    return Target("function", f"{fwd.__name__},{bwd.__name__}",
                  text or f"{_where(fwd, None)},{bwd.__name__}", fwd=fwd, bwd=bwd)


def _check_function(fn: Callable) -> None:
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return
    if not params:
        raise TargetError(f"check: {fn.__name__}() takes no argument: a layer function takes "
                          f"the input array (and its parameters and options)")
