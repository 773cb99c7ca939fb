"""Bind the parameters of a user's function, constructor, forward or backward to the roles
of the reference: by name, by a common synonym, by a component name (``pool_height``), from
an option dict (``conv_param={'stride': .., 'pad': ..}``), and by position for the rest.

``Binding.call(values)`` then builds the arguments for one call from role values, in the
form each parameter expects (an int where the layer's default is an int, a tuple where it is
a tuple, ``'train'``/``'test'`` for a string mode), and records which options the layer read.
"""
from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from typing import Any, Callable


from . import names
from .reference import Reference
from .values import EMPTY, Forms, ModeStr, OptionDict


class BindingError(TypeError):
    """A required parameter of the user's callable matches no role of the reference."""


@dataclass
class Bound:
    """One parameter of the user's callable and where its value comes from."""
    param: str
    role: str | None              # a reference role, or None for special ones
    how: str                      # name, synonym, component, position, dict, grad_output,
    index: int | None = None      # cache, lr, mask, default, ctx, rng
    inverted: bool = False
    default: Any = EMPTY
    kind: Any = inspect.Parameter.POSITIONAL_OR_KEYWORD

    def describe(self) -> str:
        if self.how in ("name", "default"):
            return self.param
        target = self.role or self.how
        if self.index is not None:
            target += f"[{self.index}]"
        if self.inverted:
            target = ("not " if self.role == "training" else "1 - ") + target
        return f"{self.param}={target}"


@dataclass
class Binding:
    """How to call one user callable from role values."""
    label: str
    bound: list[Bound]
    forms: Forms
    dicts: list[OptionDict] = field(default_factory=list)      # of the last call
    star: list[str] = field(default_factory=list)   # roles given through *args (forward(*xs))

    def roles(self) -> set[str]:
        """Roles this callable can receive (dict keys count once the dict was read)."""
        out = {b.role for b in self.bound if b.role and b.how not in ("dict",)} | set(self.star)
        for d in self.dicts:
            out |= d.read
        return out

    def has(self, how: str) -> bool:
        return any(b.how == how for b in self.bound)

    def param_for(self, role: str) -> Bound | None:
        return next((b for b in self.bound if b.role == role and b.how != "dict"), None)

    def call(self, fn: Callable, values: dict[str, Any], extra: dict[str, Any] | None = None,
             fixed: dict[str, Any] | None = None) -> Any:
        """``fn(...)`` with each bound parameter filled from ``values`` (role -> value) or
        ``extra`` (grad_output, cache, lr, mask, dtype), option dicts from ``values``, and
        ``fixed`` (user parameter -> value, from ``--init``) as given."""
        extra = extra or {}
        args: list[Any] = [values[r] for r in self.star if r in values]
        kwargs: dict[str, Any] = dict(fixed or {})
        self.dicts = []
        for b in self.bound:
            if b.param in kwargs:
                continue
            if b.how == "dict":
                v: Any = OptionDict(dict(values), set(values), self.forms)
                self.dicts.append(v)
            elif b.how == "rng":
                v = _random_source(b.param)
            elif b.how in extra:
                v = extra[b.how]
            elif b.role is not None and b.role in values:
                v = self.forms.transform(names.Match(b.role, b.how, b.index, b.inverted),
                                         values[b.role], b.param)
            else:
                continue                       # left to its default
            if b.kind == inspect.Parameter.POSITIONAL_ONLY:
                args.append(v)
            else:
                kwargs[b.param] = v
        return fn(*args, **kwargs)


def signature(fn: Callable) -> list[inspect.Parameter]:
    """Parameters of ``fn`` (bound methods without self; classes through __init__)."""
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return []
    return [p for p in sig.parameters.values() if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]


def takes_var_keyword(fn: Callable) -> bool:
    try:
        return any(p.kind == p.VAR_KEYWORD for p in inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        return False


def bind(fn: Callable, ref: Reference, context: str, *, explicit: dict[str, str] | None = None,
         label: str = "", positional: list[str] | None = None, skip: tuple[str, ...] = (),
         spatial: int = 2) -> Binding:
    """Bind ``fn``'s parameters to ``ref``'s roles.

    ``context``: 'function' (a forward function or a forward method: arrays first),
    'ctor' (sizes and options first), 'backward' (the upstream gradient and the cache
    first). ``explicit``: user parameter -> role, from ``--arg`` or a binding file.
    ``positional``: the role order used for parameters no name matches."""
    explicit = explicit or {}
    roles = set(ref.roles)
    arrays = ("input", "target", "weight", "bias")
    prefer = arrays if context != "ctor" else ("in_channels", "out_channels", "kernel_size",
                                               "in_features", "out_features")
    params = signature(fn)
    bound: list[Bound] = []
    taken: set[str] = set()
    pending: list[inspect.Parameter] = []
    for i, p in enumerate(params):
        if p.name in skip:
            continue
        b = _bind_one(p, i, roles, context, explicit, prefer, taken)
        if b is None:
            pending.append(p)
            continue
        bound.append(b)
        if b.role and b.index is None and b.how not in ("dict",):
            taken.add(b.role)
    order = [r for r in (positional or ref.positional or list(ref.roles)) if r in roles]
    free = [r for r in order if r not in taken and r not in names.INERT_OPTIONS
            and ref.roles[r].kind in ("input", "param", "buffer", "option")]
    missing = []
    for p in pending:
        if p.default is not EMPTY:
            bound.append(Bound(p.name, None, "default", default=p.default, kind=p.kind))
            continue
        if free and p.kind != p.KEYWORD_ONLY:
            r = free.pop(0)
            bound.append(Bound(p.name, r, "position", default=p.default, kind=p.kind))
            taken.add(r)
        else:
            missing.append(p.name)
    if missing:
        raise BindingError(
            f"{label or getattr(fn, '__qualname__', fn)}: cannot fill the required argument"
            f"{'s' if len(missing) > 1 else ''} {', '.join(repr(m) for m in missing)}: "
            f"{'they match' if len(missing) > 1 else 'it matches'} no argument of "
            f"{ref.label} (roles: {', '.join(sorted(r for r in roles if r not in names.INERT_OPTIONS))}); "
            f"name the role with --arg {missing[0]}=<role> or give a value with "
            f"--init {missing[0]}=<value>")
    bound.sort(key=lambda b: [p.name for p in params].index(b.param))
    forms = Forms({p.name: p.default for p in params}, spatial)
    binding = Binding(label or getattr(fn, "__qualname__", str(fn)), bound, forms)
    inputs = [r for r, role in ref.roles.items() if role.kind == "input"]
    if context == "function" and inputs and not any(b.role in inputs for b in bound) \
            and not binding.has("dict"):
        if _var_positional(fn):
            binding.star = sorted(inputs, key=lambda r: ref.roles[r].index)
        else:
            raise BindingError(f"{binding.label}: no argument takes the input array (it takes "
                               f"{', '.join(p.name for p in params) or 'nothing'}); name it "
                               f"with --arg <argument>=input")
    return binding


def _names_an_input(name: str, roles: set[str]) -> bool:
    """``mse_grad(y_pred, y_true)``: a backward whose first argument is the prediction, not
    an upstream gradient."""
    m = names.match(name, roles)
    return m is not None and m.role in ("input", "target") and name not in names.GRAD_OUTPUT


def _random_source(param: str) -> Any:
    """What a layer's required ``rng``/``seed``/``random_state`` argument is given (its
    initial values are overwritten by torch's): an int seed, a RandomState, a Generator."""
    import numpy as np
    if param in ("seed", "random_seed", "init_seed"):
        return 0
    if param in ("random_state", "rs", "np_random"):
        return np.random.RandomState(0)
    return np.random.default_rng(0)


def _var_positional(fn: Callable) -> bool:
    try:
        return any(p.kind == p.VAR_POSITIONAL for p in inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        return False


def _bind_one(p: inspect.Parameter, i: int, roles: set[str], context: str,
              explicit: dict[str, str], prefer: tuple[str, ...], taken: set[str]) -> Bound | None:
    name = p.name
    kw = dict(default=p.default, kind=p.kind)
    if name in explicit:
        target = explicit[name]
        if target in ("grad_output", "cache", "lr", "mask", "dict", "default", "ctx"):
            return Bound(name, None, target, **kw)
        m = names.match(target, roles)
        if m is None:
            raise BindingError(f"--arg {name}={target}: {target!r} is not a role of the "
                               f"reference (roles: {', '.join(sorted(roles))})")
        return Bound(name, m.role, "explicit", m.index, m.inverted, **kw)
    if context == "function" and i == 0 and name in names.FUNCTION_CTX:
        return Bound(name, None, "ctx", **kw)      # forward(ctx, x, w): a context object
    if context == "backward":
        first = i == 0 and name not in names.CACHE and not _names_an_input(name, roles) \
            and not names.OPTION_DICT.match(name)     # linear_grad(params, x, g)
        if name in names.GRAD_OUTPUT or first:
            return Bound(name, None, "grad_output", **kw)
        if name in names.CACHE:
            return Bound(name, None, "cache", **kw)
        if name in names.LEARNING_RATE:
            return Bound(name, None, "lr", **kw)
    if name in names.RANDOM_ARGS and p.default is EMPTY:
        return Bound(name, None, "rng", **kw)      # Dense(n_in, n_out, rng): its init only
    if name in ("mask", "keep_mask", "drop_mask", "dropout_mask") and "p" in roles:
        return Bound(name, None, "mask", **kw)
    if names.OPTION_DICT.match(name) or isinstance(p.default, dict):
        return Bound(name, None, "dict", **kw)
    if name in ("dtype",):
        return Bound(name, None, "dtype", **kw)
    m = names.match(name, roles - taken, prefer) or names.match(name, roles, prefer)
    if m is not None and m.role == "training" and isinstance(p.default, str) \
            and p.default.lower() not in ModeStr.TRAIN | ModeStr.EVAL:
        return None                    # mode="max": a pooling kind, not train/eval
    if m is not None and not (m.role in taken and m.index is None):
        return Bound(name, m.role, m.how, m.index, m.inverted, **kw)
    return None
